//! Butler's wire vocabulary: the names and shapes that brands and Butler exchange over HTTP
//! (disclosure modes, offer kinds, channels and tactics, withheld reasons, candidates, and every
//! request and response body of the brand API).
//!
//! The core, the API server and the brand SDK all use these types, so a body is defined once.
//! With the `openapi` feature, each type also describes itself for the OpenAPI document.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Disclosure modes, from most to least revealing ("nothing" is the absence of a grant).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Exact,
    Coarse,
    Answer,
}

macro_rules! vocabulary {
    ($(#[doc = $doc:literal])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // Written out rather than derived: the derive does not see a `rename` whose value comes
        // from a macro argument, and would describe the variants' Rust names instead of the wire's.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .description(Some(concat!($($doc),*).trim()))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s { $($text => Ok($name::$variant),)+ _ => Err(format!(
                    "`{s}` is not one of {}",
                    [$($text),+].join(", ")
                )) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// What an offer is.
    OfferKind {
        Discount = "discount",
        NewProduct = "new-product",
        BackInStock = "back-in-stock",
        PriceDrop = "price-drop",
        Event = "event",
        LoyaltyReward = "loyalty-reward",
        Newsletter = "newsletter",
    }
);

vocabulary!(
    /// How an offer reaches the owner.
    Channel {
        ButlerInbox = "butler-inbox",
        Email = "email",
        Sms = "sms",
        Push = "push",
        Post = "post",
        Phone = "phone",
    }
);

vocabulary!(
    /// Persuasion tactics an offer may declare, and the owner may refuse.
    Tactic {
        CountdownUrgency = "countdown-urgency",
        ScarcityClaims = "scarcity-claims",
        RecentlyViewed = "recently-viewed",
        FamilyMentions = "family-mentions",
        SocialProof = "social-proof",
        PreselectedExtras = "preselected-extras",
    }
);

/// Why a field was not disclosed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithheldReason {
    /// Not in the grant.
    NotGranted,
    /// Not a field of the catalog.
    UnknownField,
    /// The owner has not set it.
    Empty,
    /// Granted only as computed answers (ask the answers or offers endpoint).
    AnswerOnly,
    /// The interest is switched off, snoozed or a one-off.
    SwitchedOff,
    /// Expired.
    Expired,
    /// A special category, never disclosed raw.
    Sensitive,
}

impl WithheldReason {
    /// The reason's name, as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WithheldReason::NotGranted => "not_granted",
            WithheldReason::UnknownField => "unknown_field",
            WithheldReason::Empty => "empty",
            WithheldReason::AnswerOnly => "answer_only",
            WithheldReason::SwitchedOff => "switched_off",
            WithheldReason::Expired => "expired",
            WithheldReason::Sensitive => "sensitive",
        }
    }
}

/// A field withheld, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithheldField {
    pub field: String,
    pub reason: WithheldReason,
}

/// What Butler decided about an offer. The brand learns this and nothing more.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Delivered,
    Deferred,
    Declined,
}

/// One thing a brand would like to show.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// The brand's own identifier, echoed back.
    pub id: String,
    /// Topics of the Topics taxonomy the candidate is about.
    #[serde(default)]
    pub topics: Vec<u16>,
    /// Words describing it (matched against free-text interests and topic names).
    #[serde(default)]
    pub text: Option<String>,
    /// If it is an offer, its kind (unwanted kinds rank last).
    #[serde(default)]
    pub kind: Option<OfferKind>,
}

/// A candidate's score, from 0 (nothing in common) to 1.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub id: String,
    pub score: f64,
}

// The brand API's request and response bodies.

/// An RFC 9457 problem details body (`application/problem+json`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

/// An OAuth error body (RFC 6749 §5.2, RFC 8628 §3.5, RFC 7591 §3.2.2).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthError {
    /// For example `authorization_pending`, `slow_down`, `access_denied`, `expired_token`,
    /// `invalid_grant`, `invalid_client`, `invalid_scope`, `invalid_client_metadata`.
    pub error: String,
    pub error_description: String,
}

