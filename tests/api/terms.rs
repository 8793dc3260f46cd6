//! The owner's terms (IEEE 7012) end to end: a brand declares the agreements it accepts when it
//! registers; the owner's agreement is proposed for each request; a brand that accepts none of
//! the owner's is flagged and cannot be approved as is; a brand that declared nothing onboards
//! unchanged and is bound by taking the token; the agreement is in the token response,
//! introspection, the signed consent receipt and the log.

use serde_json::{Value, json};

use crate::support::{Brand, InProcess};

const P7012: &str = "https://w3id.org/dpv/standards/p7012#";
const SCOPE: &str = "field:home.country purpose:recommend-products";

async fn register(url: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new().post(format!("{url}/oauth/register")).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn brand(url: &str, client_id: &Value) -> Brand {
    Brand {
        http: reqwest::Client::new(),
        url: url.to_owned(),
        client_id: client_id.as_str().unwrap().to_owned(),
    }
}

fn pending(server: &InProcess, user_code: &str) -> Value {
    let list: Value = serde_json::from_str(&server.owner(&["requests", "list", "--json"])).unwrap();
    list.as_array().unwrap().iter().find(|r| r["user_code"] == user_code).unwrap().clone()
}

async fn introspect(brand: &Brand, token: &str) -> Value {
    let form = [("token", token), ("client_id", brand.client_id.as_str())];
    let res = brand.http.post(format!("{}/oauth/introspect", brand.url)).form(&form).send().await.unwrap();
    res.json().await.unwrap()
}

#[tokio::test]
async fn agreements_are_declared_proposed_enforced_and_carried_everywhere() {
    let server = InProcess::start().await;
    let url = server.url.as_str();
    let meta: Value = reqwest::get(format!("{url}/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let supported: Vec<&str> =
        meta["butler_agreements_supported"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(supported.len(), 10);
    assert!(supported.contains(&format!("{P7012}SD-BASE").as_str()));

    // Registration: identifiers or IRIs (either DPV namespace); unknown ones are refused.
    let (status, body) = register(
        url,
        json!({"client_name": "Tidy", "accepted_agreements": ["SD-BASE-A", "p7012:SD-BASE-ATP-S3P"]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["accepted_agreements"],
        json!([format!("{P7012}SD-BASE-A"), format!("{P7012}SD-BASE-ATP-S3P")])
    );
    let tidy = brand(url, &body["client_id"]);
    for bad in [json!(["SD-BY"]), json!([]), json!("SD-BASE")] {
        let (status, body) = register(url, json!({"client_name": "Bad", "accepted_agreements": bad})).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // Recommending products is profiling: the owner's agreement is SD-BASE-ATP, which Tidy does
    // not accept. The request is flagged and cannot be approved as is.
    let (device_code, user_code) = tidy.ask(SCOPE).await;
    let request = pending(&server, &user_code);
    assert_eq!(request["terms"]["proposed"], "SD-BASE-ATP");
    assert_eq!(request["terms"]["standing"], "mismatch");
    assert_eq!(request["terms"]["brand_accepts_fitting"], json!(["SD-BASE-ATP-S3P"]));
    assert!(server.owner(&["requests", "list"]).contains("cannot be approved as is"));
    let out =
        crate::support::butler(server.dir.path()).args(["requests", "approve", &user_code]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be approved as is"));
    let out = crate::support::butler(server.dir.path())
        .args(["requests", "approve", &user_code, "--terms", "SD-BASE-A"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "an agreement that does not permit the purpose");
    assert_eq!(tidy.poll(&device_code).await.1["error"], "authorization_pending", "still undecided");

    // The owner chooses one the brand accepts: it is carried into the token, introspection,
    // the receipt and the log.
    server.owner(&["requests", "approve", &user_code, "--terms", "SD-BASE-ATP-S3P"]);
    let (status, token) = tidy.poll(&device_code).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["butler_agreement"], format!("{P7012}SD-BASE-ATP-S3P"));
    let access = token["access_token"].as_str().unwrap();
    assert_eq!(introspect(&tidy, access).await["butler_agreement"], format!("{P7012}SD-BASE-ATP-S3P"));
    let receipts: Value = tidy
        .http
        .get(format!("{url}/v1/receipts"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let content = receipt_content(&receipts["receipts"][0]["jws"]);
    assert_eq!(content["agreement"], format!("{P7012}SD-BASE-ATP-S3P"));
    assert_eq!(tidy.read(access, "recommend-products", "home.country").await.status(), 200);
    let log: Value = serde_json::from_str(&server.owner(&["log", "list", "--json"])).unwrap();
    assert_eq!(log["entries"][0]["agreement"], "SD-BASE-ATP-S3P");
    assert!(server.owner(&["log", "list"]).contains("on your terms SD-BASE-ATP-S3P"));
    assert!(server.owner(&["grants", "list"]).contains("terms: SD-BASE-ATP-S3P"));

    // Narrowed to a purpose a stricter agreement of the brand's permits, it is approved as is.
    let (device_code, user_code) =
        tidy.ask("field:home.country purpose:measure purpose:recommend-products").await;
    server.owner(&["requests", "approve", &user_code, "--narrow", "field:home.country purpose:measure"]);
    assert_eq!(tidy.poll(&device_code).await.1["butler_agreement"], format!("{P7012}SD-BASE-A"));
}

#[tokio::test]
async fn a_brand_that_states_no_terms_onboards_unchanged_and_is_bound_to_the_owners() {
    let server = InProcess::start().await;
    let url = server.url.as_str();
    let words = server.owner(&["terms", "set", "SD-BASE-DP"]);
    assert!(words.contains("* SD-BASE-DP") && words.contains("take your data with you"), "{words}");

    let (status, body) = register(url, json!({"client_name": "Plain"})).await;
    assert_eq!(status, 201);
    assert!(body.get("accepted_agreements").is_none(), "nothing declared, nothing echoed: {body}");
    let plain = brand(url, &body["client_id"]);
    let (device_code, user_code) = plain.ask("field:home.country purpose:deliver-service").await;
    let request = pending(&server, &user_code);
    assert_eq!(request["terms"]["standing"], "unstated");
    assert_eq!(request["terms"]["proposed"], "SD-BASE-DP", "the owner's default, which permits delivery");
    assert!(server.owner(&["requests", "list"]).contains("has not stated its terms"));
    server.owner(&["requests", "approve", &user_code]);
    let (_, token) = plain.poll(&device_code).await;
    assert_eq!(token["butler_agreement"], format!("{P7012}SD-BASE-DP"), "bound by taking the token");

    // A purpose the default does not permit: the strictest that does, with the default's portability.
    let (device_code, user_code) = plain.ask("field:home.country purpose:personalize-content").await;
    assert_eq!(pending(&server, &user_code)["terms"]["proposed"], "SD-BASE-ATP-DP");
    server.owner(&["requests", "approve", &user_code]);
    assert_eq!(plain.poll(&device_code).await.1["butler_agreement"], format!("{P7012}SD-BASE-ATP-DP"));
}

/// The payload of a compact JWS, unverified (the receipts tests verify signatures).
fn receipt_content(jws: &Value) -> Value {
    use base64::Engine;
    let payload = jws.as_str().unwrap().split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_declares_agreements_and_measures_under_them() {
    let server = InProcess::start().await;
    let butler = butler_sdk::Client::new(&server.url);
    let me = butler.register_accepting("Panel", None, &["SD-BASE-A", "SD-BASE-A-DP"]).await.unwrap();
    assert_eq!(me.accepted_agreements.as_ref().map(Vec::len), Some(2));
    let ask = butler.request_access(&me.client_id, "field:birth_date:coarse purpose:measure").await.unwrap();
    let (dir, code) = (server.dir.path().to_owned(), ask.user_code.clone());
    tokio::task::spawn_blocking(move || crate::support::owner(&dir, &["requests", "approve", &code]))
        .await
        .unwrap();
    let token = butler.wait_for_token(&me.client_id, &ask).await.unwrap();
    assert_eq!(token.butler_agreement.as_deref(), Some(format!("{P7012}SD-BASE-A").as_str()));
    let answer = butler.session(&token.access_token).measure("age_band", &[]).await.unwrap();
    assert_eq!(answer.categories.len(), 8);
}
