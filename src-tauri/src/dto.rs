//! What crosses between the shell and the UI. Each type derives `ts_rs::TS`, and `cargo test`
//! writes its TypeScript twin into `ui/src/bindings/` (the test command checks that the committed
//! files match), so no shape is written twice by hand.
//!
//! Times cross as RFC 3339 strings and dates as `YYYY-MM-DD`, in UTC unless said otherwise.

use butler_core::access::{AccessSpec, Purpose, mode_name};
use butler_core::catalog::{Field, Sensitivity};
use butler_core::interests::{Interest, Source, Status, Subject};
use butler_core::{Mode, taxonomy};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error as the UI sees it: a stable code to branch on and a message to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CommandError {
    /// `wrong_passphrase`, `throttled`, `invalid_value`, `not_found`, `locked`, `no_vault`, ...
    pub code: String,
    pub message: String,
    /// The field a validation message belongs beside, when there is one.
    pub field: Option<String>,
}

impl CommandError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into(), field: None }
    }

    pub fn locked() -> Self {
        Self::new("locked", "the vault is locked: unlock it first")
    }
}

impl From<butler_core::Error> for CommandError {
    fn from(e: butler_core::Error) -> Self {
        let field = match &e {
            butler_core::Error::Invalid(v) => Some(v.field.to_owned()),
            _ => None,
        };
        let message = match &e {
            // The field is named by where the message is shown; the reason alone reads better.
            butler_core::Error::Invalid(v) => v.reason.clone(),
            other => other.to_string(),
        };
        Self { code: e.code().to_owned(), message, field }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> Self {
        Self::new("io", e.to_string())
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VaultStatus {
    pub exists: bool,
    pub unlocked: bool,
    /// The vault file's path.
    pub path: String,
    /// The brand API, while unlocked.
    pub api: Option<ApiStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ApiStatus {
    /// Whether brands can reach Butler now.
    pub serving: bool,
    pub port: u16,
    /// `http://127.0.0.1:PORT` while serving.
    pub url: Option<String>,
    /// Why it is not serving (the port is taken, ...).
    pub problem: Option<String>,
}

/// One catalog field with its value, for the profile screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ProfileField {
    pub name: String,
    pub description: String,
    /// `date`, `text`, `language_tag`, `country_code`, `postcode`, `count`, `ages`, ...
    pub kind: String,
    /// `ordinary`, `contact` or `special` (health, religion, politics).
    pub sensitivity: String,
    /// The disclosure modes brands may ask for.
    pub modes: Vec<String>,
    /// The value as the owner would type it; `None` when not set.
    pub value: Option<String>,
    /// Edited on the profile screen as a value (interests and offer preferences have their own).
    pub editable: bool,
    /// A short example of the expected format.
    pub example: String,
}

impl ProfileField {
    pub fn of(field: Field, value: Option<String>) -> Self {
        let kind = serde_json::to_value(field.kind()).ok().and_then(|v| v.as_str().map(str::to_owned));
        Self {
            name: field.name().to_owned(),
            description: field.description().to_owned(),
            kind: kind.unwrap_or_default(),
            sensitivity: sensitivity_name(field.sensitivity()).to_owned(),
            modes: field.modes().iter().map(|m| mode_name(*m).to_owned()).collect(),
            value,
            editable: field.is_simple(),
            example: example(field).to_owned(),
        }
    }
}

fn example(field: Field) -> &'static str {
    match field {
        Field::BirthDate => "1988-06-14",
        Field::Gender => "woman",
        Field::Language => "en-GB",
        Field::HomeCountry => "GB",
        Field::HomeRegion => "England",
        Field::HomeCity => "Bristol",
        Field::HomePostcode => "BS1 4DJ",
        Field::HouseholdSize => "3",
        Field::HouseholdChildrenAges => "4, 7",
        Field::SizesClothing => "EU 40",
        Field::SizesShoe => "UK 8",
        Field::ContactEmail => "me@example.org",
        Field::ShoppingDecisionStyle => "compare, quick or loyal",
        Field::Health => "a free-text note",
        Field::Religion | Field::Politics => "free text",
        Field::Interests | Field::OfferPreferences => "",
    }
}

pub fn sensitivity_name(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::Ordinary => "ordinary",
        Sensitivity::Contact => "contact",
        Sensitivity::Special => "special",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct InterestView {
    #[ts(type = "number")]
    pub id: i64,
    /// The topic's id in the Topics taxonomy, for a topic.
    pub topic: Option<u16>,
    /// What the owner sees: the topic's path or the free text.
    pub label: String,
    pub weight: f64,
    /// `stated`, or the brand whose signal the owner accepted.
    pub source: String,
    /// `active`, `snoozed`, `off`, `expired` or `one_off`.
    pub status: String,
    /// The status in words: "snoozed until 2026-12-01".
    pub status_text: String,
    pub snoozed_until: Option<String>,
    pub expires: Option<String>,
    pub one_off: bool,
    pub added: String,
}

impl InterestView {
    pub fn of(i: &Interest, today: Date) -> Self {
        let (topic, label) = match &i.subject {
            Subject::Topic { id } => (
                Some(*id),
                taxonomy::lookup(*id).map_or_else(|| format!("topic {id}"), |t| t.path.to_owned()),
            ),
            Subject::Text { text } => (None, text.clone()),
        };
        let status = i.status(today);
        let status_name = match status {
            Status::Active => "active",
            Status::Snoozed(_) => "snoozed",
            Status::Off => "off",
            Status::Expired(_) => "expired",
            Status::OneOff => "one_off",
        };
        Self {
            id: i.id.0,
            topic,
            label,
            weight: i.weight,
            source: match &i.source {
                Source::Stated => "stated".to_owned(),
                Source::Signal { brand } => brand.clone(),
            },
            status: status_name.to_owned(),
            status_text: status.to_string(),
            snoozed_until: match status {
                Status::Snoozed(d) => Some(d.to_string()),
                _ => None,
            },
            expires: i.expires.map(|d| d.to_string()),
            one_off: i.one_off,
            added: i.added.to_string(),
        }
    }
}

/// A new interest: a topic or free text.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct NewInterestInput {
    pub topic: Option<u16>,
    pub text: Option<String>,
    pub weight: f64,
    /// `YYYY-MM-DD`: the interest stops counting on this day.
    pub expires: Option<String>,
    /// A one-off (a gift): kept, never used to personalize.
    pub one_off: bool,
}

/// One change to an interest.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "change", rename_all = "snake_case")]
#[ts(export)]
pub enum InterestChange {
    SwitchOn,
    SwitchOff,
    Snooze { until: String },
    Expire { on: Option<String> },
    OneOff { one_off: bool },
    Weight { weight: f64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TopicView {
    pub id: u16,
    pub name: String,
    pub path: String,
}

/// Offer preferences as the settings form edits them. Lists hold the vocabulary's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OfferPrefsView {
    pub kinds_wanted: Vec<String>,
    pub kinds_unwanted: Vec<String>,
    pub channels: Vec<String>,
    pub per_brand_per_day: Option<u32>,
    pub per_brand_per_week: Option<u32>,
    pub overall_per_day: Option<u32>,
    pub overall_per_week: Option<u32>,
    /// `HH:MM`, both or neither.
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// An IANA time zone, such as `Europe/London`.
    pub time_zone: String,
    pub unwelcome_tactics: Vec<String>,
}

/// The vocabularies the preference form chooses from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OfferVocabulary {
    pub kinds: Vec<String>,
    pub channels: Vec<String>,
    pub tactics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PurposeView {
    /// The scope name, such as `recommend-products`.
    pub name: String,
    pub description: String,
    /// The W3C DPV term.
    pub dpv: String,
}

impl PurposeView {
    pub fn of(p: Purpose) -> Self {
        Self {
            name: p.name().to_owned(),
            description: p.description().to_owned(),
            dpv: p.dpv_term().to_owned(),
        }
    }
}

/// A field a request asks for, and the modes the owner may grant instead (as asked or coarser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AskedField {
    pub field: String,
    pub description: String,
    pub mode: String,
    /// The modes that grant no more than asked, most precise first.
    pub allowed_modes: Vec<String>,
    pub sensitivity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BrandSummary {
    pub client_id: String,
    pub name: String,
    /// The home page the brand gave; unverified.
    pub client_uri: Option<String>,
    /// The web origin of that home page: the origin its pages would call from.
    pub web_origin: Option<String>,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RequestView {
    pub user_code: String,
    pub brand: BrandSummary,
    pub fields: Vec<AskedField>,
    pub purposes: Vec<PurposeView>,
    pub created_at: String,
    pub expires_at: String,
    pub terms: TermsView,
}

/// Where a request stands with the owner's terms (IEEE 7012).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TermsView {
    /// The agreement Butler proposes for the request's purposes.
    pub proposed: AgreementView,
    /// `unstated` (the brand declared none: taking the token binds it), `accepted`, or
    /// `mismatch` (the brand accepts none of the owner's: it cannot be approved as is).
    pub standing: String,
    /// The agreements the brand declared, if it declared any.
    pub brand_accepts: Option<Vec<AgreementView>>,
    /// Every agreement that permits the request's purposes, strictest first: what the owner may
    /// choose from (only those the brand accepts, if it declared any).
    pub choices: Vec<AgreementView>,
}

/// The owner's default terms and the agreements to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TermsSettingsView {
    pub default: AgreementView,
    /// Every agreement, strictest first.
    pub agreements: Vec<AgreementView>,
}

/// What brands may learn from measurement answers.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MeasureSettingsView {
    /// The privacy loss of one answer.
    pub epsilon_per_answer: f64,
    /// What each brand may spend per month.
    pub budget_per_period: f64,
    /// How many fresh answers that makes per brand and month.
    pub answers_per_period: u32,
    /// How often a yes/no answer is the truth (0 to 1).
    pub truth_probability: f64,
    /// The same, in the owner's words.
    pub in_words: String,
}

/// An IEEE 7012 agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AgreementView {
    /// The DPV `p7012` identifier, such as `SD-BASE`.
    pub id: String,
    pub iri: String,
    /// What it allows, in the owner's words.
    pub description: String,
}