/// RFC 7591 client metadata. Unknown members are ignored, as the RFC asks.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub client_name: Option<String>,
    /// The brand's home page (http or https).
    pub client_uri: Option<String>,
    /// Purposes the brand declares, as `purpose:<name>` tokens.
    pub scope: Option<String>,
    /// Only `urn:ietf:params:oauth:grant-type:device_code`.
    pub grant_types: Option<Vec<String>>,
    /// Only `none`: brands are public clients.
    pub token_endpoint_auth_method: Option<String>,
    /// The IEEE 7012 agreements the brand accepts (DPV `p7012` identifiers such as `SD-BASE`, or
    /// their IRIs). A brand that declares none is bound to the owner's agreement by taking a
    /// token.
    pub accepted_agreements: Option<Vec<String>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub client_id: String,
    pub client_id_issued_at: i64,
    pub client_name: String,
    pub client_uri: Option<String>,
    pub scope: String,
    pub grant_types: Vec<String>,
    pub token_endpoint_auth_method: String,
    /// The agreements the brand declared, as IRIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_agreements: Option<Vec<String>>,
}

/// RFC 8628 §3.1 device authorization request (form-encoded).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceAuthorizationRequest {
    /// Or HTTP Basic authentication with an empty password.
    pub client_id: Option<String>,
    /// `field:<name>[:<mode>]` and `purpose:<name>` tokens, space-separated.
    pub scope: Option<String>,
    /// RFC 9396 authorization details (a JSON array of `butler_profile` objects), as a string.
    pub authorization_details: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: String,
    /// Short and human-friendly: the owner approves it in Butler.
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: u64,
    pub interval: u32,
}

/// RFC 8628 §3.4 token request (form-encoded).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRequest {
    /// `urn:ietf:params:oauth:grant-type:device_code`.
    pub grant_type: Option<String>,
    pub device_code: Option<String>,
    pub client_id: Option<String>,
}

/// The access token and what was actually granted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Opaque: `btk_` followed by 48 hex digits.
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    /// The granted scope (possibly narrower than asked).
    pub scope: String,
    /// The grant as RFC 9396 authorization details.
    pub authorization_details: Value,
    pub butler_grant_id: String,
    /// The owner's terms the brand accepts by taking this token: an IEEE 7012 agreement, as its
    /// DPV `p7012` IRI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub butler_agreement: Option<String>,
}

/// RFC 7662 introspection or RFC 7009 revocation request (form-encoded).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenOnlyRequest {
    pub token: Option<String>,
    pub client_id: Option<String>,
    /// Accepted and ignored: Butler has one kind of token.
    pub token_type_hint: Option<String>,
}

