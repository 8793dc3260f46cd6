//! `butler log`: reading the access log (filtered, a page at a time), per-day counts, what a
//! brand knows, and checking the chain.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use butler_core::Vault;
use butler_core::access::mode_name;
use butler_core::alerts::AlertKind;
use butler_core::log::{AccessEntry, Outcome, receipt};
use butler_core::log_export::ExportFormat;
use butler_core::review::LogFilter;
use clap::{Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;

#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Entries of the access log, newest first, filtered and a page at a time.
    List {
        /// Only this brand (its name or client id).
        #[arg(long)]
        brand: Option<String>,
        /// Only requests naming this field.
        #[arg(long)]
        field: Option<String>,
        /// Only this purpose, as the brand named it.
        #[arg(long)]
        purpose: Option<String>,
        /// Only requests that ended this way.
        #[arg(long, value_enum)]
        outcome: Option<OutcomeArg>,
        /// From this day on (UTC).
        #[arg(long)]
        since: Option<Date>,
        /// Up to and including this day (UTC).
        #[arg(long)]
        until: Option<Date>,
        /// Words in a brand's name or a field's name.
        #[arg(long)]
        search: Option<String>,
        /// The page after this entry number (given at the end of the previous page).
        #[arg(long, value_name = "SEQ")]
        before: Option<i64>,
        /// How many entries per page.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Requests per brand and per day (UTC), by outcome.
    Stats {
        /// From this day on.
        #[arg(long)]
        since: Option<Date>,
        /// Up to and including this day.
        #[arg(long)]
        until: Option<Date>,
        #[arg(long)]
        json: bool,
    },
    /// What a brand knows about you: every field it was ever given, how, when and why.
    Know {
        /// The brand's name or client id.
        brand: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the whole log's chain, from the first entry to the checkpoint.
    Verify,
    /// Write the whole log to a file (JSON Lines or CSV), hash-chained and ending with a
    /// checkpoint signed by the vault's key.
    Export {
        /// Where to write it (created, never overwritten).
        #[arg(long, short)]
        output: PathBuf,
        #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
        format: FormatArg,
    },
    /// Check an exported log on its own: no vault or passphrase needed.
    VerifyExport {
        file: PathBuf,
        /// The vault's published key (a JWKS or JWK file, from `butler receipts key`); without
        /// it, the key the file carries is used and its id printed to compare.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// How long entries are kept: show it, set a number of days, or `forever`.
    Retention {
        /// Days, or `forever`.
        keep: Option<String>,
    },
    /// Remove the entries past the retention period now (`butler serve` does it hourly).
    Prune,
    /// Unusual use: brands asking far more than usual, for fields they were not granted, or for a
    /// new purpose; and a chain that does not verify. Newest first.
    Alerts {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Jsonl,
    Csv,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OutcomeArg {
    Disclosed,
    Narrowed,
    Refused,
    Received,
}

impl From<OutcomeArg> for Outcome {
    fn from(o: OutcomeArg) -> Self {
        match o {
            OutcomeArg::Disclosed => Outcome::Disclosed,
            OutcomeArg::Narrowed => Outcome::Narrowed,
            OutcomeArg::Refused => Outcome::Refused,
            OutcomeArg::Received => Outcome::Received,
        }
    }
}

/// The client id of a brand named by client id or by name (case-insensitive).
fn brand_id(vault: &Vault, named: &str) -> Result<String> {
    let brands = vault.brands()?;
    if let Some(b) = brands.iter().find(|b| b.client_id == named) {
        return Ok(b.client_id.clone());
    }
    let found: Vec<_> = brands.iter().filter(|b| b.name.eq_ignore_ascii_case(named.trim())).collect();
    match found.as_slice() {
        [one] => Ok(one.client_id.clone()),
        [] => bail!("no brand is called `{named}`; `butler grants list` shows the brands"),
        many => bail!(
            "several brands are called `{named}`; name one by client id: {}",
            many.iter().map(|b| b.client_id.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn start_of(day: Date) -> Result<Timestamp> {
    Ok(day.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp())
}

pub fn log(vault: &Vault, cmd: LogCommand) -> Result<()> {
    match cmd {
        LogCommand::Verify => verify(vault),
        LogCommand::Export { output, format } => export(vault, &output, format),
        LogCommand::VerifyExport { file, key } => verify_export(&file, key.as_deref()),
        LogCommand::Retention { keep } => retention(vault, keep.as_deref()),
        LogCommand::Prune => prune(vault),
        LogCommand::Alerts { limit, json } => alerts(vault, limit, json),
        LogCommand::List { brand, field, purpose, outcome, since, until, search, before, limit, json } => {
            let filter = LogFilter {
                brand: brand.map(|b| brand_id(vault, &b)).transpose()?,
                field,
                purpose,
                outcome: outcome.map(Outcome::from),
                since: since.map(start_of).transpose()?,
                until: until.map(|d| start_of(d.tomorrow()?)).transpose()?,
                text: search,
            };
            let page = vault.query_log(&filter, before, limit)?;
            let broken = vault.alerts(1000)?.into_iter().find(|a| a.kind == AlertKind::ChainBroken);
            if let Some(broken) = broken {
                eprintln!("butler: warning: {}", broken.message);
            }
            if !page.unreadable.is_empty() {
                let named: Vec<String> = page.unreadable.iter().map(|s| receipt(*s)).collect();
                eprintln!(
                    "butler: warning: {} could not be read (missing or altered); `butler log verify` says where the log breaks",
                    named.join(", ")
                );
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&page)?);
                return Ok(());
            }
            if page.entries.is_empty() {
                println!(
                    "{}",
                    if filter == LogFilter::default() && before.is_none() {
                        "No brand has used your data yet."
                    } else {
                        "No entries match."
                    }
                );
            }
            for e in &page.entries {
                print_entry(e);
            }
            if let Some(next) = page.next {
                println!("More: add --before {next}");
            }
            Ok(())
        }
        LogCommand::Stats { since, until, json } => {
            let counts = vault.log_counts(since, until)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&counts)?);
                return Ok(());
            }
            if counts.is_empty() {
                println!("No requests in that time.");
            }
            for c in counts {
                println!("{}  {}  {}  {}", c.day, c.brand, c.outcome.name(), c.requests);
            }
            Ok(())
        }
        LogCommand::Know { brand, json } => {
            let client_id = brand_id(vault, &brand)?;
            let known = vault.what_brand_knows(&client_id, Timestamp::now())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&known)?);
                return Ok(());
            }
            if known.is_empty() {
                println!("{brand} was never given any of your data.");
            }
            for k in known {
                println!(
                    "{} ({}) for {}: {} time(s), first {}, last {}; grant {} {}",
                    k.field,
                    mode_name(k.mode),
                    k.purpose,
                    k.times,
                    k.first.strftime("%Y-%m-%d %H:%M"),
                    k.last.strftime("%Y-%m-%d %H:%M"),
                    k.grant_id,
                    if k.grant_live { "(still live)" } else { "(no longer live)" }
                );
            }
            Ok(())
        }
    }
}

fn alerts(vault: &Vault, limit: usize, json: bool) -> Result<()> {
    // The flags already found are listed even if new ones cannot be looked for.
    if let Err(e) = vault.scan_for_alerts() {
        eprintln!("butler: warning: new entries could not be checked for unusual use: {e}");
    }
    let alerts = vault.alerts(limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&alerts)?);
        return Ok(());
    }
    if alerts.is_empty() {
        println!("Nothing unusual.");
    }
    for a in alerts {
        let entry = a.seq.map(|s| format!(" ({})", receipt(s))).unwrap_or_default();
        println!("{}  {}{entry}", a.at.strftime("%Y-%m-%d %H:%M"), a.message);
    }
    Ok(())
}

