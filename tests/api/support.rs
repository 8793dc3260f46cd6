//! Servers for the tests: the real `butler serve` process, or the same server in-process with a
//! clock the test moves. Both stop by themselves when the test ends.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use butler_core::{Field, KdfParams, Vault};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn butler(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_butler"));
    cmd.arg("--data-dir").arg(dir).env("BUTLER_PASSPHRASE", PASSPHRASE).env_remove("BUTLER_DATA_DIR");
    cmd
}

/// Runs a `butler` owner command that must succeed; returns its stdout.
pub fn owner(dir: &std::path::Path, args: &[&str]) -> String {
    let out = butler(dir).args(args).output().unwrap();
    assert!(out.status.success(), "butler {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A vault with a small profile, created through the core.
pub fn filled_vault(dir: &std::path::Path) {
    let v = Vault::create(&dir.join("butler.vault"), &PASSPHRASE.into(), KdfParams::FLOOR).unwrap();
    for (field, value) in [
        (Field::BirthDate, "1990-05-05"),
        (Field::HomeCountry, "FR"),
        (Field::HomeCity, "Lyon"),
        (Field::HomeRegion, "Auvergne-Rhone-Alpes"),
        (Field::HouseholdSize, "3"),
        (Field::ContactEmail, "owner@example.org"),
        (Field::Health, "a private condition"),
    ] {
        v.set_field(field, &field.parse(value).unwrap()).unwrap();
    }
    v.add_interest(
        butler_core::interests::NewInterest::stated(butler_core::interests::Subject::topic(323).unwrap()),
        jiff::civil::date(2026, 1, 1),
    )
    .unwrap();
}

/// The port `butler serve --port 0` prints on its first line of standard output (piped).
pub fn serving_port(child: &mut Child) -> u16 {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line).unwrap();
    line.trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

/// `butler serve --port 0` on a vault; killed when dropped.
pub struct ServeProcess {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl ServeProcess {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        filled_vault(dir.path());
        let mut child = butler(dir.path())
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let port = serving_port(&mut child);
        Self { child, url: format!("http://127.0.0.1:{port}"), dir }
    }

    pub fn owner(&self, args: &[&str]) -> String {
        owner(self.dir.path(), args)
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server in-process on a loopback port, with a clock the test moves forward.
pub struct InProcess {
    pub url: String,
    pub port: u16,
    pub dir: tempfile::TempDir,
    offset_secs: Arc<AtomicI64>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl InProcess {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        filled_vault(dir.path());
        let vault = Vault::open(&dir.path().join("butler.vault"), &PASSPHRASE.into()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let offset_secs = Arc::new(AtomicI64::new(0));
        let offset = Arc::clone(&offset_secs);
        let clock: butler_api::Clock =
            Arc::new(move || Timestamp::now() + SignedDuration::from_secs(offset.load(Ordering::SeqCst)));
        let state = butler_api::AppState::with_clock(vault, port, clock).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(butler_api::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        Self { url: format!("http://127.0.0.1:{port}"), port, dir, offset_secs, _stop: stop }
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets the server's clock to a given instant.
    pub fn set_time(&self, at: &str) {
        let at: Timestamp = at.parse().unwrap();
        self.offset_secs.store(at.as_second() - Timestamp::now().as_second(), Ordering::SeqCst);
    }

    pub fn owner(&self, args: &[&str]) -> String {
        owner(self.dir.path(), args)
    }
}

/// A brand's view of the API: plain HTTP calls with reqwest.
pub struct Brand {
    pub http: reqwest::Client,
    pub url: String,
    pub client_id: String,
}

/// An HTTP client that sends `Origin: origin` with every request, as a page's fetches do.
pub fn page_client(origin: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, origin.parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

impl Brand {
    pub async fn register(url: &str, name: &str) -> Self {
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{url}/oauth/register"))
            .json(&serde_json::json!({"client_name": name, "client_uri": "https://shop.example"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        Self { http, url: url.to_owned(), client_id: body["client_id"].as_str().unwrap().to_owned() }
    }

    /// A brand's page at `origin` registering itself, as a browser sends it: every request
    /// carries `Origin`.
    pub async fn register_from_page(url: &str, name: &str, origin: &str) -> Self {
        let http = page_client(origin);
        let res = http
            .post(format!("{url}/oauth/register"))
            .json(&serde_json::json!({"client_name": name, "client_uri": format!("{origin}/shop")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let body: Value = res.json().await.unwrap();
        Self { http, url: url.to_owned(), client_id: body["client_id"].as_str().unwrap().to_owned() }
    }

    /// Starts the device flow; returns the device code and the user code.
    pub async fn ask(&self, scope: &str) -> (String, String) {
        let res = self
            .http
            .post(format!("{}/oauth/device_authorization", self.url))
            .form(&[("client_id", self.client_id.as_str()), ("scope", scope)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        (body["device_code"].as_str().unwrap().to_owned(), body["user_code"].as_str().unwrap().to_owned())
    }

    /// One poll of the token endpoint: (status, body).
    pub async fn poll(&self, device_code: &str) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}/oauth/token", self.url))
            .form(&[
                ("grant_type", DEVICE_GRANT),
                ("device_code", device_code),
                ("client_id", &self.client_id),
            ])
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.url)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn read(&self, token: &str, purpose: &str, fields: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/v1/profile", self.url))
            .bearer_auth(token)
            .query(&[("purpose", purpose), ("fields", fields)])
            .send()
            .await
            .unwrap()
    }
}

/// Registers a brand, asks for `scope`, has the owner approve it (with `approve_args`), and
/// returns the brand and its access token.
pub async fn onboard(
    server_url: &str,
    dir: &std::path::Path,
    scope: &str,
    approve_args: &[&str],
) -> (Brand, String) {
    let brand = Brand::register(server_url, "Running Shop").await;
    let (device_code, user_code) = brand.ask(scope).await;
    let mut args = vec!["requests", "approve", user_code.as_str()];
    args.extend_from_slice(approve_args);
    owner(dir, &args);
    let (status, body) = brand.poll(&device_code).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    (brand, token)
}
