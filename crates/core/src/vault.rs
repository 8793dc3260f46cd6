//! The vault: one SQLite file holding the owner's data, sealed under a random data key that is
//! itself wrapped by a key derived from the passphrase.
//!
//! Opening a vault reads only: a wrong passphrase changes nothing in the file. Migrations run
//! after a successful unlock. Writes go through SQLite transactions in WAL mode with
//! `synchronous=FULL`, so a committed change survives a crash or a power cut, and the passphrase
//! change (one `UPDATE` of the header row) is atomic.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::{fmt, fs};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};

use crate::crypto::{self, KdfParams, Place, SALT_LEN, SecretKey, VaultKeys};
use crate::error::{Error, Result};

/// SQLite `application_id` of a Butler vault ("BTLR").
const APPLICATION_ID: i64 = 0x4254_4c52;
/// Layout version of the header row and of the wrapped key's associated data.
const HEADER_FORMAT: u32 = 1;
/// The shortest passphrase `init` and `passwd` accept.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// How long a connection waits for another writer (the server, another command) before giving up.
/// Kept well under the API's request timeout, so a busy database fails a request cleanly
/// instead of finishing its work after the client has given up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema migrations, applied in order; `PRAGMA user_version` counts the ones applied.
/// Append only: never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: the header, the profile's simple fields and the interests.
    "CREATE TABLE vault_header (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        format INTEGER NOT NULL,
        vault_id BLOB NOT NULL CHECK (length(vault_id) = 16),
        kdf TEXT NOT NULL,
        kdf_m_cost_kib INTEGER NOT NULL,
        kdf_t_cost INTEGER NOT NULL,
        kdf_p_cost INTEGER NOT NULL,
        kdf_salt BLOB NOT NULL,
        wrapped_key BLOB NOT NULL
    ) STRICT;
    CREATE TABLE profile_field (
        slot BLOB PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE interest (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE profile_manifest (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        tag BLOB NOT NULL
    ) STRICT;",
    // 2: brands, access requests, grants, tokens, the access log, offers and suggestions.
    "CREATE TABLE brand (
        client_id TEXT PRIMARY KEY,
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE access_request (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device_slot BLOB NOT NULL UNIQUE,
        user_slot BLOB NOT NULL UNIQUE,
        client_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE grant_record (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE token (
        hash BLOB PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        grant_id TEXT NOT NULL,
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE access_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        record BLOB NOT NULL,
        link BLOB NOT NULL
    ) STRICT;
    CREATE TABLE log_checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE offer (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        record BLOB NOT NULL
    ) STRICT;
    CREATE INDEX offer_caps ON offer (status, received_at, client_id);
    CREATE TABLE suggestion (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        record BLOB NOT NULL
    ) STRICT;",
    // 3: a counter every change to the profile, brands, grants or tokens moves (by trigger, so
    // no writer can forget it), which lets readers keep what they decrypted until it moves; and
    // the access log without AUTOINCREMENT, whose positions now follow the log's checkpoint
    // (one page less written per commit).
    "CREATE TABLE state_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
    ) STRICT;
    INSERT INTO state_version (id, n) VALUES (1, 0);
    CREATE TABLE access_log_positioned (
        seq INTEGER PRIMARY KEY,
        record BLOB NOT NULL,
        link BLOB NOT NULL
    ) STRICT;
    INSERT INTO access_log_positioned (seq, record, link) SELECT seq, record, link FROM access_log;
    DROP TABLE access_log;
    ALTER TABLE access_log_positioned RENAME TO access_log;
    CREATE TRIGGER profile_field_insert_version AFTER INSERT ON profile_field
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER profile_field_update_version AFTER UPDATE ON profile_field
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER profile_field_delete_version AFTER DELETE ON profile_field
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER interest_insert_version AFTER INSERT ON interest
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER interest_update_version AFTER UPDATE ON interest
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER interest_delete_version AFTER DELETE ON interest
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER profile_manifest_insert_version AFTER INSERT ON profile_manifest
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER profile_manifest_update_version AFTER UPDATE ON profile_manifest
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER profile_manifest_delete_version AFTER DELETE ON profile_manifest
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER brand_insert_version AFTER INSERT ON brand
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER brand_update_version AFTER UPDATE ON brand
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER brand_delete_version AFTER DELETE ON brand
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER grant_record_insert_version AFTER INSERT ON grant_record
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER grant_record_update_version AFTER UPDATE ON grant_record
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER grant_record_delete_version AFTER DELETE ON grant_record
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER token_insert_version AFTER INSERT ON token
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER token_update_version AFTER UPDATE ON token
        BEGIN UPDATE state_version SET n = n + 1; END;
    CREATE TRIGGER token_delete_version AFTER DELETE ON token
        BEGIN UPDATE state_version SET n = n + 1; END;",
    // 4: receipts and the vault's signing key, alerts of unusual use, the log's start after
    // pruning, and settings. (The log's index is a file of its own: see `INDEX_SCHEMA`.)
    "CREATE TABLE log_start (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE alert (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE alert_scan (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE setting (
        slot BLOB PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE signing_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        record BLOB NOT NULL
    ) STRICT;
    CREATE TABLE receipt (
        id TEXT PRIMARY KEY,
        grant_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        record BLOB NOT NULL
    ) STRICT;
    CREATE INDEX receipt_client ON receipt (client_id, issued_at);",
    "CREATE TABLE measure_answer (
        slot BLOB PRIMARY KEY,
        bucket BLOB NOT NULL,
        record BLOB NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX measure_bucket ON measure_answer (bucket);",
];

/// The access log's index, in a database file of its own beside the vault ([`index_path`]): blind
/// tags (64-bit keyed hashes, never names; only times in the clear), per-day counts and what each
/// brand was given. Entries are indexed by runs: consecutive entries alike in all the index keeps
/// (the second, brand, grant, purpose, outcome, and the shape of what was asked, disclosed and
/// withheld) share one row, so a brand asking the same thousands of times a second costs the
/// index one row a second, not one per request. It is derived from the log and rebuilt from it
/// whenever it is missing, behind, ahead of the log, or made for another vault; so it is written
/// without an fsync per commit, and never holds up the log's own writes (SQLite allows one writer
/// per file).
const INDEX_SCHEMA: &str = concat!(
    "CREATE TABLE IF NOT EXISTS index_meta (id INTEGER PRIMARY KEY CHECK (id = 1), vault_id BLOB NOT NULL) STRICT;\n",
    "CREATE TABLE IF NOT EXISTS access_run (
        first_seq INTEGER PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        brand INTEGER NOT NULL,
        grant_slot INTEGER,
        purpose INTEGER,
        outcome INTEGER NOT NULL,
        shape INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS access_run_brand ON access_run (brand, first_seq);
    CREATE INDEX IF NOT EXISTS access_run_outcome ON access_run (outcome, first_seq);
    CREATE INDEX IF NOT EXISTS access_run_at ON access_run (at);
    CREATE TABLE IF NOT EXISTS access_run_field (
        field INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        PRIMARY KEY (field, first_seq)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS log_knowledge (
        brand INTEGER NOT NULL,
        field_mode INTEGER NOT NULL,
        grant_slot INTEGER NOT NULL,
        purpose INTEGER NOT NULL,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (brand, field_mode, grant_slot, purpose)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS log_daily (
        brand INTEGER NOT NULL,
        day INTEGER NOT NULL,
        outcome INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (brand, day, outcome)
    ) STRICT, WITHOUT ROWID;"
);

/// The log's index of the vault at `vault`: beside it, named after it (`butler.vault.index`).
pub fn index_path(vault: &Path) -> PathBuf {
    let mut name = vault.file_name().unwrap_or_default().to_os_string();
    name.push(".index");
    vault.with_file_name(name)
}

/// The schema version this build writes: the number of migrations.
#[allow(clippy::cast_possible_wrap, reason = "a handful of migrations")]
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The file name of the vault inside its data folder.
pub const VAULT_FILE: &str = "butler.vault";

/// The platform's data folder for Butler (for example `~/.local/share/butler` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Butler", "butler").map(|d| d.data_dir().to_path_buf())
}

/// The vault header: everything needed to turn a passphrase into the data key.
#[derive(Debug, Clone)]
struct Header {
    vault_id: [u8; 16],
    kdf: KdfParams,
    salt: Vec<u8>,
    wrapped_key: Vec<u8>,
}

impl Header {
    /// The associated data of the wrapped key: the vault's identity and KDF parameters, so that
    /// editing any of them makes the unwrap fail.
    fn associated_data(vault_id: &[u8], kdf: KdfParams, salt: &[u8]) -> Vec<u8> {
        let mut aad = b"butler.vault.header".to_vec();
        aad.extend_from_slice(&HEADER_FORMAT.to_be_bytes());
        aad.extend_from_slice(vault_id);
        aad.extend_from_slice(b"argon2id-v19");
        for n in [kdf.m_cost_kib, kdf.t_cost, kdf.p_cost] {
            aad.extend_from_slice(&n.to_be_bytes());
        }
        aad.extend_from_slice(&(salt.len() as u32).to_be_bytes());
        aad.extend_from_slice(salt);
        aad
    }

    fn read(conn: &Connection) -> Result<Self> {
        let row = conn
            .query_row(
                "SELECT format, vault_id, kdf, kdf_m_cost_kib, kdf_t_cost, kdf_p_cost, kdf_salt, wrapped_key
                 FROM vault_header WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, String>(2)?,
                        [r.get::<_, i64>(3)?, r.get::<_, i64>(4)?, r.get::<_, i64>(5)?],
                        r.get::<_, Vec<u8>>(6)?,
                        r.get::<_, Vec<u8>>(7)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| Error::Damaged("the vault header is missing".into()))?;
        let (format, vault_id, kdf, [m, t, p], salt, wrapped_key) = row;
        if format != i64::from(HEADER_FORMAT) || kdf != "argon2id-v19" {
            return Err(Error::Damaged(format!("unknown header format {format} / {kdf}")));
        }
        let num =
            |n: i64| u32::try_from(n).map_err(|_| Error::Damaged("a KDF parameter is out of range".into()));
        let kdf = KdfParams { m_cost_kib: num(m)?, t_cost: num(t)?, p_cost: num(p)? };
        let vault_id =
            vault_id.try_into().map_err(|_| Error::Damaged("the vault id has the wrong length".into()))?;
        Ok(Self { vault_id, kdf, salt, wrapped_key })
    }

    fn write(&self, conn: &Connection) -> Result<()> {
        conn.execute(
            "INSERT INTO vault_header (id, format, vault_id, kdf, kdf_m_cost_kib, kdf_t_cost, kdf_p_cost, kdf_salt, wrapped_key)
             VALUES (1, ?1, ?2, 'argon2id-v19', ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET
               kdf_m_cost_kib = excluded.kdf_m_cost_kib, kdf_t_cost = excluded.kdf_t_cost,
               kdf_p_cost = excluded.kdf_p_cost, kdf_salt = excluded.kdf_salt,
               wrapped_key = excluded.wrapped_key",
            params![
                HEADER_FORMAT,
                self.vault_id,
                self.kdf.m_cost_kib,
                self.kdf.t_cost,
                self.kdf.p_cost,
                self.salt,
                self.wrapped_key
            ],
        )?;
        Ok(())
    }

    /// A new header wrapping `data_key` under `passphrase`.
    fn seal(
        vault_id: [u8; 16],
        kdf: KdfParams,
        passphrase: &SecretString,
        data_key: &SecretKey,
    ) -> Result<Self> {
        let salt = crypto::random_bytes::<SALT_LEN>()?.to_vec();
        let kek = crypto::derive_kek(passphrase, &salt, kdf)?;
        let wrapped_key = crypto::wrap_key(&kek, data_key, &Self::associated_data(&vault_id, kdf, &salt))?;
        Ok(Self { vault_id, kdf, salt, wrapped_key })
    }
}

/// An unlocked vault; locking is dropping it. The data key is zeroized on drop; the working
/// keys are held in ring's key types, whose expanded schedules ring does not zeroize, so they
/// live in memory as long as the vault is unlocked and until that memory is reused.
pub struct Vault {
    pub(crate) conn: Connection,
    /// The log's index, opened on first use.
    index: std::cell::OnceCell<Connection>,
    /// Blind tags of the log's index already computed on this connection, by domain and name.
    pub(crate) tags: std::cell::RefCell<std::collections::HashMap<(&'static str, String), i64>>,
    pub(crate) keys: VaultKeys,
    data_key: SecretKey,
    vault_id: [u8; 16],
    kdf: KdfParams,
    path: PathBuf,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).field("kdf", &self.kdf).finish_non_exhaustive()
    }
}

fn check_passphrase(passphrase: &SecretString) -> Result<()> {
    if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase(MIN_PASSPHRASE_CHARS));
    }
    Ok(())
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Damaged(format!("the vault cannot use write-ahead logging (got {mode})")));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")?;
    Ok(())
}

