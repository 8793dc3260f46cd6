//! The access log: one sealed entry per data request (disclosed, narrowed or refused), appended
//! and committed durably *before* the response leaves. If the entry cannot be written, nothing is
//! disclosed: the caller answers 503 instead.

use jiff::Timestamp;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::catalog::Mode;
use crate::crypto::Place;
use crate::error::{Error, Result};
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
}

fn place(seq: i64) -> Place {
    Place::new("access_log", seq.to_string(), "record")
}

/// The name a data response gives its log entry (the `Butler-Receipt` header).
pub fn receipt(seq: i64) -> String {
    format!("log-{seq}")
}

impl Vault {
    /// Appends an entry and commits it durably; returns its sequence number. The entry's `seq`
    /// is assigned here.
    pub fn append_access(&self, mut entry: AccessEntry) -> Result<i64> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("INSERT INTO access_log (record) VALUES (x'')", [])?;
        let seq = tx.last_insert_rowid();
        entry.seq = seq;
        let json = serde_json::to_vec(&entry).expect("entries serialize");
        let sealed = self.seal(&place(seq), &json)?;
        tx.execute("UPDATE access_log SET record = ?2 WHERE seq = ?1", params![seq, sealed])?;
        tx.commit()?;
        Ok(seq)
    }

    /// The newest entries first, at most `limit`.
    pub fn access_log(&self, limit: usize) -> Result<Vec<AccessEntry>> {
        let mut stmt = self.conn.prepare("SELECT seq, record FROM access_log ORDER BY seq DESC LIMIT ?1")?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, sealed) = row?;
            let plain = self.open_sealed(&place(seq), &sealed)?;
            let entry: AccessEntry = serde_json::from_slice(&plain)
                .map_err(|e| Error::Damaged(format!("log entry {seq} does not decode: {e}")))?;
            if entry.seq != seq {
                return Err(crate::crypto::CryptoError::Tampered(place(seq)).into());
            }
            out.push(entry);
        }
        Ok(out)
    }
}
