//! The owner's actions as Tauri commands. Each is a thin call into the core through the
//! [`Session`]; errors cross as [`CommandError`] (a stable code and a message).
//!
//! `commands!` writes each action twice: as a plain function in [`ops`] (what the tests call)
//! and as the `#[tauri::command]` the UI invokes, which runs off the main thread and takes its
//! arguments in snake case, as the generated TypeScript types name them.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::str::FromStr;

use butler_core::access::{AccessSpec, Purpose, parse_mode};
use butler_core::backup;
use butler_core::catalog::Field;
use butler_core::export::{self, ExportFile};
use butler_core::grants::{Approval, GrantStatus};
use butler_core::interests::{NewInterest, Source, State, Subject};
use butler_core::log_export::ExportFormat;
use butler_core::measure::MeasureSettings;
use butler_core::offers::SuggestionStatus;
use butler_core::prefs::{Caps, OfferPreferences, QuietHours};
use butler_core::review::LogFilter;
use butler_core::settings::OwnerSettings;
use butler_core::terms::{Agreement, UnknownAgreement};
use butler_core::{KdfParams, taxonomy};
use butler_protocol::{Channel, OfferKind, Tactic};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use secrecy::SecretString;

use crate::dto::{AlertView, GrantView};
use crate::dto::{
    ApiStatus, ApprovalInput, BackupView, BrandView, ChainStatus, CommandError, CommandResult,
    DailyCountView, ExportDone, ImportDone, InterestChange, InterestView, KnowledgeView, LogFilterInput,
    LogPageView, MeasureSettingsView, NewInterestInput, OfferPrefsView, OfferView, OfferVocabulary,
    ProfileField, Progress, ReceiptView, RequestView, RestoredView, SettingsView, SuggestionView,
    TermsSettingsView, TopicView, VaultStatus,
};
use crate::session::Session;
use crate::views;