/// SQLite's quick structural check of the file, as the owner should hear it if it fails.
fn quick_check(conn: &Connection) -> Result<()> {
    let found: Vec<String> =
        conn.prepare("PRAGMA quick_check(5)")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    if found.first().is_some_and(|f| f == "ok") {
        return Ok(());
    }
    Err(Error::Damaged(format!("SQLite's check of the file found: {}", found.join("; "))))
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let known = SCHEMA_VERSION;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(Error::NewerSchema { found: version, known });
    }
    for sql in &MIGRATIONS[version as usize..] {
        tx.execute_batch(sql)?;
    }
    if version < known {
        tx.pragma_update(None, "user_version", known)?;
    }
    tx.commit()?;
    Ok(())
}

/// Whether the file starts as every SQLite database does. A file that does and fails later is
/// damaged; one that does not was never a vault.
fn has_sqlite_magic(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut magic = [0u8; 16];
    let mut file = fs::File::open(path)?;
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(&magic == b"SQLite format 3\0"),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Creates the data folder readable by the owner only (on Unix).
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    Ok(())
}

/// Empties the log's index, to be rebuilt from the log.
pub(crate) fn clear_index(conn: &Connection) -> Result<()> {
    // One transaction (or the caller's): an indexer writing in between cannot keep half its rows.
    conn.execute_batch(if conn.is_autocommit() {
        "BEGIN IMMEDIATE; DELETE FROM access_run; DELETE FROM access_run_field; DELETE FROM log_daily; DELETE FROM log_knowledge; COMMIT;"
    } else {
        "DELETE FROM access_run; DELETE FROM access_run_field; DELETE FROM log_daily; DELETE FROM log_knowledge;"
    })?;
    Ok(())
}

