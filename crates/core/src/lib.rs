//! Butler's core: the owner's encrypted vault and everything kept in it.
//!
//! The core knows nothing of windows, HTTP or terminals. The three doors onto it (the desktop
//! app, the brand API and the `butler` command line) all call the same facade, [`Vault`], and
//! none of them touches SQL.
//!
//! - [`vault`]: the SQLite file, its header, unlocking, migrations and the passphrase change.
//! - [`crypto`]: Argon2id, the wrapped data key, sealing values for their place, blind indexes.
//! - [`catalog`]: the field catalog shared with brands, and value validation.
//! - [`profile`], [`interests`], [`prefs`], [`taxonomy`]: what the owner keeps in the vault.
//! - [`export`]: sealed and plaintext exports, and import; [`files`]: writing them whole.
//! - [`access`], [`brands`], [`grants`]: purposes and scopes, registered brands, the device
//!   flow, grants and tokens.
//! - [`disclosure`], [`answers`], [`offers`], [`log`]: what a grant discloses, ranked answers,
//!   offers and signals, and the access log written before any response.
//! - [`alerts`]: unusual use of the data and a broken log chain, flagged for the owner.
//! - [`log_export`]: the access log as JSON Lines or CSV, hash-chained and signed, and its check.
//! - [`review`]: the owner's queries over the access log, its counts, and what a brand knows.
//! - [`signing`]: the vault's Ed25519 key, JWS signatures and the public JWK.
//! - [`receipts`]: signed consent receipts, one for every grant change, in its transaction.
//! - [`settings`]: the owner's app settings (auto-lock, the API's port).
//! - [`cache`]: decrypted reads the brand API keeps until the vault's state version moves.

pub mod access;
pub mod alerts;
pub mod answers;
pub mod backup;
pub mod brands;
pub mod cache;
pub mod catalog;
pub mod crypto;
pub mod disclosure;
pub mod error;
pub mod export;
pub mod files;
pub mod grants;
pub mod interests;
pub mod log;
pub mod log_export;
pub mod measure;
pub mod offers;
pub mod prefs;
pub mod profile;
pub mod receipts;
pub mod review;
pub mod settings;
pub mod signing;
pub mod taxonomy;
pub mod terms;
#[cfg(test)]
mod testing;
pub mod vault;

pub use catalog::{Field, FieldValue, Mode, Sensitivity};
pub use crypto::KdfParams;
pub use error::{Error, Result};
pub use profile::Profile;
pub use vault::Vault;
