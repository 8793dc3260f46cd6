//! Profile export files given to `butler import` (plain JSON or the sealed envelope): parsing
//! never panics, and a plain document that parses converts to a profile or says why not.
#![no_main]

use butler_core::export::ExportFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ExportFile::Plain(doc)) = ExportFile::parse(data) {
        let _ = doc.into_profile();
    }
});
