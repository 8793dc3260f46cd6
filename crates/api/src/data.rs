//! Data endpoints: each names its purpose and answers only within the grant, after its access log
//! entry is committed.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use butler_core::access::{Purpose, mode_name};
use butler_core::catalog::{Field, Sensitivity};
use butler_core::log::{self, Outcome};

use crate::auth::{BrandAuth, entry, log_for, refuse};
use crate::oauth::JsonBody;
use crate::schema::{BodyErrors, DataErrors};
use crate::{ApiError, AppState};
use butler_core::measure::{MeasureOutcome, Question};
use butler_protocol::{
    AnswersRequest, AnswersResponse, CatalogField, CatalogResponse, DisclosedValue, MeasureBudget,
    MeasureRequest, MeasureResponse, OfferRequest, OfferResponse, ProfileQuery, ProfileResponse, PurposeInfo,
    SignalRequest, SignalResponse,
};

/// Every purpose but `measure`, whose answers are aggregate and noisy, never a profile's values.
const NOT_MEASURE: [Purpose; 5] = [
    Purpose::DeliverService,
    Purpose::PersonalizeContent,
    Purpose::RecommendProducts,
    Purpose::PersonalizeOffers,
    Purpose::Contact,
];

/// The header naming a data response's access log entry.
pub const RECEIPT_HEADER: &str = "butler-receipt";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/catalog", get(catalog))
        .route("/v1/profile", get(read_profile))
        .route("/v1/answers", post(answers))
        .route("/v1/offers", post(offers))
        .route("/v1/signals", post(signals))
        .route("/v1/measure", post(measure))
}

/// The field catalog and the purposes, with their W3C DPV terms.
#[utoipa::path(get, path = "/v1/catalog", tag = "data", responses((status = 200, body = CatalogResponse)))]
pub async fn catalog() -> Json<CatalogResponse> {
    let fields = Field::ALL
        .iter()
        .map(|f| CatalogField {
            field: f.name().to_owned(),
            description: f.description().to_owned(),
            sensitivity: match f.sensitivity() {
                Sensitivity::Ordinary => "ordinary",
                Sensitivity::Contact => "contact",
                Sensitivity::Special => "special",
            }
            .to_owned(),
            modes: f.modes().iter().map(|m| mode_name(*m).to_owned()).collect(),
        })
        .collect();
    let purposes = Purpose::ALL
        .iter()
        .map(|p| PurposeInfo {
            purpose: p.name().to_owned(),
            dpv: p.dpv_term().to_owned(),
            description: p.description().to_owned(),
        })
        .collect();
    Json(CatalogResponse { fields, purposes })
}

/// Checks the purpose against the grant; a refusal is logged before it is sent.
async fn check_purpose(
    state: &AppState,
    auth: &BrandAuth,
    endpoint: &str,
    purpose: Option<&str>,
    served: &[Purpose],
    asked: &[String],
) -> Result<Purpose, ApiError> {
    let refusal = match purpose.map(str::parse::<Purpose>) {
        None => "the request names no purpose".to_owned(),
        Some(Err(e)) => e.0,
        Some(Ok(p)) if !served.contains(&p) => format!("this endpoint does not serve the purpose `{p}`"),
        Some(Ok(p)) if auth.grant.spec.purposes.contains(&p) => return Ok(p),
        Some(Ok(p)) => format!("the grant does not allow the purpose `{p}`"),
    };
    let mut refused = entry(auth, state.now(), endpoint, purpose, Outcome::Refused);
    refused.asked = asked.to_vec();
    Err(refuse(state, auth, refused, refusal, ApiError::insufficient_scope).await)
}

fn with_receipt(mut res: Response, seq: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&log::receipt(seq)) {
        res.headers_mut().insert(RECEIPT_HEADER, v);
    }
    res
}

/// Reads profile fields: each disclosed in its granted mode, the others listed with the reason.
#[utoipa::path(get, path = "/v1/profile", tag = "data", params(ProfileQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = ProfileResponse, headers(("butler-receipt" = String, description = "The access-log entry of this response"))),
        DataErrors,
    ))]
pub async fn read_profile(
    State(state): State<AppState>,
    auth: BrandAuth,
    query: Result<Query<ProfileQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    match profile_answer(&state, &auth, &query).await {
        // Made from a kept state that has since moved: nothing was logged or sent; answer again.
        Err(ApiError::StateMoved) => profile_answer(&state, &auth.confirmed(&state).await?, &query).await,
        answered => answered,
    }
}

