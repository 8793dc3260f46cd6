//! The access log as a file the owner can keep, read in any tool, and have checked without the
//! vault: JSON Lines or CSV, every entry chained by SHA-256, ending with a checkpoint signed by
//! the vault's Ed25519 key, whose public key the file carries.
//!
//! The chain starts from the hash of the file's header (format, time, key, where the log starts
//! after pruning); each entry's hash covers the previous hash and the entry exactly as written
//! (the JSON text of the entry on its line, or the CSV cells of its row). So editing, removing,
//! reordering or inserting a line, or cutting the file short, is caught by [`verify_export`],
//! which needs nothing but the file (and, to be sure the key is the vault's, its JWKS).

use std::io::{BufRead, Write};

use jiff::Timestamp;
use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::access::mode_name;
use crate::error::{Error, Result};
use crate::log::AccessEntry;
use crate::signing::{PublicJwk, verify_jws};
use crate::vault::Vault;

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

/// The JWS type of an export's checkpoint.
const CHECKPOINT_TYPE: &str = "butler-log-export+jws";

/// The first record of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    exported_at: Timestamp,
    /// The key the checkpoint is signed with.
    key: PublicJwk,
    /// The log starts after this entry (entries up to it were pruned); 0 if nothing was.
    starts_after: i64,
    /// The signed pruning record, if entries were pruned.
    pruning: Option<String>,
}

/// What the signed checkpoint says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportCheckpoint {
    pub format: ExportFormat,
    pub exported_at: Timestamp,
    pub count: u64,
    pub first_seq: Option<i64>,
    pub head_seq: Option<i64>,
    /// The last entry's hash, hex (or the header's, for an empty log).
    pub head_hash: String,
    /// The vault's own checkpoint at export time: how many entries, the last one's position.
    pub vault_count: u64,
    pub vault_head_seq: i64,
    /// The vault's keyed chain, checked before exporting: `verified`, or where it breaks.
    pub vault_chain: String,
    /// Entries that did not open (altered in the vault), exported as markers at their place.
    #[serde(default)]
    pub unreadable: u64,
}

/// A checked export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCheck {
    pub checkpoint: ExportCheckpoint,
    /// The key that signed it, so it can be compared with the vault's published one.
    pub key: PublicJwk,
}

fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// A CSV row's hash: the previous hash, then each cell with its length.
fn row_hash(previous: &[u8; 32], cells: &[&str]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(previous);
    for c in cells {
        ctx.update(&(c.len() as u64).to_be_bytes());
        ctx.update(c.as_bytes());
    }
    ctx.finish().as_ref().try_into().expect("SHA-256 is 32 bytes")
}

const CSV_COLUMNS: [&str; 16] = [
    "record",
    "seq",
    "at",
    "client_id",
    "brand",
    "grant_id",
    "token_id",
    "endpoint",
    "purpose",
    "outcome",
    "asked",
    "disclosed",
    "withheld",
    "note",
    "origin",
    "hash",
];

fn csv_cells(e: &AccessEntry) -> Vec<String> {
    let withheld =
        e.withheld.iter().map(|w| format!("{} ({})", w.field, w.reason.as_str())).collect::<Vec<_>>();
    vec![
        "entry".into(),
        e.seq.to_string(),
        e.at.to_string(),
        e.client_id.clone(),
        e.brand.clone(),
        e.grant_id.clone().unwrap_or_default(),
        e.token_id.clone().unwrap_or_default(),
        e.endpoint.clone(),
        e.purpose.clone().unwrap_or_default(),
        e.outcome.name().into(),
        e.asked.join("; "),
        e.disclosed
            .iter()
            .map(|d| format!("{} ({})", d.field, mode_name(d.mode)))
            .collect::<Vec<_>>()
            .join("; "),
        withheld.join("; "),
        e.note.clone().unwrap_or_default(),
        e.origin.clone().unwrap_or_default(),
    ]
}

/// The note of an unreadable entry's row, and the text its hash covers in JSON Lines.
const UNREADABLE_NOTE: &str = "this entry does not open: it was altered in the vault";

fn unreadable_marker(seq: i64) -> String {
    format!("unreadable {seq}")
}

