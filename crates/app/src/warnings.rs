//! The file page's wording for the free-text warnings of `mugsync_core::report`: the rules
//! live in the core (the CLI and JSON import use the same ones); only the words that point
//! at this form's fields are here.
//!
//! The account and the public warning leave the device once synced and cannot be edited
//! after filing, so the form asks once before filing text that trips one of these (the
//! script shows the same warnings while typing; `assets/app.js` mirrors the patterns).

use mugsync_core::identifiers::Region;
use mugsync_core::report::{free_text_warnings, FreeTextWarning};

/// One warning, next to the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// `narrative` or `alert_text`.
    pub field: &'static str,
    /// What seems wrong and what to do, in words.
    pub message: String,
}

/// Looks at the account and the public warning.
///
/// `names_used` are the perpetrator's names from their own field (not warned about);
/// `private` are the person's own details typed into the form, with a label for each.
pub(crate) fn scan(
    narrative: &str,
    alert_text: &str,
    names_used: &[String],
    private: &[(&str, &str)],
    region: Region,
) -> Vec<Warning> {
    free_text_warnings(narrative, alert_text, names_used, private, region)
        .into_iter()
        .map(|w| Warning {
            field: w.field().as_wire(),
            message: message(&w),
        })
        .collect()
}

fn message(w: &FreeTextWarning) -> String {
    match w {
        FreeTextWarning::PrivateDetail { label, .. } => format!(
            "holds the {label} typed under “Stays on this device”. Take it out: this text leaves the device."
        ),
        FreeTextWarning::Phone { last_digits, .. } => format!(
            "seems to hold a phone number (ending {last_digits}). If it is the perpetrator's, put it under “Phone numbers” instead, where it can be checked without being readable; if it is the person's own, take it out."
        ),
        FreeTextWarning::Email { .. } => "seems to hold an email address. If it is the perpetrator's, put it under “Emails” instead; if it is the person's own, take it out.".into(),
        FreeTextWarning::Name { name, .. } => format!(
            "seems to name someone (“{name}”). If it is a name the perpetrator used, add it under “Names or aliases used”; if it is the name of the person it happened to, take it out."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_says_which_field_in_the_form_s_words() {
        let w = scan(
            "Punched her. Sample Person A rang 07700 900900.",
            "Man in white van, call 07700 900123",
            &[],
            &[("name", "Sample Person A"), ("contact", "")],
            Region::gb(),
        );
        let fields: Vec<&str> = w.iter().map(|w| w.field).collect();
        assert_eq!(fields, vec!["narrative", "narrative", "alert_text"]);
        assert!(w[0].message.contains("name typed under"), "{w:?}");
        assert!(w[1].message.contains("ending 900"), "{w:?}");
        assert!(w[1].message.contains("“Phone numbers”"), "{w:?}");
    }
}
