//! Access requests (the RFC 8628 device flow), grants and tokens.
//!
//! A brand asks for access; the request waits with a short user code until the owner approves it
//! (possibly narrowed) or denies it; the brand polls and, once approved, receives one opaque
//! token. Tokens are stored only as keyed hashes; a token carries no data, and every use looks up
//! its grant, so pausing or revoking takes effect on the very next request.

use std::fmt;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::access::AccessSpec;
use crate::brands::Brand;
use crate::catalog::Sensitivity;
use crate::crypto::{self, Place, Slot};
use crate::error::{Error, Result};
use crate::receipts::ReceiptEvent;
use crate::terms::{Agreement, Proposal};
use crate::vault::Vault;

/// How long a device code and its user code stay valid.
pub const REQUEST_LIFETIME: SignedDuration = SignedDuration::from_secs(15 * 60);
/// The polling interval a brand starts with (RFC 8628 §3.2), in seconds.
pub const POLL_INTERVAL_SECS: u32 = 5;
/// How long a grant lasts unless the owner says otherwise.
pub const DEFAULT_GRANT_DAYS: i64 = 90;
/// The requests per minute a grant allows unless the owner says otherwise.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 120;
/// The prefix of every access token, so leaked tokens can be found by secret scanners.
pub const TOKEN_PREFIX: &str = "btk_";
/// Letters of user codes: no vowels (no words), no look-alikes (RFC 8628 §6.1).
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum RequestStatus {
    Pending,
    Approved {
        grant_id: String,
    },
    Denied,
    /// The token was issued; the device code cannot be used again.
    Consumed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RequestRecord {
    client_id: String,
    user_code: String,
    spec: AccessSpec,
    created_at: Timestamp,
    expires_at: Timestamp,
    interval_secs: u32,
    last_poll: Option<Timestamp>,
    status: RequestStatus,
}

/// What the brand gets back from the device authorization endpoint.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub expires_in: u64,
    pub interval: u32,
}

/// An access request waiting for the owner.
#[derive(Debug, Clone)]
pub struct PendingRequest {
    pub user_code: String,
    pub brand: Brand,
    pub requested: AccessSpec,
    /// The agreement Butler proposes, and where the brand stands with it.
    pub terms: Proposal,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A grant's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    Active,
    Paused,
    Revoked,
}

impl fmt::Display for GrantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GrantStatus::Active => "active",
            GrantStatus::Paused => "paused",
            GrantStatus::Revoked => "revoked",
        })
    }
}

/// What the owner allowed one brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub spec: AccessSpec,
    pub status: GrantStatus,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub rate_per_minute: u32,
    /// The brand's web origin, when the owner allowed its pages to call Butler with this grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origin: Option<String>,
    /// The owner's terms the brand is bound to by this grant (IEEE 7012).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

impl Grant {
    /// Whether the grant allows use at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.status == GrantStatus::Active && now < self.expires_at
    }
}

