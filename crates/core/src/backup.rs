//! Backups of the vault: copies taken with SQLite's online backup API while Butler runs, into a
//! `backups` folder beside the vault, before every schema migration, daily while Butler serves,
//! before a restore, and when the owner asks. Each is the vault file as it was (every value still
//! sealed under the owner's passphrase of that day), written under a temporary name, synced, and
//! renamed into place; older ones rotate out, a number kept per reason.
//!
//! A restore checks the backup before anything changes (it opens with the passphrase, SQLite's
//! integrity check passes, every sealed value opens, the access log's chain verifies), keeps the
//! current vault as a backup of its own, then puts the checked copy in place.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::Connection;
use secrecy::SecretString;

use crate::error::{Error, Result};
use crate::grants::GrantStatus;
use crate::vault::{Vault, create_private_dir, fsync_dir, index_path};

/// Why a backup was taken; each kind keeps its own number of copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Once a day while Butler serves (the app or `butler serve`).
    Daily,
    /// Just before a schema migration changed the file.
    Migration,
    /// The vault as it was just before a restore replaced it.
    BeforeRestore,
    /// Asked for by the owner (`butler backups create`).
    Manual,
}

impl Reason {
    const ALL: [Reason; 4] = [Reason::Daily, Reason::Migration, Reason::BeforeRestore, Reason::Manual];

    pub fn name(self) -> &'static str {
        match self {
            Reason::Daily => "daily",
            Reason::Migration => "migration",
            Reason::BeforeRestore => "before-restore",
            Reason::Manual => "manual",
        }
    }

    /// How many of this kind are kept.
    pub fn keep(self) -> usize {
        match self {
            Reason::Daily => 7,
            Reason::Migration | Reason::BeforeRestore => 3,
            Reason::Manual => 10,
        }
    }
}

/// How often a daily backup is due.
pub const DAILY: Duration = Duration::from_hours(24);

/// One backup on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub taken_at: Timestamp,
    pub reason: Reason,
    pub bytes: u64,
}

/// The folder the backups of the vault at `vault` go to: `backups` beside it.
pub fn backups_dir(vault: &Path) -> PathBuf {
    vault.parent().unwrap_or_else(|| Path::new(".")).join("backups")
}

fn file_name(taken_at: Timestamp, reason: Reason) -> String {
    format!("butler-{}-{}.vault", taken_at.strftime("%Y%m%dT%H%M%S%.3fZ"), reason.name())
}

/// A backup's time as its name keeps it, so what `take` returns is what `list` reads back.
fn to_millisecond(t: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t)
}

fn parse_name(name: &str) -> Option<(Timestamp, Reason)> {
    let rest = name.strip_prefix("butler-")?.strip_suffix(".vault")?;
    let (stamp, reason) = rest.split_once('-')?;
    let reason = Reason::ALL.into_iter().find(|r| r.name() == reason)?;
    let at = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S%.fZ", stamp).ok()?;
    Some((at.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp(), reason))
}

/// The backups of the vault at `vault`, newest first.
pub fn list(vault: &Path) -> Result<Vec<BackupInfo>> {
    let dir = backups_dir(vault);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some((taken_at, reason)) = name.to_str().and_then(parse_name) else { continue };
        out.push(BackupInfo { path: entry.path(), taken_at, reason, bytes: entry.metadata()?.len() });
    }
    out.sort_by_key(|b| std::cmp::Reverse(b.taken_at));
    Ok(out)
}

/// Copies the database behind `conn` (the vault at `vault`) into a new backup.
pub(crate) fn take(conn: &Connection, vault: &Path, reason: Reason, now: Timestamp) -> Result<BackupInfo> {
    let now = to_millisecond(now);
    let dir = backups_dir(vault);
    create_private_dir(&dir)?;
    let name = file_name(now, reason);
    let path = dir.join(&name);
    let partial = dir.join(format!(".{name}.partial"));
    remove_with_journal(&partial)?;
    // Made the owner's only before a byte is written into it.
    private_file(&partial)?;
    {
        let mut copy = Connection::open(&partial)?;
        let backup = rusqlite::backup::Backup::new(conn, &mut copy)?;
        // A few hundred pages at a time, so the vault is never held for long.
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
        drop(backup);
        // The copy stands alone: no write-ahead log beside it.
        copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    }
    fs::File::open(&partial)?.sync_all()?;
    fs::rename(&partial, &path)?;
    fsync_dir(&dir)?;
    rotate(vault, reason)?;
    let bytes = fs::metadata(&path)?.len();
    Ok(BackupInfo { path, taken_at: now, reason, bytes })
}

