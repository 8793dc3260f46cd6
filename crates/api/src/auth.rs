//! The bearer extractor. A data handler cannot be written without it: it checks the token on
//! every request (so pausing and revoking take effect at once) and logs a refusal for a known
//! token that is no longer live before answering.
//!
//! A token live in what the read cache keeps is taken as authorized without reading the vault's
//! state version for the request ([`ReadCache::authorize_kept`]): everything logged for it carries
//! that version, and the log's commit confirms the version is still the vault's before the entry
//! is written. If it moved (a pause, a revocation, a profile change, from any process), nothing is
//! written and the handler answers again from the current state ([`BrandAuth::confirmed`]). So
//! an answer is never made from a state older than its request, and the version is read once per
//! commit instead of once per request.
//!
//! [`ReadCache::authorize_kept`]: butler_core::cache::ReadCache::authorize_kept

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Uri, header};
use butler_core::grants::{Authorized, TokenProblem};
use butler_core::log::{AccessEntry, Outcome};

use crate::web::WebOrigin;
use crate::{ApiError, AppState};

/// A brand whose token speaks for a live grant, and the web origin its page called from, which
/// that grant allows.
pub struct BrandAuth {
    pub auth: Authorized,
    pub origin: Option<String>,
    /// The kept state version this authorization was assumed at, when the vault's version was
    /// not read for it: what is logged for it is written only if the version still holds.
    assumed: Option<i64>,
    /// What authorizing again takes: the token and the request's address.
    token: String,
    uri: Uri,
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
    let BrandAuth { auth, origin, .. } = caller;
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

/// Logs an entry made for `caller`'s request; if its authorization was assumed from the kept
/// state, the commit confirms that state first ([`ApiError::StateMoved`] if it moved).
pub async fn log_for(state: &AppState, caller: &BrandAuth, entry: AccessEntry) -> Result<i64, ApiError> {
    state.log_made_at(entry, caller.assumed).await
}

/// Logs a refusal for a known brand, then returns the error to send: the entry is committed
/// before the refusal leaves, like any other answer.
pub async fn refuse(
    state: &AppState,
    caller: &BrandAuth,
    mut refused: AccessEntry,
    note: String,
    error: impl FnOnce(String) -> ApiError,
) -> ApiError {
    refused.note = Some(note.clone());
    match log_for(state, caller, refused).await {
        Ok(_) => error(note),
        Err(unavailable) => unavailable,
    }
}

fn query_purpose(uri: &Uri) -> Option<String> {
    let query = uri.query()?;
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
        let origin = parts.extensions.get::<WebOrigin>().map(|o| o.origin.clone());
        BrandAuth::check(state, token, origin, parts.uri.clone(), Check::First).await
    }
}

/// How [`BrandAuth::check`] is to authorize.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// A request's first check: from the kept state if it holds a live grant for the token.
    First,
    /// Again, from the vault, for a request already counted against its grant's rate.
    Again,
}

impl BrandAuth {
    async fn check(
        state: &AppState,
        token: String,
        origin: Option<String>,
        uri: Uri,
        how: Check,
    ) -> Result<Self, ApiError> {
        let now = state.now();
        if how == Check::First {
            let kept = state.read(|v, cache| Ok(cache.authorize_kept(v, &token, now))).await?;
            // Only a plain yes is taken from the kept state; a refusal is always judged on the
            // vault's current state.
            if let Some(auth) = kept.filter(|a| origin.is_none() || a.grant.allowed_origin == origin) {
                if let Some(retry_after) = state.over_rate(&auth.grant.id, auth.grant.rate_per_minute) {
                    return Err(ApiError::TooManyRequests(retry_after));
                }
                return Ok(BrandAuth { assumed: auth.state_version, auth, origin, token, uri });
            }
        }
        let counted = how == Check::Again;
        let read_token = token.clone();
        let checked = state.read(move |v, cache| Ok(cache.authorize(v, &read_token, now)?)).await?;
        match checked {
            Ok(auth) => {
                if !counted
                    && let Some(retry_after) = state.over_rate(&auth.grant.id, auth.grant.rate_per_minute)
                {
                    return Err(ApiError::TooManyRequests(retry_after));
                }
                let caller = BrandAuth { auth, origin, assumed: None, token, uri };
                match &caller.origin {
                    Some(origin) if caller.grant.allowed_origin.as_ref() != Some(origin) => {
                        let purpose = query_purpose(&caller.uri);
                        let refused =
                            entry(&caller, now, caller.uri.path(), purpose.as_deref(), Outcome::Refused);
                        let note = format!("the grant does not allow calls from the web origin {origin}");
                        Err(refuse(state, &caller, refused, note, ApiError::forbidden).await)
                    }
                    _ => Ok(caller),
                }
            }
            Err(TokenProblem::Unknown) => Err(ApiError::invalid_token("the token is unknown or malformed")),
            Err(TokenProblem::NotLive { auth, reason }) => {
                // A dead token's requests count against its grant's rate too: past it they are
                // answered 429 without a log entry, so a revoked brand cannot flood the log.
                if !counted
                    && let Some(retry_after) = state.over_rate(&auth.grant.id, auth.grant.rate_per_minute)
                {
                    return Err(ApiError::TooManyRequests(retry_after));
                }
                let purpose = query_purpose(&uri);
                let caller = BrandAuth { auth: *auth, origin, assumed: None, token, uri };
                let refused = entry(&caller, now, caller.uri.path(), purpose.as_deref(), Outcome::Refused);
                Err(refuse(state, &caller, refused, reason.to_owned(), ApiError::invalid_token).await)
            }
        }
    }

    /// This authorization as of the vault's current state: itself if it was not assumed from
    /// the kept state or the vault's version has not moved since, else authorized again from the
    /// vault (a refusal then logged and returned like any other).
    pub async fn confirmed(self, state: &AppState) -> Result<Self, ApiError> {
        let Some(version) = self.assumed else { return Ok(self) };
        let current = state.read(|v, _| Ok(v.state_version()?)).await?;
        if current == version {
            return Ok(Self { assumed: None, ..self });
        }
        Self::check(state, self.token, self.origin, self.uri, Check::Again).await
    }
}
