//! `butler`: the owner's command line. Each command unlocks the vault, calls the core, and prints
//! the result; errors are one line on stderr with a non-zero exit status.

mod access;
mod log;
mod receipts;
mod secret;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use butler_core::backup;
use butler_core::export::{self, ExportFile};
use butler_core::interests::{InterestId, NewInterest, Source, State, Subject, check_weight};
use butler_core::prefs::SETTINGS;
use butler_core::terms::Agreement;
use butler_core::{Error, Field, KdfParams, Vault, taxonomy, vault};
use clap::{Args, Parser, Subcommand};
use jiff::civil::Date;
use secrecy::SecretString;

#[derive(Parser, Debug)]
#[command(name = "butler", version, about = "Your personal data butler: an encrypted profile you control")]
#[command(after_help = "The passphrase is read from BUTLER_PASSPHRASE, or asked for on the terminal.")]
struct Cli {
    /// Folder holding the vault (default: the platform's data folder).
    #[arg(long, global = true, env = "BUTLER_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new vault.
    Init(KdfArgs),
    /// Show and edit the profile's fields.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Show and edit interests.
    #[command(subcommand)]
    Interests(InterestCommand),
    /// Search the Topics taxonomy that interests are chosen from.
    #[command(subcommand)]
    Topics(TopicCommand),
    /// Show and edit offer preferences.
    #[command(subcommand)]
    Prefs(PrefsCommand),
    /// Change the passphrase (the data is not re-encrypted; the data key is rewrapped).
    Passwd(KdfArgs),
    /// Export the profile, sealed with a passphrase unless --plaintext is given.
    Export {
        /// File to write (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Write readable JSON instead of a sealed file. Anyone with the file can read it.
        #[arg(long)]
        plaintext: bool,
    },
    /// Import a profile exported by `butler export`.
    Import {
        file: PathBuf,
        /// Overwrite a profile that is already in the vault.
        #[arg(long)]
        replace: bool,
    },
    /// Check the vault file and every sealed value in it.
    Check,
    /// Unlock the vault and serve the brand API on 127.0.0.1 (until Ctrl-C or SIGTERM).
    Serve {
        /// The port (0 picks a free one and prints it).
        #[arg(long, default_value_t = butler_api::DEFAULT_PORT)]
        port: u16,
    },
    /// Brands' access requests: list, approve (possibly narrowed) or deny.
    #[command(subcommand)]
    Requests(access::RequestCommand),
    /// Grants: list, pause, resume or revoke.
    #[command(subcommand)]
    Grants(access::GrantCommand),
    /// The access log: every use of your data by a brand.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Offers brands sent you.
    #[command(subcommand)]
    Inbox(access::InboxCommand),
    /// Suggestions from brands' signals: accept, reject or keep as a one-off.
    #[command(subcommand)]
    Suggestions(access::SuggestionCommand),
    /// Signed consent receipts of grant changes: list, show, the public key, and verify.
    #[command(subcommand)]
    Receipts(receipts::ReceiptCommand),
    /// Backups of the vault: list them, take one now, or restore one (after checking it).
    #[command(subcommand)]
    Backups(BackupCommand),
    /// The owner's terms (IEEE 7012): show the default agreement and every agreement, or set the
    /// default.
    Terms {
        #[command(subcommand)]
        set: Option<TermsCommand>,
    },
    /// What brands may learn from noisy measurement answers: show it, or set the epsilon of one
    /// answer and each brand's budget per month.
    Measure {
        /// The privacy loss of one answer (smaller: noisier).
        #[arg(long, value_name = "EPSILON")]
        epsilon: Option<f64>,
        /// The total privacy loss each brand may spend per month.
        #[arg(long, value_name = "EPSILON")]
        budget: Option<f64>,
    },
}

