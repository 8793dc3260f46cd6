//! OAuth onboarding: discovery (RFC 8414), registration (RFC 7591), device authorization and
//! the token endpoint (RFC 8628), introspection (RFC 7662) and revocation (RFC 7009).

use std::collections::BTreeSet;

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine;
use butler_core::Vault;
use butler_core::access::{AccessSpec, Purpose, supported_scopes};
use butler_core::brands::{Registration, web_origin};
use butler_core::grants::Poll;
use butler_core::terms::Agreement;
use serde_json::{Value, json};

use crate::web::WebOrigin;
use crate::{ApiError, AppState};
use butler_protocol::{
    DeviceAuthorizationRequest, DeviceAuthorizationResponse, IntrospectionResponse, OAuthError, Problem,
    RegisterRequest, RegisterResponse, TokenOnlyRequest, TokenRequest, TokenResponse,
};

pub const DEVICE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/oauth/register", post(register))
        .route("/oauth/device_authorization", post(device_authorization))
        .route("/oauth/token", post(token))
        .route("/oauth/introspect", post(introspect))
        .route("/oauth/revoke", post(revoke))
        .route("/activate", get(activate))
        .route("/openapi.json", get(crate::schema::openapi_json))
}

/// A form body whose rejection is an OAuth `invalid_request`.
pub struct OAuthForm<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for OAuthForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ApiError::Problem {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                title: "Unsupported media type",
                detail: "OAuth endpoints take application/x-www-form-urlencoded bodies.".into(),
            });
        }
        axum::Form::<T>::from_request(req, state).await.map(|axum::Form(v)| OAuthForm(v)).map_err(|e| match e
            .status()
        {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::Problem {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                title: "Payload too large",
                detail: e.body_text(),
            },
            _ => ApiError::oauth("invalid_request", e.body_text()),
        })
    }
}

/// A JSON body whose rejection is a problem response with the parser's message.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::<T>::from_request(req, state).await.map(|Json(v)| JsonBody(v)).map_err(|e| {
            let status = e.status();
            let title = match status {
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
                StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
                _ => "Bad request",
            };
            let status =
                if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status };
            ApiError::Problem { status, title, detail: e.body_text() }
        })
    }
}

/// Authorization server metadata (RFC 8414), with every supported scope token.
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "RFC 8414 metadata", body = Object)))]
pub async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let issuer = state.issuer(&headers);
    Json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/oauth/token"),
        "device_authorization_endpoint": format!("{issuer}/oauth/device_authorization"),
        "registration_endpoint": format!("{issuer}/oauth/register"),
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "grant_types_supported": [DEVICE_GRANT_TYPE],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": supported_scopes(),
        "authorization_details_types_supported": [butler_core::access::AUTHORIZATION_DETAILS_TYPE],
        "butler_agreements_supported": Agreement::all().into_iter().map(Agreement::iri).collect::<Vec<_>>(),
        "butler_purposes": Purpose::ALL.iter().map(|p| json!({"purpose": p.name(), "dpv": p.dpv_term(), "description": p.description()})).collect::<Vec<_>>(),
    }))
}