/// Removes the oldest backups of `reason` past the number kept.
fn rotate(vault: &Path, reason: Reason) -> Result<()> {
    for old in list(vault)?.into_iter().filter(|b| b.reason == reason).skip(reason.keep()) {
        fs::remove_file(&old.path)?;
    }
    Ok(())
}

impl Vault {
    /// Takes a backup of the vault now.
    pub fn backup(&self, reason: Reason, now: Timestamp) -> Result<BackupInfo> {
        take(&self.conn, self.path(), reason, now)
    }

    /// Takes the daily backup if the newest one is a day old or more (or there is none).
    pub fn backup_if_due(&self, now: Timestamp) -> Result<Option<BackupInfo>> {
        let newest = list(self.path())?.into_iter().find(|b| b.reason == Reason::Daily);
        let due = newest.is_none_or(|b| {
            now.duration_since(b.taken_at) >= jiff::SignedDuration::try_from(DAILY).unwrap_or_default()
        });
        if due { self.backup(Reason::Daily, now).map(Some) } else { Ok(None) }
    }
}

/// What a restore checked and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Sealed values opened in the backup (fields, interests, preferences).
    pub values: usize,
    /// Access-log entries whose chain verified.
    pub log_entries: u64,
    /// The vault as it was before, kept as a backup; `None` if there was no vault.
    pub previous: Option<BackupInfo>,
    /// Grants the owner had revoked or paused in the vault as it was that the backup still had
    /// open, revoked or paused again in the restored vault (a restore never gives a brand back
    /// access the owner took away); `None` if the vault as it was could not be read (damaged,
    /// or under another passphrase), so nothing could be carried over.
    pub carried_over: Option<Vec<(String, GrantStatus)>>,
    /// Tokens their brands had revoked (RFC 7009) since the backup, revoked again.
    pub tokens_revoked_again: usize,
}

/// Replaces the vault at `vault` with the backup at `backup`, after checking the backup: it must
/// open with `passphrase`, pass SQLite's integrity check, open every sealed value, and its access
/// log must verify. The current vault is kept as a backup first (copied as it is if it does not
/// open). Nothing changes if a check fails. Butler must not be running on the vault meanwhile.
pub fn restore(vault: &Path, backup: &Path, passphrase: &SecretString, now: Timestamp) -> Result<Restored> {
    check(vault, backup, passphrase)?.install(passphrase, now)
}

/// A backup checked on a copy beside the vault, ready to replace it; the copy is removed if it
/// is dropped without being installed.
#[derive(Debug)]
pub struct Checked {
    vault: PathBuf,
    staged: PathBuf,
    values: usize,
    log_entries: u64,
}

/// Checks the backup at `backup` for the vault at `vault` the way [`restore`] does, on a copy,
/// without touching the vault: Butler may keep running on it meanwhile. On success the checked
/// copy waits for [`Checked::install`]; on failure the error is `BackupRefused`, saying why.
pub fn check(vault: &Path, backup: &Path, passphrase: &SecretString) -> Result<Checked> {
    let dir = vault.parent().unwrap_or_else(|| Path::new("."));
    let staged = dir.join(".butler-restore.vault");
    remove_with_journal(&staged)?;
    let refused = |e: &dyn std::fmt::Display| {
        Error::BackupRefused(format!(
            "the backup {} was not restored, and the vault was left as it is: {e}",
            backup.display()
        ))
    };
    if fs::canonicalize(backup).ok().is_some_and(|b| fs::canonicalize(vault).ok() == Some(b)) {
        return Err(refused(&"that file is the vault itself"));
    }
    // The checks run on a copy: opening a backup of an older schema migrates what it opens.
    fs::copy(backup, &staged).map_err(|e| refused(&format!("it cannot be read ({e})")))?;
    let checked = (|| -> Result<(usize, u64)> {
        let copy = Vault::open(&staged, passphrase)?;
        copy.integrity_check()?;
        let profile = copy.profile()?;
        let values =
            profile.fields.len() + profile.interests.len() + usize::from(profile.offer_preferences.is_some());
        let log = copy.verify_log(|_| {})?.map_err(|broken| {
            Error::Damaged(format!("its access log breaks at entry {}: {}", broken.seq, broken.reason))
        })?;
        copy.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        copy.conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        Ok((values, log))
    })();
    match checked {
        Ok((values, log_entries)) => Ok(Checked { vault: vault.to_owned(), staged, values, log_entries }),
        Err(e) => {
            let _ = remove_with_journal(&staged);
            Err(refused(&e))
        }
    }
}

