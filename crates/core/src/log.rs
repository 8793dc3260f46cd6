//! The access log: one sealed entry per data request (disclosed, narrowed or refused), appended
//! and committed durably *before* the response leaves. If the entry cannot be written, nothing is
//! disclosed: the caller answers 503 instead.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, mpsc};

use jiff::Timestamp;
use rusqlite::wal::CheckpointMode;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::catalog::Mode;
use crate::crypto::Place;
use crate::error::{Error, Result};
use crate::review::IndexFacts;
use crate::vault::Vault;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything asked for was disclosed.
    Disclosed,
    /// Some of it was withheld.
    Narrowed,
    /// Nothing was disclosed: the request was refused.
    Refused,
    /// The brand sent something (an offer, a signal) and nothing of the profile left.
    Received,
}

impl Outcome {
    /// The outcome's name, as the log's JSON spells it.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Disclosed => "disclosed",
            Outcome::Narrowed => "narrowed",
            Outcome::Refused => "refused",
            Outcome::Received => "received",
        }
    }
}

pub use butler_protocol::{WithheldField, WithheldReason};

/// A field disclosed, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosedField {
    pub field: String,
    pub mode: Mode,
}

/// One use of the owner's data, as the owner will read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// The entry's position, assigned when it is appended. The sealed record leaves it out: the
    /// seal is bound to the row's position, so a record moved to another row does not open.
    #[serde(default, skip_serializing_if = "unassigned")]
    pub seq: i64,
    pub at: Timestamp,
    pub client_id: String,
    pub brand: String,
    pub grant_id: Option<String>,
    pub token_id: Option<String>,
    pub endpoint: String,
    /// The purpose as the brand named it (it may be one Butler refused).
    pub purpose: Option<String>,
    pub asked: Vec<String>,
    pub disclosed: Vec<DisclosedField>,
    pub withheld: Vec<WithheldField>,
    pub outcome: Outcome,
    /// For refusals: the reason, in words.
    pub note: Option<String>,
    /// The web origin the request came from, when a brand's page made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The owner's terms (IEEE 7012 agreement) the grant binds the brand to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
    /// For measurement answers: the question and the privacy budget, never the owner's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<MeasureFacts>,
}

/// What the log keeps of a measurement answer: the question, the epsilon it spent (0 for an
/// answer kept from earlier in the period) and the brand's budget left. Neither the owner's
/// value nor the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureFacts {
    pub question: String,
    pub epsilon_spent: f64,
    pub epsilon_left: f64,
    pub period: String,
}

// Epsilons are finite (the owner's settings are checked), so equality is total.
impl Eq for MeasureFacts {}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde passes a reference")]
fn unassigned(seq: &i64) -> bool {
    *seq == 0
}

fn place(seq: i64) -> Place {
    Place::new("access_log", seq.to_string(), "record")
}

/// Where the log ends: the number of entries and the last one's chain link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    pub(crate) count: u64,
    pub(crate) head_seq: i64,
    head_link: Vec<u8>,
}

impl Checkpoint {
    fn genesis() -> Self {
        Self { count: 0, head_seq: 0, head_link: vec![0; 32] }
    }
}

/// The JWS type of a pruning record.
const PRUNING_TYPE: &str = "butler-log-pruning+jws";

/// The longest retention period that can be set, in days (a century).
pub const MAX_RETENTION_DAYS: u32 = 36_525;

/// The setting that holds the retention period.
const RETENTION_SETTING: &str = "log.retention_days";

/// What a pruning removed, signed with the vault's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruningRecord {
    /// Entries up to this one (included) were removed; the log starts after it.
    pub pruned_through_seq: i64,
    pub pruned_entries: u64,
    /// Where the log started before this pruning (0: at its beginning).
    pub previous_start_seq: i64,
    /// Entries older than this were due.
    pub older_than: Timestamp,
    pub retention_days: u32,
    pub pruned_at: Timestamp,
}

/// Where the log starts once entries were pruned: the last pruned entry's position and link (the
/// first kept entry chains to it), and the signed pruning record (a JWS) saying so.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LogStart {
    after_seq: i64,
    after_link: Vec<u8>,
    record: String,
}

/// Where and why the log's chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first entry at which the chain does not hold.
    pub seq: i64,
    pub reason: &'static str,
}

/// The name a data response gives its log entry (the `Butler-Receipt` header).
pub fn receipt(seq: i64) -> String {
    format!("log-{seq}")
}

impl Vault {
    /// Appends an entry and commits it durably; returns its sequence number. The entry's `seq`
    /// is assigned here.
    pub fn append_access(&self, entry: AccessEntry) -> Result<i64> {
        Ok(self.append_batch(vec![entry])?[0])
    }

