//! The brands' door: Butler's HTTP API on loopback.
//!
//! OAuth onboarding by the standards (RFC 8414 metadata, RFC 7591 registration, RFC 8628 device
//! authorization, RFC 7662 introspection, RFC 7009 revocation), then data endpoints that answer
//! only within a grant. Every data request is logged durably before its response leaves; if the
//! entry cannot be written, the answer is 503 and carries no data.
//!
//! The server takes a bound listener and a shutdown future ([`serve`]); the `butler serve`
//! command binds 127.0.0.1, tests bind port 0. All decisions are the core's: handlers translate
//! HTTP to [`butler_core::Vault`] calls and back.

mod auth;
mod data;
mod error;
mod oauth;
mod schema;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use butler_core::Vault;
use jiff::Timestamp;
use tokio::net::TcpListener;

pub use error::ApiError;

/// The port `butler serve` uses unless told otherwise.
pub const DEFAULT_PORT: u16 = 7373;
/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A source of the current time; tests inject a fixed or moving clock.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    vault: Arc<Mutex<Option<Vault>>>,
    port: u16,
    clock: Clock,
    /// Requests per grant in the current minute: (minute, count).
    rates: Arc<Mutex<HashMap<String, (i64, u32)>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("port", &self.port).finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(vault: Vault, port: u16) -> Self {
        Self::with_clock(vault, port, Arc::new(Timestamp::now))
    }

    pub fn with_clock(vault: Vault, port: u16, clock: Clock) -> Self {
        Self { vault: Arc::new(Mutex::new(Some(vault))), port, clock, rates: Arc::default() }
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Locks the vault: from now on every request gets 503 until the process is restarted.
    pub fn lock(&self) {
        if let Ok(mut guard) = self.vault.lock() {
            *guard = None;
        }
    }

    /// Runs `work` on the vault on a blocking thread (SQLite and Argon2 block).
    pub async fn with_vault<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Vault) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let vault = Arc::clone(&self.vault);
        tokio::task::spawn_blocking(move || {
            let guard = vault.lock().map_err(|_| ApiError::Internal("the vault lock is poisoned".into()))?;
            let vault = guard.as_ref().ok_or_else(|| ApiError::Unavailable("the vault is locked".into()))?;
            work(vault)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?
    }

    /// Counts a request against a grant's rate; past it, the seconds until the next minute.
    /// Every peer on loopback shares one address, so the key is the grant, never the IP.
    fn over_rate(&self, grant_id: &str, per_minute: u32) -> Option<u64> {
        let now = self.now().as_second();
        let minute = now.div_euclid(60);
        let mut rates = self.rates.lock().ok()?;
        let slot = rates.entry(grant_id.to_owned()).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 += 1;
        (slot.1 > per_minute).then(|| (60 - now.rem_euclid(60)).unsigned_abs())
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The API's routes and layers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(data::routes())
        .fallback(|| async { error::problem(StatusCode::NOT_FOUND, "Not found", "No such endpoint.") })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

/// Refuses what a loopback service must never answer: a `Host` other than this loopback address
/// and port (DNS rebinding), and any `Origin` (no web origin is allowed yet).
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let port = state.port;
    let host_ok = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).is_some_and(|h| {
        [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")]
            .iter()
            .any(|a| a == h)
    });
    if !host_ok {
        return error::problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "The Host header must name this loopback address and port.",
        );
    }
    if request.headers().contains_key(header::ORIGIN) {
        return error::problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Requests from web origins are not allowed.",
        );
    }
    let mut response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem(&response) {
        response = error::problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
            &format!("Bodies are limited to {MAX_BODY_BYTES} bytes."),
        );
    }
    response.into_response()
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"))
}
