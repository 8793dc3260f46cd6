//! `butler log`: reading the access log (filtered, a page at a time), per-day counts, what a
//! brand knows, and checking the chain.

use anyhow::{Result, bail};
use butler_core::Vault;
use butler_core::access::mode_name;
use butler_core::alerts::AlertKind;
use butler_core::log::{AccessEntry, Outcome, receipt};
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

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Disclosed => "disclosed",
        Outcome::Narrowed => "narrowed",
        Outcome::Refused => "refused",
        Outcome::Received => "received",
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
                println!("{}  {}  {}  {}", c.day, c.brand, outcome_word(c.outcome), c.requests);
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
    vault.scan_for_alerts()?;
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

fn verify(vault: &Vault) -> Result<()> {
    let verified = vault.verify_log(|n| eprintln!("… {n} entries checked"))?;
    match verified {
        Ok(n) => {
            println!("The access log verifies: {n} entries, chained from the first to the checkpoint.");
            Ok(())
        }
        Err(b) => bail!("the access log breaks at {}: {}", receipt(b.seq), b.reason),
    }
}

fn print_entry(e: &AccessEntry) {
    let disclosed: Vec<String> =
        e.disclosed.iter().map(|d| format!("{} ({})", d.field, mode_name(d.mode))).collect();
    let withheld: Vec<String> = e
        .withheld
        .iter()
        .map(|w| {
            format!(
                "{} ({})",
                w.field,
                serde_json::to_value(w.reason).unwrap_or_default().as_str().unwrap_or("?")
            )
        })
        .collect();
    println!(
        "{}  {}  {}  {}  purpose {}  {}",
        receipt(e.seq),
        e.at.strftime("%Y-%m-%d %H:%M:%S"),
        e.brand,
        e.endpoint,
        e.purpose.as_deref().unwrap_or("-"),
        outcome_word(e.outcome)
    );
    if !disclosed.is_empty() {
        println!("    disclosed: {}", disclosed.join(", "));
    }
    if !withheld.is_empty() {
        println!("    withheld: {}", withheld.join(", "));
    }
    if let Some(note) = &e.note {
        println!("    {note}");
    }
}
