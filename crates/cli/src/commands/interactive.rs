//! `mugsync report new`: questions a worker can get through fast.
//!
//! Each answer is checked as it is given, with the same parsers the import uses, so a
//! mistake costs one re-typed line, not the whole form. Questions go to stderr, answers
//! come from stdin, so it also works with piped answers (and is tested that way).

use anyhow::{bail, Result};
use mugsync_core::identifiers::{NormalisedEmail, NormalisedPhone};
use mugsync_core::report::{
    AlertGroup, Gender, IncidentKind, PerpetratorInput, PoliceConsent, ReportInput, ReporterRole,
    Setting, VehicleInput,
};
use mugsync_store::DeviceStore;
use std::io::{BufRead, Write};

struct Asker<R: BufRead> {
    input: R,
}

impl<R: BufRead> Asker<R> {
    fn line(&mut self, question: &str) -> Result<String> {
        eprint!("{question} ");
        std::io::stderr().flush()?;
        let mut s = String::new();
        if self.input.read_line(&mut s)? == 0 {
            bail!("input ended before the report was complete; nothing was filed");
        }
        Ok(s.trim().to_owned())
    }

    /// Asks until `check` accepts the answer.
    fn valid<T>(&mut self, question: &str, check: impl Fn(&str) -> Result<T, String>) -> Result<T> {
        for _ in 0..20 {
            let answer = self.line(question)?;
            match check(&answer) {
                Ok(v) => return Ok(v),
                Err(why) => eprintln!("  {why}"),
            }
        }
        bail!("too many invalid answers; nothing was filed")
    }

    fn choose<T: Copy>(
        &mut self,
        question: &str,
        all: &[T],
        label: fn(T) -> &'static str,
        default: Option<usize>,
    ) -> Result<T> {
        eprintln!("{question}");
        for (i, v) in all.iter().enumerate() {
            eprintln!("  {:>2}. {}", i + 1, label(*v));
        }
        let prompt = match default {
            Some(d) => format!("Number [{}]:", d + 1),
            None => "Number:".into(),
        };
        self.valid(&prompt, |a| {
            if a.is_empty() {
                if let Some(d) = default {
                    return Ok(all[d]);
                }
            }
            a.parse::<usize>()
                .ok()
                .filter(|n| (1..=all.len()).contains(n))
                .map(|n| all[n - 1])
                .ok_or_else(|| format!("give a number from 1 to {}", all.len()))
        })
    }

