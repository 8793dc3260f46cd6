//! Reading the access log as its owner: filtered, newest first, a page at a time; counts per
//! brand and day; and "what does this brand know about me".
//!
//! Entries are sealed, so they cannot be filtered in SQL. Beside the log, in a file of its own, an
//! index keeps blind tags (64-bit keyed hashes of the brand, grant, purpose, outcome and fields;
//! only the time is in the clear) by runs of consecutive entries alike in all of these and in the
//! same second, per-day counts and, per brand, what it was disclosed. Queries select by tag, then
//! open the entries they return and check each against the filter: an index altered behind
//! Butler's back cannot make an entry say what it does not say (such entries are left out and
//! named as unreadable, like missing or altered ones).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, ToSql, params_from_iter};
use serde::Serialize;

use crate::access::{Purpose, mode_name};
use crate::catalog::{Field, Mode};
use crate::error::{Error, Result};
use crate::log::{AccessEntry, Outcome};
use crate::vault::Vault;

/// Which entries to read. Every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// The brand's client id.
    pub brand: Option<String>,
    /// A field named by the request (asked, disclosed or withheld).
    pub field: Option<String>,
    /// The purpose as the brand named it.
    pub purpose: Option<String>,
    pub outcome: Option<Outcome>,
    /// From this time on (included).
    pub since: Option<Timestamp>,
    /// Before this time (excluded).
    pub until: Option<Timestamp>,
    /// Words found in the brand's name or a field's name (case-insensitive).
    pub text: Option<String>,
}

/// One page of entries, newest first, and where the next page starts.
#[derive(Debug, Clone, Serialize)]
pub struct LogPage {
    pub entries: Vec<AccessEntry>,
    /// Pass as `before` for the next page; `None` on the last page.
    pub next: Option<i64>,
    /// Entries the index selected that are missing, do not open, or do not match it: the log
    /// was changed behind Butler's back (`butler log verify` says where). They are left out.
    pub unreadable: Vec<i64>,
}

/// Requests of one brand on one day (UTC) that ended one way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyCount {
    pub day: Date,
    pub client_id: String,
    pub brand: String,
    pub outcome: Outcome,
    pub requests: u64,
}

/// A field a brand was given, in one mode, under one grant and purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Knowledge {
    pub field: String,
    pub mode: Mode,
    pub purpose: String,
    pub grant_id: String,
    /// Whether that grant still lets the brand ask.
    pub grant_live: bool,
    pub first: Timestamp,
    pub last: Timestamp,
    pub times: u64,
}

/// What the index holds of one entry, taken from it before it is encoded.
#[derive(Debug)]
pub(crate) struct IndexFacts {
    at: i64,
    client_id: String,
    grant_id: Option<String>,
    purpose: Option<String>,
    outcome: Outcome,
    fields: BTreeSet<String>,
    disclosed: Vec<(String, Mode)>,
    /// A hash of what was asked, disclosed (in which mode) and withheld (why): entries of one
    /// run have the same. Only ever compared with another, so it need not be stable across
    /// versions (a different one starts a new run).
    shape: i64,
}

impl IndexFacts {
    /// What is indexed of an entry that does not open: no brand, no fields, so no query selects
    /// it, and the index's end still moves past it.
    fn unreadable() -> Self {
        Self {
            at: 0,
            client_id: String::new(),
            grant_id: None,
            purpose: None,
            outcome: Outcome::Refused,
            fields: BTreeSet::new(),
            disclosed: Vec::new(),
            shape: 0,
        }
    }

    /// Whether the index keeps the same of both (but their positions).
    fn alike(&self, other: &Self) -> bool {
        self.at == other.at
            && self.shape == other.shape
            && self.outcome == other.outcome
            && self.client_id == other.client_id
            && self.grant_id == other.grant_id
            && self.purpose == other.purpose
            && self.disclosed == other.disclosed
            && self.fields == other.fields
    }

    pub(crate) fn of(entry: &AccessEntry) -> Self {
        let fields = entry
            .asked
            .iter()
            .cloned()
            .chain(entry.disclosed.iter().map(|d| d.field.clone()))
            .chain(entry.withheld.iter().map(|w| w.field.clone()))
            .collect();
        let mut shape = std::hash::DefaultHasher::new();
        entry.asked.hash(&mut shape);
        for d in &entry.disclosed {
            (&d.field, d.mode).hash(&mut shape);
        }
        for w in &entry.withheld {
            (&w.field, w.reason).hash(&mut shape);
        }
        Self {
            at: entry.at.as_second(),
            client_id: entry.client_id.clone(),
            grant_id: entry.grant_id.clone(),
            purpose: entry.purpose.clone(),
            outcome: entry.outcome,
            fields,
            disclosed: entry.disclosed.iter().map(|d| (d.field.clone(), d.mode)).collect(),
            shape: i64::from_ne_bytes(shape.finish().to_ne_bytes()),
        }
    }
}

const OUTCOMES: [Outcome; 4] = [Outcome::Disclosed, Outcome::Narrowed, Outcome::Refused, Outcome::Received];

fn field_mode(field: &str, mode: Mode) -> String {
    format!("{field}:{}", mode_name(mode))
}

const DAY: i64 = 86_400;

