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
//! // The owner's consent, signed: check each receipt with Butler's public key.
//! let keys = butler.jwks().await?;
//! for item in butler.session(&token.access_token).receipts().await?.receipts {
//!     let receipt = butler_sdk::verify_receipt(&item.jws, &keys).expect("signed by this Butler");
//!     println!("{} {} until {}", receipt.event, receipt.grant_id, receipt.services[0].purposes[0].termination);
//! }
//! # Ok(()) }
//! ```

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
pub use butler_protocol as protocol;
/// Estimates of true shares from many measurement answers, with their confidence intervals.
pub use butler_protocol::estimate;
use butler_protocol::{
    AnswersRequest, AnswersResponse, Candidate, CatalogResponse, ConsentReceipt, DeviceAuthorizationResponse,
    IntrospectionResponse, Jwks, MeasureRequest, MeasureResponse, OfferRequest, OfferResponse,
    ProfileResponse, ReceiptsResponse, RegisterResponse, SignalRequest, SignalResponse, TokenResponse,
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

    /// The public keys that verify Butler's consent receipts (a JWKS, RFC 7517).
    pub async fn jwks(&self) -> Result<Jwks> {
        parse(self.http.get(self.url("/.well-known/jwks.json")).send().await?).await
    }

    /// The field catalog and purposes.
    pub async fn catalog(&self) -> Result<CatalogResponse> {
        parse(self.http.get(self.url("/v1/catalog")).send().await?).await
    }

    /// Registers the brand (RFC 7591); keep the `client_id`. A brand that registers this way
    /// states no terms, and is bound to the owner's by taking a token.
    pub async fn register(&self, name: &str, client_uri: Option<&str>) -> Result<RegisterResponse> {
        self.register_accepting(name, client_uri, &[]).await
    }

    /// Registers the brand, declaring the IEEE 7012 agreements it accepts (DPV `p7012`
    /// identifiers such as `SD-BASE-ATP`); none declares nothing.
    pub async fn register_accepting(
        &self,
        name: &str,
        client_uri: Option<&str>,
        agreements: &[&str],
    ) -> Result<RegisterResponse> {
        let mut body = json!({ "client_name": name, "client_uri": client_uri });
        if !agreements.is_empty() {
            body["accepted_agreements"] = json!(agreements);
        }
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

    /// Asks a measurement question (purpose `measure`): a randomized answer, the same all period,
    /// each fresh one spending the brand's privacy budget. Combine many with [`estimate`].
    pub async fn measure(&self, question: &str, categories: &[&str]) -> Result<MeasureResponse> {
        let body = MeasureRequest {
            purpose: "measure".to_owned(),
            question: question.to_owned(),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        };
        self.post("/v1/measure", &body).await
    }

    /// Reports an event; it waits for the owner's review.
    pub async fn signal(&self, signal: &SignalRequest) -> Result<SignalResponse> {
        self.post("/v1/signals", signal).await
    }

    /// The brand's signed consent receipts, for all its grants, newest first. Works with a
    /// revoked token too, so that the receipt of a revocation can be fetched.
    pub async fn receipts(&self) -> Result<ReceiptsResponse> {
        let req = self.client.http.get(self.client.url("/v1/receipts")).bearer_auth(&self.token);
        parse(req.send().await?).await
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

/// Why a consent receipt does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the receipt does not verify: {0}")]
pub struct VerifyError(pub &'static str);

#[derive(serde::Deserialize)]
struct JwsHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Checks a consent receipt (a compact JWS, `alg: EdDSA`) against Butler's public keys and
/// returns its content. The key is the one whose `kid` the receipt names; any change to the
/// receipt, or a key from another Butler, fails.
pub fn verify_receipt(jws: &str, keys: &Jwks) -> Result<ConsentReceipt, VerifyError> {
    let not_compact = VerifyError("not a compact JWS (three base64url parts)");
    let (signing_input, signature) = jws.trim().rsplit_once('.').ok_or(not_compact.clone())?;
    let (header, payload) = signing_input.split_once('.').ok_or(not_compact.clone())?;
    if payload.contains('.') {
        return Err(not_compact);
    }
    let header: JwsHeader = B64
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(VerifyError("the header does not decode"))?;
    if header.alg != "EdDSA" {
        return Err(VerifyError("the receipt is not signed with EdDSA"));
    }
    let key = keys
        .keys
        .iter()
        .find(|k| header.kid.as_ref().is_none_or(|kid| *kid == k.kid))
        .ok_or(VerifyError("no key in the set has the receipt's key id"))?;
    if key.kty != "OKP" || key.crv != "Ed25519" {
        return Err(VerifyError("the key is not an Ed25519 key"));
    }
    let public = B64.decode(&key.x).map_err(|_| VerifyError("the key's `x` is not base64url"))?;
    let signature = B64.decode(signature).map_err(|_| VerifyError("the signature is not base64url"))?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &public)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| VerifyError("the signature does not match: the receipt or the key differs"))?;
    let payload = B64.decode(payload).map_err(|_| VerifyError("the payload is not base64url"))?;
    serde_json::from_slice(&payload).map_err(|_| VerifyError("the payload is not a consent receipt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_receipts_say_why() {
        let keys = Jwks { keys: vec![] };
        let err = |jws: &str| verify_receipt(jws, &keys).unwrap_err().0;
        assert!(err("a.b").contains("three base64url parts"));
        assert!(err("a.b.c.d").contains("three base64url parts"));
        assert!(err("!!.e30.c2ln").contains("header does not decode"));
        let hs256 = B64.encode(br#"{"alg":"HS256","kid":"k"}"#);
        assert!(err(&format!("{hs256}.e30.c2ln")).contains("not signed with EdDSA"));
        let eddsa = B64.encode(br#"{"alg":"EdDSA","kid":"k"}"#);
        assert!(err(&format!("{eddsa}.e30.c2ln")).contains("no key in the set"));
    }

    #[test]
    fn bearer_challenges_are_read() {
        let c = r#"Bearer realm="butler", error="insufficient_scope", error_description="no""#;
        assert_eq!(bearer_error(c).as_deref(), Some("insufficient_scope"));
        assert_eq!(bearer_error(r#"Bearer realm="butler""#), None);
    }
}