    /// Appends entries in one transaction and commits them durably together (group commit):
    /// all of them or none. Each entry is chained to the one before it, and the checkpoint
    /// (count and head) moves in the same transaction.
    pub fn append_batch(&self, entries: Vec<AccessEntry>) -> Result<Vec<i64>> {
        let records = entries.into_iter().map(|e| EntryRecord::new(e, None)).collect();
        let (seqs, facts) = self.append_records(records)?;
        // The index is derived: if it cannot be written now, the next query catches up.
        let _ = self.index_facts(facts);
        Ok(seqs.into_iter().flatten().collect())
    }

    /// Appends and commits entries; returns their positions and what the index is to hold of
    /// them (written afterwards, outside this transaction). An entry made at a state version
    /// (see [`LogWriter::submit`]) is appended only if that version is still the vault's when
    /// this transaction holds the write lock; otherwise its position is `None` and nothing of it
    /// is written.
    fn append_records(&self, records: Vec<EntryRecord>) -> Result<(Vec<Option<i64>>, Indexable)> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        // Read inside the write transaction, so after every request of the batch arrived: an
        // answer made from the state kept in memory stands only if no change has been
        // committed since, from this process or any other.
        let current =
            if records.iter().any(|r| r.made_at.is_some()) { Some(self.state_version()?) } else { None };
        let (records, stale): (Vec<_>, Vec<_>) =
            records.into_iter().enumerate().partition(|(_, r)| r.made_at.is_none() || r.made_at == current);
        let mut checkpoint = self.checkpoint()?;
        let mut seqs = vec![None; records.len() + stale.len()];
        let mut indexed = Vec::with_capacity(records.len());
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO access_log (seq, record, link) VALUES (?1, ?2, ?3)")?;
            // Positions follow the checkpoint's head, never reusing one: after entries were cut
            // from the end, the next one leaves a gap that `verify_log` names.
            let first = checkpoint.head_seq + 1;
            let values: Vec<_> = (first..)
                .zip(&records)
                .map(|(seq, (_, record))| (place(seq), record.json.as_slice()))
                .collect();
            let sealed_all = self.keys.seal_each(&values)?;
            for (((at, record), sealed), seq) in records.into_iter().zip(sealed_all).zip(first..) {
                let link = self.keys.chain_link(&checkpoint.head_link, seq, &sealed);
                insert.execute(params![seq, sealed, link.as_slice()])?;
                checkpoint =
                    Checkpoint { count: checkpoint.count + 1, head_seq: seq, head_link: link.to_vec() };
                seqs[at] = Some(seq);
                indexed.push((seq, record.facts));
            }
        }
        self.save_checkpoint(&checkpoint)?;
        tx.commit()?;
        Ok((seqs, indexed))
    }

    /// The log's checkpoint, kept outside the log table and sealed: how many entries there
    /// are and the last one's link. An empty log starts from a zero link.
    pub(crate) fn checkpoint(&self) -> Result<Checkpoint> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT record FROM log_checkpoint WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else { return Ok(Checkpoint::genesis()) };
        self.json_open(&Place::new("log_checkpoint", "1", "record"), &sealed)
    }

    fn save_checkpoint(&self, checkpoint: &Checkpoint) -> Result<()> {
        let sealed = self.json_seal(&Place::new("log_checkpoint", "1", "record"), checkpoint)?;
        self.conn
            .prepare_cached(
                "INSERT INTO log_checkpoint (id, record) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET record = excluded.record",
            )?
            .execute([sealed])?;
        Ok(())
    }

    /// Walks the whole chain from the first entry and compares its end with the checkpoint.
    /// `progress` is called with the number of entries checked so far, every 10,000.
    pub fn verify_log(&self, mut progress: impl FnMut(u64)) -> Result<Result<u64, ChainBreak>> {
        let _snapshot =
            rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Deferred)?;
        let checkpoint = self.checkpoint()?;
        let start = self.stored_log_start()?;
        if let Some(start) = &start {
            // The start is sealed, so only Butler wrote it; its record must also be the signed one.
            let signed = crate::signing::verify_jws(&start.record, &self.public_jwk()?)
                .ok()
                .and_then(|p| serde_json::from_slice::<PruningRecord>(&p).ok());
            if signed.is_none_or(|r| r.pruned_through_seq != start.after_seq) {
                return Ok(Err(ChainBreak {
                    seq: start.after_seq + 1,
                    reason: "the pruning record does not verify",
                }));
            }
        }
        let mut stmt = self.conn.prepare("SELECT seq, record, link FROM access_log ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut previous =
            start.as_ref().map_or_else(|| Checkpoint::genesis().head_link, |s| s.after_link.clone());
        let mut expected_seq: Option<i64> = start.as_ref().map(|s| s.after_seq + 1);
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let (seq, sealed, link): (i64, Vec<u8>, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if expected_seq.is_some_and(|e| seq != e) {
                return Ok(Err(ChainBreak { seq, reason: "an entry before it is missing" }));
            }
            if !self.keys.chain_link_matches(&previous, seq, &sealed, &link) {
                return Ok(Err(ChainBreak { seq, reason: "the entry was altered, moved or inserted" }));
            }
            previous = link;
            expected_seq = Some(seq + 1);
            count += 1;
            if count.is_multiple_of(10_000) {
                progress(count);
            }
        }
        // Both links are already authenticated here; a plain comparison is enough.
        if count != checkpoint.count || previous != checkpoint.head_link {
            return Ok(Err(ChainBreak {
                seq: checkpoint.head_seq,
                reason: "the log ends before its checkpoint: entries were removed from the end",
            }));
        }
        Ok(Ok(count))
    }

    /// Where the log starts after pruning: the last pruned entry's position and the signed
    /// pruning record; `None` if nothing was pruned.
    pub(crate) fn log_start(&self) -> Result<Option<(i64, String)>> {
        Ok(self.stored_log_start()?.map(|s| (s.after_seq, s.record)))
    }

    fn stored_log_start(&self) -> Result<Option<LogStart>> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT record FROM log_start WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        sealed.map(|sealed| self.json_open(&Place::new("log_start", "1", "record"), &sealed)).transpose()
    }

    /// How many days entries are kept; `None` keeps them all (the default).
    pub fn log_retention_days(&self) -> Result<Option<u32>> {
        self.setting(RETENTION_SETTING)
    }

    /// Sets how many days entries are kept (at least one), or keeps them all with `None`.
    pub fn set_log_retention_days(&self, days: Option<u32>) -> Result<()> {
        if days.is_some_and(|d| d == 0 || d > MAX_RETENTION_DAYS) {
            return Err(Error::Log(format!("keep entries from 1 to {MAX_RETENTION_DAYS} days, or forever")));
        }
        self.set_setting(RETENTION_SETTING, &days)
    }

    /// Removes the entries older than the retention period, in one transaction: the oldest
    /// entries up to the first one still within it. A signed pruning record marks where the log
    /// now starts, so the chain still verifies from there. Nothing is pruned while the chain
    /// does not verify (pruning would erase the evidence). Returns the record, if any was made.
    pub fn prune_log(&self, now: Timestamp) -> Result<Option<PruningRecord>> {
        let Some(days) = self.log_retention_days()? else { return Ok(None) };
        if let Err(broken) = self.verify_log(|_| {})? {
            return Err(Error::Log(format!(
                "the log is not pruned while its chain breaks (at {}: {})",
                receipt(broken.seq),
                broken.reason
            )));
        }
        self.catch_up_log_index()?;
        // Made before the transaction if this is the key's first use.
        self.public_jwk()?;
        let cutoff = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * i64::from(days)))
            .map_err(|_| Error::Log(format!("{days} days reach before any date Butler knows")))?;
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let mut checkpoint = self.checkpoint()?;
        // The index proposes where to cut (entries it does not hold yet are never cut); the log
        // itself decides: the last entry cut must be due, and the first one kept must not be.
        let first_kept: Option<i64> = self.index()?.query_row(
            "SELECT min(first_seq) FROM access_run WHERE at >= ?1",
            [cutoff.as_second()],
            |r| r.get(0),
        )?;
        let indexed = crate::review::indexed_through(self.index()?)?;
        let through = first_kept.map_or(indexed, |s| s - 1);
        let previous = self.stored_log_start()?;
        if through <= previous.as_ref().map_or(0, |s| s.after_seq) {
            return Ok(None);
        }
        let due = |seq: i64| -> Result<Option<bool>> {
            let sealed: Option<Vec<u8>> = tx
                .prepare_cached("SELECT record FROM access_log WHERE seq = ?1")?
                .query_row([seq], |r| r.get(0))
                .optional()?;
            sealed.map(|s| Ok(self.open_entry(seq, &s)?.at < cutoff)).transpose()
        };
        if due(through)? != Some(true) || due(through + 1)? == Some(true) {
            return Err(Error::Log(
                "the log's index disagrees with the log about what is due; nothing was pruned (the index is rebuilt on its next use)"
                    .into(),
            ));
        }
        let (pruned, after_link): (i64, Option<Vec<u8>>) = tx.query_row(
            "SELECT count(*), (SELECT link FROM access_log WHERE seq = ?1) FROM access_log WHERE seq <= ?1",
            [through],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let after_link =
            after_link.ok_or_else(|| Error::Damaged(format!("the log has no entry {through}")))?;
        let record = PruningRecord {
            pruned_through_seq: through,
            pruned_entries: pruned.unsigned_abs(),
            previous_start_seq: previous.as_ref().map_or(0, |s| s.after_seq),
            older_than: cutoff,
            retention_days: days,
            pruned_at: now,
        };
        let jws = self.sign_jws(PRUNING_TYPE, &serde_json::to_vec(&record).expect("records serialize"))?;
        tx.execute("DELETE FROM access_log WHERE seq <= ?1", [through])?;
        let start = LogStart { after_seq: through, after_link, record: jws };
        tx.execute(
            "INSERT INTO log_start (id, record) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET record = excluded.record",
            [self.json_seal(&Place::new("log_start", "1", "record"), &start)?],
        )?;
        checkpoint.count -= record.pruned_entries;
        self.save_checkpoint(&checkpoint)?;
        tx.commit()?;
        // Then the index forgets them (if this step is lost, the next catch-up does it).
        self.unindex_through(through)?;
        self.index()?
            .execute("DELETE FROM log_daily WHERE day < ?1", [cutoff.as_second().div_euclid(86_400)])?;
        Ok(Some(record))
    }

    /// Opens the entry sealed at `seq`.
    pub(crate) fn open_entry(&self, seq: i64, sealed: &[u8]) -> Result<AccessEntry> {
        let mut entry: AccessEntry = self.json_open(&place(seq), sealed)?;
        entry.seq = seq;
        Ok(entry)
    }

    /// The newest entries first, at most `limit`.
    pub fn access_log(&self, limit: usize) -> Result<Vec<AccessEntry>> {
        self.newest_sealed("access_log", "seq", limit)?
            .into_iter()
            .map(|(seq, sealed)| self.open_entry(seq, &sealed))
            .collect()
    }
}