/// RFC 7662 introspection response. A token is described only to its own client.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntrospectionResponse {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub butler_grant_id: Option<String>,
    /// The owner's terms the token's grant binds the brand to (IEEE 7012, DPV `p7012` IRI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub butler_agreement: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogField {
    pub field: String,
    pub description: String,
    /// `ordinary`, `contact` or `special`.
    pub sensitivity: String,
    pub modes: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurposeInfo {
    pub purpose: String,
    /// The purpose's W3C DPV term.
    pub dpv: String,
    pub description: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogResponse {
    pub fields: Vec<CatalogField>,
    pub purposes: Vec<PurposeInfo>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileQuery {
    /// The purpose of this read; it must be granted.
    pub purpose: Option<String>,
    /// Comma-separated field names, at most 64.
    pub fields: Option<String>,
}

/// A disclosed field: its mode, and the value in that mode.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DisclosedValue {
    /// `exact` or `coarse`.
    pub mode: String,
    pub value: Value,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileResponse {
    /// The owner's access-log entry for this response (also in `Butler-Receipt`).
    pub receipt: String,
    pub purpose: String,
    pub fields: BTreeMap<String, DisclosedValue>,
    /// Every asked field not disclosed, with the reason.
    pub withheld: Vec<WithheldField>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    /// `recommend-products`, `personalize-content` or `personalize-offers`.
    pub purpose: String,
    /// 1 to 200 candidates.
    pub candidates: Vec<Candidate>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswersResponse {
    pub receipt: String,
    pub purpose: String,
    /// Best first; scores from 0 to 1.
    pub ranking: Vec<Ranked>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferRequest {
    /// `contact`.
    pub purpose: String,
    pub kind: OfferKind,
    pub channel: Channel,
    /// Every persuasion tactic the offer uses.
    #[serde(default)]
    pub tactics: Vec<Tactic>,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    /// An https URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// The brand learns the decision and nothing else.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfferResponse {
    pub receipt: String,
    pub decision: Decision,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalRequest {
    pub purpose: String,
    /// `purchase`, `view`, `wishlist` or `interest`.
    pub event: String,
    /// A Topics taxonomy id (or give `text`).
    #[serde(default)]
    pub topic: Option<u16>,
    #[serde(default)]
    pub text: Option<String>,
    /// The brand's hint that this was a one-off (a gift).
    #[serde(default)]
    pub one_off: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignalResponse {
    pub receipt: String,
    /// Always `pending_owner_review`: the profile does not change until the owner decides.
    pub status: String,
}

/// A measurement question (purpose `measure`): `interest:<topic id>` (yes/no), `age_band`,
/// `household_size` or `country` (with the ISO 3166-1 codes to tell apart in `categories`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRequest {
    /// `measure`.
    pub purpose: String,
    pub question: String,
    /// For `country` only: the countries to tell apart (at most 20).
    #[serde(default)]
    pub categories: Vec<String>,
}

/// A randomized answer: the truth only with probability `truth_probability`, otherwise another
/// category at random. The same question gets the same answer all period (`fresh: false`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasureResponse {
    pub receipt: String,
    pub purpose: String,
    /// The question as Butler keeps it (countries sorted).
    pub question: String,
    /// One of `categories`.
    pub answer: String,
    pub categories: Vec<String>,
    /// The privacy loss of this answer (local differential privacy).
    pub epsilon: f64,
    /// The probability that `answer` is the truth: `e^ε / (e^ε + k − 1)`.
    pub truth_probability: f64,
    /// False when this is the answer already given this period (nothing more was spent).
    pub fresh: bool,
    pub budget: MeasureBudget,
}

/// The brand's privacy budget for the period, which the owner sets.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasureBudget {
    /// The calendar month, UTC (`2026-11`).
    pub period: String,
    pub epsilon_total: f64,
    pub epsilon_spent: f64,
    pub epsilon_left: f64,
}

// Consent receipts and the key that signs them.

/// The grant change a consent receipt records.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptEvent {
    /// The owner approved the brand's request: the grant begins.
    Granted,
    /// The owner paused the grant: nothing is answered until it is resumed.
    Paused,
    /// The owner resumed a paused grant.
    Resumed,
    /// The owner revoked the grant, for good.
    Revoked,
    /// The grant reached the end the owner set for it.
    Expired,
}

impl ReceiptEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptEvent::Granted => "granted",
            ReceiptEvent::Paused => "paused",
            ReceiptEvent::Resumed => "resumed",
            ReceiptEvent::Revoked => "revoked",
            ReceiptEvent::Expired => "expired",
        }
    }
}

impl fmt::Display for ReceiptEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The brand, as the party that receives the data (Kantara `piiControllers`). Its name and home
/// page are the brand's own claims at registration.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiController {
    pub pii_controller: String,
    /// The brand's registered `client_uri`, if it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pii_controller_url: Option<String>,
    pub on_behalf: bool,
}

