//! What the brand API's reads keep decrypted between requests: the profile (checked against its
//! manifest when read) and the tokens seen, each with its grant and brand.
//!
//! Everything kept is tied to the vault's state version, which every committed change to the
//! profile, brands, grants or tokens moves (by trigger, from any process: the `butler` command
//! changing a grant included). Each use first reads the version; if it moved, everything kept is
//! dropped and read again, so a pause or revocation still takes effect on the very next request.
//! A token's liveness (expiry, revocation, its grant's status) is judged on every use, never kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;
use rusqlite::{Transaction, TransactionBehavior};

use crate::crypto::Slot;
use crate::error::Result;
use crate::grants::{Authorized, TokenHolder, TokenProblem, token_well_formed};
use crate::profile::Profile;
use crate::vault::Vault;

/// The most tokens kept at once; past it, the oldest state is dropped and read again.
const MAX_TOKENS: usize = 4096;

/// Decrypted reads kept for as long as the vault's state does not change. One cache serves
/// every connection of one unlocked vault; dropping it (on lock) drops what it holds.
#[derive(Debug, Default)]
pub struct ReadCache {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// The state version the rest was read at; `None` before the first read.
    version: Option<i64>,
    profile: Option<Arc<Profile>>,
    tokens: HashMap<Slot, Arc<TokenHolder>>,
    /// The web origins active grants allow, with their grants' ends.
    origins: Option<Arc<Vec<(String, Timestamp)>>>,
}

impl ReadCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn kept(&self) -> MutexGuard<'_, Kept> {
        // What is kept is only ever replaced whole, so a panic elsewhere leaves it consistent.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kept state if it was read at `version`, after dropping it if it was not.
    fn at(&self, version: i64) -> MutexGuard<'_, Kept> {
        let mut kept = self.kept();
        if kept.version != Some(version) {
            *kept = Kept { version: Some(version), ..Kept::default() };
        }
        kept
    }

    /// Checks a bearer token like [`Vault::authorize`], reading the vault only when the token is
    /// not kept at the current state version.
    pub fn authorize(
        &self,
        vault: &Vault,
        token: &str,
        now: Timestamp,
    ) -> Result<Result<Authorized, TokenProblem>> {
        if !token_well_formed(token) {
            return Ok(Err(TokenProblem::Unknown));
        }
        let slot = vault.token_slot(token);
        let version = vault.state_version()?;
        if let Some(holder) = self.at(version).tokens.get(&slot).cloned() {
            return Ok(at_version(holder.judge(now), version));
        }
        // The version and the records are read on one snapshot, so what is kept under a version
        // is exactly what that version holds.
        let (version, holder) = snapshot(vault, |v| Ok((v.state_version()?, v.token_holder(&slot)?)))?;
        let Some(holder) = holder else { return Ok(Err(TokenProblem::Unknown)) };
        let holder = Arc::new(holder);
        let mut kept = self.at(version);
        if kept.tokens.len() >= MAX_TOKENS {
            kept.tokens.clear();
        }
        kept.tokens.insert(slot, Arc::clone(&holder));
        Ok(at_version(holder.judge(now), version))
    }

    /// Checks a bearer token against what is kept, without reading the vault: the authorization
    /// if the token is kept and live at the kept state version (given in its `state_version`),
    /// else `None`, and then [`ReadCache::authorize`] decides. The kept version may be older than
    /// the request, so an answer made with it must be logged through
    /// [`LogWriter::submit`](crate::log::LogWriter::submit) with that version: the commit
    /// confirms it, or refuses the entry for the answer to be made again.
    pub fn authorize_kept(&self, vault: &Vault, token: &str, now: Timestamp) -> Option<Authorized> {
        if !token_well_formed(token) {
            return None;
        }
        let slot = vault.token_slot(token);
        let (holder, version) = {
            let kept = self.kept();
            (kept.tokens.get(&slot).cloned()?, kept.version?)
        };
        at_version(holder.judge(now), version).ok()
    }

    /// The profile as [`ReadCache::profile`] gives it, for a request whose token was checked at
    /// `auth`'s state version: if the profile kept is the one of that version, it is returned
    /// without reading the version again (one read of the vault per request, not two, and the
    /// answer is of the same moment as the authorization); otherwise it is read as usual.
    pub fn profile_for(&self, vault: &Vault, auth: &Authorized) -> Result<Arc<Profile>> {
        if let Some(version) = auth.state_version {
            let kept = self.kept();
            if kept.version == Some(version)
                && let Some(profile) = &kept.profile
            {
                return Ok(Arc::clone(profile));
            }
        }
        self.profile(vault)
    }

    /// The whole profile like [`Vault::profile`] (checked against its manifest), read from the
    /// vault only when the state version moved since it was last read.
    pub fn profile(&self, vault: &Vault) -> Result<Arc<Profile>> {
        let version = vault.state_version()?;
        if let Some(profile) = self.at(version).profile.clone() {
            return Ok(profile);
        }
        let (version, profile) = snapshot(vault, |v| Ok((v.state_version()?, v.profile()?)))?;
        let profile = Arc::new(profile);
        self.at(version).profile = Some(Arc::clone(&profile));
        Ok(profile)
    }

    /// Whether a live grant allows calls from the web origin `origin`, like
    /// [`Vault::origin_allowed`], reading the grants only when the state version moved (a
    /// page's every call carries its `Origin`).
    pub fn origin_allowed(&self, vault: &Vault, origin: &str, now: Timestamp) -> Result<bool> {
        let version = vault.state_version()?;
        let kept = self.at(version).origins.clone();
        let origins = if let Some(origins) = kept {
            origins
        } else {
            let (version, origins) = snapshot(vault, |v| Ok((v.state_version()?, v.web_origins()?)))?;
            let origins = Arc::new(origins);
            self.at(version).origins = Some(Arc::clone(&origins));
            origins
        };
        Ok(crate::grants::origin_allowed_by(&origins, origin, now))
    }
}

