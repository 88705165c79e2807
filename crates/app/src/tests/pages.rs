//! Every page with the fixture reports: escaped, worded, and showing only what it may.

use axum::http::StatusCode;
use mugsync_core::report::Status;

use super::Harness;

const RAW_SCRIPT: &str = "<script>alert(1)</script>";
const FIXTURE_NARRATIVE_PART: &str = "Picked up near the station";

#[tokio::test]
async fn no_page_carries_raw_user_html() {
    let h = Harness::new().await;
    let ids = h.file_fixtures();
    let mut pages = vec![
        "/".to_owned(),
        "/reports".into(),
        "/reports/new".into(),
        "/alerts?from=2026-09-01&to=2026-11-30".into(),
        "/alerts/bulletin?from=2026-09-01&to=2026-11-30".into(),
        "/sync".into(),
        "/settings".into(),
        "/check".into(),
    ];
    for id in &ids {
        pages.push(format!("/reports/{id}"));
        pages.push(format!("/reports/{id}/private"));
    }
    for p in &pages {
        let got = h.get(p).await;
        assert_eq!(got.status, StatusCode::OK, "{p}");
        assert!(!got.body.contains(RAW_SCRIPT), "{p} has raw script");
        assert!(
            !got.body.contains("<script>") || got.body.matches("<script").count() == 1,
            "{p}: only our own script tag"
        );
    }
    let blackmail = h.get(&format!("/reports/{}", ids[5])).await.body;
    assert!(blackmail.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;quotes&#39; &quot;double&quot; — ünïcödé test."), "{blackmail}");
}

#[tokio::test]
async fn the_list_shows_each_reports_sync_state() {
    let h = Harness::new().await;
    let ids = h.file_fixtures();
    h.store(|s| {
        s.set_local_state(&ids[0], &mugsync_store::LocalSyncState::Synced)
            .unwrap();
        s.set_local_state(
            &ids[1],
            &mugsync_store::LocalSyncState::Rejected("area <unknown> to the relay".into()),
        )
        .unwrap();
    });
    let list = h.get("/reports").await.body;
    assert!(list.contains("6 reports on this device"), "{list}");
    assert!(list.contains("4 not yet synced"), "{list}");
    assert!(list.contains(">synced<"));
    assert!(list.contains("rejected: area &lt;unknown&gt; to the relay"));
    assert_eq!(list.matches(">not yet synced<").count(), 4);
    assert!(
        !list.contains(FIXTURE_NARRATIVE_PART),
        "the list shows public text, not accounts"
    );
    // Newest incident first: 2026-10-22 before 2026-09-27.
    assert!(list.find("22 Oct 2026").unwrap() < list.find("27 Sep 2026").unwrap());
}

#[tokio::test]
async fn check_answers_offline_and_masks_the_number() {
    let h = Harness::new().await;
    h.file_fixtures();
    let got = h.post("/check", &[("value", "+44 7700 900123")]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(
        got.body.contains("2 reports of phone +44 7••• •••123"),
        "{}",
        got.body
    );
    assert!(
        !got.body.contains("900123"),
        "the full number is not shown back: {}",
        got.body
    );
    assert!(
        !got.body.contains(FIXTURE_NARRATIVE_PART),
        "a check never shows an account"
    );
    let none = h.post("/check", &[("value", "07700 900999")]).await;
    assert!(none.body.contains("No reports of phone"), "{}", none.body);
    assert!(none.body.contains("trust your instincts"));
    let email = h
        .post("/check", &[("value", "j.smith.1979@gmail.com")])
        .await;
    assert!(
        email.body.contains("1 report of email j•••@gmail.com"),
        "{}",
        email.body
    );
    let reg = h.post("/check", &[("value", "ma6")]).await;
    assert_eq!(reg.status, StatusCode::OK);
    let bad = h
        .post("/check", &[("value", "not <b>a</b> thing at all")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"f-value-error\""));
    assert!(bad.body.contains("&lt;b&gt;a&lt;/b&gt;"));
    // The field keeps what was typed, so a typo is corrected, not retyped.
    let typo = h.post("/check", &[("value", "07700 9001234567")]).await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        typo.body
            .contains("name=\"value\" value=\"07700 9001234567\""),
        "{}",
        typo.body
    );
}

#[tokio::test]
async fn alerts_and_the_sheet_show_public_texts_only() {
    let h = Harness::new().await;
    let ids = h.file_fixtures();
    h.store(|s| {
        s.withdraw(
            &ids[2],
            &mugsync_core::report::Reason::parse("r", "asked to withdraw").unwrap(),
        )
        .unwrap()
    });
    let reports = h.store(|s| s.list().unwrap());
    let q = "from=2026-09-01&to=2026-11-30";
    let alerts = h.get(&format!("/alerts?{q}")).await.body;
    let sheet = h.get(&format!("/alerts/bulletin?{q}")).await.body;
    for r in &reports {
        let text = crate::html::esc(r.body.alert_text.as_str());
        let shown = r.consent.alert && r.status != Status::Withdrawn;
        assert_eq!(
            alerts.contains(&text),
            shown,
            "alerts page, report {}",
            r.id
        );
        assert_eq!(sheet.contains(&text), shown, "sheet, report {}", r.id);
        let narrative = crate::html::esc(r.body.narrative.as_str());
        assert!(
            !alerts.contains(&narrative) && !sheet.contains(&narrative),
            "an account leaked"
        );
    }
    for secret in [
        "Sample Person A",
        "07700 900900",
        "Thursdays",
        "Sample Person B",
    ] {
        assert!(
            !alerts.contains(secret) && !sheet.contains(secret),
            "{secret}"
        );
    }
    assert!(alerts.contains("4 warnings"), "{alerts}");
    // Repeat offenders are marked with the masked number that links them, on the page
    // and the printed sheet.
    assert!(
        alerts.contains("Same number or email (+44 7••• •••123) as 1 other report"),
        "{alerts}"
    );
    assert!(
        sheet.contains("Same number or email (+44 7••• •••123) as 1 other report"),
        "{sheet}"
    );
    assert!(!sheet.contains("900123"), "never the full number");
    assert!(sheet.contains("class=\"sheet\""));
    // One area.
    let one = h.get(&format!("/alerts?{q}&area=online")).await.body;
    assert!(one.contains("1 warning ·"), "{one}");
    assert!(one.contains("Online / arranged through a website or app"));
    // For men: men's and everyone's warnings.
    let men = h.get(&format!("/alerts?{q}&for=men")).await.body;
    assert!(men.contains("2 warnings"), "{men}");
    // The default page (the last 30 days) is empty for these reports: it says why and
    // offers the range that holds the warnings.
    // (An explicit empty period here, so the test does not depend on today's date.)
    let empty = h.get("/alerts?from=2020-01-01&to=2020-01-31").await.body;
    {
        assert!(empty.contains("0 warnings"), "{empty}");
        assert!(empty.contains("id=\"alerts-empty\""), "{empty}");
        assert!(empty.contains("the last 30 days"), "{empty}");
        let first = reports
            .iter()
            .filter(|r| r.consent.alert && r.status != Status::Withdrawn)
            .map(|r| r.body.when.date)
            .min()
            .unwrap();
        let link = format!("href=\"/alerts?from={first}&amp;to=");
        assert!(empty.contains(&link), "{link} in {empty}");
    }
    // Nonsense dates are said, not fatal.
    let odd = h.get("/alerts?from=yesterday").await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(odd.body.contains("is not a date"));
}

#[tokio::test]
async fn amend_consent_and_withdraw_from_the_report_page() {
    let h = Harness::new().await;
    let ids = h.file_fixtures();
    let id = ids[1];
    let path = format!("/reports/{id}");

    let nothing = h
        .post(&format!("{path}/amend"), &[("amend.note", " ")])
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nothing.body.contains("id=\"f-amend-note-error\""),
        "{}",
        nothing.body
    );
    let bad_phone = h
        .post(&format!("{path}/amend"), &[("amend.phones", "12")])
        .await;
    assert!(bad_phone.body.contains("id=\"f-amend-phones-error\""));
    let ok = h
        .post(
            &format!("{path}/amend"),
            &[
                ("amend.note", "Seen again <in> Piccadilly"),
                ("amend.phones", "07700 900888"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = h.get(ok.location()).await.body;
    assert!(page.contains("Added to the report"));
    assert!(
        page.contains("Seen again &lt;in&gt; Piccadilly; phone +44 7••• •••888"),
        "{page}"
    );

    let consent = h
        .post(
            &format!("{path}/consent"),
            &[("consent.alert", "no"), ("consent.police", "none")],
        )
        .await;
    assert_eq!(consent.status, StatusCode::SEE_OTHER);
    let r = h.store(|s| s.report(&id).unwrap().unwrap());
    assert!(!r.consent.alert);
    assert_eq!(r.consent.police, mugsync_core::report::PoliceConsent::None);

    let no_reason = h
        .post(&format!("{path}/withdraw"), &[("withdraw.reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("id=\"f-withdraw-reason-error\""));
    let w = h
        .post(
            &format!("{path}/withdraw"),
            &[("withdraw.reason", "asked <to> withdraw")],
        )
        .await;
    assert_eq!(w.status, StatusCode::SEE_OTHER);
    let page = h.get(&path).await.body;
    assert!(page.contains("asked &lt;to&gt; withdraw"));
    assert!(
        !page.contains(&format!("action=\"{path}/withdraw\"")),
        "no more change forms once withdrawn"
    );
    assert!(!page.contains(&format!("action=\"{path}/consent\"")));
    assert_eq!(
        h.store(|s| s.report(&id).unwrap().unwrap().status),
        Status::Withdrawn
    );

    assert_eq!(
        h.get("/reports/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get("/reports/019ab8c2-0000-7000-8000-000000000000")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_persons_details_have_their_own_page() {
    let h = Harness::new().await;
    let ids = h.file_fixtures();
    let detail = h.get(&format!("/reports/{}", ids[0])).await.body;
    assert!(detail.contains(&format!("/reports/{}/private", ids[0])));
    assert!(!detail.contains("Sample Person A"));
    let private = h.get(&format!("/reports/{}/private", ids[0])).await.body;
    assert!(private.contains("Sample Person A") && private.contains("07700 900900"));
    let none = h.get(&format!("/reports/{}/private", ids[1])).await.body;
    assert!(none.contains("None were given"));
}

#[tokio::test]
async fn home_and_settings_say_what_the_device_holds() {
    let h = Harness::new().await;
    h.file_fixtures();
    let home = h.get("/").await.body;
    assert!(
        home.contains("6 on this device · 6 not yet synced"),
        "{home}"
    );
    assert!(home.contains("action=\"/check\""));
    // The scheme's locale, not the browser's: date fields and text follow en-GB.
    assert!(home.contains("<html lang=\"en-GB\">"), "{home}");
    let settings = h.get("/settings").await.body;
    assert!(settings.contains("10 minutes without use"));
    assert!(settings.contains("GB"));
    assert!(settings.contains("City Centre – Gay Village"));
    assert!(settings.contains("mugsync enroll"));
    for page in [home, settings] {
        assert!(page.contains("lang=\"en-GB\""));
        assert!(page.contains("Skip to content"));
    }
}
