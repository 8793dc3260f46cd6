//! The brand SDK against the real server: the whole journey, and its typed errors.

use butler_sdk::protocol::{Candidate, Decision, OfferRequest, SignalRequest};
use butler_sdk::{Client, Error, Poll};

use crate::support::InProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brand_onboards_and_works_with_the_sdk() {
    let server = InProcess::start().await;
    let butler = Client::new(&server.url);
    assert!(butler.catalog().await.unwrap().fields.iter().any(|f| f.field == "birth_date"));
    let me = butler.register("Trail Shoes", Some("https://shoes.example")).await.unwrap();
    let scope = "field:birth_date:coarse field:interests:answer field:offer_preferences:answer \
                 purpose:recommend-products purpose:contact";
    let ask = butler.request_access(&me.client_id, scope).await.unwrap();
    assert!(matches!(butler.poll_once(&me.client_id, &ask.device_code).await.unwrap(), Poll::Pending));

    let dir = server.dir.path().to_owned();
    let code = ask.user_code.clone();
    tokio::task::spawn_blocking(move || crate::support::owner(&dir, &["requests", "approve", &code]))
        .await
        .unwrap();
    let token = butler.wait_for_token(&me.client_id, &ask).await.unwrap();
    assert!(token.scope.contains("purpose:contact"));

    let session = butler.session(&token.access_token);
    let profile = session.read_profile("recommend-products", &["birth_date", "home.city"]).await.unwrap();
    assert_eq!(profile.fields["birth_date"].value, "35-44");
    assert_eq!(profile.withheld[0].field, "home.city");

    let ranked = session
        .answers(
            "recommend-products",
            vec![
                Candidate { id: "pan".into(), topics: vec![], text: Some("frying pan".into()), kind: None },
                Candidate { id: "shoe".into(), topics: vec![323], text: None, kind: None },
            ],
        )
        .await
        .unwrap();
    assert_eq!(ranked.ranking[0].id, "shoe");

    server.set_time("2026-06-01T10:00:00Z");
    server.owner(&["prefs", "set", "quiet-hours", "none"]);
    let offer = OfferRequest {
        purpose: "contact".into(),
        kind: "discount".parse().unwrap(),
        channel: "butler-inbox".parse().unwrap(),
        tactics: vec![],
        title: "Trail shoes, 20% off".into(),
        body: None,
        url: Some("https://shoes.example/sale".into()),
    };
    assert_eq!(session.offer(&offer).await.unwrap().decision, Decision::Delivered);

    let signal = SignalRequest {
        purpose: "contact".into(),
        event: "purchase".into(),
        topic: Some(323),
        text: None,
        one_off: false,
    };
    assert_eq!(session.signal(&signal).await.unwrap().status, "pending_owner_review");

    // Typed errors: the wrong purpose, then a revoked token.
    match session.read_profile("measure", &["birth_date"]).await {
        Err(Error::Problem { status: 403, bearer_error, .. }) => {
            assert_eq!(bearer_error.as_deref(), Some("insufficient_scope"));
        }
        other => panic!("{other:?}"),
    }
    assert!(session.introspect(&me.client_id).await.unwrap().active);
    session.revoke(&me.client_id).await.unwrap();
    match session.read_profile("recommend-products", &["birth_date"]).await {
        Err(Error::Problem { status: 401, bearer_error, .. }) => {
            assert_eq!(bearer_error.as_deref(), Some("invalid_token"));
        }
        other => panic!("{other:?}"),
    }
    match butler.request_access(&me.client_id, "field:health:exact purpose:contact").await {
        Err(Error::OAuth { error, .. }) => assert_eq!(error, "invalid_scope"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_denied_request_stops_the_wait() {
    let server = InProcess::start().await;
    let butler = Client::new(&server.url);
    let me = butler.register("Pushy", None).await.unwrap();
    let ask = butler.request_access(&me.client_id, "field:home.country purpose:contact").await.unwrap();
    server.owner(&["requests", "deny", &ask.user_code]);
    match butler.wait_for_token(&me.client_id, &ask).await {
        Err(Error::OAuth { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("{other:?}"),
    }
}