/// Where an export is written: CSV rows, or JSON lines.
enum Sink<'a> {
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Lines(&'a mut dyn Write),
}

impl Sink<'_> {
    /// Writes one entry (or the marker of one that does not open) after `previous`; returns its
    /// hash.
    fn entry(&mut self, previous: &[u8; 32], seq: i64, entry: Option<AccessEntry>) -> Result<[u8; 32]> {
        Ok(match (self, entry) {
            (Sink::Csv(w), None) => {
                let mut cells = vec![String::new(); CSV_COLUMNS.len() - 1];
                cells[0] = "unreadable".into();
                cells[1] = seq.to_string();
                cells[13] = UNREADABLE_NOTE.into();
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                let hash = row_hash(previous, &cells);
                w.write_record(cells.iter().copied().chain([hex::encode(hash).as_str()])).map_err(io)?;
                hash
            }
            (Sink::Lines(out), None) => {
                let hash = sha(&[previous, unreadable_marker(seq).as_bytes()]);
                writeln!(out, r#"{{"type":"unreadable","seq":{seq},"hash":"{}"}}"#, hex::encode(hash))
                    .map_err(io)?;
                hash
            }
            (Sink::Csv(w), Some(entry)) => {
                let cells = csv_cells(&entry);
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                let hash = row_hash(previous, &cells);
                w.write_record(cells.iter().copied().chain([hex::encode(hash).as_str()])).map_err(io)?;
                hash
            }
            (Sink::Lines(out), Some(entry)) => {
                let json = serde_json::to_string(&entry).expect("entries serialize");
                let hash = sha(&[previous, json.as_bytes()]);
                writeln!(out, r#"{{"type":"entry","entry":{json},"hash":"{}"}}"#, hex::encode(hash))
                    .map_err(io)?;
                hash
            }
        })
    }
}

fn io(e: impl std::fmt::Display) -> Error {
    Error::Damaged(format!("the export cannot be written: {e}"))
}

impl Vault {
    /// Writes the whole access log to `out` in `format`, then its signed checkpoint. All of it
    /// is read on one snapshot. `progress` is called with the entries written, every 10,000.
    pub fn export_log(
        &self,
        out: &mut dyn Write,
        format: ExportFormat,
        now: Timestamp,
        mut progress: impl FnMut(u64),
    ) -> Result<ExportCheckpoint> {
        // The key is made (if it is the first use) before the read snapshot, which is never
        // committed: a key made inside it would be lost with it.
        let key = self.public_jwk()?;
        let vault_chain = match self.verify_log(|_| {})? {
            Ok(_) => "verified".to_owned(),
            Err(b) => format!("breaks at log-{}: {}", b.seq, b.reason),
        };
        let _snapshot =
            rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Deferred)?;
        let checkpoint = self.checkpoint()?;
        let start = self.log_start()?;
        let header = Header {
            format: "butler-access-log".into(),
            version: 1,
            exported_at: now,
            key,
            starts_after: start.as_ref().map_or(0, |s| s.0),
            pruning: start.map(|s| s.1),
        };
        let header_json = serde_json::to_string(&header).expect("headers serialize");
        let mut sink = match format {
            ExportFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(out))),
            ExportFormat::Jsonl => Sink::Lines(out),
        };
        let mut previous = match &mut sink {
            Sink::Csv(w) => {
                w.write_record(CSV_COLUMNS).map_err(io)?;
                let mut cells = vec![String::new(); CSV_COLUMNS.len() - 1];
                cells[0] = "header".into();
                cells[13].clone_from(&header_json);
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                let hash = row_hash(&[0; 32], &cells);
                w.write_record(cells.iter().copied().chain([hex::encode(hash).as_str()])).map_err(io)?;
                hash
            }
            Sink::Lines(out) => {
                let line = format!(r#"{{"type":"header","header":{header_json}}}"#);
                writeln!(out, "{line}").map_err(io)?;
                sha(&[line.as_bytes()])
            }
        };
        let (mut count, mut first_seq, mut head_seq, mut unreadable) = (0u64, None, None, 0u64);
        let mut stmt = self.conn.prepare("SELECT seq, record FROM access_log ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (seq, sealed): (i64, Vec<u8>) = (row.get(0)?, row.get(1)?);
            // An entry that does not open (altered in the file) is exported as a marker at its
            // place, so the rest of the log still leaves, and the checkpoint counts it.
            let entry = self.open_entry(seq, &sealed).ok();
            if entry.is_none() {
                unreadable += 1;
            }
            previous = sink.entry(&previous, seq, entry)?;
            first_seq.get_or_insert(seq);
            head_seq = Some(seq);
            count += 1;
            if count.is_multiple_of(10_000) {
                progress(count);
            }
        }
        let signed = ExportCheckpoint {
            format,
            exported_at: now,
            count,
            first_seq,
            head_seq,
            head_hash: hex::encode(previous),
            vault_count: checkpoint.count,
            vault_head_seq: checkpoint.head_seq,
            vault_chain,
            unreadable,
        };
        let jws =
            self.sign_jws(CHECKPOINT_TYPE, &serde_json::to_vec(&signed).expect("checkpoints serialize"))?;
        match &mut sink {
            Sink::Csv(w) => {
                let mut cells = vec![String::new(); CSV_COLUMNS.len()];
                cells[0] = "checkpoint".into();
                cells[13] = jws;
                w.write_record(&cells).map_err(io)?;
                w.flush().map_err(io)?;
            }
            Sink::Lines(out) => {
                writeln!(out, r#"{{"type":"checkpoint","signature":"{jws}"}}"#).map_err(io)?;
                out.flush().map_err(io)?;
            }
        }
        Ok(signed)
    }
}