/// One granted purpose, with the data it covers (Kantara `services[].purposes[]`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptPurpose {
    /// Butler's purpose name, for example `recommend-products`.
    pub purpose: String,
    /// The purpose's W3C DPV term, for example `https://w3id.org/dpv#ProvideProductRecommendations`.
    pub purpose_category: Vec<String>,
    /// Always `EXPLICIT`: the owner approved the request in Butler.
    pub consent_type: String,
    /// The granted fields with their disclosure modes, as `field:mode` (`birth_date:coarse`).
    pub pii_category: Vec<String>,
    /// When the grant ends unless it is revoked first (RFC 3339).
    pub termination: String,
    /// Always false: a grant allows no disclosure to third parties.
    pub third_party_disclosure: bool,
}

/// What the grant is for (Kantara `services`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptService {
    pub service: String,
    pub purposes: Vec<ReceiptPurpose>,
}

/// The signed content of a consent receipt: the members of the Kantara Consent Receipt v1.1
/// where they fit, and Butler's own (`grantId` onwards). It travels as the payload of a compact
/// JWS (RFC 7515, `alg: EdDSA`) that the key at `/.well-known/jwks.json` verifies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentReceipt {
    /// `KI-CR-v1.1.0`.
    pub version: String,
    /// When the owner consented: the grant's approval (seconds since the Unix epoch).
    pub consent_timestamp: i64,
    pub collection_method: String,
    /// A UUID, also the receipt's `id` in `/v1/receipts`.
    #[serde(rename = "consentReceiptID")]
    pub consent_receipt_id: String,
    /// The language of the receipt's text (BCP 47).
    pub language: String,
    /// A pseudonym of the owner for this brand: stable across the brand's receipts, different
    /// for every brand, and never a name.
    pub pii_principal_id: String,
    pub pii_controllers: Vec<PiiController>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_url: Option<String>,
    pub services: Vec<ReceiptService>,
    /// Whether a special-category field (health, religion, politics) is granted (answers only).
    pub sensitive: bool,
    /// The special-category fields granted.
    pub spi_cat: Vec<String>,
    /// Butler's grant id (`butler_grant_id` in the token response).
    pub grant_id: String,
    /// The brand's OAuth client id.
    pub client_id: String,
    /// The grant change this receipt records.
    pub event: ReceiptEvent,
    /// When the change happened (seconds since the Unix epoch).
    pub event_timestamp: i64,
    /// For a revocation, when the grant was revoked (seconds since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_timestamp: Option<i64>,
    /// The owner's terms the grant binds the brand to: an IEEE 7012 agreement, as its DPV
    /// `p7012` IRI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
}

/// One signed consent receipt as the API lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptItem {
    /// The receipt's id (its `consentReceiptID`).
    pub id: String,
    pub grant_id: String,
    pub event: ReceiptEvent,
    /// Seconds since the Unix epoch.
    pub issued_at: i64,
    /// The receipt: a compact JWS (`alg: EdDSA`) whose payload is a `ConsentReceipt`.
    pub jws: String,
}

/// The calling brand's consent receipts, for all its grants, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptsResponse {
    pub receipts: Vec<ReceiptItem>,
}

/// A public key as a JSON Web Key (RFC 7517; Ed25519 keys per RFC 8037).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// The RFC 7638 thumbprint of the key; the `kid` of every JWS it signs.
    pub kid: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// `EdDSA`.
    pub alg: String,
}

/// A JSON Web Key Set (RFC 7517 §5): the keys that verify Butler's signatures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_reasons_are_named_as_serialized() {
        use WithheldReason::*;
        for r in [NotGranted, UnknownField, Empty, AnswerOnly, SwitchedOff, Expired, Sensitive] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str(), "{r:?}");
        }
    }
}

