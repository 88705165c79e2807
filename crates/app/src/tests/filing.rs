//! Filing through the form: field errors in place, warnings, drafts, double submits.

use axum::http::StatusCode;
use mugsync_core::report::{PoliceConsent, ReportId};

use super::{good_form, Harness};
use crate::pages::file_draft_key;

fn with(
    form: &[(&'static str, &'static str)],
    name: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<_> = form.iter().filter(|(k, _)| *k != name).copied().collect();
    if !value.is_empty() {
        out.push((leak(name), value));
    }
    out
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn filed_id(location: &str) -> ReportId {
    let id = location
        .strip_prefix("/reports/")
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    ReportId::parse(id).unwrap()
}

#[tokio::test]
async fn a_full_form_files_the_report_with_every_field() {
    let h = Harness::new().await;
    let got = h.post("/reports", &good_form()).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.body);
    assert!(got.location().ends_with("?filed=1"));
    let id = filed_id(got.location());
    let (r, private) = h.store(|s| {
        (
            s.report(&id).unwrap().unwrap(),
            s.victim_private(&id).unwrap().unwrap(),
        )
    });
    assert_eq!(r.body.narrative.as_str(), "Refused to pay & hit her. <script>alert(\"x\")</script> 'single' \"double\" — ünïcödé 名前");
    assert_eq!(
        r.body.alert_text.as_str(),
        "Man in a <b>white</b> Ford, \"Dave\" — ünïcödé"
    );
    assert_eq!(
        r.body.perpetrator.phones[0].hint.as_str(),
        "+44 7••• •••321"
    );
    assert_eq!(r.body.perpetrator.emails.len(), 1);
    assert_eq!(
        r.body
            .perpetrator
            .vehicle
            .as_ref()
            .unwrap()
            .registration
            .as_ref()
            .unwrap()
            .as_str(),
        "MA6?"
    );
    assert_eq!(
        r.body.perpetrator.online_handles[0].handle.as_str(),
        "nightowl"
    );
    assert_eq!(r.body.kinds.len(), 2);
    assert!(r.consent.alert);
    assert_eq!(r.consent.police, PoliceConsent::Full);
    assert_eq!(private.name.unwrap().as_str(), "Sample Person Z");
    // Nothing the person gave reached the shared log.
    let log = h.store(|s| s.shared_log_bytes().unwrap()).concat();
    assert!(!log.windows(15).any(|w| w == b"Sample Person Z"));
    assert!(!log
        .windows(11)
        .any(|w| w == b"07700900321" || w == b"7700 900321"));

    let page = h.get(got.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Filed"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;single&#39;"),
        "{}",
        page.body
    );
    assert!(page.body.contains("ünïcödé 名前"));
    assert!(!page.body.contains("<script>alert"), "raw script in page");
    assert!(!page.body.contains("<b>white</b>"));
    assert!(
        !page.body.contains("Sample Person Z"),
        "the person's details are on their own page"
    );
    assert!(page.body.contains("not yet synced"));
    assert!(page.body.contains("Received by police"));
}