/// Why an export does not check out, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExportError(pub String);

fn bad(what: impl Into<String>) -> ExportError {
    ExportError(what.into())
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    entry: Option<&'a RawValue>,
    seq: Option<i64>,
    header: Option<Header>,
    hash: Option<String>,
    signature: Option<String>,
}

/// Checks an export on its own: the header, every entry's hash in order, and the checkpoint's
/// signature and counts. With `key`, the signing key must also be that one (the vault's
/// published key); without, the key the file carries is used and returned for comparison.
pub fn verify_export(input: &mut dyn BufRead, key: Option<&PublicJwk>) -> Result<ExportCheck, ExportError> {
    let mut first = Vec::new();
    input.read_until(b'\n', &mut first).map_err(|e| bad(format!("the file cannot be read: {e}")))?;
    if first.starts_with(b"record,") {
        let mut all = first;
        input.read_to_end(&mut all).map_err(|e| bad(format!("the file cannot be read: {e}")))?;
        verify_csv(&all, key)
    } else {
        verify_jsonl(&first, input, key)
    }
}

/// What the walk over the entries found, before the checkpoint is checked.
struct Walked {
    header: Header,
    previous: [u8; 32],
    count: u64,
    first_seq: Option<i64>,
    head_seq: Option<i64>,
}

impl Walked {
    fn new(header: Header, previous: [u8; 32]) -> Self {
        Self { header, previous, count: 0, first_seq: None, head_seq: None }
    }

    fn step(&mut self, where_: &str, seq: i64, hash: [u8; 32], written: &str) -> Result<(), ExportError> {
        if hex::encode(hash) != written {
            return Err(bad(format!(
                "{where_} (log-{seq}): its hash does not match: it, or a line before it, was changed, removed or moved"
            )));
        }
        if self.head_seq.is_some_and(|h| seq <= h) || seq <= self.header.starts_after {
            return Err(bad(format!("{where_} (log-{seq}): out of order")));
        }
        self.previous = hash;
        self.first_seq.get_or_insert(seq);
        self.head_seq = Some(seq);
        self.count += 1;
        Ok(())
    }

