//! [`NormalisedPhone`]: a phone number in E.164 form, read with a default [`Region`].
//!
//! Numbers are accepted when they parse and their length is *possible* for their country
//! (libphonenumber's "possible" test), not only when they are "valid": the metadata marks
//! whole ranges (such as Ofcom's drama range 07700 900xxx) as not valid, and perpetrators use
//! unusual numbers too. The `phonenumber` crate has no public possible-length check, so the
//! lengths come from its metadata (`possible_length` of the territory's number types).
//!
//! The crate also strips the *default* region's national prefix from numbers written with
//! another country code (so `+39 02 …` read with GB loses its 0, and `+44 1…` read with US
//! loses its 1). For numbers written with `+`, `00` or a leading country code this module
//! therefore takes the digits after the country code itself, and strips that country's own
//! national prefix only as libphonenumber does (e.g. `+44 (0)7700 …`).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use phonenumber::country::{Id, Source};
use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::{Mode, ParseError};

use super::error::{describe_char, IdentifierError};
use super::hint::PhoneHint;
use super::region::Region;

/// The most digits an E.164 number has, country code included.
const MAX_E164_DIGITS: usize = 15;

/// Room for an international dialling prefix (e.g. `00`, `011`) before an E.164 number.
const MAX_INPUT_DIGITS: usize = MAX_E164_DIGITS + 5;

/// Punctuation allowed between digits; `+` is allowed only first.
const ALLOWED_PUNCTUATION: &[char] = &['(', ')', '-', '.', '/'];

/// A phone number in E.164 form, e.g. `+447700900123`.
///
/// Plaintext: it may live only in the filing device's encrypted store and in a sealed police
/// payload (DESIGN.md data rule 3). Its `Debug` output therefore shows only the masked hint,
/// and it has no `Display` or serde implementation: use [`NormalisedPhone::as_e164`] where
/// the number is really needed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NormalisedPhone {
    e164: String,
    country_code: u16,
}

impl NormalisedPhone {
    /// Reads a phone number as a person might type it: `07700 900123`, `+44 7700 900123`,
    /// `0044 7700 900123`, `(07700) 900-123`. Numbers without a country code are read in
    /// `region`.
    ///
    /// Allowed characters are digits, spaces and `( ) - . /`, with an optional `+` first.
    ///
    /// # Errors
    /// [`IdentifierError::InvalidPhone`], saying what was wrong and what is allowed.
    pub fn parse(input: &str, region: Region) -> Result<Self, IdentifierError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(IdentifierError::phone(
                input,
                format!("it is empty ({})", give_full_number(region.calling_code())),
            ));
        }
        check_characters(input, trimmed)?;

        let plus = trimmed.starts_with('+');
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(IdentifierError::phone(input, "it has no digits"));
        }
        if digits.len() > MAX_INPUT_DIGITS || (plus && digits.len() > MAX_E164_DIGITS) {
            return Err(IdentifierError::phone(
                input,
                too_long_overall(Some(digits.len())),
            ));
        }

        let cleaned = if plus {
            format!("+{digits}")
        } else {
            digits.clone()
        };
        let parsed = phonenumber::parse(Some(region.id()), &cleaned)
            .map_err(|e| IdentifierError::phone(input, crate_error_reason(&e, region, plus)))?;
        let country_code = parsed.code().value();
        let meta = main_metadata(country_code).ok_or_else(|| {
            IdentifierError::phone(input, format!("+{country_code} {}", NOT_A_CALLING_CODE))
        })?;

        let national = match parsed.code().source() {
            Source::Default => parsed.national().to_string(),
            source => after_country_code(&digits, plus, source, country_code, region)
                .map(|rest| strip_national_prefix(meta, rest))
                .unwrap_or_else(|| parsed.national().to_string()),
        };

        check_length(input, meta, country_code, &national)?;
        check_length_for_kind(input, meta, country_code, &national)?;
        Ok(NormalisedPhone {
            e164: format!("+{country_code}{national}"),
            country_code,
        })
    }

    /// The number in E.164 form, e.g. `+447700900123`.
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// The country calling code, e.g. 44.
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The national significant number: the digits after the country code, e.g. `7700900123`.
    pub fn national_number(&self) -> &str {
        let cc_len = self.country_code.to_string().len();
        self.e164.get(1 + cc_len..).unwrap_or_default()
    }

    /// The masked hint shown in place of the number, e.g. `+44 7••• •••123`.
    pub fn hint(&self) -> PhoneHint {
        PhoneHint::for_number(self.country_code, self.national_number())
    }
}

