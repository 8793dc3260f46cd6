//! The app under `WebDriver`: Xvfb, a D-Bus session, tauri-driver and `WebKitWebDriver` in one
//! process group, and a fantoccini session on the built app. Shared by the end-to-end test and
//! the start-up benchmark.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// Every wait is bounded: the app, the driver and the brand API are all local.
pub const WAIT: Duration = Duration::from_secs(30);

/// `N` distinct free loopback ports. All are held at once while they are chosen: ports picked
/// one at a time can come back the same (the system is free to hand a just-closed port out again),
/// and two of the app's listeners on one port would answer each other's requests.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: [TcpListener; N] = std::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    held.map(|listener| listener.local_addr().unwrap().port())
}

fn tauri_driver() -> PathBuf {
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let installed = home.join(".cargo/bin/tauri-driver");
    if installed.is_file() { installed } else { PathBuf::from("tauri-driver") }
}

/// tauri-driver inside Xvfb and a D-Bus session, in a process group of its own; stopped (with
/// `WebKitWebDriver` and the app) when dropped.
pub struct Driver {
    child: Child,
    port: u16,
    /// Where the app serves the brand API.
    pub api_port: u16,
    log: PathBuf,
}

impl Driver {
    pub fn start(data_dir: &Path) -> Self {
        let [port, native_port, api_port] = free_ports();
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
        let driver = Self { child, port, api_port, log };
        let start = Instant::now();
        // tauri-driver listens first and starts WebKitWebDriver behind it: a session asked for
        // before both listen fails, so wait for both.
        for (listener, what) in [(port, "tauri-driver"), (native_port, "WebKitWebDriver")] {
            while TcpStream::connect(("127.0.0.1", listener)).is_err() {
                assert!(start.elapsed() < WAIT, "{what} did not listen:\n{}", driver.log_text());
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        driver
    }

    pub fn log_text(&self) -> String {
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

pub async fn open_app(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("tauri:options".into(), json!({ "application": application() }));
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
pub struct App {
    pub client: Client,
    pub shots: Option<PathBuf>,
}

impl App {
    pub async fn find(&self, css: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => {
                let source = self.client.source().await.unwrap_or_default();
                panic!("no element `{css}` appeared: {e}\npage:\n{source}");
            }
        }
    }

    pub async fn click(&self, css: &str) {
        let start = Instant::now();
        loop {
            let element = self.find(css).await;
            // The screens scroll inside their own pane, which WebKitWebDriver does not always
            // bring into view by itself: put the element in the middle of it first.
            let _ = self
                .client
                .execute(
                    "document.querySelector(arguments[0])?.scrollIntoView({ block: 'center' })",
                    vec![json!(css)],
                )
                .await;
            match element.click().await {
                Ok(()) => return,
                // A screen that has just been opened may still be laying out or re-rendering:
                // the element is found but not clickable yet, or replaced. Try again.
                Err(e) if start.elapsed() < WAIT && not_yet_clickable(&e) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot click `{css}`: {e:?}"),
            }
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Waits until the element's text contains `needle`, and returns the text.
    pub async fn text_with(&self, css: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            // The DOM's text, whether or not it is scrolled into view.
            let text = self
                .client
                .execute(
                    "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''",
                    vec![json!(css)],
                )
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            assert!(start.elapsed() < WAIT, "`{css}` never showed `{needle}`; last text: {text:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn go(&self, section: &str) {
        self.click(&format!("nav a[href='#/{section}']")).await;
        self.find(&format!("[data-screen='{section}']")).await;
    }

    pub async fn shot(&self, name: &str) {
        let Some(dir) = &self.shots else { return };
        // Let transitions and fetched data settle before the picture.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let png = self.client.screenshot().await.unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// The app binary: the one `cargo test` built, or `BUTLER_APP` (the benchmark's release build).
pub fn application() -> PathBuf {
    std::env::var_os("BUTLER_APP")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_butler-desktop")), PathBuf::from)
}

/// Whether a click failed only because the element is not ready (yet) to be clicked.
fn not_yet_clickable(e: &fantoccini::error::CmdError) -> bool {
    use fantoccini::error::{CmdError, ErrorStatus};
    e.is_element_not_interactable()
        || e.is_stale_element_reference()
        || matches!(e, CmdError::Standard(w) if w.error == ErrorStatus::ElementClickIntercepted)
}
