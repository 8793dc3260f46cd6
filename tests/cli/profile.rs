//! Profile fields and offer preferences from the command line, and the command line's manners:
//! help everywhere, one-line errors, a non-zero exit.

use crate::support::TestVault;

#[test]
fn set_show_unset() {
    let v = TestVault::new();
    assert_eq!(v.ok(&["profile", "set", "home.country", "be"]).trim(), "home.country = BE");
    v.ok(&["profile", "set", "sizes.shoe", "43"]);
    v.ok(&["profile", "set", "shopping.decision_style", "compare"]);
    let shown = v.ok(&["profile", "show"]);
    assert!(shown.contains("BE") && shown.contains("EU 43") && shown.contains("compare"), "{shown}");
    let json: serde_json::Value = serde_json::from_str(&v.ok(&["profile", "show", "--json"])).unwrap();
    assert_eq!(json["fields"]["sizes.shoe"], "EU 43");
    assert!(v.ok(&["profile", "unset", "sizes.shoe"]).contains("removed"));
    assert!(v.ok(&["profile", "unset", "sizes.shoe"]).contains("was not set"));
    assert!(!v.ok(&["profile", "show"]).contains("EU 43"));
}

#[test]
fn bad_values_are_refused_and_change_nothing() {
    let v = TestVault::new();
    v.ok(&["profile", "set", "household.size", "3"]);
    let before = v.ok(&["profile", "show", "--json"]);
    for (field, value, says) in [
        ("birth_date", "1990-02-30", "not a real date"),
        ("birth_date", "3000-01-01", "future"),
        ("home.country", "Atlantis", "two-letter"),
        ("household.size", "0", "out of range"),
        ("household.size", "many", "not a whole number"),
        ("language", "not a tag", "BCP 47"),
        ("contact.email", "nobody", "e-mail"),
        ("no.such.field", "x", "not a field of the catalog"),
        ("interests", "x", "butler interests"),
    ] {
        let err = v.fails(&["profile", "set", field, value]);
        assert!(err.contains(says), "{field}={value}: {err}");
    }
    assert_eq!(v.ok(&["profile", "show", "--json"]), before);
}

#[test]
fn offer_preferences() {
    let v = TestVault::new();
    assert!(v.ok(&["prefs", "show"]).contains("butler-inbox"));
    v.ok(&["prefs", "set", "kinds.wanted", "discount,back-in-stock"]);
    v.ok(&["prefs", "set", "cap.brand.week", "2"]);
    v.ok(&["prefs", "set", "time-zone", "Europe/Lisbon"]);
    let before = v.ok(&["prefs", "show", "--json"]);
    let p: serde_json::Value = serde_json::from_str(&before).unwrap();
    assert_eq!(p["kinds_wanted"], serde_json::json!(["discount", "back-in-stock"]));
    assert_eq!(p["per_brand"]["per_week"], 2);
    assert_eq!(p["time_zone"], "Europe/Lisbon");
    assert!(v.fails(&["prefs", "set", "kinds.unwanted", "discount"]).contains("both wanted and unwanted"));
    assert!(v.fails(&["prefs", "set", "time-zone", "Moon/Base"]).contains("IANA"));
    assert!(v.fails(&["prefs", "set", "quiet-hours", "7pm-8am"]).contains("21:30-07:00"));
    assert!(v.fails(&["prefs", "set", "volume", "loud"]).contains("not a setting"));
    assert_eq!(v.ok(&["prefs", "show", "--json"]), before);
    v.ok(&["prefs", "reset"]);
    assert!(v.ok(&["prefs", "show"]).contains("cap.brand.week       3"));
}

#[test]
fn init_refuses_weak_settings_and_existing_vaults() {
    let v = TestVault::empty();
    let err = v.fails(&["init", "--kdf-memory-mib", "16"]);
    assert!(err.contains("below the floor"), "{err}");
    let mut short = TestVault::empty();
    short.passphrase = "short".into();
    assert!(short.fails(&["init"]).contains("too short"));
    assert!(!short.file().exists());
    let made = TestVault::new();
    assert!(made.fails(&["init"]).contains("already exists"));
    assert!(TestVault::empty().fails(&["profile", "show"]).contains("butler init"));
}

#[test]
fn no_passphrase_and_no_terminal_is_a_clear_error() {
    let v = TestVault::new();
    // `setsid` detaches from any controlling terminal, as under a service manager or in CI.
    let out = std::process::Command::new("setsid")
        .args(["--wait", env!("CARGO_BIN_EXE_butler"), "--data-dir"])
        .arg(v.dir.path())
        .args(["profile", "show"])
        .env_remove("BUTLER_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("set BUTLER_PASSPHRASE"), "{err}");
}

#[test]
fn every_command_has_help() {
    let v = TestVault::empty();
    let commands: &[&[&str]] = &[
        &[],
        &["init"],
        &["profile"],
        &["profile", "show"],
        &["profile", "set"],
        &["profile", "unset"],
        &["profile", "fields"],
        &["interests"],
        &["interests", "add"],
        &["interests", "list"],
        &["interests", "off"],
        &["interests", "on"],
        &["interests", "snooze"],
        &["interests", "expire"],
        &["interests", "one-off"],
        &["interests", "weight"],
        &["interests", "remove"],
        &["topics", "search"],
        &["prefs", "set"],
        &["prefs", "keys"],
        &["passwd"],
        &["export"],
        &["import"],
        &["check"],
    ];
    for cmd in commands {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = v.ok(&args);
        assert!(out.contains("Usage: butler"), "{cmd:?}: {out}");
    }
    let fields = v.ok(&["profile", "fields"]);
    assert!(fields.contains("health") && fields.contains("special") && fields.contains("answer"));
}
