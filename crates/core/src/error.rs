//! The core's error type. Every variant has a stable code (for the desktop app and scripts) and a
//! message an owner can act on; none carries a secret.

use std::path::PathBuf;

use crate::access::ScopeError;
use crate::catalog::ValueError;
use crate::crypto::CryptoError;
use crate::interests::InterestId;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no vault at {0}; create one with `butler init`")]
    NoVault(PathBuf),
    #[error("a vault already exists at {0}; it was left untouched")]
    AlreadyExists(PathBuf),
    #[error("{0} is not a Butler vault")]
    NotAVault(PathBuf),
    #[error(
        "the vault file is damaged ({0}); it was left as it is. `butler backups list` shows the backups \
         to restore with `butler backups restore FILE`; an export can be imported too"
    )]
    Damaged(String),
    #[error("{0}")]
    BackupRefused(String),
    #[error("the vault was written by a newer Butler (schema {found}; this one knows up to {known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("too many wrong passphrases: the next attempt is possible in {0} s")]
    Throttled(u64),
    #[error("the passphrase is too short: use at least {0} characters")]
    WeakPassphrase(usize),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Invalid(#[from] ValueError),
    #[error("no interest with id {0}")]
    NoSuchInterest(InterestId),
    #[error("the vault already holds a profile; import with --replace to overwrite it")]
    ProfileNotEmpty,
    #[error("export file: {0}")]
    Export(String),
    #[error("access log: {0}")]
    Log(String),
    #[error("invalid client metadata: {0}")]
    Registration(String),
    #[error("unknown client: register first")]
    UnknownClient,
    #[error("the token was issued to another client")]
    NotYourToken,
    #[error("{0}")]
    Scope(#[from] ScopeError),
    #[error("no pending request has the code {0}; `butler requests list` shows them")]
    NoSuchRequest(String),
    #[error("the request {0} was already decided")]
    RequestDecided(String),
    #[error("the request {0} has expired; the brand must ask again")]
    RequestExpired(String),
    #[error("no grant with id {0}; `butler grants list` shows them")]
    NoSuchGrant(String),
    #[error("owner's terms: {0}")]
    Terms(String),
    #[error("{0} registered no web origin (client_uri), so there is no origin to allow")]
    NoWebOrigin(String),
    #[error("the grant {0} is revoked; revocation is final")]
    GrantRevoked(String),
    #[error("no consent receipt with id {0}; `butler receipts list` shows them")]
    NoSuchReceipt(String),
    #[error("no suggestion with id {0}; `butler suggestions list` shows them")]
    NoSuchSuggestion(i64),
    #[error("suggestion {0} was already decided")]
    SuggestionDecided(i64),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(rusqlite::Error),
}

impl Error {
    /// A stable, machine-readable code for the error's kind.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoVault(_) => "no_vault",
            Error::AlreadyExists(_) => "already_exists",
            Error::NotAVault(_) => "not_a_vault",
            Error::Damaged(_) => "damaged",
            Error::BackupRefused(_) => "backup_refused",
            Error::NewerSchema { .. } => "newer_schema",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::Throttled(_) => "throttled",
            Error::WeakPassphrase(_) => "weak_passphrase",
            Error::Crypto(CryptoError::Tampered(_)) => "tampered",
            Error::Crypto(CryptoError::KdfBelowFloor(_) | CryptoError::KdfTooCostly(_)) => "kdf_parameters",
            Error::Crypto(_) => "crypto",
            Error::Invalid(_) => "invalid_value",
            Error::NoSuchInterest(_) => "not_found",
            Error::ProfileNotEmpty => "profile_not_empty",
            Error::Export(_) => "export_file",
            Error::Log(_) => "access_log",
            Error::Registration(_) => "invalid_client_metadata",
            Error::UnknownClient => "invalid_client",
            Error::NotYourToken => "unauthorized_client",
            Error::Scope(_) => "invalid_scope",
            Error::NoSuchRequest(_)
            | Error::NoSuchGrant(_)
            | Error::NoSuchReceipt(_)
            | Error::NoSuchSuggestion(_) => "not_found",
            Error::RequestDecided(_) | Error::GrantRevoked(_) | Error::SuggestionDecided(_) => "conflict",
            Error::RequestExpired(_) => "expired",
            Error::NoWebOrigin(_) => "no_web_origin",
            Error::Terms(_) => "terms",
            Error::Io(_) => "io",
            Error::Database(_) => "database",
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match e.sqlite_error_code() {
            Some(DatabaseCorrupt | NotADatabase) => Error::Damaged(e.to_string()),
            _ => Error::Database(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
