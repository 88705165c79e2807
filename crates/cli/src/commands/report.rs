//! `mugsync report …`: file, list, show, amend, withdraw.

use anyhow::{bail, Context, Result};
use mugsync_core::identifiers::{NormalisedEmail, NormalisedPhone, PlainIdentifiers};
use mugsync_core::report::{
    Amendment, AreaList, Description, FreeTextWarning, InputErrors, NewReport, PoliceConsent,
    Reason, ReportId, ReportInput,
};
use mugsync_store::DeviceStore;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use crate::exit::bad_input;
use crate::{output, render};

/// Reads import JSON: one object, an array of objects, or `{"reports": [...]}`.
pub fn read_inputs(text: &str) -> Result<Vec<ReportInput>> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad_input(format!("the input is not JSON ({e}); nothing was filed")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map)
            if map.contains_key("reports") && !map.contains_key("narrative") =>
        {
            match map.remove("reports") {
                Some(serde_json::Value::Array(items)) => items,
                _ => return Err(bad_input("\"reports\" must be an array of report objects")),
            }
        }
        obj @ serde_json::Value::Object(_) => vec![obj],
        _ => {
            return Err(bad_input(
                "expected a report object, an array of them, or {\"reports\": [...]}",
            ))
        }
    };
    if items.is_empty() {
        return Err(bad_input("the input holds no reports"));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value::<ReportInput>(v)
                .map_err(|e| bad_input(format!("report {}: not in the import format: {e}", i + 1)))
        })
        .collect()
}

/// Validates every input first, so a bad one files nothing.
pub fn parse_all(store: &DeviceStore, inputs: Vec<ReportInput>) -> Result<Vec<NewReport>> {
    let many = inputs.len() > 1;
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            input.parse(&store.intake()).map_err(|InputErrors(errs)| {
                let msg: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
                if many {
                    bad_input(format!(
                        "report {}: {}; nothing was filed",
                        i + 1,
                        msg.join("; ")
                    ))
                } else {
                    bad_input(format!("{}; nothing was filed", msg.join("; ")))
                }
            })
        })
        .collect()
}

/// Asks the worker a question and returns the answer line.
pub type Ask<'a> = dyn FnMut(&str) -> Result<String> + 'a;

/// The most reports a summary lists one by one; longer imports get one line.
const SUMMARY_LIST_MAX: usize = 20;

/// What is about to be filed, in words, for the confirm step: when, where, what, who,
/// the public warning and consent. Identifiers show as their masked hints.
pub fn summary(new: &NewReport, areas: &AreaList) -> String {
    let b = &new.body;
    let when = match b.when.time {
        Some(t) => format!("{} {:02}:{:02}", b.when.date, t.hour(), t.minute()),
        None => b.when.date.to_string(),
    };
    let kinds: Vec<&str> = b.kinds.iter().map(|k| k.label()).collect();
    let p = &b.perpetrator;
    let mut who: Vec<String> = p
        .phones
        .iter()
        .map(|r| r.hint.as_str().to_owned())
        .chain(p.emails.iter().map(|r| r.hint.as_str().to_owned()))
        .collect();
    who.extend(p.names_used.iter().map(|n| format!("“{}”", n.as_str())));
    if who.is_empty() {
        who.push("no phone, email or name given".into());
    }
    format!(
        "  When:    {when}\n  Where:   {} ({})\n  What:    {}\n  Who:     {}\n  Warning: {}\n  Consent: alert {}, police {}{}\n",
        areas.name_of(&b.area),
        b.setting.label(),
        kinds.join(", "),
        who.join(", "),
        b.alert_text.as_str(),
        if new.consent.alert { "yes" } else { "no" },
        new.consent.police.as_wire(),
        if new.victim.is_some() { "; the person's details stay on this device" } else { "" },
    )
}