impl Checked {
    /// Sealed values the backup holds (fields, interests, preferences), all opened.
    pub fn values(&self) -> usize {
        self.values
    }

    /// Access-log entries in the backup, their chain verified.
    pub fn log_entries(&self) -> u64 {
        self.log_entries
    }

    /// Keeps the current vault as a backup, then puts the checked copy in its place. Butler must
    /// not be running on the vault. `passphrase` opens the current vault for its backup when it
    /// is the same; otherwise (or if the vault is damaged) the file is kept byte for byte.
    pub fn install(self, passphrase: &SecretString, now: Timestamp) -> Result<Restored> {
        let vault = self.vault.as_path();
        let dir = vault.parent().unwrap_or_else(|| Path::new("."));
        fs::File::open(&self.staged)?.sync_all()?;
        // The owner's closings of grants (revoked, paused) and the brands' revoked tokens, read
        // from the vault as it was.
        let (previous, closed) = if vault.exists() {
            match Vault::open(vault, passphrase) {
                Ok(current) => {
                    let kept = current.backup(Reason::BeforeRestore, now)?;
                    let closed: Vec<(String, GrantStatus)> = current
                        .grants()?
                        .into_iter()
                        .filter(|g| g.status != GrantStatus::Active)
                        .map(|g| (g.id, g.status))
                        .collect();
                    let tokens = current.revoked_token_ids()?;
                    let _ = current.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
                    (Some(kept), Some((closed, tokens)))
                }
                // A vault that does not open (damaged, or another passphrase) is kept byte for byte.
                Err(_) => (Some(copy_as_is(vault, now)?), None),
            }
        } else {
            (None, Some((Vec::new(), Vec::new())))
        };
        // The old write-ahead log must never be replayed onto the restored file.
        remove_journal(vault)?;
        fs::rename(&self.staged, vault)?;
        fsync_dir(dir)?;
        // The log's index is derived from the log: it is rebuilt for the restored one.
        let _ = fs::remove_file(index_path(vault));
        remove_journal(&index_path(vault))?;
        let (carried_over, tokens_revoked_again) = match closed {
            Some((grants, tokens)) if !grants.is_empty() || !tokens.is_empty() => {
                let (grants, tokens) = close_again(vault, passphrase, grants, &tokens, now)?;
                (Some(grants), tokens)
            }
            Some(_) => (Some(Vec::new()), 0),
            None => (None, 0),
        };
        Ok(Restored {
            values: self.values,
            log_entries: self.log_entries,
            previous,
            carried_over,
            tokens_revoked_again,
        })
    }
}

/// Revokes or pauses again, in the restored vault, the grants the owner had closed that the
/// backup still has open (each with its consent receipt, as if the owner did it now), and the
/// tokens their brands had revoked; returns the grants it changed and how many tokens.
fn close_again(
    vault: &Path,
    passphrase: &SecretString,
    closed: Vec<(String, GrantStatus)>,
    tokens: &[String],
    now: Timestamp,
) -> Result<(Vec<(String, GrantStatus)>, usize)> {
    let strictness = |s: GrantStatus| match s {
        GrantStatus::Active => 0,
        GrantStatus::Paused => 1,
        GrantStatus::Revoked => 2,
    };
    let restored = Vault::open(vault, passphrase)?;
    let mut changed = Vec::new();
    for (id, status) in closed {
        // A grant the backup does not hold has nothing to give back.
        let Ok(grant) = restored.grant(&id) else { continue };
        if strictness(grant.status) < strictness(status) {
            restored.set_grant_status_at(&id, status, now)?;
            changed.push((id, status));
        }
    }
    let mut revoked = 0;
    for id in tokens {
        revoked += usize::from(restored.revoke_token_id(id)?);
    }
    Ok((changed, revoked))
}

impl Drop for Checked {
    fn drop(&mut self) {
        // After `install` the copy has become the vault and this name is gone.
        if self.staged.exists() {
            let _ = remove_with_journal(&self.staged);
        }
    }
}

