//! The bearer extractor. A data handler cannot be written without it: it checks the token on
//! every request (so pausing and revoking take effect at once) and logs a refusal for a known
//! token that is no longer live before answering.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use butler_core::grants::{Authorized, TokenProblem};
use butler_core::log::{AccessEntry, Outcome};

use crate::web::WebOrigin;
use crate::{ApiError, AppState};

/// A brand whose token speaks for a live grant, and the web origin its page called from, which
/// that grant allows.
pub struct BrandAuth {
    pub auth: Authorized,
    pub origin: Option<String>,
}

impl std::ops::Deref for BrandAuth {
    type Target = Authorized;

    fn deref(&self) -> &Authorized {
        &self.auth
    }
}

/// Builds a log entry for a request by `auth`'s brand at `at`. `seq` is set when it is appended.
pub fn entry(
    caller: &BrandAuth,
    at: jiff::Timestamp,
    endpoint: &str,
    purpose: Option<&str>,
    outcome: Outcome,
) -> AccessEntry {
    let BrandAuth { auth, origin } = caller;
    AccessEntry {
        seq: 0,
        at,
        client_id: auth.brand.client_id.clone(),
        brand: auth.brand.name.clone(),
        grant_id: Some(auth.grant.id.clone()),
        token_id: Some(auth.token_id.clone()),
        endpoint: endpoint.to_owned(),
        purpose: purpose.map(str::to_owned),
        asked: Vec::new(),
        disclosed: Vec::new(),
        withheld: Vec::new(),
        outcome,
        note: None,
        origin: origin.clone(),
        agreement: auth.grant.agreement.map(butler_core::terms::Agreement::id),
        measure: None,
    }
}

/// Logs a refusal for a known brand, then returns the error to send: the entry is committed
/// before the refusal leaves, like any other answer.
pub async fn refuse(
    state: &AppState,
    mut refused: AccessEntry,
    note: String,
    error: impl FnOnce(String) -> ApiError,
) -> ApiError {
    refused.note = Some(note.clone());
    match state.log(refused).await {
        Ok(_) => error(note),
        Err(unavailable) => unavailable,
    }
}

fn query_purpose(parts: &Parts) -> Option<String> {
    let query = parts.uri.query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "purpose")
        .map(|(_, v)| v)
}

/// The request's bearer token, or the challenge to answer without one (RFC 6750 §3.1).
pub fn bearer_token(parts: &Parts) -> Result<String, ApiError> {
    let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    // Auth schemes are case-insensitive (RFC 7235 §2.1).
    let token = header
        .filter(|h| h.len() > 7 && h[..7].eq_ignore_ascii_case("bearer "))
        .map(|h| h[7..].trim().to_owned());
    token.ok_or_else(|| ApiError::Bearer {
        status: axum::http::StatusCode::UNAUTHORIZED,
        error: "",
        description: "a bearer token is required".into(),
    })
}

impl FromRequestParts<AppState> for BrandAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let now = state.now();
        let origin = parts.extensions.get::<WebOrigin>().map(|o| o.origin.clone());
        let checked = state.read(move |v, cache| Ok(cache.authorize(v, &token, now)?)).await?;
        match checked {
            Ok(auth) => {
                if let Some(retry_after) = state.over_rate(&auth.grant.id, auth.grant.rate_per_minute) {
                    return Err(ApiError::TooManyRequests(retry_after));
                }
                let caller = BrandAuth { auth, origin };
                match &caller.origin {
                    Some(origin) if caller.grant.allowed_origin.as_ref() != Some(origin) => {
                        let purpose = query_purpose(parts);
                        let refused =
                            entry(&caller, now, parts.uri.path(), purpose.as_deref(), Outcome::Refused);
                        let note = format!("the grant does not allow calls from the web origin {origin}");
                        Err(refuse(state, refused, note, ApiError::forbidden).await)
                    }
                    _ => Ok(caller),
                }
            }
            Err(TokenProblem::Unknown) => Err(ApiError::invalid_token("the token is unknown or malformed")),
            Err(TokenProblem::NotLive { auth, reason }) => {
                // A dead token's requests count against its grant's rate too: past it they are
                // answered 429 without a log entry, so a revoked brand cannot flood the log.
                if let Some(retry_after) = state.over_rate(&auth.grant.id, auth.grant.rate_per_minute) {
                    return Err(ApiError::TooManyRequests(retry_after));
                }
                let purpose = query_purpose(parts);
                let caller = BrandAuth { auth: *auth, origin };
                let refused = entry(&caller, now, parts.uri.path(), purpose.as_deref(), Outcome::Refused);
                Err(refuse(state, refused, reason.to_owned(), ApiError::invalid_token).await)
            }
        }
    }
}
