//! Profile values as the owner types them and as imports carry them (JSON), for every field of
//! the catalog. An accepted value must print back to text that parses to the same value.
#![no_main]

use butler_core::catalog::Field;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let field = Field::ALL[usize::from(pick) % Field::ALL.len()];
    if let Ok(text) = std::str::from_utf8(rest) {
        if let Ok(value) = field.parse(text) {
            let again = field.parse(&value.to_string()).expect("a printed value parses");
            assert_eq!(again, value, "{} round trip", field.name());
        }
        let _ = text.parse::<Field>();
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(rest) {
        if let Ok(value) = field.from_json(&json) {
            assert_eq!(
                field.from_json(&value.to_json()).ok(),
                Some(value),
                "{} JSON round trip",
                field.name()
            );
        }
    }
});
