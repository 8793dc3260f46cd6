//! Unusual use: rules run over the access log's new entries that flag a brand which suddenly
//! asks far more than it usually does, asks for fields it was not granted, or uses a purpose it
//! never used before; and a log whose chain does not verify. Flags are stored sealed and listed
//! for the owner (`butler log alerts`, the app's notifications).
//!
//! A scan reads the log's index from where the previous one stopped; it opens only the entries
//! that were narrowed or refused, so it stays cheap under heavy use.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::crypto::Place;
use crate::error::Result;
use crate::log::{ChainBreak, Outcome, WithheldReason, receipt};
use crate::vault::Vault;

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Far more requests in the last hour than the brand's usual hourly rate.
    RateSpike,
    /// Asked for fields its grant does not include.
    UngrantedFields,
    /// Named a purpose it never used before.
    NewPurpose,
    /// The log's chain does not verify.
    ChainBroken,
    /// The daily backup of the vault could not be taken.
    BackupFailed,
}

/// One flag for the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    #[serde(default)]
    pub id: i64,
    pub at: Timestamp,
    pub kind: AlertKind,
    pub client_id: Option<String>,
    pub brand: Option<String>,
    /// In words, for the owner.
    pub message: String,
    /// The log entry that raised it, if one did.
    pub seq: Option<i64>,
    /// What makes two flags the same one (not shown).
    key: String,
}

/// A rate spike needs at least this many requests in an hour...
pub const SPIKE_MIN_PER_HOUR: i64 = 100;
/// ...and this many times the brand's usual hourly rate over the week before.
pub const SPIKE_FACTOR: i64 = 10;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const CHUNK: i64 = 10_000;

fn place(id: i64) -> Place {
    Place::new("alert", id.to_string(), "record")
}

impl Vault {
    /// Every flag, newest first, at most `limit`.
    pub fn alerts(&self, limit: usize) -> Result<Vec<Alert>> {
        let mut out = Vec::new();
        for (id, sealed) in self.newest_sealed("alert", "id", limit)? {
            let mut alert: Alert = self.json_open(&place(id), &sealed)?;
            alert.id = id;
            out.push(alert);
        }
        Ok(out)
    }

