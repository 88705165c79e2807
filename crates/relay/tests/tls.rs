//! HTTPS with a certificate from the config; plain HTTP only on loopback unless allowed.

mod common;

use common::{Client, Device, TestRelay};
use mugsync_relay::{Relay, RelayConfig, RelayError, TlsConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_configured_certificate() {
    // A relay initialised as usual; served over TLS with a self-signed certificate.
    let mut plain = TestRelay::start(mugsync_relay::Limits::default()).await;
    plain.stop().await;
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert_path = plain.dir.path().join("cert.pem");
    let key_path = plain.dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();

    let mut config = RelayConfig::defaults(&plain.data);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.tls = Some(TlsConfig {
        cert: cert_path.clone(),
        key: key_path.clone(),
    });
    let bound = Relay::bind(config.clone()).await.unwrap();
    assert!(bound.is_tls());
    let base = format!("https://127.0.0.1:{}", bound.local_addr().port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(bound.serve_with_shutdown(async move {
        let _ = rx.await;
    }));

    let trusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let code = plain.code("van-1");
    let mut a = Device::enrol_with(Client::with_http(trusting.clone(), &base), &code).await;
    a.file(0);
    assert_eq!(a.sync().await.rounds, 1);
    assert_eq!(plain.reports(), a.reports());

    // A client that does not trust the certificate cannot talk to it, and plain HTTP to the
    // TLS port fails.
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(untrusting
        .get(format!("{base}/v1/health"))
        .send()
        .await
        .is_err());
    let plain_to_tls = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{}/v1/health",
            base.rsplit(':').next().unwrap()
        ))
        .send()
        .await;
    assert!(plain_to_tls
        .map(|r| !r.status().is_success())
        .unwrap_or(true));

    tx.send(()).unwrap();
    task.await.unwrap().unwrap();

    // Bad certificate paths are a clear error naming them.
    config.tls = Some(TlsConfig {
        cert: plain.dir.path().join("missing.pem"),
        key: key_path,
    });
    let e = Relay::bind(config).await.unwrap_err();
    assert!(matches!(e, RelayError::Tls { .. }), "{e}");
    assert!(e.to_string().contains("missing.pem"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_refused_off_loopback_unless_allowed() {
    let relay = TestRelay::start(mugsync_relay::Limits::default()).await;
    let mut config = RelayConfig::defaults(&relay.data);
    config.listen = "0.0.0.0:0".parse().unwrap();
    let e = Relay::bind(config.clone()).await.unwrap_err();
    assert!(matches!(e, RelayError::PlainHttpRefused(_)), "{e}");
    assert!(e.to_string().contains("allow_plain_http"), "{e}");
    config.allow_plain_http = true;
    let bound = Relay::bind(config).await.unwrap();
    assert!(!bound.is_tls());
    drop(bound);

    // A data directory without a relay store is a clear error.
    let empty = tempfile::tempdir().unwrap();
    let mut config = RelayConfig::defaults(empty.path());
    config.listen = "127.0.0.1:0".parse().unwrap();
    let e = Relay::bind(config).await.unwrap_err();
    assert!(matches!(e, RelayError::NotInitialised(_)), "{e}");
    assert!(e.to_string().contains("mugsync-relay init"), "{e}");
}
