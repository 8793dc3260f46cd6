//! Signed consent receipts, as a brand sees them: fetched with its token (even a revoked one),
//! verified with the published key alone by an independent JOSE library, and broken by any
//! changed byte.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::support::{Brand, ServeProcess, onboard};

const SCOPE: &str = "field:birth_date:coarse field:home.country purpose:recommend-products";

/// Verifies a compact JWS with `jsonwebtoken` and the JWKS alone; returns its payload.
fn verify(jws: &str, key_set: &JwkSet) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(jws).map_err(|e| e.to_string())?;
    let kid = header.kid.ok_or("the receipt names no key")?;
    let jwk = key_set.find(&kid).ok_or("no key in the JWKS has the receipt's kid")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    // A receipt is a signed document, not a session token: no expiry or audience to check.
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    Ok(jsonwebtoken::decode::<Value>(jws, &key, &validation).map_err(|e| e.to_string())?.claims)
}

/// The same JWS with the byte at `i` changed to another character.
fn changed_at(jws: &str, i: usize) -> String {
    let mut bytes = jws.as_bytes().to_vec();
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

async fn receipts(brand: &Brand, token: &str) -> reqwest::Response {
    brand.http.get(format!("{}/v1/receipts", brand.url)).bearer_auth(token).send().await.unwrap()
}

async fn jwks(brand: &Brand) -> (Value, JwkSet) {
    let res = brand.http.get(format!("{}/.well-known/jwks.json", brand.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let raw: Value = res.json().await.unwrap();
    (raw.clone(), serde_json::from_value(raw).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brand_verifies_its_receipts_with_the_public_key_alone() {
    let server = ServeProcess::start();
    let (brand, token) = onboard(&server.url, server.dir.path(), SCOPE, &[]).await;

    // The key is public, and named by the metadata.
    let (raw, keys) = jwks(&brand).await;
    let key = &raw["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str()),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let meta: Value = brand
        .http
        .get(format!("{}/.well-known/oauth-authorization-server", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["jwks_uri"], format!("{}/.well-known/jwks.json", server.url));

    let res = receipts(&brand, &token).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let list = body["receipts"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{body}");
    let item = &list[0];
    assert_eq!(item["event"], "granted");
    let jws = item["jws"].as_str().unwrap();

    let content = verify(jws, &keys).expect("a receipt verifies with the public key alone");
    assert_eq!(content["consentReceiptID"], item["id"]);
    assert_eq!(content["grantId"], item["grant_id"]);
    assert_eq!(content["clientId"], brand.client_id.as_str());
    assert_eq!(content["event"], "granted");
    assert_eq!(content["version"], "KI-CR-v1.1.0");
    assert_eq!(content["piiControllers"][0]["piiController"], "Running Shop");
    assert_eq!(content["piiControllers"][0]["piiControllerUrl"], "https://shop.example");
    let purpose = &content["services"][0]["purposes"][0];
    assert_eq!(purpose["purpose"], "recommend-products");
    assert_eq!(purpose["purposeCategory"][0], "https://w3id.org/dpv#ProvideProductRecommendations");
    assert_eq!(purpose["consentType"], "EXPLICIT");
    assert_eq!(purpose["piiCategory"], serde_json::json!(["birth_date:coarse", "home.country:exact"]));
    assert_eq!(purpose["thirdPartyDisclosure"], false);
    let text = content.to_string();
    assert!(!text.contains("1990") && !text.contains("FR"), "a receipt discloses no profile value: {text}");

    // A changed byte anywhere (header, payload, signature, separators) fails verification.
    for i in 0..jws.len() {
        assert!(
            verify(&changed_at(jws, i), &keys).is_err(),
            "byte {i} of {} changed and still verifies",
            jws.len()
        );
    }
    // So does another Butler's key.
    let other = ServeProcess::start();
    let (other_brand, _) = onboard(&other.url, other.dir.path(), SCOPE, &[]).await;
    let (_, other_keys) = jwks(&other_brand).await;
    let foreign = DecodingKey::from_jwk(&other_keys.keys[0]).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    assert!(jsonwebtoken::decode::<Value>(jws, &foreign, &validation).is_err());

    // The owner revokes the grant with the real command; the dead token still fetches the
    // receipts, now with the revocation first, signed and verifying.
    let grant_id = item["grant_id"].as_str().unwrap();
    server.owner(&["grants", "revoke", grant_id]);
    assert_eq!(
        brand.read(&token, "recommend-products", "birth_date").await.status(),
        401,
        "the token is dead"
    );
    let res = receipts(&brand, &token).await;
    assert_eq!(res.status(), 200, "a revoked brand still fetches its receipts");
    let body: Value = res.json().await.unwrap();
    let events: Vec<&str> =
        body["receipts"].as_array().unwrap().iter().map(|r| r["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["revoked", "granted"]);
    let revoked = &body["receipts"][0];
    let content = verify(revoked["jws"].as_str().unwrap(), &keys).expect("the revocation receipt verifies");
    assert_eq!(content["event"], "revoked");
    assert_eq!(content["grantId"], grant_id);
    assert!(
        content["revocationTimestamp"].as_i64().unwrap() >= content["consentTimestamp"].as_i64().unwrap()
    );
    assert_eq!(content["revocationTimestamp"], revoked["issued_at"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_are_the_brands_own_and_need_a_known_token() {
    let server = ServeProcess::start();
    let (brand, token) = onboard(&server.url, server.dir.path(), SCOPE, &[]).await;
    let (other, other_token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:contact", &[]).await;

    let mine: Value = receipts(&brand, &token).await.json().await.unwrap();
    let theirs: Value = receipts(&other, &other_token).await.json().await.unwrap();
    let grant_of = |v: &Value| v["receipts"][0]["grant_id"].as_str().unwrap().to_owned();
    assert_eq!(mine["receipts"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["receipts"].as_array().unwrap().len(), 1);
    assert_ne!(grant_of(&mine), grant_of(&theirs), "each brand sees its own grants only");

    // No token, an unknown token, a malformed one: the same 401s as every endpoint.
    let res = brand.http.get(format!("{}/v1/receipts", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"butler\"");
    for bad in ["btk_0000000000000000000000000000000000000000deadbeef", "not-a-token"] {
        let res = receipts(&brand, bad).await;
        assert_eq!(res.status(), 401);
        assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("error=\"invalid_token\""));
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["status"], 401);
    }

    // Both endpoints are in the OpenAPI document.
    let doc: Value =
        brand.http.get(format!("{}/openapi.json", server.url)).send().await.unwrap().json().await.unwrap();
    assert!(doc["paths"]["/v1/receipts"]["get"].is_object());
    assert!(doc["paths"]["/.well-known/jwks.json"]["get"].is_object());
    assert!(doc["components"]["schemas"]["ConsentReceipt"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_fetches_and_verifies_receipts() {
    let server = ServeProcess::start();
    let (_, token) = onboard(&server.url, server.dir.path(), SCOPE, &[]).await;
    let butler = butler_sdk::Client::new(&server.url);
    let keys = butler.jwks().await.unwrap();
    let session = butler.session(&token);
    let list = session.receipts().await.unwrap().receipts;
    let receipt = butler_sdk::verify_receipt(&list[0].jws, &keys).unwrap();
    assert_eq!(receipt.consent_receipt_id, list[0].id);
    assert_eq!(receipt.event, butler_sdk::protocol::ReceiptEvent::Granted);
    for i in 0..list[0].jws.len() {
        assert!(butler_sdk::verify_receipt(&changed_at(&list[0].jws, i), &keys).is_err(), "byte {i}");
    }

    server.owner(&["grants", "pause", &list[0].grant_id]);
    server.owner(&["grants", "resume", &list[0].grant_id]);
    let events: Vec<_> =
        session.receipts().await.unwrap().receipts.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(events, ["resumed", "paused", "granted"]);
}