#[derive(Subcommand, Debug)]
enum BackupCommand {
    /// The backups beside the vault, newest first: taken daily while Butler serves, before each
    /// schema migration, before a restore, and when asked.
    List,
    /// Take a backup now.
    Create,
    /// Check a backup (passphrase, SQLite's integrity check, every sealed value, the access
    /// log's chain) and, if it passes, put it in place of the vault, keeping the current vault
    /// as a backup. Stop Butler (the app and `butler serve`) first.
    Restore { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum TermsCommand {
    /// Set the default agreement, proposed for every grant whose purposes it permits
    /// (SD-BASE, SD-BASE-A, SD-BASE-AT, SD-BASE-ATP or SD-BASE-ATP-S3P, each also with -DP).
    Set { agreement: String },
}

#[derive(Args, Debug)]
struct KdfArgs {
    /// Argon2id memory in MiB (at least 64).
    #[arg(long, value_name = "MIB")]
    kdf_memory_mib: Option<u32>,
    /// Argon2id passes (at least 3).
    #[arg(long, value_name = "N")]
    kdf_passes: Option<u32>,
}

impl KdfArgs {
    fn params(&self, base: KdfParams) -> KdfParams {
        KdfParams {
            m_cost_kib: self.kdf_memory_mib.map_or(base.m_cost_kib, |m| m.saturating_mul(1024)),
            t_cost: self.kdf_passes.unwrap_or(base.t_cost),
            p_cost: base.p_cost,
        }
    }

    fn given(&self) -> bool {
        self.kdf_memory_mib.is_some() || self.kdf_passes.is_some()
    }
}

#[derive(Subcommand, Debug)]
enum ProfileCommand {
    /// Show every field of the profile.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Set a field (see `butler profile fields` for names and formats).
    Set { field: String, value: String },
    /// Remove a field's value.
    Unset { field: String },
    /// List the catalog's fields with their formats, sensitivity and disclosure modes.
    Fields,
}

#[derive(Subcommand, Debug)]
enum InterestCommand {
    /// List interests with their status.
    List {
        #[arg(long)]
        json: bool,
        /// Only those in use today.
        #[arg(long)]
        active: bool,
    },
    /// Add an interest: a topic id (see `butler topics search`) or your own words.
    Add {
        #[arg(long, conflicts_with = "text", required_unless_present = "text")]
        topic: Option<u16>,
        #[arg(long)]
        text: Option<String>,
        /// How much it matters, 0 to 1.
        #[arg(long, default_value_t = 0.5)]
        weight: f64,
        /// The day from which it is no longer used (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<Date>,
        /// A one-off (a gift, a single purchase): kept, never used to follow you.
        #[arg(long)]
        one_off: bool,
    },
    /// Switch an interest off.
    Off { id: i64 },
    /// Switch an interest back on (ends a snooze too).
    On { id: i64 },
    /// Do not use an interest until a day (YYYY-MM-DD).
    Snooze { id: i64, until: Date },
    /// Stop using an interest from a day on (YYYY-MM-DD), or `never`.
    Expire { id: i64, date: String },
    /// Mark an interest as a one-off (or, with --undo, as a lasting interest again).
    OneOff {
        id: i64,
        #[arg(long)]
        undo: bool,
    },
    /// Change an interest's weight (0 to 1).
    Weight { id: i64, weight: f64 },
    /// Delete an interest.
    Remove { id: i64 },
}

#[derive(Subcommand, Debug)]
enum TopicCommand {
    /// Topics whose path contains every word.
    Search {
        #[arg(required = true)]
        words: Vec<String>,
    },
    /// Every topic.
    List,
}

#[derive(Subcommand, Debug)]
enum PrefsCommand {
    /// Show the offer preferences.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change one setting (run `butler prefs keys` for the list).
    Set { key: String, value: String },
    /// List the settings and what they take.
    Keys,
    /// Go back to the default preferences.
    Reset,
}

/// jemalloc rather than the system's allocator: `butler serve` makes and drops many small buffers
/// per request, and glibc's allocator took about a sixth of the request threads' time there
/// (BENCHMARKS.md, "Brand API"). Allocations as large as the unlock's key derivation still go
/// back to the system as soon as they are freed.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("{e:#}").replace('\n', " ");
            eprintln!("butler: {message}");
            ExitCode::FAILURE
        }
    }
}

fn vault_path(data_dir: Option<&Path>) -> Result<PathBuf> {
    let dir = match data_dir {
        Some(d) => d.to_path_buf(),
        None => vault::default_data_dir().context("no data folder on this platform: pass --data-dir")?,
    };
    Ok(dir.join(vault::VAULT_FILE))
}

fn note(text: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{text}");
    }
}

