//! The app's hold on the vault: locked or unlocked, the brand API that runs while unlocked, the
//! watcher of unusual use, and the idle clock. Tauri sees it as managed state; nothing here
//! depends on a window, so it is tested on its own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use butler_core::alerts::Watcher;
use butler_core::backup;
use butler_core::settings::OwnerSettings;
use butler_core::{KdfParams, Vault};
use jiff::Timestamp;
use secrecy::SecretString;

use crate::dto::{
    AlertView, ApiStatus, CommandError, CommandResult, Locked, Progress, RequestView, RestoredView,
    VaultStatus,
};
use crate::server::ApiServer;
use crate::views;

/// How often the watcher looks for unusual use in new log entries.
const WATCH_EVERY: Duration = Duration::from_secs(10);

/// What the session tells the shell (which turns it into UI events, notifications and the tray).
#[derive(Debug, Clone)]
pub enum Notice {
    Locked(Locked),
    /// The pending requests changed; `new` are those not seen before.
    Requests {
        pending: usize,
        new: Vec<RequestView>,
    },
    Alert(AlertView),
    Progress(Progress),
}

pub type Notify = Arc<dyn Fn(Notice) + Send + Sync>;

/// How the session is set up: where the vault is and, for tests and scripts, a port that
/// overrides the owner's setting (0 picks a free one).
#[derive(Debug, Clone)]
pub struct Config {
    pub vault_path: PathBuf,
    pub api_port: Option<u16>,
    pub kdf: KdfParams,
}

pub struct Session {
    config: Config,
    state: Mutex<Option<Unlocked>>,
    last_activity: Mutex<Instant>,
    notify: Notify,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("config", &self.config).finish_non_exhaustive()
    }
}

struct Unlocked {
    vault: Vault,
    settings: OwnerSettings,
    api: Result<ApiServer, (u16, String)>,
    _watcher: Option<Watcher>,
    /// User codes of the requests the owner has been told about.
    known_requests: BTreeSet<String>,
}

impl Session {
    pub fn new(config: Config, notify: Notify) -> Self {
        Self { config, state: Mutex::new(None), last_activity: Mutex::new(Instant::now()), notify }
    }

    pub fn vault_path(&self) -> &Path {
        &self.config.vault_path
    }

