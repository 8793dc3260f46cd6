//! Answers, offers and signals: what a brand gets is computed inside Butler, decided by the
//! owner's preferences, or kept for the owner's review; and a grant's rate is enforced.

use serde_json::{Value, json};

use crate::support::{InProcess, onboard};

#[tokio::test]
async fn answers_rank_candidates_without_revealing_interests() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:interests:answer purpose:recommend-products", &[])
            .await;
    let candidates = json!([
        {"id": "cookbook", "topics": [1], "text": "a cookbook"},
        {"id": "trail-shoe", "topics": [323]},
        {"id": "sports-bag", "topics": [299]},
    ]);
    let res = brand
        .post(&token, "/v1/answers", &json!({"purpose": "recommend-products", "candidates": candidates}))
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("butler-receipt"));
    let text = res.text().await.unwrap();
    assert!(!text.contains("Running") && !text.contains("323"), "the interests stay inside: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let order: Vec<&str> =
        body["ranking"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(order, ["trail-shoe", "sports-bag", "cookbook"]);
    assert_eq!(body["ranking"][0]["score"], 0.5, "the owner's weight for running");
    assert_eq!(body["ranking"][2]["score"], 0.0);

    // A switched-off interest no longer counts.
    server.owner(&["interests", "off", "1"]);
    let res = brand
        .post(&token, "/v1/answers", &json!({"purpose": "recommend-products", "candidates": candidates}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert!(body["ranking"].as_array().unwrap().iter().all(|r| r["score"] == 0.0), "{body}");

    let res =
        brand.post(&token, "/v1/answers", &json!({"purpose": "contact", "candidates": candidates})).await;
    assert_eq!(res.status(), 403);
    let res =
        brand.post(&token, "/v1/answers", &json!({"purpose": "recommend-products", "candidates": []})).await;
    assert_eq!(res.status(), 400);
    let res =
        brand.post(&token, "/v1/answers", &json!({"purpose": "recommend-products", "candidates": "x"})).await;
    assert_eq!(res.status(), 400);

    let (other, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:recommend-products", &[]).await;
    let res = other
        .post(&token, "/v1/answers", &json!({"purpose": "recommend-products", "candidates": candidates}))
        .await;
    assert_eq!(res.status(), 403, "answers need the interests field in the grant");
}

#[tokio::test]
async fn offers_follow_the_owners_preferences() {
    let server = InProcess::start().await;
    server.owner(&["prefs", "set", "time-zone", "Europe/Paris"]);
    server.owner(&["prefs", "set", "quiet-hours", "21:00-08:00"]);
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:offer_preferences:answer purpose:contact", &[]).await;
    let offer = |channel: &str, tactics: Value| json!({"purpose": "contact", "kind": "discount", "channel": channel, "tactics": tactics, "title": "20% off trail shoes"});
    let decide = |body: Value| {
        let brand = &brand;
        let token = token.clone();
        async move {
            let res = brand.post(&token, "/v1/offers", &body).await;
            assert_eq!(res.status(), 200);
            let body: Value = res.json().await.unwrap();
            assert_eq!(
                body.as_object().unwrap().len(),
                2,
                "the brand learns the decision and the receipt only: {body}"
            );
            body["decision"].as_str().unwrap().to_owned()
        }
    };
    server.set_time("2026-06-01T10:00:00Z"); // noon in Paris
    assert_eq!(decide(offer("butler-inbox", json!([]))).await, "delivered");
    assert_eq!(decide(offer("butler-inbox", json!([]))).await, "deferred", "one per brand per day");
    assert_eq!(decide(offer("sms", json!([]))).await, "declined");
    assert_eq!(decide(offer("butler-inbox", json!(["countdown-urgency"]))).await, "declined");
    server.set_time("2026-06-02T20:30:00Z"); // 22:30 in Paris, a day later
    assert_eq!(decide(offer("butler-inbox", json!([]))).await, "deferred", "quiet hours");
    server.set_time("2026-06-03T10:00:00Z");
    assert_eq!(decide(offer("butler-inbox", json!([]))).await, "delivered");

    let inbox: Value = serde_json::from_str(&server.owner(&["inbox", "list", "--json"])).unwrap();
    let reasons: Vec<&str> =
        inbox.as_array().unwrap().iter().map(|o| o["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 6);
    assert!(reasons.iter().any(|r| r.contains("quiet hours")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("daily cap")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("sms channel")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("countdown-urgency")), "{reasons:?}");

    let res = brand
        .post(
            &token,
            "/v1/offers",
            &json!({"purpose": "contact", "kind": "bribe", "channel": "email", "title": "x"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = brand
        .post(
            &token,
            "/v1/offers",
            &json!({"purpose": "personalize-offers", "kind": "discount", "channel": "email", "title": "x"}),
        )
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn signals_wait_for_the_owner() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:deliver-service", &[]).await;
    let before = server.owner(&["interests", "list", "--json"]);
    for body in [
        json!({"purpose": "deliver-service", "event": "purchase", "topic": 323}),
        json!({"purpose": "deliver-service", "event": "purchase", "text": "tricycle", "one_off": true}),
        json!({"purpose": "deliver-service", "event": "view", "text": "kayaks"}),
    ] {
        let res = brand.post(&token, "/v1/signals", &body).await;
        assert_eq!(res.status(), 202);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending_owner_review");
    }
    assert_eq!(
        server.owner(&["interests", "list", "--json"]),
        before,
        "nothing changes the profile silently"
    );
    let bad = brand
        .post(
            &token,
            "/v1/signals",
            &json!({"purpose": "deliver-service", "event": "purchase", "topic": 323, "text": "x"}),
        )
        .await;
    assert_eq!(bad.status(), 400);

    let listed = server.owner(&["suggestions", "list"]);
    assert!(listed.contains("Running Shop") && listed.contains("one-off"), "{listed}");
    server.owner(&["suggestions", "accept", "1", "--weight", "0.7"]);
    server.owner(&["suggestions", "one-off", "2"]);
    server.owner(&["suggestions", "reject", "3"]);
    let interests: Value = serde_json::from_str(&server.owner(&["interests", "list", "--json"])).unwrap();
    let interests = interests.as_array().unwrap();
    assert_eq!(interests.len(), 3, "one stated, one accepted, one one-off");
    assert_eq!(interests[1]["interest"]["source"], json!({"kind": "signal", "brand": "Running Shop"}));
    assert_eq!(interests[2]["status"]["status"], "one_off");
    assert!(!server.owner(&["interests", "list"]).contains("kayaks"));
    let err =
        crate::support::butler(server.dir.path()).args(["suggestions", "accept", "3"]).output().unwrap();
    assert!(String::from_utf8_lossy(&err.stderr).contains("already decided"));
}

#[tokio::test]
async fn a_grants_rate_is_enforced() {
    let server = InProcess::start().await;
    let (brand, token) = onboard(
        &server.url,
        server.dir.path(),
        "field:home.country purpose:deliver-service",
        &["--rate", "3"],
    )
    .await;
    server.set_time("2026-12-01T10:00:05Z");
    for _ in 0..3 {
        assert_eq!(brand.read(&token, "deliver-service", "home.country").await.status(), 200);
    }
    let res = brand.read(&token, "deliver-service", "home.country").await;
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((50..=55).contains(&retry_after), "until the next minute: {retry_after}");
    server.advance(60);
    assert_eq!(brand.read(&token, "deliver-service", "home.country").await.status(), 200, "a new minute");

    // A revoked token's requests count too: past the rate, nothing more is logged.
    let grants: serde_json::Value =
        serde_json::from_str(&server.owner(&["grants", "list", "--json"])).unwrap();
    server.owner(&["grants", "revoke", grants[0]["grant_id"].as_str().unwrap()]);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(brand.read(&token, "deliver-service", "home.country").await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 429, 429, 429]);
    let log: serde_json::Value =
        serde_json::from_str(&server.owner(&["log", "list", "--json", "--outcome", "refused"])).unwrap();
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "only the refusals within the rate are logged");
}