/// What the owner decides about a request.
#[derive(Debug, Clone, Default)]
pub struct Approval {
    /// Narrowed access; `None` grants what was asked (less any special-category field).
    pub narrowed_to: Option<AccessSpec>,
    /// Special-category fields the owner explicitly consents to (answer mode only).
    pub sensitive_consent: Vec<crate::catalog::Field>,
    /// How long the grant lasts (default 90 days).
    pub days: Option<i64>,
    /// Requests per minute the brand may make (default 120).
    pub rate_per_minute: Option<u32>,
    /// Lets the brand's registered web origin call Butler from a page while the grant is live.
    pub allow_origin: bool,
    /// The agreement the owner chose; `None` takes the proposal ([`crate::terms::propose`]).
    pub agreement: Option<Agreement>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenRecord {
    id: String,
    grant_id: String,
    client_id: String,
    issued_at: Timestamp,
    expires_at: Timestamp,
    revoked: bool,
}

/// A known token with the grant and brand it speaks for, before its liveness is judged.
#[derive(Debug, Clone)]
pub(crate) struct TokenHolder {
    token: TokenRecord,
    grant: Arc<Grant>,
    brand: Arc<Brand>,
}

impl TokenHolder {
    /// Whether the token authorizes anything at `now`: it and its grant must both be live.
    pub(crate) fn judge(&self, now: Timestamp) -> Result<Authorized, TokenProblem> {
        let reason = if self.token.revoked {
            Some("the token was revoked")
        } else if now >= self.token.expires_at {
            Some("the token expired")
        } else {
            match self.grant.status {
                GrantStatus::Revoked => Some("the grant was revoked"),
                GrantStatus::Paused => Some("the grant is paused"),
                GrantStatus::Active if now >= self.grant.expires_at => Some("the grant expired"),
                GrantStatus::Active => None,
            }
        };
        let auth = Authorized {
            token_id: self.token.id.clone(),
            token_issued_at: self.token.issued_at,
            brand: Arc::clone(&self.brand),
            grant: Arc::clone(&self.grant),
            state_version: None,
        };
        match reason {
            Some(reason) => Err(TokenProblem::NotLive { auth: Box::new(auth), reason }),
            None => Ok(auth),
        }
    }
}

/// The token endpoint's answer to a poll, in RFC 8628 terms.
#[derive(Debug)]
pub enum Poll {
    Pending,
    SlowDown {
        interval: u32,
    },
    Denied,
    Expired,
    /// Unknown or already used device code, or one issued to another client.
    InvalidGrant,
    Issued(Box<IssuedToken>),
}

/// A freshly issued access token: the only time the token itself exists outside the brand.
#[derive(Debug)]
pub struct IssuedToken {
    pub access_token: String,
    pub token_id: String,
    pub expires_in: u64,
    pub grant: Grant,
}

/// A token that checked out: the brand and grant it speaks for.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub token_id: String,
    /// When the token was issued.
    pub token_issued_at: Timestamp,
    pub brand: Arc<Brand>,
    pub grant: Arc<Grant>,
    /// The vault's state version the grant was read at, when it came through a [`ReadCache`]:
    /// the rest of the request reads what the cache kept at that version without asking again.
    ///
    /// [`ReadCache`]: crate::cache::ReadCache
    pub state_version: Option<i64>,
}

/// Why a token does not authorize anything.
#[derive(Debug, Clone)]
pub enum TokenProblem {
    /// Malformed, with a bad checksum, or unknown: nothing to attribute it to.
    Unknown,
    /// Known, but expired, revoked, or its grant is not live; the brand and grant are named for
    /// the access log.
    NotLive { auth: Box<Authorized>, reason: &'static str },
}

fn request_place(id: i64) -> Place {
    Place::new("access_request", id.to_string(), "record")
}

fn grant_place(id: &str) -> Place {
    Place::new("grant", id, "record")
}

fn token_place(id: &str) -> Place {
    Place::new("token", id, "record")
}

/// Upper-case, without separators: `bcdf-ghjk` and `BCDFGHJK` are the same code.
fn normalize_user_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

fn new_user_code() -> Result<String> {
    let bytes = crypto::random_bytes::<8>()?;
    let letters: String =
        bytes.iter().map(|b| USER_CODE_ALPHABET[*b as usize % USER_CODE_ALPHABET.len()] as char).collect();
    Ok(format!("{}-{}", &letters[..4], &letters[4..]))
}

/// `btk_` + 40 hex digits of randomness (160 bits) + 8 hex digits of checksum.
fn new_token() -> Result<String> {
    let random = hex::encode(crypto::random_bytes::<20>()?);
    let check = token_checksum(&random);
    Ok(format!("{TOKEN_PREFIX}{random}{check}"))
}

fn token_checksum(random: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, random.as_bytes());
    hex::encode(&digest.as_ref()[..4])
}

/// Whether a string has the shape and checksum of a Butler token (without any lookup).
pub fn token_well_formed(token: &str) -> bool {
    let Some(body) = token.strip_prefix(TOKEN_PREFIX) else { return false };
    if body.len() != 48 || !body.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return false;
    }
    let (random, check) = body.split_at(40);
    // Not a secret comparison: the checksum only catches typos and truncation cheaply.
    token_checksum(random) == check
}

impl Vault {
    fn user_slot(&self, code: &str) -> Slot {
        self.keys.slot("user_code", &normalize_user_code(code))
    }