pub(crate) fn fsync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

impl Vault {
    /// Creates a new vault at `path`. The file appears whole or not at all: it is built under a
    /// temporary name and renamed into place.
    pub fn create(path: &Path, passphrase: &SecretString, kdf: KdfParams) -> Result<Self> {
        check_passphrase(passphrase)?;
        let kdf = kdf.check()?;
        if path.exists() {
            return Err(Error::AlreadyExists(path.to_path_buf()));
        }
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let data_key = SecretKey::generate()?;
        let vault_id = crypto::random_bytes::<16>()?;
        let header = Header::seal(vault_id, kdf, passphrase, &data_key)?;

        let tmp = dir.join(format!(".{VAULT_FILE}.creating-{}", hex::encode(crypto::random_bytes::<4>()?)));
        let built = (|| -> Result<()> {
            let mut conn = Connection::open(&tmp)?;
            configure(&conn)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            migrate(&mut conn)?;
            header.write(&conn)?;
            // Vouch for the empty profile before the file is put in place, so that a missing
            // manifest always means tampering.
            VaultKeys::derive(&data_key, &vault_id).write_manifest(&conn)?;
            // Closing checkpoints the write-ahead log into the file and removes it.
            conn.close().map_err(|(_, e)| e)?;
            fs::File::open(&tmp)?.sync_all()?;
            Ok(())
        })();
        if let Err(e) = built {
            for suffix in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(format!("{}{suffix}", tmp.display()));
            }
            return Err(e);
        }
        // A hard link refuses to replace an existing file, unlike a rename: two `init`s racing
        // cannot overwrite each other's vault.
        let linked = fs::hard_link(&tmp, path);
        fs::remove_file(&tmp)?;
        match linked {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::AlreadyExists(path.to_path_buf()));
            }
            other => other?,
        }
        fsync_dir(dir)?;
        Self::open(path, passphrase)
    }

    /// Unlocks the vault at `path`. Reads only until the passphrase is proven right.
    pub fn open(path: &Path, passphrase: &SecretString) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::NoVault(path.to_path_buf()));
        }
        let wait = unlock_wait(path);
        if !wait.is_zero() {
            // Rounded up, so that waiting the seconds given is always enough.
            return Err(Error::Throttled(wait.as_millis().div_ceil(1000).try_into().unwrap_or(u64::MAX)));
        }
        if !has_sqlite_magic(path)? {
            return Err(Error::NotAVault(path.to_path_buf()));
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app_id != APPLICATION_ID {
            return Err(Error::NotAVault(path.to_path_buf()));
        }
        configure(&conn)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerSchema { found: version, known: SCHEMA_VERSION });
        }
        let header = Header::read(&conn)?;
        let kdf = header.kdf.check()?;
        let kek = crypto::derive_kek(passphrase, &header.salt, kdf)?;
        let aad = Header::associated_data(&header.vault_id, kdf, &header.salt);
        let Ok(data_key) = crypto::unwrap_key(&kek, &header.wrapped_key, &aad) else {
            record_failure(path);
            return Err(Error::WrongPassphrase);
        };
        clear_failures(path);
        // A damaged file is reported as it is, never used or "repaired" into loss.
        quick_check(&conn)?;
        if (1..SCHEMA_VERSION).contains(&version) {
            crate::backup::take(&conn, path, crate::backup::Reason::Migration, jiff::Timestamp::now())?;
        }
        migrate(&mut conn)?;
        let keys = VaultKeys::derive(&data_key, &header.vault_id);
        Ok(Self {
            conn,
            index: std::cell::OnceCell::new(),
            tags: std::cell::RefCell::default(),
            keys,
            data_key,
            vault_id: header.vault_id,
            kdf,
            path: path.to_path_buf(),
        })
    }

    /// The log's index database, opened (and made, or remade if it belongs to another vault) on
    /// first use.
    pub(crate) fn index(&self) -> Result<&Connection> {
        if let Some(conn) = self.index.get() {
            return Ok(conn);
        }
        let path = index_path(&self.path);
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        // Derived data: a crash may lose its last commits, which are rebuilt from the log.
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        let tx = rusqlite::Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Immediate)?;
        // An index of one row per entry (before runs) is dropped and rebuilt from the log.
        let per_entry: i64 =
            tx.query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'access_index'", [], |r| r.get(0))?;
        tx.execute_batch(INDEX_SCHEMA)?;
        if per_entry > 0 {
            tx.execute_batch("DROP TABLE access_index; DROP TABLE access_field;")?;
            clear_index(&tx)?;
        }
        let owner: Option<Vec<u8>> =
            tx.query_row("SELECT vault_id FROM index_meta WHERE id = 1", [], |r| r.get(0)).optional()?;
        if owner.as_deref() != Some(self.vault_id.as_slice()) {
            clear_index(&tx)?;
            tx.execute(
                "INSERT INTO index_meta (id, vault_id) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET vault_id = excluded.vault_id",
                [self.vault_id.as_slice()],
            )?;
        }
        tx.commit()?;
        Ok(self.index.get_or_init(|| conn))
    }

    /// A setting stored sealed under a blind index of its name; `None` if never set.
    pub(crate) fn setting<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let slot = self.keys.slot("setting", name);
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT value FROM setting WHERE slot = ?1")?
            .query_row([slot.as_slice()], |r| r.get(0))
            .optional()?;
        let place = Place::new("setting", hex::encode(slot), "value");
        Ok(sealed.map(|s| self.json_open::<Option<T>>(&place, &s)).transpose()?.flatten())
    }

    pub(crate) fn set_setting<T: serde::Serialize>(&self, name: &str, value: &T) -> Result<()> {
        let slot = self.keys.slot("setting", name);
        let place = Place::new("setting", hex::encode(slot), "value");
        self.conn.execute(
            "INSERT INTO setting (slot, value) VALUES (?1, ?2) ON CONFLICT (slot) DO UPDATE SET value = excluded.value",
            rusqlite::params![slot.as_slice(), self.json_seal(&place, value)?],
        )?;
        Ok(())
    }

    /// The newest rows of a table of sealed records, `(id, sealed)`, at most `limit`. `table`
    /// and `id` are this crate's own names, never outside text.
    pub(crate) fn newest_sealed(&self, table: &str, id: &str, limit: usize) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT {id}, record FROM {table} ORDER BY {id} DESC LIMIT ?1"))?;
        let rows =
            stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The state version: it moves with every committed change to the profile, brands, grants or
    /// tokens, whichever process made it.
    pub fn state_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT n FROM state_version WHERE id = 1")?
            .query_row([], |r| r.get(0))?)
    }

    /// Another connection to the same unlocked vault, with the same keys and no passphrase work:
    /// for a server that reads on several connections and writes its log on its own.
    pub fn reopen(&self) -> Result<Self> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        let data_key = self.data_key.duplicate();
        let keys = VaultKeys::derive(&data_key, &self.vault_id);
        Ok(Self {
            conn,
            index: std::cell::OnceCell::new(),
            tags: std::cell::RefCell::default(),
            keys,
            data_key,
            vault_id: self.vault_id,
            kdf: self.kdf,
            path: self.path.clone(),
        })
    }

    /// Rewraps the data key under a new passphrase (and, if given, new KDF parameters) in one
    /// transaction: a crash leaves either the old or the new passphrase working, never neither.
    /// Nothing else is re-encrypted.
    pub fn change_passphrase(&mut self, new: &SecretString, kdf: Option<KdfParams>) -> Result<()> {
        check_passphrase(new)?;
        let kdf = kdf.unwrap_or(self.kdf).check()?;
        let header = Header::seal(self.vault_id, kdf, new, &self.data_key)?;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        header.write(&tx)?;
        tx.commit()?;
        self.kdf = kdf;
        // Best effort: move the change into the main file now, so the old wrapped key does not
        // linger in the write-ahead log. (A busy reader may keep it there a little longer.)
        let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// Runs SQLite's own structural check of the file.
    pub fn integrity_check(&self) -> Result<()> {
        let result: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" { Ok(()) } else { Err(Error::Damaged(result)) }
    }

    pub(crate) fn seal(&self, place: &Place, plaintext: &[u8]) -> Result<Vec<u8>> {
        Ok(self.keys.seal(place, plaintext)?)
    }

    /// Seals a record as JSON for its place; the plaintext is zeroized after.
    pub(crate) fn json_seal<T: serde::Serialize>(&self, place: &Place, value: &T) -> Result<Vec<u8>> {
        let json = zeroize::Zeroizing::new(serde_json::to_vec(value).expect("records serialize"));
        self.seal(place, &json)
    }

    /// Opens a JSON record sealed for its place.
    pub(crate) fn json_open<T: serde::de::DeserializeOwned>(
        &self,
        place: &Place,
        sealed: &[u8],
    ) -> Result<T> {
        let plain = self.open_sealed(place, sealed)?;
        serde_json::from_slice(&plain)
            .map_err(|e| Error::Damaged(format!("the record at {place} does not decode: {e}")))
    }

    pub(crate) fn open_sealed(&self, place: &Place, sealed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        Ok(self.keys.open(place, sealed)?)
    }
}

