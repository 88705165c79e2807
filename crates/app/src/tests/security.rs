//! The guard: ticket, cookie, Host, Origin, CSRF, and the headers on every response.

use axum::body::Body;
use axum::http::{header, StatusCode};

use super::{encode, Harness};

#[tokio::test]
async fn the_ticket_sets_a_strict_httponly_cookie_once() {
    let h = Harness::new().await;
    // Harness::new already spent the ticket; the cookie it got is HttpOnly and Strict.
    assert!(
        h.cookie.starts_with("mugsync_session_4567="),
        "{}",
        h.cookie
    );
    let url = h.state.open_url();
    let path = url.strip_prefix("http://127.0.0.1:4567").unwrap();
    // The same link again, from a browser without the cookie: refused.
    let again = h
        .send(h.req("GET", path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.body.contains("already been used"), "{}", again.body);
    // From the browser that has it: straight in.
    let same = h
        .send(
            h.req("GET", path)
                .header(header::COOKIE, &h.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(same.status, StatusCode::SEE_OTHER);
    assert_eq!(same.location(), "/");
}

#[tokio::test]
async fn the_cookie_is_httponly_and_strict() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = super::new_store(dir.path());
    let state = crate::state::Shared::new(
        store,
        crate::AppOptions::new(dir.path()),
        "127.0.0.1:4567".parse().unwrap(),
    );
    let url = state.open_url();
    assert!(
        url.starts_with("http://127.0.0.1:4567/unlock?session="),
        "{url}"
    );
    let router = crate::pages::router(state.clone());
    let path = url.replace("http://127.0.0.1:4567", "");
    let resp = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::get(path)
            .header(header::HOST, "127.0.0.1:4567")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let set = resp
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(
        !set.contains(url.split("session=").nth(1).unwrap()),
        "the cookie is not the link's ticket"
    );
}

#[tokio::test]
async fn without_the_cookie_everything_is_refused() {
    let h = Harness::new().await;
    for path in [
        "/",
        "/reports",
        "/reports/new",
        "/check",
        "/alerts",
        "/alerts/bulletin",
        "/sync",
        "/settings",
        "/static/app.css",
        "/unlock",
        "/nope",
    ] {
        let got = h
            .send(h.req("GET", path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{path}");
        assert!(got.body.contains("mugsync app"), "{path}");
    }
    let wrong = h
        .send(
            h.req("GET", "/")
                .header(header::COOKIE, "mugsync_session_4567=guess")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let bad_ticket = h
        .send(
            h.req("GET", "/unlock?session=guess")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bad_ticket.status, StatusCode::FORBIDDEN);
    let post = h
        .send(
            h.req("POST", "/reports")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(encode(&[("csrf", h.state.csrf.as_str())])))
                .unwrap(),
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_rebound_host_name_is_refused_even_with_the_cookie() {
    let h = Harness::new().await;
    for host in [
        "evil.example:4567",
        "localhost:4567",
        "127.0.0.1:4568",
        "127.0.0.1",
    ] {
        let got = h
            .send(
                axum::http::Request::get("/")
                    .header(header::HOST, host)
                    .header(header::COOKIE, &h.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{host}");
    }
    assert_eq!(h.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn posts_need_the_csrf_token_a_form_and_our_origin() {
    let h = Harness::new().await;
    let before = h.store(|s| s.count().unwrap());
    let form = super::good_form();
    let body_without = encode(&form);
    assert_eq!(
        h.post_raw("/reports", &body_without).await.status,
        StatusCode::FORBIDDEN
    );
    let mut wrong = vec![("csrf", "not-the-token")];
    wrong.extend_from_slice(&form);
    assert_eq!(
        h.post_raw("/reports", &encode(&wrong)).await.status,
        StatusCode::FORBIDDEN
    );
    let mut right = vec![("csrf", h.state.csrf.as_str())];
    right.extend_from_slice(&form);
    let body = encode(&right);
    let cross_origin = h
        .send(
            h.req("POST", "/reports")
                .header(header::COOKIE, &h.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ORIGIN, "http://127.0.0.1:9999")
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(cross_origin.status, StatusCode::FORBIDDEN);
    let same_site = h
        .send(
            h.req("POST", "/reports")
                .header(header::COOKIE, &h.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-site")
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(same_site.status, StatusCode::FORBIDDEN);
    let json = h
        .send(
            h.req("POST", "/reports")
                .header(header::COOKIE, &h.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(json.status, StatusCode::FORBIDDEN);
    assert_eq!(
        h.store(|s| s.count().unwrap()),
        before,
        "nothing refused was filed"
    );
    let lock = h.post_raw("/lock", "csrf=nope").await;
    assert_eq!(lock.status, StatusCode::FORBIDDEN);
    assert!(!h.state.is_locked());
    // With everything right it files.
    assert_eq!(
        h.post_raw("/reports", &body).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(h.store(|s| s.count().unwrap()), before + 1);
}

#[tokio::test]
async fn every_response_forbids_caching_framing_and_outside_code() {
    let h = Harness::new().await;
    for got in [
        h.get("/").await,
        h.get("/static/app.js").await,
        h.send(h.req("GET", "/").body(Body::empty()).unwrap()).await,
    ] {
        let hd = |n: &str| {
            got.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(hd("cache-control"), "no-store");
        assert_eq!(hd("x-frame-options"), "DENY");
        assert_eq!(hd("x-content-type-options"), "nosniff");
        assert!(
            hd("content-security-policy").contains("default-src 'none'"),
            "{}",
            hd("content-security-policy")
        );
        assert!(hd("content-security-policy").contains("frame-ancestors 'none'"));
    }
    let page = h.get("/").await.body;
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "pages load nothing from anywhere else"
    );
}

#[tokio::test]
async fn embedded_assets_are_served_and_self_contained() {
    let h = Harness::new().await;
    let css = h.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(
        !css.body.contains("@import") && !css.body.contains("url(http"),
        "no outside fonts or styles"
    );
    let js = h.get("/static/app.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(!js.body.contains("http://") && !js.body.contains("https://"));
    // The script never sends the person's own details to the draft store.
    assert!(js.body.contains("victim_private."));
}
