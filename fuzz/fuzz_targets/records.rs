//! The records Butler reads back after opening them (log entries, consent receipts, alerts,
//! offers, interests, offer preferences) and the signed JWS of receipts: decoding arbitrary bytes
//! never panics.
#![no_main]

use butler_core::alerts::Alert;
use butler_core::interests::Interest;
use butler_core::log::AccessEntry;
use butler_core::offers::{InboxOffer, Suggestion};
use butler_core::prefs::OfferPreferences;
use butler_core::signing::verify_jws;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<AccessEntry>(data);
    let _ = serde_json::from_slice::<Alert>(data);
    let _ = serde_json::from_slice::<Interest>(data);
    let _ = serde_json::from_slice::<InboxOffer>(data);
    let _ = serde_json::from_slice::<Suggestion>(data);
    if let Ok(prefs) = serde_json::from_slice::<OfferPreferences>(data) {
        let _ = prefs.validate();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let key: butler_core::signing::PublicJwk = serde_json::from_value(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "k",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        }))
        .expect("a well-formed JWK");
        assert!(verify_jws(text, &key).is_err(), "a signature verified without its private key");
    }
});