/// Unlocks the vault, waiting out the slow-down after repeated wrong passphrases.
fn unlock(path: &Path, passphrase: &SecretString) -> Result<Vault> {
    note("Unlocking the vault…");
    match Vault::open(path, passphrase) {
        Err(Error::Throttled(secs)) if secs <= 60 => {
            eprintln!("butler: waiting {secs} s after repeated wrong passphrases");
            std::thread::sleep(Duration::from_secs(secs));
            Ok(Vault::open(path, passphrase)?)
        }
        other => Ok(other?),
    }
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

fn run(cli: Cli) -> Result<()> {
    if let Command::Receipts(receipts::ReceiptCommand::Verify { file, key }) = &cli.command {
        return receipts::verify(file, key);
    }
    if let Command::Log(log::LogCommand::VerifyExport { file, key }) = &cli.command {
        return log::verify_export(file, key.as_deref());
    }
    let path = vault_path(cli.data_dir.as_deref())?;
    match cli.command {
        Command::Init(kdf) => init(&path, &kdf),
        // Neither needs the vault to open: it may be the damaged one.
        Command::Backups(BackupCommand::List) => list_backups(&path),
        Command::Backups(BackupCommand::Restore { file }) => restore_backup(&path, &file),
        Command::Topics(cmd) => topics(&cmd),
        Command::Profile(ProfileCommand::Fields) => {
            fields();
            Ok(())
        }
        Command::Prefs(PrefsCommand::Keys) => {
            for (key, what) in SETTINGS {
                println!("{key:<20} {what}");
            }
            Ok(())
        }
        command => {
            if !path.is_file() {
                return Err(Error::NoVault(path).into());
            }
            let passphrase = secret::passphrase()?;
            let mut vault = unlock(&path, &passphrase)?;
            match command {
                Command::Profile(cmd) => profile(&vault, cmd),
                Command::Interests(cmd) => interests(&mut vault, cmd),
                Command::Prefs(cmd) => prefs(&vault, cmd),
                Command::Passwd(kdf) => passwd(&mut vault, &kdf),
                Command::Export { out, plaintext } => export(&vault, &passphrase, out.as_deref(), plaintext),
                Command::Import { file, replace } => import(&mut vault, &passphrase, &file, replace),
                Command::Check => {
                    vault.integrity_check()?;
                    let profile = vault.profile()?;
                    println!(
                        "The vault is sound: the file passes SQLite's integrity check and all {} sealed values open.",
                        profile.fields.len()
                            + profile.interests.len()
                            + usize::from(profile.offer_preferences.is_some())
                    );
                    Ok(())
                }
                Command::Serve { port } => access::serve(vault, port),
                Command::Requests(cmd) => access::requests(&vault, cmd),
                Command::Grants(cmd) => access::grants(&vault, cmd),
                Command::Log(cmd) => log::log(&vault, cmd),
                Command::Inbox(cmd) => access::inbox(&vault, &cmd),
                Command::Suggestions(cmd) => access::suggestions(&vault, &cmd),
                Command::Receipts(cmd) => receipts::receipts(&vault, cmd),
                Command::Measure { epsilon, budget } => measure(&vault, epsilon, budget),
                Command::Terms { set } => terms(&vault, set),
                Command::Backups(_) => {
                    let taken = vault.backup(backup::Reason::Manual, jiff::Timestamp::now())?;
                    println!("Backed up to {} ({} bytes).", taken.path.display(), taken.bytes);
                    Ok(())
                }
                Command::Init(_) | Command::Topics(_) => unreachable!("handled above"),
            }
        }
    }
}

fn list_backups(vault: &Path) -> Result<()> {
    let backups = backup::list(vault)?;
    if backups.is_empty() {
        println!("No backups yet in {}.", backup::backups_dir(vault).display());
    }
    for b in backups {
        println!(
            "{}  {:<14} {:>10} bytes  {}",
            b.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            b.reason.name(),
            b.bytes,
            b.path.display()
        );
    }
    Ok(())
}

fn restore_backup(vault: &Path, file: &Path) -> Result<()> {
    if !file.is_file() {
        bail!("no backup at {}", file.display());
    }
    let passphrase = secret::passphrase()?;
    note("Checking the backup…");
    let restored = backup::restore(vault, file, &passphrase, jiff::Timestamp::now())?;
    println!(
        "Restored {}: {} profile values and {} access-log entries checked.",
        file.display(),
        restored.values,
        restored.log_entries
    );
    if let Some(previous) = &restored.previous {
        println!("The vault as it was is kept in {}.", previous.path.display());
    }
    match &restored.carried_over {
        Some(changed) => {
            for (grant, status) in changed {
                let again =
                    if *status == butler_core::grants::GrantStatus::Revoked { "revoked" } else { "paused" };
                println!("Grant {grant} {again} again: you had done so since this backup.");
            }
        }
        None => println!(
            "The vault as it was could not be read with this passphrase: grants you revoked or paused \
             since this backup are as the backup has them. Check them with `butler grants list`."
        ),
    }
    if restored.tokens_revoked_again > 0 {
        println!(
            "{} token(s) their brands had given up since this backup stay revoked.",
            restored.tokens_revoked_again
        );
    }
    Ok(())
}

fn terms(vault: &Vault, set: Option<TermsCommand>) -> Result<()> {
    if let Some(TermsCommand::Set { agreement }) = set {
        vault.set_default_agreement(agreement.parse()?)?;
    }
    let default = vault.default_agreement()?;
    println!("Your default terms: {default} ({})", default.iri());
    println!("    {}", default.describe());
    println!("Each grant binds its brand to the strictest agreement that permits its purposes, or to");
    println!("your default if it does. The agreements, strictest first:");
    for agreement in Agreement::all() {
        let mark = if agreement == default { "*" } else { " " };
        println!("  {mark} {:<20} {}", agreement.id(), agreement.describe());
    }
    Ok(())
}

fn measure(vault: &Vault, epsilon: Option<f64>, budget: Option<f64>) -> Result<()> {
    let mut settings = vault.measure_settings()?;
    if epsilon.is_some() || budget.is_some() {
        settings.epsilon_per_answer = epsilon.unwrap_or(settings.epsilon_per_answer);
        settings.budget_per_period = budget.unwrap_or(settings.budget_per_period);
        vault.set_measure_settings(settings)?;
    }
    println!("{}", settings.in_words());
    println!(
        "(epsilon {:.2} per answer, {:.2} per brand per month)",
        settings.epsilon_per_answer, settings.budget_per_period
    );
    Ok(())
}

fn init(path: &Path, kdf: &KdfArgs) -> Result<()> {
    if path.exists() {
        bail!("a vault already exists at {}; it was left untouched", path.display());
    }
    let params = kdf.params(KdfParams::DEFAULT);
    params.check()?;
    let passphrase = secret::new_passphrase(secret::PASSPHRASE_VAR, "Choose a passphrase")?;
    note("Creating the vault (deriving the key takes about a second)…");
    let vault = Vault::create(path, &passphrase, params)?;
    println!("Created a vault at {} ({}).", vault.path().display(), vault.kdf());
    println!("Keep the passphrase safe: nobody, not even Butler, can recover the vault without it.");
    Ok(())
}

fn fields() {
    println!("{:<26} {:<10} {:<22} FORMAT", "FIELD", "CLASS", "MODES");
    for f in Field::ALL {
        let modes: Vec<&str> = f
            .modes()
            .iter()
            .map(|m| match m {
                butler_core::Mode::Exact => "exact",
                butler_core::Mode::Coarse => "coarse",
                butler_core::Mode::Answer => "answer",
            })
            .collect();
        let class = match f.sensitivity() {
            butler_core::Sensitivity::Ordinary => "ordinary",
            butler_core::Sensitivity::Contact => "contact",
            butler_core::Sensitivity::Special => "special",
        };
        println!("{:<26} {:<10} {:<22} {}", f.name(), class, modes.join(","), f.description());
    }
}

fn profile(vault: &Vault, cmd: ProfileCommand) -> Result<()> {
    match cmd {
        ProfileCommand::Show { json } => {
            let profile = vault.profile()?;
            if json {
                let doc = vault.export_document()?;
                let out = serde_json::json!({
                    "fields": doc.fields,
                    "interests": doc.interests,
                    "offer_preferences": vault.offer_preferences()?,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(());
            }
            println!("Profile in {}", vault.path().display());
            for f in Field::ALL.into_iter().filter(|f| f.is_simple()) {
                let value = profile.fields.get(&f).map_or_else(|| "-".to_owned(), ToString::to_string);
                println!("  {:<26} {value}", f.name());
            }
            let today = today();
            let active = profile.interests.iter().filter(|i| i.is_active(today)).count();
            println!(
                "  {:<26} {} ({active} active; `butler interests list`)",
                "interests",
                profile.interests.len()
            );
            let prefs = if profile.offer_preferences.is_some() { "set" } else { "defaults" };
            println!("  {:<26} {prefs} (`butler prefs show`)", "offer_preferences");
            Ok(())
        }
        ProfileCommand::Set { field, value } => {
            let field: Field = field.parse()?;
            let value = field.parse(&value)?;
            vault.set_field(field, &value)?;
            println!("{field} = {value}");
            Ok(())
        }
        ProfileCommand::Unset { field } => {
            let field: Field = field.parse()?;
            if !field.is_simple() {
                bail!("{field} is not a simple field: use `butler interests` or `butler prefs`");
            }
            if vault.unset_field(field)? {
                println!("{field} removed");
            } else {
                println!("{field} was not set");
            }
            Ok(())
        }
        ProfileCommand::Fields => unreachable!("handled without unlocking"),
    }
}

fn interests(vault: &mut Vault, cmd: InterestCommand) -> Result<()> {
    let today = today();
    let changed = match cmd {
        InterestCommand::List { json, active } => {
            let list: Vec<_> =
                vault.interests()?.into_iter().filter(|i| !active || i.is_active(today)).collect();
            if json {
                let rows: Vec<_> = list
                    .iter()
                    .map(|i| serde_json::json!({ "interest": i, "status": i.status(today) }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if list.is_empty() {
                println!(
                    "No interests yet. Add one with `butler interests add --topic ID` or `--text \"...\"`."
                );
            } else {
                println!("{:<5} {:<24} {:<7} {:<8} INTEREST", "ID", "STATUS", "WEIGHT", "SOURCE");
                for i in &list {
                    let source = match &i.source {
                        Source::Stated => "stated".to_owned(),
                        Source::Signal { brand } => format!("signal from {brand}"),
                    };
                    let expiry = match i.expires {
                        Some(d) if i.is_active(today) => format!(" (until {d})"),
                        _ => String::new(),
                    };
                    println!(
                        "{:<5} {:<24} {:<7.2} {:<8} {}{expiry}",
                        i.id.to_string(),
                        i.status(today).to_string(),
                        i.weight,
                        source,
                        i.subject
                    );
                }
            }
            return Ok(());
        }
        InterestCommand::Add { topic, text, weight, expires, one_off } => {
            let subject = match (topic, text) {
                (Some(id), _) => Subject::topic(id)?,
                (None, Some(text)) => Subject::text(&text)?,
                (None, None) => bail!("give --topic ID or --text TEXT"),
            };
            let new = NewInterest { weight, expires, one_off, ..NewInterest::stated(subject) };
            let added = vault.add_interest(new, today)?;
            println!("Added interest {}: {} ({})", added.id, added.subject, added.status(today));
            return Ok(());
        }
        InterestCommand::Off { id } => vault.update_interest(InterestId(id), |i| {
            i.state = State::Off;
            Ok(())
        })?,
        InterestCommand::On { id } => vault.update_interest(InterestId(id), |i| {
            i.state = State::Active;
            Ok(())
        })?,
        InterestCommand::Snooze { id, until } => {
            if until <= today {
                bail!("a snooze must end after today ({today})");
            }
            vault.update_interest(InterestId(id), |i| {
                i.state = State::Snoozed { until };
                Ok(())
            })?
        }
        InterestCommand::Expire { id, date } => {
            let expires = if date == "never" {
                None
            } else {
                Some(
                    date.parse::<Date>()
                        .with_context(|| format!("`{date}` is not a date YYYY-MM-DD or `never`"))?,
                )
            };
            vault.update_interest(InterestId(id), |i| {
                i.expires = expires;
                Ok(())
            })?
        }
        InterestCommand::OneOff { id, undo } => vault.update_interest(InterestId(id), |i| {
            i.one_off = !undo;
            Ok(())
        })?,
        InterestCommand::Weight { id, weight } => {
            let weight = check_weight(weight)?;
            vault.update_interest(InterestId(id), |i| {
                i.weight = weight;
                Ok(())
            })?
        }
        InterestCommand::Remove { id } => {
            vault.remove_interest(InterestId(id))?;
            println!("Removed interest {id}");
            return Ok(());
        }
    };
    println!("Interest {}: {} is now {}", changed.id, changed.subject, changed.status(today));
    Ok(())
}

fn topics(cmd: &TopicCommand) -> Result<()> {
    let found: Vec<_> = match cmd {
        TopicCommand::Search { words } => taxonomy::search(&words.join(" ")),
        TopicCommand::List => taxonomy::all().collect(),
    };
    if found.is_empty() {
        bail!("no topic matches; try fewer or shorter words");
    }
    for t in found {
        println!("{:>4}  {}", t.id, t.path);
    }
    Ok(())
}

fn prefs(vault: &Vault, cmd: PrefsCommand) -> Result<()> {
    match cmd {
        PrefsCommand::Show { json } => {
            let prefs = vault.offer_preferences()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&prefs)?);
                return Ok(());
            }
            let join =
                |items: Vec<String>| if items.is_empty() { "none".to_owned() } else { items.join(", ") };
            let cap = |c: Option<u32>| c.map_or_else(|| "no cap".to_owned(), |n| n.to_string());
            println!(
                "kinds.wanted         {}",
                join(prefs.kinds_wanted.iter().map(ToString::to_string).collect())
            );
            println!(
                "kinds.unwanted       {}",
                join(prefs.kinds_unwanted.iter().map(ToString::to_string).collect())
            );
            println!(
                "channels             {}",
                join(prefs.channels.iter().map(ToString::to_string).collect())
            );
            println!("cap.brand.day        {}", cap(prefs.per_brand.per_day));
            println!("cap.brand.week       {}", cap(prefs.per_brand.per_week));
            println!("cap.day              {}", cap(prefs.overall.per_day));
            println!("cap.week             {}", cap(prefs.overall.per_week));
            println!(
                "quiet-hours          {}",
                prefs.quiet_hours.map_or_else(|| "none".to_owned(), |q| q.to_string())
            );
            println!("time-zone            {}", prefs.time_zone);
            println!(
                "tactics.unwelcome    {}",
                join(prefs.unwelcome_tactics.iter().map(ToString::to_string).collect())
            );
        }
        PrefsCommand::Set { key, value } => {
            vault.update_offer_preferences(|p| p.set(&key, &value))?;
            println!("{key} set");
        }
        PrefsCommand::Reset => {
            vault.set_offer_preferences(&butler_core::prefs::OfferPreferences::default())?;
            println!("Offer preferences are back to the defaults");
        }
        PrefsCommand::Keys => unreachable!("handled without unlocking"),
    }
    Ok(())
}

fn passwd(vault: &mut Vault, kdf: &KdfArgs) -> Result<()> {
    let new = secret::new_passphrase(secret::NEW_PASSPHRASE_VAR, "New passphrase")?;
    let params = kdf.given().then(|| kdf.params(vault.kdf()));
    note("Rewrapping the data key…");
    vault.change_passphrase(&new, params)?;
    println!("Passphrase changed ({}).", vault.kdf());
    Ok(())
}

/// Writes a file whole or not at all, readable by the owner only.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    butler_core::files::write_atomically(path, |out| out.write_all(bytes))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn export(vault: &Vault, passphrase: &SecretString, out: Option<&Path>, plaintext: bool) -> Result<()> {
    let doc = vault.export_document()?;
    let bytes = if plaintext {
        export::plain_document(&doc)
    } else {
        note("Sealing the export…");
        let key = secret::export_passphrase().unwrap_or_else(|| passphrase.clone());
        export::seal_document(&doc, &key, KdfParams::DEFAULT)?
    };
    let Some(path) = out else {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&bytes)?;
        stdout.write_all(b"\n")?;
        return Ok(());
    };
    write_atomically(path, &bytes)?;
    let how = if plaintext {
        "as READABLE JSON: keep it safe"
    } else if secret::export_passphrase().is_some() {
        "sealed with BUTLER_EXPORT_PASSPHRASE"
    } else {
        "sealed with the vault's passphrase"
    };
    eprintln!(
        "Exported {} fields and {} interests to {} {how}.",
        doc.fields.len(),
        doc.interests.len(),
        path.display()
    );
    Ok(())
}

fn import(vault: &mut Vault, passphrase: &SecretString, file: &Path, replace: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = ExportFile::parse(&bytes)?;
    // Checked again inside the import's transaction; asked here too so that a doomed import
    // fails before the passphrase work.
    if !replace && !vault.profile()?.is_empty() {
        return Err(Error::ProfileNotEmpty.into());
    }
    let doc = match parsed {
        ExportFile::Plain(doc) => *doc,
        ExportFile::Sealed(sealed) => {
            note("Opening the sealed export…");
            let key = secret::export_passphrase().unwrap_or_else(|| passphrase.clone());
            sealed.open(&key)?
        }
    };
    let summary = vault.import_document(doc, replace)?;
    println!("Imported {} fields and {} interests.", summary.fields, summary.interests);
    Ok(())
}