/// Dynamic client registration (RFC 7591). Brands are public clients of the device flow.
#[utoipa::path(post, path = "/oauth/register", tag = "oauth", request_body = RegisterRequest,
    responses(
        (status = 201, body = RegisterResponse),
        (status = 400, description = "Invalid client metadata (OAuth error), or a malformed body (problem details)",
            content((OAuthError = "application/json"), (Problem = "application/problem+json"))),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    State(state): State<AppState>,
    web: Option<Extension<WebOrigin>>,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> Result<Response, ApiError> {
    let invalid = |d: &str| ApiError::oauth("invalid_client_metadata", d.to_owned());
    let name = body.client_name.ok_or_else(|| invalid("client_name is required"))?;
    // A page registers its own origin: the one the owner will be shown and may allow.
    if let Some(Extension(web)) = &web
        && body.client_uri.as_deref().and_then(web_origin).as_ref() != Some(&web.origin)
    {
        return Err(invalid(&format!(
            "a page registering from {} must give a client_uri on that origin",
            web.origin
        )));
    }
    if let Some(types) = &body.grant_types
        && types.iter().any(|t| t != DEVICE_GRANT_TYPE)
    {
        return Err(invalid("only the device_code grant type is supported"));
    }
    if body.token_endpoint_auth_method.as_deref().is_some_and(|m| m != "none") {
        return Err(invalid("token_endpoint_auth_method must be `none`: brands are public clients"));
    }
    let purposes: BTreeSet<Purpose> = match &body.scope {
        Some(scope) => AccessSpec::from_scope(scope).map_err(|e| invalid(&e.0))?.purposes,
        None => BTreeSet::new(),
    };
    let accepted_agreements = body
        .accepted_agreements
        .map(|list| list.iter().map(|a| a.parse::<Agreement>()).collect::<Result<Vec<_>, _>>())
        .transpose()
        .map_err(|e| invalid(&format!("accepted_agreements: {e}")))?;
    let registration =
        Registration { client_name: name, client_uri: body.client_uri, purposes, accepted_agreements };
    let now = state.now();
    let brand = state
        .with_vault(move |v| {
            v.register_brand(registration, now).map_err(|e| match e {
                butler_core::Error::Registration(d) => invalid(&d),
                other => other.into(),
            })
        })
        .await?;
    let scope: Vec<String> = brand.purposes.iter().map(|p| format!("purpose:{p}")).collect();
    let body = RegisterResponse {
        client_id: brand.client_id,
        client_id_issued_at: brand.registered_at.as_second(),
        client_name: brand.name,
        client_uri: brand.client_uri,
        scope: scope.join(" "),
        grant_types: vec![DEVICE_GRANT_TYPE.to_owned()],
        token_endpoint_auth_method: "none".to_owned(),
        accepted_agreements: brand
            .accepted_agreements
            .map(|list| list.into_iter().map(Agreement::iri).collect()),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The client id from the form, or from HTTP Basic authentication with an empty secret (how
/// many OAuth libraries present a public client).
fn client_id(form_client: Option<String>, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(id) = form_client.filter(|c| !c.is_empty()) {
        return Ok(id);
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(id, _)| id.to_owned()));
    match basic {
        Some(id) if !id.is_empty() => Ok(form_urlencoded_decode(&id)),
        _ => Err(ApiError::oauth("invalid_client", "client_id is required")),
    }
}

/// RFC 6749 §2.3.1: the Basic credentials are form-encoded before base64.
fn form_urlencoded_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
        .ok()
        .and_then(|mut v| v.pop())
        .map_or_else(|| s.to_owned(), |(_, v)| v)
}

/// Starts the device flow (RFC 8628): the brand asks for fields, modes and purposes.
#[utoipa::path(post, path = "/oauth/device_authorization", tag = "oauth",
    request_body(content = DeviceAuthorizationRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = DeviceAuthorizationResponse),
        (status = 400, description = "invalid_request, invalid_scope or invalid_authorization_details", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn device_authorization(
    State(state): State<AppState>,
    headers: HeaderMap,
    web: Option<Extension<WebOrigin>>,
    OAuthForm(body): OAuthForm<DeviceAuthorizationRequest>,
) -> Result<Response, ApiError> {
    let client = client_id(body.client_id, &headers)?;
    let mut spec = match &body.scope {
        Some(scope) => AccessSpec::from_scope(scope).map_err(|e| ApiError::oauth("invalid_scope", e.0))?,
        None => AccessSpec::default(),
    };
    if let Some(details) = &body.authorization_details {
        let json: Value = serde_json::from_str(details)
            .map_err(|e| ApiError::oauth("invalid_authorization_details", format!("not JSON: {e}")))?;
        let more = AccessSpec::from_authorization_details(&json)
            .map_err(|e| ApiError::oauth("invalid_authorization_details", e.0))?;
        spec = spec.merge(more).map_err(|e| ApiError::oauth("invalid_scope", e.0))?;
    }
    spec.check_complete().map_err(|e| ApiError::oauth("invalid_scope", e.0))?;
    let now = state.now();
    let auth = state
        .with_vault(move |v| {
            check_client_origin(v, &client, web.as_ref())?;
            v.start_device_authorization(&client, spec, now).map_err(|e| match e {
                butler_core::Error::UnknownClient => {
                    ApiError::oauth("invalid_client", "unknown client_id: register first")
                }
                other => other.into(),
            })
        })
        .await?;
    let verification_uri = format!("{}/activate", state.issuer(&headers));
    let body = DeviceAuthorizationResponse {
        device_code: auth.device_code,
        verification_uri_complete: format!("{verification_uri}?user_code={}", auth.user_code),
        user_code: auth.user_code,
        verification_uri,
        expires_in: auth.expires_in,
        interval: auth.interval,
    };
    Ok(no_store(Json(body).into_response()))
}

/// A client called from a page only from the origin of its registered `client_uri`, so no other
/// site can onboard in its name.
fn check_client_origin(v: &Vault, client: &str, web: Option<&Extension<WebOrigin>>) -> Result<(), ApiError> {
    let Some(Extension(web)) = web else { return Ok(()) };
    // An unknown client is left to the endpoint's own `invalid_client`.
    match v.brand(client)? {
        Some(brand) if brand.web_origin().as_ref() != Some(&web.origin) => Err(ApiError::oauth(
            "invalid_client",
            format!("this client was not registered for the web origin {}", web.origin),
        )),
        _ => Ok(()),
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

/// Where the device flow sends the owner: Butler approves on the owner's own machine.
#[utoipa::path(get, path = "/activate", tag = "oauth",
    responses((status = 200, description = "How to approve the code", body = String, content_type = "text/plain")))]
pub async fn activate() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "To let this brand in, open Butler and approve its code, or run:\n\n    butler requests list\n    butler requests approve <CODE>\n",
    )
}

/// The token endpoint (RFC 8628 §3.4): pending, slow down, denied, expired, or the token.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "authorization_pending, slow_down, access_denied, expired_token, invalid_grant, unsupported_grant_type, invalid_request", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    web: Option<Extension<WebOrigin>>,
    OAuthForm(body): OAuthForm<TokenRequest>,
) -> Result<Response, ApiError> {
    match body.grant_type.as_deref() {
        Some(DEVICE_GRANT_TYPE) => {}
        Some(other) => {
            return Err(ApiError::oauth("unsupported_grant_type", format!("`{other}` is not supported")));
        }
        None => return Err(ApiError::oauth("invalid_request", "grant_type is required")),
    }
    let client = client_id(body.client_id, &headers)?;
    let device_code =
        body.device_code.ok_or_else(|| ApiError::oauth("invalid_request", "device_code is required"))?;
    let now = state.now();
    let poll = state
        .with_vault(move |v| {
            check_client_origin(v, &client, web.as_ref())?;
            Ok(v.poll_device_token(&client, &device_code, now)?)
        })
        .await?;
    match poll {
        Poll::Pending => Err(ApiError::oauth("authorization_pending", "the owner has not decided yet")),
        Poll::SlowDown { interval } => Err(ApiError::oauth(
            "slow_down",
            format!("polling too fast: wait {interval} seconds between polls"),
        )),
        Poll::Denied => Err(ApiError::oauth("access_denied", "the owner denied the request")),
        Poll::Expired => Err(ApiError::oauth("expired_token", "the device code expired: start again")),
        Poll::InvalidGrant => Err(ApiError::oauth("invalid_grant", "unknown or already used device code")),
        Poll::Issued(issued) => Ok(no_store(
            Json(TokenResponse {
                scope: issued.grant.spec.to_scope(),
                authorization_details: issued.grant.spec.to_authorization_details(),
                access_token: issued.access_token,
                token_type: "Bearer".to_owned(),
                expires_in: issued.expires_in,
                butler_agreement: issued.grant.agreement.map(Agreement::iri),
                butler_grant_id: issued.grant.id,
            })
            .into_response(),
        )),
    }
}

