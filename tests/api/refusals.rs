//! Nothing leaves without a grant, outside its purpose, or beyond its fields and modes; refusals
//! are logged; the loopback guard holds; and if the log cannot be written, nothing is disclosed.

use std::io::{Read, Write};

use serde_json::{Value, json};

use crate::support::{Brand, InProcess, onboard};

const SCOPE: &str = "field:birth_date:coarse field:home.country field:home.city:coarse field:interests:coarse \
                     field:household.size:coarse field:health:answer purpose:recommend-products";

#[tokio::test]
async fn fields_are_disclosed_only_in_their_granted_mode() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), SCOPE, &["--consent-sensitive", "health"]).await;
    let res = brand
        .read(
            &token,
            "recommend-products",
            "birth_date,home.country,home.city,interests,household.size,health,contact.email,gender,nonsense",
        )
        .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    for secret in ["1990-05-05", "Lyon", "owner@example.org", "private condition", "Running & Walking"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["fields"]["birth_date"], json!({"mode": "coarse", "value": "35-44"}));
    assert_eq!(body["fields"]["home.city"], json!({"mode": "coarse", "value": "Auvergne-Rhone-Alpes"}));
    assert_eq!(body["fields"]["household.size"], json!({"mode": "coarse", "value": "3-4"}));
    assert_eq!(body["fields"]["interests"]["value"], json!([{"topic": 299, "name": "/Sports"}]));
    assert_eq!(
        body["withheld"],
        json!([
            {"field": "health", "reason": "sensitive"},
            {"field": "contact.email", "reason": "not_granted"},
            {"field": "gender", "reason": "not_granted"},
            {"field": "nonsense", "reason": "unknown_field"},
        ])
    );
}

#[tokio::test]
async fn special_categories_need_explicit_consent() {
    let server = InProcess::start().await;
    let (_brand, _token) = onboard(&server.url, server.dir.path(), SCOPE, &[]).await;
    let grants = server.owner(&["grants", "list"]);
    assert!(grants.contains("birth_date") && !grants.contains("health"), "{grants}");
}

fn last_log(server: &InProcess) -> Value {
    serde_json::from_str::<Value>(&server.owner(&["log", "list", "--json", "--limit", "1"])).unwrap()["entries"][0]
        .clone()
}

#[tokio::test]
async fn wrong_purpose_pause_revoke_and_expiry_are_refused_and_logged() {
    let server = InProcess::start().await;
    let (brand, token) = onboard(&server.url, server.dir.path(), SCOPE, &[]).await;
    let grant_id =
        serde_json::from_str::<Value>(&server.owner(&["grants", "list", "--json"])).unwrap()[0]["grant_id"]
            .as_str()
            .unwrap()
            .to_owned();

    let res = brand.read(&token, "contact", "home.country").await;
    assert_eq!(res.status(), 403);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("insufficient_scope"));
    assert!(!res.text().await.unwrap().contains("FR"));
    let entry = last_log(&server);
    assert_eq!((entry["outcome"].as_str(), entry["purpose"].as_str()), (Some("refused"), Some("contact")));

    assert_eq!(brand.read(&token, "measure-everything", "home.country").await.status(), 403);
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 200);

    server.owner(&["grants", "pause", &grant_id]);
    let res = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(res.status(), 401, "paused takes effect on the very next request");
    assert_eq!(last_log(&server)["note"], "the grant is paused");
    server.owner(&["grants", "resume", &grant_id]);
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 200);

    server.advance(91 * 24 * 3600);
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 401, "expired");
    server.advance(-91 * 24 * 3600);

    server.owner(&["grants", "revoke", &grant_id]);
    let res = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(res.status(), 401);
    assert_eq!(last_log(&server)["note"], "the grant was revoked");
    let err =
        crate::support::butler(server.dir.path()).args(["grants", "resume", &grant_id]).output().unwrap();
    assert!(String::from_utf8_lossy(&err.stderr).contains("revocation is final"));

    for bad in ["", "btk_0000", "Basic abc", &token.replace('a', "b")] {
        let res = brand
            .http
            .get(format!("{}/v1/profile?purpose=contact&fields=home.country", server.url))
            .header("authorization", format!("Bearer {bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{bad:?}");
    }
}

fn receipt(res: &reqwest::Response) -> i64 {
    res.headers()["butler-receipt"].to_str().unwrap().trim_start_matches("log-").parse().unwrap()
}

