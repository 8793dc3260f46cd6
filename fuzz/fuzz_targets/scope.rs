//! Scope strings and RFC 9396 authorization details, as brands send them at onboarding, the token
//! shape check, IEEE 7012 agreement identifiers and measurement questions. Whatever parses must print back to a scope that parses to the same access.
#![no_main]

use butler_core::access::AccessSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(spec) = AccessSpec::from_scope(text) {
        let again = AccessSpec::from_scope(&spec.to_scope()).expect("a printed scope parses");
        assert_eq!(again, spec, "scope round trip");
        let details = spec.to_authorization_details();
        let from_details = AccessSpec::from_authorization_details(&details).expect("printed details parse");
        assert_eq!(from_details, spec, "authorization details round trip");
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = AccessSpec::from_authorization_details(&json);
    }
    let _ = butler_core::grants::token_well_formed(text);
    // IEEE 7012 agreements, in every form a brand may name them.
    if let Ok(agreement) = text.parse::<butler_core::terms::Agreement>() {
        assert_eq!(agreement.id().parse::<butler_core::terms::Agreement>().ok(), Some(agreement), "id round trip");
        assert_eq!(agreement.iri().parse::<butler_core::terms::Agreement>().ok(), Some(agreement), "IRI round trip");
    }
    // Measurement questions: the text before `|`, categories after it, comma-separated.
    let (question, categories) = text.split_once('|').unwrap_or((text, ""));
    let categories: Vec<String> = categories.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect();
    if let Ok(parsed) = butler_core::measure::Question::parse(question, &categories) {
        assert!(parsed.categories().len() >= 2, "every question has two answers or more");
    }
});