async fn profile_answer(
    state: &AppState,
    auth: &BrandAuth,
    query: &ProfileQuery,
) -> Result<Response, ApiError> {
    let endpoint = "/v1/profile";
    let asked: Vec<String> = query
        .fields
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    // Raw or coarse values, never for `measure` (aggregate answers only).
    let purpose =
        check_purpose(state, auth, endpoint, query.purpose.as_deref(), &NOT_MEASURE, &asked).await?;
    if asked.is_empty() {
        return Err(ApiError::bad_request("name the fields to read: `fields=birth_date,home.country`"));
    }
    if asked.len() > 64 {
        return Err(ApiError::bad_request("at most 64 fields per request"));
    }
    let now = state.now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let disclosure =
        state.read(|v, cache| Ok(cache.profile_for(v, auth)?.disclose(&auth.grant, &asked, today))).await?;
    let mut record = entry(auth, now, endpoint, Some(purpose.name()), disclosure.outcome());
    record.asked = asked;
    record.disclosed = disclosure.disclosed_fields();
    record.withheld.clone_from(&disclosure.withheld);
    // Committed before anything is sent; if it cannot be, nothing is.
    let seq = log_for(state, auth, record).await?;
    let fields = disclosure
        .values
        .into_iter()
        .map(|(field, mode, value)| {
            (field.name().to_owned(), DisclosedValue { mode: mode_name(mode).to_owned(), value })
        })
        .collect();
    let body = ProfileResponse {
        receipt: log::receipt(seq),
        purpose: purpose.name().to_owned(),
        fields,
        withheld: disclosure.withheld,
    };
    Ok(with_receipt((StatusCode::OK, Json(body)).into_response(), seq))
}

/// Refuses (and logs) a request whose grant lacks a field the endpoint needs.
async fn require_field(
    state: &AppState,
    auth: &BrandAuth,
    endpoint: &str,
    purpose: Purpose,
    field: Field,
) -> Result<(), ApiError> {
    if auth.grant.spec.fields.contains_key(&field) {
        return Ok(());
    }
    let refusal = format!("this endpoint needs the field `{field}` in the grant");
    let mut refused = entry(auth, state.now(), endpoint, Some(purpose.name()), Outcome::Refused);
    refused.asked = vec![field.name().to_owned()];
    refused.withheld =
        vec![log::WithheldField { field: field.name().to_owned(), reason: log::WithheldReason::NotGranted }];
    Err(refuse(state, auth, refused, refusal, ApiError::insufficient_scope).await)
}

/// Ranks a brand's candidates against the owner's interests; the interests never leave.
#[utoipa::path(post, path = "/v1/answers", tag = "data", request_body = AnswersRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = AnswersResponse, headers(("butler-receipt" = String, description = "The access-log entry of this response"))),
        DataErrors,
        BodyErrors,
    ))]
pub async fn answers(
    State(state): State<AppState>,
    auth: BrandAuth,
    JsonBody(body): JsonBody<AnswersRequest>,
) -> Result<Response, ApiError> {
    match ranking_answer(&state, &auth, &body).await {
        // Made from a kept state that has since moved: nothing was logged or sent; answer again.
        Err(ApiError::StateMoved) => ranking_answer(&state, &auth.confirmed(&state).await?, &body).await,
        answered => answered,
    }
}

async fn ranking_answer(
    state: &AppState,
    auth: &BrandAuth,
    body: &AnswersRequest,
) -> Result<Response, ApiError> {
    let endpoint = "/v1/answers";
    let served = [Purpose::RecommendProducts, Purpose::PersonalizeContent, Purpose::PersonalizeOffers];
    let purpose = check_purpose(state, auth, endpoint, Some(&body.purpose), &served, &[]).await?;
    require_field(state, auth, endpoint, purpose, Field::Interests).await?;
    butler_core::answers::validate(&body.candidates).map_err(|e| ApiError::bad_request(e.0))?;
    let now = state.now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let with_prefs = auth.grant.spec.fields.contains_key(&Field::OfferPreferences);
    let ranking = state
        .read(|v, cache| Ok(cache.profile_for(v, auth)?.rank(&body.candidates, with_prefs, today)))
        .await?;
    let mut record = entry(auth, now, endpoint, Some(purpose.name()), Outcome::Disclosed);
    record.asked = vec![Field::Interests.name().to_owned()];
    record.disclosed = vec![log::DisclosedField {
        field: Field::Interests.name().to_owned(),
        mode: butler_core::Mode::Answer,
    }];
    record.note = Some(format!("ranked {} candidates", ranking.len()));
    let seq = log_for(state, auth, record).await?;
    let body = AnswersResponse { receipt: log::receipt(seq), purpose: purpose.name().to_owned(), ranking };
    Ok(with_receipt(Json(body).into_response(), seq))
}