    fn finish(
        self,
        jws: Option<&str>,
        format: ExportFormat,
        key: Option<&PublicJwk>,
    ) -> Result<ExportCheck, ExportError> {
        let jws = jws.ok_or_else(|| bad("the file ends before its checkpoint: it was cut short"))?;
        // The key id is recomputed from the key: a file cannot borrow another key's id.
        let carried = crate::signing::jwk_of(
            &crate::signing::public_key_of(&self.header.key)
                .map_err(|e| bad(format!("the file's key: {e}")))?,
        );
        if carried.kid != self.header.key.kid {
            return Err(bad("the file's key does not have the id it claims"));
        }
        let signer = key.unwrap_or(&carried);
        if key.is_some_and(|k| k.x != self.header.key.x) {
            return Err(bad("the file names a signing key other than the one given"));
        }
        let payload = verify_jws(jws, signer).map_err(|e| bad(format!("the checkpoint's signature: {e}")))?;
        let checkpoint: ExportCheckpoint =
            serde_json::from_slice(&payload).map_err(|_| bad("the checkpoint does not decode"))?;
        let computed = (format, self.count, self.first_seq, self.head_seq, hex::encode(self.previous));
        let claimed = (
            checkpoint.format,
            checkpoint.count,
            checkpoint.first_seq,
            checkpoint.head_seq,
            checkpoint.head_hash.clone(),
        );
        if computed != claimed {
            return Err(bad(format!(
                "the entries do not add up to the signed checkpoint ({} entries up to log-{} signed, {} found)",
                checkpoint.count,
                checkpoint.head_seq.unwrap_or(0),
                self.count
            )));
        }
        if checkpoint.exported_at != self.header.exported_at {
            return Err(bad("the header's time differs from the checkpoint's"));
        }
        Ok(ExportCheck { checkpoint, key: carried })
    }
}

fn verify_jsonl(
    first: &[u8],
    rest: &mut dyn BufRead,
    key: Option<&PublicJwk>,
) -> Result<ExportCheck, ExportError> {
    let first = std::str::from_utf8(first).map_err(|_| bad("line 1: not UTF-8"))?.trim_end_matches('\n');
    let line: Line = serde_json::from_str(first).map_err(|_| bad("line 1: not an export's header"))?;
    let header = line
        .header
        .filter(|h| line.kind == "header" && h.format == "butler-access-log")
        .ok_or_else(|| bad("line 1: not an export's header"))?;
    let mut walked = Walked::new(header, sha(&[first.as_bytes()]));
    let mut checkpoint = None;
    for (n, text) in rest.lines().enumerate() {
        let at = format!("line {}", n + 2);
        let text = text.map_err(|e| bad(format!("{at}: {e}")))?;
        if checkpoint.is_some() {
            return Err(bad(format!("{at}: a line after the checkpoint")));
        }
        let line: Line = serde_json::from_str(&text).map_err(|_| bad(format!("{at}: not JSON")))?;
        match (line.kind.as_str(), line.entry, line.hash, line.signature) {
            ("unreadable", None, Some(hash), None) => {
                let seq = line.seq.ok_or_else(|| bad(format!("{at}: no entry number")))?;
                walked.step(&at, seq, sha(&[&walked.previous, unreadable_marker(seq).as_bytes()]), &hash)?;
            }
            ("entry", Some(entry), Some(hash), None) => {
                let seq = serde_json::from_str::<AccessEntry>(entry.get())
                    .map_err(|_| bad(format!("{at}: not a log entry")))?
                    .seq;
                walked.step(&at, seq, sha(&[&walked.previous, entry.get().as_bytes()]), &hash)?;
            }
            ("checkpoint", None, None, Some(signature)) => checkpoint = Some(signature),
            _ => return Err(bad(format!("{at}: neither an entry nor the checkpoint"))),
        }
    }
    walked.finish(checkpoint.as_deref(), ExportFormat::Jsonl, key)
}

