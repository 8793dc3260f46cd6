//! Onboarding by the standards: discovery, registration, the device flow with an off-the-shelf
//! OAuth client, the token endpoint's RFC 8628 errors, introspection and revocation.

use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, DeviceAuthorizationUrl, Scope, StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};
use serde_json::Value;

use crate::support::{Brand, DEVICE_GRANT, InProcess, ServeProcess, onboard};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_off_the_shelf_oauth_client_completes_onboarding() {
    let server = ServeProcess::start();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Discovery tells the client where everything is.
    let meta: Value = http
        .get(format!("{}/.well-known/oauth-authorization-server", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], server.url);
    let scopes: Vec<&str> =
        meta["scopes_supported"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(scopes.contains(&"field:birth_date:coarse") && scopes.contains(&"purpose:recommend-products"));
    assert!(!scopes.contains(&"field:health:exact"), "special categories are never offered raw");

    let brand = Brand::register(&server.url, "Trail Shoes").await;
    let client = BasicClient::new(ClientId::new(brand.client_id.clone()))
        .set_token_uri(TokenUrl::new(meta["token_endpoint"].as_str().unwrap().to_owned()).unwrap())
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(meta["device_authorization_endpoint"].as_str().unwrap().to_owned())
                .unwrap(),
        );
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new("field:birth_date:coarse".into()))
        .add_scope(Scope::new("field:home.country".into()))
        .add_scope(Scope::new("field:home.city".into()))
        .add_scope(Scope::new("purpose:recommend-products".into()))
        .request_async(&http)
        .await
        .unwrap();
    let user_code = details.user_code().secret().clone();

    // The owner sees the request and approves it narrowed (no city).
    let listed = server.owner(&["requests", "list"]);
    assert!(
        listed.contains(&user_code) && listed.contains("Trail Shoes") && listed.contains("unverified"),
        "{listed}"
    );
    let dir = server.dir.path().to_owned();
    let code = user_code.clone();
    let approver = tokio::task::spawn_blocking(move || {
        crate::support::owner(
            &dir,
            &[
                "requests",
                "approve",
                &code,
                "--narrow",
                "field:birth_date:coarse field:home.country purpose:recommend-products",
            ],
        )
    });
    approver.await.unwrap();

    let token = client
        .exchange_device_access_token(&details)
        .request_async(&http, tokio::time::sleep, None)
        .await
        .unwrap();
    let granted: Vec<String> = token.scopes().unwrap().iter().map(|s| s.to_string()).collect();
    assert_eq!(
        granted,
        ["field:birth_date:coarse", "field:home.country:exact", "purpose:recommend-products"]
    );
    let access = token.access_token().secret().clone();
    assert!(access.starts_with("btk_"));

    // The brand reads within the grant; the response names its log entry.
    let res = brand.read(&access, "recommend-products", "birth_date,home.country,home.city").await;
    assert_eq!(res.status(), 200);
    let receipt = res.headers()["butler-receipt"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["receipt"], receipt);
    assert_eq!(body["fields"]["birth_date"], serde_json::json!({"mode": "coarse", "value": "35-44"}));
    assert_eq!(body["fields"]["home.country"]["value"], "FR");
    assert_eq!(body["withheld"], serde_json::json!([{"field": "home.city", "reason": "not_granted"}]));

    // The owner's log shows the same event with the same disclosure.
    let log: Value = serde_json::from_str(&server.owner(&["log", "list", "--json"])).unwrap();
    let entry = &log["entries"][0];
    assert_eq!(format!("log-{}", entry["seq"]), receipt);
    assert_eq!(entry["brand"], "Trail Shoes");
    assert_eq!(entry["outcome"], "narrowed");
    assert_eq!(
        entry["disclosed"],
        serde_json::json!([{"field": "birth_date", "mode": "coarse"}, {"field": "home.country", "mode": "exact"}])
    );
    // This client stated no terms: by taking the token it is bound to the owner's, the strictest
    // that permits recommending products.
    assert_eq!(entry["agreement"], "SD-BASE-ATP");
    let form = [("token", access.as_str()), ("client_id", brand.client_id.as_str())];
    let introspected: Value = http
        .post(format!("{}/oauth/introspect", server.url))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["butler_agreement"], "https://w3id.org/dpv/standards/p7012#SD-BASE-ATP");
}