/// Takes an offer; Butler decides delivered, deferred or declined by the owner's preferences.
#[utoipa::path(post, path = "/v1/offers", tag = "data", request_body = OfferRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = OfferResponse, headers(("butler-receipt" = String, description = "The access-log entry of this response"))),
        DataErrors,
        BodyErrors,
    ))]
pub async fn offers(
    State(state): State<AppState>,
    auth: BrandAuth,
    JsonBody(body): JsonBody<OfferRequest>,
) -> Result<Response, ApiError> {
    // What follows keeps or spends something before it logs: it works on the current state.
    let auth = auth.confirmed(&state).await?;
    let endpoint = "/v1/offers";
    let purpose =
        check_purpose(&state, &auth, endpoint, Some(&body.purpose), &[Purpose::Contact], &[]).await?;
    require_field(&state, &auth, endpoint, purpose, Field::OfferPreferences).await?;
    let offer = body;
    butler_core::offers::validate_offer(&offer).map_err(ApiError::bad_request)?;
    let now = state.now();
    // Decide and keep the offer (nothing leaves yet), log the decision, then answer; an offer
    // whose entry cannot be written is taken back.
    let (client_id, brand) = (auth.brand.client_id.clone(), auth.brand.name.clone());
    let ((decision, _), seq) = state
        .keep_then_log(
            move |v| Ok(v.receive_offer(&client_id, &brand, offer, now)?),
            |&(decision, offer_id)| {
                let mut record = entry(&auth, now, endpoint, Some(purpose.name()), Outcome::Received);
                record.asked = vec![Field::OfferPreferences.name().to_owned()];
                record.disclosed = vec![log::DisclosedField {
                    field: Field::OfferPreferences.name().to_owned(),
                    mode: butler_core::Mode::Answer,
                }];
                record.note = Some(format!(
                    "offer {offer_id}: {}",
                    serde_json::to_value(decision).unwrap_or_default().as_str().unwrap_or("")
                ));
                record
            },
            |v, &(_, offer_id)| v.withdraw_offer(offer_id),
        )
        .await?;
    let body = OfferResponse { receipt: log::receipt(seq), decision };
    Ok(with_receipt(Json(body).into_response(), seq))
}

/// Takes a brand's signal as a suggestion for the owner; the profile does not change.
#[utoipa::path(post, path = "/v1/signals", tag = "data", request_body = SignalRequest, security(("bearer" = [])),
    responses(
        (status = 202, body = SignalResponse, headers(("butler-receipt" = String, description = "The access-log entry of this response"))),
        DataErrors,
        BodyErrors,
    ))]
pub async fn signals(
    State(state): State<AppState>,
    auth: BrandAuth,
    JsonBody(body): JsonBody<SignalRequest>,
) -> Result<Response, ApiError> {
    // What follows keeps or spends something before it logs: it works on the current state.
    let auth = auth.confirmed(&state).await?;
    let endpoint = "/v1/signals";
    let purpose = check_purpose(&state, &auth, endpoint, Some(&body.purpose), &NOT_MEASURE, &[]).await?;
    let signal = body;
    butler_core::offers::signal_subject(&signal).map_err(ApiError::bad_request)?;
    let now = state.now();
    let (client_id, brand) = (auth.brand.client_id.clone(), auth.brand.name.clone());
    let (_, seq) = state
        .keep_then_log(
            move |v| Ok(v.receive_signal(&client_id, &brand, &signal, now)?),
            |id| {
                let mut record = entry(&auth, now, endpoint, Some(purpose.name()), Outcome::Received);
                record.note = Some(format!("signal kept as suggestion {id} for the owner to review"));
                record
            },
            |v, &id| v.withdraw_suggestion(id),
        )
        .await?;
    let body = SignalResponse { receipt: log::receipt(seq), status: "pending_owner_review".to_owned() };
    Ok(with_receipt((StatusCode::ACCEPTED, Json(body)).into_response(), seq))
}