macro_rules! commands {
    ($( $(#[$doc:meta])* fn $name:ident($session:ident $(, $arg:ident: $ty:ty)*) -> $ret:ty $body:block )*) => {
        /// The actions as plain functions of the session.
        pub mod ops {
            #[allow(clippy::wildcard_imports)]
            use super::*;
            $( $(#[$doc])* pub fn $name($session: &Session $(, $arg: $ty)*) -> CommandResult<$ret> $body )*
        }

        $(
            $(#[$doc])*
            #[tauri::command(async, rename_all = "snake_case")]
            #[allow(clippy::needless_pass_by_value, reason = "Tauri hands each command its arguments by value")]
            pub fn $name(session: tauri::State<'_, Session> $(, $arg: $ty)*) -> CommandResult<$ret> {
                ops::$name(&session $(, $arg)*)
            }
        )*

        /// Every command, for `tauri::Builder::invoke_handler`.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}

fn secret(s: String) -> SecretString {
    SecretString::from(s)
}

fn invalid(field: &str, message: impl Into<String>) -> CommandError {
    CommandError { code: "invalid_value".into(), message: message.into(), field: Some(field.to_owned()) }
}

fn field(name: &str) -> CommandResult<Field> {
    Field::from_str(name).map_err(|e| invalid("field", e.reason))
}

fn date(field: &str, s: &str) -> CommandResult<Date> {
    s.trim().parse().map_err(|_| invalid(field, format!("`{s}` is not a date (YYYY-MM-DD)")))
}

fn time(field: &str, s: &str) -> CommandResult<Time> {
    s.trim().parse().map_err(|_| invalid(field, format!("`{s}` is not a time of day (HH:MM)")))
}

/// A time filter: an RFC 3339 instant, or a day (its start, in UTC).
fn instant(field: &str, s: &str) -> CommandResult<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let day = date(field, s)?;
    day.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| invalid(field, e.to_string()))
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

fn vocab<T: FromStr<Err = String> + Ord>(field: &str, names: &[String]) -> CommandResult<BTreeSet<T>> {
    names.iter().map(|n| T::from_str(n).map_err(|e| invalid(field, e))).collect()
}

fn names<T: Copy>(set: &BTreeSet<T>, name: impl Fn(T) -> &'static str) -> Vec<String> {
    set.iter().map(|t| name(*t).to_owned()).collect()
}

fn prefs_view(p: &OfferPreferences) -> OfferPrefsView {
    OfferPrefsView {
        kinds_wanted: names(&p.kinds_wanted, OfferKind::as_str),
        kinds_unwanted: names(&p.kinds_unwanted, OfferKind::as_str),
        channels: names(&p.channels, Channel::as_str),
        per_brand_per_day: p.per_brand.per_day,
        per_brand_per_week: p.per_brand.per_week,
        overall_per_day: p.overall.per_day,
        overall_per_week: p.overall.per_week,
        quiet_start: p.quiet_hours.map(|q| q.start.strftime("%H:%M").to_string()),
        quiet_end: p.quiet_hours.map(|q| q.end.strftime("%H:%M").to_string()),
        time_zone: p.time_zone.clone(),
        unwelcome_tactics: names(&p.unwelcome_tactics, Tactic::as_str),
    }
}

fn prefs_from(v: &OfferPrefsView) -> CommandResult<OfferPreferences> {
    let quiet_hours = match (&v.quiet_start, &v.quiet_end) {
        (Some(start), Some(end)) => {
            Some(QuietHours { start: time("quiet_start", start)?, end: time("quiet_end", end)? })
        }
        (None, None) => None,
        _ => {
            return Err(invalid(
                "quiet_end",
                "give both the start and the end of the quiet hours, or neither",
            ));
        }
    };
    Ok(OfferPreferences {
        kinds_wanted: vocab("kinds_wanted", &v.kinds_wanted)?,
        kinds_unwanted: vocab("kinds_unwanted", &v.kinds_unwanted)?,
        channels: vocab("channels", &v.channels)?,
        per_brand: Caps { per_day: v.per_brand_per_day, per_week: v.per_brand_per_week },
        overall: Caps { per_day: v.overall_per_day, per_week: v.overall_per_week },
        quiet_hours,
        time_zone: v.time_zone.trim().to_owned(),
        unwelcome_tactics: vocab("unwelcome_tactics", &v.unwelcome_tactics)?,
    })
}

fn profile_field(vault: &butler_core::Vault, f: Field) -> CommandResult<ProfileField> {
    let value = if f.is_simple() { vault.field(f)?.map(|v| v.to_string()) } else { None };
    Ok(ProfileField::of(f, value))
}

fn brand_name(vault: &butler_core::Vault, client_id: &str) -> CommandResult<String> {
    Ok(vault.brand(client_id)?.map_or_else(|| client_id.to_owned(), |b| b.name))
}

fn export_file(path: &str) -> CommandResult<PathBuf> {
    let path = PathBuf::from(path.trim());
    if path.as_os_str().is_empty() {
        return Err(invalid("path", "choose where to save the file"));
    }
    if path.is_dir() {
        return Err(invalid("path", "that is a folder: give a file name"));
    }
    Ok(path)
}

/// Writes an export whole or not at all, readable by the owner only.
fn write_file<T>(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> CommandResult<T>,
) -> CommandResult<T> {
    butler_core::files::write_atomically(path, write).map_err(|e: CommandError| {
        if e.code == "io" {
            CommandError::new("io", format!("cannot write {}: {}", path.display(), e.message))
        } else {
            e
        }
    })
}

fn progress(session: &Session, task: &str, step: &str, done: u64, total: Option<u64>) {
    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    session.report(Progress {
        task: task.into(),
        step: step.into(),
        done: clamp(done),
        total: total.map(clamp),
    });
}

commands! {
    /// Whether there is a vault, whether it is unlocked, and the brand API's state.
    fn vault_status(session) -> VaultStatus {
        Ok(session.status())
    }

    /// Creates the vault with this passphrase and unlocks it.
    fn create_vault(session, passphrase: String) -> VaultStatus {
        session.create(&secret(passphrase))
    }

    fn unlock(session, passphrase: String) -> VaultStatus {
        session.unlock(&secret(passphrase))
    }

    fn lock(session) -> () {
        session.lock("owner");
        Ok(())
    }

    /// The vault's backups, newest first; also while locked (a damaged vault cannot be opened).
    fn backups(session) -> Vec<BackupView> {
        Ok(backup::list(session.vault_path())?.iter().map(views::backup).collect())
    }

    /// Takes a backup of the vault now (kept among the 10 newest of those asked for).
    fn create_backup(session) -> BackupView {
        session.with_vault(|v| Ok(views::backup(&v.backup(backup::Reason::Manual, Timestamp::now())?)))
    }

    /// Checks the backup at `path` and, if it is sound, puts it in the vault's place; the app
    /// locks, and `passphrase` (the one the backup was made under) unlocks it. A refused backup
    /// changes nothing.
    fn restore_backup(session, path: String, passphrase: String) -> RestoredView {
        let path = path.trim();
        if path.is_empty() {
            return Err(invalid("path", "choose the backup to restore"));
        }
        session.restore(std::path::Path::new(path), &secret(passphrase))
    }

    /// The owner is at the keyboard: the auto-lock clock starts again.
    fn activity(session) -> () {
        session.touch();
        Ok(())
    }

    fn api_status(session) -> Option<ApiStatus> {
        Ok(session.api_status())
    }

    /// Every catalog field with its value.
    fn profile_fields(session) -> Vec<ProfileField> {
        session.with_vault(|v| Field::ALL.into_iter().map(|f| profile_field(v, f)).collect())
    }

    /// Sets a field from what the owner typed; a bad value is refused with the reason.
    fn set_field(session, name: String, value: String) -> ProfileField {
        let f = field(&name)?;
        let parsed = f.parse(&value).map_err(|e| invalid(&name, e.reason))?;
        session.with_vault(|v| {
            v.set_field(f, &parsed)?;
            profile_field(v, f)
        })
    }

    fn unset_field(session, name: String) -> ProfileField {
        let f = field(&name)?;
        session.with_vault(|v| {
            v.unset_field(f)?;
            profile_field(v, f)
        })
    }

    fn interests(session) -> Vec<InterestView> {
        let today = today();
        session.with_vault(|v| Ok(v.interests()?.iter().map(|i| InterestView::of(i, today)).collect()))
    }

    fn add_interest(session, interest: NewInterestInput) -> InterestView {
        let subject = match (interest.topic, interest.text.as_deref()) {
            (Some(id), None) => Subject::topic(id),
            (None, Some(text)) => Subject::text(text),
            _ => return Err(invalid("interest", "choose a topic or type a few words, not both")),
        }
        .map_err(|e| invalid("interest", e.reason))?;
        let expires = interest.expires.as_deref().map(|d| date("expires", d)).transpose()?;
        let new = NewInterest { subject, weight: interest.weight, source: Source::Stated, expires, one_off: interest.one_off };
        let today = today();
        session.with_vault(|v| Ok(InterestView::of(&v.add_interest(new, today)?, today)))
    }

    /// Switches an interest on or off, snoozes it, sets its expiry, its one-off mark or weight.
    fn change_interest(session, id: i64, change: InterestChange) -> InterestView {
        let today = today();
        let change = match change {
            InterestChange::Snooze { until } => {
                let until = date("until", &until)?;
                if until <= today {
                    return Err(invalid("until", "snooze until a day after today"));
                }
                InterestChange::Snooze { until: until.to_string() }
            }
            other => other,
        };
        session.with_vault(|v| {
            let changed = v.update_interest(butler_core::interests::InterestId(id), |i| {
                match &change {
                    InterestChange::SwitchOn => i.state = State::Active,
                    InterestChange::SwitchOff => i.state = State::Off,
                    InterestChange::Snooze { until } => {
                        i.state = State::Snoozed { until: until.parse().unwrap_or(today) };
                    }
                    InterestChange::Expire { on } => i.expires = on.as_deref().and_then(|d| d.parse().ok()),
                    InterestChange::OneOff { one_off } => i.one_off = *one_off,
                    InterestChange::Weight { weight } => i.weight = *weight,
                }
                Ok(())
            })?;
            Ok(InterestView::of(&changed, today))
        })
    }

    fn remove_interest(session, id: i64) -> () {
        session.with_vault(|v| Ok(v.remove_interest(butler_core::interests::InterestId(id))?))
    }

    /// Topics of the taxonomy whose path holds every word of the query (at most 50).
    fn search_topics(session, query: String) -> Vec<TopicView> {
        let _ = session;
        Ok(taxonomy::search(&query)
            .into_iter()
            .take(50)
            .map(|t| TopicView { id: t.id, name: t.name().to_owned(), path: t.path.to_owned() })
            .collect())
    }

    fn offer_prefs(session) -> OfferPrefsView {
        session.with_vault(|v| Ok(prefs_view(&v.offer_preferences()?)))
    }

    fn set_offer_prefs(session, prefs: OfferPrefsView) -> OfferPrefsView {
        let prefs = prefs_from(&prefs)?;
        session.with_vault(|v| {
            v.set_offer_preferences(&prefs)?;
            Ok(prefs_view(&v.offer_preferences()?))
        })
    }

    fn offer_vocabulary(session) -> OfferVocabulary {
        let _ = session;
        Ok(OfferVocabulary {
            kinds: OfferKind::ALL.iter().map(|k| k.as_str().to_owned()).collect(),
            channels: Channel::ALL.iter().map(|c| c.as_str().to_owned()).collect(),
            tactics: Tactic::ALL.iter().map(|t| t.as_str().to_owned()).collect(),
        })
    }

    /// Brands' requests waiting for the owner.
    fn pending_requests(session) -> Vec<RequestView> {
        session.with_vault(|v| Ok(v.pending_requests(Timestamp::now())?.iter().map(views::request).collect()))
    }

    /// Approves a request, as asked or narrowed (fewer fields, coarser modes, fewer purposes,
    /// fewer days).
    fn approve_request(session, approval: ApprovalInput) -> GrantView {
        let mut spec = AccessSpec::default();
        for f in &approval.fields {
            let mode = parse_mode(&f.mode).map_err(|e| invalid(&f.field, e.to_string()))?;
            spec.add_field(field(&f.field)?, mode).map_err(|e| invalid(&f.field, e.to_string()))?;
        }
        for p in &approval.purposes {
            spec.purposes.insert(Purpose::from_str(p).map_err(|e| invalid("purposes", e.to_string()))?);
        }
        let sensitive_consent = approval.sensitive_consent.iter().map(|f| field(f)).collect::<Result<_, _>>()?;
        let decision = Approval {
            narrowed_to: Some(spec),
            sensitive_consent,
            days: approval.days,
            rate_per_minute: None,
            allow_origin: approval.allow_origin,
            agreement: approval
                .agreement
                .as_deref()
                .map(str::parse::<butler_core::terms::Agreement>)
                .transpose()
                .map_err(|e| invalid("agreement", e.to_string()))?,
        };
        let now = Timestamp::now();
        let view = session.with_vault(|v| {
            let grant = v.approve_request(&approval.user_code, &decision, now)?;
            Ok(views::grant(&grant, &brand_name(v, &grant.client_id)?, now))
        })?;
        session.check_requests();
        Ok(view)
    }

    fn deny_request(session, user_code: String) -> () {
        session.with_vault(|v| Ok(v.deny_request(&user_code, Timestamp::now())?))?;
        session.check_requests();
        Ok(())
    }

    /// Every brand that registered, with its grants, newest first.
    fn brands(session) -> Vec<BrandView> {
        let now = Timestamp::now();
        session.with_vault(|v| {
            let grants = v.grants()?;
            let mut brands: Vec<BrandView> = v
                .brands()?
                .iter()
                .map(|b| BrandView {
                    brand: views::brand_summary(b),
                    registered_at: b.registered_at.to_string(),
                    grants: grants.iter().filter(|g| g.client_id == b.client_id).map(|g| views::grant(g, &b.name, now)).collect(),
                })
                .collect();
            brands.sort_by(|a, b| b.registered_at.cmp(&a.registered_at));
            Ok(brands)
        })
    }

    /// Pauses (`paused`), resumes (`active`) or revokes (`revoked`) a grant.
    fn set_grant_status(session, grant_id: String, status: String) -> GrantView {
        let status = match status.as_str() {
            "active" => GrantStatus::Active,
            "paused" => GrantStatus::Paused,
            "revoked" => GrantStatus::Revoked,
            other => return Err(invalid("status", format!("`{other}` is not active, paused or revoked"))),
        };
        let now = Timestamp::now();
        session.with_vault(|v| {
            let grant = v.set_grant_status(&grant_id, status)?;
            Ok(views::grant(&grant, &brand_name(v, &grant.client_id)?, now))
        })
    }

    /// What the brand was given, by field, mode and purpose, from the log.
    fn brand_knowledge(session, client_id: String) -> Vec<KnowledgeView> {
        session.with_vault(|v| Ok(v.what_brand_knows(&client_id, Timestamp::now())?.iter().map(views::knowledge).collect()))
    }

    /// The brand's signed consent receipts, newest first.
    fn brand_receipts(session, client_id: String) -> Vec<ReceiptView> {
        session.with_vault(|v| {
            v.record_expiries(Timestamp::now())?;
            Ok(v.receipts_of_brand(&client_id)?.iter().map(views::receipt_view).collect())
        })
    }

    /// A page of the access log, newest first.
    fn query_log(session, filter: LogFilterInput, before: Option<i64>, limit: u32) -> LogPageView {
        let outcome = filter
            .outcome
            .as_deref()
            .map(|o| {
                use butler_core::log::Outcome;
                [Outcome::Disclosed, Outcome::Narrowed, Outcome::Refused, Outcome::Received]
                    .into_iter()
                    .find(|k| k.name() == o)
                    .ok_or_else(|| invalid("outcome", format!("`{o}` is not disclosed, narrowed, refused or received")))
            })
            .transpose()?;
        let filter = LogFilter {
            brand: filter.brand.filter(|s| !s.is_empty()),
            field: filter.field.filter(|s| !s.is_empty()),
            purpose: filter.purpose.filter(|s| !s.is_empty()),
            outcome,
            since: filter.since.as_deref().filter(|s| !s.is_empty()).map(|s| instant("since", s)).transpose()?,
            until: filter.until.as_deref().filter(|s| !s.is_empty()).map(|s| instant("until", s)).transpose()?,
            text: filter.text.filter(|s| !s.trim().is_empty()),
        };
        let limit = usize::try_from(limit.clamp(1, 500)).unwrap_or(500);
        session.with_vault(|v| Ok(views::page(&v.query_log(&filter, before, limit)?)))
    }

    /// Requests per brand, day and outcome over the last `days` days.
    fn log_counts(session, days: u32) -> Vec<DailyCountView> {
        let since = today().checked_sub(jiff::Span::new().days(i64::from(days.min(3660)))).ok();
        session.with_vault(|v| Ok(v.log_counts(since, None)?.iter().map(views::daily).collect()))
    }

    /// Checks the whole chain of the log, with progress.
    fn verify_log(session) -> ChainStatus {
        let result = session.with_vault(|v| {
            Ok(v.verify_log(|n| {
                if n % 5000 == 0 {
                    progress(session, "verify_log", "Checking the chain", n, None);
                }
            })?)
        })?;
        let checked_at = Timestamp::now().to_string();
        Ok(match result {
            Ok(entries) => ChainStatus { verified: true, entries: u32::try_from(entries).unwrap_or(u32::MAX), broken_at: None, reason: None, checked_at },
            Err(b) => ChainStatus { verified: false, entries: 0, broken_at: Some(b.seq), reason: Some(b.reason.to_owned()), checked_at },
        })
    }

    fn alerts(session, limit: u32) -> Vec<AlertView> {
        session.with_vault(|v| Ok(v.alerts(limit as usize)?.iter().map(views::alert).collect()))
    }

    fn inbox(session, limit: u32) -> Vec<OfferView> {
        let now = Timestamp::now();
        session.with_vault(|v| Ok(v.inbox(limit as usize)?.iter().map(|o| views::offer(o, now)).collect()))
    }

    fn suggestions(session) -> Vec<SuggestionView> {
        session.with_vault(|v| Ok(v.suggestions()?.iter().map(views::suggestion).collect()))
    }

    /// `accept` (with a weight), `one_off` or `reject` a suggestion.
    fn decide_suggestion(session, id: i64, decision: String, weight: Option<f64>) -> () {
        let status = match decision.as_str() {
            "accept" => SuggestionStatus::Accepted,
            "one_off" => SuggestionStatus::OneOff,
            "reject" => SuggestionStatus::Rejected,
            other => return Err(invalid("decision", format!("`{other}` is not accept, one_off or reject"))),
        };
        session.with_vault(|v| {
            v.decide_suggestion(id, status, weight.unwrap_or(0.5), today())?;
            Ok(())
        })
    }

    fn settings(session) -> SettingsView {
        let owner = session.settings()?;
        let retention = session.with_vault(|v| Ok(v.log_retention_days()?))?;
        Ok(SettingsView { auto_lock_minutes: owner.auto_lock_minutes, api_port: owner.api_port, log_retention_days: retention })
    }

    fn set_settings(session, settings: SettingsView) -> SettingsView {
        session.with_vault(|v| Ok(v.set_log_retention_days(settings.log_retention_days)?))
            .map_err(|e| CommandError { field: Some("log_retention_days".into()), ..e })?;
        session.set_settings(OwnerSettings { auto_lock_minutes: settings.auto_lock_minutes, api_port: settings.api_port })?;
        ops::settings(session)
    }

    /// The owner's default terms (IEEE 7012) and every agreement, strictest first.
    fn terms(session) -> TermsSettingsView {
        let default = session.with_vault(|v| Ok(v.default_agreement()?))?;
        Ok(TermsSettingsView {
            default: views::agreement(default),
            agreements: Agreement::all().into_iter().map(views::agreement).collect(),
        })
    }

    fn set_default_terms(session, agreement: String) -> TermsSettingsView {
        let agreement: Agreement = agreement.parse().map_err(|e: UnknownAgreement| invalid("agreement", e.to_string()))?;
        session.with_vault(|v| Ok(v.set_default_agreement(agreement)?))?;
        ops::terms(session)
    }

    /// What brands may learn from measurement answers, in numbers and in words.
    fn measure_settings(session) -> MeasureSettingsView {
        let settings = session.with_vault(|v| Ok(v.measure_settings()?))?;
        Ok(views::measure_settings(&settings))
    }

    fn set_measure_settings(session, epsilon_per_answer: f64, budget_per_period: f64) -> MeasureSettingsView {
        let settings = MeasureSettings { epsilon_per_answer, budget_per_period };
        session.with_vault(|v| Ok(v.set_measure_settings(settings)?))?;
        ops::measure_settings(session)
    }

    fn change_passphrase(session, current: String, new: String) -> () {
        session.change_passphrase(&secret(current), &secret(new))
    }

    /// Exports the profile: sealed with `passphrase`, or readable JSON without one.
    fn export_profile(session, path: String, passphrase: Option<String>) -> ExportDone {
        let path = export_file(&path)?;
        progress(session, "export_profile", "Reading the profile", 0, Some(3));
        let doc = session.with_vault(|v| Ok(v.export_document()?))?;
        let bytes = match passphrase {
            Some(p) => {
                progress(session, "export_profile", "Sealing the file (deriving its key)", 1, Some(3));
                export::seal_document(&doc, &secret(p), KdfParams::DEFAULT)?
            }
            None => export::plain_document(&doc),
        };
        progress(session, "export_profile", "Writing the file", 2, Some(3));
        write_file(&path, |out| Ok(std::io::Write::write_all(out, &bytes)?))?;
        progress(session, "export_profile", "Done", 3, Some(3));
        Ok(ExportDone { path: path.display().to_string(), bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX), entries: None })
    }

    /// Imports a profile export, all or nothing. `replace` overwrites a profile already there.
    fn import_profile(session, path: String, passphrase: Option<String>, replace: bool) -> ImportDone {
        progress(session, "import_profile", "Reading the file", 0, Some(3));
        let bytes = std::fs::read(path.trim()).map_err(|e| invalid("path", format!("cannot read {path}: {e}")))?;
        let parsed = ExportFile::parse(&bytes)?;
        let doc = match parsed {
            ExportFile::Plain(doc) => *doc,
            ExportFile::Sealed(sealed) => {
                let Some(p) = passphrase else {
                    return Err(invalid("passphrase", "this export is sealed: give its passphrase"));
                };
                progress(session, "import_profile", "Opening the sealed file (deriving its key)", 1, Some(3));
                // A wrong passphrase is what usually fails here: say so beside its input.
                sealed.open(&secret(p)).map_err(|e| CommandError { field: Some("passphrase".into()), ..e.into() })?
            }
        };
        progress(session, "import_profile", "Checking and saving every value", 2, Some(3));
        let offer_preferences = doc.offer_preferences.is_some();
        let summary = session.with_vault(|v| Ok(v.import_document(doc, replace)?))?;
        progress(session, "import_profile", "Done", 3, Some(3));
        Ok(ImportDone {
            fields: u32::try_from(summary.fields).unwrap_or(u32::MAX),
            interests: u32::try_from(summary.interests).unwrap_or(u32::MAX),
            offer_preferences,
        })
    }

    /// Exports the access log (`jsonl` or `csv`), chained and signed, with progress.
    fn export_log(session, path: String, format: String) -> ExportDone {
        let path = export_file(&path)?;
        let format = match format.as_str() {
            "jsonl" => ExportFormat::Jsonl,
            "csv" => ExportFormat::Csv,
            other => return Err(invalid("format", format!("`{other}` is not jsonl or csv"))),
        };
        // Streamed into the file as the entries are read; it appears under its name when complete.
        let (checkpoint, bytes) = write_file(&path, |out| {
            let checkpoint = session.with_vault(|v| {
                Ok(v.export_log(&mut *out, format, Timestamp::now(), |n| {
                    if n % 1000 == 0 {
                        progress(session, "export_log", "Writing entries", n, None);
                    }
                })?)
            })?;
            std::io::Write::flush(out)?;
            let bytes = out.get_ref().metadata()?.len();
            Ok((checkpoint, bytes))
        })?;
        progress(session, "export_log", "Done", checkpoint.count, Some(checkpoint.count));
        Ok(ExportDone {
            path: path.display().to_string(),
            bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
            entries: Some(u32::try_from(checkpoint.count).unwrap_or(u32::MAX)),
        })
    }

    /// Where exports go unless the owner chooses: the Downloads folder, else home.
    fn default_export_dir(session) -> String {
        let _ = session;
        let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
        let downloads = home.join("Downloads");
        Ok(if downloads.is_dir() { downloads } else { home }.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet as Set;

    use butler_core::access::AccessSpec;
    use butler_core::brands::Registration;

    use super::ops;
    use crate::dto::{ApprovalInput, GrantedFieldInput, InterestChange, LogFilterInput, NewInterestInput};
    use crate::session::tests::{Fixture, fixture, pw};

    fn unlocked() -> Fixture {
        let f = fixture();
        f.session.create(&pw("correct horse battery staple")).unwrap();
        f
    }

    /// A brand asks for `scope`; returns (client id, user code, device code).
    fn request(f: &Fixture, scope: &str) -> (String, String, String) {
        request_from(f, scope, None)
    }

    fn request_from(f: &Fixture, scope: &str, client_uri: Option<&str>) -> (String, String, String) {
        let now = jiff::Timestamp::now();
        f.session
            .with_vault(|v| {
                let registration = Registration {
                    client_name: "Acme Shoes".into(),
                    client_uri: client_uri.map(str::to_owned),
                    purposes: Set::new(),
                    accepted_agreements: None,
                };
                let brand = v.register_brand(registration, now)?;
                let auth = v.start_device_authorization(
                    &brand.client_id,
                    AccessSpec::from_scope(scope).unwrap(),
                    now,
                )?;
                Ok((brand.client_id, auth.user_code, auth.device_code))
            })
            .unwrap()
    }

    #[test]
    fn a_bad_value_is_refused_beside_its_field_and_a_good_one_kept() {
        let f = unlocked();
        let err = ops::set_field(&f.session, "birth_date".into(), "14/06/1988".into()).unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), ("invalid_value", Some("birth_date")));
        let err = ops::set_field(&f.session, "shoe_colour".into(), "red".into()).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("field"));
        let saved = ops::set_field(&f.session, "home.country".into(), "gb".into()).unwrap();
        assert_eq!(saved.value.as_deref(), Some("GB"));
        let fields = ops::profile_fields(&f.session).unwrap();
        assert_eq!(fields.len(), butler_core::catalog::Field::ALL.len());
        let country = fields.iter().find(|p| p.name == "home.country").unwrap();
        assert_eq!(country.value.as_deref(), Some("GB"));
        assert!(fields.iter().any(|p| p.name == "interests" && !p.editable));
        assert!(ops::unset_field(&f.session, "home.country".into()).unwrap().value.is_none());
    }

    #[test]
    fn interests_are_added_snoozed_switched_off_and_removed() {
        let f = unlocked();
        let topics = ops::search_topics(&f.session, "running".into()).unwrap();
        let topic = topics.first().expect("the taxonomy has running");
        let added = ops::add_interest(
            &f.session,
            NewInterestInput {
                topic: Some(topic.id),
                text: None,
                weight: 0.8,
                expires: None,
                one_off: false,
            },
        )
        .unwrap();
        assert_eq!((added.status.as_str(), added.topic), ("active", Some(topic.id)));
        let both = NewInterestInput {
            topic: Some(1),
            text: Some("x".into()),
            weight: 0.5,
            expires: None,
            one_off: false,
        };
        assert_eq!(ops::add_interest(&f.session, both).unwrap_err().code, "invalid_value");

        let until = (jiff::Zoned::now().date() + jiff::Span::new().days(7)).to_string();
        let snoozed =
            ops::change_interest(&f.session, added.id, InterestChange::Snooze { until: until.clone() })
                .unwrap();
        assert_eq!(
            (snoozed.status.as_str(), snoozed.snoozed_until.as_deref()),
            ("snoozed", Some(until.as_str()))
        );
        let past = InterestChange::Snooze { until: "2020-01-01".into() };
        assert_eq!(
            ops::change_interest(&f.session, added.id, past).unwrap_err().field.as_deref(),
            Some("until")
        );
        let off = ops::change_interest(&f.session, added.id, InterestChange::SwitchOff).unwrap();
        assert_eq!(off.status, "off");
        ops::remove_interest(&f.session, added.id).unwrap();
        assert!(ops::interests(&f.session).unwrap().is_empty());
        assert_eq!(ops::remove_interest(&f.session, added.id).unwrap_err().code, "not_found");
    }

    #[test]
    fn offer_preferences_round_trip_and_half_quiet_hours_are_refused() {
        let f = unlocked();
        let mut prefs = ops::offer_prefs(&f.session).unwrap();
        prefs.kinds_wanted = vec!["discount".into()];
        prefs.quiet_start = Some("22:00".into());
        prefs.quiet_end = Some("07:30".into());
        prefs.time_zone = "Europe/Paris".into();
        let saved = ops::set_offer_prefs(&f.session, prefs.clone()).unwrap();
        assert_eq!(saved, prefs);
        let mut half = prefs.clone();
        half.quiet_end = None;
        assert_eq!(ops::set_offer_prefs(&f.session, half).unwrap_err().field.as_deref(), Some("quiet_end"));
        let mut unknown = prefs;
        unknown.channels = vec!["carrier-pigeon".into()];
        assert_eq!(ops::set_offer_prefs(&f.session, unknown).unwrap_err().field.as_deref(), Some("channels"));
    }

    #[test]
    fn a_request_is_approved_narrowed_then_paused_and_revoked() {
        let f = unlocked();
        let (client_id, user_code, _) = request(
            &f,
            "field:birth_date:exact field:home.country field:sizes.shoe purpose:recommend-products",
        );
        let pending = ops::pending_requests(&f.session).unwrap();
        let asked = &pending[0].fields;
        let birth = asked.iter().find(|a| a.field == "birth_date").unwrap();
        assert_eq!(birth.allowed_modes, ["exact", "coarse", "answer"], "as asked or coarser");

        let approval = ApprovalInput {
            user_code: user_code.clone(),
            fields: vec![
                GrantedFieldInput { field: "birth_date".into(), mode: "coarse".into() },
                GrantedFieldInput { field: "sizes.shoe".into(), mode: "exact".into() },
            ],
            purposes: vec!["recommend-products".into()],
            days: Some(7),
            sensitive_consent: vec![],
            allow_origin: false,
            agreement: None,
        };
        let grant = ops::approve_request(&f.session, approval).unwrap();
        let granted: Vec<_> = grant.fields.iter().map(|g| (g.field.as_str(), g.mode.as_str())).collect();
        assert_eq!(granted, [("birth_date", "coarse"), ("sizes.shoe", "exact")]);
        assert_eq!(grant.state, "active");
        assert!(ops::pending_requests(&f.session).unwrap().is_empty());

        let paused = ops::set_grant_status(&f.session, grant.id.clone(), "paused".into()).unwrap();
        assert!(!paused.live && paused.state == "paused");
        let revoked = ops::set_grant_status(&f.session, grant.id.clone(), "revoked".into()).unwrap();
        assert_eq!(revoked.state, "revoked");
        let again = ops::set_grant_status(&f.session, grant.id.clone(), "active".into()).unwrap_err();
        assert_eq!(again.code, "conflict", "revocation is final");

        let brands = ops::brands(&f.session).unwrap();
        assert_eq!(brands[0].brand.client_id, client_id);
        assert_eq!(brands[0].grants[0].state, "revoked");
        let events: Vec<String> =
            ops::brand_receipts(&f.session, client_id).unwrap().into_iter().map(|r| r.event).collect();
        assert_eq!(events, ["revoked", "paused", "granted"]);
    }

    #[test]
    fn a_brand_web_origin_is_shown_and_allowed_only_when_it_registered_one() {
        let f = unlocked();
        let scope = "field:sizes.shoe purpose:recommend-products";
        let (_, with_home, _) = request_from(&f, scope, Some("https://shop.example/store/"));
        let pending = ops::pending_requests(&f.session).unwrap();
        assert_eq!(pending[0].brand.web_origin.as_deref(), Some("https://shop.example"));
        let approval = |user_code: String| ApprovalInput {
            user_code,
            fields: vec![GrantedFieldInput { field: "sizes.shoe".into(), mode: "exact".into() }],
            purposes: vec!["recommend-products".into()],
            days: None,
            sensitive_consent: vec![],
            allow_origin: true,
            agreement: None,
        };
        let grant = ops::approve_request(&f.session, approval(with_home)).unwrap();
        assert_eq!(grant.allowed_origin.as_deref(), Some("https://shop.example"));

        let (_, without_home, _) = request_from(&f, scope, None);
        let err = ops::approve_request(&f.session, approval(without_home)).unwrap_err();
        assert_eq!(err.code, "no_web_origin", "{err:?}");
        assert_eq!(ops::pending_requests(&f.session).unwrap().len(), 1, "still waiting");
    }

    #[test]
    fn the_owners_terms_are_proposed_and_a_mismatch_needs_a_choice() {
        let f = unlocked();
        let now = jiff::Timestamp::now();
        let user_code = f
            .session
            .with_vault(|v| {
                let registration = Registration {
                    client_name: "Tidy".into(),
                    client_uri: None,
                    purposes: Set::new(),
                    accepted_agreements: Some(vec!["SD-BASE-ATP-S3P".parse().unwrap()]),
                };
                let brand = v.register_brand(registration, now)?;
                let spec = AccessSpec::from_scope("field:sizes.shoe purpose:recommend-products").unwrap();
                Ok(v.start_device_authorization(&brand.client_id, spec, now)?.user_code)
            })
            .unwrap();
        let pending = ops::pending_requests(&f.session).unwrap();
        let terms = &pending[0].terms;
        assert_eq!((terms.proposed.id.as_str(), terms.standing.as_str()), ("SD-BASE-ATP", "mismatch"));
        let choices: Vec<&str> = terms.choices.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(choices, ["SD-BASE-ATP-S3P"], "only what fits and the brand accepts");
        let approval = |agreement: Option<&str>| ApprovalInput {
            user_code: user_code.clone(),
            fields: vec![GrantedFieldInput { field: "sizes.shoe".into(), mode: "exact".into() }],
            purposes: vec!["recommend-products".into()],
            days: None,
            sensitive_consent: vec![],
            allow_origin: false,
            agreement: agreement.map(str::to_owned),
        };
        assert_eq!(ops::approve_request(&f.session, approval(None)).unwrap_err().code, "terms");
        assert_eq!(
            ops::approve_request(&f.session, approval(Some("SD-BY"))).unwrap_err().field.as_deref(),
            Some("agreement")
        );
        let grant = ops::approve_request(&f.session, approval(Some("SD-BASE-ATP-S3P"))).unwrap();
        assert_eq!(grant.agreement.unwrap().iri, "https://w3id.org/dpv/standards/p7012#SD-BASE-ATP-S3P");
    }

    #[test]
    fn the_owner_sets_default_terms_and_what_brands_may_measure() {
        let f = unlocked();
        let terms = ops::terms(&f.session).unwrap();
        assert_eq!(terms.default.id, "SD-BASE");
        assert_eq!(terms.agreements.len(), 10);
        assert_eq!(
            ops::set_default_terms(&f.session, "SD-BASE-A-DP".into()).unwrap().default.id,
            "SD-BASE-A-DP"
        );
        let err = ops::set_default_terms(&f.session, "SD-BY".into()).unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), ("invalid_value", Some("agreement")));

        let measure = ops::measure_settings(&f.session).unwrap();
        assert_eq!(measure.answers_per_period, 4);
        assert!(
            (measure.truth_probability - 0.75).abs() < 1e-9 && measure.in_words.contains("not about you")
        );
        let changed = ops::set_measure_settings(&f.session, 1.0, 2.0).unwrap();
        assert_eq!(changed.answers_per_period, 2);
        let err = ops::set_measure_settings(&f.session, 1.0, 0.5).unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), ("invalid_value", Some("budget_per_period")));
        assert_eq!(
            ops::measure_settings(&f.session).unwrap().answers_per_period,
            2,
            "a refused change keeps the old"
        );
    }

    #[test]
    fn approving_more_than_asked_is_refused() {
        let f = unlocked();
        let (_, user_code, _) = request(&f, "field:birth_date:coarse purpose:recommend-products");
        let approval = ApprovalInput {
            user_code,
            fields: vec![GrantedFieldInput { field: "birth_date".into(), mode: "exact".into() }],
            purposes: vec!["recommend-products".into()],
            days: None,
            sensitive_consent: vec![],
            allow_origin: false,
            agreement: None,
        };
        let err = ops::approve_request(&f.session, approval).unwrap_err();
        assert_eq!(err.code, "invalid_scope", "{err:?}");
        assert_eq!(ops::pending_requests(&f.session).unwrap().len(), 1, "still waiting");
    }

    #[test]
    fn the_log_is_read_filtered_verified_and_exported_with_progress() {
        let f = unlocked();
        ops::set_field(&f.session, "sizes.shoe".into(), "UK 8".into()).unwrap();
        let (client_id, user_code, device_code) = request(&f, "field:sizes.shoe purpose:recommend-products");
        ops::approve_request(
            &f.session,
            ApprovalInput {
                user_code,
                fields: vec![GrantedFieldInput { field: "sizes.shoe".into(), mode: "exact".into() }],
                purposes: vec!["recommend-products".into()],
                days: None,
                sensitive_consent: vec![],
                allow_origin: false,
                agreement: None,
            },
        )
        .unwrap();
        // The brand reads through the real API the session serves.
        let port = f.session.api_status().unwrap().port;
        let rt = tokio::runtime::Runtime::new().unwrap();
        let read = rt.block_on(async {
            let brand = butler_sdk::Client::new(format!("http://127.0.0.1:{port}"));
            let token = loop {
                if let butler_sdk::Poll::Token(t) = brand.poll_once(&client_id, &device_code).await.unwrap() {
                    break t;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            };
            brand
                .session(&token.access_token)
                .read_profile("recommend-products", &["sizes.shoe"])
                .await
                .unwrap()
        });

        let page = ops::query_log(&f.session, LogFilterInput::default(), None, 10).unwrap();
        let entry = page.entries.iter().find(|e| e.receipt == read.receipt).expect("the read is logged");
        assert_eq!(entry.brand, "Acme Shoes");
        assert_eq!(entry.outcome, "disclosed");
        let refused = LogFilterInput { outcome: Some("refused".into()), ..LogFilterInput::default() };
        assert!(ops::query_log(&f.session, refused, None, 10).unwrap().entries.is_empty());
        let bad = LogFilterInput { since: Some("last tuesday".into()), ..LogFilterInput::default() };
        assert_eq!(ops::query_log(&f.session, bad, None, 10).unwrap_err().field.as_deref(), Some("since"));
        let counts = ops::log_counts(&f.session, 30).unwrap();
        assert_eq!(counts.iter().map(|c| c.requests).sum::<u32>(), 1);

        let chain = ops::verify_log(&f.session).unwrap();
        assert!(chain.verified && chain.entries >= 1, "{chain:?}");

        let out = f.dir.path().join("log.jsonl");
        let done = ops::export_log(&f.session, out.display().to_string(), "jsonl".into()).unwrap();
        assert_eq!(done.entries, Some(1));
        assert!(std::fs::read_to_string(&out).unwrap().contains("Acme Shoes"));
        let notices = f.notices.lock().unwrap();
        assert!(notices.iter().any(|n| matches!(
            n,
            crate::session::Notice::Progress(p) if p.task == "export_log" && p.step == "Done"
        )));
    }

    #[test]
    fn a_profile_exported_sealed_imports_into_another_vault() {
        let f = unlocked();
        ops::set_field(&f.session, "language".into(), "en-GB".into()).unwrap();
        let file = f.dir.path().join("me.butler");
        let path = file.display().to_string();
        ops::export_profile(&f.session, path.clone(), Some("an export passphrase".into())).unwrap();
        assert!(!std::fs::read_to_string(&file).unwrap().contains("en-GB"), "sealed");

        let g = unlocked();
        let err = ops::import_profile(&g.session, path.clone(), None, false).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("passphrase"));
        let err =
            ops::import_profile(&g.session, path.clone(), Some("not it at all".into()), false).unwrap_err();
        assert_ne!(err.code, "internal");
        let done = ops::import_profile(&g.session, path, Some("an export passphrase".into()), false).unwrap();
        assert_eq!(done.fields, 1);
        let language =
            ops::profile_fields(&g.session).unwrap().into_iter().find(|p| p.name == "language").unwrap();
        assert_eq!(language.value.as_deref(), Some("en-GB"));
    }

    #[test]
    fn settings_are_checked_and_a_new_passphrase_works() {
        let f = unlocked();
        let mut settings = ops::settings(&f.session).unwrap();
        assert_eq!(settings.auto_lock_minutes, 10);
        settings.auto_lock_minutes = 0;
        assert_eq!(
            ops::set_settings(&f.session, settings.clone()).unwrap_err().field.as_deref(),
            Some("auto_lock_minutes")
        );
        settings.auto_lock_minutes = 5;
        settings.log_retention_days = Some(0);
        assert_eq!(
            ops::set_settings(&f.session, settings.clone()).unwrap_err().field.as_deref(),
            Some("log_retention_days")
        );
        settings.log_retention_days = Some(365);
        assert_eq!(ops::set_settings(&f.session, settings.clone()).unwrap(), settings);

        let err =
            ops::change_passphrase(&f.session, "wrong".into(), "a new long passphrase".into()).unwrap_err();
        assert_eq!(err.code, "wrong_passphrase");
        std::thread::sleep(std::time::Duration::from_secs(3));
        ops::change_passphrase(
            &f.session,
            "correct horse battery staple".into(),
            "a new long passphrase".into(),
        )
        .unwrap();
        ops::lock(&f.session).unwrap();
        assert!(ops::unlock(&f.session, "a new long passphrase".into()).unwrap().unlocked);
    }

    fn city(f: &Fixture) -> Option<String> {
        ops::profile_fields(&f.session).unwrap().into_iter().find(|p| p.name == "home.city").unwrap().value
    }

    #[test]
    fn a_backup_is_checked_beside_the_open_vault_then_restored_under_its_passphrase() {
        use crate::dto::Locked;
        use crate::session::Notice;
        let f = unlocked();
        ops::set_field(&f.session, "home.city".into(), "Lyon".into()).unwrap();
        let taken = ops::create_backup(&f.session).unwrap();
        assert_eq!(taken.reason, "manual");
        // (The daily backup of the first unlock may be there too, taken by the watcher.)
        assert!(ops::backups(&f.session).unwrap().contains(&taken));
        ops::set_field(&f.session, "home.city".into(), "Paris".into()).unwrap();
        let port = f.session.status().api.unwrap().port;

        // Refused (another passphrase, a file that is no vault, nothing chosen): nothing changes,
        // the vault stays open and the brand API keeps serving.
        let err = ops::restore_backup(&f.session, taken.path.clone(), "not the passphrase at all".into())
            .unwrap_err();
        assert_eq!(err.code, "backup_refused", "{err}");
        let junk = f.dir.path().join("notes.txt");
        std::fs::write(&junk, "not a vault").unwrap();
        let err = ops::restore_backup(
            &f.session,
            junk.display().to_string(),
            "correct horse battery staple".into(),
        )
        .unwrap_err();
        assert_eq!(err.code, "backup_refused", "{err}");
        assert_eq!(
            ops::restore_backup(&f.session, "  ".into(), "x".into()).unwrap_err().field.as_deref(),
            Some("path")
        );
        assert!(f.session.status().unlocked);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(), "the brand API still serves");
        assert_eq!(city(&f).as_deref(), Some("Paris"));

        // Restored: the app locks and says what came back; the vault as it was is kept.
        let restored =
            ops::restore_backup(&f.session, taken.path.clone(), "correct horse battery staple".into())
                .unwrap();
        assert_eq!((restored.values, restored.from.as_str()), (1, taken.path.as_str()));
        assert_eq!(restored.closed_again, Some(0), "no grant was closed since the backup");
        let previous = restored.previous.clone().unwrap();
        assert_eq!(previous.reason, "before-restore");
        assert!(!f.session.status().unlocked);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the brand API stopped");
        assert!(f.notices.lock().unwrap().iter().any(|n| matches!(
            n,
            Notice::Locked(Locked { reason, restored: Some(r), problem: None, .. }) if reason == "restore" && *r == restored
        )));
        let listed = ops::backups(&f.session).unwrap();
        assert!(listed.contains(&previous) && listed.contains(&taken), "listed while locked: {listed:?}");
        ops::unlock(&f.session, "correct horse battery staple".into()).unwrap();
        assert_eq!(city(&f).as_deref(), Some("Lyon"));

        // While locked (a vault that will not open, say), a restore needs no unlock.
        ops::lock(&f.session).unwrap();
        let before = f.notices.lock().unwrap().len();
        let back =
            ops::restore_backup(&f.session, previous.path, "correct horse battery staple".into()).unwrap();
        assert_eq!(back.values, 1);
        assert!(
            !f.notices.lock().unwrap()[before..].iter().any(|n| matches!(n, Notice::Locked(_))),
            "already locked: no lock to announce"
        );
        ops::unlock(&f.session, "correct horse battery staple".into()).unwrap();
        assert_eq!(city(&f).as_deref(), Some("Paris"));
    }

    /// The owner locks while brands' reads are in flight: each read is either answered, with its
    /// entry in the log holding what it disclosed, or refused with nothing in it (503 while the
    /// API stops, or no connection once it has); after the next unlock the brand is served again.
    #[test]
    fn a_lock_in_the_middle_of_brands_reads_answers_each_with_its_entry_or_with_nothing() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};

        let f = unlocked();
        ops::set_field(&f.session, "home.country".into(), "FR".into()).unwrap();
        let url = f.session.status().api.unwrap().url.unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let brand = butler_sdk::Client::new(url.clone());
        let (client_id, asked) = runtime.block_on(async {
            let registered = brand.register("Acme Shoes", None).await.unwrap();
            let scope = "field:home.country purpose:recommend-products";
            (registered.client_id.clone(), brand.request_access(&registered.client_id, scope).await.unwrap())
        });
        f.session
            .with_vault(|v| {
                let approval = butler_core::grants::Approval {
                    narrowed_to: None,
                    sensitive_consent: vec![],
                    days: None,
                    rate_per_minute: Some(1_000_000),
                    allow_origin: false,
                    agreement: None,
                };
                Ok(v.approve_request(&asked.user_code, &approval, jiff::Timestamp::now())?)
            })
            .unwrap();
        let token = match runtime.block_on(brand.poll_once(&client_id, &asked.device_code)).unwrap() {
            butler_sdk::Poll::Token(t) => t.access_token,
            other => panic!("no token: {other:?}"),
        };

        // Four brands' pages read as fast as they can; the owner locks meanwhile.
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let (url, token, stop) = (url.clone(), token.clone(), stop.clone());
                runtime.spawn(async move {
                    let brand = butler_sdk::Client::new(url);
                    let session = brand.session(&token);
                    let (mut answered, mut refused, mut unavailable) = (Vec::new(), 0u32, 0u32);
                    while !stop.load(Ordering::Relaxed) {
                        match session.read_profile("recommend-products", &["home.country"]).await {
                            Ok(read) => {
                                answered
                                    .push((read.receipt, read.fields.keys().cloned().collect::<Vec<_>>()));
                            }
                            Err(butler_sdk::Error::Unavailable(_)) => unavailable += 1,
                            Err(butler_sdk::Error::Http(_)) => refused += 1,
                            Err(other) => panic!("neither answered nor refused cleanly: {other:?}"),
                        }
                    }
                    (answered, refused, unavailable)
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(300));
        f.session.lock("owner");
        std::thread::sleep(std::time::Duration::from_millis(100));
        stop.store(true, Ordering::Relaxed);
        let mut answered = Vec::new();
        let (mut refused, mut unavailable) = (0, 0);
        for reader in readers {
            let (a, r, u) = runtime.block_on(reader).unwrap();
            answered.extend(a);
            refused += r;
            unavailable += u;
        }
        eprintln!(
            "{} answered, {unavailable} refused with 503 while stopping, {refused} not connected",
            answered.len()
        );
        assert!(!answered.is_empty() && refused + unavailable > 0, "reads on both sides of the lock");

        ops::unlock(&f.session, "correct horse battery staple".into()).unwrap();
        f.session
            .with_vault(|v| {
                let log: std::collections::BTreeMap<i64, Vec<String>> = v
                    .access_log(usize::MAX)?
                    .into_iter()
                    .map(|e| (e.seq, e.disclosed.iter().map(|d| d.field.clone()).collect()))
                    .collect();
                for (receipt, fields) in &answered {
                    let seq: i64 = receipt.trim_start_matches("log-").parse().unwrap();
                    let disclosed = log
                        .get(&seq)
                        .unwrap_or_else(|| panic!("{receipt} was answered but is not in the log"));
                    assert_eq!(disclosed, fields, "{receipt} records what was sent");
                }
                Ok(())
            })
            .unwrap();
        let url = f.session.status().api.unwrap().url.unwrap();
        let again = runtime.block_on(async {
            butler_sdk::Client::new(url)
                .session(&token)
                .read_profile("recommend-products", &["home.country"])
                .await
        });
        assert_eq!(again.unwrap().fields.len(), 1, "served again after the unlock");
    }

    /// A brand's offer under way when the owner locks (held up here by another program's write
    /// transaction on the vault file) gets 503 and leaves nothing: no offer in the inbox, no
    /// entry in the log.
    #[test]
    fn an_offer_under_way_when_the_owner_locks_gets_503_and_leaves_nothing() {
        let f = unlocked();
        let url = f.session.status().api.unwrap().url.unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let brand = butler_sdk::Client::new(url.clone());
        let (client_id, asked) = runtime.block_on(async {
            let registered = brand.register("Acme Shoes", None).await.unwrap();
            let scope = "field:offer_preferences:answer purpose:contact";
            (registered.client_id.clone(), brand.request_access(&registered.client_id, scope).await.unwrap())
        });
        let fields = vec![GrantedFieldInput { field: "offer_preferences".into(), mode: "answer".into() }];
        let approval = ApprovalInput {
            user_code: asked.user_code.clone(),
            fields,
            purposes: vec!["contact".into()],
            days: None,
            sensitive_consent: vec![],
            allow_origin: false,
            agreement: None,
        };
        ops::approve_request(&f.session, approval).unwrap();
        let token = match runtime.block_on(brand.poll_once(&client_id, &asked.device_code)).unwrap() {
            butler_sdk::Poll::Token(t) => t.access_token,
            other => panic!("no token: {other:?}"),
        };
        let offer = |title: &str| butler_sdk::protocol::OfferRequest {
            purpose: "contact".into(),
            kind: butler_protocol::OfferKind::Discount,
            channel: butler_protocol::Channel::ButlerInbox,
            title: title.into(),
            body: None,
            url: None,
            tactics: vec![],
        };
        let send = |offer: butler_sdk::protocol::OfferRequest| {
            let (url, token) = (url.clone(), token.clone());
            async move { butler_sdk::Client::new(url).session(&token).offer(&offer).await }
        };
        runtime.block_on(send(offer("Before"))).unwrap();
        let state =
            || f.session.with_vault(|v| Ok((v.inbox(100)?.len(), v.access_log(usize::MAX)?.len()))).unwrap();
        let before = state();

        // Another program holds the vault's write lock: the next offer waits inside Butler.
        let holder = rusqlite::Connection::open(f.session.vault_path()).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE;").unwrap();
        let under_way = runtime.spawn(send(offer("Under way")));
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!under_way.is_finished(), "the offer waits for the vault's write lock");

        // The owner locks meanwhile; then the other program lets go.
        std::thread::scope(|s| {
            let locking = s.spawn(|| f.session.lock("owner"));
            std::thread::sleep(std::time::Duration::from_millis(200));
            holder.execute_batch("ROLLBACK;").unwrap();
            let answer = runtime.block_on(under_way).unwrap();
            assert!(
                matches!(&answer, Err(butler_sdk::Error::Unavailable(_))),
                "an offer under way at the lock gets 503: {answer:?}"
            );
            locking.join().unwrap();
        });
        ops::unlock(&f.session, "correct horse battery staple".into()).unwrap();
        assert_eq!(state(), before, "no offer kept and no entry written for the refused one");
    }
}