/// Brand, field and mode, grant, purpose: the tags one line of what a brand knows is kept under.
type KnowledgeKey = (i64, i64, i64, i64);

/// What the index keeps of an entry, but its position: entries alike in it, one after the other,
/// make one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RunKey {
    at: i64,
    brand: i64,
    grant: Option<i64>,
    purpose: Option<i64>,
    outcome: i64,
    shape: i64,
}

/// A run of entries `first..=last`, as the indexing goes.
struct Run {
    first: i64,
    last: i64,
    key: RunKey,
    /// Its fields' tags (for a new run; a stored run has its rows already).
    fields: Vec<i64>,
    /// Whether the index has a row for it already.
    stored: bool,
    /// Whether it changed since it was read or made.
    dirty: bool,
}

/// The index's last run, which the next entries may extend.
fn last_run(index: &Connection) -> Result<Option<Run>> {
    Ok(index
        .prepare_cached(
            "SELECT first_seq, last_seq, at, brand, grant_slot, purpose, outcome, shape
             FROM access_run ORDER BY first_seq DESC LIMIT 1",
        )?
        .query_row([], |r| {
            Ok(Run {
                first: r.get(0)?,
                last: r.get(1)?,
                key: RunKey {
                    at: r.get(2)?,
                    brand: r.get(3)?,
                    grant: r.get(4)?,
                    purpose: r.get(5)?,
                    outcome: r.get(6)?,
                    shape: r.get(7)?,
                },
                fields: Vec::new(),
                stored: true,
                dirty: false,
            })
        })
        .optional()?)
}

