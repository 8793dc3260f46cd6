//! Butler's desktop app: a Tauri 2 shell around the owner's vault.
//!
//! - [`session`]: the vault, locked or unlocked, the brand API while unlocked, auto-lock.
//! - [`commands`]: the owner's actions the UI invokes, thin calls into the core.
//! - [`dto`]: what crosses to the UI; the TypeScript types are generated from it.
//! - [`server`]: the brand API on its own thread while unlocked.
//! - [`views`]: from the core's types to the UI's.
//!
//! The shell adds what only a desktop has: a single window (a second launch brings the first
//! forward), a tray icon (open, lock, quit, the pending requests), desktop notifications for new
//! requests and unusual use, and the ticker that runs auto-lock.

pub mod commands;
pub mod dto;
pub mod server;
pub mod session;
pub mod views;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use butler_core::KdfParams;
use butler_core::vault::{VAULT_FILE, default_data_dir};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::session::{Config, Notice, Session};

/// How often the ticker checks idle time and pending requests.
const TICK: Duration = Duration::from_secs(2);

/// Where the vault is: `BUTLER_DATA_DIR` (shared with the `butler` command line), else the
/// platform's data folder. `BUTLER_API_PORT` overrides the owner's port setting (0: any free
/// port), and `BUTLER_KDF=floor` makes new vaults at the weakest accepted cost (for tests).
pub fn config_from_env() -> Config {
    let dir = std::env::var_os("BUTLER_DATA_DIR")
        .map(PathBuf::from)
        .or_else(default_data_dir)
        .unwrap_or_else(|| PathBuf::from("."));
    let api_port = std::env::var("BUTLER_API_PORT").ok().and_then(|p| p.parse().ok());
    let kdf = if std::env::var("BUTLER_KDF").as_deref() == Ok("floor") {
        KdfParams::FLOOR
    } else {
        KdfParams::DEFAULT
    };
    Config { vault_path: dir.join(VAULT_FILE), api_port, kdf }
}

struct Tray {
    requests: MenuItem<tauri::Wry>,
}

/// Runs the app until the owner quits.
pub fn run() {
    let config = config_from_env();
    // Set once the app exists; notices before that (none are expected) are dropped.
    let handle: Arc<Mutex<Option<AppHandle>>> = Arc::default();
    let notify_handle = handle.clone();
    let session = Session::new(
        config,
        Arc::new(move |notice| {
            let handle = notify_handle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            if let Some(app) = handle {
                deliver(&app, notice);
            }
        }),
    );

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| show(app)))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .manage(session)
        .invoke_handler(commands::handler())
        .setup(move |app| {
            *handle.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(app.handle().clone());
            build_tray(app.handle())?;
            let ticker = app.handle().clone();
            std::thread::Builder::new().name("butler-ticker".into()).spawn(move || {
                loop {
                    std::thread::sleep(TICK);
                    ticker.state::<Session>().tick(Instant::now());
                }
            })?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the app's configuration and window can be built");
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            app.state::<Session>().lock("owner");
        }
    });
}

fn build_tray(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Butler", true, None::<&str>)?;
    let requests = MenuItem::with_id(app, "requests", "No requests waiting", false, None::<&str>)?;
    let lock = MenuItem::with_id(app, "lock", "Lock", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Butler", true, None::<&str>)?;
    let menu =
        Menu::with_items(app, &[&open, &requests, &PredefinedMenuItem::separator(app)?, &lock, &quit])?;
    let mut tray = TrayIconBuilder::with_id("butler").menu(&menu).tooltip("Butler");
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| match event.id().as_ref() {
        "open" => show(app),
        "requests" => {
            show(app);
            let _ = app.emit("navigate", "requests");
        }
        "lock" => app.state::<Session>().lock("owner"),
        "quit" => app.exit(0),
        _ => {}
    })
    .build(app)?;
    app.manage(Tray { requests });
    Ok(())
}

fn show(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Turns a session notice into a UI event, the tray's state and, where the owner should know
/// without looking, a desktop notification.
fn deliver(app: &AppHandle, notice: Notice) {
    match notice {
        Notice::Locked(locked) => {
            let _ = app.emit("locked", locked);
            set_tray(app, 0);
        }
        Notice::Requests { pending, new } => {
            let _ = app.emit(
                "requests",
                dto::RequestsChanged { pending: u32::try_from(pending).unwrap_or(u32::MAX) },
            );
            set_tray(app, pending);
            for request in new {
                notify(
                    app,
                    &format!("{} asks for access", request.brand.name),
                    &format!("Code {}: open Butler to approve, narrow or deny.", request.user_code),
                );
            }
        }
        Notice::Alert(alert) => {
            notify(app, "Unusual use of your data", &alert.message);
            let _ = app.emit("alert", alert);
        }
        Notice::Progress(progress) => {
            let _ = app.emit("progress", progress);
        }
    }
}

fn set_tray(app: &AppHandle, pending: usize) {
    let Some(tray) = app.try_state::<Tray>() else { return };
    let text = match pending {
        0 => "No requests waiting".to_owned(),
        1 => "1 request waiting".to_owned(),
        n => format!("{n} requests waiting"),
    };
    let _ = tray.requests.set_text(&text);
    let _ = tray.requests.set_enabled(pending > 0);
    if let Some(icon) = app.tray_by_id("butler") {
        let tip = if pending > 0 { format!("Butler: {text}") } else { "Butler".to_owned() };
        let _ = icon.set_tooltip(Some(tip));
    }
}

fn notify(app: &AppHandle, title: &str, body: &str) {
    // Best effort: a desktop without a notification service still shows it in the app.
    let _ = app.notification().builder().title(title).body(body).show();
}
