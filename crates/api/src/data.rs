//! Data endpoints: each names its purpose and answers only within the grant, after its access log
//! entry is committed.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use butler_core::access::{Purpose, mode_name};
use butler_core::catalog::{Field, Sensitivity};
use butler_core::log::{self, Outcome};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::auth::{BrandAuth, entry};
use crate::{ApiError, AppState};

/// The header naming a data response's access log entry.
pub const RECEIPT_HEADER: &str = "butler-receipt";

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/catalog", get(catalog)).route("/v1/profile", get(read_profile))
}

async fn catalog() -> Json<Value> {
    let fields: Vec<Value> = Field::ALL
        .iter()
        .map(|f| {
            json!({
                "field": f.name(),
                "description": f.description(),
                "sensitivity": match f.sensitivity() {
                    Sensitivity::Ordinary => "ordinary",
                    Sensitivity::Contact => "contact",
                    Sensitivity::Special => "special",
                },
                "modes": f.modes().iter().map(|m| mode_name(*m)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let purposes: Vec<Value> = Purpose::ALL
        .iter()
        .map(|p| json!({"purpose": p.name(), "dpv": p.dpv_term(), "description": p.description()}))
        .collect();
    Json(json!({ "fields": fields, "purposes": purposes }))
}

#[derive(Deserialize)]
struct ProfileQuery {
    purpose: Option<String>,
    fields: Option<String>,
}

/// Checks the purpose against the grant; a refusal is logged before it is sent.
async fn check_purpose(
    state: &AppState,
    auth: &butler_core::grants::Authorized,
    endpoint: &str,
    purpose: Option<&str>,
) -> Result<Purpose, ApiError> {
    let refusal = match purpose.map(str::parse::<Purpose>) {
        None => "the request names no purpose".to_owned(),
        Some(Err(e)) => e.0,
        Some(Ok(p)) if auth.grant.spec.purposes.contains(&p) => return Ok(p),
        Some(Ok(p)) => format!("the grant does not allow the purpose `{p}`"),
    };
    let mut refused = entry(auth, endpoint, purpose, Outcome::Refused);
    refused.at = state.now();
    refused.note = Some(refusal.clone());
    state
        .with_vault(move |v| {
            v.append_access(refused).map_err(|e| ApiError::Unavailable(format!("access log: {e}")))
        })
        .await?;
    Err(ApiError::insufficient_scope(refusal))
}

fn with_receipt(mut res: Response, seq: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&log::receipt(seq)) {
        res.headers_mut().insert(RECEIPT_HEADER, v);
    }
    res
}

async fn read_profile(
    State(state): State<AppState>,
    BrandAuth(auth): BrandAuth,
    query: Result<Query<ProfileQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let endpoint = "/v1/profile";
    let purpose = check_purpose(&state, &auth, endpoint, query.purpose.as_deref()).await?;
    let asked: Vec<String> = query
        .fields
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    if asked.is_empty() {
        return Err(ApiError::bad_request("name the fields to read: `fields=birth_date,home.country`"));
    }
    if asked.len() > 64 {
        return Err(ApiError::bad_request("at most 64 fields per request"));
    }
    let now = state.now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let (seq, disclosure) = state
        .with_vault(move |v| {
            let disclosure = v.disclose(&auth.grant, &asked, today)?;
            let mut record = entry(&auth, endpoint, Some(purpose.name()), disclosure.outcome());
            record.at = now;
            record.asked = asked;
            record.disclosed = disclosure.disclosed_fields();
            record.withheld.clone_from(&disclosure.withheld);
            // Written and committed before anything is sent; if it fails, nothing is.
            let seq =
                v.append_access(record).map_err(|e| ApiError::Unavailable(format!("access log: {e}")))?;
            Ok((seq, disclosure))
        })
        .await?;
    let mut fields = Map::new();
    for (field, mode, value) in disclosure.values {
        fields.insert(field.name().to_owned(), json!({ "mode": mode_name(mode), "value": value }));
    }
    let body = json!({
        "receipt": log::receipt(seq),
        "purpose": purpose.name(),
        "fields": fields,
        "withheld": disclosure.withheld,
    });
    Ok(with_receipt((StatusCode::OK, Json(body)).into_response(), seq))
}
