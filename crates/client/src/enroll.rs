//! Enrolment: a one-time code from the coordinator, this device's new key pair, and the
//! scheme key and areas in return.

use base64::Engine;
use mugsync_core::auth::DeviceKeyPair;
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::report::AreaList;
use mugsync_core::wire::{self, EnrollRequest, EnrollResponse};
use mugsync_store::{meta, DeviceStore, InitOptions, NewScheme, Passphrase};
use std::path::Path;

use crate::{Client, ClientError, RelayUrl, Transport};

/// What enrolment set up.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolled {
    /// The name the coordinator gave this device.
    pub device_name: String,
    /// The relay.
    pub relay: String,
    /// Number of areas received.
    pub areas: usize,
}

/// Enrols this device: creates its key pair, registers the public key with the code, and
/// stores the scheme key, areas and relay settings in the encrypted store (created if
/// missing) in one transaction.
///
/// The order matters because the relay spends the one-time code when it answers: every
/// local check that can fail runs first — the passphrase (strong enough for a new store, or
/// the one that opens the existing store), the data directory (writable), and for a store
/// that already holds reports filed offline, that each can be re-keyed to the scheme's key.
/// After the answer only the one write is left.
pub fn enroll(
    data_dir: &Path,
    passphrase: &Passphrase,
    relay: RelayUrl,
    code: &str,
    transport: &Transport,
    insecure: bool,
) -> Result<Enrolled, ClientError> {
    let existing = if DeviceStore::path_in(data_dir).exists() {
        let mut store = DeviceStore::open(data_dir, passphrase)?;
        if store.meta(meta::DEVICE_KEY)?.is_some() {
            return Err(ClientError::AlreadyEnrolled);
        }
        store.check_can_adopt_scheme()?;
        Some(store)
    } else {
        DeviceStore::check_can_create(data_dir, passphrase)?;
        None
    };
    let key = DeviceKeyPair::generate();
    let actor = match &existing {
        Some(store) => store.actor().clone(),
        None => mugsync_core::log::DeviceActor::generate(),
    };
    let client = Client::new(
        relay.clone(),
        DeviceKeyPair::from_pkcs8(key.pkcs8()).expect("fresh key"),
        transport,
    )?;
    let body = serde_json::to_vec(&EnrollRequest {
        code: code.trim().to_owned(),
        public_key: key.public_key().to_string(),
        actor: actor.to_hex(),
    })
    .expect("serialises");
    let reply = client.post(wire::routes::ENROLL, "application/json", &body, &mut |_| {})?;
    let resp: EnrollResponse = serde_json::from_slice(&reply.body)
        .map_err(|e| ClientError::Protocol(format!("enrolment answer: {e}")))?;
    let scheme_bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(resp.scheme_key.as_bytes())
        .map_err(|e| ClientError::Protocol(format!("scheme key: {e}")))?;
    let scheme_key =
        SchemeKey::from_bytes(&scheme_bytes).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let region = Region::parse(&resp.region).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let areas =
        AreaList::from_toml(&resp.areas_toml).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let n_areas = areas.areas().len();
    let mut settings: Vec<(&str, &[u8])> = vec![
        (meta::DEVICE_KEY, key.pkcs8()),
        (meta::RELAY_URL, relay.as_str().as_bytes()),
        (meta::DEVICE_NAME, resp.device_name.as_bytes()),
    ];
    if let Some(pem) = &transport.ca_pem {
        settings.push((meta::RELAY_CA, pem));
    }
    if insecure {
        settings.push((meta::RELAY_INSECURE, b"1"));
    }
    match existing {
        Some(mut store) => store.adopt_scheme(NewScheme {
            key: scheme_key,
            region,
            areas,
            settings: &settings,
        })?,
        None => {
            DeviceStore::create_with_settings(
                data_dir,
                passphrase,
                InitOptions {
                    scheme_key,
                    region,
                    areas,
                },
                &settings,
                actor,
            )?;
        }
    }
    Ok(Enrolled {
        device_name: resp.device_name,
        relay: relay.to_string(),
        areas: n_areas,
    })
}

/// A client for the relay this store is enrolled with.
pub fn client_for(store: &DeviceStore) -> Result<Client, ClientError> {
    let key = store
        .meta(meta::DEVICE_KEY)?
        .ok_or(ClientError::NotEnrolled)?;
    let key = DeviceKeyPair::from_pkcs8(&key).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let url = store
        .meta(meta::RELAY_URL)?
        .ok_or(ClientError::NotEnrolled)?;
    let url = String::from_utf8(url).map_err(|_| ClientError::NotEnrolled)?;
    let insecure = store.meta(meta::RELAY_INSECURE)?.is_some();
    let transport = Transport {
        ca_pem: store.meta(meta::RELAY_CA)?,
    };
    Client::new(RelayUrl::parse(&url, insecure)?, key, &transport)
}