/// An entry's record as it is sealed (the entry without its position, as JSON), and what the
/// log's index keeps of it.
struct EntryRecord {
    json: zeroize::Zeroizing<Vec<u8>>,
    facts: IndexFacts,
    /// The state version the entry's answer was made at, when the commit is to confirm it.
    made_at: Option<i64>,
}

impl EntryRecord {
    fn new(mut entry: AccessEntry, made_at: Option<i64>) -> Self {
        entry.seq = 0;
        let facts = IndexFacts::of(&entry);
        let json = zeroize::Zeroizing::new(serde_json::to_vec(&entry).expect("entries serialize"));
        Self { json, facts, made_at }
    }
}

/// Committed entries' positions with what the log's index is to hold of each.
type Indexable = Vec<(i64, IndexFacts)>;

/// Called with the entry's sequence number once its commit is done, or with why it was not
/// written.
pub type Reply = Box<dyn FnOnce(std::result::Result<i64, NotLogged>) + Send>;

/// Why a submitted entry was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotLogged {
    /// The vault's state moved after the version the entry's answer was made at: the answer is
    /// to be made again from the current state, and logged then.
    StateMoved,
    /// The log could not be written.
    Failed(String),
}

impl std::fmt::Display for NotLogged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotLogged::StateMoved => f.write_str("the vault's state moved since the answer was made"),
            NotLogged::Failed(e) => f.write_str(e),
        }
    }
}