    fn state(&self) -> MutexGuard<'_, Option<Unlocked>> {
        // A panic inside a command leaves the state as it was; keep going with it.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn status(&self) -> VaultStatus {
        let state = self.state();
        VaultStatus {
            exists: self.config.vault_path.is_file(),
            unlocked: state.is_some(),
            path: self.config.vault_path.display().to_string(),
            api: state.as_ref().map(Unlocked::api_status),
        }
    }

    /// Creates the vault (its folder too) and unlocks it.
    pub fn create(&self, passphrase: &SecretString) -> CommandResult<VaultStatus> {
        if let Some(dir) = self.config.vault_path.parent() {
            std::fs::create_dir_all(dir).map_err(butler_core::Error::from)?;
        }
        let vault = Vault::create(&self.config.vault_path, passphrase, self.config.kdf)?;
        self.start(vault)?;
        Ok(self.status())
    }

    pub fn unlock(&self, passphrase: &SecretString) -> CommandResult<VaultStatus> {
        if self.state().is_some() {
            return Ok(self.status());
        }
        let vault = Vault::open(&self.config.vault_path, passphrase)?;
        self.start(vault)?;
        Ok(self.status())
    }

    fn start(&self, vault: Vault) -> CommandResult<()> {
        let settings = vault.owner_settings()?;
        let port = self.config.api_port.unwrap_or(settings.api_port);
        let api = ApiServer::start(vault.reopen()?, port).map_err(|problem| (port, problem));
        let notify = self.notify.clone();
        // The chain is checked at start and new entries watched on a connection of their own.
        let watcher = Watcher::start(vault.reopen()?, WATCH_EVERY, move |alert| {
            notify(Notice::Alert(views::alert(alert)));
        })?;
        let mut state = self.state();
        *state =
            Some(Unlocked { vault, settings, api, _watcher: Some(watcher), known_requests: BTreeSet::new() });
        drop(state);
        self.touch();
        Ok(())
    }

    /// Locks: the brand API stops answering at once, then stops; the keys leave memory.
    pub fn lock(&self, reason: &str) {
        if let Some(settings) = self.close() {
            let idle_minutes = (reason == "auto").then_some(settings.auto_lock_minutes);
            (self.notify)(Notice::Locked(Locked {
                reason: reason.to_owned(),
                idle_minutes,
                restored: None,
                problem: None,
            }));
        }
    }

    /// Stops the brand API and closes the vault, if open; returns the settings it had.
    fn close(&self) -> Option<OwnerSettings> {
        let unlocked = self.state().take()?;
        if let Ok(api) = unlocked.api {
            api.stop();
        }
        Some(unlocked.settings)
    }

    /// The owner did something: the idle clock starts again.
    pub fn touch(&self) {
        *self.last_activity.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
    }

    /// Runs `f` on the unlocked vault; `locked` if it is not.
    pub fn with_vault<T>(&self, f: impl FnOnce(&Vault) -> CommandResult<T>) -> CommandResult<T> {
        let state = self.state();
        let unlocked = state.as_ref().ok_or_else(CommandError::locked)?;
        f(&unlocked.vault)
    }

    pub fn report(&self, progress: Progress) {
        (self.notify)(Notice::Progress(progress));
    }

    /// Runs the periodic duties: locks after the owner's idle time, and tells of new requests.
    pub fn tick(&self, now: Instant) {
        let idle = now.saturating_duration_since(
            *self.last_activity.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let limit = match self.state().as_ref() {
            Some(u) => Duration::from_secs(u64::from(u.settings.auto_lock_minutes) * 60),
            None => return,
        };
        if idle >= limit {
            self.lock("auto");
            return;
        }
        self.check_requests();
    }

    /// Tells the shell when the pending requests change, naming those it has not seen.
    pub fn check_requests(&self) {
        let mut state = self.state();
        let Some(unlocked) = state.as_mut() else { return };
        let Ok(pending) = unlocked.vault.pending_requests(Timestamp::now()) else { return };
        let codes: BTreeSet<String> = pending.iter().map(|r| r.user_code.clone()).collect();
        if codes == unlocked.known_requests {
            return;
        }
        let new = pending
            .iter()
            .filter(|r| !unlocked.known_requests.contains(&r.user_code))
            .map(views::request)
            .collect();
        unlocked.known_requests = codes;
        let count = pending.len();
        drop(state);
        (self.notify)(Notice::Requests { pending: count, new });
    }

    pub fn settings(&self) -> CommandResult<OwnerSettings> {
        let state = self.state();
        Ok(state.as_ref().ok_or_else(CommandError::locked)?.settings)
    }

    /// Saves the settings; a new port restarts the brand API on it.
    pub fn set_settings(&self, settings: OwnerSettings) -> CommandResult<()> {
        let mut state = self.state();
        let unlocked = state.as_mut().ok_or_else(CommandError::locked)?;
        unlocked.vault.set_owner_settings(settings)?;
        let old_port = unlocked.settings.api_port;
        unlocked.settings = settings;
        if settings.api_port != old_port && self.config.api_port.is_none() {
            let old = std::mem::replace(&mut unlocked.api, Err((settings.api_port, "restarting".into())));
            if let Ok(server) = old {
                server.stop();
            }
            unlocked.api = ApiServer::start(unlocked.vault.reopen()?, settings.api_port)
                .map_err(|problem| (settings.api_port, problem));
        }
        Ok(())
    }

    pub fn api_status(&self) -> Option<ApiStatus> {
        self.state().as_ref().map(Unlocked::api_status)
    }

    /// Replaces the vault with the backup at `file`. The backup is checked first, beside the
    /// vault, while everything keeps running: a backup that is refused changes nothing. Then the
    /// vault locks (the brand API stops), the current vault is kept as a backup, and the checked
    /// copy takes its place; the owner unlocks it with the passphrase it was made under.
    pub fn restore(&self, file: &Path, passphrase: &SecretString) -> CommandResult<RestoredView> {
        let report = |step: &str, done: u32| {
            self.report(Progress { task: "restore".into(), step: step.into(), done, total: Some(3) });
        };
        report("Checking the backup: its integrity, every value, the log's chain", 0);
        let checked = backup::check(&self.config.vault_path, file, passphrase)?;
        report("Locking: brands cannot reach Butler until you unlock", 1);
        let was_unlocked = self.close().is_some();
        report("Keeping the vault as it is now as a backup, and putting this one in its place", 2);
        let result =
            checked.install(passphrase, Timestamp::now()).map(|restored| views::restored(file, &restored));
        report("Done", 3);
        if was_unlocked {
            let (restored, problem) = match &result {
                Ok(view) => (Some(view.clone()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            (self.notify)(Notice::Locked(Locked {
                reason: "restore".into(),
                idle_minutes: None,
                restored,
                problem,
            }));
        }
        Ok(result?)
    }

    /// Changes the passphrase after proving the current one.
    pub fn change_passphrase(&self, current: &SecretString, new: &SecretString) -> CommandResult<()> {
        // Opening with the current passphrase proves it (and counts a wrong one, like unlocking).
        let mut check = Vault::open(&self.config.vault_path, current)?;
        check.change_passphrase(new, None)?;
        Ok(())
    }
}

impl Unlocked {
    fn api_status(&self) -> ApiStatus {
        match &self.api {
            Ok(server) => ApiStatus {
                serving: true,
                port: server.port(),
                url: Some(format!("http://127.0.0.1:{}", server.port())),
                problem: None,
            },
            Err((port, problem)) => {
                ApiStatus { serving: false, port: *port, url: None, problem: Some(problem.clone()) }
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(unlocked) = self.state().take()
            && let Ok(api) = unlocked.api
        {
            api.stop();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use super::*;

    pub(crate) struct Fixture {
        pub dir: tempfile::TempDir,
        pub session: Session,
        pub notices: Arc<Mutex<Vec<Notice>>>,
    }

    pub(crate) fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let notices: Arc<Mutex<Vec<Notice>>> = Arc::default();
        let sink = notices.clone();
        let config = Config {
            vault_path: dir.path().join("data").join("butler.vault"),
            api_port: Some(0),
            kdf: KdfParams::FLOOR,
        };
        let session = Session::new(config, Arc::new(move |n| sink.lock().unwrap().push(n)));
        Fixture { dir, session, notices }
    }

    pub(crate) fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    /// The brand API's discovery document, over plain HTTP/1.1, or the I/O error.
    fn metadata(port: u16) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(
            stream,
            "GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    }

    #[test]
    fn the_brand_api_serves_while_unlocked_and_stops_on_lock() {
        let f = fixture();
        let status = f.session.status();
        assert!(!status.exists && !status.unlocked && status.api.is_none());

        let status = f.session.create(&pw("correct horse battery staple")).unwrap();
        assert!(status.exists && status.unlocked);
        let api = status.api.unwrap();
        assert!(api.serving, "{api:?}");
        let response = metadata(api.port).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("device_authorization_endpoint"));

        f.session.lock("owner");
        assert!(!f.session.status().unlocked);
        assert!(metadata(api.port).is_err(), "nothing listens once the vault is locked");
        assert!(matches!(
            f.notices.lock().unwrap().as_slice(),
            [Notice::Locked(Locked { reason, idle_minutes: None, .. })] if reason == "owner"
        ));
        let err = f.session.with_vault(|_| Ok(())).unwrap_err();
        assert_eq!(err.code, "locked");
    }

    #[test]
    fn unlock_tells_a_wrong_passphrase_by_its_code() {
        let f = fixture();
        f.session.create(&pw("correct horse battery staple")).unwrap();
        f.session.lock("owner");
        let err = f.session.unlock(&pw("not the passphrase")).unwrap_err();
        assert_eq!(err.code, "wrong_passphrase");
        assert!(!f.session.status().unlocked);
        // The slow-down after a wrong passphrase is the core's (a second or two at first).
        std::thread::sleep(Duration::from_secs(3));
        assert!(f.session.unlock(&pw("correct horse battery staple")).unwrap().unlocked);
    }

    #[test]
    fn locks_itself_after_the_owners_idle_time() {
        let f = fixture();
        f.session.create(&pw("correct horse battery staple")).unwrap();
        f.session.set_settings(OwnerSettings { auto_lock_minutes: 2, api_port: 7373 }).unwrap();
        f.session.touch();
        let start = Instant::now();
        f.session.tick(start + Duration::from_secs(119));
        assert!(f.session.status().unlocked, "not yet two minutes");
        f.session.touch();
        f.session.tick(Instant::now() + Duration::from_secs(119));
        assert!(f.session.status().unlocked, "activity restarted the clock");
        f.session.tick(Instant::now() + Duration::from_secs(121));
        assert!(!f.session.status().unlocked);
        assert!(f.notices.lock().unwrap().iter().any(
            |n| matches!(n, Notice::Locked(Locked { reason, idle_minutes: Some(2), .. }) if reason == "auto")
        ));
    }

    #[test]
    fn tells_of_each_new_request_once() {
        let f = fixture();
        f.session.create(&pw("correct horse battery staple")).unwrap();
        let now = Timestamp::now();
        f.session
            .with_vault(|v| {
                let brand = v.register_brand(
                    butler_core::brands::Registration {
                        client_name: "Acme Shoes".into(),
                        client_uri: Some("https://shoes.example".into()),
                        purposes: BTreeSet::new(),
                        accepted_agreements: None,
                    },
                    now,
                )?;
                let spec = butler_core::access::AccessSpec::from_scope(
                    "field:sizes.shoe purpose:recommend-products",
                )
                .map_err(|e| CommandError::new("invalid_scope", e.to_string()))?;
                v.start_device_authorization(&brand.client_id, spec, now)?;
                Ok(())
            })
            .unwrap();
        f.session.check_requests();
        f.session.check_requests();
        let notices = f.notices.lock().unwrap();
        let requests: Vec<_> = notices.iter().filter(|n| matches!(n, Notice::Requests { .. })).collect();
        assert_eq!(requests.len(), 1, "told once: {notices:?}");
        let Notice::Requests { pending, new } = requests[0] else { unreachable!() };
        assert_eq!(*pending, 1);
        assert_eq!(new[0].brand.name, "Acme Shoes");
        assert_eq!(new[0].fields[0].field, "sizes.shoe");
    }

    #[test]
    fn a_taken_port_is_told_not_fatal() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let mut f = fixture();
        f.session.config.api_port = Some(port);
        let status = f.session.create(&pw("correct horse battery staple")).unwrap();
        assert!(status.unlocked);
        let api = status.api.unwrap();
        assert!(!api.serving);
        assert!(api.problem.unwrap().contains(&format!("port {port} is in use")));
    }
}
