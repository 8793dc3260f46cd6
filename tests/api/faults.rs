//! Fail-closed under real faults: a disk that refuses to grow the vault's files (a file-size
//! limit on the running server, with SIGXFSZ ignored, so writes fail with EFBIG as on a full
//! disk), another program holding the vault's write lock, and a log table that refuses every
//! write. Brands get 503 and no data while it lasts, the owner is told on the server's standard
//! error; once the cause is gone, Butler serves again by itself and the log verifies.

use std::process::{Command, Stdio};

use crate::support::{PASSPHRASE, filled_vault, onboard, owner, serving_port};

fn prlimit(pid: u32, fsize: &str) {
    let status = Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={fsize}")])
        .status()
        .unwrap();
    assert!(status.success(), "prlimit --fsize={fsize}");
}

#[tokio::test]
async fn a_disk_that_cannot_grow_fails_closed_and_butler_recovers() {
    let dir = tempfile::tempdir().unwrap();
    filled_vault(dir.path());
    // SIGXFSZ ignored (inherited across exec), so a write past the limit fails with EFBIG.
    let mut child = Command::new("sh")
        .args(["-c", "trap '' XFSZ; exec \"$@\"", "sh", env!("CARGO_BIN_EXE_butler")])
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--port", "0"])
        .env("BUTLER_PASSPHRASE", PASSPHRASE)
        .env_remove("BUTLER_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let port = serving_port(&mut child);
    let url = format!("http://127.0.0.1:{port}");
    let (brand, token) =
        onboard(&url, dir.path(), "field:home.country purpose:recommend-products", &[]).await;
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 200);

    // No file of the server may grow past 4 KiB from now on.
    prlimit(child.id(), "4096:unlimited");
    for _ in 0..3 {
        let res = brand.read(&token, "recommend-products", "home.country").await;
        assert_eq!(res.status(), 503, "the log cannot be written, so nothing is disclosed");
        let body = res.text().await.unwrap();
        assert!(!body.contains("FR"), "no data in a refusal: {body}");
    }

    // The cause goes away: the very next requests are served, with no restart.
    prlimit(child.id(), "unlimited:unlimited");
    let res = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["fields"]["home.country"]["value"], "FR");

    let _ = child.kill();
    let _ = child.wait();
    let mut told = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut told).unwrap();
    assert!(
        told.contains("refusing to disclose") && told.contains("access log"),
        "the owner is told: {told}"
    );
    let verify = owner(dir.path(), &["log", "verify"]);
    assert!(verify.contains("verifies"), "{verify}");
    let list = owner(dir.path(), &["log", "list", "--json"]);
    let entries: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        entries["entries"].as_array().unwrap().len(),
        2,
        "only the two answered reads are logged: {list}"
    );
}

#[tokio::test]
async fn a_long_owner_transaction_fails_closed_then_lets_go() {
    let server = crate::support::ServeProcess::start();
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:recommend-products", &[]).await;

    // Another program holds the vault's write lock past Butler's busy timeout (5 s).
    let holder = rusqlite::Connection::open(server.dir.path().join("butler.vault")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let res = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(res.status(), 503, "the entry cannot be committed, so nothing is disclosed");
    assert!(!res.text().await.unwrap().contains("FR"));
    assert!(started.elapsed() >= std::time::Duration::from_secs(4), "it waited for the lock first");

    holder.execute_batch("ROLLBACK").unwrap();
    let res = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(res.status(), 200, "served again once the lock is released");
    let verify = server.owner(&["log", "verify"]);
    assert!(verify.contains("verifies"), "{verify}");
}

#[tokio::test]
async fn a_log_table_that_refuses_writes_fails_closed_and_butler_recovers() {
    let dir = tempfile::tempdir().unwrap();
    filled_vault(dir.path());
    let mut child = crate::support::butler(dir.path())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{}", serving_port(&mut child));
    let (brand, token) =
        onboard(&url, dir.path(), "field:home.country purpose:recommend-products", &[]).await;
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 200);
    let (sender, sender_token) = onboard(
        &url,
        dir.path(),
        "field:offer_preferences:answer purpose:contact purpose:recommend-products",
        &[],
    )
    .await;
    let offer = serde_json::json!({"purpose": "contact", "kind": "discount", "channel": "butler-inbox", "title": "Unlogged sale"});
    let signal = serde_json::json!({"purpose": "recommend-products", "event": "purchase", "topic": 323});

    // Another program makes the log table refuse every new entry.
    let vault = rusqlite::Connection::open(dir.path().join("butler.vault")).unwrap();
    vault
        .execute_batch(
            "CREATE TRIGGER broken_log BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'the log is broken'); END;",
        )
        .unwrap();
    for _ in 0..2 {
        let res = brand.read(&token, "recommend-products", "home.country").await;
        assert_eq!(res.status(), 503, "no entry, no answer");
        assert!(!res.text().await.unwrap().contains("FR"), "no data in a refusal");
    }
    // An offer or a signal whose entry cannot be written is not kept either.
    assert_eq!(sender.post(&sender_token, "/v1/offers", &offer).await.status(), 503);
    assert_eq!(sender.post(&sender_token, "/v1/signals", &signal).await.status(), 503);
    vault.execute_batch("DROP TRIGGER broken_log;").unwrap();
    let res = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(res.status(), 200, "served again once the log takes entries, with no restart");

    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let mut told = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut told).unwrap();
    assert!(
        told.contains("refusing to disclose") && told.contains("the log is broken"),
        "the owner is told: {told}"
    );
    assert!(owner(dir.path(), &["log", "verify"]).contains("verifies"));
    let list: serde_json::Value =
        serde_json::from_str(&owner(dir.path(), &["log", "list", "--json"])).unwrap();
    assert_eq!(list["entries"].as_array().unwrap().len(), 2, "the two answered reads, and nothing else");
    let inbox: serde_json::Value =
        serde_json::from_str(&owner(dir.path(), &["inbox", "list", "--json"])).unwrap();
    assert_eq!(inbox, serde_json::json!([]), "the refused offer was taken back");
    let suggestions: serde_json::Value =
        serde_json::from_str(&owner(dir.path(), &["suggestions", "list", "--json"])).unwrap();
    assert_eq!(suggestions, serde_json::json!([]), "the refused signal was taken back");
}