/// The last entry the index holds (0 if none).
pub(crate) fn indexed_through(index: &Connection) -> Result<i64> {
    Ok(index
        .prepare_cached("SELECT last_seq FROM access_run ORDER BY first_seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

impl Vault {
    /// A blind tag for the log's index: the first 64 bits of the blind-index HMAC.
    fn tag(&self, domain: &'static str, name: &str) -> i64 {
        // Names repeat (a few brands, grants, purposes and fields): each is hashed once.
        let mut known = self.tags.borrow_mut();
        if let Some(tag) = known.get(&(domain, name.to_owned())) {
            return *tag;
        }
        let slot = self.keys.slot(domain, name);
        let tag = i64::from_be_bytes(slot[..8].try_into().expect("8 of 32 bytes"));
        if known.len() >= 4096 {
            known.clear();
        }
        known.insert((domain, name.to_owned()), tag);
        tag
    }

    fn brand_tag(&self, client_id: &str) -> i64 {
        self.tag("log.brand", client_id)
    }
    fn grant_tag(&self, grant_id: &str) -> i64 {
        self.tag("log.grant", grant_id)
    }
    fn purpose_tag(&self, purpose: &str) -> i64 {
        self.tag("log.purpose", purpose)
    }
    pub(crate) fn outcome_tag(&self, outcome: Outcome) -> i64 {
        self.tag("log.outcome", outcome.name())
    }
    fn field_tag(&self, field: &str) -> i64 {
        self.tag("log.field", field)
    }
    fn field_mode_tag(&self, field: &str, mode: Mode) -> i64 {
        self.tag("log.field_mode", &field_mode(field, mode))
    }

    /// Indexes appended entries, within the caller's transaction: each extends the run before it
    /// if it is alike and follows it, else starts a run of its own.
    pub(crate) fn index_entries(&self, tx: &Connection, entries: &[(i64, IndexFacts)]) -> Result<()> {
        let mut insert_run = tx.prepare_cached(
            "INSERT INTO access_run (first_seq, last_seq, at, brand, grant_slot, purpose, outcome, shape)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut extend_run = tx.prepare_cached("UPDATE access_run SET last_seq = ?2 WHERE first_seq = ?1")?;
        let mut field =
            tx.prepare_cached("INSERT OR IGNORE INTO access_run_field (field, first_seq) VALUES (?1, ?2)")?;
        let mut flush = |run: &Run| -> Result<()> {
            if run.stored {
                extend_run.execute(rusqlite::params![run.first, run.last])?;
            } else {
                let k = &run.key;
                insert_run.execute(rusqlite::params![
                    run.first, run.last, k.at, k.brand, k.grant, k.purpose, k.outcome, k.shape
                ])?;
                for tag in &run.fields {
                    field.execute(rusqlite::params![tag, run.first])?;
                }
            }
            Ok(())
        };
        let mut run = last_run(tx)?;
        let mut daily: HashMap<(i64, i64, i64), i64> = HashMap::new();
        let mut known: HashMap<KnowledgeKey, (i64, i64, i64)> = HashMap::new();
        // An entry alike the one before (as a run's entries are) takes its tags as they are.
        let mut prev: Option<(&IndexFacts, RunKey, Vec<KnowledgeKey>)> = None;
        for (seq, facts) in entries {
            if !prev.as_ref().is_some_and(|(p, ..)| p.alike(facts)) {
                prev = None;
            }
            let (_, key, knowledge) = &*prev.get_or_insert_with(|| {
                let brand = self.brand_tag(&facts.client_id);
                let grant = facts.grant_id.as_deref().map(|g| self.grant_tag(g));
                let purpose = facts.purpose.as_deref().map(|p| self.purpose_tag(p));
                let outcome = self.outcome_tag(facts.outcome);
                let key = RunKey { at: facts.at, brand, grant, purpose, outcome, shape: facts.shape };
                let knowledge = facts
                    .disclosed
                    .iter()
                    .map(|(name, mode)| {
                        (brand, self.field_mode_tag(name, *mode), grant.unwrap_or(0), purpose.unwrap_or(0))
                    })
                    .collect();
                (facts, key, knowledge)
            });
            match &mut run {
                Some(current) if current.key == *key && current.last + 1 == *seq => {
                    current.last = *seq;
                    current.dirty = true;
                }
                _ => {
                    if let Some(done) = run.take().filter(|r| r.dirty) {
                        flush(&done)?;
                    }
                    let fields = facts.fields.iter().map(|name| self.field_tag(name)).collect();
                    run =
                        Some(Run { first: *seq, last: *seq, key: *key, fields, stored: false, dirty: true });
                }
            }
            *daily.entry((key.brand, facts.at.div_euclid(DAY), key.outcome)).or_default() += 1;
            for k in knowledge {
                let slot = known.entry(*k).or_insert((facts.at, facts.at, 0));
                *slot = (slot.0.min(facts.at), slot.1.max(facts.at), slot.2 + 1);
            }
        }
        let mut upsert_daily = tx.prepare_cached(
            "INSERT INTO log_daily (brand, day, outcome, n) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (brand, day, outcome) DO UPDATE SET n = n + excluded.n",
        )?;
        if let Some(done) = run.filter(|r| r.dirty) {
            flush(&done)?;
        }
        for ((brand, day, outcome), n) in daily {
            upsert_daily.execute(rusqlite::params![brand, day, outcome, n])?;
        }
        let mut upsert_known = tx.prepare_cached(
            "INSERT INTO log_knowledge (brand, field_mode, grant_slot, purpose, first_at, last_at, n)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (brand, field_mode, grant_slot, purpose) DO UPDATE SET
               first_at = min(first_at, excluded.first_at),
               last_at = max(last_at, excluded.last_at),
               n = n + excluded.n",
        )?;
        for ((brand, fm, grant, purpose), (first, last, n)) in known {
            upsert_known.execute(rusqlite::params![brand, fm, grant, purpose, first, last, n])?;
        }
        Ok(())
    }

    /// Indexes entries the log's index does not hold yet: entries committed since (the log
    /// writer's indexer normally keeps up), entries written before the index existed, or all of
    /// them if the index was lost or belongs to a restored older vault. `CATCH_UP_CHUNK` per
    /// transaction. Returns how many were indexed.
    pub fn catch_up_log_index(&self) -> Result<u64> {
        const CATCH_UP_CHUNK: i64 = 10_000;
        let index = self.index()?;
        // The index first: an entry committed and indexed in between cannot look like one the
        // log does not have.
        let lowest: Option<i64> =
            index.query_row("SELECT min(first_seq) FROM access_run", [], |r| r.get(0))?;
        let indexed = indexed_through(index)?;
        let head = self.checkpoint()?.head_seq;
        let start = self.log_start()?.map_or(0, |s| s.0);
        if indexed > head {
            // Ahead of the log: the vault was put back to an older copy. Start over.
            crate::vault::clear_index(index)?;
        } else if lowest.is_some_and(|l| l <= start) {
            // Entries pruned since they were indexed (the pruning's last step did not happen).
            self.unindex_through(start)?;
        }
        let mut done = 0;
        loop {
            let from = indexed_through(index)?;
            let pending: Vec<(i64, Vec<u8>)> = self
                .conn
                .prepare_cached("SELECT seq, record FROM access_log WHERE seq > ?1 ORDER BY seq LIMIT ?2")?
                .query_map([from, CATCH_UP_CHUNK], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            if pending.is_empty() {
                return Ok(done);
            }
            // An entry that does not open is indexed under no brand (no query selects it; the
            // chain check reports it), so one bad entry does not stop the others being read.
            let facts: Vec<(i64, IndexFacts)> = pending
                .iter()
                .map(|(seq, sealed)| {
                    let facts = self
                        .open_entry(*seq, sealed)
                        .map_or_else(|_| IndexFacts::unreadable(), |e| IndexFacts::of(&e));
                    (*seq, facts)
                })
                .collect();
            done += self.index_facts(facts)?;
        }
    }

    /// Adds entries to the log's index in one transaction, skipping those it already holds.
    /// Entries must follow the index without a gap; if they do not, the gap is filled from the
    /// log first. Returns how many were added.
    pub(crate) fn index_facts(&self, facts: Vec<(i64, IndexFacts)>) -> Result<u64> {
        let index = self.index()?;
        let tx = rusqlite::Transaction::new_unchecked(index, rusqlite::TransactionBehavior::Immediate)?;
        let indexed = indexed_through(&tx)?;
        let fresh: Vec<(i64, IndexFacts)> = facts.into_iter().filter(|(seq, _)| *seq > indexed).collect();
        let Some(&(first, _)) = fresh.first() else { return Ok(0) };
        let start = self.log_start()?.map_or(0, |s| s.0);
        if first > indexed.max(start) + 1 {
            drop(tx);
            return self.catch_up_log_index();
        }
        self.index_entries(&tx, &fresh)?;
        tx.commit()?;
        Ok(fresh.len() as u64)
    }

    /// Compares the index's size with the log's; if they differ (rows deleted or added behind
    /// Butler's back), empties the index to be rebuilt from the log. Returns whether it held.
    pub fn check_log_index(&self) -> Result<bool> {
        self.catch_up_log_index()?;
        let indexed: i64 = self.index()?.query_row(
            "SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM access_run",
            [],
            |r| r.get(0),
        )?;
        let logged: i64 = self.conn.query_row("SELECT count(*) FROM access_log", [], |r| r.get(0))?;
        if indexed == logged {
            return Ok(true);
        }
        crate::vault::clear_index(self.index()?)?;
        self.catch_up_log_index()?;
        Ok(false)
    }

    /// Drops the index's rows of entries up to `seq` (pruned from the log).
    pub(crate) fn unindex_through(&self, seq: i64) -> Result<()> {
        let index = self.index()?;
        let tx = rusqlite::Transaction::new_unchecked(index, rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM access_run_field WHERE first_seq IN (SELECT first_seq FROM access_run WHERE last_seq <= ?1)",
            [seq],
        )?;
        tx.execute("DELETE FROM access_run WHERE last_seq <= ?1", [seq])?;
        // A run across the cut now starts after it.
        tx.execute(
            "UPDATE access_run_field SET first_seq = ?1 + 1
             WHERE first_seq IN (SELECT first_seq FROM access_run WHERE first_seq <= ?1)",
            [seq],
        )?;
        tx.execute("UPDATE access_run SET first_seq = ?1 + 1 WHERE first_seq <= ?1", [seq])?;
        tx.commit()?;
        Ok(())
    }

    /// Entries matching `filter`, newest first, at most `limit`, older than `before` if given.
    pub fn query_log(&self, filter: &LogFilter, before: Option<i64>, limit: usize) -> Result<LogPage> {
        if limit == 0 {
            return Ok(LogPage { entries: Vec::new(), next: None, unreadable: Vec::new() });
        }
        self.catch_up_log_index()?;
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        // With a field, the walk goes down that field's runs (newest first) and looks each up;
        // without, down the runs themselves.
        let mut sql = if let Some(field) = &filter.field {
            args.push(Box::new(self.field_tag(field)));
            String::from(
                "SELECT r.first_seq, r.last_seq FROM access_run_field f JOIN access_run r ON r.first_seq = f.first_seq WHERE f.field = ?1",
            )
        } else {
            String::from("SELECT r.first_seq, r.last_seq FROM access_run r WHERE 1")
        };
        let mut bind = |sql: &mut String, clause: &str, value: Box<dyn ToSql>| {
            sql.push_str(" AND ");
            sql.push_str(&clause.replace('?', &format!("?{}", args.len() + 1)));
            args.push(value);
        };
        if let Some(brand) = &filter.brand {
            bind(&mut sql, "r.brand = ?", Box::new(self.brand_tag(brand)));
        }
        if let Some(purpose) = &filter.purpose {
            bind(&mut sql, "r.purpose = ?", Box::new(self.purpose_tag(purpose)));
        }
        if let Some(outcome) = filter.outcome {
            bind(&mut sql, "r.outcome = ?", Box::new(self.outcome_tag(outcome)));
        }
        if let Some(since) = filter.since {
            bind(&mut sql, "r.at >= ?", Box::new(since.as_second()));
        }
        if let Some(until) = filter.until {
            bind(&mut sql, "r.at < ?", Box::new(until.as_second()));
        }
        if let Some(text) = &filter.text {
            let (brands, fields) = self.text_matches(text)?;
            let list = |tags: &[i64]| tags.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            // Tags are integers computed here, never text from the caller.
            let _ = write!(
                sql,
                " AND (r.brand IN ({}) OR EXISTS (SELECT 1 FROM access_run_field t WHERE t.field IN ({}) AND t.first_seq = r.first_seq))",
                list(&brands),
                list(&fields)
            );
        }
        if let Some(before) = before {
            bind(&mut sql, "r.first_seq < ?", Box::new(before));
        }
        let order = if filter.field.is_some() { "f.first_seq" } else { "r.first_seq" };
        let _ = write!(sql, " ORDER BY {order} DESC");
        // Runs do not overlap, so newest run first and, within each, newest entry first is the
        // log's order; the walk stops one entry past the page.
        let wanted = limit.saturating_add(1);
        let newest = before.map_or(i64::MAX, |b| b - 1);
        let mut seqs: Vec<i64> = Vec::new();
        let index = self.index()?;
        let mut stmt = index.prepare(&sql)?;
        let mut runs = stmt.query(params_from_iter(args.iter()))?;
        'runs: while let Some(row) = runs.next()? {
            let (first, last): (i64, i64) = (row.get(0)?, row.get(1)?);
            for seq in (first..=last.min(newest)).rev() {
                if seqs.len() == wanted {
                    break 'runs;
                }
                seqs.push(seq);
            }
        }
        let next = (seqs.len() > limit).then(|| {
            seqs.truncate(limit);
            seqs[limit - 1]
        });
        let mut entries = Vec::with_capacity(seqs.len());
        let mut unreadable = Vec::new();
        for seq in seqs {
            let sealed: Option<Vec<u8>> = self
                .conn
                .prepare_cached("SELECT record FROM access_log WHERE seq = ?1")?
                .query_row([seq], |r| r.get(0))
                .optional()?;
            match sealed.map(|sealed| self.open_entry(seq, &sealed)) {
                Some(Ok(entry)) if matches(&entry, filter) => entries.push(entry),
                // Missing, altered, or not what the index says: the chain check reports why.
                _ => unreadable.push(seq),
            }
        }
        Ok(LogPage { entries, next: next.filter(|_| limit > 0), unreadable })
    }

    /// The brands whose name, and the fields whose name, contain `text` (case-insensitive), as tags.
    fn text_matches(&self, text: &str) -> Result<(Vec<i64>, Vec<i64>)> {
        let needle = text.trim().to_lowercase();
        let brands = self
            .brands()?
            .into_iter()
            .filter(|b| b.name.to_lowercase().contains(&needle) || b.client_id == text.trim())
            .map(|b| self.brand_tag(&b.client_id))
            .collect();
        let fields = Field::ALL
            .iter()
            .filter(|f| f.name().contains(&needle))
            .map(|f| self.field_tag(f.name()))
            .collect();
        Ok((brands, fields))
    }

    /// Requests per brand, per day (UTC) and outcome, oldest day first, for days in the range.
    pub fn log_counts(&self, since: Option<Date>, until: Option<Date>) -> Result<Vec<DailyCount>> {
        self.catch_up_log_index()?;
        let day_of = |d: Date| -> Result<i64> {
            Ok(d.to_zoned(jiff::tz::TimeZone::UTC)
                .map_err(|e| Error::Damaged(e.to_string()))?
                .timestamp()
                .as_second()
                / DAY)
        };
        let from = since.map(day_of).transpose()?.unwrap_or(i64::MIN);
        let to = until.map(day_of).transpose()?.unwrap_or(i64::MAX);
        let brands: HashMap<i64, (String, String)> = self
            .brands()?
            .into_iter()
            .map(|b| (self.brand_tag(&b.client_id), (b.client_id, b.name)))
            .collect();
        let outcomes: HashMap<i64, Outcome> = OUTCOMES.iter().map(|o| (self.outcome_tag(*o), *o)).collect();
        let mut stmt = self.index()?.prepare(
            "SELECT day, brand, outcome, n FROM log_daily WHERE day >= ?1 AND day <= ?2 ORDER BY day, brand, outcome",
        )?;
        let rows = stmt.query_map([from, to], |r| {
            Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (day, brand, outcome, n): (i64, i64, i64, i64) = row?;
            let damaged = || Error::Damaged("the log's daily counts name an unknown brand or outcome".into());
            let (client_id, name) = brands.get(&brand).cloned().ok_or_else(damaged)?;
            let outcome = *outcomes.get(&outcome).ok_or_else(damaged)?;
            let day = Timestamp::from_second(day * DAY)
                .map_err(|e| Error::Damaged(e.to_string()))?
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date();
            out.push(DailyCount { day, client_id, brand: name, outcome, requests: n.unsigned_abs() });
        }
        Ok(out)
    }

    /// Every field ever disclosed to a brand: in which mode, under which grant and purpose, first
    /// and last time, how often, and whether that grant is still live at `now`.
    pub fn what_brand_knows(&self, client_id: &str, now: Timestamp) -> Result<Vec<Knowledge>> {
        self.catch_up_log_index()?;
        let field_modes: HashMap<i64, (&str, Mode)> = Field::ALL
            .iter()
            .flat_map(|f| f.modes().iter().map(move |m| (f.name(), *m)))
            .map(|(f, m)| (self.field_mode_tag(f, m), (f, m)))
            .collect();
        let purposes: HashMap<i64, &str> =
            Purpose::ALL.iter().map(|p| (self.purpose_tag(p.name()), p.name())).collect();
        let grants: HashMap<i64, (String, bool)> = self
            .grants()?
            .into_iter()
            .filter(|g| g.client_id == client_id)
            .map(|g| (self.grant_tag(&g.id), (g.id.clone(), g.is_live(now))))
            .collect();
        let mut stmt = self.index()?.prepare(
            "SELECT field_mode, grant_slot, purpose, first_at, last_at, n FROM log_knowledge WHERE brand = ?1",
        )?;
        let rows = stmt.query_map([self.brand_tag(client_id)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, i64>(5)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (fm, grant, purpose, first, last, n): (i64, i64, i64, i64, i64, i64) = row?;
            let damaged = || {
                Error::Damaged(
                    "the log's summary names a field, grant or purpose Butler does not know".into(),
                )
            };
            let (field, mode) = *field_modes.get(&fm).ok_or_else(damaged)?;
            let (grant_id, grant_live) = grants.get(&grant).cloned().ok_or_else(damaged)?;
            let purpose = purposes.get(&purpose).ok_or_else(damaged)?;
            let time = |s: i64| Timestamp::from_second(s).map_err(|e| Error::Damaged(e.to_string()));
            out.push(Knowledge {
                field: field.to_owned(),
                mode,
                purpose: (*purpose).to_owned(),
                grant_id,
                grant_live,
                first: time(first)?,
                last: time(last)?,
                times: n.unsigned_abs(),
            });
        }
        out.sort_by(|a, b| (&a.field, a.first).cmp(&(&b.field, b.first)));
        Ok(out)
    }
}

/// Whether an entry, as opened, is one `filter` selects.
fn matches(entry: &AccessEntry, filter: &LogFilter) -> bool {
    let names = || {
        entry
            .asked
            .iter()
            .chain(entry.disclosed.iter().map(|d| &d.field))
            .chain(entry.withheld.iter().map(|w| &w.field))
    };
    filter.brand.as_ref().is_none_or(|b| &entry.client_id == b)
        && filter.purpose.as_ref().is_none_or(|p| entry.purpose.as_ref() == Some(p))
        && filter.outcome.is_none_or(|o| entry.outcome == o)
        && filter.since.is_none_or(|t| entry.at >= t)
        && filter.until.is_none_or(|t| entry.at < t)
        && filter.field.as_ref().is_none_or(|f| names().any(|n| n == f))
        && filter.text.as_ref().is_none_or(|t| {
            let needle = t.trim().to_lowercase();
            entry.brand.to_lowercase().contains(&needle)
                || entry.client_id == t.trim()
                || names().any(|n| n.parse::<Field>().is_ok() && n.contains(&needle))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{DisclosedField, WithheldField, WithheldReason};
    use crate::testing::{onboard, vault};

    /// Entries of two brands over three days, of every outcome, some with fields.
    fn scripted(vault: &Vault) -> (Vec<AccessEntry>, [String; 2]) {
        let shop = onboard(
            vault,
            "Corner Shop",
            "field:birth_date:coarse field:home.country purpose:recommend-products",
        );
        let news = onboard(vault, "Daily News", "field:language purpose:personalize-content");
        let start = Timestamp::from_second(1_790_000_000).unwrap();
        let mut entries = Vec::new();
        for n in 0..60_i64 {
            let (brand, name, grant) = if n % 3 == 0 {
                (&news, "Daily News", &news.grant_id)
            } else {
                (&shop, "Corner Shop", &shop.grant_id)
            };
            let outcome = match n % 5 {
                0 => Outcome::Refused,
                1 => Outcome::Narrowed,
                _ => Outcome::Disclosed,
            };
            let (purpose, disclosed) = if brand.client_id == news.client_id {
                ("personalize-content", vec![DisclosedField { field: "language".into(), mode: Mode::Exact }])
            } else {
                (
                    "recommend-products",
                    vec![
                        DisclosedField { field: "birth_date".into(), mode: Mode::Coarse },
                        DisclosedField { field: "home.country".into(), mode: Mode::Exact },
                    ],
                )
            };
            let disclosed = if outcome == Outcome::Refused { vec![] } else { disclosed };
            entries.push(AccessEntry {
                seq: 0,
                at: start + jiff::SignedDuration::from_hours(n * 2),
                client_id: brand.client_id.clone(),
                brand: name.into(),
                grant_id: Some(grant.clone()),
                token_id: None,
                endpoint: "/v1/profile".into(),
                purpose: Some(if outcome == Outcome::Refused { "measure" } else { purpose }.into()),
                asked: disclosed
                    .iter()
                    .map(|d| d.field.clone())
                    .chain(["contact.email".to_owned()])
                    .collect(),
                disclosed,
                withheld: vec![WithheldField {
                    field: "contact.email".into(),
                    reason: WithheldReason::NotGranted,
                }],
                outcome,
                note: None,
                origin: None,
                measure: None,
                agreement: None,
            });
        }
        let mut seqs = vault.append_batch(entries.clone()).unwrap();
        // Then a burst in one second: a run of 40 alike entries committed in two batches (the
        // second extends the run the first left in the index), one of the other brand, and 5
        // alike again (a run of their own).
        let burst_at = start + jiff::SignedDuration::from_hours(200);
        let like = |n: usize, of: &AccessEntry| vec![AccessEntry { at: burst_at, ..of.clone() }; n];
        let shop_read = entries
            .iter()
            .find(|e| e.client_id == shop.client_id && e.outcome == Outcome::Disclosed)
            .unwrap()
            .clone();
        let news_read = entries.iter().find(|e| e.client_id == news.client_id).unwrap().clone();
        for batch in
            [like(25, &shop_read), [like(15, &shop_read), like(1, &news_read), like(5, &shop_read)].concat()]
        {
            seqs.extend(vault.append_batch(batch.clone()).unwrap());
            entries.extend(batch);
        }
        for (e, seq) in entries.iter_mut().zip(seqs) {
            e.seq = seq;
        }
        (entries, [shop.client_id, news.client_id])
    }

    #[test]
    fn alike_entries_in_one_second_share_a_run_even_across_commits() {
        let (_dir, vault) = vault();
        let (entries, _) = scripted(&vault);
        let runs: Vec<(i64, i64)> = vault
            .index()
            .unwrap()
            .prepare("SELECT first_seq, last_seq FROM access_run ORDER BY first_seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // 60 entries two hours apart, then the burst: 40 in one run, 1, then 5.
        assert_eq!(runs.len(), 63);
        assert_eq!(runs[60], (61, 100));
        assert_eq!(runs[61], (101, 101));
        assert_eq!(runs[62], (102, 106));
        assert_eq!(entries.len(), 106);
        assert!(vault.check_log_index().unwrap(), "the runs count every entry");
    }

    /// Reads every page of a query, following the cursor.
    fn all_pages(vault: &Vault, filter: &LogFilter, page: usize) -> Vec<AccessEntry> {
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let got = vault.query_log(filter, before, page).unwrap();
            assert!(got.entries.len() <= page);
            out.extend(got.entries);
            match got.next {
                Some(next) => before = Some(next),
                None => return out,
            }
        }
    }

    #[test]
    fn every_filter_returns_exactly_the_matching_entries_newest_first() {
        let (_dir, vault) = vault();
        let (entries, [shop, news]) = scripted(&vault);
        let at = |n: i64| entries[0].at + jiff::SignedDuration::from_hours(n);
        let filters = [
            LogFilter::default(),
            LogFilter { brand: Some(shop.clone()), ..LogFilter::default() },
            LogFilter { brand: Some(news.clone()), outcome: Some(Outcome::Refused), ..LogFilter::default() },
            LogFilter { field: Some("birth_date".into()), ..LogFilter::default() },
            LogFilter { field: Some("contact.email".into()), brand: Some(news), ..LogFilter::default() },
            LogFilter { purpose: Some("measure".into()), ..LogFilter::default() },
            LogFilter { outcome: Some(Outcome::Narrowed), ..LogFilter::default() },
            LogFilter { since: Some(at(20)), until: Some(at(50)), ..LogFilter::default() },
            LogFilter { text: Some("corner".into()), ..LogFilter::default() },
            LogFilter { text: Some("LANGUAGE".into()), ..LogFilter::default() },
            LogFilter { text: Some("nobody".into()), ..LogFilter::default() },
            LogFilter { brand: Some("bcl_unknown".into()), ..LogFilter::default() },
        ];
        for filter in filters {
            let mut expected: Vec<i64> =
                entries.iter().filter(|e| matches(e, &filter)).map(|e| e.seq).collect();
            expected.reverse();
            for page in [1, 7, 100] {
                let got: Vec<i64> = all_pages(&vault, &filter, page).iter().map(|e| e.seq).collect();
                assert_eq!(got, expected, "{filter:?}, pages of {page}");
            }
        }
        let first =
            vault.query_log(&LogFilter { brand: Some(shop), ..LogFilter::default() }, None, 5).unwrap();
        assert_eq!(first.entries.len(), 5);
        assert_eq!(
            first.entries[0],
            *entries.iter().rev().find(|e| e.client_id == first.entries[0].client_id).unwrap()
        );
    }

    #[test]
    fn counts_and_knowledge_agree_with_the_entries() {
        let (_dir, vault) = vault();
        let (entries, [shop, news]) = scripted(&vault);
        let counts = vault.log_counts(None, None).unwrap();
        assert_eq!(counts.iter().map(|c| c.requests).sum::<u64>(), entries.len() as u64);
        for c in &counts {
            let expected = entries
                .iter()
                .filter(|e| e.client_id == c.client_id && e.outcome == c.outcome)
                .filter(|e| e.at.to_zoned(jiff::tz::TimeZone::UTC).date() == c.day)
                .count() as u64;
            assert_eq!(c.requests, expected, "{c:?}");
        }
        let known = vault.what_brand_knows(&shop, Timestamp::now()).unwrap();
        let fields: Vec<(&str, Mode)> = known.iter().map(|k| (k.field.as_str(), k.mode)).collect();
        assert_eq!(fields, [("birth_date", Mode::Coarse), ("home.country", Mode::Exact)]);
        for k in &known {
            let given: Vec<&AccessEntry> = entries
                .iter()
                .filter(|e| e.client_id == shop && e.disclosed.iter().any(|d| d.field == k.field))
                .collect();
            assert_eq!(k.times, given.len() as u64);
            assert_eq!(k.first, given.first().unwrap().at);
            assert_eq!(k.last, given.last().unwrap().at);
            assert_eq!(k.purpose, "recommend-products");
            assert!(k.grant_live);
        }
        let news_grant = vault.grants().unwrap().into_iter().find(|g| g.client_id == news).unwrap();
        vault.set_grant_status(&news_grant.id, crate::grants::GrantStatus::Revoked).unwrap();
        let known = vault.what_brand_knows(&news, Timestamp::now()).unwrap();
        assert_eq!(known.len(), 1);
        assert!(!known[0].grant_live, "a revoked grant is shown as such");
        assert!(known.iter().all(|k| k.field != "contact.email"), "withheld fields are not known");
    }

    #[test]
    fn entries_cut_from_the_start_leave_the_rest_of_their_run_indexed() {
        let (_dir, vault) = vault();
        let (entries, [shop, _]) = scripted(&vault);
        vault.unindex_through(80).unwrap();
        let index = vault.index().unwrap();
        let run: (i64, i64) = index
            .query_row("SELECT first_seq, last_seq FROM access_run ORDER BY first_seq LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(run, (81, 100), "the run across the cut starts after it");
        let stale: i64 = index
            .query_row("SELECT count(*) FROM access_run_field WHERE first_seq <= 80", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stale, 0);
        let filter =
            LogFilter { field: Some("birth_date".into()), brand: Some(shop), ..LogFilter::default() };
        let seqs: Vec<i64> = all_pages(&vault, &filter, 7).iter().map(|e| e.seq).collect();
        let expected: Vec<i64> =
            entries.iter().rev().filter(|e| e.seq > 80 && matches(e, &filter)).map(|e| e.seq).collect();
        assert_eq!(seqs, expected);
        assert!(seqs.contains(&81) && !seqs.contains(&80));
    }

    #[test]
    fn an_index_of_one_row_per_entry_is_dropped_and_rebuilt_without_counting_twice() {
        let (_dir, vault) = vault();
        let (entries, _) = scripted(&vault);
        vault
            .index()
            .unwrap()
            .execute_batch(
                "CREATE TABLE access_index (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL);
                 CREATE TABLE access_field (field INTEGER NOT NULL, seq INTEGER NOT NULL);",
            )
            .unwrap();
        let reopened = vault.reopen().unwrap();
        let counted: u64 = reopened.log_counts(None, None).unwrap().iter().map(|c| c.requests).sum();
        assert_eq!(counted, entries.len() as u64);
        assert_eq!(all_pages(&reopened, &LogFilter::default(), 50).len(), entries.len());
        let old: i64 = reopened
            .index()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name IN ('access_index', 'access_field')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0);
    }

    #[test]
    fn an_index_altered_in_the_file_is_reported_not_believed() {
        let (_dir, vault) = vault();
        let (entries, [shop, news]) = scripted(&vault);
        let victim = entries.iter().find(|e| e.client_id == news).unwrap().seq;
        vault
            .index()
            .unwrap()
            .execute(
                "UPDATE access_run SET brand = ?1 WHERE first_seq = ?2",
                rusqlite::params![vault.brand_tag(&shop), victim],
            )
            .unwrap();
        let filter = LogFilter { brand: Some(shop.clone()), ..LogFilter::default() };
        let page = vault.query_log(&filter, None, 1000).unwrap();
        assert_eq!(page.unreadable, [victim]);
        assert!(page.entries.iter().all(|e| e.client_id == shop), "the altered index is not believed");
        vault.conn.execute("DELETE FROM access_log WHERE seq = 1", []).unwrap();
        let page = vault.query_log(&LogFilter::default(), None, 1000).unwrap();
        assert_eq!(page.unreadable, [1], "a missing entry is named");
        assert_eq!(page.entries.len(), entries.len() - 1);
    }

    #[test]
    fn the_index_is_rebuilt_from_the_log_when_lost_or_another_vaults() {
        let (dir, vault) = vault();
        let (entries, _) = scripted(&vault);
        crate::vault::clear_index(vault.index().unwrap()).unwrap();
        assert_eq!(all_pages(&vault, &LogFilter::default(), 50).len(), entries.len());
        let counted: u64 = vault.log_counts(None, None).unwrap().iter().map(|c| c.requests).sum();
        assert_eq!(counted, entries.len() as u64);
        // The file gone altogether.
        let index = crate::vault::index_path(vault.path());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", index.display()));
        }
        let fresh = vault.reopen().unwrap();
        assert_eq!(all_pages(&fresh, &LogFilter::default(), 50).len(), entries.len());
        drop((fresh, vault));
        // Another vault's index in its place is not believed.
        let other =
            Vault::create(&dir.path().join("w"), &"a long passphrase".into(), crate::KdfParams::FLOOR)
                .unwrap();
        std::fs::copy(&index, crate::vault::index_path(other.path())).unwrap();
        let other = other.reopen().unwrap();
        assert!(
            all_pages(&other, &LogFilter::default(), 50).is_empty(),
            "another vault's entries are not shown"
        );
        assert!(other.log_counts(None, None).unwrap().is_empty());
    }

    #[test]
    fn an_entry_that_does_not_open_is_named_and_the_rest_still_read() {
        let (_dir, vault) = vault();
        let (entries, _) = scripted(&vault);
        assert!(vault.query_log(&LogFilter::default(), None, 0).unwrap().entries.is_empty());
        vault.conn.execute("UPDATE access_log SET record = x'00' WHERE seq = 5", []).unwrap();
        crate::vault::clear_index(vault.index().unwrap()).unwrap();
        let page = vault.query_log(&LogFilter::default(), None, 1000).unwrap();
        assert_eq!(page.unreadable, [5]);
        assert_eq!(page.entries.len(), entries.len() - 1);
    }

    #[test]
    fn an_index_missing_rows_is_rebuilt_when_checked() {
        let (_dir, vault) = vault();
        let (entries, [shop, _]) = scripted(&vault);
        let filter = LogFilter { brand: Some(shop), ..LogFilter::default() };
        let before = vault.query_log(&filter, None, 1000).unwrap().entries.len();
        vault.index().unwrap().execute("DELETE FROM access_run WHERE first_seq IN (10, 20)", []).unwrap();
        assert!(vault.query_log(&filter, None, 1000).unwrap().entries.len() < before, "rows hidden");
        assert!(!vault.check_log_index().unwrap(), "the check notices");
        assert_eq!(vault.query_log(&filter, None, 1000).unwrap().entries.len(), before);
        assert!(vault.check_log_index().unwrap());
        assert_eq!(vault.query_log(&LogFilter::default(), None, 1000).unwrap().entries.len(), entries.len());
    }
}
