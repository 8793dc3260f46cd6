//! The interest lifecycle from the command line: switched off, snoozed, expired and one-off
//! interests stop being active, and the owner still sees each of them with the reason.

use crate::support::TestVault;

fn active_ids(v: &TestVault) -> Vec<i64> {
    let json: serde_json::Value =
        serde_json::from_str(&v.ok(&["interests", "list", "--json", "--active"])).unwrap();
    json.as_array().unwrap().iter().map(|r| r["interest"]["id"].as_i64().unwrap()).collect()
}

#[test]
fn lifecycle_end_to_end() {
    let v = TestVault::new();
    let today = jiff::Zoned::now().date();
    let tomorrow = today.tomorrow().unwrap().to_string();
    let next_month = today.checked_add(jiff::Span::new().months(1)).unwrap().to_string();

    for args in [
        &["interests", "add", "--topic", "323"][..], // 1 running
        &["interests", "add", "--text", "jazz", "--weight", "0.9"], // 2
        &["interests", "add", "--text", "tricycles", "--one-off"], // 3 a gift
        &["interests", "add", "--topic", "4"],       // 4 concerts
        &["interests", "add", "--text", "camping", "--expires", &next_month], // 5
    ] {
        v.ok(args);
    }
    assert_eq!(active_ids(&v), [1, 2, 4, 5]);

    v.ok(&["interests", "off", "2"]);
    v.ok(&["interests", "snooze", "4", &next_month]);
    v.ok(&["interests", "expire", "5", &today.to_string()]);
    assert_eq!(active_ids(&v), [1]);

    // The owner still sees every interest, each with its reason.
    let list = v.ok(&["interests", "list"]);
    for expected in [
        "off",
        "one-off",
        &format!("snoozed until {next_month}"),
        &format!("expired on {today}"),
        "Running & Walking",
    ] {
        assert!(list.contains(expected), "missing {expected:?} in\n{list}");
    }

    v.ok(&["interests", "on", "2"]);
    v.ok(&["interests", "on", "4"]);
    v.ok(&["interests", "expire", "5", "never"]);
    v.ok(&["interests", "one-off", "1"]);
    assert_eq!(active_ids(&v), [2, 4, 5]);
    v.ok(&["interests", "one-off", "1", "--undo"]);
    v.ok(&["interests", "remove", "5"]);
    assert_eq!(active_ids(&v), [1, 2, 4]);

    // Bad input: clear errors, nothing changed.
    let before = v.ok(&["interests", "list", "--json"]);
    assert!(v.fails(&["interests", "snooze", "1", &today.to_string()]).contains("after today"));
    assert!(v.fails(&["interests", "add", "--topic", "9999"]).contains("not a topic id"));
    assert!(v.fails(&["interests", "add", "--text", ""]).contains("empty"));
    assert!(v.fails(&["interests", "weight", "1", "3"]).contains("between 0 and 1"));
    assert!(v.fails(&["interests", "off", "77"]).contains("no interest with id 77"));
    assert!(v.fails(&["interests", "expire", "1", "soon"]).contains("not a date"));
    assert!(!v.run(&["interests", "snooze", "1", "2026-02-30"]).status.success());
    assert_eq!(v.ok(&["interests", "list", "--json"]), before);
    assert!(v.ok(&["interests", "snooze", "1", &tomorrow]).contains("snoozed until"));
}

#[test]
fn topics_are_searchable_without_a_vault() {
    let v = TestVault::empty();
    let out = v.ok(&["topics", "search", "running"]);
    assert!(out.contains("323") && out.contains("/Sports/Running & Walking"), "{out}");
    assert_eq!(v.ok(&["topics", "list"]).lines().count(), 469);
    assert!(v.fails(&["topics", "search", "qqqqq"]).contains("no topic"));
}

#[test]
fn commands_running_at_the_same_time_lose_nothing() {
    let v = TestVault::new();
    let children: Vec<_> = (0..4)
        .map(|i| v.command(&["interests", "add", "--text", &format!("parallel {i}")]).spawn().unwrap())
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    // Read-modify-write changes at the same time: each one must keep the others'.
    let settings =
        [("cap.day", "4"), ("cap.week", "12"), ("quiet-hours", "22:00-06:00"), ("channels", "email")];
    let children: Vec<_> =
        settings.iter().map(|(k, val)| v.command(&["prefs", "set", k, val]).spawn().unwrap()).collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let prefs: serde_json::Value = serde_json::from_str(&v.ok(&["prefs", "show", "--json"])).unwrap();
    assert_eq!(prefs["overall"]["per_day"], 4);
    assert_eq!(prefs["overall"]["per_week"], 12);
    assert_eq!(prefs["quiet_hours"]["start"], "22:00:00");
    assert_eq!(prefs["channels"], serde_json::json!(["email"]));
    v.ok(&["profile", "set", "home.city", "Namur"]);
    let list = v.ok(&["interests", "list"]);
    for i in 0..4 {
        assert!(list.contains(&format!("parallel {i}")), "{list}");
    }
    v.ok(&["check"]);
}
