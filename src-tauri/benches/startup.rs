//! The desktop app's cold start and idle memory, measured on the release build in a real window
//! (Xvfb), through `WebDriver`:
//! - cold start: from asking for a new app session (tauri-driver launches the binary) to the
//!   unlock screen on display, for a vault that exists;
//! - idle memory: the proportional set size (PSS, `/proc/PID/smaps_rollup`) summed over the app
//!   and its `WebKit` processes, 3 s after the unlock screen, and again 5 s after unlocking (the
//!   brand API and the watcher running).
//!
//! `cargo bench -p butler-desktop --bench startup` (results in BENCHMARKS.md).

#[path = "../../tests/e2e/driver.rs"]
#[allow(dead_code, reason = "the end-to-end test uses all of it, the benchmark only part")]
mod driver;

use std::time::{Duration, Instant};

use butler_core::{KdfParams, Vault};
use driver::{App, Driver, open_app};

const RUNS: usize = 5;
const PASSPHRASE: &str = "a calm and long passphrase";

/// The PIDs of `root` and all its descendants.
fn tree(root: u32) -> Vec<u32> {
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        let parent = all[i];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // The parent is the second field after the command name in parentheses.
            let parent_pid =
                stat.rsplit_once(") ").and_then(|(_, rest)| rest.split(' ').nth(1)?.parse::<u32>().ok());
            if parent_pid == Some(parent) && !all.contains(&pid) {
                all.push(pid);
            }
        }
        i += 1;
    }
    all
}

fn named(name: &str) -> Option<u32> {
    std::fs::read_dir("/proc").into_iter().flatten().flatten().find_map(|entry| {
        let pid = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (comm.trim() == name).then_some(pid)
    })
}

/// PSS in MiB of each process in the app's tree, by command name.
fn pss(app: u32) -> Vec<(String, f64)> {
    tree(app)
        .into_iter()
        .filter_map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?.trim().to_owned();
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let kib: f64 =
                rollup.lines().find(|l| l.starts_with("Pss:"))?.split_whitespace().nth(1)?.parse().ok()?;
            Some((comm, kib / 1024.0))
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn show(label: &str, parts: &[(String, f64)]) -> f64 {
    let total: f64 = parts.iter().map(|(_, m)| m).sum();
    let detail: Vec<String> = parts.iter().map(|(n, m)| format!("{n} {m:.0}")).collect();
    println!("  {label}: {total:.0} MiB ({})", detail.join(" + "));
    total
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("butler-desktop: cold start to the unlock screen, and idle memory ({RUNS} runs)");
    let (mut starts, mut locked, mut unlocked) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=RUNS {
        let dir = tempfile::tempdir().unwrap();
        // The owner's usual vault: made at the default key-derivation cost.
        Vault::create(&dir.path().join("butler.vault"), &PASSPHRASE.to_owned().into(), KdfParams::DEFAULT)
            .unwrap();
        let driver = Driver::start(dir.path());
        let t0 = Instant::now();
        let app = App { client: open_app(&driver).await, shots: None };
        app.find("[data-screen='unlock'] [data-testid='unlock-passphrase']").await;
        let start = t0.elapsed();
        println!("run {run}: unlock screen after {:.0} ms", start.as_secs_f64() * 1000.0);
        starts.push(start.as_secs_f64() * 1000.0);

        let pid = named("butler-desktop").expect("the app is running");
        tokio::time::sleep(Duration::from_secs(3)).await;
        locked.push(show("idle, locked", &pss(pid)));

        app.type_into("[data-testid='unlock-passphrase']", PASSPHRASE).await;
        app.click("[data-testid='unlock']").await;
        app.find("[data-screen='profile']").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        unlocked.push(show("idle, unlocked (brand API serving)", &pss(pid)));

        app.client.close().await.unwrap();
        drop(driver);
    }
    println!(
        "median of {RUNS}: cold start {:.0} ms, idle {:.0} MiB locked, {:.0} MiB unlocked",
        median(starts),
        median(locked),
        median(unlocked)
    );
}