/// Commits a batch and answers each of its callers; returns what the index is to hold of it.
fn commit(vault: &Vault, batch: Vec<(EntryRecord, Reply)>) -> Option<Indexable> {
    let (records, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    match vault.append_records(records) {
        Ok((seqs, facts)) => {
            for (reply, seq) in replies.into_iter().zip(seqs) {
                reply(seq.ok_or(NotLogged::StateMoved));
            }
            Some(facts)
        }
        Err(e) => {
            for reply in replies {
                reply(Err(NotLogged::Failed(e.to_string())));
            }
            None
        }
    }
}

/// The access log's writer: one thread with its own connection, committing the entries of all
/// requests waiting at that moment in one transaction (group commit). Each caller gets its
/// sequence number only after the commit that holds its entry, so a reply never leaves before its
/// entry is durable, while many requests share one fsync.
///
/// Once the WAL passes 1,000 pages, a third thread copies it into the database while the writer
/// goes on committing, and the writer copies the rest between two of its commits; its next commit
/// starts the WAL over, so the WAL stays small under any load (see `Checkpoints`).
///
/// What the owner's queries need (the log's index) is written by a second thread, into the index's
/// own database file, after the commit and off the request path: it batches whatever the commits
/// handed it since its last write, so index pages are written once per batch, and it never holds
/// the log's write lock.
#[derive(Debug)]
pub struct LogWriter {
    jobs: mpsc::Sender<Job>,
}

type Job = (EntryRecord, Reply);

/// The most entries one commit takes.
const MAX_BATCH: usize = 512;

/// How many WAL frames (pages) the log's commits leave before they are copied into the database.
const CHECKPOINT_FRAMES: i32 = 1000;

/// The WAL of the log writer's connection, moved into the database file beside its commits.
///
/// Copying a thousand frames into the database and flushing it takes a few milliseconds; done by
/// the writer between two commits (SQLite's automatic checkpoint), that stalled every request
/// waiting meanwhile, many times a second under load. So a second thread, on its own
/// connection, copies the bulk while the writer goes on committing; then the writer copies the
/// few frames its commits added meanwhile, itself, between two commits. Only then is every frame
/// in the database before the writer's next commit, which starts the WAL over: it stays small
/// under any load. (A checkpoint on another connection alone never catches up with a writer
/// that commits without pause, and the WAL would grow without end.)
struct Checkpoints {
    /// Frames in the WAL after the writer's last commit (SQLite's WAL hook sets it).
    frames: Arc<AtomicI32>,
    /// Asks the checkpoint thread for a copy of the bulk.
    ask: mpsc::Sender<()>,
    /// Told when that copy is done.
    done: mpsc::Receiver<()>,
    /// Whether the thread is copying now.
    copying: bool,
}

impl Checkpoints {
    /// Starts the checkpoint thread, and takes over the checkpoints of the writer's connection
    /// from SQLite's automatic ones.
    fn start(vault: &mut Vault) -> Result<Self> {
        let copier = vault.reopen()?;
        let (ask, asked) = mpsc::channel::<()>();
        let (tell, done) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("butler-log-checkpoint".into())
            .spawn(move || {
                // Ends with the writer's thread. A checkpoint that fails leaves the frames to
                // the writer's own, after it.
                while asked.recv().is_ok() {
                    let _ = copier.conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE);
                    if tell.send(()).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Error::Damaged(format!("the log checkpoint thread cannot start: {e}")))?;
        let frames = Arc::<AtomicI32>::default();
        let counted = Arc::clone(&frames);
        // Setting the hook replaces the automatic checkpoint, which is itself a WAL hook.
        vault.conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
            counted.store(pages, Ordering::Relaxed);
            Ok(())
        }))?;
        Ok(Self { frames, ask, done, copying: false })
    }

    /// Between two of the writer's commits: asks for the bulk to be copied once the WAL is long
    /// enough, and copies what is left once the bulk is done.
    fn after_commit(&mut self, vault: &Vault) {
        if self.copying {
            if self.done.try_recv().is_ok() {
                self.copying = false;
                // Best effort: what is not copied now is copied with the next bulk.
                let _ = vault.conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE);
            }
        } else if self.frames.load(Ordering::Relaxed) >= CHECKPOINT_FRAMES {
            self.copying = self.ask.send(()).is_ok();
        }
    }
}