fn copy_as_is(vault: &Path, now: Timestamp) -> Result<BackupInfo> {
    let now = to_millisecond(now);
    let dir = backups_dir(vault);
    create_private_dir(&dir)?;
    let path = dir.join(file_name(now, Reason::BeforeRestore));
    private_file(&path)?;
    fs::copy(vault, &path)?;
    let wal = journal(vault, "-wal");
    if wal.exists() {
        private_file(&journal(&path, "-wal"))?;
        fs::copy(&wal, journal(&path, "-wal"))?;
    }
    fsync_dir(&dir)?;
    rotate(vault, Reason::BeforeRestore)?;
    Ok(BackupInfo { bytes: fs::metadata(&path)?.len(), path, taken_at: now, reason: Reason::BeforeRestore })
}

/// Creates an empty file readable and writable by the owner only (on Unix).
fn private_file(path: &Path) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?;
    Ok(())
}

fn journal(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_journal(path: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm", "-journal"] {
        match fs::remove_file(journal(path, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
}

fn remove_with_journal(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    remove_journal(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Field;
    use crate::testing::{PASSPHRASE, vault};

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_backup_is_the_vault_as_it_was_and_opens_with_its_passphrase() {
        let (_dir, vault) = vault();
        vault.set_field(Field::HomeCity, &Field::HomeCity.parse("Lyon").unwrap()).unwrap();
        let taken = vault.backup(Reason::Manual, at("2026-11-23T10:00:00Z")).unwrap();
        assert!(taken.path.starts_with(backups_dir(vault.path())) && taken.bytes > 0);
        vault.set_field(Field::HomeCity, &Field::HomeCity.parse("Paris").unwrap()).unwrap();
        let copy = Vault::open(&taken.path, &PASSPHRASE.into()).unwrap();
        assert_eq!(copy.field(Field::HomeCity).unwrap().unwrap(), Field::HomeCity.parse("Lyon").unwrap());
        assert!(!journal(&taken.path, "-wal").exists() || copy.path() == taken.path);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&taken.path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "a backup is the owner's only");
        }
        assert_eq!(list(vault.path()).unwrap(), vec![taken]);
    }

    #[test]
    fn daily_backups_come_once_a_day_and_rotate() {
        let (_dir, vault) = vault();
        let mut now = at("2026-11-01T09:00:00Z");
        assert!(vault.backup_if_due(now).unwrap().is_some(), "the first is due at once");
        assert!(vault.backup_if_due(now + jiff::SignedDuration::from_hours(23)).unwrap().is_none());
        for _ in 0..10 {
            now += jiff::SignedDuration::from_hours(24);
            assert!(vault.backup_if_due(now).unwrap().is_some());
        }
        vault.backup(Reason::Manual, now).unwrap();
        let kept = list(vault.path()).unwrap();
        let daily: Vec<_> = kept.iter().filter(|b| b.reason == Reason::Daily).collect();
        assert_eq!(daily.len(), Reason::Daily.keep(), "the oldest rotate out");
        assert_eq!(daily[0].taken_at, now, "newest first");
        assert_eq!(kept.iter().filter(|b| b.reason == Reason::Manual).count(), 1, "others are kept apart");
    }

    #[test]
    fn a_restore_checks_first_keeps_the_current_vault_and_brings_the_backup_back() {
        let (_dir, vault) = vault();
        vault.set_field(Field::HomeCity, &Field::HomeCity.parse("Lyon").unwrap()).unwrap();
        let good = vault.backup(Reason::Manual, at("2026-11-23T10:00:00Z")).unwrap();
        vault.set_field(Field::HomeCity, &Field::HomeCity.parse("Paris").unwrap()).unwrap();
        let path = vault.path().to_path_buf();

        // A damaged backup is refused, and the vault is left as it is.
        let mut bytes = fs::read(&good.path).unwrap();
        let middle = bytes.len() / 2;
        for b in &mut bytes[middle..middle + 4096] {
            *b ^= 0x5a;
        }
        let bad = good.path.with_file_name("butler-20261123T100500.000Z-manual.vault");
        fs::write(&bad, &bytes).unwrap();
        let err = restore(&path, &bad, &PASSPHRASE.into(), at("2026-11-23T11:00:00Z")).unwrap_err();
        assert_eq!(err.code(), "backup_refused", "{err}");
        assert!(err.to_string().contains("was not restored"), "{err}");
        assert_eq!(vault.field(Field::HomeCity).unwrap().unwrap(), Field::HomeCity.parse("Paris").unwrap());
        let err = restore(&path, &good.path, &"not the passphrase at all".into(), at("2026-11-23T11:00:00Z"))
            .unwrap_err();
        assert!(err.to_string().contains("was not restored"));
        drop(vault);

        let restored = restore(&path, &good.path, &PASSPHRASE.into(), at("2026-11-23T12:00:00Z")).unwrap();
        assert_eq!(restored.values, 1);
        let previous = restored.previous.unwrap();
        assert_eq!(previous.reason, Reason::BeforeRestore);
        let back = Vault::open(&path, &PASSPHRASE.into()).unwrap();
        assert_eq!(back.field(Field::HomeCity).unwrap().unwrap(), Field::HomeCity.parse("Lyon").unwrap());
        back.integrity_check().unwrap();
        let before = Vault::open(&previous.path, &PASSPHRASE.into()).unwrap();
        assert_eq!(before.field(Field::HomeCity).unwrap().unwrap(), Field::HomeCity.parse("Paris").unwrap());
    }

    #[test]
    fn a_check_runs_beside_the_open_vault_and_leaves_nothing_behind_unless_installed() {
        let (_dir, vault) = vault();
        vault.set_field(Field::HomeCity, &Field::HomeCity.parse("Lyon").unwrap()).unwrap();
        let good = vault.backup(Reason::Manual, at("2026-11-23T10:00:00Z")).unwrap();
        let path = vault.path().to_path_buf();
        let staged = path.with_file_name(".butler-restore.vault");

        // The vault itself is not a backup of itself.
        let err = check(&path, &path, &PASSPHRASE.into()).unwrap_err();
        assert!(err.to_string().contains("the vault itself"), "{err}");

        // Checked while the vault is open and written to; dropped, the copy goes.
        let checked = check(&path, &good.path, &PASSPHRASE.into()).unwrap();
        assert_eq!((checked.values(), checked.log_entries()), (1, 0));
        assert!(staged.exists());
        vault.set_field(Field::HomeCity, &Field::HomeCity.parse("Paris").unwrap()).unwrap();
        drop(checked);
        assert!(!staged.exists(), "an abandoned check leaves no copy");
        assert_eq!(vault.field(Field::HomeCity).unwrap().unwrap(), Field::HomeCity.parse("Paris").unwrap());

        // Checked, then installed once the vault is closed.
        let checked = check(&path, &good.path, &PASSPHRASE.into()).unwrap();
        drop(vault);
        let restored = checked.install(&PASSPHRASE.into(), at("2026-11-23T12:00:00Z")).unwrap();
        assert!(!staged.exists());
        assert_eq!(restored.previous.unwrap().reason, Reason::BeforeRestore);
        let back = Vault::open(&path, &PASSPHRASE.into()).unwrap();
        assert_eq!(back.field(Field::HomeCity).unwrap().unwrap(), Field::HomeCity.parse("Lyon").unwrap());
    }

    #[test]
    fn a_restore_never_gives_back_access_the_owner_took_away() {
        let (_dir, vault) = vault();
        let revoked =
            crate::testing::onboard(&vault, "Revoked later", "field:home.country purpose:deliver-service");
        let paused =
            crate::testing::onboard(&vault, "Paused later", "field:home.country purpose:deliver-service");
        let open =
            crate::testing::onboard(&vault, "Still open", "field:home.country purpose:deliver-service");
        let good = vault.backup(Reason::Manual, at("2026-11-23T10:00:00Z")).unwrap();
        vault.set_grant_status(&revoked.grant_id, GrantStatus::Revoked).unwrap();
        vault.set_grant_status(&paused.grant_id, GrantStatus::Paused).unwrap();
        let path = vault.path().to_path_buf();
        drop(vault);

        let restored = restore(&path, &good.path, &PASSPHRASE.into(), at("2026-11-23T12:00:00Z")).unwrap();
        assert_eq!(
            restored.carried_over.unwrap(),
            [
                (revoked.grant_id.clone(), GrantStatus::Revoked),
                (paused.grant_id.clone(), GrantStatus::Paused)
            ]
        );
        let back = Vault::open(&path, &PASSPHRASE.into()).unwrap();
        assert_eq!(back.grant(&revoked.grant_id).unwrap().status, GrantStatus::Revoked);
        assert_eq!(back.grant(&paused.grant_id).unwrap().status, GrantStatus::Paused);
        assert_eq!(back.grant(&open.grant_id).unwrap().status, GrantStatus::Active);
        let now = Timestamp::now();
        assert!(
            back.authorize(&revoked.token, now).unwrap().is_err(),
            "the revoked brand's token stays refused"
        );
        assert!(back.authorize(&open.token, now).unwrap().is_ok());
        assert_eq!(restored.tokens_revoked_again, 0);

        // A token its brand revoked (RFC 7009) after a backup stays revoked after its restore.
        let second = back.backup(Reason::Manual, at("2026-11-23T12:30:00Z")).unwrap();
        back.revoke_token(&open.client_id, &open.token).unwrap();
        assert!(back.authorize(&open.token, now).unwrap().is_err());
        drop(back);
        let restored = restore(&path, &second.path, &PASSPHRASE.into(), at("2026-11-23T12:45:00Z")).unwrap();
        assert_eq!(restored.tokens_revoked_again, 1);
        let back = Vault::open(&path, &PASSPHRASE.into()).unwrap();
        assert!(back.authorize(&open.token, now).unwrap().is_err(), "the brand's revocation holds");
        assert_eq!(back.grant(&open.grant_id).unwrap().status, GrantStatus::Active, "the grant itself stays");
        drop(back);

        // A vault as it was that does not open under the backup's passphrase: nothing to carry.
        let other = Vault::open(&path, &PASSPHRASE.into()).unwrap();
        let mut other = other;
        other.change_passphrase(&"a different long passphrase".into(), None).unwrap();
        drop(other);
        let restored = restore(&path, &good.path, &PASSPHRASE.into(), at("2026-11-23T13:00:00Z")).unwrap();
        assert_eq!(restored.carried_over, None);
    }

    #[test]
    fn a_migration_is_preceded_by_a_backup_of_the_file_as_it_was() {
        let (_dir, vault) = vault();
        let path = vault.path().to_path_buf();
        let current: i64 = vault.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        drop(vault);
        // The file as the build before the last migration left it.
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch("DROP TABLE measure_answer;").unwrap();
        raw.pragma_update(None, "user_version", current - 1).unwrap();
        drop(raw);

        let migrated = Vault::open(&path, &PASSPHRASE.into()).unwrap();
        let version: i64 = migrated.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, current);
        let taken = list(&path).unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].reason, Reason::Migration);
        let before = Connection::open(&taken[0].path).unwrap();
        let old: i64 = before.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(old, current - 1, "the backup is the file before the migration");
        // Opening it again migrates nothing and takes no backup.
        drop(migrated);
        Vault::open(&path, &PASSPHRASE.into()).unwrap();
        assert_eq!(list(&path).unwrap().len(), 1);
    }

    #[test]
    fn a_damaged_file_is_reported_at_unlock_and_left_as_it_is() {
        let (_dir, vault) = vault();
        for n in 0..400 {
            let subject = crate::interests::Subject::text(&format!("interest number {n}")).unwrap();
            vault
                .add_interest(crate::interests::NewInterest::stated(subject), jiff::civil::date(2026, 1, 1))
                .unwrap();
        }
        let path = vault.path().to_path_buf();
        vault.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        drop(vault);
        let mut bytes = fs::read(&path).unwrap();
        let page = 4096;
        let last = bytes.len() / page - 2;
        for b in &mut bytes[last * page + 100..last * page + 400] {
            *b = 0xff;
        }
        fs::write(&path, &bytes).unwrap();
        let err = Vault::open(&path, &PASSPHRASE.into()).unwrap_err();
        assert_eq!(err.code(), "damaged", "{err}");
        assert!(err.to_string().contains("butler backups list"), "the owner is told what to do: {err}");
        assert_eq!(fs::read(&path).unwrap(), bytes, "nothing was changed");
    }

    #[test]
    fn backup_names_are_read_back() {
        let t = at("2026-11-23T10:11:12.345Z");
        assert_eq!(parse_name(&file_name(t, Reason::BeforeRestore)), Some((t, Reason::BeforeRestore)));
        assert_eq!(parse_name("butler-2026-x-daily.vault"), None);
        assert_eq!(parse_name("notes.txt"), None);
    }
}