/// Prints the summary and the free-text warnings of what is about to be filed, then asks
/// (when there is a terminal to ask on) or, without one, refuses when there are warnings,
/// unless `yes`. Returns only when filing should go ahead.
pub fn confirm(
    reports: &[NewReport],
    warnings: &[Vec<FreeTextWarning>],
    areas: &AreaList,
    yes: bool,
    ask: Option<&mut Ask<'_>>,
) -> Result<()> {
    let n = reports.len();
    let warned = warnings.iter().filter(|w| !w.is_empty()).count();
    if n <= SUMMARY_LIST_MAX {
        for (i, new) in reports.iter().enumerate() {
            if n > 1 {
                eprintln!("Report {}:", i + 1);
            } else {
                eprintln!("About to file:");
            }
            eprint!("{}", summary(new, areas));
        }
    } else {
        eprintln!("About to file {n} reports ({warned} with warnings).");
    }
    for (i, ws) in warnings.iter().enumerate() {
        for w in ws {
            if n > 1 {
                eprintln!("Warning, report {}: {w}.", i + 1);
            } else {
                eprintln!("Warning: {w}.");
            }
        }
    }
    if warned > 0 {
        eprintln!("This text leaves the device when it syncs and cannot be changed after filing.");
    }
    if yes {
        return Ok(());
    }
    match ask {
        Some(ask) => {
            let question = match (n, warned) {
                (1, 0) => "File this report? (y/n)".to_owned(),
                (1, _) => "File it as written? (y/n)".to_owned(),
                (n, 0) => format!("File these {n} reports? (y/n)"),
                (n, _) => format!("File these {n} reports as written? (y/n)"),
            };
            let answer = ask(&question)?;
            if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
                Ok(())
            } else {
                bail!("nothing was filed")
            }
        }
        None if warned > 0 => bail!(
            "nothing was filed: look at the warnings above, change the text, or pass --yes to file it as written"
        ),
        None => Ok(()),
    }
}

/// `report file --from FILE`.
pub fn file(store: &mut DeviceStore, from: &Path, yes: bool) -> Result<()> {
    let text = if from == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        s
    } else {
        std::fs::read_to_string(from).with_context(|| format!("cannot read {}", from.display()))?
    };
    let inputs = read_inputs(&text)?;
    let warnings: Vec<Vec<FreeTextWarning>> = inputs
        .iter()
        .map(|i| i.free_text_warnings(store.region()))
        .collect();
    let reports = parse_all(store, inputs)?;
    // Ask only when a person is there and standard input is not the reports themselves.
    let terminal =
        from != Path::new("-") && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut ask_line = |q: &str| -> Result<String> {
        eprint!("{q} ");
        std::io::stderr().flush()?;
        let mut s = String::new();
        std::io::stdin().read_line(&mut s)?;
        Ok(s)
    };
    let ask: Option<&mut Ask<'_>> = if terminal { Some(&mut ask_line) } else { None };
    confirm(&reports, &warnings, store.areas(), yes, ask)?;
    for new in reports {
        let id = store.file(new)?;
        output::line(&id.to_string())?;
    }
    Ok(())
}

/// `report list`.
pub fn list(store: &DeviceStore, json: bool) -> Result<()> {
    let reports = store.list()?;
    if json {
        return output::json(&reports);
    }
    let rows = reports
        .into_iter()
        .map(|r| {
            let state = store.local_state(&r.id)?;
            Ok((r, state))
        })
        .collect::<Result<Vec<_>>>()?;
    output::out(&render::list(&rows, store.areas()))
}

