//! Access-log export files given to `butler log verify-export` (JSON Lines or CSV, with or
//! without a key): checking never panics, and garbage never verifies.
#![no_main]

use butler_core::log_export::verify_export;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = verify_export(&mut std::io::BufReader::new(data), None);
});
