//! The app's hold on the vault: locked or unlocked, the brand API that runs while unlocked, the
//! watcher of unusual use, and the idle clock. Tauri sees it as managed state; nothing here
//! depends on a window, so it is tested on its own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use butler_core::alerts::Watcher;
use butler_core::settings::OwnerSettings;
use butler_core::{KdfParams, Vault};
use jiff::Timestamp;
use secrecy::SecretString;

use crate::dto::{
    AlertView, ApiStatus, CommandError, CommandResult, Locked, Progress, RequestView, VaultStatus,
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
        let unlocked = self.state().take();
        if let Some(unlocked) = unlocked {
            let idle_minutes = (reason == "auto").then_some(unlocked.settings.auto_lock_minutes);
            if let Ok(api) = unlocked.api {
                api.stop();
            }
            drop(unlocked.vault);
            (self.notify)(Notice::Locked(Locked { reason: reason.to_owned(), idle_minutes }));
        }
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
