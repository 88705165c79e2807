//! Posted forms as name/value pairs, so repeated names (checkboxes) keep every value.

/// A posted `application/x-www-form-urlencoded` body, in order.
#[derive(Default, Clone)]
pub(crate) struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// Parses a urlencoded body; `None` when it is not one.
    pub(crate) fn parse(body: &[u8]) -> Option<FormData> {
        pairs(body).map(FormData)
    }

    /// The first value of `name`, or "".
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The first value of `name`, trimmed, or `None` when blank.
    pub(crate) fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// Every value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The non-blank lines of a textarea.
    pub(crate) fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// True when `name` was sent (even empty).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

impl std::fmt::Debug for FormData {
    // Forms hold narratives, identifiers and victim details: show only the field names.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k))
            .finish()
    }
}

/// Decodes `a=1&b=%C3%BC+x` into pairs. Written out here because the form extractor of the
/// web framework cannot keep repeated names, and the parsing is small.
fn pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let mut kv = part.splitn(2, |b| *b == b'=');
        let k = decode(kv.next()?)?;
        let v = decode(kv.next().unwrap_or(b""))?;
        out.push((k, v));
    }
    Some(out)
}

fn decode(raw: &[u8]) -> Option<String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_repeats_and_decodes() {
        let f = FormData::parse(b"kinds=robbery&kinds=theft&n=%3Cscript%3E+%C3%BC&empty=&flag")
            .unwrap();
        assert_eq!(f.all("kinds"), vec!["robbery", "theft"]);
        assert_eq!(f.get("n"), "<script> ü");
        assert_eq!(f.get("missing"), "");
        assert!(f.has("empty") && f.has("flag"));
        assert_eq!(f.opt("empty"), None);
        assert!(FormData::parse(b"a=%ZZ").is_none());
        assert!(FormData::parse(b"a=%C3").is_none());
        assert_eq!(
            format!("{f:?}"),
            r#"["kinds", "kinds", "n", "empty", "flag"]"#
        );
    }
}
