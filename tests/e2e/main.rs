//! The desktop app end to end: the built app in a real window (under Xvfb, on a D-Bus session of
//! its own), driven through `WebDriver` (tauri-driver with Debian's `WebKitWebDriver`), with a brand
//! on the other side using the Rust SDK against the brand API the app serves.
//!
//! The owner creates a vault and unlocks; a brand asks for three fields; the request appears;
//! the owner approves it narrowed to two; the brand reads and gets exactly those two; the read
//! shows in the activity view with those fields; the owner revokes; the brand's next read is
//! refused.
//!
//! With `BUTLER_SCREENSHOTS=DIR`, a PNG of every screen is saved there (`scripts/screenshots`).

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const PASSPHRASE: &str = "a calm and long passphrase";
/// Every wait is bounded: the app, the driver and the brand API are all local.
const WAIT: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn tauri_driver() -> PathBuf {
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let installed = home.join(".cargo/bin/tauri-driver");
    if installed.is_file() { installed } else { PathBuf::from("tauri-driver") }
}

/// tauri-driver inside Xvfb and a D-Bus session, in a process group of its own; stopped (with
/// `WebKitWebDriver` and the app) when dropped.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    fn start(data_dir: &Path, api_port: u16) -> Self {
        let port = free_port();
        let native_port = free_port();
        let log = data_dir.join("driver.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--"])
            .arg(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("BUTLER_DATA_DIR", data_dir)
            .env("BUTLER_API_PORT", api_port.to_string())
            .env("BUTLER_KDF", "floor")
            .env("NO_AT_BRIDGE", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .expect(
                "xvfb-run starts (scripts/setup installs xvfb, dbus, webkit2gtk-driver and tauri-driver)",
            );
        let driver = Self { child, port, log };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < WAIT, "tauri-driver did not listen:\n{}", driver.log_text());
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM to the whole group: tauri-driver stops WebKitWebDriver and the app with it.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

async fn open_app(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("tauri:options".into(), json!({ "application": env!("CARGO_BIN_EXE_butler-desktop") }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut builder = ClientBuilder::new(connector);
    builder.capabilities(caps);
    let url = format!("http://127.0.0.1:{}", driver.port);
    match tokio::time::timeout(WAIT, builder.connect(&url)).await {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => panic!("no WebDriver session: {e}\n{}", driver.log_text()),
        Err(elapsed) => {
            panic!("the WebDriver session did not open in time ({elapsed})\n{}", driver.log_text())
        }
    }
}

/// The app as the test drives it.
struct App {
    client: Client,
    shots: Option<PathBuf>,
}

impl App {
    async fn find(&self, css: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => {
                let source = self.client.source().await.unwrap_or_default();
                panic!("no element `{css}` appeared: {e}\npage:\n{source}");
            }
        }
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("cannot click `{css}`: {e}"));
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Waits until the element's text contains `needle`, and returns the text.
    async fn text_with(&self, css: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(start.elapsed() < WAIT, "`{css}` never showed `{needle}`; last text: {text:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn go(&self, section: &str) {
        self.click(&format!("nav a[href='#/{section}']")).await;
        self.find(&format!("[data-screen='{section}']")).await;
    }

    async fn shot(&self, name: &str) {
        let Some(dir) = &self.shots else { return };
        // Let transitions and fetched data settle before the picture.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let png = self.client.screenshot().await.unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_approves_narrowed_sees_the_read_and_revokes() {
    let dir = tempfile::tempdir().unwrap();
    let api_port = free_port();
    let driver = Driver::start(dir.path(), api_port);
    let app = App {
        client: open_app(&driver).await,
        shots: std::env::var_os("BUTLER_SCREENSHOTS").map(PathBuf::from),
    };

    // First run: create the vault; the app unlocks into the profile.
    app.find("[data-screen='first-run']").await;
    app.type_into("[data-testid='new-passphrase']", PASSPHRASE).await;
    app.type_into("[data-testid='confirm-passphrase']", PASSPHRASE).await;
    app.shot("01-first-run").await;
    app.click("[data-testid='create-vault']").await;
    app.find("[data-screen='profile']").await;

    // A few values, typed as the owner would.
    for (field, value) in [("language", "en-GB"), ("home.country", "GB"), ("sizes.shoe", "UK 8")] {
        app.type_into(&format!("[data-field='{field}'] input"), value).await;
        app.click(&format!("[data-field='{field}'] [data-testid='save-field']")).await;
        app.text_with(&format!("[data-field='{field}']"), "Saved").await;
    }
    app.shot("02-profile").await;

    // A brand asks for three fields.
    let brand = butler_sdk::Client::new(format!("http://127.0.0.1:{api_port}"));
    let registered = brand.register("Acme Shoes", Some("https://shoes.example")).await.unwrap();
    let request = brand
        .request_access(
            &registered.client_id,
            "field:language field:home.country field:sizes.shoe purpose:recommend-products",
        )
        .await
        .unwrap();

    // The request appears; approve it without the country.
    app.go("requests").await;
    let card = format!("[data-testid='request'][data-user-code='{}']", request.user_code);
    app.text_with(&card, "Acme Shoes").await;
    app.shot("03-requests").await;
    app.click(&format!("{card} input[data-testid='field-toggle'][data-field='home.country']")).await;
    app.click(&format!("{card} [data-testid='approve']")).await;
    app.find("[data-testid='requests-empty']").await;

    // The brand reads exactly what was granted.
    let token = brand.wait_for_token(&registered.client_id, &request).await.unwrap();
    let session = brand.session(&token.access_token);
    let read = session.read_profile("recommend-products", &["language", "sizes.shoe"]).await.unwrap();
    assert_eq!(read.fields.keys().map(String::as_str).collect::<Vec<_>>(), ["language", "sizes.shoe"]);
    let refused = session.read_profile("recommend-products", &["home.country"]).await.unwrap();
    assert!(refused.fields.is_empty(), "the country was not granted: {refused:?}");

    // The read shows in the activity view, with its fields.
    app.go("activity").await;
    let seq = read.receipt.trim_start_matches("log-");
    let entry = app.text_with(&format!("[data-testid='log-entry'][data-seq='{seq}']"), "Acme Shoes").await;
    assert!(entry.contains("language") && entry.contains("sizes.shoe"), "{entry}");
    assert!(!entry.contains("home.country"), "only what was disclosed: {entry}");
    app.shot("04-activity").await;

    // Revoke from the brand's page; the next read is refused.
    app.go("brands").await;
    let grant = format!("[data-testid='grant'][data-grant-id='{}']", token.butler_grant_id);
    app.text_with(&grant, "active").await;
    app.shot("05-brands").await;
    app.click(&format!("{grant} [data-testid='revoke-grant']")).await;
    app.click("[data-testid='confirm']").await;
    app.text_with(&grant, "revoked").await;
    let after = session.read_profile("recommend-products", &["language"]).await;
    assert!(
        matches!(&after, Err(butler_sdk::Error::Problem { status: 401 | 403, .. })),
        "a revoked grant reads nothing: {after:?}"
    );

    for (section, name) in [("inbox", "06-inbox"), ("settings", "07-settings")] {
        app.go(section).await;
        app.shot(name).await;
    }
    app.click("[data-testid='lock']").await;
    app.find("[data-screen='unlock']").await;
    app.shot("08-unlock").await;

    app.client.close().await.unwrap();
    drop(driver);
}
