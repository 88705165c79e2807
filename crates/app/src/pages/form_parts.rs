//! Form building blocks: a label, a hint, the errors for the field and the control, wired
//! together with `aria-describedby` so screen readers read all of it.

use std::collections::BTreeMap;
use std::fmt::Write;

use mugsync_core::report::FieldError;

use crate::formdata::FormData;
use crate::html::{field_id, E};
use crate::report_form::{is_form_field, label, place};

/// Errors sorted onto their fields.
#[derive(Default)]
pub(crate) struct Errors {
    by_field: BTreeMap<String, Vec<String>>,
    /// In the order they came, for the summary: (field or "", message).
    ordered: Vec<(String, String)>,
}

impl Errors {
    /// Sorts parse errors onto fields (list fields get "line N: …").
    pub(crate) fn from_fields(errors: &[FieldError]) -> Errors {
        let mut out = Errors::default();
        for e in errors {
            let (base, line) = place(&e.field);
            let msg = match line {
                Some(n) => format!("line {}: {}", n + 1, e.reason),
                None => e.reason.clone(),
            };
            let field = if is_form_field(&base) {
                base
            } else {
                String::new()
            };
            out.by_field
                .entry(field.clone())
                .or_default()
                .push(msg.clone());
            out.ordered.push((field, msg));
        }
        out
    }

    /// True when there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }

    fn of(&self, field: &str) -> &[String] {
        self.by_field.get(field).map(Vec::as_slice).unwrap_or(&[])
    }

    /// True when `field` has an error.
    pub(crate) fn has(&self, field: &str) -> bool {
        !self.of(field).is_empty()
    }

    /// The summary box at the top of a form, linking to each field.
    pub(crate) fn summary(&self, heading: &str) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut o = format!(
            "<div class=\"error-summary\" id=\"error-summary\" tabindex=\"-1\" role=\"alert\" aria-labelledby=\"error-summary-h\">\n<h2 id=\"error-summary-h\">{}</h2>\n<ul>\n",
            E(heading)
        );
        for (field, msg) in &self.ordered {
            if field.is_empty() {
                let _ = writeln!(o, "<li>{}</li>", E(msg));
            } else {
                let _ = writeln!(
                    o,
                    "<li><a href=\"#{}\">{}: {}</a></li>",
                    field_id(field),
                    E(label(field)),
                    E(msg)
                );
            }
        }
        o.push_str("</ul>\n</div>\n");
        o
    }
}

/// What every control shares.
pub(crate) struct Ctl<'a> {
    pub name: &'a str,
    pub hint: Option<&'a str>,
    pub required: bool,
    /// The group's legend is the section's heading (no separate heading above it).
    pub heading: bool,
    /// Extra attributes for the control, already safe (literals only).
    pub attrs: &'a str,
}

impl<'a> Ctl<'a> {
    pub(crate) fn new(name: &'a str) -> Ctl<'a> {
        Ctl {
            name,
            hint: None,
            required: false,
            heading: false,
            attrs: "",
        }
    }
    pub(crate) fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }
    pub(crate) fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub(crate) fn heading(mut self) -> Self {
        self.heading = true;
        self
    }
    pub(crate) fn attrs(mut self, attrs: &'a str) -> Self {
        self.attrs = attrs;
        self
    }
}

fn label_html(ctl: &Ctl<'_>) -> String {
    let req = if ctl.required {
        " <span class=\"req\">required</span>"
    } else {
        ""
    };
    format!("{}{req}", E(label(ctl.name)))
}

/// The hint and error paragraphs, and the `aria-describedby`/`aria-invalid` attributes.
fn described(ctl: &Ctl<'_>, errors: &Errors) -> (String, String) {
    let id = field_id(ctl.name);
    let mut ids = Vec::new();
    let mut html = String::new();
    if let Some(h) = ctl.hint {
        let _ = writeln!(html, "<p class=\"hint\" id=\"{id}-hint\">{}</p>", E(h));
        ids.push(format!("{id}-hint"));
    }
    let errs = errors.of(ctl.name);
    if !errs.is_empty() {
        let _ = write!(html, "<p class=\"field-error\" id=\"{id}-error\"><span class=\"visually-hidden\">Error: </span>");
        for (i, e) in errs.iter().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            let _ = write!(html, "{}", E(e));
        }
        html.push_str("</p>\n");
        ids.push(format!("{id}-error"));
    }
    let mut attrs = String::new();
    if !ids.is_empty() {
        let _ = write!(attrs, " aria-describedby=\"{}\"", ids.join(" "));
    }
    if !errs.is_empty() {
        attrs.push_str(" aria-invalid=\"true\"");
    }
    if ctl.required {
        attrs.push_str(" aria-required=\"true\"");
    }
    (html, attrs)
}