/// Answers a measurement question by randomized response: never the owner's value, the same
/// answer all period, each fresh answer spending the brand's privacy budget.
#[utoipa::path(post, path = "/v1/measure", tag = "data", request_body = MeasureRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = MeasureResponse, headers(("butler-receipt" = String, description = "The access-log entry of this response"))),
        (status = 403, description = "The grant does not allow `measure` or the field the question needs, or the brand's privacy budget for the period is spent (problem details, logged)",
            body = butler_protocol::Problem, content_type = "application/problem+json"),
        DataErrors,
        BodyErrors,
    ))]
pub async fn measure(
    State(state): State<AppState>,
    auth: BrandAuth,
    JsonBody(body): JsonBody<MeasureRequest>,
) -> Result<Response, ApiError> {
    // What follows keeps or spends something before it logs: it works on the current state.
    let auth = auth.confirmed(&state).await?;
    let endpoint = "/v1/measure";
    let purpose =
        check_purpose(&state, &auth, endpoint, Some(&body.purpose), &[Purpose::Measure], &[]).await?;
    let question =
        Question::parse(&body.question, &body.categories).map_err(|e| ApiError::bad_request(e.0))?;
    let field = question.field();
    require_field(&state, &auth, endpoint, purpose, field).await?;
    let now = state.now();
    let client_id = auth.brand.client_id.clone();
    // A repeat is answered from a read connection; only a new question takes the write lock.
    let kept = state.read(|v, _| Ok(v.measure_kept(&client_id, &question, now)?)).await?;
    let outcome = if let Some(measured) = kept {
        MeasureOutcome::Answered(measured)
    } else {
        let profile = state.read(|v, cache| Ok(cache.profile_for(v, &auth)?)).await?;
        let asked = question.clone();
        state.with_vault(move |v| Ok(v.measure(&client_id, &asked, &profile, now, &mut rand::rng())?)).await?
    };
    let mut record = entry(&auth, now, endpoint, Some(purpose.name()), Outcome::Disclosed);
    record.asked = vec![field.name().to_owned()];
    let measured = match outcome {
        MeasureOutcome::OverBudget { period, spent, budget, next_period } => {
            record.outcome = Outcome::Refused;
            record.measure = Some(log::MeasureFacts {
                question: question.key(),
                epsilon_spent: 0.0,
                epsilon_left: (budget - spent).max(0.0),
                period,
            });
            let note = format!(
                "the privacy budget for this period is spent (epsilon {spent:.2} of {budget:.2}); \
                 measurement answers resume on {next_period}"
            );
            return Err(refuse(&state, &auth, record, note, ApiError::forbidden).await);
        }
        MeasureOutcome::Answered(measured) => measured,
    };
    let spent_now = if measured.fresh { measured.epsilon } else { 0.0 };
    let left = (measured.budget - measured.spent).max(0.0);
    record.disclosed =
        vec![log::DisclosedField { field: field.name().to_owned(), mode: butler_core::Mode::Answer }];
    record.measure = Some(log::MeasureFacts {
        question: measured.question.clone(),
        epsilon_spent: spent_now,
        epsilon_left: left,
        period: measured.period.clone(),
    });
    record.note = Some(if measured.fresh {
        format!(
            "noisy answer to `{}`: epsilon {spent_now:.2} spent, {left:.2} left this period",
            measured.question
        )
    } else {
        format!(
            "the answer to `{}` already given this period: nothing spent, {left:.2} left",
            measured.question
        )
    });
    let seq = state.log(record).await?;
    let body = MeasureResponse {
        receipt: log::receipt(seq),
        purpose: purpose.name().to_owned(),
        question: measured.question,
        answer: measured.answer,
        categories: measured.categories,
        epsilon: measured.epsilon,
        truth_probability: measured.truth_probability,
        fresh: measured.fresh,
        budget: MeasureBudget {
            period: measured.period,
            epsilon_total: measured.budget,
            epsilon_spent: measured.spent,
            epsilon_left: left,
        },
    };
    Ok(with_receipt(Json(body).into_response(), seq))
}
