//! The API's bodies as types, and the OpenAPI 3.1 document generated from them and from the
//! handlers' annotations (utoipa). Handlers serialize these types, so the document describes what
//! is actually sent.

use std::collections::BTreeMap;

use butler_core::answers::{Candidate, Ranked};
use butler_core::log::{WithheldField, WithheldReason};
use butler_core::offers::Decision;
use butler_core::prefs::{Channel, OfferKind, Tactic};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

/// An RFC 9457 problem details body (`application/problem+json`).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

/// An OAuth error body (RFC 6749 §5.2, RFC 8628 §3.5, RFC 7591 §3.2.2).
#[derive(Serialize, ToSchema)]
pub struct OAuthError {
    /// For example `authorization_pending`, `slow_down`, `access_denied`, `expired_token`,
    /// `invalid_grant`, `invalid_client`, `invalid_scope`, `invalid_client_metadata`.
    pub error: String,
    pub error_description: String,
}

/// RFC 7591 client metadata. Unknown members are ignored, as the RFC asks.
#[derive(Deserialize, ToSchema)]
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
}

#[derive(Serialize, ToSchema)]
pub struct RegisterResponse {
    pub client_id: String,
    pub client_id_issued_at: i64,
    pub client_name: String,
    pub client_uri: Option<String>,
    pub scope: String,
    pub grant_types: Vec<String>,
    pub token_endpoint_auth_method: String,
}

/// RFC 8628 §3.1 device authorization request (form-encoded).
#[derive(Deserialize, ToSchema)]
pub struct DeviceAuthorizationRequest {
    /// Or HTTP Basic authentication with an empty password.
    pub client_id: Option<String>,
    /// `field:<name>[:<mode>]` and `purpose:<name>` tokens, space-separated.
    pub scope: Option<String>,
    /// RFC 9396 authorization details (a JSON array of `butler_profile` objects), as a string.
    pub authorization_details: Option<String>,
}

#[derive(Serialize, ToSchema)]
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
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `urn:ietf:params:oauth:grant-type:device_code`.
    pub grant_type: Option<String>,
    pub device_code: Option<String>,
    pub client_id: Option<String>,
}

/// The access token and what was actually granted.
#[derive(Serialize, ToSchema)]
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
}

/// RFC 7662 introspection or RFC 7009 revocation request (form-encoded).
#[derive(Deserialize, ToSchema)]
pub struct TokenOnlyRequest {
    pub token: Option<String>,
    pub client_id: Option<String>,
    /// Accepted and ignored: Butler has one kind of token.
    #[allow(dead_code, reason = "RFC 7009 and RFC 7662 allow the hint; nothing needs it")]
    pub token_type_hint: Option<String>,
}

/// RFC 7662 introspection response. A token is described only to its own client.
#[derive(Serialize, ToSchema)]
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
}

#[derive(Serialize, ToSchema)]
pub struct CatalogField {
    pub field: String,
    pub description: String,
    /// `ordinary`, `contact` or `special`.
    pub sensitivity: String,
    pub modes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PurposeInfo {
    pub purpose: String,
    /// The purpose's W3C DPV term.
    pub dpv: String,
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogResponse {
    pub fields: Vec<CatalogField>,
    pub purposes: Vec<PurposeInfo>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileQuery {
    /// The purpose of this read; it must be granted.
    pub purpose: Option<String>,
    /// Comma-separated field names, at most 64.
    pub fields: Option<String>,
}

/// A disclosed field: its mode, and the value in that mode.
#[derive(Serialize, ToSchema)]
pub struct DisclosedValue {
    /// `exact` or `coarse`.
    pub mode: String,
    pub value: Value,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileResponse {
    /// The owner's access-log entry for this response (also in `Butler-Receipt`).
    pub receipt: String,
    pub purpose: String,
    pub fields: BTreeMap<String, DisclosedValue>,
    /// Every asked field not disclosed, with the reason.
    pub withheld: Vec<WithheldField>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    /// `recommend-products`, `personalize-content` or `personalize-offers`.
    pub purpose: String,
    /// 1 to 200 candidates.
    pub candidates: Vec<Candidate>,
}

#[derive(Serialize, ToSchema)]
pub struct AnswersResponse {
    pub receipt: String,
    pub purpose: String,
    /// Best first; scores from 0 to 1.
    pub ranking: Vec<Ranked>,
}

#[derive(Deserialize, ToSchema)]
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
#[derive(Serialize, ToSchema)]
pub struct OfferResponse {
    pub receipt: String,
    pub decision: Decision,
}

#[derive(Deserialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct SignalResponse {
    pub receipt: String,
    /// Always `pending_owner_review`: the profile does not change until the owner decides.
    pub status: String,
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Butler brand API",
        description = "Personalization with discretion: OAuth onboarding, scoped tokens, and data endpoints that answer only within the owner's grant. Every data response is logged before it leaves and names its log entry in `Butler-Receipt`."
    ),
    paths(
        crate::oauth::metadata,
        crate::oauth::register,
        crate::oauth::device_authorization,
        crate::oauth::token,
        crate::oauth::introspect,
        crate::oauth::revoke,
        crate::oauth::activate,
        crate::data::catalog,
        crate::data::read_profile,
        crate::data::answers,
        crate::data::offers,
        crate::data::signals,
        openapi_json,
    ),
    components(schemas(WithheldReason)),
    modifiers(&BearerScheme),
    tags(
        (name = "oauth", description = "Onboarding by the standards"),
        (name = "data", description = "Answers within the grant, logged first"),
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "data", responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json() -> axum::Json<Value> {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    axum::Json(
        DOC.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).expect("the document serializes")).clone(),
    )
}