fn wrap_class(ctl: &Ctl<'_>, errors: &Errors) -> &'static str {
    if errors.has(ctl.name) {
        "field has-error"
    } else {
        "field"
    }
}

/// `<input>` of `kind` (text, date, time…).
pub(crate) fn input(kind: &str, ctl: Ctl<'_>, values: &FormData, errors: &Errors) -> String {
    let id = field_id(ctl.name);
    let (desc, aria) = described(&ctl, errors);
    format!(
        "<div class=\"{}\">\n<label for=\"{id}\">{}</label>\n{desc}<input type=\"{kind}\" id=\"{id}\" name=\"{}\" value=\"{}\"{aria} {}>\n</div>\n",
        wrap_class(&ctl, errors),
        label_html(&ctl),
        E(ctl.name),
        E(values.get(ctl.name)),
        ctl.attrs,
    )
}

/// `<textarea>`.
pub(crate) fn textarea(ctl: Ctl<'_>, rows: u32, values: &FormData, errors: &Errors) -> String {
    let id = field_id(ctl.name);
    let (desc, aria) = described(&ctl, errors);
    format!(
        "<div class=\"{}\">\n<label for=\"{id}\">{}</label>\n{desc}<textarea id=\"{id}\" name=\"{}\" rows=\"{rows}\"{aria} {}>\n{}</textarea>\n</div>\n",
        wrap_class(&ctl, errors),
        label_html(&ctl),
        E(ctl.name),
        ctl.attrs,
        // The parser drops one newline right after <textarea>: the one written above, so
        // text that itself starts with a newline keeps it.
        E(values.get(ctl.name)),
    )
}

/// `<select>` of `(value, label)` options.
pub(crate) fn select(
    ctl: Ctl<'_>,
    options: &[(String, String)],
    values: &FormData,
    errors: &Errors,
) -> String {
    let id = field_id(ctl.name);
    let (desc, aria) = described(&ctl, errors);
    let current = values.get(ctl.name);
    let mut o = format!(
        "<div class=\"{}\">\n<label for=\"{id}\">{}</label>\n{desc}<select id=\"{id}\" name=\"{}\"{aria} {}>\n",
        wrap_class(&ctl, errors),
        label_html(&ctl),
        E(ctl.name),
        ctl.attrs
    );
    for (value, text) in options {
        let sel = if value == current { " selected" } else { "" };
        let _ = writeln!(
            o,
            "<option value=\"{}\"{sel}>{}</option>",
            E(value),
            E(text)
        );
    }
    o.push_str("</select>\n</div>\n");
    o
}

/// One choice of a radio or checkbox group: value, label, optional explanation.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub meaning: Option<String>,
}

impl Choice {
    pub(crate) fn new(value: &str, label: &str) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            meaning: None,
        }
    }
    pub(crate) fn meaning(mut self, m: &str) -> Choice {
        self.meaning = Some(m.into());
        self
    }
}

/// A group of radios (`multiple` false) or checkboxes (true) as large tiles in a fieldset.
pub(crate) fn choices(
    ctl: Ctl<'_>,
    legend: Option<&str>,
    options: &[Choice],
    multiple: bool,
    values: &FormData,
    errors: &Errors,
) -> String {
    let id = field_id(ctl.name);
    let (desc, aria) = described(&ctl, errors);
    let chosen = values.all(ctl.name);
    let kind = if multiple { "checkbox" } else { "radio" };
    let legend = match legend {
        Some(l) => format!(
            "{}{}",
            E(l),
            if ctl.required {
                " <span class=\"req\">required</span>"
            } else {
                ""
            }
        ),
        None => label_html(&ctl),
    };
    let mut o = format!(
        "<fieldset class=\"{} choices\" id=\"{id}\"{aria}>\n<legend{}>{legend}</legend>\n{desc}<div class=\"tiles{}\">\n",
        wrap_class(&ctl, errors),
        if ctl.heading { " class=\"as-h2\"" } else { "" },
        if options.iter().any(|c| c.meaning.is_some()) { " wide" } else { "" },
    );
    for (i, c) in options.iter().enumerate() {
        let cid = format!("{id}-{i}");
        let checked = if chosen.contains(&c.value.as_str()) {
            " checked"
        } else {
            ""
        };
        let meaning = c
            .meaning
            .as_ref()
            .map(|m| format!("<span class=\"meaning\" id=\"{cid}-m\">{}</span>", E(m)))
            .unwrap_or_default();
        let described = if c.meaning.is_some() {
            format!(" aria-describedby=\"{cid}-m\"")
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "<label class=\"tile\" for=\"{cid}\"><input type=\"{kind}\" id=\"{cid}\" name=\"{}\" value=\"{}\"{checked}{described} {}><span class=\"tile-text\"><span class=\"tile-label\">{}</span>{meaning}</span></label>",
            E(ctl.name),
            E(&c.value),
            ctl.attrs,
            E(&c.label),
        );
    }
    o.push_str("</div>\n</fieldset>\n");
    o
}