    /// Starts a device authorization for a registered brand.
    pub fn start_device_authorization(
        &self,
        client_id: &str,
        spec: AccessSpec,
        now: Timestamp,
    ) -> Result<DeviceAuthorization> {
        self.brand(client_id)?.ok_or(Error::UnknownClient)?;
        spec.check_complete().map_err(Error::Scope)?;
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        // Requests expired for a day are of no use to anyone any more.
        tx.execute("DELETE FROM access_request WHERE expires_at < ?1", [now.as_second() - 86_400])?;
        let device_code = hex::encode(crypto::random_bytes::<32>()?);
        let expires_at = now + REQUEST_LIFETIME;
        // User codes are short, so two live ones can collide: draw again.
        let mut attempts = 0;
        let (id, user_code) = loop {
            let user_code = new_user_code()?;
            let inserted = tx.execute(
                "INSERT INTO access_request (device_slot, user_slot, client_id, expires_at, record)
                 VALUES (?1, ?2, ?3, ?4, x'')",
                params![
                    self.keys.slot("device_code", &device_code).as_slice(),
                    self.user_slot(&user_code).as_slice(),
                    client_id,
                    expires_at.as_second()
                ],
            );
            match inserted {
                Ok(_) => break (tx.last_insert_rowid(), user_code),
                Err(e)
                    if attempts < 5
                        && e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) =>
                {
                    attempts += 1;
                }
                Err(e) => return Err(e.into()),
            }
        };
        let record = RequestRecord {
            client_id: client_id.to_owned(),
            user_code: user_code.clone(),
            spec,
            created_at: now,
            expires_at,
            interval_secs: POLL_INTERVAL_SECS,
            last_poll: None,
            status: RequestStatus::Pending,
        };
        tx.execute(
            "UPDATE access_request SET record = ?2 WHERE id = ?1",
            params![id, self.json_seal(&request_place(id), &record)?],
        )?;
        tx.commit()?;
        Ok(DeviceAuthorization {
            device_code,
            user_code,
            expires_in: REQUEST_LIFETIME.as_secs().unsigned_abs(),
            interval: POLL_INTERVAL_SECS,
        })
    }

    fn request_by(&self, column: &str, slot: &Slot) -> Result<Option<(i64, RequestRecord)>> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                &format!("SELECT id, record FROM access_request WHERE {column} = ?1"),
                [slot.as_slice()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, sealed)| Ok((id, self.json_open(&request_place(id), &sealed)?))).transpose()
    }

    fn save_request(&self, id: i64, record: &RequestRecord) -> Result<()> {
        self.conn.execute(
            "UPDATE access_request SET record = ?2 WHERE id = ?1",
            params![id, self.json_seal(&request_place(id), record)?],
        )?;
        Ok(())
    }

    /// Answers a brand's poll of the token endpoint.
    pub fn poll_device_token(&self, client_id: &str, device_code: &str, now: Timestamp) -> Result<Poll> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let Some((id, mut record)) =
            self.request_by("device_slot", &self.keys.slot("device_code", device_code))?
        else {
            return Ok(Poll::InvalidGrant);
        };
        if record.client_id != client_id {
            return Ok(Poll::InvalidGrant);
        }
        let too_fast = record.last_poll.is_some_and(|last| {
            now.duration_since(last) < SignedDuration::from_secs(i64::from(record.interval_secs))
        });
        record.last_poll = Some(now);
        let outcome = match record.status.clone() {
            RequestStatus::Consumed => Poll::InvalidGrant,
            _ if now >= record.expires_at => Poll::Expired,
            RequestStatus::Denied => Poll::Denied,
            RequestStatus::Pending if too_fast => {
                // RFC 8628 §3.5: slow down, and poll 5 seconds slower from now on.
                record.interval_secs += 5;
                Poll::SlowDown { interval: record.interval_secs }
            }
            RequestStatus::Pending => Poll::Pending,
            RequestStatus::Approved { grant_id } => {
                let grant = self.grant(&grant_id)?;
                record.status = RequestStatus::Consumed;
                // The owner may have paused or revoked the grant before the brand collected it.
                if grant.is_live(now) {
                    Poll::Issued(Box::new(self.issue_token(&grant, now)?))
                } else {
                    Poll::Denied
                }
            }
        };
        self.save_request(id, &record)?;
        tx.commit()?;
        Ok(outcome)
    }

    fn issue_token(&self, grant: &Grant, now: Timestamp) -> Result<IssuedToken> {
        let access_token = new_token()?;
        let token_id = format!("tok_{}", hex::encode(crypto::random_bytes::<6>()?));
        let record = TokenRecord {
            id: token_id.clone(),
            grant_id: grant.id.clone(),
            client_id: grant.client_id.clone(),
            issued_at: now,
            expires_at: grant.expires_at,
            revoked: false,
        };
        self.conn.execute(
            "INSERT INTO token (hash, id, grant_id, record) VALUES (?1, ?2, ?3, ?4)",
            params![
                self.keys.slot("token", &access_token).as_slice(),
                token_id,
                grant.id,
                self.json_seal(&token_place(&token_id), &record)?
            ],
        )?;
        let expires_in = grant.expires_at.duration_since(now).as_secs().max(0).unsigned_abs();
        Ok(IssuedToken { access_token, token_id, expires_in, grant: grant.clone() })
    }

    /// Requests waiting for the owner, oldest first (expired ones are left out).
    pub fn pending_requests(&self, now: Timestamp) -> Result<Vec<PendingRequest>> {
        let default = self.default_agreement()?;
        let mut stmt =
            self.conn.prepare("SELECT id, record FROM access_request WHERE expires_at > ?1 ORDER BY id")?;
        let rows =
            stmt.query_map([now.as_second()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed) = row?;
            let record: RequestRecord = self.json_open(&request_place(id), &sealed)?;
            if record.status != RequestStatus::Pending {
                continue;
            }
            let brand = self.brand(&record.client_id)?.ok_or(Error::UnknownClient)?;
            let purposes: Vec<_> = record.spec.purposes.iter().copied().collect();
            let terms = crate::terms::propose(default, &purposes, brand.accepted_agreements.as_deref());
            out.push(PendingRequest {
                user_code: record.user_code,
                brand,
                terms,
                requested: record.spec,
                created_at: record.created_at,
                expires_at: record.expires_at,
            });
        }
        Ok(out)
    }

    fn pending_by_code(&self, user_code: &str, now: Timestamp) -> Result<(i64, RequestRecord)> {
        let (id, record) = self
            .request_by("user_slot", &self.user_slot(user_code))?
            .ok_or_else(|| Error::NoSuchRequest(user_code.to_owned()))?;
        if record.status != RequestStatus::Pending {
            return Err(Error::RequestDecided(user_code.to_owned()));
        }
        if now >= record.expires_at {
            return Err(Error::RequestExpired(user_code.to_owned()));
        }
        Ok((id, record))
    }

    /// Approves a request, possibly narrowed. Special-category fields are granted only with the
    /// owner's explicit consent to each; without it they are left out.
    pub fn approve_request(&self, user_code: &str, approval: &Approval, now: Timestamp) -> Result<Grant> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let (id, mut record) = self.pending_by_code(user_code, now)?;
        let mut spec = match &approval.narrowed_to {
            Some(narrowed) if !narrowed.is_within(&record.spec) => {
                return Err(Error::Scope(crate::access::ScopeError(
                    "an approval can only narrow what the brand asked for".into(),
                )));
            }
            Some(narrowed) => narrowed.clone(),
            None => record.spec.clone(),
        };
        spec.fields
            .retain(|f, _| f.sensitivity() != Sensitivity::Special || approval.sensitive_consent.contains(f));
        spec.check_complete()
            .map_err(|e| Error::Scope(crate::access::ScopeError(format!("nothing left to grant: {e}"))))?;
        let brand = self.brand(&record.client_id)?.ok_or(Error::UnknownClient)?;
        let purposes: Vec<_> = spec.purposes.iter().copied().collect();
        let agreement = crate::terms::choose(
            self.default_agreement()?,
            &purposes,
            brand.accepted_agreements.as_deref(),
            approval.agreement,
        )?;
        let allowed_origin = if approval.allow_origin {
            Some(brand.web_origin().ok_or(Error::NoWebOrigin(brand.name))?)
        } else {
            None
        };
        let days = approval.days.unwrap_or(DEFAULT_GRANT_DAYS);
        if !(1..=3650).contains(&days) {
            return Err(Error::Scope(crate::access::ScopeError("a grant lasts from 1 to 3650 days".into())));
        }
        let grant = Grant {
            id: format!("gr_{}", hex::encode(crypto::random_bytes::<6>()?)),
            client_id: record.client_id.clone(),
            spec,
            status: GrantStatus::Active,
            created_at: now,
            expires_at: now + SignedDuration::from_hours(24 * days),
            rate_per_minute: approval.rate_per_minute.unwrap_or(DEFAULT_RATE_PER_MINUTE),
            allowed_origin,
            agreement: Some(agreement),
        };
        if !(1..=1_000_000).contains(&grant.rate_per_minute) {
            return Err(Error::Scope(crate::access::ScopeError(
                "a rate is from 1 to 1000000 requests per minute".into(),
            )));
        }
        self.save_grant(&grant)?;
        self.record_receipt(&grant, ReceiptEvent::Granted, now)?;
        record.status = RequestStatus::Approved { grant_id: grant.id.clone() };
        self.save_request(id, &record)?;
        tx.commit()?;
        Ok(grant)
    }

    /// Denies a request; the brand's next poll gets `access_denied`.
    pub fn deny_request(&self, user_code: &str, now: Timestamp) -> Result<()> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let (id, mut record) = self.pending_by_code(user_code, now)?;
        record.status = RequestStatus::Denied;
        self.save_request(id, &record)?;
        tx.commit()?;
        Ok(())
    }

    fn save_grant(&self, grant: &Grant) -> Result<()> {
        self.conn.execute(
            "INSERT INTO grant_record (id, client_id, record) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record",
            params![grant.id, grant.client_id, self.json_seal(&grant_place(&grant.id), grant)?],
        )?;
        Ok(())
    }

    /// A grant by id.
    pub fn grant(&self, id: &str) -> Result<Grant> {
        let sealed: Vec<u8> = self
            .conn
            .prepare_cached("SELECT record FROM grant_record WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NoSuchGrant(id.to_owned()))?;
        let grant: Grant = self.json_open(&grant_place(id), &sealed)?;
        if grant.id != id {
            return Err(crypto::CryptoError::Tampered(grant_place(id)).into());
        }
        Ok(grant)
    }

    /// Every grant, oldest first.
    pub fn grants(&self) -> Result<Vec<Grant>> {
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM grant_record ORDER BY rowid")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| self.grant(id)).collect()
    }

    /// Pauses, resumes or revokes a grant now. Revocation is final.
    pub fn set_grant_status(&self, id: &str, status: GrantStatus) -> Result<Grant> {
        self.set_grant_status_at(id, status, Timestamp::now())
    }

    /// Pauses, resumes or revokes a grant at `now`, with its signed consent receipt in the same
    /// transaction. Revocation is final; setting the status a grant already has changes nothing
    /// and records nothing.
    pub fn set_grant_status_at(&self, id: &str, status: GrantStatus, now: Timestamp) -> Result<Grant> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let mut grant = self.grant(id)?;
        if grant.status == GrantStatus::Revoked && status != GrantStatus::Revoked {
            return Err(Error::GrantRevoked(id.to_owned()));
        }
        if grant.status == status {
            return Ok(grant);
        }
        grant.status = status;
        self.save_grant(&grant)?;
        let event = match status {
            GrantStatus::Active => ReceiptEvent::Resumed,
            GrantStatus::Paused => ReceiptEvent::Paused,
            GrantStatus::Revoked => ReceiptEvent::Revoked,
        };
        self.record_receipt(&grant, event, now)?;
        tx.commit()?;
        Ok(grant)
    }

    /// Whether a live grant allows calls from the web origin `origin` at `now`.
    pub fn origin_allowed(&self, origin: &str, now: Timestamp) -> Result<bool> {
        Ok(origin_allowed_by(&self.web_origins()?, origin, now))
    }

    /// The web origins active grants allow, each with the end of its grant (liveness is also a
    /// matter of time, judged at each use by [`origin_allowed_by`]).
    pub(crate) fn web_origins(&self) -> Result<Vec<(String, Timestamp)>> {
        Ok(self
            .grants()?
            .into_iter()
            .filter(|g| g.status == GrantStatus::Active)
            .filter_map(|g| g.allowed_origin.map(|origin| (origin, g.expires_at)))
            .collect())
    }

    /// The ids of the tokens their brands revoked (RFC 7009).
    pub(crate) fn revoked_token_ids(&self) -> Result<Vec<String>> {
        let rows: Vec<(String, Vec<u8>)> = self
            .conn
            .prepare("SELECT id, record FROM token")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut revoked = Vec::new();
        for (id, sealed) in rows {
            let record: TokenRecord = self.json_open(&token_place(&id), &sealed)?;
            if record.revoked {
                revoked.push(id);
            }
        }
        Ok(revoked)
    }

    /// Marks the token `id` revoked, as its brand once asked; whether it changed (false if there
    /// is no such token or it already was).
    pub(crate) fn revoke_token_id(&self, id: &str) -> Result<bool> {
        let sealed: Option<Vec<u8>> =
            self.conn.query_row("SELECT record FROM token WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let Some(sealed) = sealed else { return Ok(false) };
        let mut record: TokenRecord = self.json_open(&token_place(id), &sealed)?;
        if record.revoked {
            return Ok(false);
        }
        record.revoked = true;
        self.conn.execute(
            "UPDATE token SET record = ?2 WHERE id = ?1",
            params![id, self.json_seal(&token_place(id), &record)?],
        )?;
        Ok(true)
    }

    fn token_by_value(&self, token: &str) -> Result<Option<TokenRecord>> {
        if !token_well_formed(token) {
            return Ok(None);
        }
        self.token_by_slot(&self.token_slot(token))
    }

    /// The blind index a token is stored under.
    pub(crate) fn token_slot(&self, token: &str) -> Slot {
        self.keys.slot("token", token)
    }

    fn token_by_slot(&self, slot: &Slot) -> Result<Option<TokenRecord>> {
        let row: Option<(String, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT id, record FROM token WHERE hash = ?1")?
            .query_row([slot.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(id, sealed)| self.json_open(&token_place(&id), &sealed)).transpose()
    }

    /// The token stored under `slot` with its grant and brand, as they are now; `None` for an
    /// unknown token.
    pub(crate) fn token_holder(&self, slot: &Slot) -> Result<Option<TokenHolder>> {
        let Some(token) = self.token_by_slot(slot)? else { return Ok(None) };
        let grant = self.grant(&token.grant_id)?;
        let brand = self.brand(&token.client_id)?.ok_or(Error::UnknownClient)?;
        Ok(Some(TokenHolder { token, grant: Arc::new(grant), brand: Arc::new(brand) }))
    }

    /// Checks a bearer token and returns the brand and grant it speaks for.
    pub fn authorize(&self, token: &str, now: Timestamp) -> Result<Result<Authorized, TokenProblem>> {
        if !token_well_formed(token) {
            return Ok(Err(TokenProblem::Unknown));
        }
        Ok(match self.token_holder(&self.token_slot(token))? {
            None => Err(TokenProblem::Unknown),
            Some(holder) => holder.judge(now),
        })
    }

    /// Revokes a token on its holder's request (RFC 7009). An unknown token is not an error, as
    /// the RFC asks; another client's token is refused.
    pub fn revoke_token(&self, client_id: &str, token: &str) -> Result<()> {
        let Some(mut record) = self.token_by_value(token)? else { return Ok(()) };
        if record.client_id != client_id {
            return Err(Error::NotYourToken);
        }
        record.revoked = true;
        self.conn.execute(
            "UPDATE token SET record = ?2 WHERE id = ?1",
            params![record.id, self.json_seal(&token_place(&record.id), &record)?],
        )?;
        Ok(())
    }
}

/// Whether `origin` is among `origins` (from [`Vault::web_origins`]) with its grant not yet ended.
pub(crate) fn origin_allowed_by(origins: &[(String, Timestamp)], origin: &str, now: Timestamp) -> bool {
    origins.iter().any(|(allowed, until)| allowed == origin && now < *until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_a_prefix_entropy_and_checksum() {
        let t = new_token().unwrap();
        assert!(t.starts_with("btk_") && t.len() == 4 + 48);
        assert!(token_well_formed(&t));
        let mut typo = t.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert!(!token_well_formed(std::str::from_utf8(&typo).unwrap()));
        assert!(!token_well_formed(&t[..t.len() - 1]));
        assert!(!token_well_formed("Bearer nonsense"));
        assert_ne!(new_token().unwrap(), t);
    }

    #[test]
    fn user_codes_are_short_and_forgiving() {
        let code = new_user_code().unwrap();
        assert_eq!(code.len(), 9);
        assert!(code.chars().all(|c| c == '-' || USER_CODE_ALPHABET.contains(&(c as u8))));
        assert_eq!(normalize_user_code("bcdf-ghjk"), "BCDFGHJK");
    }
}