pub fn asked_fields(spec: &AccessSpec) -> Vec<AskedField> {
    spec.fields
        .iter()
        .map(|(field, mode)| {
            let asked = single(*field, *mode);
            let allowed_modes = field
                .modes()
                .iter()
                .filter(|m| single(*field, **m).is_within(&asked))
                .map(|m| mode_name(*m).to_owned())
                .collect();
            AskedField {
                field: field.name().to_owned(),
                description: field.description().to_owned(),
                mode: mode_name(*mode).to_owned(),
                allowed_modes,
                sensitivity: sensitivity_name(field.sensitivity()).to_owned(),
            }
        })
        .collect()
}

fn single(field: Field, mode: Mode) -> AccessSpec {
    AccessSpec { fields: [(field, mode)].into(), purposes: std::collections::BTreeSet::new() }
}

/// The owner's decision on a request: what to grant (at most what was asked) and for how long.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ApprovalInput {
    pub user_code: String,
    /// The fields to grant with their modes; a field left out is not granted.
    pub fields: Vec<GrantedFieldInput>,
    /// The purposes to grant, by name.
    pub purposes: Vec<String>,
    /// How many days the grant lasts.
    #[ts(type = "number | null")]
    pub days: Option<i64>,
    /// Special-category fields the owner explicitly consents to.
    pub sensitive_consent: Vec<String>,
    /// Lets the brand's web origin call Butler from its pages while the grant is live.
    #[serde(default)]
    pub allow_origin: bool,
    /// The agreement (its id) the grant binds the brand to; none takes the proposed one.
    #[serde(default)]
    pub agreement: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct GrantedFieldInput {
    pub field: String,
    pub mode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct GrantedField {
    pub field: String,
    pub mode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct GrantView {
    pub id: String,
    pub client_id: String,
    pub brand: String,
    /// `active`, `paused`, `revoked` or `expired`.
    pub state: String,
    pub live: bool,
    pub fields: Vec<GrantedField>,
    pub purposes: Vec<PurposeView>,
    pub created_at: String,
    pub expires_at: String,
    pub rate_per_minute: u32,
    /// The brand's web origin, if its pages may call Butler with this grant.
    pub allowed_origin: Option<String>,
    /// The owner's terms the grant binds the brand to.
    pub agreement: Option<AgreementView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BrandView {
    pub brand: BrandSummary,
    pub registered_at: String,
    pub grants: Vec<GrantView>,
}

/// What a brand was given, from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KnowledgeView {
    pub field: String,
    pub mode: String,
    pub purpose: String,
    pub grant_id: String,
    pub grant_live: bool,
    pub first: String,
    pub last: String,
    pub times: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReceiptView {
    pub id: String,
    pub grant_id: String,
    /// `granted`, `paused`, `resumed`, `revoked` or `expired`.
    pub event: String,
    pub issued_at: String,
    /// The signed receipt (compact JWS), for the owner to copy and check elsewhere.
    pub jws: String,
}

/// Filters of the activity view; every one optional.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct LogFilterInput {
    /// A brand's client id.
    pub brand: Option<String>,
    pub field: Option<String>,
    pub purpose: Option<String>,
    /// `disclosed`, `narrowed`, `refused` or `received`.
    pub outcome: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Words in brand or field names.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WithheldView {
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LogEntryView {
    #[ts(type = "number")]
    pub seq: i64,
    /// The receipt the brand got: `log-<seq>`.
    pub receipt: String,
    pub at: String,
    pub client_id: String,
    pub brand: String,
    pub grant_id: Option<String>,
    pub endpoint: String,
    pub purpose: Option<String>,
    pub asked: Vec<String>,
    pub disclosed: Vec<GrantedField>,
    pub withheld: Vec<WithheldView>,
    pub outcome: String,
    pub note: Option<String>,
    /// The web origin of the brand's page that made the request.
    pub origin: Option<String>,
    /// The owner's terms (IEEE 7012 agreement id) the brand was bound to.
    pub agreement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LogPageView {
    pub entries: Vec<LogEntryView>,
    /// Pass as `before` for the next page; `None` at the end.
    #[ts(type = "number | null")]
    pub next: Option<i64>,
    /// Entries that matched the index but are missing or do not open: shown as a warning.
    #[ts(type = "Array<number>")]
    pub unreadable: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DailyCountView {
    pub day: String,
    pub client_id: String,
    pub brand: String,
    pub outcome: String,
    pub requests: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ChainStatus {
    pub verified: bool,
    /// Entries checked.
    pub entries: u32,
    /// Where and why the chain breaks.
    #[ts(type = "number | null")]
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
    pub checked_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AlertView {
    #[ts(type = "number")]
    pub id: i64,
    pub at: String,
    /// `rate_spike`, `ungranted_fields`, `new_purpose` or `chain_broken`.
    pub kind: String,
    pub brand: Option<String>,
    pub message: String,
    #[ts(type = "number | null")]
    pub seq: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OfferView {
    #[ts(type = "number")]
    pub id: i64,
    pub brand: String,
    pub received_at: String,
    /// `delivered`, `deferred` or `declined`.
    pub decision: String,
    pub not_before: Option<String>,
    /// Why Butler decided so.
    pub reason: String,
    pub kind: String,
    pub channel: String,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub tactics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SuggestionView {
    #[ts(type = "number")]
    pub id: i64,
    pub brand: String,
    pub received_at: String,
    /// What the brand reported, such as `purchase`.
    pub event: String,
    pub topic: Option<u16>,
    pub label: String,
    /// The brand thinks it was a one-off (a gift).
    pub one_off_hint: bool,
    /// `pending`, `accepted`, `rejected` or `one_off`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SettingsView {
    pub auto_lock_minutes: u32,
    pub api_port: u16,
    /// Days the access log keeps entries; `None` keeps them all.
    pub log_retention_days: Option<u32>,
}

/// Progress of long work (export, import, verification), sent as the `progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Progress {
    /// `export_profile`, `import_profile`, `export_log`, `verify_log` or `restore`.
    pub task: String,
    /// What is happening now, in words.
    pub step: String,
    pub done: u32,
    /// `None` while the total is unknown.
    pub total: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportDone {
    pub path: String,
    pub bytes: u32,
    /// Log exports: entries written.
    pub entries: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportDone {
    pub fields: u32,
    pub interests: u32,
    pub offer_preferences: bool,
}

/// Why the vault was locked, sent as the `locked` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Locked {
    /// `auto` (idle), `owner`, or `restore` (a backup replaced the vault, or was to).
    pub reason: String,
    pub idle_minutes: Option<u32>,
    /// With `restore`: what was restored.
    pub restored: Option<RestoredView>,
    /// With `restore`: why the backup could not be put in place after all.
    pub problem: Option<String>,
}

/// One backup of the vault, in the `backups` folder beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BackupView {
    pub path: String,
    /// RFC 3339.
    pub taken_at: String,
    /// `daily`, `migration`, `before-restore` or `manual`.
    pub reason: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What a restore checked and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RestoredView {
    /// The backup now in place.
    pub from: String,
    /// Sealed values opened in it (fields, interests, preferences).
    pub values: u32,
    /// Access-log entries whose chain verified.
    #[ts(type = "number")]
    pub log_entries: u64,
    /// The vault as it was before, kept as a backup.
    pub previous: Option<BackupView>,
    /// Grants revoked or paused since the backup, revoked or paused again; `None` when the vault
    /// as it was could not be read (damaged, or another passphrase), so none could be.
    pub closed_again: Option<u32>,
}

/// Sent as the `requests` event whenever the pending requests change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RequestsChanged {
    pub pending: u32,
}