#[tokio::test]
async fn a_change_made_between_two_requests_shows_in_the_very_next_answer_with_one_entry_each() {
    let server = InProcess::start().await;
    let (brand, token) = onboard(&server.url, server.dir.path(), SCOPE, &[]).await;
    let first = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(first.status(), 200);
    let first_seq = receipt(&first);
    assert_eq!(first.json::<Value>().await.unwrap()["fields"]["home.country"]["value"], "FR");

    // The owner changes the profile from another process; what the server keeps is now old, and
    // the next answer is made from it first, then found stale when its entry is committed.
    server.owner(&["profile", "set", "home.country", "DE"]);
    let second = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(second.status(), 200);
    assert_eq!(receipt(&second), first_seq + 1, "no entry for the answer made from the old state");
    assert_eq!(second.json::<Value>().await.unwrap()["fields"]["home.country"]["value"], "DE");

    // The same for a ranking: a pause between two requests refuses the very next one.
    let grant_id =
        serde_json::from_str::<Value>(&server.owner(&["grants", "list", "--json"])).unwrap()[0]["grant_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let ask = json!({"purpose": "recommend-products", "candidates": [{"id": "shoe", "topics": [323]}]});
    let ranked = brand.post(&token, "/v1/answers", &ask).await;
    assert_eq!(ranked.status(), 200);
    assert_eq!(receipt(&ranked), first_seq + 2);
    server.owner(&["grants", "pause", &grant_id]);
    let res = brand.post(&token, "/v1/answers", &ask).await;
    assert_eq!(res.status(), 401, "paused takes effect on the very next request");
    assert!(!res.text().await.unwrap().contains("ranking"));
    let entries = serde_json::from_str::<Value>(&server.owner(&["log", "list", "--json", "--limit", "10"]))
        .unwrap()["entries"]
        .clone();
    let seqs: Vec<i64> = entries.as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs[..4], [first_seq + 3, first_seq + 2, first_seq + 1, first_seq], "one entry per answer");
    assert_eq!(entries[0]["note"], "the grant is paused");
    assert_eq!(entries[0]["outcome"], "refused");
}

/// Sends a raw request with exactly these header lines and returns the status code.
fn raw_status(port: u16, headers: &str) -> u16 {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    write!(stream, "GET /v1/catalog HTTP/1.1\r\n{headers}Connection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebinding_and_foreign_origins_are_refused() {
    let server = InProcess::start().await;
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        assert_eq!(raw_status(port, &format!("Host: 127.0.0.1:{port}\r\n")), 200);
        assert_eq!(raw_status(port, &format!("Host: localhost:{port}\r\n")), 200);
        for host in [
            String::new(),
            format!(":{port}"),
            format!("localhost.evil.test:{port}"),
            format!("localhost.:{port}"),
            format!("127.0.0.1.:{port}"),
            "127.0.0.1".to_owned(),
            format!("evil.test:{port}"),
        ] {
            assert_eq!(raw_status(port, &format!("Host: {host}\r\n")), 403, "Host {host:?}");
        }
        assert_eq!(raw_status(port, ""), 403, "no Host at all");
        assert_eq!(
            raw_status(port, &format!("Host: 127.0.0.1:{port}\r\nOrigin: https://evil.test\r\n")),
            403
        );
        assert_eq!(raw_status(port, &format!("Host: 127.0.0.1:{port}\r\nOrigin: null\r\n")), 403);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn when_the_log_cannot_be_written_nothing_is_disclosed() {
    let server = InProcess::start().await;
    let (brand, token) = onboard(&server.url, server.dir.path(), SCOPE, &[]).await;
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 200);
    // Make every log write fail, from outside, the way a full disk or broken file would.
    let db = rusqlite::Connection::open(server.dir.path().join("butler.vault")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER no_log BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'log unwritable'); END;",
    )
    .unwrap();

    let res = brand.read(&token, "recommend-products", "home.country,birth_date").await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert!(!res.headers().contains_key("butler-receipt"));
    let text = res.text().await.unwrap();
    assert!(!text.contains("FR") && !text.contains("35-44"), "{text}");

    db.execute_batch("DROP TRIGGER no_log;").unwrap();
    assert_eq!(
        brand.read(&token, "recommend-products", "home.country").await.status(),
        200,
        "recovers by itself"
    );
}