impl fmt::Debug for NormalisedPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NormalisedPhone({})", self.hint())
    }
}

const NOT_A_CALLING_CODE: &str = "is not a country calling code mugsync knows";

/// Only digits, whitespace, `( ) - . /`, and `+` first.
fn check_characters(input: &str, trimmed: &str) -> Result<(), IdentifierError> {
    for (i, c) in trimmed.char_indices() {
        if c.is_ascii_digit() || c.is_whitespace() || ALLOWED_PUNCTUATION.contains(&c) {
            continue;
        }
        if c == '+' {
            if i == 0 {
                continue;
            }
            return Err(IdentifierError::phone(
                input,
                "'+' may only come first, before the country code (e.g. +44 7700 900123)",
            ));
        }
        return Err(IdentifierError::phone(
            input,
            format!(
                "it contains {}; a phone number may only have digits, spaces and ( ) - . /, \
                 with + first for a country code",
                describe_char(c)
            ),
        ));
    }
    Ok(())
}

fn too_long_overall(digits: Option<usize>) -> String {
    let count = digits.map(|d| format!(" ({d} digits)")).unwrap_or_default();
    format!(
        "it is too long{count}; a phone number has at most {MAX_E164_DIGITS} digits \
         including its country code"
    )
}

fn crate_error_reason(e: &ParseError, region: Region, plus: bool) -> String {
    match e {
        ParseError::InvalidCountryCode => format!(
            "it does not start with a country calling code mugsync knows (after {} comes the \
             country code, e.g. +44 for GB or +353 for IE)",
            if plus { "+" } else { "00" }
        ),
        ParseError::TooLong => too_long_overall(None),
        ParseError::NoNumber | ParseError::TooShortAfterIdd | ParseError::TooShortNsn => {
            too_short(region_name(region.calling_code()), region.calling_code())
        }
        ParseError::MalformedInteger(_) => "mugsync cannot read it as a number".to_owned(),
    }
}

/// The metadata libphonenumber uses for a calling code: its main region's.
fn main_metadata(code: u16) -> Option<&'static Metadata> {
    DATABASE.by_code(&code).and_then(|m| m.into_iter().next())
}

/// `GB` for +44; `+800` for non-geographic codes.
fn region_name(code: u16) -> String {
    match main_metadata(code) {
        Some(m) if m.id() != "001" => m.id().to_owned(),
        _ => format!("+{code}"),
    }
}

/// The digits after the country code of a number written with `+`, an international
/// dialling prefix, or a leading country code; `None` when they cannot be found.
fn after_country_code(
    digits: &str,
    plus: bool,
    source: Source,
    code: u16,
    region: Region,
) -> Option<&str> {
    let code = code.to_string();
    if plus || source != Source::Idd {
        return digits.strip_prefix(code.as_str());
    }
    let idd = DATABASE
        .by_id(region.as_str())
        .and_then(|m| m.international_prefix())?;
    (1..digits.len()).find_map(|i| {
        let (prefix, rest) = digits.split_at(i);
        let whole_prefix = idd
            .find(prefix)
            .is_some_and(|m| m.start() == 0 && m.end() == i);
        if whole_prefix {
            rest.strip_prefix(code.as_str())
        } else {
            None
        }
    })
}

/// True when `desc`'s pattern matches all of `s`.
fn matches_whole(desc: &Descriptor, s: &str) -> bool {
    desc.national_number()
        .find(s)
        .is_some_and(|m| m.start() == 0 && m.end() == s.len())
}