/// Token introspection (RFC 7662), for the token's own client.
#[utoipa::path(post, path = "/oauth/introspect", tag = "oauth",
    request_body(content = TokenOnlyRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = IntrospectionResponse),
        (status = 400, body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    OAuthForm(body): OAuthForm<TokenOnlyRequest>,
) -> Result<Response, ApiError> {
    let token = body.token.ok_or_else(|| ApiError::oauth("invalid_request", "token is required"))?;
    let client = client_id(body.client_id, &headers)?;
    let now = state.now();
    let checked = state.read(move |v, cache| Ok(cache.authorize(v, &token, now)?)).await?;
    // A token is described only to the client it was issued to; to anyone else it is inactive.
    let body = match checked {
        Ok(auth) if auth.brand.client_id == client => IntrospectionResponse {
            active: true,
            client_id: Some(auth.brand.client_id.clone()),
            token_type: Some("Bearer".to_owned()),
            scope: Some(auth.grant.spec.to_scope()),
            authorization_details: Some(auth.grant.spec.to_authorization_details()),
            exp: Some(auth.grant.expires_at.as_second()),
            iat: Some(auth.token_issued_at.as_second()),
            iss: Some(state.issuer(&headers)),
            butler_grant_id: Some(auth.grant.id.clone()),
            butler_agreement: auth.grant.agreement.map(Agreement::iri),
        },
        _ => IntrospectionResponse {
            active: false,
            client_id: None,
            token_type: None,
            scope: None,
            authorization_details: None,
            exp: None,
            iat: None,
            iss: None,
            butler_grant_id: None,
            butler_agreement: None,
        },
    };
    Ok(no_store(Json(body).into_response()))
}

/// Token revocation (RFC 7009): always 200, whether or not the token was known.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth",
    request_body(content = TokenOnlyRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    OAuthForm(body): OAuthForm<TokenOnlyRequest>,
) -> Result<Response, ApiError> {
    let token = body.token.ok_or_else(|| ApiError::oauth("invalid_request", "token is required"))?;
    let client = client_id(body.client_id, &headers)?;
    state
        .with_vault(move |v| {
            v.revoke_token(&client, &token).map_err(|e| match e {
                butler_core::Error::NotYourToken => {
                    ApiError::oauth("unauthorized_client", "the token was issued to another client")
                }
                other => other.into(),
            })
        })
        .await?;
    Ok(StatusCode::OK.into_response())
}