#[tokio::test]
async fn errors_appear_next_to_their_fields_and_nothing_is_filed() {
    let h = Harness::new().await;
    let mut form = with(&good_form(), "kinds", "");
    form = with(&form, "consent.alert", "");
    form = with(&form, "area", "mcr-nowhere");
    form = with(&form, "perpetrator.phones", "07700 900321\nnot a phone");
    // A day that does not exist (an en-GB day-first date such as 03/10/2026 is fine).
    form = with(&form, "incident_date", "31/02/2026");
    let got = h.post("/reports", &form).await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    let b = &got.body;
    assert!(b.contains("id=\"error-summary\""), "{b}");
    assert!(b.contains("Not filed yet: 5 things to put right"), "{b}");
    for (id, text) in [
        ("f-kinds-error", "tick at least one"),
        ("f-consent-alert-error", "ask the person"),
        ("f-area-error", "not one of this scheme"),
        ("f-perpetrator-phones-error", "line 2: "),
        ("f-incident_date-error", "February 2026 has no day 31"),
    ] {
        let at = b
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} missing in {b}"));
        assert!(b[at..at + 400].contains(text), "{id}: {}", &b[at..at + 400]);
    }
    assert!(
        b.contains("aria-describedby=\"f-kinds-hint f-kinds-error\" aria-invalid=\"true\""),
        "{b}"
    );
    // In the order the form asks, in the form's words.
    let start = b.find("id=\"error-summary\"").unwrap();
    let summary = &b[start..start + b[start..].find("</ul>").unwrap()];
    let order: Vec<usize> = [
        "#f-incident_date",
        "#f-area",
        "#f-kinds",
        "#f-perpetrator-phones",
        "#f-consent-alert",
    ]
    .iter()
    .map(|a| {
        summary
            .find(a)
            .unwrap_or_else(|| panic!("{a} not in {summary}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{summary}");
    assert!(
        !summary.contains("physical_assault"),
        "no import-format words: {summary}"
    );
    // What was typed comes back, escaped, including the person's own details.
    assert!(b.contains("&lt;script&gt;alert(&quot;x&quot;)"));
    assert!(b.contains("value=\"Sample Person Z\""));
    assert!(!b.contains("<script>alert"));
    assert_eq!(h.store(|s| s.count().unwrap()), 0);
}

#[tokio::test]
async fn consent_is_never_assumed() {
    let h = Harness::new().await;
    let form = with(
        &with(&good_form(), "consent.alert", ""),
        "consent.police",
        "",
    );
    let got = h.post("/reports", &form).await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(got.body.contains("id=\"f-consent-alert-error\""));
    assert!(got.body.contains("id=\"f-consent-police-error\""));
    // The blank form chooses nothing for the person either.
    let blank = h.get("/reports/new").await.body;
    let consent =
        &blank[blank.find("id=\"s-consent\"").unwrap()..blank.find("id=\"s-private\"").unwrap()];
    assert!(!consent.contains("checked"), "{consent}");
}

#[tokio::test]
async fn a_phone_number_in_the_account_asks_once_before_filing() {
    let h = Harness::new().await;
    let form = with(
        &good_form(),
        "narrative",
        "He said to ring him on 07700 900654. Her name is Zoë.",
    );
    let got = h.post("/reports", &form).await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        got.body
            .contains("Not filed yet: please look at the warnings"),
        "{}",
        got.body
    );
    let warn = &got.body[got.body.find("id=\"warn-narrative\"").unwrap()..];
    assert!(warn.contains("ending 654"), "{warn}");
    assert!(warn.contains("(“Zoë”)"), "{warn}");
    assert!(
        !got.body.contains("id=\"ack-box\" hidden"),
        "the ack box is shown"
    );
    assert_eq!(h.store(|s| s.count().unwrap()), 0);
    // Ticking "file it as written" files it.
    let mut acked = form.clone();
    acked.push(("ack_warnings", "1"));
    let got = h.post("/reports", &acked).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert_eq!(h.store(|s| s.count().unwrap()), 1);
    // The person's own name in the public warning is caught too.
    let form = with(
        &with(&good_form(), "form_id", "f2"),
        "alert_text",
        "Warning from Sample Person Z",
    );
    let got = h.post("/reports", &form).await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        got.body[got.body.find("id=\"warn-alert_text\"").unwrap()..].contains("name typed under")
    );
}

#[tokio::test]
async fn the_same_form_twice_files_one_report() {
    let h = Harness::new().await;
    let a = h.post("/reports", &good_form()).await;
    let b = h.post("/reports", &good_form()).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(b.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), b.location());
    assert_eq!(h.store(|s| s.count().unwrap()), 1);
}

#[tokio::test]
async fn drafts_keep_the_report_but_never_the_persons_details() {
    let h = Harness::new().await;
    let got = h.post("/reports/draft", &good_form()).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert_eq!(got.location(), "/reports/new?saved=1");
    let stored = h.store(|s| s.meta(file_draft_key()).unwrap().unwrap());
    let stored = String::from_utf8(stored).unwrap();
    assert!(stored.contains("Refused to pay"), "{stored}");
    assert!(
        !stored.contains("Sample Person Z") && !stored.contains("via drop-in"),
        "{stored}"
    );
    assert!(!stored.contains(h.state.csrf.as_str()));
    let page = h.get("/reports/new?saved=1").await.body;
    assert!(page.contains("Draft saved"));
    assert!(
        page.contains("&lt;script&gt;alert(&quot;x&quot;)"),
        "the draft fills the form"
    );
    assert!(page.contains("value=\"robbery\" checked"));
    assert!(!page.contains("Sample Person Z"));
    // The script's saves get a bare 204.
    let mut all = vec![("csrf", h.state.csrf.as_str())];
    all.extend_from_slice(&good_form());
    let scripted = h
        .send(
            h.req("POST", "/reports/draft")
                .header("cookie", &h.cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-requested-with", "fetch")
                .body(axum::body::Body::from(super::encode(&all)))
                .unwrap(),
        )
        .await;
    assert_eq!(scripted.status, StatusCode::NO_CONTENT);
    // Filing clears the draft.
    assert_eq!(
        h.post("/reports", &good_form()).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        h.store(|s| s.meta(file_draft_key()).unwrap().unwrap_or_default()),
        b""
    );
    assert!(!h.get("/reports/new").await.body.contains("Refused to pay"));
    // A save still on its way when the form was filed does not bring the draft back.
    assert_eq!(
        h.post("/reports/draft", &good_form()).await.location(),
        "/reports/new"
    );
    assert_eq!(
        h.store(|s| s.meta(file_draft_key()).unwrap().unwrap_or_default()),
        b""
    );
    // Discarding works too.
    let good_form = || {
        super::good_form()
            .into_iter()
            .map(|(k, v)| {
                if k == "form_id" {
                    (k, "another-form")
                } else {
                    (k, v)
                }
            })
            .collect::<Vec<_>>()
    };
    h.post("/reports/draft", &good_form()).await;
    assert_eq!(
        h.post("/reports/draft/discard", &[]).await.location(),
        "/reports/new"
    );
    assert!(!h.get("/reports/new").await.body.contains("Refused to pay"));
}
