//! The OpenAPI 3.1 document, generated from the handlers' annotations and the body types of
//! `butler-protocol` (utoipa). Handlers serialize those types, so the document describes what is
//! actually sent.

use butler_protocol::Problem;
use butler_protocol::{ConsentReceipt, WithheldReason};
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

/// The errors every data endpoint can answer, as RFC 9457 problem details.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "a description for the OpenAPI document; responses are built in error.rs")]
pub enum DataErrors {
    /// A malformed request.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No token, or one that is unknown, expired, revoked or whose grant is paused
    /// (`WWW-Authenticate: Bearer error="invalid_token"`).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The grant does not allow this purpose or field (`error="insufficient_scope"`), or the request
    /// came from a web origin (`Origin`) that no live grant of the token allows.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The grant's rate is exceeded (`Retry-After`).
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
    /// The access log cannot be written or the vault is locked: nothing is disclosed.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// The errors of endpoints that take a JSON body.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "a description for the OpenAPI document; responses are built in error.rs")]
pub enum BodyErrors {
    /// The body is larger than 64 KiB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body is not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
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
        crate::data::measure,
        crate::receipts::list,
        crate::receipts::jwks,
        openapi_json,
    ),
    components(schemas(WithheldReason, ConsentReceipt)),
    modifiers(&BearerScheme),
    tags(
        (name = "oauth", description = "Onboarding by the standards"),
        (name = "data", description = "Answers within the grant, logged first"),
        (name = "receipts", description = "Signed consent receipts of the brand's grants, and the key that verifies them"),
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

#[cfg(test)]
mod tests {
    use super::ApiDoc;
    use utoipa::OpenApi;

    /// The TypeScript brand SDK generates its types from this document: keep its copy current.
    /// `scripts/test` fails when the committed copy differs.
    #[test]
    fn the_typescript_sdk_has_the_current_document() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk/ts/openapi.json");
        let document = serde_json::to_string_pretty(&ApiDoc::openapi()).expect("the document serializes");
        std::fs::write(path, document + "\n").expect("sdk/ts is writable");
    }
}