async fn token_error(brand: &Brand, device_code: &str) -> String {
    let (status, body) = brand.poll(device_code).await;
    assert_eq!(status, 400, "{body}");
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_token_endpoint_speaks_rfc_8628() {
    let server = InProcess::start().await;
    let brand = Brand::register(&server.url, "Poller").await;
    let scope = "field:home.country purpose:deliver-service";

    let (device, code) = brand.ask(scope).await;
    assert_eq!(token_error(&brand, &device).await, "authorization_pending");
    assert_eq!(token_error(&brand, &device).await, "slow_down", "polled again at once");
    server.advance(11);
    assert_eq!(token_error(&brand, &device).await, "authorization_pending", "polite again after 10 s");

    server.owner(&["requests", "deny", &code]);
    server.advance(11);
    assert_eq!(token_error(&brand, &device).await, "access_denied");
    let err =
        crate::support::butler(server.dir.path()).args(["requests", "approve", &code]).output().unwrap();
    assert!(String::from_utf8_lossy(&err.stderr).contains("already decided"));

    let (device, _) = brand.ask(scope).await;
    server.advance(16 * 60);
    assert_eq!(token_error(&brand, &device).await, "expired_token");

    // Approved: one token, then the device code is spent.
    let (device, code) = brand.ask(scope).await;
    server.owner(&["requests", "approve", &code]);
    let (status, body) = brand.poll(&device).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "field:home.country:exact purpose:deliver-service");
    assert_eq!(body["authorization_details"][0]["type"], "butler_profile");
    server.advance(11);
    assert_eq!(token_error(&brand, &device).await, "invalid_grant", "a replayed device code");

    // Another client cannot use this brand's device code; unknown clients are refused.
    let other = Brand::register(&server.url, "Other").await;
    let (device, _) = brand.ask(scope).await;
    assert_eq!(token_error(&other, &device).await, "invalid_grant");
    let res = brand
        .http
        .post(format!("{}/oauth/device_authorization", server.url))
        .form(&[("client_id", "bcl_nobody"), ("scope", scope)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_client");

    for (form, error) in [
        (vec![("grant_type", "password"), ("client_id", brand.client_id.as_str())], "unsupported_grant_type"),
        (vec![("grant_type", DEVICE_GRANT), ("client_id", brand.client_id.as_str())], "invalid_request"),
    ] {
        let res = brand.http.post(format!("{}/oauth/token", server.url)).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], error);
    }
    let res = brand
        .http
        .post(format!("{}/oauth/token", server.url))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}

#[tokio::test]
async fn bad_access_requests_are_refused_with_the_reason() {
    let server = InProcess::start().await;
    let brand = Brand::register(&server.url, "Asker").await;
    for (scope, error, says) in [
        ("field:health:exact purpose:contact", "invalid_scope", "cannot be disclosed in mode `exact`"),
        ("field:shoe purpose:contact", "invalid_scope", "not a field"),
        ("field:home.country", "invalid_scope", "no purpose"),
        ("purpose:contact", "invalid_scope", "no field"),
    ] {
        let res = brand
            .http
            .post(format!("{}/oauth/device_authorization", server.url))
            .form(&[("client_id", brand.client_id.as_str()), ("scope", scope)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{scope}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], error, "{scope}");
        assert!(body["error_description"].as_str().unwrap().contains(says), "{scope}: {body}");
    }
    // The same request as RFC 9396 authorization details.
    let details = r#"[{"type":"butler_profile","fields":[{"field":"birth_date","mode":"coarse"}],"purposes":["measure"]}]"#;
    let res = brand
        .http
        .post(format!("{}/oauth/device_authorization", server.url))
        .form(&[("client_id", brand.client_id.as_str()), ("authorization_details", details)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(server.owner(&["requests", "list"]).contains("birth_date (coarse)"));
}

#[tokio::test]
async fn introspection_and_revocation() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:deliver-service", &[]).await;
    let introspect = |client: String, token: String| {
        let http = brand.http.clone();
        let url = format!("{}/oauth/introspect", server.url);
        async move {
            http.post(url)
                .form(&[("token", token.as_str()), ("client_id", client.as_str())])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let active = introspect(brand.client_id.clone(), token.clone()).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["scope"], "field:home.country:exact purpose:deliver-service");
    assert_eq!(introspect("bcl_someone_else".into(), token.clone()).await["active"], false);
    assert_eq!(introspect(brand.client_id.clone(), "btk_not_a_token".into()).await["active"], false);

    let res = brand
        .http
        .post(format!("{}/oauth/revoke", server.url))
        .form(&[("token", token.as_str()), ("client_id", brand.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(introspect(brand.client_id.clone(), token.clone()).await["active"], false);
    let res = brand.read(&token, "deliver-service", "home.country").await;
    assert_eq!(res.status(), 401);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
}

#[tokio::test]
async fn the_openapi_document_covers_every_endpoint() {
    let server = InProcess::start().await;
    let http = reqwest::Client::new();
    let doc: Value =
        http.get(format!("{}/openapi.json", server.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let res = http
                .request(method.to_uppercase().parse().unwrap(), format!("{}{path}", server.url))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert!(
                status != 404 && status != 405,
                "{method} {path} is documented but not served ({status})"
            );
            let documented = ops[method]["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(&status.to_string()),
                "{method} {path} answered {status}, not documented"
            );
        }
    }
    for served in
        ["/v1/profile", "/v1/answers", "/v1/offers", "/v1/signals", "/oauth/token", "/oauth/register"]
    {
        assert!(paths.contains_key(served), "{served} is missing from the document");
    }
    // Something not in the document is not served.
    assert_eq!(http.get(format!("{}/v1/everything", server.url)).send().await.unwrap().status(), 404);
}
