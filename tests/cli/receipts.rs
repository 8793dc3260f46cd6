//! Consent receipts from the owner's terminal: every grant change has one, and `butler receipts
//! verify` checks one with a key file alone, with no vault and no passphrase around.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use butler_core::access::AccessSpec;
use butler_core::brands::Registration;
use butler_core::{Vault, signing};
use jiff::Timestamp;
use serde_json::Value;

use crate::support::{PASSPHRASE, TestVault};

/// A brand registered in the vault, asking for access; returns the user code.
fn brand_asks(v: &TestVault) -> String {
    let vault = Vault::open(&v.file(), &PASSPHRASE.into()).unwrap();
    let now = Timestamp::now();
    let registration = Registration {
        client_name: "Trail Shoes".into(),
        client_uri: Some("https://shoes.example".into()),
        purposes: std::collections::BTreeSet::new(),
        accepted_agreements: None,
    };
    let brand = vault.register_brand(registration, now).unwrap();
    let spec = AccessSpec::from_scope("field:birth_date:coarse purpose:recommend-products").unwrap();
    vault.start_device_authorization(&brand.client_id, spec, now).unwrap().user_code
}

/// `butler receipts verify` with nothing but the two files: no vault folder, no passphrase, no
/// terminal to ask one on.
fn verify_alone(receipt: &Path, key: &Path) -> Output {
    let nowhere = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_butler"))
        .args(["receipts", "verify"])
        .arg(receipt)
        .arg("--key")
        .arg(key)
        .env_remove("BUTLER_PASSPHRASE")
        .env_remove("BUTLER_DATA_DIR")
        .env("HOME", nowhere.path())
        .env("XDG_DATA_HOME", nowhere.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn fails_with(out: &Output) -> String {
    assert!(!out.status.success(), "should have failed: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr: {err}");
    assert!(err.starts_with("butler: "), "{err}");
    err
}

#[test]
fn a_receipt_verifies_with_the_key_file_alone_and_a_changed_byte_fails() {
    let v = TestVault::new();
    let code = brand_asks(&v);
    v.ok(&["requests", "approve", &code]);

    let list: Value = serde_json::from_str(&v.ok(&["receipts", "list", "--json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["event"], "granted");
    let id = list[0]["id"].as_str().unwrap();
    let grant_id = list[0]["grant_id"].as_str().unwrap();
    let listed = v.ok(&["receipts", "list"]);
    assert!(
        listed.contains(id) && listed.contains("granted of grant") && listed.contains("Trail Shoes"),
        "{listed}"
    );

    let shown = v.ok(&["receipts", "show", id]);
    assert!(
        shown.contains("\"consentReceiptID\"") && shown.contains(&list[0]["jws"].as_str().unwrap()[..40]),
        "{shown}"
    );
    let shown: Value = serde_json::from_str(&v.ok(&["receipts", "show", id, "--json"])).unwrap();
    assert_eq!(shown["content"]["grantId"], grant_id);
    let jws = shown["jws"].as_str().unwrap().to_owned();

    let files = tempfile::tempdir().unwrap();
    let key = files.path().join("jwks.json");
    std::fs::write(&key, v.ok(&["receipts", "key"])).unwrap();
    let jwk: signing::Jwks = serde_json::from_slice(&std::fs::read(&key).unwrap()).unwrap();
    assert_eq!(jwk.keys[0].crv, "Ed25519");
    let receipt = files.path().join("receipt.jws");
    std::fs::write(&receipt, format!("{jws}\n")).unwrap();
    let as_json = files.path().join("receipt.json");
    std::fs::write(&as_json, serde_json::to_string(&shown).unwrap()).unwrap();

    for file in [&receipt, &as_json] {
        let out = verify_alone(file, &key);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.starts_with("The receipt verifies with key") && stdout.contains(grant_id), "{stdout}");
    }

    // One changed byte in the payload, or in the signature, and the receipt no longer verifies.
    let payload_at = jws.find('.').unwrap() + 10;
    for at in [payload_at, jws.len() - 3] {
        let mut bytes = jws.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        std::fs::write(&receipt, &bytes).unwrap();
        let err = fails_with(&verify_alone(&receipt, &key));
        assert!(err.contains("does not verify"), "{err}");
    }

    // Another vault's key does not verify it either.
    let other = TestVault::new();
    std::fs::write(&receipt, &jws).unwrap();
    std::fs::write(&key, other.ok(&["receipts", "key"])).unwrap();
    let err = fails_with(&verify_alone(&receipt, &key));
    assert!(err.contains("does not verify") && err.contains("signature does not match"), "{err}");

    // Files that are not what they should be are named.
    std::fs::write(&key, "not json").unwrap();
    assert!(fails_with(&verify_alone(&receipt, &key)).contains("is not JSON"));
    let err = fails_with(&verify_alone(&files.path().join("missing.jws"), &key));
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn revoking_a_grant_records_a_revocation_receipt() {
    let v = TestVault::new();
    let code = brand_asks(&v);
    v.ok(&["requests", "approve", &code]);
    let list: Value = serde_json::from_str(&v.ok(&["receipts", "list", "--json"])).unwrap();
    let grant_id = list[0]["grant_id"].as_str().unwrap();
    v.ok(&["grants", "pause", grant_id]);
    v.ok(&["grants", "revoke", grant_id]);
    let list: Value =
        serde_json::from_str(&v.ok(&["receipts", "list", "--grant", grant_id, "--json"])).unwrap();
    let events: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["revoked", "paused", "granted"]);
    let err = v.fails(&["receipts", "list", "--grant", "gr_nope"]);
    assert!(err.contains("no grant with id gr_nope"), "{err}");
    let err = v.fails(&["receipts", "show", "nope"]);
    assert!(err.contains("no consent receipt with id nope"), "{err}");
}
