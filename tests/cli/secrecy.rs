//! Nothing readable in the vault: known markers stored in every kind of field never appear in the
//! database file or its write-ahead log, in any encoding these tests can think of.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::support::{TestVault, vault_files};

/// The ways a string could sit in a file.
fn encodings(marker: &str) -> Vec<(String, Vec<u8>)> {
    let bytes = marker.as_bytes();
    let mut out = vec![
        ("plain".to_owned(), bytes.to_vec()),
        ("lowercase".to_owned(), marker.to_lowercase().into_bytes()),
        ("utf-16le".to_owned(), marker.encode_utf16().flat_map(u16::to_le_bytes).collect()),
        ("utf-16be".to_owned(), marker.encode_utf16().flat_map(u16::to_be_bytes).collect()),
        ("hex".to_owned(), hex::encode(bytes).into_bytes()),
        ("HEX".to_owned(), hex::encode_upper(bytes).into_bytes()),
    ];
    // Base64 of a string embedded at any offset: encode from each of three alignments and keep
    // only the characters that do not depend on the neighbours.
    for offset in 0..3 {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(bytes);
        for (name, encoded) in
            [("base64", STANDARD.encode(&padded)), ("base64url", URL_SAFE_NO_PAD.encode(&padded))]
        {
            let skip = if offset == 0 { 0 } else { 4 };
            let stable = &encoded[skip..encoded.len().saturating_sub(4)];
            if stable.len() >= 8 {
                out.push((format!("{name}@{offset}"), stable.as_bytes().to_vec()));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn markers_never_reach_the_file_or_its_log() {
    let v = TestVault::new();
    // Hold the database open so that the write-ahead log stays on disk, full of recent pages.
    let holder = v.sql();
    holder.query_row("SELECT count(*) FROM vault_header", [], |r| r.get::<_, i64>(0)).unwrap();

    let markers = [
        ("gender", "Qmarkgenderzx"),
        ("home.region", "Qmarkregionzx"),
        ("home.city", "Qmarkcityzxq"),
        ("home.postcode", "QMARKPC77"),
        ("contact.email", "qmarkmail@qmarkdomain.example"),
        ("health", "Qmarkhealthzx condition"),
        ("religion", "Qmarkreligionzx"),
        ("politics", "Qmarkpoliticszx"),
        ("birth_date", "1931-07-13"),
        ("language", "qmk-Latn"),
    ];
    for (field, marker) in markers {
        v.ok(&["profile", "set", field, marker]);
    }
    v.ok(&["profile", "set", "sizes.shoe", "EU 47.5"]);
    v.ok(&["profile", "set", "household.children_ages", "11,13,17"]);
    v.ok(&["interests", "add", "--text", "Qmarkinterestzx tricycles", "--one-off"]);
    v.ok(&["prefs", "set", "time-zone", "Pacific/Chatham"]);
    v.ok(&["prefs", "set", "quiet-hours", "23:17-06:43"]);

    let mut all: Vec<&str> = markers.iter().map(|(_, m)| *m).collect();
    all.extend([
        "EU 47.5",
        "11,13,17",
        "Qmarkinterestzx",
        "Pacific/Chatham",
        "23:17",
        "birth_date",
        "home.city",
    ]);

    let files = vault_files(&v.file());
    assert!(
        files.iter().any(|(p, b)| p.ends_with("-wal") && !b.is_empty()),
        "the log was kept for inspection"
    );
    for (path, bytes) in &files {
        for marker in &all {
            for (encoding, needle) in encodings(marker) {
                assert!(!contains(bytes, &needle), "{marker:?} found as {encoding} in {path}");
            }
        }
    }
    // The values are really there, behind the passphrase.
    let shown = v.ok(&["profile", "show"]);
    assert!(shown.contains("Qmarkcityzxq") && shown.contains("1931-07-13"));
    drop(holder);
}

#[test]
fn the_encodings_would_find_a_plain_copy() {
    // The search itself must be able to fail: a marker written in the clear is found.
    let marker = "Qmarkcityzxq";
    for (encoding, needle) in encodings(marker) {
        let mut file = b"some bytes before ".to_vec();
        match encoding.as_str() {
            "plain" | "lowercase" | "utf-16le" | "utf-16be" | "hex" | "HEX" => {
                file.extend_from_slice(&needle);
            }
            _ => {
                let offset: usize = encoding.split('@').nth(1).unwrap().parse().unwrap();
                let mut padded = vec![b'x'; offset];
                padded.extend_from_slice(marker.as_bytes());
                let encoded = if encoding.starts_with("base64url") {
                    URL_SAFE_NO_PAD.encode(&padded)
                } else {
                    STANDARD.encode(&padded)
                };
                file.extend_from_slice(encoded.as_bytes());
            }
        }
        assert!(contains(&file, &needle), "{encoding} would not be found");
    }
}