// Slowing down repeated wrong passphrases. The count lives in a small file beside the vault, so
// that a failed attempt leaves the vault file itself untouched. It slows guessing through Butler;
// against a stolen copy of the file, the Argon2id cost is the defence.

fn attempts_path(vault: &Path) -> PathBuf {
    let mut name = vault.as_os_str().to_owned();
    name.push(".attempts");
    PathBuf::from(name)
}

/// Milliseconds since the epoch: whole seconds would let a wait of one second round to none.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn read_failures(vault: &Path) -> (u32, u64) {
    let text = fs::read_to_string(attempts_path(vault)).unwrap_or_default();
    let mut parts = text.split_whitespace().map(str::parse::<u64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(n)), Some(Ok(at))) => (u32::try_from(n).unwrap_or(u32::MAX), at),
        _ => (0, 0),
    }
}

/// How long the next unlock attempt must wait: nothing for the first three failures, then one
/// second doubling per failure, at most five minutes.
pub fn unlock_wait(vault: &Path) -> Duration {
    let (failures, last) = read_failures(vault);
    if failures < 3 {
        return Duration::ZERO;
    }
    let delay_ms = 1000u64.checked_shl(failures - 3).unwrap_or(u64::MAX).min(300_000);
    // A failure time in the future (a clock set back, an edited file) counts as now, so the wait
    // is never longer than the delay itself.
    let now = now_ms();
    let ready_at = last.min(now).saturating_add(delay_ms);
    Duration::from_millis(ready_at.saturating_sub(now).min(delay_ms))
}