    fn store_alert(&self, tx: &rusqlite::Connection, alert: &Alert) -> Result<i64> {
        tx.execute("INSERT INTO alert (at, record) VALUES (?1, x'')", [alert.at.as_second()])?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE alert SET record = ?2 WHERE id = ?1",
            params![id, self.json_seal(&place(id), alert)?],
        )?;
        Ok(id)
    }

    /// Flags a chain that does not verify, once per place it breaks at. Returns the flag if new.
    pub fn flag_chain_break(&self, broken: &ChainBreak, now: Timestamp) -> Result<Option<Alert>> {
        let key = format!("chain:{}:{}", broken.seq, broken.reason);
        if self.alerts(1000)?.iter().any(|a| a.key == key) {
            return Ok(None);
        }
        let mut alert = Alert {
            id: 0,
            at: now,
            kind: AlertKind::ChainBroken,
            client_id: None,
            brand: None,
            message: format!(
                "The access log does not verify at {}: {}. Butler goes on serving; `butler log verify` names where it breaks.",
                receipt(broken.seq),
                broken.reason
            ),
            seq: Some(broken.seq),
            key,
        };
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        alert.id = self.store_alert(&tx, &alert)?;
        tx.commit()?;
        Ok(Some(alert))
    }

    /// Runs the rules over the entries logged since the last scan; stores and returns new flags.
    pub fn scan_for_alerts(&self) -> Result<Vec<Alert>> {
        let recent: HashSet<String> = self.alerts(10_000)?.into_iter().map(|a| a.key).collect();
        let mut raised = Vec::new();
        let mut keys = recent;
        // Each brand's last entry in the scan: its rate is judged once, at the end.
        let mut busiest: HashMap<i64, (i64, i64)> = HashMap::new();
        loop {
            self.catch_up_log_index()?;
            // Everything is read first; the vault is written to only to keep what was found.
            let cursor = self.scan_cursor()?;
            let index = self.index()?;
            // One row more than a chunk says whether this chunk is the scan's last.
            // Runs of alike entries (see `review`): the rules look at each run's first entry not
            // scanned yet; a run extended since the last scan is seen again from where it left.
            let mut rows: Vec<(i64, i64, i64, i64, Option<i64>, i64)> = index
                .prepare_cached(
                    "SELECT first_seq, last_seq, at, brand, purpose, outcome FROM access_run
                     WHERE last_seq > ?1 ORDER BY first_seq LIMIT ?2",
                )?
                .query_map([cursor, CHUNK + 1], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })?
                .collect::<Result<_, _>>()?;
            let last_chunk = rows.len() <= CHUNK as usize;
            rows.truncate(CHUNK as usize);
            let Some(&(_, last, ..)) = rows.last() else { return Ok(raised) };
            let mut found = Vec::new();
            let mut purposes_seen = HashSet::new();
            let watched = [self.outcome_tag(Outcome::Narrowed), self.outcome_tag(Outcome::Refused)];
            for &(first, run_last, at, brand, purpose, outcome) in &rows {
                let seq = first.max(cursor + 1);
                busiest.insert(brand, (run_last, at));
                if let Some(purpose) = purpose
                    && purposes_seen.insert((brand, purpose))
                    && Self::is_new_purpose(index, brand, purpose, seq)?
                {
                    let Some(entry) = self.entry_at(seq)? else { continue };
                    let named = entry.purpose.clone().unwrap_or_default();
                    // A purpose Butler does not know is one flag, whatever its text.
                    let known = named.parse::<crate::access::Purpose>().is_ok();
                    let named = if known { named } else { "an unknown purpose".to_owned() };
                    found.push(Alert {
                        id: 0,
                        at: entry.at,
                        kind: AlertKind::NewPurpose,
                        client_id: Some(entry.client_id.clone()),
                        brand: Some(entry.brand.clone()),
                        message: format!("{} used a purpose it never used before: `{named}`.", entry.brand),
                        seq: Some(seq),
                        key: format!("purpose:{}:{named}", entry.client_id),
                    });
                }
                if watched.contains(&outcome) {
                    let Some(entry) = self.entry_at(seq)? else { continue };
                    let ungranted: Vec<&str> = entry
                        .withheld
                        .iter()
                        .filter(|w| w.reason == WithheldReason::NotGranted)
                        .map(|w| w.field.as_str())
                        .collect();
                    if !ungranted.is_empty() {
                        let day = at.div_euclid(DAY);
                        found.push(Alert {
                            id: 0,
                            at: entry.at,
                            kind: AlertKind::UngrantedFields,
                            client_id: Some(entry.client_id.clone()),
                            brand: Some(entry.brand.clone()),
                            message: format!(
                                "{} asked for {} without a grant for it.",
                                entry.brand,
                                ungranted.join(", ")
                            ),
                            seq: Some(seq),
                            key: format!("ungranted:{}:{}:{day}", entry.client_id, ungranted.join(",")),
                        });
                    }
                }
            }
            if last_chunk {
                found.extend(self.spikes(index, &busiest)?);
            }
            let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
            if self.scan_cursor()? != cursor {
                // Another scan (the server's, the owner's command) went over these meanwhile.
                continue;
            }
            let mut stored = Vec::new();
            for mut alert in found {
                if keys.insert(alert.key.clone()) {
                    alert.id = self.store_alert(&tx, &alert)?;
                    stored.push(alert);
                }
            }
            tx.execute(
                "INSERT INTO alert_scan (id, seq) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq",
                [last],
            )?;
            tx.commit()?;
            raised.extend(stored);
        }
    }

    /// Rate spikes of the brands seen in a scan, judged at each one's last entry.
    fn spikes(&self, index: &rusqlite::Connection, busiest: &HashMap<i64, (i64, i64)>) -> Result<Vec<Alert>> {
        let mut found = Vec::new();
        for (&brand, &(seq, at)) in busiest {
            if let Some((hour, usual)) = Self::spike(index, brand, at)? {
                let Some(entry) = self.entry_at(seq)? else { continue };
                found.push(Alert {
                    id: 0,
                    at: entry.at,
                    kind: AlertKind::RateSpike,
                    client_id: Some(entry.client_id.clone()),
                    brand: Some(entry.brand.clone()),
                    message: format!(
                        "{} made {hour} requests in an hour; it usually makes about {usual} an hour.",
                        entry.brand
                    ),
                    seq: Some(seq),
                    key: format!("spike:{}:{}", entry.client_id, at.div_euclid(HOUR)),
                });
            }
        }
        Ok(found)
    }

    fn scan_cursor(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq FROM alert_scan WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// The entry at `seq`; `None` if it is missing or does not open (the chain check reports
    /// that), so one bad entry does not stop the rules for the others.
    fn entry_at(&self, seq: i64) -> Result<Option<crate::log::AccessEntry>> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT record FROM access_log WHERE seq = ?1")?
            .query_row([seq], |r| r.get(0))
            .optional()?;
        Ok(sealed.and_then(|s| self.open_entry(seq, &s).ok()))
    }

    /// Whether a brand that had used Butler before `seq` names `purpose` for the first time.
    fn is_new_purpose(tx: &rusqlite::Connection, brand: i64, purpose: i64, seq: i64) -> Result<bool> {
        let earlier = |sql: &str, args: &[i64]| -> Result<bool> {
            Ok(tx
                .prepare_cached(sql)?
                .query_row(rusqlite::params_from_iter(args), |_| Ok(()))
                .optional()?
                .is_some())
        };
        let known_brand =
            earlier("SELECT 1 FROM access_run WHERE brand = ?1 AND first_seq < ?2 LIMIT 1", &[brand, seq])?;
        let used = earlier(
            "SELECT 1 FROM access_run WHERE brand = ?1 AND purpose = ?2 AND first_seq < ?3 LIMIT 1",
            &[brand, purpose, seq],
        )?;
        Ok(known_brand && !used)
    }

    /// The brand's requests in the hour up to `at`, and its usual hourly rate over the week
    /// before, if the hour is a spike. A brand without a day of history before has no usual rate.
    fn spike(tx: &rusqlite::Connection, brand: i64, at: i64) -> Result<Option<(i64, i64)>> {
        let hour: i64 = tx
            .prepare_cached(
                "SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM access_run WHERE at > ?1 AND at <= ?2 AND brand = ?3",
            )?
            .query_row(params![at - HOUR, at, brand], |r| r.get(0))?;
        if hour < SPIKE_MIN_PER_HOUR {
            return Ok(None);
        }
        let today = at.div_euclid(DAY);
        let (week, first_day): (i64, Option<i64>) = tx
            .prepare_cached(
                "SELECT coalesce(sum(n) FILTER (WHERE day >= ?2 AND day < ?3), 0), min(day)
                 FROM log_daily WHERE brand = ?1",
            )?
            .query_row(params![brand, today - 7, today], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let Some(first_day) = first_day.filter(|d| *d < today) else { return Ok(None) };
        let days = (today - first_day.max(today - 7)).max(1);
        let usual = week / (days * 24);
        Ok((hour > SPIKE_FACTOR * usual.max(1)).then_some((hour, usual)))
    }
}

