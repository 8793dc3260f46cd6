//! Consent receipts for brands: a brand fetches the signed receipts of its own grants, and
//! anyone fetches the public key that verifies them (a JWKS, also named by the metadata's
//! `jwks_uri`).
//!
//! A brand whose grant was revoked must still be able to fetch the receipt of that revocation,
//! so the receipts endpoint accepts any token Butler knows, live or not. It discloses nothing
//! of the profile: a receipt says only what the owner granted the brand and when.

use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use butler_core::grants::{Authorized, TokenProblem};
use butler_protocol::{Jwks, Problem, ReceiptItem, ReceiptsResponse};

use crate::auth::bearer_token;
use crate::web::WebOrigin;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/receipts", get(list)).route("/.well-known/jwks.json", get(jwks))
}

/// The brand behind any token Butler knows: live, expired, revoked, or of a paused or revoked
/// grant. An unknown token is refused like everywhere else.
pub struct KnownBrand(pub Authorized);

impl FromRequestParts<AppState> for KnownBrand {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let now = state.now();
        let checked = state.read(move |v, cache| Ok(cache.authorize(v, &token, now)?)).await?;
        let auth = match checked {
            Ok(auth) => auth,
            Err(TokenProblem::NotLive { auth, .. }) => *auth,
            Err(TokenProblem::Unknown) => {
                return Err(ApiError::invalid_token("the token is unknown or malformed"));
            }
        };
        // The grant's rate holds here too, live or not: a revoked brand cannot flood Butler.
        if let Some(retry_after) = state.over_rate(&auth.grant.id, auth.grant.rate_per_minute) {
            return Err(ApiError::TooManyRequests(retry_after));
        }
        // A page gets receipts only while its grant is live and allows its origin.
        if let Some(web) = parts.extensions.get::<WebOrigin>()
            && (!auth.grant.is_live(now) || auth.grant.allowed_origin.as_ref() != Some(&web.origin))
        {
            return Err(ApiError::forbidden("this token's grant does not allow calls from this web origin"));
        }
        Ok(KnownBrand(auth))
    }
}

/// The calling brand's signed consent receipts, for all its grants, newest first. Any token of
/// the brand that Butler knows works, even a revoked one.
#[utoipa::path(get, path = "/v1/receipts", tag = "receipts", security(("bearer" = [])),
    responses(
        (status = 200, body = ReceiptsResponse),
        (status = 401, description = "No token, or one Butler does not know (`WWW-Authenticate: Bearer error=\"invalid_token\"`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The grant's rate is exceeded (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The vault is locked", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(State(state): State<AppState>, KnownBrand(auth): KnownBrand) -> Result<Response, ApiError> {
    let client_id = auth.brand.client_id.clone();
    let receipts = state.read(move |v, _| Ok(v.receipts_of_brand(&client_id)?)).await?;
    let receipts = receipts
        .into_iter()
        .map(|r| ReceiptItem {
            id: r.id,
            grant_id: r.grant_id,
            event: r.event,
            issued_at: r.issued_at.as_second(),
            jws: r.jws,
        })
        .collect();
    let mut res = Json(ReceiptsResponse { receipts }).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The public key that verifies consent receipts, as a JSON Web Key Set (RFC 7517). No token
/// needed: anyone may check a receipt.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "receipts",
    responses(
        (status = 200, body = Jwks),
        (status = 503, description = "The vault is locked", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn jwks(State(state): State<AppState>) -> Result<Json<Jwks>, ApiError> {
    // On the main connection: the first call on a new vault makes the key.
    let key = state.with_vault(|v| Ok(v.public_jwk()?)).await?;
    Ok(Json(Jwks { keys: vec![key] }))
}
