//! The brand API as a brand reaches it: any method, path, query, content type, token and body
//! (JSON bodies of the data endpoints, form bodies of the OAuth endpoints) against the real
//! router on a real vault with a live grant. No input makes it panic or answer 5xx other than
//! 503, and every answer is a status the API documents.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use butler_core::access::AccessSpec;
use butler_core::brands::Registration;
use butler_core::grants::{Approval, Poll};
use butler_core::{KdfParams, Vault};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const PORT: u16 = 7373;

struct World {
    _dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    token: String,
    client_id: String,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::create(&dir.path().join("v"), &"a fuzzing passphrase".into(), KdfParams::FLOOR).unwrap();
        let now = jiff::Timestamp::now();
        vault.set_field(butler_core::Field::Language, &butler_core::Field::Language.parse("en-GB").unwrap()).unwrap();
        let registration =
            Registration { client_name: "Fuzz".into(), client_uri: Some(SHOP.into()), purposes: Default::default(), accepted_agreements: None };
        let brand = vault.register_brand(registration, now).unwrap();
        let spec = AccessSpec::from_scope(
            "field:language field:birth_date:coarse field:interests:answer purpose:recommend-products purpose:contact purpose:measure",
        )
        .unwrap();
        let auth = vault.start_device_authorization(&brand.client_id, spec, now).unwrap();
        vault.approve_request(&auth.user_code, &Approval { rate_per_minute: Some(1_000_000), allow_origin: true, ..Approval::default() }, now).unwrap();
        let Poll::Issued(issued) = vault.poll_device_token(&brand.client_id, &auth.device_code, now).unwrap() else {
            panic!("a token is issued once approved")
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let router = runtime.block_on(async { butler_api::router(butler_api::AppState::new(vault, PORT).unwrap()) });
        World { _dir: dir, runtime, router, token: issued.access_token, client_id: brand.client_id }
    })
}

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/catalog"),
    ("GET", "/v1/profile"),
    ("POST", "/v1/answers"),
    ("POST", "/v1/offers"),
    ("POST", "/v1/signals"),
    ("GET", "/v1/receipts"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/.well-known/jwks.json"),
    ("POST", "/oauth/register"),
    ("POST", "/oauth/device_authorization"),
    ("POST", "/oauth/token"),
    ("POST", "/oauth/introspect"),
    ("POST", "/oauth/revoke"),
    ("GET", "/activate"),
    ("GET", "/openapi.json"),
    ("DELETE", "/v1/profile"),
    ("POST", "/v1/measure"),
];

/// The web origin the fuzzed grant allows.
const SHOP: &str = "https://shop.example";

const TYPES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/json; charset=utf-8",
    "",
];

fuzz_target!(|data: &[u8]| {
    let [route, kind, auth, split, rest @ ..] = data else { return };
    let world = world();
    let (method, path) = ROUTES[usize::from(*route) % ROUTES.len()];
    // The first part of the rest is the query string, the remainder the body.
    let cut = usize::from(*split).min(rest.len());
    let (query, body) = rest.split_at(cut);
    let query: String = String::from_utf8_lossy(query).chars().filter(|c| c.is_ascii_graphic()).collect();
    let uri = if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") };
    let Ok(mut request) = Request::builder()
        .method(method)
        .uri(&uri)
        .header(header::HOST, format!("127.0.0.1:{PORT}"))
        .body(Body::from(body.to_vec()))
    else {
        return;
    };
    let content_type = TYPES[usize::from(*kind) % TYPES.len()];
    if !content_type.is_empty() {
        request.headers_mut().insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    }
    match auth % 4 {
        0 => {}
        1 => {
            request
                .headers_mut()
                .insert(header::AUTHORIZATION, format!("Bearer {}", world.token).parse().unwrap());
        }
        2 => {
            let basic = format!("Basic {}", world.client_id);
            if let Ok(value) = basic.parse() {
                request.headers_mut().insert(header::AUTHORIZATION, value);
            }
        }
        _ => {
            if let Ok(value) = format!("Bearer {}", String::from_utf8_lossy(body)).parse() {
                request.headers_mut().insert(header::AUTHORIZATION, value);
            }
        }
    }
    // The auth byte's higher bits choose an Origin: none, the allowed one, `null`, or the body's.
    let origin = match (auth / 4) % 4 {
        1 => Some(SHOP.to_owned()),
        2 => Some("null".to_owned()),
        3 => Some(String::from_utf8_lossy(body).into_owned()),
        _ => None,
    };
    if let Some(value) = origin.and_then(|o| o.parse().ok()) {
        request.headers_mut().insert(header::ORIGIN, value);
    }
    let response = world.runtime.block_on(world.router.clone().oneshot(request)).unwrap();
    let status = response.status();
    assert!(
        !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
        "{method} {uri} ({content_type}) answered {status}"
    );
});
