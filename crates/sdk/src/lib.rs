//! A brand's client for Butler: onboarding by the device flow, then reads, answers, offers and
//! signals within the owner's grant. The bodies are `butler-protocol`'s types, the same the server
//! sends; errors are typed (OAuth errors, problem details with the bearer challenge, rate limits).
//!
//! ```no_run
//! # async fn demo() -> Result<(), butler_sdk::Error> {
//! let butler = butler_sdk::Client::new("http://127.0.0.1:7373");
//! let me = butler.register("Trail Shoes", Some("https://shoes.example")).await?;
//! let ask = butler.request_access(&me.client_id, "field:birth_date:coarse purpose:recommend-products").await?;
//! println!("Ask the owner to approve {}", ask.user_code);
//! let token = butler.wait_for_token(&me.client_id, &ask).await?;
//! let profile = butler.session(&token.access_token).read_profile("recommend-products", &["birth_date"]).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

pub use butler_protocol as protocol;
use butler_protocol::{
    AnswersRequest, AnswersResponse, Candidate, CatalogResponse, DeviceAuthorizationResponse,
    IntrospectionResponse, OfferRequest, OfferResponse, ProfileResponse, RegisterResponse, SignalRequest,
    SignalResponse, TokenResponse,
};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The device flow's grant type.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Everything that can go wrong talking to Butler.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot reach Butler: {0}")]
    Http(#[from] reqwest::Error),
    /// An OAuth endpoint's error (`access_denied`, `expired_token`, `invalid_scope`, ...).
    #[error("{error}: {description}")]
    OAuth { status: u16, error: String, description: String },
    /// A problem details response; `bearer_error` is the `WWW-Authenticate` error code, if any
    /// (`invalid_token`, `insufficient_scope`).
    #[error("{status} {title}: {detail}")]
    Problem { status: u16, title: String, detail: String, bearer_error: Option<String> },
    /// The grant's rate is exceeded; try again after `retry_after` seconds.
    #[error("rate limited; retry after {retry_after:?} s")]
    RateLimited { retry_after: Option<u64> },
    /// Butler is locked or cannot log: nothing was disclosed.
    #[error("Butler is unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected answer {status}: {body}")]
    Unexpected { status: u16, body: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One poll of the token endpoint.
#[derive(Debug)]
pub enum Poll {
    Pending,
    /// Poll more slowly: wait at least this long between polls from now on.
    SlowDown,
    Token(Box<TokenResponse>),
}

/// The code of a `WWW-Authenticate: Bearer error="..."` challenge.
fn bearer_error(challenge: &str) -> Option<String> {
    let rest = &challenge[challenge.find("error=\"")? + 7..];
    Some(rest[..rest.find('"')?].to_owned())
}

async fn parse<T: DeserializeOwned>(res: reqwest::Response) -> Result<T> {
    let status = res.status().as_u16();
    if res.status().is_success() {
        return Ok(res.json().await?);
    }
    let challenge = res.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let retry_after =
        res.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let is_problem = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let body = res.text().await?;
    if status == 429 {
        return Err(Error::RateLimited { retry_after });
    }
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let text = |k: &str| json[k].as_str().unwrap_or_default().to_owned();
    if is_problem {
        if status == 503 {
            return Err(Error::Unavailable(text("detail")));
        }
        return Err(Error::Problem {
            status,
            title: text("title"),
            detail: text("detail"),
            bearer_error: challenge.as_deref().and_then(bearer_error),
        });
    }
    if json.get("error").is_some() {
        return Err(Error::OAuth { status, error: text("error"), description: text("error_description") });
    }
    Err(Error::Unexpected { status, body })
}

/// A connection to one Butler.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client for the Butler at `base_url` (for example `http://127.0.0.1:7373`).
    pub fn new(base_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a reqwest client with a timeout builds");
        Self { http, base: base_url.into().trim_end_matches('/').to_owned() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The authorization server metadata (RFC 8414).
    pub async fn metadata(&self) -> Result<Value> {
        parse(self.http.get(self.url("/.well-known/oauth-authorization-server")).send().await?).await
    }

    /// The field catalog and purposes.
    pub async fn catalog(&self) -> Result<CatalogResponse> {
        parse(self.http.get(self.url("/v1/catalog")).send().await?).await
    }

    /// Registers the brand (RFC 7591); keep the `client_id`.
    pub async fn register(&self, name: &str, client_uri: Option<&str>) -> Result<RegisterResponse> {
        let body = json!({ "client_name": name, "client_uri": client_uri });
        parse(self.http.post(self.url("/oauth/register")).json(&body).send().await?).await
    }

    /// Asks for access (RFC 8628): show `user_code` to the owner.
    pub async fn request_access(&self, client_id: &str, scope: &str) -> Result<DeviceAuthorizationResponse> {
        let form = [("client_id", client_id), ("scope", scope)];
        parse(self.http.post(self.url("/oauth/device_authorization")).form(&form).send().await?).await
    }

    /// One poll of the token endpoint.
    pub async fn poll_once(&self, client_id: &str, device_code: &str) -> Result<Poll> {
        let form = [("grant_type", DEVICE_GRANT), ("device_code", device_code), ("client_id", client_id)];
        match parse::<TokenResponse>(self.http.post(self.url("/oauth/token")).form(&form).send().await?).await
        {
            Ok(token) => Ok(Poll::Token(Box::new(token))),
            Err(Error::OAuth { error, .. }) if error == "authorization_pending" => Ok(Poll::Pending),
            Err(Error::OAuth { error, .. }) if error == "slow_down" => Ok(Poll::SlowDown),
            Err(e) => Err(e),
        }
    }

    /// Polls politely until the owner decides: at the given interval, five seconds slower after
    /// each `slow_down`; stops with the error on `access_denied` or `expired_token`.
    pub async fn wait_for_token(
        &self,
        client_id: &str,
        request: &DeviceAuthorizationResponse,
    ) -> Result<TokenResponse> {
        let mut interval = Duration::from_secs(u64::from(request.interval.max(1)));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(request.expires_in);
        loop {
            tokio::time::sleep(interval).await;
            match self.poll_once(client_id, &request.device_code).await? {
                Poll::Token(token) => return Ok(*token),
                Poll::SlowDown => interval += Duration::from_secs(5),
                Poll::Pending => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::OAuth {
                    status: 400,
                    error: "expired_token".into(),
                    description: "the request expired before the owner decided".into(),
                });
            }
        }
    }

    /// Calls the data endpoints with an access token.
    pub fn session(&self, access_token: &str) -> Session<'_> {
        Session { client: self, token: access_token.to_owned() }
    }
}

/// Calls made with one access token.
#[derive(Debug)]
pub struct Session<'a> {
    client: &'a Client,
    token: String,
}