    fn list(
        &mut self,
        question: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Vec<String>> {
        self.valid(question, |a| {
            let items: Vec<String> = a
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            for item in &items {
                check(item)?;
            }
            Ok(items)
        })
    }

    fn yes_no(&mut self, question: &str) -> Result<bool> {
        self.valid(question, |a| match a.to_lowercase().as_str() {
            "y" | "yes" => Ok(true),
            "n" | "no" => Ok(false),
            _ => Err("answer y or n".into()),
        })
    }
}

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Asks the questions, shows a summary and any warnings about the free text, and files the
/// report once the worker confirms (`yes` skips the question, for scripts).
pub fn run(store: &mut DeviceStore, input: impl BufRead, yes: bool) -> Result<()> {
    let mut ask = Asker { input };
    let region = store.region();
    let today = time::OffsetDateTime::now_utc().date();
    eprintln!(
        "New report. Press Enter to skip optional questions. Nothing is saved until the end."
    );

    let incident_date = ask.valid(
        &format!("Date of the incident (YYYY-MM-DD) [{today}]:"),
        |a| {
            let a = if a.is_empty() {
                today.to_string()
            } else {
                a.to_owned()
            };
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            match time::Date::parse(&a, &fmt) {
                Ok(d) if d > today.next_day().unwrap_or(today) => {
                    Err(format!("{d} is in the future; give the date it happened"))
                }
                Ok(_) => Ok(a),
                Err(_) => Err("use YYYY-MM-DD, e.g. 2026-10-03".to_string()),
            }
        },
    )?;
    let incident_time = opt(ask.valid("Time (HH:MM, 24-hour), if known:", |a| {
        if a.is_empty() {
            return Ok(String::new());
        }
        let fmt = time::macros::format_description!("[hour]:[minute]");
        time::Time::parse(a, &fmt)
            .map(|_| a.to_owned())
            .map_err(|_| "use HH:MM, e.g. 23:40".to_string())
    })?);

    let areas: Vec<(String, String)> = store
        .areas()
        .areas()
        .iter()
        .map(|a| (a.code.to_string(), a.name.clone()))
        .collect();
    eprintln!("Where did it happen?");
    for (i, (_, name)) in areas.iter().enumerate() {
        eprintln!("  {:>2}. {name}", i + 1);
    }
    let area = ask.valid("Number:", |a| {
        a.parse::<usize>()
            .ok()
            .filter(|n| (1..=areas.len()).contains(n))
            .map(|n| areas[n - 1].0.clone())
            .ok_or_else(|| format!("give a number from 1 to {}", areas.len()))
    })?;
    let setting = ask.choose("What kind of place?", Setting::ALL, Setting::label, None)?;
    eprintln!("What happened? Give one or more numbers separated by commas.");
    for (i, k) in IncidentKind::ALL.iter().enumerate() {
        eprintln!("  {:>2}. {}", i + 1, k.label());
    }
    let kinds = ask.valid("Numbers:", |a| {
        let picked: Result<Vec<String>, String> = a
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=IncidentKind::ALL.len()).contains(n))
                    .map(|n| IncidentKind::ALL[n - 1].as_wire().to_owned())
                    .ok_or_else(|| {
                        format!(
                            "'{s}' is not a number from 1 to {}",
                            IncidentKind::ALL.len()
                        )
                    })
            })
            .collect();
        picked.and_then(|p| {
            if p.is_empty() {
                Err("pick at least one".into())
            } else {
                Ok(p)
            }
        })
    })?;

    eprintln!("About the person who did it.");
    let phones = ask.list("Phone numbers used (comma separated):", |p| {
        NormalisedPhone::parse(p, region)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    let emails = ask.list("Emails used (comma separated):", |e| {
        NormalisedEmail::parse(e)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    let names_used = ask.list("Names or aliases used (comma separated):", |_| Ok(()))?;
    let gender = ask.choose(
        "Gender:",
        Gender::ALL,
        Gender::label,
        Some(Gender::ALL.len() - 1),
    )?;
    let age_range = opt(ask.line("Age range (e.g. 30-40):")?);
    let appearance = opt(ask.line("Appearance, clothing, distinguishing features:")?);
    let registration = opt(ask.valid(
        "Vehicle registration or part of it (? for unknown characters):",
        |a| {
            if a.is_empty() {
                return Ok(String::new());
            }
            mugsync_core::identifiers::Registration::parse(a)
                .map(|_| a.to_owned())
                .map_err(|e| e.to_string())
        },
    )?);
    let vehicle_desc = opt(ask.line("Vehicle colour, make and model:")?);

    eprintln!("What happened, in words. Leave out the name, contact details and address of the person it happened to.");
    let narrative = ask.valid("Account:", |a| {
        if a.is_empty() {
            Err("write at least a sentence".into())
        } else {
            Ok(a.to_owned())
        }
    })?;
    let alert_text = opt(
        ask.line("Short warning other members may read (Enter: made from the answers above):")?
    );
    let alert_for = ask.choose(
        "Who should the warning go to?",
        AlertGroup::ALL,
        AlertGroup::label,
        Some(3),
    )?;
    let reporter_role = ask.choose(
        "Who is filing?",
        ReporterRole::ALL,
        ReporterRole::label,
        Some(1),
    )?;

    eprintln!("Consent. Ask the person; they can change their mind later.");
    let alert = ask.yes_no("May an anonymous warning go to other members? (y/n)")?;
    eprintln!("What may the police receive?");
    eprintln!("  none:         nothing goes to the police");
    eprintln!("  intelligence: the anonymous report, no name or contact details");
    eprintln!(
        "  full:         the report plus name and contact, sealed for the police liaison only"
    );
    let police = ask.valid("none / intelligence / full [none]:", |a| {
        let a = if a.is_empty() { "none" } else { a };
        PoliceConsent::parse(a)
            .map(|p| p.as_wire().to_owned())
            .map_err(|e| e.reason)
    })?;
    let mut victim = None;
    if police == "full" {
        eprintln!("Contact details for the police liaison. They stay encrypted on this device.");
        let name = opt(ask.line("Name or working name:")?);
        let contact = opt(ask.line("How to reach them:")?);
        if name.is_some() || contact.is_some() {
            victim = Some(serde_json::json!({ "name": name, "contact": contact }));
        }
    }

    let mut input = serde_json::json!({
        "incident_date": incident_date,
        "incident_time": incident_time,
        "area": area,
        "setting": setting.as_wire(),
        "kinds": kinds,
        "narrative": narrative,
        "alert_text": alert_text,
        "alert_for": alert_for.as_wire(),
        "reporter_role": reporter_role.as_wire(),
        "consent": { "alert": alert, "police": police },
    });
    let perpetrator = PerpetratorInput {
        phones,
        emails,
        names_used,
        gender: Some(gender.as_wire().to_owned()),
        age_range,
        appearance,
        vehicle: (registration.is_some() || vehicle_desc.is_some()).then(|| VehicleInput {
            model: vehicle_desc,
            registration,
            ..Default::default()
        }),
        ..Default::default()
    };
    input["perpetrator"] = perpetrator_json(&perpetrator);
    if let Some(v) = victim {
        input["victim_private"] = v;
    }
    let parsed: ReportInput = serde_json::from_value(input)?;
    let warnings = vec![parsed.free_text_warnings(region)];
    let mut new = super::report::parse_all(store, vec![parsed])?;
    let mut ask_line = |q: &str| ask.line(q);
    super::report::confirm(&new, &warnings, store.areas(), yes, Some(&mut ask_line))?;
    let id = store.file(new.remove(0))?;
    eprintln!("Filed. It is saved on this device and will go to the relay at the next sync.");
    crate::output::line(&id.to_string())?;
    Ok(())
}

fn perpetrator_json(p: &PerpetratorInput) -> serde_json::Value {
    serde_json::json!({
        "phones": p.phones,
        "emails": p.emails,
        "names_used": p.names_used,
        "gender": p.gender,
        "age_range": p.age_range,
        "appearance": p.appearance,
        "vehicle": p.vehicle.as_ref().map(|v| serde_json::json!({
            "model": v.model, "registration": v.registration
        })),
    })
}