#[tokio::test]
async fn bad_bodies_get_clear_errors() {
    let server = InProcess::start().await;
    let http = reqwest::Client::new();
    let register = |body: reqwest::Body, ctype: &'static str| {
        http.post(format!("{}/oauth/register", server.url)).header("content-type", ctype).body(body).send()
    };
    let res = register("{not json".into(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = register(r#"{"client_name": 42}"#.into(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("client_name"));
    let res = register(r#"{"client_name": "x"}"#.into(), "text/plain").await.unwrap();
    assert_eq!(res.status(), 415);
    let res = register(format!(r#"{{"client_name": "{}"}}"#, "x".repeat(200_000)).into(), "application/json")
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let res = register(r#"{"client_uri": "https://a.example"}"#.into(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_client_metadata");
    let res =
        register(r#"{"client_name": "A", "client_uri": "javascript:alert(1)"}"#.into(), "application/json")
            .await
            .unwrap();
    assert_eq!(res.status(), 400);
    let brand = Brand::register(&server.url, "Fine").await;
    assert!(brand.client_id.starts_with("bcl_"));
    let res = http.get(format!("{}/no/such/thing", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

/// Every data endpoint against grants that do and do not cover it: only the covering grant is
/// answered, every other pair is refused (and nothing of the profile leaves).
#[tokio::test]
async fn every_scope_and_endpoint_pair() {
    let server = InProcess::start().await;
    server.owner(&["prefs", "set", "quiet-hours", "none"]);
    let grants = [
        ("fields", "field:birth_date:coarse purpose:recommend-products"),
        ("interests", "field:interests:answer purpose:recommend-products"),
        ("offers", "field:offer_preferences:answer purpose:contact"),
        ("other", "field:home.country purpose:deliver-service"),
    ];
    let calls: [(&str, Value); 4] = [
        ("read", json!(null)),
        ("answers", json!({"purpose": "recommend-products", "candidates": [{"id": "a", "topics": [323]}]})),
        (
            "offers",
            json!({"purpose": "contact", "kind": "discount", "channel": "butler-inbox", "title": "A deal"}),
        ),
        ("signals", json!({"purpose": "recommend-products", "event": "view", "topic": 323})),
    ];
    // (grant, endpoint) -> expected status.
    // A read under a granted purpose answers 200 even when every field is withheld: the body lists
    // them with the reason, and the log records the read as refused.
    let expected = |grant: &str, call: &str| match (grant, call) {
        ("fields" | "interests", "read") | ("interests", "answers") | ("offers", "offers") => 200,
        ("fields" | "interests", "signals") => 202,
        _ => 403,
    };
    for (name, scope) in grants {
        let (brand, token) = onboard(&server.url, server.dir.path(), scope, &[]).await;
        for (call, body) in &calls {
            let res = match *call {
                "read" => brand.read(&token, "recommend-products", "birth_date").await,
                path => brand.post(&token, &format!("/v1/{path}"), body).await,
            };
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            assert_eq!(status, expected(name, call), "grant {name} on {call}: {text}");
            assert_eq!(
                text.contains("35-44"),
                (name, *call) == ("fields", "read"),
                "{name} on {call}: {text}"
            );
            assert_eq!(
                text.contains("score"),
                (name, *call) == ("interests", "answers"),
                "{name} on {call}: {text}"
            );
        }
    }
    // The refusals are in the owner's log, each with its reason.
    let log: Value =
        serde_json::from_str(&server.owner(&["log", "list", "--json", "--limit", "100"])).unwrap();
    let refused = log["entries"].as_array().unwrap().iter().filter(|e| e["outcome"] == "refused").count();
    assert_eq!(refused, 11, "every refused pair was logged, and the read that disclosed nothing");
}

#[tokio::test]
async fn measure_never_reads_raw_values() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:birth_date purpose:measure", &[]).await;
    let res = brand.read(&token, "measure", "birth_date").await;
    assert_eq!(res.status(), 403);
    let text = res.text().await.unwrap();
    assert!(!text.contains("1990") && text.contains("does not serve the purpose `measure`"), "{text}");
    assert_eq!(last_log(&server)["outcome"], "refused");
}

#[tokio::test]
async fn a_grant_paused_before_pickup_issues_no_token() {
    let server = InProcess::start().await;
    let brand = Brand::register(&server.url, "Slow").await;
    let (device, code) = brand.ask("field:home.country purpose:contact").await;
    server.owner(&["requests", "approve", &code]);
    let grants: Value = serde_json::from_str(&server.owner(&["grants", "list", "--json"])).unwrap();
    server.owner(&["grants", "revoke", grants[0]["grant_id"].as_str().unwrap()]);
    let (status, body) = brand.poll(&device).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("access_denied")));
}

#[tokio::test]
async fn tokens_of_other_clients_cannot_be_revoked_and_schemes_are_case_insensitive() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:contact", &[]).await;
    let other = Brand::register(&server.url, "Other").await;
    let res = other
        .http
        .post(format!("{}/oauth/revoke", server.url))
        .form(&[("token", token.as_str()), ("client_id", other.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "unauthorized_client");
    let res = brand
        .http
        .get(format!("{}/v1/profile?purpose=contact&fields=home.country", server.url))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the token still works, and `bearer` is the same scheme as `Bearer`");
}

#[tokio::test]
async fn the_issuer_is_the_address_the_client_used() {
    let server = InProcess::start().await;
    let url = format!("http://localhost:{}", server.port);
    let meta: Value = reqwest::get(format!("{url}/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], url);
    assert_eq!(meta["token_endpoint"], format!("{url}/oauth/token"));
}