fn verify_csv(all: &[u8], key: Option<&PublicJwk>) -> Result<ExportCheck, ExportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(all);
    let columns = reader.headers().map_err(|_| bad("row 1: not an export's columns"))?.clone();
    // Exports made before entries carried their web origin have every column but that one.
    let without_origin = CSV_COLUMNS.iter().copied().filter(|c| *c != "origin");
    if columns.iter().ne(CSV_COLUMNS) && columns.iter().ne(without_origin) {
        return Err(bad("row 1: not an export's columns"));
    }
    let mut walked: Option<Walked> = None;
    let mut checkpoint = None;
    for (n, record) in reader.records().enumerate() {
        let at = format!("row {}", n + 2);
        let record = record.map_err(|e| bad(format!("{at}: {e}")))?;
        if checkpoint.is_some() {
            return Err(bad(format!("{at}: a row after the checkpoint")));
        }
        let cells: Vec<&str> = record.iter().collect();
        let Some((hash, cells)) = cells.split_last() else { return Err(bad(format!("{at}: empty"))) };
        match (cells[0], &mut walked) {
            ("header", None) => {
                let header: Header = serde_json::from_str(cells[13])
                    .map_err(|_| bad(format!("{at}: not an export's header")))?;
                let first = row_hash(&[0; 32], cells);
                if hex::encode(first) != *hash {
                    return Err(bad(format!("{at}: the header's hash does not match: it was changed")));
                }
                walked = Some(Walked::new(header, first));
            }
            ("entry" | "unreadable", Some(w)) => {
                let seq: i64 = cells[1].parse().map_err(|_| bad(format!("{at}: no entry number")))?;
                w.step(&at, seq, row_hash(&w.previous, cells), hash)?;
            }
            ("checkpoint", Some(_)) => checkpoint = Some(cells[13].to_owned()),
            _ => return Err(bad(format!("{at}: not where a header, entry or checkpoint can be"))),
        }
    }
    walked.ok_or_else(|| bad("the file has no header"))?.finish(checkpoint.as_deref(), ExportFormat::Csv, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{DisclosedField, Outcome, WithheldField, WithheldReason};
    use crate::testing::vault;

    fn filled() -> (tempfile::TempDir, Vault) {
        let (dir, vault) = vault();
        let entries = (0..5)
            .map(|n| AccessEntry {
                seq: 0,
                at: Timestamp::from_second(1_790_000_000 + n).unwrap(),
                client_id: "bcl_x".into(),
                brand: "Shop, \"the\" best".into(),
                grant_id: Some("grt_1".into()),
                token_id: None,
                endpoint: "/v1/profile".into(),
                purpose: Some("contact".into()),
                asked: vec!["home.country".into(), "odd;name".into()],
                disclosed: vec![DisclosedField { field: "home.country".into(), mode: crate::Mode::Exact }],
                withheld: vec![WithheldField {
                    field: "odd;name".into(),
                    reason: WithheldReason::UnknownField,
                }],
                outcome: Outcome::Narrowed,
                note: Some("a note\nover two lines".into()),
                origin: Some("https://shop.example".into()),
                measure: None,
                agreement: None,
            })
            .collect();
        vault.append_batch(entries).unwrap();
        (dir, vault)
    }

    fn export(vault: &Vault, format: ExportFormat) -> Vec<u8> {
        let mut out = Vec::new();
        vault.export_log(&mut out, format, Timestamp::now(), |_| {}).unwrap();
        out
    }

    fn check(bytes: &[u8], key: Option<&PublicJwk>) -> Result<ExportCheck, ExportError> {
        verify_export(&mut std::io::Cursor::new(bytes), key)
    }

    #[test]
    fn both_formats_verify_alone_and_with_the_vault_key() {
        let (_dir, vault) = filled();
        for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
            let bytes = export(&vault, format);
            let checked = check(&bytes, None).unwrap();
            assert_eq!(checked.checkpoint.count, 5);
            assert_eq!(checked.checkpoint.vault_chain, "verified");
            assert_eq!(checked.key, vault.public_jwk().unwrap());
            check(&bytes, Some(&vault.public_jwk().unwrap())).unwrap();
            let (_d, other) = crate::testing::vault();
            assert!(check(&bytes, Some(&other.public_jwk().unwrap())).is_err(), "another vault's key");
        }
    }

    #[test]
    fn an_entry_that_does_not_open_is_exported_as_a_marker_and_the_rest_still_leaves() {
        let (_dir, vault) = filled();
        vault.conn.execute("UPDATE access_log SET record = x'00' WHERE seq = 3", []).unwrap();
        for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
            let bytes = export(&vault, format);
            let checked = check(&bytes, None).unwrap();
            assert_eq!((checked.checkpoint.count, checked.checkpoint.unreadable), (5, 1));
            assert!(
                checked.checkpoint.vault_chain.starts_with("breaks at log-3"),
                "{}",
                checked.checkpoint.vault_chain
            );
            let text = String::from_utf8(bytes).unwrap();
            let forged = text.replacen("unreadable", "entry", 1);
            assert!(check(forged.as_bytes(), None).is_err(), "the marker is part of the chain");
        }
    }

    #[test]
    fn a_file_cannot_borrow_the_vaults_key_id() {
        let (_dir, vault) = crate::testing::vault();
        let (_d, impostor) = crate::testing::vault();
        let text = String::from_utf8(export(&impostor, ExportFormat::Jsonl)).unwrap();
        let text = text.replace(&impostor.public_jwk().unwrap().kid, &vault.public_jwk().unwrap().kid);
        let err = check(text.as_bytes(), None).unwrap_err();
        assert!(err.0.contains("does not have the id it claims"), "{err}");
    }

    /// Every line but the first and last, as (start, end) byte ranges.
    fn lines(bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                out.push((start, i + 1));
                start = i + 1;
            }
        }
        out
    }

    #[test]
    fn any_change_to_a_jsonl_export_is_caught() {
        let (_dir, vault) = filled();
        let bytes = export(&vault, ExportFormat::Jsonl);
        let l = lines(&bytes);
        assert_eq!(l.len(), 7, "header, five entries, checkpoint");
        // A changed byte anywhere.
        for i in (0..bytes.len()).step_by(7) {
            let mut changed = bytes.clone();
            changed[i] = if changed[i] == b'1' { b'2' } else { b'1' };
            if changed != bytes {
                assert!(check(&changed, None).is_err(), "byte {i} changed");
            }
        }
        let splice = |parts: &[(usize, usize)]| {
            parts.iter().flat_map(|(a, b)| bytes[*a..*b].to_vec()).collect::<Vec<u8>>()
        };
        let removed = splice(&[l[0], l[1], l[3], l[4], l[5], l[6]]);
        assert!(check(&removed, None).unwrap_err().0.contains("line 3"), "a removed entry");
        let swapped = splice(&[l[0], l[1], l[3], l[2], l[4], l[5], l[6]]);
        assert!(check(&swapped, None).unwrap_err().0.contains("line 3"));
        let doubled = splice(&[l[0], l[1], l[2], l[2], l[3], l[4], l[5], l[6]]);
        assert!(check(&doubled, None).is_err(), "an inserted copy");
        let cut = splice(&[l[0], l[1], l[2], l[3]]);
        assert!(check(&cut, None).unwrap_err().0.contains("cut short"));
        let tail_cut = splice(&[l[0], l[1], l[2], l[3], l[6]]);
        assert!(
            check(&tail_cut, None).unwrap_err().0.contains("do not add up"),
            "entries cut before the checkpoint"
        );
    }

    #[test]
    fn any_change_to_a_csv_export_is_caught() {
        let (_dir, vault) = filled();
        let bytes = export(&vault, ExportFormat::Csv);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("record,seq,at,"));
        assert!(text.contains("\"Shop, \"\"the\"\" best\""), "quoted as CSV: {text}");
        let edited = text.replacen("home.country (exact)", "home.country (coarse)", 1);
        assert!(check(edited.as_bytes(), None).unwrap_err().0.contains("row 3"), "the first entry's row");
        let mut rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice())
            .records()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 8, "columns, header, five entries, checkpoint");
        rows.remove(3);
        let mut removed = csv::Writer::from_writer(Vec::new());
        for r in &rows {
            removed.write_record(r).unwrap();
        }
        let removed = removed.into_inner().unwrap();
        assert!(check(&removed, None).unwrap_err().0.contains("row 4"), "a removed row");
        for i in (0..bytes.len()).step_by(11) {
            let mut changed = bytes.clone();
            changed[i] = if changed[i] == b'1' { b'2' } else { b'1' };
            if changed != bytes {
                assert!(check(&changed, None).is_err(), "byte {i} changed");
            }
        }
    }
}