/// Estimates from many measurement answers (randomized response): what a brand can learn about
/// its audience from noisy answers, each the truth only with a known probability.
pub mod estimate {
    /// An estimated share with its 95% confidence interval (Wilson's, clamped to [0, 1]).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Estimate {
        /// The unbiased estimate of the true share (it may fall outside [0, 1] by chance).
        pub share: f64,
        /// The estimate's standard error (normal approximation; 0 when every answer is alike).
        pub std_error: f64,
        pub low: f64,
        pub high: f64,
    }

    /// The z value of a two-sided 95% interval.
    const Z95: f64 = 1.959_963_984_540_054;

    /// The probability that one answer among `k` categories is the truth, at `epsilon`.
    pub fn truth_probability(k: usize, epsilon: f64) -> f64 {
        let e = epsilon.exp();
        #[allow(clippy::cast_precision_loss, reason = "a handful of categories")]
        let others = (k - 1) as f64;
        e / (e + others)
    }

    /// The share of one category among `k`, from `count` answers naming it out of `n`, each drawn
    /// at `epsilon`. `None` without answers, with fewer than two categories, or a non-positive
    /// epsilon.
    pub fn category_share(count: u64, n: u64, k: usize, epsilon: f64) -> Option<Estimate> {
        if n == 0 || count > n || k < 2 || epsilon.is_nan() || epsilon <= 0.0 {
            return None;
        }
        let p = truth_probability(k, epsilon);
        #[allow(clippy::cast_precision_loss, reason = "counts of answers")]
        let (observed, n) = (count as f64 / n as f64, n as f64);
        #[allow(clippy::cast_precision_loss, reason = "a handful of categories")]
        let lie = (1.0 - p) / (k - 1) as f64;
        // E[observed] = share·p + (1 − share)·lie, so share = (observed − lie) / (p − lie).
        let scale = p - lie;
        let share = (observed - lie) / scale;
        let std_error = (observed * (1.0 - observed) / n).sqrt() / scale;
        // The interval is Wilson's for the share of answers, mapped to the true share: unlike the
        // normal one, it stays honest with few answers or all of them alike.
        let z2 = Z95 * Z95;
        let center = (observed + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z95 / (1.0 + z2 / n) * (observed * (1.0 - observed) / n + z2 / (4.0 * n * n)).sqrt();
        let to_share = |q: f64| ((q - lie) / scale).clamp(0.0, 1.0);
        Some(Estimate { share, std_error, low: to_share(center - half), high: to_share(center + half) })
    }

    /// The share of "yes" from `yes` answers out of `n` to a yes/no question, each at `epsilon`.
    pub fn share(yes: u64, n: u64, epsilon: f64) -> Option<Estimate> {
        category_share(yes, n, 2, epsilon)
    }

    /// The share of every category, from the count of answers naming each, all at `epsilon`.
    pub fn shares(counts: &[u64], epsilon: f64) -> Option<Vec<Estimate>> {
        let n = counts.iter().sum();
        counts.iter().map(|&c| category_share(c, n, counts.len(), epsilon)).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_estimate_undoes_the_noise() {
            let epsilon = 3f64.ln(); // the truth three times in four
            let e = share(300, 1000, epsilon).unwrap();
            assert!((e.share - 0.1).abs() < 1e-12, "{e:?}");
            assert!(e.low < 0.1 && e.high > 0.1 && e.high - e.low < 0.2);
            // All yes: the share is (1 − 0.25) / 0.5 = 1.5 by chance, and the interval is clamped.
            let all = share(10, 10, epsilon).unwrap();
            assert!((all.share - 1.5).abs() < 1e-12 && all.high <= 1.0);
            // Four categories at ε = ln 3: the truth half the time, each lie one time in six.
            let s = shares(&[500, 166, 167, 167], 3f64.ln()).unwrap();
            assert!((s[0].share - 1.0).abs() < 0.01, "{s:?}");
            assert!((s.iter().map(|e| e.share).sum::<f64>() - 1.0).abs() < 1e-9, "the shares add up");
            assert!(share(1, 0, 1.0).is_none() && share(2, 1, 1.0).is_none() && share(1, 2, 0.0).is_none());
        }
    }
}
