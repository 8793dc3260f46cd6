//! Helpers for the core's unit tests.

use jiff::Timestamp;

use crate::{KdfParams, Vault};

/// The passphrase of [`vault`]'s vaults.
pub const PASSPHRASE: &str = "a long passphrase";

/// A new vault at the weakest accepted KDF cost, in a folder that lives as long as the guard.
pub fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::create(&dir.path().join("v"), &PASSPHRASE.into(), KdfParams::FLOOR).unwrap();
    (dir, vault)
}

/// A brand onboarded through the device flow with `scope`, approved as asked.
pub struct Onboarded {
    pub client_id: String,
    pub grant_id: String,
    pub token: String,
}

pub fn onboard(vault: &Vault, name: &str, scope: &str) -> Onboarded {
    let now = Timestamp::now();
    let registration = crate::brands::Registration {
        client_name: name.into(),
        client_uri: None,
        purposes: std::collections::BTreeSet::new(),
        accepted_agreements: None,
    };
    let brand = vault.register_brand(registration, now).unwrap();
    let spec = crate::access::AccessSpec::from_scope(scope).unwrap();
    let auth = vault.start_device_authorization(&brand.client_id, spec, now).unwrap();
    let approval = crate::grants::Approval {
        narrowed_to: None,
        sensitive_consent: vec![],
        days: None,
        rate_per_minute: None,
        allow_origin: false,
        agreement: None,
    };
    let grant = vault.approve_request(&auth.user_code, &approval, now).unwrap();
    match vault.poll_device_token(&brand.client_id, &auth.device_code, now).unwrap() {
        crate::grants::Poll::Issued(issued) => {
            Onboarded { client_id: brand.client_id, grant_id: grant.id, token: issued.access_token }
        }
        other => panic!("no token: {other:?}"),
    }
}