/// A report on this device by its full id or the short id `report list` shows.
pub fn find(store: &DeviceStore, id: &str) -> Result<ReportId> {
    let given = id.trim().escape_debug().to_string();
    let short = id.trim().to_ascii_lowercase();
    if short.len() == render::SHORT_ID_LEN && short.chars().all(|c| c.is_ascii_hexdigit()) {
        let matches: Vec<ReportId> = store
            .list()?
            .into_iter()
            .map(|r| r.id)
            .filter(|r| r.to_string().ends_with(&short))
            .collect();
        return match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(bad_input(format!(
                "no report on this device has the short id {short}; `mugsync report list` shows the reports it holds"
            ))),
            _ => Err(bad_input(format!(
                "{} reports end in {short}; give the full id (`mugsync report list --json` shows them)",
                matches.len()
            ))),
        };
    }
    let id = ReportId::parse(id).map_err(|_| {
        bad_input(format!(
            "'{given}' is not a report id: give the short id `mugsync report list` shows (8 characters, like 9f3c2a1b) or the full one"
        ))
    })?;
    if store.report(&id)?.is_none() {
        return Err(bad_input(format!(
            "report {id} is not on this device; `mugsync report list` shows the reports it holds"
        )));
    }
    Ok(id)
}

/// `report show ID`.
pub fn show(store: &DeviceStore, id: &str, json: bool) -> Result<()> {
    let id = find(store, id)?;
    let report = store.report(&id)?.expect("found above");
    if json {
        return output::json(&report);
    }
    let state = store.local_state(&id)?;
    let private = store.victim_private(&id)?.is_some();
    output::out(&render::show(
        &report,
        state.as_ref(),
        store.areas(),
        private,
    ))
}

/// `report amend ID …`.
pub fn amend(
    store: &mut DeviceStore,
    id: &str,
    note: Option<&str>,
    phones: &[String],
    emails: &[String],
) -> Result<()> {
    let id = find(store, id)?;
    let note = note
        .filter(|n| !n.trim().is_empty())
        .map(|n| Description::parse("--note", n))
        .transpose()?;
    let mut amendment = Amendment {
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
        note,
        phones: Vec::new(),
        emails: Vec::new(),
    };
    // The plaintext stays in the store's local-only table (for police payloads, and for
    // re-keying if this device enrols after filing).
    let mut plain = PlainIdentifiers::default();
    for p in phones {
        let phone = NormalisedPhone::parse(p, store.region()).context("--phone")?;
        amendment
            .phones
            .push(store.scheme_key().protect_phone(&phone));
        plain.add_phone(phone);
    }
    for e in emails {
        let email = NormalisedEmail::parse(e).context("--email")?;
        amendment
            .emails
            .push(store.scheme_key().protect_email(&email));
        plain.add_email(email);
    }
    if amendment.is_empty() {
        return Err(bad_input("nothing to add: give --note, --phone or --email"));
    }
    store.amend_with_plain(&id, &amendment, &plain)?;
    output::line(&format!("Amended {id}"))
}

/// `report withdraw ID --reason`.
pub fn withdraw(store: &mut DeviceStore, id: &str, reason: &str) -> Result<()> {
    let id = find(store, id)?;
    let reason = Reason::parse("--reason", reason)?;
    store.withdraw(&id, &reason)?;
    output::line(&format!("Withdrew {id}"))
}

/// `report consent ID [--alert yes|no] [--police none|intelligence|full]`.
pub fn consent(
    store: &mut DeviceStore,
    id: &str,
    alert: Option<&str>,
    police: Option<&str>,
) -> Result<()> {
    let id = find(store, id)?;
    if alert.is_none() && police.is_none() {
        return Err(bad_input(
            "say what changes: --alert yes|no and/or --police none|intelligence|full",
        ));
    }
    let report = store.report(&id)?.expect("found above");
    let mut consent = report.consent;
    if let Some(a) = alert {
        consent.alert = a == "yes";
    }
    if let Some(p) = police {
        consent.police = PoliceConsent::parse(p)?;
    }
    if consent.police == PoliceConsent::Full && store.victim_private(&id)?.is_none() {
        return Err(bad_input(
            "--police full shares the person's contact details, and this device holds none for this report; choose intelligence, or file the details with the report",
        ));
    }
    store.set_consent(&id, consent)?;
    output::line(&format!(
        "Consent for report {}: alert {}; police: {}.",
        render::short_id(&id),
        if consent.alert { "yes" } else { "no" },
        consent.police.label()
    ))
}