/// Drops the country's national (trunk) prefix, as in `+44 (0)7700 900123`, unless the
/// number was a plausible number with it and is not without it (libphonenumber's rule).
fn strip_national_prefix(meta: &Metadata, rest: &str) -> String {
    if let Some(prefix) = meta.national_prefix().filter(|p| !p.is_empty()) {
        if let Some(stripped) = rest.strip_prefix(prefix).filter(|s| !s.is_empty()) {
            let general = meta.descriptors().general();
            if !matches_whole(general, rest) || matches_whole(general, stripped) {
                return stripped.to_owned();
            }
        }
    }
    rest.to_owned()
}

/// Lengths of full national numbers, and lengths only dialable locally (no area code).
fn possible_lengths(meta: &Metadata) -> (BTreeSet<u16>, BTreeSet<u16>) {
    let d = meta.descriptors();
    let kinds = [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ];
    let mut national = BTreeSet::new();
    let mut local = BTreeSet::new();
    for desc in kinds.into_iter().flatten() {
        national.extend(desc.possible_length().iter().copied());
        local.extend(desc.possible_local_length().iter().copied());
    }
    local.retain(|l| !national.contains(l));
    (national, local)
}

fn check_length(
    input: &str,
    meta: &Metadata,
    code: u16,
    national: &str,
) -> Result<(), IdentifierError> {
    let name = region_name(code);
    let len = national.len();
    if national.is_empty() || !national.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentifierError::phone(input, too_short(name, code)));
    }
    if code.to_string().len() + len > MAX_E164_DIGITS {
        return Err(IdentifierError::phone(
            input,
            too_long_overall(Some(code.to_string().len() + len)),
        ));
    }
    let (possible, local) = possible_lengths(meta);
    let Ok(len16) = u16::try_from(len) else {
        return Err(IdentifierError::phone(input, too_long_overall(Some(len))));
    };
    let (Some(&min), Some(&max)) = (possible.first(), possible.last()) else {
        // No length data for this country: the crate's own bounds have been applied.
        return Ok(());
    };
    if possible.contains(&len16) {
        return Ok(());
    }
    let reason = if local.contains(&len16) {
        format!(
            "it looks like a local number without its area code; {}",
            give_full_number(code)
        )
    } else if len16 < min {
        too_short(name, code)
    } else if len16 > max {
        format!(
            "too long for {name}: it has {len} digits after the country code and numbers \
             there have at most {max}"
        )
    } else {
        let list: Vec<String> = possible.iter().map(u16::to_string).collect();
        format!(
            "{len} digits after the country code is not a possible length for {name} \
             (numbers there have {} digits)",
            list.join(", ")
        )
    };
    Err(IdentifierError::phone(input, reason))
}

/// A number whose length is possible for its country but not for its kind (a mobile number
/// with a digit missing is still as long as some landlines): the country's number formats
/// say how long numbers starting with these digits are. Refused only when the number is
/// also not valid by the metadata, so a real number the formats miss is never refused.
///
/// Why refuse rather than warn: the number is stored as a digest and shown masked, so a
/// worker cannot spot the typo later, and a check of the right number would then say "no
/// reports" — the worst answer this system can give.
fn check_length_for_kind(
    input: &str,
    meta: &Metadata,
    code: u16,
    national: &str,
) -> Result<(), IdentifierError> {
    let applicable: Vec<&phonenumber::metadata::Format> = meta
        .formats()
        .iter()
        .filter(|f| {
            f.leading_digits().is_empty()
                || f.leading_digits()
                    .iter()
                    .all(|ld| ld.find(national).is_some_and(|m| m.start() == 0))
        })
        .collect();
    if applicable.is_empty() || applicable.iter().any(|f| whole_match(f, national)) {
        return Ok(());
    }
    let valid = phonenumber::parse(None, format!("+{code}{national}"))
        .is_ok_and(|n| phonenumber::is_valid(&n));
    if valid {
        return Ok(());
    }
    // The lengths these formats take: the number cut or padded to each length.
    let expected: BTreeSet<usize> = (1..=MAX_E164_DIGITS)
        .filter(|&len| {
            let candidate: String = national
                .chars()
                .chain(std::iter::repeat('0'))
                .take(len)
                .collect();
            applicable.iter().any(|f| whole_match(f, &candidate))
        })
        .collect();
    let Some(&nearest) = expected.iter().min_by_key(|&&l| l.abs_diff(national.len())) else {
        return Ok(());
    };
    let name = region_name(code);
    let start = kind_start(meta, applicable[0], national);
    let how = match nearest.checked_sub(national.len()) {
        Some(1) => "a digit seems to be missing".to_owned(),
        Some(n) if n > 1 => format!("{n} digits seem to be missing"),
        _ if national.len() - nearest == 1 => "there seems to be a digit too many".to_owned(),
        _ => format!(
            "there seem to be {} digits too many",
            national.len() - nearest
        ),
    };
    let lengths: Vec<String> = expected
        .iter()
        .map(|l| (l + start.prefix_len).to_string())
        .collect();
    Err(IdentifierError::phone(
        input,
        format!(
            "{how}: {name} {kind}numbers starting {first} have {} digits{}, and this one has {} \
             (check the number with the person who gave it)",
            lengths.join(" or "),
            if start.prefix_len > 0 {
                " written with the leading 0"
            } else {
                ""
            },
            national.len() + start.prefix_len,
            kind = start.kind,
            first = start.first,
        ),
    ))
}

