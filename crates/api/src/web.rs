//! Brands on the web: which web origins may call Butler from a page, and the CORS headers they
//! get.
//!
//! A page's requests carry `Origin`. Onboarding (registration, device authorization, the token
//! endpoint) is open to any web origin, since the owner must first see the request to approve it;
//! it releases no owner data, and each client is bound to the origin of its registered
//! `client_uri`. Everything else answers an origin only while a live grant allows it (the owner's
//! `--allow-origin`). A data request with a token from an origin that is not allowed reaches the
//! token check, which logs the refusal in the access log; any other refused request is answered
//! 403 here, and noted in the server's log. CORS headers are added by tower-http's layer, only for
//! what this gate let through as allowed: the exact origin echoed, never `*`, no credentials.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::data::RECEIPT_HEADER;
use crate::{AppState, error};

/// The web origin a request came from, once the gate has judged it.
#[derive(Debug, Clone)]
pub struct WebOrigin {
    pub origin: String,
    /// Whether CORS headers may be sent to it: onboarding, or a live grant allows it.
    pub allowed: bool,
}

/// Endpoints a page uses before any grant exists.
fn is_onboarding(path: &str) -> bool {
    matches!(path, "/oauth/register" | "/oauth/device_authorization" | "/oauth/token")
}

/// Endpoints whose token check logs a refused origin in the access log.
fn is_logged_data(path: &str) -> bool {
    matches!(path, "/v1/profile" | "/v1/answers" | "/v1/offers" | "/v1/signals" | "/v1/measure")
}

fn is_preflight(request: &Request) -> bool {
    request.method() == Method::OPTIONS
        && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn refused(origin: &str, path: &str) -> Response {
    tracing::warn!(origin = %origin.escape_debug(), path, "refused a request from a web origin");
    error::problem(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "This web origin may not call Butler: the owner allows a brand's registered origin with a grant, \
         and only while the grant is live.",
    )
}

/// Judges the request's `Origin`, if any: `Ok` lets the request on (with its [`WebOrigin`] in
/// the extensions), `Err` is the refusal to send.
pub async fn judge(state: &AppState, request: &mut Request) -> Result<(), Response> {
    let Some(value) = request.headers().get(header::ORIGIN) else { return Ok(()) };
    let path = request.uri().path().to_owned();
    let Some(origin) = value.to_str().ok().filter(|o| butler_core::brands::is_serialized_origin(o)) else {
        // `null` (sandboxed frames, files, redirects) and anything malformed.
        return Err(refused(&String::from_utf8_lossy(value.as_bytes()), &path));
    };
    let origin = origin.to_owned();
    let allowed = if is_onboarding(&path) {
        true
    } else {
        let (now, asked) = (state.now(), origin.clone());
        match state.read(move |v, cache| Ok(cache.origin_allowed(v, &asked, now)?)).await {
            Ok(allowed) => allowed,
            Err(e) => return Err(axum::response::IntoResponse::into_response(e)),
        }
    };
    let token_check_logs = is_logged_data(&path)
        && !is_preflight(request)
        && request.headers().contains_key(header::AUTHORIZATION);
    if !allowed && !token_check_logs {
        return Err(refused(&origin, &path));
    }
    request.extensions_mut().insert(WebOrigin { origin, allowed });
    Ok(())
}

/// CORS headers for the origins [`judge`] allowed: the origin echoed, `Vary: Origin`, only the
/// methods and headers the API uses, the headers a brand's page needs to read, no credentials.
pub fn cors_layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|_: &HeaderValue, parts| {
            parts.extensions.get::<WebOrigin>().is_some_and(|o| o.allowed)
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([
            HeaderName::from_static(RECEIPT_HEADER),
            header::WWW_AUTHENTICATE,
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_mins(10))
}