/// How often the watcher prunes entries past the retention period.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_hours(1);

/// A thread that checks the log's chain once, then scans for unusual use every so often (and,
/// hourly, prunes entries past the owner's retention period and records the consent receipts
/// of grants that reached their end), on its own connection, and tells `on_alert` of each new
/// flag. It stops when dropped.
#[derive(Debug)]
pub struct Watcher {
    _stop: std::sync::mpsc::Sender<()>,
}

impl Watcher {
    pub fn start(
        vault: Vault,
        every: std::time::Duration,
        on_alert: impl Fn(&Alert) + Send + 'static,
    ) -> Result<Self> {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("butler-watcher".into())
            .spawn(move || {
                // Nothing is refused because of a broken chain; the owner is told.
                match vault.verify_log(|_| {}) {
                    Ok(Err(broken)) => {
                        if let Ok(Some(alert)) = vault.flag_chain_break(&broken, Timestamp::now()) {
                            on_alert(&alert);
                        }
                    }
                    // An index missing rows (deleted behind Butler's back) is rebuilt from the log.
                    Ok(Ok(_)) => {
                        let _ = vault.check_log_index();
                    }
                    Err(e) => on_alert(&Alert {
                        id: 0,
                        at: Timestamp::now(),
                        kind: AlertKind::ChainBroken,
                        client_id: None,
                        brand: None,
                        message: format!("The access log could not be checked: {e}"),
                        seq: None,
                        key: String::new(),
                    }),
                }
                let mut pruned_at: Option<std::time::Instant> = None;
                loop {
                    if let Ok(raised) = vault.scan_for_alerts() {
                        raised.iter().for_each(&on_alert);
                    }
                    // Entries past the owner's retention period go once an hour. A chain that
                    // does not verify is never pruned; it was flagged above.
                    if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                        pruned_at = Some(std::time::Instant::now());
                        let _ = vault.prune_log(Timestamp::now());
                        let _ = vault.record_expiries(Timestamp::now());
                        // A backup a day while Butler runs; the owner is told if it fails.
                        if let Err(e) = vault.backup_if_due(Timestamp::now()) {
                            on_alert(&Alert {
                                id: 0,
                                at: Timestamp::now(),
                                kind: AlertKind::BackupFailed,
                                client_id: None,
                                brand: None,
                                message: format!("Today's backup of the vault could not be taken: {e}"),
                                seq: None,
                                key: String::new(),
                            });
                        }
                    }
                    if !matches!(stopped.recv_timeout(every), Err(std::sync::mpsc::RecvTimeoutError::Timeout))
                    {
                        return;
                    }
                }
            })
            .map_err(|e| crate::Error::Damaged(format!("the watcher thread cannot start: {e}")))?;
        Ok(Self { _stop: stop })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Mode;
    use crate::log::{AccessEntry, DisclosedField, WithheldField};
    use crate::testing::{onboard, vault};
    use jiff::SignedDuration;

