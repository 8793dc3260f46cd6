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
mod receipts;
mod schema;
mod web;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use butler_core::Vault;
use butler_core::cache::ReadCache;
use butler_core::log::{AccessEntry, LogWriter, NotLogged};
use jiff::Timestamp;
use tokio::net::TcpListener;

pub use error::ApiError;

/// The port `butler serve` uses unless told otherwise.
pub const DEFAULT_PORT: u16 = butler_core::settings::DEFAULT_API_PORT;
/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A source of the current time; tests inject a fixed or moving clock.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The vault's connections while it is unlocked: one for owner-side and onboarding writes,
/// several for reads, and the access log's group-commit writer on its own.
struct Engine {
    main: Mutex<Vault>,
    readers: Vec<Mutex<Vault>>,
    next_reader: AtomicUsize,
    /// What the reads keep decrypted until the vault's state version moves.
    cache: ReadCache,
    log: LogWriter,
}

/// How many connections serve reads at once.
const READERS: usize = 4;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<RwLock<Option<Arc<Engine>>>>,
    port: u16,
    /// The `Host` values this server answers to: its loopback names with its port.
    hosts: Arc<[String; 3]>,
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
    pub fn new(vault: Vault, port: u16) -> Result<Self, butler_core::Error> {
        Self::with_clock(vault, port, Arc::new(Timestamp::now))
    }

    pub fn with_clock(vault: Vault, port: u16, clock: Clock) -> Result<Self, butler_core::Error> {
        let readers = (0..READERS).map(|_| vault.reopen().map(Mutex::new)).collect::<Result<Vec<_>, _>>()?;
        let log = LogWriter::start(vault.reopen()?)?;
        let engine = Engine {
            main: Mutex::new(vault),
            readers,
            next_reader: AtomicUsize::new(0),
            cache: ReadCache::new(),
            log,
        };
        let hosts =
            Arc::new([format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")]);
        Ok(Self {
            engine: Arc::new(RwLock::new(Some(Arc::new(engine)))),
            port,
            hosts,
            clock,
            rates: Arc::default(),
        })
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Locks the vault: from now on every request gets 503 until the process is restarted.
    pub fn lock(&self) {
        if let Ok(mut guard) = self.engine.write() {
            *guard = None;
        }
    }

    fn engine(&self) -> Result<Arc<Engine>, ApiError> {
        let guard =
            self.engine.read().map_err(|_| ApiError::Internal("the engine lock is poisoned".into()))?;
        guard.clone().ok_or_else(|| ApiError::Unavailable("the vault is locked".into()))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let engine = self.engine()?;
        tokio::task::spawn_blocking(move || work(&engine))
            .await
            .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?
    }

    /// Runs `work` on the main connection (writes: onboarding, offers, signals).
    pub async fn with_vault<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Vault) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.blocking(move |engine| {
            let vault =
                engine.main.lock().map_err(|_| ApiError::Internal("the vault lock is poisoned".into()))?;
            work(&vault)
        })
        .await
    }

    /// Runs a read on one of the read connections, on the calling task. Reads on the request
    /// path (a token, a grant, a few sealed fields) take tens of microseconds: handing them to a
    /// blocking thread costs more in wake-ups than it saves.
    #[allow(clippy::unused_async, reason = "the same call shape as the other vault accessors")]
    pub async fn read<T>(
        &self,
        work: impl FnOnce(&Vault, &ReadCache) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let engine = self.engine()?;
        let start = engine.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = engine.readers.len();
        // A free reader if there is one, else wait for the next in turn. A panic in an earlier
        // read leaves the connection usable (SQLite rolls back), so poisoning is ignored.
        let vault =
            (0..n).find_map(|k| engine.readers[(start + k) % n].try_lock().ok()).unwrap_or_else(|| {
                engine.readers[start % n].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
            });
        work(&vault, &engine.cache)
    }

    /// Appends an access-log entry and waits until it is committed. If it cannot be, the request
    /// fails closed: 503, nothing disclosed.
    pub async fn log(&self, entry: AccessEntry) -> Result<i64, ApiError> {
        self.log_made_at(entry, None).await
    }

    /// Like [`AppState::log`], for an entry whose answer was made from the state kept at
    /// `made_at` without reading the vault's version: the commit writes it only if that version
    /// still holds, else [`ApiError::StateMoved`] (see [`butler_core::log::LogWriter::submit`]).
    pub async fn log_made_at(&self, entry: AccessEntry, made_at: Option<i64>) -> Result<i64, ApiError> {
        let (reply, committed) = tokio::sync::oneshot::channel();
        let unavailable = |e: String| ApiError::Unavailable(format!("access log: {e}"));
        self.engine()?
            .log
            .submit(
                entry,
                made_at,
                Box::new(move |result| {
                    let _ = reply.send(result);
                }),
            )
            .map_err(|e| unavailable(e.to_string()))?;
        match committed.await.map_err(|_| unavailable("the writer stopped".into()))? {
            Ok(seq) => Ok(seq),
            Err(NotLogged::StateMoved) => Err(ApiError::StateMoved),
            Err(NotLogged::Failed(e)) => Err(unavailable(e)),
        }
    }

    /// Keeps something a brand sent (an offer, a suggestion) on the main connection, then logs
    /// the request's entry; if the entry cannot be written, `take_back` undoes the keeping and
    /// the request fails closed, leaving nothing behind. The unlocked vault is held from start
    /// to end, so a lock in between still takes back what was kept (and the log, locked, refuses).
    pub async fn keep_then_log<T: Send + 'static>(
        &self,
        keep: impl FnOnce(&Vault) -> Result<T, ApiError> + Send + 'static,
        entry: impl FnOnce(&T) -> AccessEntry,
        take_back: impl FnOnce(&Vault, &T) -> butler_core::Result<()> + Send + 'static,
    ) -> Result<(T, i64), ApiError> {
        let engine = self.engine()?;
        let holder = engine.clone();
        let kept = tokio::task::spawn_blocking(move || {
            let vault =
                holder.main.lock().map_err(|_| ApiError::Internal("the vault lock is poisoned".into()))?;
            keep(&vault)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))??;
        let failed = match self.log(entry(&kept)).await {
            Ok(seq) => return Ok((kept, seq)),
            Err(e) => e,
        };
        let undone = tokio::task::spawn_blocking(move || {
            let vault = engine.main.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            take_back(&vault, &kept)
        })
        .await;
        if !matches!(undone, Ok(Ok(()))) {
            tracing::warn!(
                "a brand's offer or signal was kept but its access-log entry could not be written, \
                 and it could not be taken back: {failed:?}"
            );
        }
        Err(failed)
    }

    /// Counts a request against a grant's rate; past it, the seconds until the next minute.
    /// Every peer on loopback shares one address, so the key is the grant, never the IP.
    fn over_rate(&self, grant_id: &str, per_minute: u32) -> Option<u64> {
        let now = self.now().as_second();
        let minute = now.div_euclid(60);
        let mut rates = self.rates.lock().ok()?;
        if !rates.contains_key(grant_id) {
            rates.insert(grant_id.to_owned(), (minute, 0));
        }
        let slot = rates.get_mut(grant_id)?;
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 += 1;
        (slot.1 > per_minute).then(|| (60 - now.rem_euclid(60)).unsigned_abs())
    }

    /// The issuer as the client addressed it (RFC 8414 §3.3: it must match the URL the metadata
    /// came from). The guard has already checked that `Host` is one of this loopback's names.
    fn issuer(&self, headers: &axum::http::HeaderMap) -> String {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        format!("http://{}", host.unwrap_or(&format!("127.0.0.1:{}", self.port)))
    }
}

/// The API's routes and layers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(data::routes())
        .merge(receipts::routes())
        .fallback(|| async { error::problem(StatusCode::NOT_FOUND, "Not found", "No such endpoint.") })
        .layer(web::cors_layer())
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
/// and port (DNS rebinding), whatever the origin, and a web origin the owner has not allowed
/// (see [`web`]).
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let host_ok = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| state.hosts.iter().any(|a| a == h));
    if !host_ok {
        return error::problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "The Host header must name this loopback address and port.",
        );
    }
    if let Err(refusal) = web::judge(&state, &mut request).await {
        return refusal;
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