/// How the start of a number reads in a message: `07` and `mobile ` for a GB mobile.
struct KindStart {
    first: String,
    kind: &'static str,
    prefix_len: usize,
}

fn kind_start(
    meta: &Metadata,
    format: &phonenumber::metadata::Format,
    national: &str,
) -> KindStart {
    let lead_len = format
        .leading_digits()
        .first()
        .and_then(|ld| ld.find(national))
        .map_or(1, |m| m.end().max(1))
        .min(national.len());
    let lead = &national[..lead_len];
    let prefix = meta.national_prefix().unwrap_or_default();
    let d = meta.descriptors();
    let example_starts = |desc: Option<&Descriptor>| {
        desc.and_then(Descriptor::example)
            .is_some_and(|e| e.starts_with(lead))
    };
    let kind = match (example_starts(d.mobile()), example_starts(d.fixed_line())) {
        (true, false) => "mobile ",
        (false, true) => "landline ",
        _ => "",
    };
    KindStart {
        first: format!("{prefix}{lead}"),
        kind,
        prefix_len: prefix.len(),
    }
}

/// True when a format's pattern matches all of `s`.
fn whole_match(format: &phonenumber::metadata::Format, s: &str) -> bool {
    format
        .pattern()
        .find(s)
        .is_some_and(|m| m.start() == 0 && m.end() == s.len())
}

fn too_short(name: String, code: u16) -> String {
    format!("too short for {name} ({})", give_full_number(code))
}

/// "give the full number, e.g. 07700 900123 or +44 7700 900123"
fn give_full_number(code: u16) -> String {
    match example_numbers(code) {
        Some(examples) => format!("give the full number, e.g. {examples}"),
        None => "give the full number with its country code".to_owned(),
    }
}