/// A judgement with the state version it was made at.
fn at_version(
    judged: std::result::Result<Authorized, TokenProblem>,
    version: i64,
) -> std::result::Result<Authorized, TokenProblem> {
    judged.map(|auth| Authorized { state_version: Some(version), ..auth })
}

/// Runs `read` in one read transaction (one snapshot of the database).
fn snapshot<T>(vault: &Vault, read: impl FnOnce(&Vault) -> Result<T>) -> Result<T> {
    let tx = Transaction::new_unchecked(&vault.conn, TransactionBehavior::Deferred)?;
    let out = read(vault)?;
    tx.commit()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Field, FieldValue};
    use crate::testing::vault;

    #[test]
    fn every_change_moves_the_state_version_even_from_another_connection() {
        let (_dir, vault) = vault();
        let other = vault.reopen().unwrap();
        let before = vault.state_version().unwrap();
        other.set_field(Field::HomeCountry, &Field::HomeCountry.parse("FR").unwrap()).unwrap();
        let after = vault.state_version().unwrap();
        assert!(after > before, "a profile change moves the version");
        token(&other);
        assert!(vault.state_version().unwrap() > after, "a brand, grant and token move the version");
    }

    #[test]
    fn a_token_is_authorized_from_the_kept_state_only_once_it_was_read_and_at_that_version() {
        let (_dir, vault) = vault();
        let (token, grant_id) = token(&vault);
        let cache = ReadCache::new();
        let now = Timestamp::now();
        assert!(cache.authorize_kept(&vault, &token, now).is_none(), "nothing kept yet");
        let read = cache.authorize(&vault, &token, now).unwrap().unwrap();
        let kept = cache.authorize_kept(&vault, &token, now).expect("kept after a read");
        assert_eq!(kept.grant.id, grant_id);
        assert_eq!(kept.state_version, read.state_version);
        assert!(cache.authorize_kept(&vault, "not a token", now).is_none());
        // A revocation from another connection: the kept state does not know it, and says which
        // version it answers for, older than the vault's; the log's commit refuses that version.
        vault.reopen().unwrap().set_grant_status(&grant_id, crate::grants::GrantStatus::Revoked).unwrap();
        let stale = cache.authorize_kept(&vault, &token, now).expect("still kept");
        assert!(stale.state_version < Some(vault.state_version().unwrap()));
        // Reading the vault again replaces what was kept: the revocation now refuses.
        assert!(cache.authorize(&vault, &token, now).unwrap().is_err());
        assert!(cache.authorize_kept(&vault, &token, now).is_none());
    }

    fn token(vault: &Vault) -> (String, String) {
        let brand = crate::testing::onboard(vault, "Shop", "field:home.country purpose:recommend-products");
        (brand.token, brand.grant_id)
    }

    #[test]
    fn a_grant_paused_by_another_process_stops_the_very_next_request() {
        let (_dir, vault) = vault();
        let owner = vault.reopen().unwrap();
        let (token, grant_id) = token(&owner);
        let cache = ReadCache::new();
        let now = Timestamp::now();
        assert!(cache.authorize(&vault, &token, now).unwrap().is_ok());
        assert!(cache.authorize(&vault, &token, now).unwrap().is_ok(), "kept");
        owner.set_grant_status(&grant_id, crate::grants::GrantStatus::Paused).unwrap();
        match cache.authorize(&vault, &token, now).unwrap() {
            Err(TokenProblem::NotLive { reason, .. }) => assert_eq!(reason, "the grant is paused"),
            other => panic!("a paused grant still authorized: {other:?}"),
        }
        let later = now + jiff::SignedDuration::from_hours(24 * 365);
        owner.set_grant_status(&grant_id, crate::grants::GrantStatus::Active).unwrap();
        assert!(cache.authorize(&vault, &token, later).unwrap().is_err(), "expiry is judged on every use");
        assert!(matches!(
            cache.authorize(&vault, "btk_not-a-token", now).unwrap(),
            Err(TokenProblem::Unknown)
        ));
    }

    #[test]
    fn the_profile_kept_is_replaced_once_another_connection_changes_it() {
        let (_dir, vault) = vault();
        let owner = vault.reopen().unwrap();
        let cache = ReadCache::new();
        assert!(cache.profile(&vault).unwrap().fields.is_empty());
        let first = cache.profile(&vault).unwrap();
        assert!(Arc::ptr_eq(&first, &cache.profile(&vault).unwrap()), "kept while nothing changes");
        owner.set_field(Field::HomeCountry, &Field::HomeCountry.parse("FR").unwrap()).unwrap();
        let fresh = cache.profile(&vault).unwrap();
        assert_eq!(fresh.fields.get(&Field::HomeCountry), Some(&FieldValue::Text("FR".into())));
    }

    #[test]
    fn a_request_reads_the_profile_of_its_authorizations_moment_then_the_next_sees_the_change() {
        let (_dir, vault) = vault();
        let owner = vault.reopen().unwrap();
        owner.set_field(Field::HomeCountry, &Field::HomeCountry.parse("FR").unwrap()).unwrap();
        let (token, _) = token(&owner);
        let cache = ReadCache::new();
        let now = Timestamp::now();
        let auth = cache.authorize(&vault, &token, now).unwrap().unwrap();
        assert!(auth.state_version.is_some(), "a cached authorization names its version");
        let kept = cache.profile_for(&vault, &auth).unwrap();
        owner.set_field(Field::HomeCountry, &Field::HomeCountry.parse("DE").unwrap()).unwrap();
        // The same request: the profile kept at its authorization's version, not read again.
        let same = cache.profile_for(&vault, &auth).unwrap();
        assert!(Arc::ptr_eq(&kept, &same));
        assert_eq!(same.fields.get(&Field::HomeCountry), Some(&FieldValue::Text("FR".into())));
        // The next request is authorized at the new version and reads the new profile.
        let next = cache.authorize(&vault, &token, now).unwrap().unwrap();
        assert_ne!(next.state_version, auth.state_version);
        let fresh = cache.profile_for(&vault, &next).unwrap();
        assert_eq!(fresh.fields.get(&Field::HomeCountry), Some(&FieldValue::Text("DE".into())));
        // An authorization older than what is kept never brings the old profile back.
        let late = cache.profile_for(&vault, &auth).unwrap();
        assert_eq!(late.fields.get(&Field::HomeCountry), Some(&FieldValue::Text("DE".into())));
    }

    #[test]
    fn a_web_origin_is_allowed_only_while_its_grant_is_live_even_when_changed_elsewhere() {
        let (_dir, vault) = vault();
        let owner = vault.reopen().unwrap();
        let now = Timestamp::now();
        let registration = crate::brands::Registration {
            client_name: "Web Shop".into(),
            client_uri: Some("https://shop.example".into()),
            purposes: std::collections::BTreeSet::new(),
            accepted_agreements: None,
        };
        let brand = owner.register_brand(registration, now).unwrap();
        let spec =
            crate::access::AccessSpec::from_scope("field:home.country purpose:recommend-products").unwrap();
        let auth = owner.start_device_authorization(&brand.client_id, spec, now).unwrap();
        let approval = crate::grants::Approval { allow_origin: true, days: Some(1), ..Default::default() };
        let grant = owner.approve_request(&auth.user_code, &approval, now).unwrap();
        let cache = ReadCache::new();
        let origin = "https://shop.example";
        assert!(cache.origin_allowed(&vault, origin, now).unwrap());
        assert!(!cache.origin_allowed(&vault, "https://other.example", now).unwrap());
        owner.set_grant_status(&grant.id, crate::grants::GrantStatus::Paused).unwrap();
        assert!(!cache.origin_allowed(&vault, origin, now).unwrap(), "a pause stops the very next call");
        owner.set_grant_status(&grant.id, crate::grants::GrantStatus::Active).unwrap();
        assert!(cache.origin_allowed(&vault, origin, now).unwrap());
        let later = now + jiff::SignedDuration::from_hours(48);
        assert!(
            !cache.origin_allowed(&vault, origin, later).unwrap(),
            "the grant's end is judged at each use"
        );
        assert_eq!(
            cache.origin_allowed(&vault, origin, later).unwrap(),
            vault.origin_allowed(origin, later).unwrap()
        );
    }

    #[test]
    fn a_tampered_profile_is_never_kept() {
        let (_dir, vault) = vault();
        vault.set_field(Field::HomeCountry, &Field::HomeCountry.parse("FR").unwrap()).unwrap();
        vault.conn.execute("DELETE FROM profile_field", []).unwrap();
        let cache = ReadCache::new();
        assert!(cache.profile(&vault).is_err(), "the manifest check still runs on a fresh read");
        assert!(cache.profile(&vault).is_err(), "and the failure is not kept as a value");
    }
}
