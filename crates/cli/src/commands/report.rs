//! `mugsync report …`: file, list, show, amend, withdraw.

use anyhow::{Context, Result};
use mugsync_core::identifiers::{NormalisedEmail, NormalisedPhone};
use mugsync_core::report::{
    Amendment, Description, InputErrors, NewReport, Reason, ReportId, ReportInput,
};
use mugsync_store::DeviceStore;
use std::io::Read;
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

/// `report file --from FILE`.
pub fn file(store: &mut DeviceStore, from: &Path) -> Result<()> {
    let text = if from == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        s
    } else {
        std::fs::read_to_string(from).with_context(|| format!("cannot read {}", from.display()))?
    };
    let reports = parse_all(store, read_inputs(&text)?)?;
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
    output::out(&render::list(&rows))
}

fn find(store: &DeviceStore, id: &str) -> Result<ReportId> {
    let given = id.trim().escape_debug().to_string();
    let id = ReportId::parse(id).map_err(|_| {
        bad_input(format!(
            "'{given}' is not a report id (they look like 0193a1b2-…); `mugsync report list` shows the reports on this device"
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
    for p in phones {
        let phone = NormalisedPhone::parse(p, store.region()).context("--phone")?;
        amendment
            .phones
            .push(store.scheme_key().protect_phone(&phone));
    }
    for e in emails {
        let email = NormalisedEmail::parse(e).context("--email")?;
        amendment
            .emails
            .push(store.scheme_key().protect_email(&email));
    }
    if amendment.is_empty() {
        return Err(bad_input("nothing to add: give --note, --phone or --email"));
    }
    store.amend(&id, &amendment)?;
    output::line(&format!("Amended {id}"))
}

/// `report withdraw ID --reason`.
pub fn withdraw(store: &mut DeviceStore, id: &str, reason: &str) -> Result<()> {
    let id = find(store, id)?;
    let reason = Reason::parse("--reason", reason)?;
    store.withdraw(&id, &reason)?;
    output::line(&format!("Withdrew {id}"))
}