impl Session<'_> {
    async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl serde::Serialize) -> Result<T> {
        let req = self.client.http.post(self.client.url(path)).bearer_auth(&self.token).json(body);
        parse(req.send().await?).await
    }

    /// Reads fields for a purpose: each in its granted mode, the rest listed as withheld.
    pub async fn read_profile(&self, purpose: &str, fields: &[&str]) -> Result<ProfileResponse> {
        let req = self
            .client
            .http
            .get(self.client.url("/v1/profile"))
            .bearer_auth(&self.token)
            .query(&[("purpose", purpose), ("fields", &fields.join(","))]);
        parse(req.send().await?).await
    }

    /// Ranks candidates against the owner's interests (never revealed).
    pub async fn answers(&self, purpose: &str, candidates: Vec<Candidate>) -> Result<AnswersResponse> {
        self.post("/v1/answers", &AnswersRequest { purpose: purpose.to_owned(), candidates }).await
    }

    /// Submits an offer: delivered, deferred or declined by the owner's preferences.
    pub async fn offer(&self, offer: &OfferRequest) -> Result<OfferResponse> {
        self.post("/v1/offers", offer).await
    }

    /// Reports an event; it waits for the owner's review.
    pub async fn signal(&self, signal: &SignalRequest) -> Result<SignalResponse> {
        self.post("/v1/signals", signal).await
    }

    /// What the token grants (RFC 7662).
    pub async fn introspect(&self, client_id: &str) -> Result<IntrospectionResponse> {
        let form = [("token", self.token.as_str()), ("client_id", client_id)];
        parse(self.client.http.post(self.client.url("/oauth/introspect")).form(&form).send().await?).await
    }

    /// Gives the token up (RFC 7009).
    pub async fn revoke(&self, client_id: &str) -> Result<()> {
        let form = [("token", self.token.as_str()), ("client_id", client_id)];
        let res = self.client.http.post(self.client.url("/oauth/revoke")).form(&form).send().await?;
        if res.status().is_success() { Ok(()) } else { parse::<Value>(res).await.map(drop) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_are_read() {
        let c = r#"Bearer realm="butler", error="insufficient_scope", error_description="no""#;
        assert_eq!(bearer_error(c).as_deref(), Some("insufficient_scope"));
        assert_eq!(bearer_error(r#"Bearer realm="butler""#), None);
    }
}
