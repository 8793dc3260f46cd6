//! The owner is told: unusual use is flagged (`butler log alerts`), and a log whose chain does not
//! verify is reported by `butler serve` and `butler log list`, while brands are still served.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{InProcess, butler, onboard};

#[tokio::test]
async fn fields_asked_without_a_grant_and_a_new_purpose_are_flagged() {
    let server = InProcess::start().await;
    let (brand, token) = onboard(
        &server.url,
        server.dir.path(),
        "field:home.country purpose:recommend-products purpose:contact",
        &[],
    )
    .await;
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 200);
    assert_eq!(server.owner(&["log", "alerts"]).trim(), "Nothing unusual.");
    assert_eq!(brand.read(&token, "recommend-products", "home.country,contact.email").await.status(), 200);
    assert_eq!(brand.read(&token, "contact", "home.country").await.status(), 200);
    let alerts: Value = serde_json::from_str(&server.owner(&["log", "alerts", "--json"])).unwrap();
    let kinds: Vec<&str> = alerts.as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["new_purpose", "ungranted_fields"], "{alerts:#}");
    assert!(alerts[1]["message"].as_str().unwrap().contains("contact.email"));
    assert_eq!(alerts[1]["client_id"], brand.client_id.as_str());
    let text = server.owner(&["log", "alerts"]);
    assert!(text.contains("Running Shop asked for contact.email without a grant for it."), "{text}");
}

#[tokio::test]
async fn a_broken_chain_is_reported_and_brands_are_still_served() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:contact", &[]).await;
    for _ in 0..3 {
        assert_eq!(brand.read(&token, "contact", "home.country").await.status(), 200);
    }
    let db = rusqlite::Connection::open(server.dir.path().join("butler.vault")).unwrap();
    db.execute("DELETE FROM access_log WHERE seq = 2", []).unwrap();
    drop(db);

    let mut serve = butler(server.dir.path())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(serve.stderr.take().unwrap());
    let mut said = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && !said.contains("alert") {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        said.push_str(&line);
    }
    let mut line = String::new();
    BufReader::new(serve.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    let client =
        crate::support::Brand { http: reqwest::Client::new(), url, client_id: brand.client_id.clone() };
    let status = client.read(&token, "contact", "home.country").await.status();
    let _ = serve.kill();
    let _ = serve.wait();
    assert!(said.contains("butler: alert: The access log does not verify at log-3"), "{said}");
    assert_eq!(status, 200, "a broken chain refuses nothing");

    let alerts: Value = serde_json::from_str(&server.owner(&["log", "alerts", "--json"])).unwrap();
    assert_eq!(alerts[0]["kind"], "chain_broken", "{alerts:#}");
    let out = butler(server.dir.path()).args(["log", "list"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not verify at log-3"));
}
