//! Export then import into a new vault gives back the same profile; bad files change nothing.

use crate::support::TestVault;

fn filled() -> TestVault {
    let v = TestVault::new();
    v.ok(&["profile", "set", "birth_date", "1975-12-01"]);
    v.ok(&["profile", "set", "language", "fr-BE"]);
    v.ok(&["profile", "set", "household.children_ages", "2,6"]);
    v.ok(&["profile", "set", "religion", "private"]);
    v.ok(&["interests", "add", "--topic", "323", "--weight", "0.8"]);
    v.ok(&["interests", "add", "--text", "tricycles", "--one-off"]);
    v.ok(&["interests", "add", "--text", "jazz", "--expires", "2030-01-01"]);
    v.ok(&["interests", "off", "3"]);
    v.ok(&["prefs", "set", "quiet-hours", "22:00-07:30"]);
    v
}

#[test]
fn sealed_export_round_trips_into_a_new_vault() {
    let a = filled();
    let file = a.dir.path().join("profile.export");
    a.ok(&["export", "--out", file.to_str().unwrap()]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an export is readable by the owner only");
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("butler-export-sealed"));
    for secret in ["1975-12-01", "tricycles", "private", "fr-BE"] {
        assert!(!text.contains(secret), "the sealed export shows {secret}");
    }

    // A new vault with another passphrase: the export is opened with the passphrase it was sealed with.
    let mut b = TestVault::empty();
    b.passphrase = "another vault passphrase".into();
    b.ok(&["init", "--kdf-memory-mib", "64", "--kdf-passes", "3"]);
    let err = b.fails(&["import", file.to_str().unwrap()]);
    assert!(err.contains("wrong passphrase, or the file was altered"), "{err}");
    let out = b
        .command(&["import", file.to_str().unwrap()])
        .env("BUTLER_EXPORT_PASSPHRASE", &a.passphrase)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "Imported 4 fields and 3 interests.");

    let strip = |json: String| {
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v.as_object_mut().unwrap().remove("exported_at");
        v
    };
    assert_eq!(strip(b.ok(&["profile", "show", "--json"])), strip(a.ok(&["profile", "show", "--json"])));
    assert_eq!(b.ok(&["interests", "list"]), a.ok(&["interests", "list"]));

    // Importing again over a profile needs --replace.
    let err = b.fails(&["import", file.to_str().unwrap()]);
    assert!(err.contains("--replace"), "{err}");
}

#[test]
fn plaintext_export_is_explicit_and_round_trips() {
    let a = filled();
    let plain = a.ok(&["export", "--plaintext"]);
    let doc: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(doc["format"], "butler-profile");
    assert_eq!(doc["fields"]["birth_date"], "1975-12-01");
    assert_eq!(doc["interests"].as_array().unwrap().len(), 3);

    let file = a.dir.path().join("plain.json");
    std::fs::write(&file, &plain).unwrap();
    let b = TestVault::new();
    b.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(b.ok(&["interests", "list"]), a.ok(&["interests", "list"]));
}

#[test]
fn a_bad_import_changes_nothing() {
    let a = filled();
    let before = a.ok(&["profile", "show", "--json"]);
    let file = a.dir.path().join("bad.json");
    let mut doc: serde_json::Value = serde_json::from_str(&a.ok(&["export", "--plaintext"])).unwrap();

    doc["fields"]["home.country"] = "ZZ".into();
    std::fs::write(&file, doc.to_string()).unwrap();
    let err = a.fails(&["import", "--replace", file.to_str().unwrap()]);
    assert!(err.contains("home.country"), "{err}");

    doc["fields"]["home.country"] = "BE".into();
    doc["surprise"] = true.into();
    std::fs::write(&file, doc.to_string()).unwrap();
    let err = a.fails(&["import", "--replace", file.to_str().unwrap()]);
    assert!(err.contains("unknown field"), "{err}");

    for junk in ["", "{", "[1,2]", "{\"format\":\"something-else\"}"] {
        std::fs::write(&file, junk).unwrap();
        a.fails(&["import", "--replace", file.to_str().unwrap()]);
    }
    a.fails(&["import", "/definitely/not/here.json"]);
    assert_eq!(a.ok(&["profile", "show", "--json"]), before);
}