/// An example number in national and international form, from the metadata (GB uses
/// Ofcom's drama range, as the fixtures do).
fn example_numbers(code: u16) -> Option<String> {
    if code == 44 {
        return Some("07700 900123 or +44 7700 900123".to_owned());
    }
    let meta = main_metadata(code)?;
    let d = meta.descriptors();
    let example = d
        .mobile()
        .and_then(Descriptor::example)
        .or_else(|| d.fixed_line().and_then(Descriptor::example))?;
    let id = Id::from_str(meta.id()).ok();
    let number = phonenumber::parse(id, format!("+{code}{example}")).ok()?;
    let international = number.format().mode(Mode::International).to_string();
    match id {
        Some(_) => {
            let national = number.format().mode(Mode::National).to_string();
            Some(format!("{national} or {international}"))
        }
        None => Some(international),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::tests::{fixture_key, fixtures};
    use proptest::prelude::*;

    fn gb(s: &str) -> Result<NormalisedPhone, IdentifierError> {
        NormalisedPhone::parse(s, Region::gb())
    }

    #[test]
    fn fixture_vectors_normalise_and_digest_exactly() {
        let f = fixtures();
        assert_eq!(f["default_region"], "GB");
        let region = Region::parse(f["default_region"].as_str().unwrap()).unwrap();
        let key = fixture_key();
        let vectors = f["phones"].as_array().unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let input = v["input"].as_str().unwrap();
            let p = NormalisedPhone::parse(input, region)
                .unwrap_or_else(|e| panic!("{input:?} should parse: {e}"));
            assert_eq!(p.as_e164(), v["canonical"].as_str().unwrap(), "{input:?}");
            assert_eq!(
                key.phone_digest(&p).to_hex(),
                v["digest"].as_str().unwrap(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn fixture_invalid_phones_are_refused_with_a_reason() {
        let f = fixtures();
        for v in f["invalid_phones"].as_array().unwrap() {
            let input = v.as_str().unwrap();
            match gb(input) {
                Ok(p) => panic!("{input:?} was accepted as {}", p.as_e164()),
                Err(e @ IdentifierError::InvalidPhone { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains("is not a phone number: "), "{msg}");
                    assert!(msg.len() > "is not a phone number: ".len() + 10, "{msg}");
                }
                Err(e) => panic!("{input:?}: wrong error {e:?}"),
            }
        }
    }

    #[test]
    fn too_short_message_matches_the_design() {
        assert_eq!(
            gb("123").unwrap_err().to_string(),
            "'123' is not a phone number: too short for GB (give the full number, e.g. \
             07700 900123 or +44 7700 900123)"
        );
        assert!(gb("+44 12")
            .unwrap_err()
            .to_string()
            .contains("too short for GB"));
        let e = gb("not a number").unwrap_err().to_string();
        assert!(e.contains("'n'") && e.contains("only have digits"), "{e}");
        assert!(gb("").unwrap_err().to_string().contains("it is empty"));
        let e = gb("+999 1234 5678 9012 3456").unwrap_err().to_string();
        assert!(
            e.contains("too long") || e.contains("country calling code"),
            "{e}"
        );
        let e = gb("+999 1234 5678").unwrap_err().to_string();
        assert!(e.contains("country calling code"), "{e}");
        let e = gb("07700 +900123").unwrap_err().to_string();
        assert!(e.contains("'+' may only come first"), "{e}");
        let e = gb("496 01").unwrap_err().to_string();
        assert!(e.contains("local number without its area code"), "{e}");
        let e = gb("+44 7700 9001234").unwrap_err().to_string();
        assert!(e.contains("too long for GB"), "{e}");
        // Nine-digit national numbers are possible in GB (e.g. 0800 numbers).
        assert_eq!(gb("0800 123 456").unwrap().as_e164(), "+44800123456");
        let e = NormalisedPhone::parse("12", Region::parse("IE").unwrap()).unwrap_err();
        assert!(
            e.to_string()
                .contains("too short for IE (give the full number, e.g. 0"),
            "{e}"
        );
    }

    #[test]
    fn a_mobile_number_with_a_digit_missing_or_extra_is_refused() {
        let e = gb("07700 90065").unwrap_err().to_string();
        assert!(
            e.contains("a digit seems to be missing")
                && e.contains("GB mobile numbers starting 07 have 11 digits")
                && e.contains("this one has 10"),
            "{e}"
        );
        let e = gb("+44 7700 90065").unwrap_err().to_string();
        assert!(e.contains("a digit seems to be missing"), "{e}");
        // Landlines with a digit missing: 0161 496 012 (ten digits written).
        let e = gb("0161 496 012").unwrap_err().to_string();
        assert!(e.contains("missing") && e.contains("starting 01"), "{e}");
        // Still fine: full drama-range mobiles, 9- and 10-digit freephone, landlines.
        for ok in [
            "07700 900065",
            "0800 123 456",
            "0800 123 4567",
            "0161 496 0123",
        ] {
            assert!(gb(ok).is_ok(), "{ok}: {:?}", gb(ok).unwrap_err());
        }
    }

    #[test]
    fn other_regions_and_foreign_numbers() {
        let ie = Region::parse("IE").unwrap();
        let us = Region::parse("US").unwrap();
        let it = Region::parse("IT").unwrap();
        let cases: &[(&str, Region, &str)] = &[
            ("085 123 4567", ie, "+353851234567"),
            ("+44 7700 900123", ie, "+447700900123"),
            ("00 44 7700 900123", ie, "+447700900123"),
            ("+44 (0) 7700 900123", ie, "+447700900123"),
            ("+44 (0) 7700 900123", Region::gb(), "+447700900123"),
            ("+44 161 496 0123", us, "+441614960123"),
            ("011 44 161 496 0123", us, "+441614960123"),
            ("(650) 253-0000", us, "+16502530000"),
            ("+39 02 3661 8300", Region::gb(), "+390236618300"),
            ("0039 02 3661 8300", Region::gb(), "+390236618300"),
            ("02 3661 8300", it, "+390236618300"),
            ("447700900123", Region::gb(), "+447700900123"),
            ("+7 800 555 35 35", Region::gb(), "+78005553535"),
        ];
        for (input, region, want) in cases {
            let p = NormalisedPhone::parse(input, *region)
                .unwrap_or_else(|e| panic!("{input:?} in {region}: {e}"));
            assert_eq!(p.as_e164(), *want, "{input:?} in {region}");
        }
    }

    #[test]
    fn parts_and_redacted_debug() {
        let p = gb("07700 900123").unwrap();
        assert_eq!(p.country_code(), 44);
        assert_eq!(p.national_number(), "7700900123");
        assert_eq!(p.hint().as_str(), "+44 7••• •••123");
        let dbg = format!("{p:?}");
        assert_eq!(dbg, "NormalisedPhone(+44 7••• •••123)");
        assert!(!dbg.contains("7700900"));
        let ie = NormalisedPhone::parse("+353 85 123 4567", Region::gb()).unwrap();
        assert_eq!(ie.national_number(), "851234567");
        assert_eq!(ie.hint().as_str(), "+353 8••• •••567");
    }

    fn spell(n: u32, style: usize) -> String {
        let last = format!("{n:03}");
        match style {
            0 => format!("07700 900{last}"),
            1 => format!("07700900{last}"),
            2 => format!("+44 7700 900{last}"),
            3 => format!("+447700900{last}"),
            4 => format!("0044 7700 900{last}"),
            5 => format!("(07700) 900-{last}"),
            6 => format!("+44 (0)7700 900 {last}"),
            7 => format!("07700-900-{last}"),
            8 => format!(" 077 00 90 0{last} "),
            _ => format!("0044 (0) 7700.900.{last}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn drama_range_spellings_agree(n in 0u32..1000, a in 0usize..10, b in 0usize..10) {
            let want = format!("+447700900{n:03}");
            let pa = gb(&spell(n, a)).unwrap();
            let pb = gb(&spell(n, b)).unwrap();
            prop_assert_eq!(pa.as_e164(), want.as_str());
            prop_assert_eq!(&pa, &pb);
        }

        #[test]
        fn hints_show_at_most_three_trailing_digits(n in 0u32..1000, style in 0usize..10) {
            let p = gb(&spell(n, style)).unwrap();
            let hint = p.hint();
            let h = hint.as_str();
            // "+44 7" is the country code and the number's leading digit; after it, only
            // the last three digits may show.
            let rest = h.strip_prefix("+44 7").unwrap();
            let shown: String = rest.chars().filter(char::is_ascii_digit).collect();
            prop_assert!(shown.len() <= 3, "{}", h);
            prop_assert_eq!(shown, format!("{n:03}"));
            prop_assert!(!h.contains("7700"));
            prop_assert_eq!(h.chars().filter(char::is_ascii_digit).count(), 6, "{}", h);
            prop_assert_eq!(PhoneHint::parse(h).unwrap(), hint.clone());
        }
    }
}
