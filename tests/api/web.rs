//! Brands on the web: a brand's page onboards from its registered origin, and Butler answers that
//! origin with CORS headers only while a grant the owner approved with `--allow-origin` is live.
//! Everything else (a foreign origin, `null`, a grant without the origin, a paused or revoked
//! grant) is refused without CORS headers, and a data request's refusal is in the owner's log.

use reqwest::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, HeaderMap, VARY,
};
use reqwest::{Method, Response};
use serde_json::Value;

use crate::support::{Brand, ServeProcess, page_client};

const SHOP: &str = "http://127.0.0.1:8088";
const EVIL: &str = "https://evil.test";
const SCOPE: &str = "field:home.country field:interests purpose:recommend-products";

fn allowed_origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap())
}

/// Every response the test sees passes through here: never a wildcard, never credentials.
fn checked(res: &Response) -> (u16, Option<String>) {
    assert_ne!(allowed_origin(res.headers()), Some("*"), "no response allows every origin");
    assert!(res.headers().get(ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none(), "no credentials mode");
    (res.status().as_u16(), allowed_origin(res.headers()).map(str::to_owned))
}

/// A browser's preflight for a call to `path` with the given method and headers.
async fn preflight(url: &str, origin: &str, path: &str, method: &str, headers: &str) -> Response {
    page_client(origin)
        .request(Method::OPTIONS, format!("{url}{path}"))
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .unwrap()
}

async fn read_from(url: &str, origin: &str, token: &str) -> Response {
    page_client(origin)
        .get(format!("{url}/v1/profile"))
        .bearer_auth(token)
        .query(&[("purpose", "recommend-products"), ("fields", "home.country")])
        .send()
        .await
        .unwrap()
}

/// The page asks, the owner approves (with the given extra arguments), the page collects its token.
async fn onboard(server: &ServeProcess, page: &Brand, approve: &[&str]) -> (String, String) {
    let (device_code, user_code) = page.ask(SCOPE).await;
    let mut args = vec!["requests", "approve", user_code.as_str()];
    args.extend_from_slice(approve);
    server.owner(&args);
    let (status, body) = page.poll(&device_code).await;
    assert_eq!(status, 200, "{body}");
    (body["access_token"].as_str().unwrap().to_owned(), body["butler_grant_id"].as_str().unwrap().to_owned())
}

fn log_entries(server: &ServeProcess) -> Vec<Value> {
    let log: Value = serde_json::from_str(&server.owner(&["log", "list", "--json"])).unwrap();
    log["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_page_onboards_from_its_origin_and_reads_only_while_its_grant_allows_it() {
    let server = ServeProcess::start();
    let url = server.url.as_str();

    // Registration is JSON, so the browser asks first; onboarding is open to any web origin.
    let pre = preflight(url, SHOP, "/oauth/register", "POST", "content-type").await;
    assert_eq!(checked(&pre), (200, Some(SHOP.to_owned())));
    let methods = pre.headers()[ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap().to_ascii_uppercase();
    assert!(methods.contains("POST") && !methods.contains("DELETE"), "{methods}");
    let page = Brand::register_from_page(url, "Corner Shop", SHOP).await;

    // A page may not register a home page on another origin, nor use a client of another origin.
    let res = page_client(EVIL)
        .post(format!("{url}/oauth/register"))
        .json(&serde_json::json!({"client_name": "Corner Shop", "client_uri": format!("{SHOP}/shop")}))
        .send()
        .await
        .unwrap();
    assert_eq!(checked(&res).0, 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_client_metadata");
    let res = page_client(EVIL)
        .post(format!("{url}/oauth/device_authorization"))
        .form(&[("client_id", page.client_id.as_str()), ("scope", SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(checked(&res).0, 401, "another origin cannot onboard in the shop's name");

    // The owner sees the origin with the request.
    let (device_code, user_code) = page.ask(SCOPE).await;
    let pending = server.owner(&["requests", "list"]);
    assert!(pending.contains(SHOP) && pending.contains("--allow-origin"), "{pending}");

    // Approved without the origin: the token works from the brand's programs, not from its page.
    server.owner(&["requests", "approve", &user_code]);
    let (_, body) = page.poll(&device_code).await;
    let plain_token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(checked(&preflight(url, SHOP, "/v1/profile", "GET", "authorization").await), (403, None));
    assert_eq!(checked(&read_from(url, SHOP, &plain_token).await), (403, None));
    let program =
        Brand { http: reqwest::Client::new(), url: url.to_owned(), client_id: page.client_id.clone() };
    assert_eq!(program.read(&plain_token, "recommend-products", "home.country").await.status(), 200);

    // Approved with the origin: preflight and the real request get the exact origin back.
    let (token, grant_id) = onboard(&server, &page, &["--allow-origin"]).await;
    let grants = server.owner(&["grants", "list"]);
    assert!(grants.contains(&format!("allowed web origin: {SHOP}")), "{grants}");
    let pre = preflight(url, SHOP, "/v1/profile", "GET", "authorization").await;
    assert_eq!(checked(&pre), (200, Some(SHOP.to_owned())));
    let allowed_headers = pre.headers()[ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().to_ascii_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));
    let res = read_from(url, SHOP, &token).await;
    assert_eq!(checked(&res), (200, Some(SHOP.to_owned())));
    let vary = res
        .headers()
        .get_all(VARY)
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>();
    assert!(vary.iter().any(|v| v.contains("origin")), "{vary:?}");
    let exposed = res.headers()[ACCESS_CONTROL_EXPOSE_HEADERS].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("butler-receipt") && exposed.contains("www-authenticate"), "{exposed}");
    let receipt = res.headers()["butler-receipt"].to_str().unwrap().to_owned();
    // The plain grant's token still may not be used from the page, even now that the origin is
    // allowed by another grant.
    assert_eq!(checked(&read_from(url, SHOP, &plain_token).await).0, 403);

    // A foreign origin and `null` are refused, even with the live token.
    assert_eq!(checked(&preflight(url, EVIL, "/v1/profile", "GET", "authorization").await), (403, None));
    assert_eq!(checked(&read_from(url, EVIL, &token).await), (403, None));
    assert_eq!(checked(&read_from(url, "null", &token).await), (403, None));
    assert_eq!(
        checked(&preflight(url, "null", "/oauth/register", "POST", "content-type").await),
        (403, None)
    );

    // Paused, then revoked: refused without CORS headers.
    server.owner(&["grants", "pause", &grant_id]);
    assert_eq!(checked(&preflight(url, SHOP, "/v1/profile", "GET", "authorization").await), (403, None));
    assert_eq!(checked(&read_from(url, SHOP, &token).await), (401, None));
    server.owner(&["grants", "resume", &grant_id]);
    assert_eq!(checked(&read_from(url, SHOP, &token).await).0, 200);
    server.owner(&["grants", "revoke", &grant_id]);
    assert_eq!(checked(&preflight(url, SHOP, "/v1/profile", "GET", "authorization").await), (403, None));
    assert_eq!(checked(&read_from(url, SHOP, &token).await), (401, None));
    let receipts =
        page_client(SHOP).get(format!("{url}/v1/receipts")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(checked(&receipts), (403, None));

    // The owner's log names the origin of each request from the page, refusals included.
    let entries = log_entries(&server);
    let from = |origin: &str| entries.iter().filter(|e| e["origin"] == origin).collect::<Vec<_>>();
    let shop = from(SHOP);
    let outcomes: Vec<&str> = shop.iter().rev().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(
        outcomes,
        ["refused", "disclosed", "refused", "refused", "disclosed", "refused"],
        "plain token, allowed read, plain token again, paused, resumed, revoked"
    );
    assert!(shop.iter().any(|e| format!("log-{}", e["seq"]) == receipt));
    assert!(shop[0]["note"].as_str().unwrap().contains("revoked"));
    let evil = from(EVIL);
    assert_eq!(evil.len(), 1, "the foreign origin's attempt with a live token");
    assert_eq!(evil[0]["outcome"], "refused");
    assert!(evil[0]["note"].as_str().unwrap().contains(EVIL));
    assert!(
        entries.iter().filter(|e| e["origin"].is_null()).all(|e| e["outcome"] == "disclosed"),
        "the brand's own program read once, without an origin"
    );
    let text = server.owner(&["log", "list"]);
    assert!(text.contains(&format!("from the web page of {SHOP}")), "{text}");
}

#[tokio::test]
async fn without_a_registered_home_page_there_is_no_origin_to_allow() {
    let server = ServeProcess::start();
    let brand = Brand::register(&server.url, "Acme").await;
    let (_, user_code) = brand.ask(SCOPE).await;
    // `Brand::register` gives https://shop.example: approving with its origin works for it.
    server.owner(&["requests", "approve", &user_code, "--allow-origin"]);

    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/oauth/register", server.url))
        .json(&serde_json::json!({"client_name": "No Home"}))
        .send()
        .await
        .unwrap();
    let client_id = res.json::<Value>().await.unwrap()["client_id"].as_str().unwrap().to_owned();
    let homeless = Brand { http, url: server.url.clone(), client_id };
    let (_, user_code) = homeless.ask(SCOPE).await;
    let out = crate::support::butler(server.dir.path())
        .args(["requests", "approve", &user_code, "--allow-origin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("registered no web origin"), "{stderr}");
    assert!(server.owner(&["requests", "list"]).contains(&user_code), "still waiting for the owner");
}

#[tokio::test]
async fn a_refused_origin_is_told_on_the_servers_standard_error() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::filled_vault(dir.path());
    let mut child = crate::support::butler(dir.path())
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let port = crate::support::serving_port(&mut child);
    let res = page_client(EVIL).get(format!("http://127.0.0.1:{port}/v1/catalog")).send().await.unwrap();
    assert_eq!(checked(&res), (403, None));
    stop(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("refused a request from a web origin")
            && stderr.contains(EVIL)
            && stderr.contains("/v1/catalog"),
        "{stderr}"
    );
}

/// Stops `butler serve` the way Ctrl-C does, so it flushes and exits.
fn stop(child: &mut std::process::Child) {
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}