fn record_failure(vault: &Path) {
    let (failures, _) = read_failures(vault);
    // Best effort: an unwritable folder must not turn a wrong passphrase into another error.
    let _ = fs::write(attempts_path(vault), format!("{} {}\n", failures.saturating_add(1), now_ms()));
}

fn clear_failures(vault: &Path) {
    let _ = fs::remove_file(attempts_path(vault));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn create_open_and_wrong_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VAULT_FILE);
        drop(Vault::create(&path, &pw("a long passphrase"), KdfParams::FLOOR).unwrap());
        assert!(matches!(
            Vault::create(&path, &pw("another passphrase"), KdfParams::FLOOR),
            Err(Error::AlreadyExists(_))
        ));
        let before = fs::read(&path).unwrap();
        assert!(matches!(Vault::open(&path, &pw("not the passphrase")), Err(Error::WrongPassphrase)));
        assert_eq!(fs::read(&path).unwrap(), before, "a failed unlock must not write to the vault");
        let v = Vault::open(&path, &pw("a long passphrase")).unwrap();
        assert_eq!(v.kdf(), KdfParams::FLOOR);
        v.integrity_check().unwrap();
        assert!(!format!("{v:?}").contains("key"), "Debug shows no key material");
    }

    #[test]
    fn writes_are_durable_wal_with_synchronous_full() {
        let dir = tempfile::tempdir().unwrap();
        let v =
            Vault::create(&dir.path().join(VAULT_FILE), &pw("a long passphrase"), KdfParams::FLOOR).unwrap();
        let mode: String = v.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let sync: i64 = v.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 2), "WAL with synchronous=FULL (2)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let nested = dir.path().join("a/b");
            drop(
                Vault::create(&nested.join(VAULT_FILE), &pw("a long passphrase"), KdfParams::FLOOR).unwrap(),
            );
            assert_eq!(fs::metadata(&nested).unwrap().permissions().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn a_failure_time_in_the_future_never_waits_longer_than_the_delay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VAULT_FILE);
        fs::write(attempts_path(&path), format!("4 {}\n", now_ms() + 86_400_000)).unwrap();
        assert!(unlock_wait(&path) <= Duration::from_secs(2));
    }

    #[test]
    fn short_passphrases_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VAULT_FILE);
        assert!(matches!(
            Vault::create(&path, &pw("short"), KdfParams::FLOOR),
            Err(Error::WeakPassphrase(8))
        ));
        assert!(!path.exists());
    }

    #[test]
    fn repeated_failures_slow_down_and_success_resets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VAULT_FILE);
        drop(Vault::create(&path, &pw("a long passphrase"), KdfParams::FLOOR).unwrap());
        for _ in 0..3 {
            assert!(matches!(Vault::open(&path, &pw("wrong passphrase")), Err(Error::WrongPassphrase)));
        }
        assert!(unlock_wait(&path) > Duration::ZERO);
        assert!(matches!(Vault::open(&path, &pw("a long passphrase")), Err(Error::Throttled(_))));
        // Once the wait is over, the right passphrase unlocks and clears the count.
        fs::write(attempts_path(&path), format!("3 {}\n", now_ms() - 5_000)).unwrap();
        drop(Vault::open(&path, &pw("a long passphrase")).unwrap());
        assert_eq!(unlock_wait(&path), Duration::ZERO);
        assert!(!attempts_path(&path).exists());
    }

    #[test]
    fn a_vault_from_a_newer_butler_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VAULT_FILE);
        drop(Vault::create(&path, &pw("a long passphrase"), KdfParams::FLOOR).unwrap());
        Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        let before = fs::read(&path).unwrap();
        let err = Vault::open(&path, &pw("a long passphrase")).unwrap_err();
        assert!(matches!(err, Error::NewerSchema { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    #[test]
    fn not_a_vault_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        fs::write(&path, "shopping list: eggs, milk, and a great deal more text than a header").unwrap();
        assert!(matches!(Vault::open(&path, &pw("a long passphrase")), Err(Error::NotAVault(_))));
        assert!(matches!(
            Vault::open(&dir.path().join("none"), &pw("a long passphrase")),
            Err(Error::NoVault(_))
        ));
    }
}