/// How long the indexer gathers committed entries before writing them. Queries never wait for
/// it: they index what it has not written yet themselves.
const INDEX_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

impl LogWriter {
    /// Starts the writer on its own connection to the vault.
    pub fn start(vault: Vault) -> Result<Self> {
        let indexer = vault.reopen()?;
        let (to_index, indexing) = mpsc::channel::<Indexable>();
        std::thread::Builder::new()
            .name("butler-log-index".into())
            .spawn(move || {
                // Entries the index does not hold yet (a lost index, one in an older format) are
                // indexed first, on this thread: the server answers meanwhile, and what it logs
                // waits in the channel. The index is derived: if this fails, the next query's
                // catch-up does it.
                let _ = indexer.catch_up_log_index();
                // Ends when the writer's thread ends. Facts are gathered for a moment before
                // they are written: one transaction for many commits writes each index page
                // once instead of once per commit (a quarter of the server's time otherwise).
                while let Ok(mut facts) = indexing.recv() {
                    // Asleep, not woken by each commit's facts.
                    std::thread::sleep(INDEX_EVERY);
                    while let Ok(more) = indexing.try_recv() {
                        facts.extend(more);
                    }
                    // The index is derived: what cannot be written now, a later catch-up writes.
                    let _ = indexer.index_facts(facts);
                }
            })
            .map_err(|e| Error::Damaged(format!("the log index thread cannot start: {e}")))?;
        let mut vault = vault;
        let mut checkpoints = Checkpoints::start(&mut vault)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("butler-log-writer".into())
            .spawn(move || {
                // Ends when every `LogWriter` handle is dropped.
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    if let Some(facts) = commit(&vault, batch) {
                        let _ = to_index.send(facts);
                    }
                    checkpoints.after_commit(&vault);
                }
            })
            .map_err(|e| Error::Damaged(format!("the log writer thread cannot start: {e}")))?;
        Ok(Self { jobs })
    }

    /// Queues an entry; `reply` is called once it is committed (or could not be). The entry is
    /// encoded here, on the caller's thread, so the writer's thread only seals, chains and stores.
    ///
    /// `made_at` is for an answer made from state kept in memory at that version, without
    /// reading the vault's version for this request (see
    /// [`ReadCache::authorize_kept`](crate::cache::ReadCache::authorize_kept)): the commit then
    /// confirms the version under its write lock, after the request arrived, and writes the
    /// entry only if it has not moved; otherwise the reply is [`NotLogged::StateMoved`] and
    /// nothing is written. So an answer is never made from a state older than the request, while
    /// the version is read once per commit rather than once per request.
    pub fn submit(&self, entry: AccessEntry, made_at: Option<i64>, reply: Reply) -> Result<()> {
        self.jobs
            .send((EntryRecord::new(entry, made_at), reply))
            .map_err(|_| Error::Damaged("the access log writer has stopped".into()))
    }

    /// Appends an entry and waits until it is committed; returns its sequence number.
    pub fn append(&self, entry: AccessEntry) -> Result<i64> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.submit(
            entry,
            None,
            Box::new(move |result| {
                let _ = reply.send(result);
            }),
        )?;
        answer
            .recv()
            .map_err(|_| Error::Damaged("the access log writer has stopped".into()))?
            .map_err(|e| Error::Damaged(format!("the access log could not be written: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KdfParams, Vault};

    fn entry(n: usize) -> AccessEntry {
        AccessEntry {
            seq: 0,
            at: Timestamp::UNIX_EPOCH,
            client_id: format!("bcl_{n}"),
            brand: "Test".into(),
            grant_id: None,
            token_id: None,
            endpoint: "/v1/profile".into(),
            purpose: None,
            asked: vec![],
            disclosed: vec![],
            withheld: vec![],
            outcome: Outcome::Refused,
            note: Some(format!("entry {n}")),
            origin: None,
            measure: None,
            agreement: None,
        }
    }

    /// Submits an entry and waits for its commit.
    fn submitted(writer: &LogWriter, n: usize, made_at: Option<i64>) -> std::result::Result<i64, NotLogged> {
        let (reply, answer) = mpsc::sync_channel(1);
        writer
            .submit(
                entry(n),
                made_at,
                Box::new(move |result| {
                    let _ = reply.send(result);
                }),
            )
            .unwrap();
        answer.recv().unwrap()
    }

    fn notes(vault: &Vault) -> Vec<String> {
        let mut entries = vault.access_log(100).unwrap();
        entries.reverse();
        entries.into_iter().map(|e| format!("{} {}", e.seq, e.note.unwrap_or_default())).collect()
    }

    #[test]
    fn an_entry_made_at_a_state_version_that_moved_is_not_written() {
        let (_dir, vault) = crate::testing::vault();
        let writer = LogWriter::start(vault.reopen().unwrap()).unwrap();
        let before = vault.state_version().unwrap();
        assert_eq!(submitted(&writer, 0, Some(before)), Ok(1), "the version holds: written");
        // A change committed on another connection, as the `butler` command would.
        let field = crate::catalog::Field::HomeCountry;
        vault.set_field(field, &field.parse("FR").unwrap()).unwrap();
        assert_eq!(submitted(&writer, 1, Some(before)), Err(NotLogged::StateMoved));
        assert_eq!(submitted(&writer, 2, None), Ok(2), "an entry made on the current state is not checked");
        let after = vault.state_version().unwrap();
        assert_eq!(submitted(&writer, 3, Some(after)), Ok(3));
        drop(writer);
        assert_eq!(notes(&vault), ["1 entry 0", "2 entry 2", "3 entry 3"], "nothing of the refused entry");
        assert_eq!(vault.verify_log(|_| {}).unwrap(), Ok(3));
    }

    #[test]
    fn one_commit_writes_its_current_entries_and_leaves_out_the_stale_ones() {
        let (_dir, vault) = crate::testing::vault();
        let now = vault.state_version().unwrap();
        let records = vec![
            EntryRecord::new(entry(0), Some(now)),
            EntryRecord::new(entry(1), Some(now - 1)),
            EntryRecord::new(entry(2), None),
            EntryRecord::new(entry(3), Some(now + 1)),
            EntryRecord::new(entry(4), Some(now)),
        ];
        let (seqs, facts) = vault.append_records(records).unwrap();
        assert_eq!(seqs, [Some(1), None, Some(2), None, Some(3)]);
        assert_eq!(
            facts.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
            [1, 2, 3],
            "only what was written is indexed"
        );
        assert_eq!(notes(&vault), ["1 entry 0", "2 entry 2", "3 entry 4"]);
        assert_eq!(
            vault.verify_log(|_| {}).unwrap(),
            Ok(3),
            "the chain runs through the written entries only"
        );
    }

    #[test]
    fn the_writer_logs_even_when_its_index_cannot_be_caught_up() {
        let (_dir, vault) = crate::testing::vault();
        vault.append_batch((0..50).map(entry).collect()).unwrap();
        // The index is derived: a damaged index file must not stop the log.
        let index = crate::vault::index_path(vault.path());
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", index.display()));
        }
        std::fs::write(&index, vec![0x5a; 8192]).unwrap();
        let writer = LogWriter::start(vault.reopen().unwrap()).unwrap();
        assert_eq!(writer.append(entry(50)).unwrap(), 51);
        drop(writer);
        assert_eq!(vault.verify_log(|_| {}).unwrap(), Ok(51));
    }

    #[test]
    fn a_writer_started_on_an_index_behind_the_log_catches_it_up_on_its_own() {
        let (_dir, vault) = crate::testing::vault();
        vault.append_batch((0..300).map(entry).collect()).unwrap();
        crate::vault::clear_index(vault.index().unwrap()).unwrap();
        let writer = LogWriter::start(vault.reopen().unwrap()).unwrap();
        writer.append(entry(300)).unwrap();
        let indexed = || crate::review::indexed_through(vault.index().unwrap()).unwrap();
        // Bounded: the indexer writes within a moment (every 100 ms).
        for _ in 0..100 {
            if indexed() == 301 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(indexed(), 301, "the old entries and the new one, without a query asking");
        assert!(vault.check_log_index().unwrap());
    }

    #[test]
    fn group_commit_gives_every_caller_its_own_durable_entry() {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("v"), &"a long passphrase".into(), KdfParams::FLOOR).unwrap();
        let writer = Arc::new(LogWriter::start(vault.reopen().unwrap()).unwrap());
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let writer = Arc::clone(&writer);
                std::thread::spawn(move || {
                    (0..25).map(|i| writer.append(entry(t * 100 + i)).unwrap()).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seqs: Vec<i64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=200).collect::<Vec<_>>(), "every caller got a distinct sequence number");
        let log = vault.access_log(1000).unwrap();
        assert_eq!(log.len(), 200);
        assert_eq!(vault.verify_log(|_| {}).unwrap(), Ok(200), "the chain holds across batches");
        for e in &log {
            let n: usize = e.client_id[4..].parse().unwrap();
            assert_eq!(
                e.note.as_deref(),
                Some(format!("entry {n}").as_str()),
                "entry {} is the caller's own",
                e.seq
            );
        }
    }

    #[test]
    fn the_wal_stays_small_under_steady_writes() {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("v"), &"a long passphrase".into(), KdfParams::FLOOR).unwrap();
        let writer = LogWriter::start(vault.reopen().unwrap()).unwrap();
        // One at a time, each entry is its own commit of several pages: far more frames in all
        // than the WAL is allowed to keep.
        for n in 0..4000 {
            writer.append(entry(n)).unwrap();
        }
        let (_, pages): (i64, i64) = vault
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert!(pages < 2000, "the WAL holds {pages} pages");
        assert_eq!(vault.verify_log(|_| {}).unwrap(), Ok(4000));
    }

    #[test]
    fn the_wal_stays_small_while_the_writer_never_pauses() {
        let (_dir, vault) = crate::testing::vault();
        let writer = Arc::new(LogWriter::start(vault.reopen().unwrap()).unwrap());
        // Eight callers at once keep the writer committing without a pause between commits,
        // so the WAL can start over only if its checkpoints catch up with it.
        let callers: Vec<_> = (0..8)
            .map(|t| {
                let writer = Arc::clone(&writer);
                std::thread::spawn(move || {
                    for n in 0..1500 {
                        writer.append(entry(t * 10_000 + n)).unwrap();
                    }
                })
            })
            .collect();
        let mut longest = 0;
        while callers.iter().any(|c| !c.is_finished()) {
            longest = longest
                .max(std::fs::metadata(format!("{}-wal", vault.path().display())).map_or(0, |m| m.len()));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        for caller in callers {
            caller.join().unwrap();
        }
        // A thousand frames are allowed before a checkpoint, plus what commits add while it runs.
        let frame = 4096 + 24;
        assert!(longest < 3000 * frame, "the WAL reached {} frames", longest / frame);
        assert_eq!(vault.verify_log(|_| {}).unwrap(), Ok(12_000));
    }

    #[test]
    fn pruning_keeps_the_chain_verifiable_from_a_signed_start() {
        let (_dir, vault) = crate::testing::vault();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let entries: Vec<AccessEntry> = (0..40)
            .map(|n| AccessEntry {
                at: now - jiff::SignedDuration::from_hours(6 * (40 - n)),
                ..entry(n as usize)
            })
            .collect();
        vault.append_batch(entries).unwrap();
        assert_eq!(vault.prune_log(now).unwrap(), None, "nothing is pruned without a retention period");
        assert!(vault.set_log_retention_days(Some(0)).is_err());
        vault.set_log_retention_days(Some(5)).unwrap();
        assert_eq!(vault.log_retention_days().unwrap(), Some(5));
        let record = vault.prune_log(now).unwrap().expect("old entries pruned");
        assert_eq!(record.pruned_through_seq, 20, "entries 1 to 20 are more than 5 days old");
        assert_eq!(record.pruned_entries, 20);
        assert_eq!(vault.access_log(100).unwrap().len(), 20);
        assert_eq!(vault.verify_log(|_| {}).unwrap(), Ok(20), "the chain verifies from the new start");
        assert_eq!(vault.prune_log(now).unwrap(), None, "nothing more is due");

        let (_, jws) = vault.log_start().unwrap().unwrap();
        let signed: PruningRecord =
            serde_json::from_slice(&crate::signing::verify_jws(&jws, &vault.public_jwk().unwrap()).unwrap())
                .unwrap();
        assert_eq!(signed, record, "the record is signed with the vault's key");

        let mut out = Vec::new();
        vault.export_log(&mut out, crate::log_export::ExportFormat::Jsonl, now, |_| {}).unwrap();
        let checked = crate::log_export::verify_export(&mut out.as_slice(), None).unwrap();
        assert_eq!((checked.checkpoint.count, checked.checkpoint.first_seq), (20, Some(21)));
        assert!(String::from_utf8(out).unwrap().contains(&jws), "the export carries the pruning record");

        // Later pruning goes on from the new start; removing more by hand is still caught.
        let later = now + jiff::SignedDuration::from_hours(24 * 2);
        let second = vault.prune_log(later).unwrap().unwrap();
        assert_eq!(second.previous_start_seq, 20);
        assert_eq!(vault.verify_log(|_| {}).unwrap(), Ok(40 - second.pruned_through_seq as u64));
        let first_kept = second.pruned_through_seq + 1;
        vault.conn.execute("DELETE FROM access_log WHERE seq = ?1", [first_kept]).unwrap();
        let broken = vault.verify_log(|_| {}).unwrap().unwrap_err();
        assert_eq!(broken.seq, first_kept + 1);
        assert!(
            vault.prune_log(later + jiff::SignedDuration::from_hours(48)).is_err(),
            "no pruning over a broken chain"
        );
    }

    #[test]
    fn pruning_goes_by_the_log_not_by_an_altered_index() {
        let (_dir, vault) = crate::testing::vault();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let entries: Vec<AccessEntry> = (0..10)
            .map(|n| AccessEntry { at: now - jiff::SignedDuration::from_mins(n), ..entry(n as usize) })
            .collect();
        vault.append_batch(entries).unwrap();
        vault.set_log_retention_days(Some(1)).unwrap();
        assert!(vault.set_log_retention_days(Some(MAX_RETENTION_DAYS + 1)).is_err());
        vault.index().unwrap().execute("UPDATE access_run SET at = 0", []).unwrap();
        let refused = vault.prune_log(now).unwrap_err().to_string();
        assert!(refused.contains("disagrees"), "{refused}");
        assert_eq!(vault.access_log(100).unwrap().len(), 10, "nothing was pruned");
    }

    #[test]
    fn a_failed_commit_fails_every_caller_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("v"), &"a long passphrase".into(), KdfParams::FLOOR).unwrap();
        let writer = LogWriter::start(vault.reopen().unwrap()).unwrap();
        vault
            .conn
            .execute_batch(
                "CREATE TRIGGER no_log BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'full'); END;",
            )
            .unwrap();
        assert!(writer.append(entry(1)).is_err());
        vault.conn.execute_batch("DROP TRIGGER no_log;").unwrap();
        assert_eq!(writer.append(entry(2)).unwrap(), 1, "recovers once the cause is gone");
    }
}
