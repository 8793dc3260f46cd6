//! Every error the API sends: RFC 9457 problem details, OAuth error bodies (RFC 6749 §5.2,
//! RFC 8628 §3.5), and RFC 6750 bearer challenges. Details of internal failures are logged, never
//! sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub enum ApiError {
    /// A problem details response.
    Problem { status: StatusCode, title: &'static str, detail: String },
    /// An OAuth endpoint error (`error`, `error_description`).
    OAuth { status: StatusCode, error: &'static str, description: String },
    /// A bearer token problem, with its `WWW-Authenticate` challenge.
    Bearer { status: StatusCode, error: &'static str, description: String },
    /// The vault is locked, or the access log could not be written: nothing is disclosed.
    Unavailable(String),
    /// The vault's state moved after the kept state an answer was made from, so its log entry was
    /// not written: the handler answers again from the current state
    /// (`BrandAuth::confirmed`). Sent only if a handler did not, as a 503.
    StateMoved,
    /// A grant's rate is exceeded; try again after this many seconds.
    TooManyRequests(u64),
    /// A failure inside Butler; the detail is logged only.
    Internal(String),
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::Problem { status: StatusCode::BAD_REQUEST, title: "Bad request", detail: detail.into() }
    }

    pub fn oauth(error: &'static str, description: impl Into<String>) -> Self {
        let status =
            if error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
        ApiError::OAuth { status, error, description: description.into() }
    }

    pub fn invalid_token(description: impl Into<String>) -> Self {
        ApiError::Bearer {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: description.into(),
        }
    }

    /// A request refused for where it came from (a web origin the grant does not allow).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        ApiError::Problem { status: StatusCode::FORBIDDEN, title: "Forbidden", detail: detail.into() }
    }

    pub fn insufficient_scope(description: impl Into<String>) -> Self {
        ApiError::Bearer {
            status: StatusCode::FORBIDDEN,
            error: "insufficient_scope",
            description: description.into(),
        }
    }
}

impl From<butler_core::Error> for ApiError {
    fn from(e: butler_core::Error) -> Self {
        ApiError::Internal(format!("{} ({})", e, e.code()))
    }
}

/// A challenge parameter: printable ASCII only, no quotes or backslashes (RFC 6750 §3).
fn quoted(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '?' })
        .collect()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Problem { status, title, detail } => problem(status, title, &detail),
            ApiError::OAuth { status, error, description } => {
                let mut res =
                    (status, axum::Json(json!({ "error": error, "error_description": description })))
                        .into_response();
                res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                if status == StatusCode::UNAUTHORIZED {
                    res.headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"butler\""));
                }
                res
            }
            ApiError::Bearer { status, error, description } => {
                let title = match error {
                    "invalid_token" => "Invalid token",
                    "insufficient_scope" => "Insufficient scope",
                    _ => "Unauthorized",
                };
                let mut res = problem(status, title, &description);
                // RFC 6750 §3.1: a request with no credentials gets a challenge without an error code.
                let challenge = if error.is_empty() {
                    "Bearer realm=\"butler\"".to_owned()
                } else {
                    format!(
                        "Bearer realm=\"butler\", error=\"{error}\", error_description=\"{}\"",
                        quoted(&description)
                    )
                };
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                res
            }
            ApiError::StateMoved => {
                ApiError::Unavailable("an answer was made from a state since changed".into()).into_response()
            }
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "refusing to disclose");
                let mut res = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service unavailable",
                    "Butler cannot answer now; nothing was disclosed. Try again later.",
                );
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                res
            }
            ApiError::TooManyRequests(after) => {
                let mut res = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests",
                    "This grant's rate is exceeded; try again after the Retry-After delay.",
                );
                if let Ok(v) = HeaderValue::from_str(&after.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
                res
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "Butler could not complete the request.",
                )
            }
        }
    }
}

/// An RFC 9457 problem details response.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail });
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    res
}