fn export(vault: &Vault, output: &Path, format: FormatArg) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(output)
        .with_context(|| format!("cannot create {} (it is never overwritten)", output.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let format = match format {
        FormatArg::Jsonl => ExportFormat::Jsonl,
        FormatArg::Csv => ExportFormat::Csv,
    };
    let done = vault.export_log(&mut out, format, Timestamp::now(), |n| eprintln!("… {n} entries written"));
    let checkpoint =
        match done.and_then(|c| out.into_inner().map_err(|e| e.into_error().into()).map(|f| (c, f))) {
            Ok((checkpoint, file)) => {
                file.sync_all()?;
                checkpoint
            }
            Err(e) => {
                let _ = std::fs::remove_file(output);
                return Err(e.into());
            }
        };
    println!(
        "Wrote {} entries to {}; the vault's chain {}. Check it with `butler log verify-export {}`.",
        checkpoint.count,
        output.display(),
        if checkpoint.vault_chain == "verified" { "verifies".to_owned() } else { checkpoint.vault_chain },
        output.display()
    );
    Ok(())
}

/// Checks an exported log without the vault.
pub fn verify_export(file: &Path, key: Option<&Path>) -> Result<()> {
    // A vault has one signing key: the file's first.
    let key = key.map(crate::receipts::read_keys).transpose()?.and_then(|keys| keys.into_iter().next());
    let reader = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let checked = butler_core::log_export::verify_export(&mut std::io::BufReader::new(reader), key.as_ref())
        .map_err(|e| anyhow::anyhow!("{} does not verify: {e}", file.display()))?;
    let c = &checked.checkpoint;
    println!(
        "{} verifies: {} entries{}, exported {}, signed by key {}{}.",
        file.display(),
        c.count,
        c.first_seq
            .zip(c.head_seq)
            .map(|(a, b)| format!(" ({} to {})", receipt(a), receipt(b)))
            .unwrap_or_default(),
        c.exported_at.strftime("%Y-%m-%d %H:%M"),
        checked.key.kid,
        if key.is_some() { " (the key given)" } else { " (compare it with `butler receipts key`)" }
    );
    if c.vault_chain != "verified" {
        println!("When exported, the vault's own chain {}.", c.vault_chain);
    }
    if c.unreadable > 0 {
        println!(
            "{} entries did not open in the vault (altered there); they are marked at their place.",
            c.unreadable
        );
    }
    Ok(())
}

fn prune(vault: &Vault) -> Result<()> {
    match vault.prune_log(Timestamp::now())? {
        Some(r) => println!(
            "Removed {} entries older than {} (up to {}); the log now starts after it, with a signed record.",
            r.pruned_entries,
            r.older_than.strftime("%Y-%m-%d %H:%M"),
            receipt(r.pruned_through_seq)
        ),
        None => println!("Nothing to remove."),
    }
    Ok(())
}

fn retention(vault: &Vault, keep: Option<&str>) -> Result<()> {
    if let Some(keep) = keep {
        let days = match keep {
            "forever" => None,
            n => Some(
                n.parse::<u32>()
                    .ok()
                    .filter(|d| *d > 0)
                    .with_context(|| format!("`{n}` is not a number of days (at least 1) or `forever`"))?,
            ),
        };
        vault.set_log_retention_days(days)?;
    }
    match vault.log_retention_days()? {
        Some(d) => println!(
            "Access-log entries are kept {d} days; older ones are removed hourly while Butler serves, or with `butler log prune`."
        ),
        None => println!("Access-log entries are kept forever."),
    }
    Ok(())
}

fn verify(vault: &Vault) -> Result<()> {
    let verified = vault.verify_log(|n| eprintln!("… {n} entries checked"))?;
    match verified {
        Ok(n) => {
            println!("The access log verifies: {n} entries, chained from the first to the checkpoint.");
            if !vault.check_log_index()? {
                println!(
                    "Its index was missing entries (changed outside Butler); it was rebuilt from the log."
                );
            }
            Ok(())
        }
        Err(b) => bail!("the access log breaks at {}: {}", receipt(b.seq), b.reason),
    }
}

fn print_entry(e: &AccessEntry) {
    let disclosed: Vec<String> =
        e.disclosed.iter().map(|d| format!("{} ({})", d.field, mode_name(d.mode))).collect();
    let withheld: Vec<String> =
        e.withheld.iter().map(|w| format!("{} ({})", w.field, w.reason.as_str())).collect();
    println!(
        "{}  {}  {}  {}  purpose {}  {}",
        receipt(e.seq),
        e.at.strftime("%Y-%m-%d %H:%M:%S"),
        e.brand,
        e.endpoint,
        e.purpose.as_deref().unwrap_or("-"),
        e.outcome.name()
    );
    if !disclosed.is_empty() {
        println!("    disclosed: {}", disclosed.join(", "));
    }
    if !withheld.is_empty() {
        println!("    withheld: {}", withheld.join(", "));
    }
    if let Some(origin) = &e.origin {
        println!("    from the web page of {origin}");
    }
    if let Some(agreement) = &e.agreement {
        println!("    on your terms {agreement}");
    }
    if let Some(note) = &e.note {
        println!("    {note}");
    }
}