    fn entry(client_id: &str, at: Timestamp, purpose: &str, withheld: Vec<WithheldField>) -> AccessEntry {
        AccessEntry {
            seq: 0,
            at,
            client_id: client_id.into(),
            brand: "Corner Shop".into(),
            grant_id: None,
            token_id: None,
            endpoint: "/v1/profile".into(),
            purpose: Some(purpose.into()),
            asked: vec!["home.country".into()],
            disclosed: vec![DisclosedField { field: "home.country".into(), mode: Mode::Exact }],
            outcome: if withheld.is_empty() { Outcome::Disclosed } else { Outcome::Narrowed },
            withheld,
            note: None,
            origin: None,
            measure: None,
            agreement: None,
        }
    }

    #[test]
    fn each_rule_flags_once_and_ordinary_use_flags_nothing() {
        let (_dir, vault) = vault();
        let shop = onboard(&vault, "Corner Shop", "field:home.country purpose:recommend-products");
        let start = Timestamp::from_second(1_790_000_000).unwrap();
        // A week of ordinary use: five requests an hour.
        let ordinary: Vec<AccessEntry> = (0..7 * 24 * 5)
            .map(|n| {
                entry(
                    &shop.client_id,
                    start + SignedDuration::from_mins(12 * n),
                    "recommend-products",
                    vec![],
                )
            })
            .collect();
        vault.append_batch(ordinary).unwrap();
        assert_eq!(vault.scan_for_alerts().unwrap(), vec![], "ordinary use raises nothing");

        let later = start + SignedDuration::from_hours(7 * 24 + 1);
        let ungranted =
            || vec![WithheldField { field: "contact.email".into(), reason: WithheldReason::NotGranted }];
        vault
            .append_batch(vec![
                entry(&shop.client_id, later, "recommend-products", ungranted()),
                entry(&shop.client_id, later, "recommend-products", ungranted()),
                entry(&shop.client_id, later, "contact", vec![]),
            ])
            .unwrap();
        let raised = vault.scan_for_alerts().unwrap();
        let kinds: Vec<AlertKind> = raised.iter().map(|a| a.kind).collect();
        assert_eq!(kinds, [AlertKind::UngrantedFields, AlertKind::NewPurpose], "{raised:#?}");
        assert!(raised[0].message.contains("contact.email"));
        assert!(raised[1].message.contains("`contact`"));

        // Then three hundred requests in one hour.
        let burst: Vec<AccessEntry> = (0..300)
            .map(|n| {
                entry(
                    &shop.client_id,
                    later + SignedDuration::from_secs(10 * n),
                    "recommend-products",
                    vec![],
                )
            })
            .collect();
        vault.append_batch(burst).unwrap();
        let raised = vault.scan_for_alerts().unwrap();
        assert_eq!(raised.len(), 1, "{raised:#?}");
        assert_eq!(raised[0].kind, AlertKind::RateSpike);
        assert!(raised[0].message.contains("made 303 requests in an hour"), "{}", raised[0].message);

        assert_eq!(vault.scan_for_alerts().unwrap(), vec![], "nothing new, nothing raised");
        let listed = vault.alerts(10).unwrap();
        assert_eq!(listed.len(), 3);
        assert_eq!(listed[0].kind, AlertKind::RateSpike, "newest first");
    }

    #[test]
    fn a_chain_break_is_flagged_once() {
        let (_dir, vault) = vault();
        let broken = ChainBreak { seq: 4, reason: "the entry was altered, moved or inserted" };
        assert!(vault.flag_chain_break(&broken, Timestamp::now()).unwrap().is_some());
        assert!(vault.flag_chain_break(&broken, Timestamp::now()).unwrap().is_none());
        assert_eq!(vault.alerts(10).unwrap()[0].kind, AlertKind::ChainBroken);
    }
}
