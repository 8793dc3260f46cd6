//! The owner exports the access log and anyone checks the file alone; retention prunes old
//! entries with a signed record and the chain still verifies.

use std::process::Command;

use crate::support::{InProcess, butler, onboard};

/// `butler` with no vault, no data folder and no passphrase: what anyone holding the file has.
fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_butler"));
    cmd.env_remove("BUTLER_PASSPHRASE").env_remove("BUTLER_DATA_DIR").env("HOME", "/nonexistent");
    cmd
}

fn run(mut cmd: Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[tokio::test]
async fn an_export_verifies_alone_and_catches_changes_and_pruning_keeps_the_chain() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:contact", &[]).await;
    let three_days_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(72);
    server.set_time(&three_days_ago.to_string());
    for _ in 0..2 {
        assert_eq!(brand.read(&token, "contact", "home.country").await.status(), 200);
    }
    server.set_time(&jiff::Timestamp::now().to_string());
    for _ in 0..2 {
        assert_eq!(brand.read(&token, "contact", "home.country").await.status(), 200);
    }
    let files = tempfile::tempdir().unwrap();
    let jsonl = files.path().join("log.jsonl");
    let csv = files.path().join("log.csv");
    let jwks = files.path().join("jwks.json");
    server.owner(&["log", "export", "--output", jsonl.to_str().unwrap()]);
    server.owner(&["log", "export", "--format", "csv", "--output", csv.to_str().unwrap()]);
    std::fs::write(&jwks, server.owner(&["receipts", "key"])).unwrap();
    let again = butler(server.dir.path())
        .args(["log", "export", "--output", jsonl.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success(), "an export never overwrites a file");

    for file in [&jsonl, &csv] {
        let mut cmd = bare();
        cmd.args(["log", "verify-export", file.to_str().unwrap()]);
        let (ok, said) = run(cmd);
        assert!(ok && said.contains("verifies: 4 entries (log-1 to log-4)"), "{said}");
        let mut cmd = bare();
        cmd.args(["log", "verify-export", file.to_str().unwrap(), "--key", jwks.to_str().unwrap()]);
        let (ok, said) = run(cmd);
        assert!(ok && said.contains("(the key given)"), "{said}");
    }

    let text = std::fs::read_to_string(&jsonl).unwrap();
    let edited = files.path().join("edited.jsonl");
    std::fs::write(&edited, text.replacen(r#""mode":"exact""#, r#""mode":"coarse""#, 1)).unwrap();
    let mut cmd = bare();
    cmd.args(["log", "verify-export", edited.to_str().unwrap()]);
    let (ok, said) = run(cmd);
    assert!(!ok && said.contains("line 2 (log-1): its hash does not match"), "{said}");
    let cut = files.path().join("cut.jsonl");
    let first_three: Vec<&str> = text.split_inclusive('\n').take(3).collect();
    std::fs::write(&cut, first_three.concat()).unwrap();
    let mut cmd = bare();
    cmd.args(["log", "verify-export", cut.to_str().unwrap()]);
    let (ok, said) = run(cmd);
    assert!(!ok && said.contains("cut short"), "{said}");

    // Keep one day: the two entries of three days ago go, with a signed record.
    assert!(server.owner(&["log", "retention"]).contains("forever"));
    server.owner(&["log", "retention", "1"]);
    let pruned = server.owner(&["log", "prune"]);
    assert!(pruned.contains("Removed 2 entries") && pruned.contains("log-2"), "{pruned}");
    assert!(server.owner(&["log", "verify"]).contains("2 entries"));
    assert!(server.owner(&["log", "prune"]).contains("Nothing to remove"));
    let after = files.path().join("after.csv");
    server.owner(&["log", "export", "--format", "csv", "--output", after.to_str().unwrap()]);
    let mut cmd = bare();
    cmd.args(["log", "verify-export", after.to_str().unwrap(), "--key", jwks.to_str().unwrap()]);
    let (ok, said) = run(cmd);
    assert!(ok && said.contains("2 entries (log-3 to log-4)"), "{said}");
}

/// Exports made before log entries carried their web origin (and their terms) still verify, and
/// a change to one is still caught. The files were written by the Butler of that time.
#[test]
fn exports_from_before_origins_still_verify() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/api/fixtures");
    let key = fixtures.join("log-export-before-origins-key.json");
    for name in ["log-export-before-origins.csv", "log-export-before-origins.jsonl"] {
        let file = fixtures.join(name);
        let mut cmd = bare();
        cmd.args(["log", "verify-export", file.to_str().unwrap(), "--key", key.to_str().unwrap()]);
        let (ok, out) = run(cmd);
        assert!(ok && out.contains("verifies: 4 entries"), "{name}: {out}");

        let dir = tempfile::tempdir().unwrap();
        let edited = dir.path().join(name);
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&edited, text.replacen("recommend-products", "recommend-productz", 1)).unwrap();
        let mut cmd = bare();
        cmd.args(["log", "verify-export", edited.to_str().unwrap(), "--key", key.to_str().unwrap()]);
        let (ok, out) = run(cmd);
        assert!(!ok, "{name}: an edited old export must not verify: {out}");
    }
}
