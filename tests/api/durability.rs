//! The log is on disk before the answer leaves: `butler serve` runs under strace, a brand reads
//! a field, and the trace must show, between the request arriving and the response's first
//! byte going to the socket, an fsync of the vault's write-ahead log that has completed.

use std::process::{Command, Stdio};

use crate::support::{butler, filled_vault, onboard, serving_port};

#[tokio::test]
async fn the_log_entry_is_fsynced_before_the_response_is_written() {
    let dir = tempfile::tempdir().unwrap();
    filled_vault(dir.path());
    let trace_file = dir.path().join("serve.trace");
    let serve = butler(dir.path());
    let mut child = Command::new("strace")
        // -f: every thread; -y: file names for descriptors; -s: enough of each buffer.
        .args([
            "-f",
            "-y",
            "-s",
            "4096",
            "-e",
            "trace=fsync,fdatasync,write,writev,sendto,sendmsg,read,recvfrom",
        ])
        .arg("-o")
        .arg(&trace_file)
        .arg(serve.get_program())
        .args(serve.get_args())
        .args(["serve", "--port", "0"])
        .envs(serve.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env_remove("BUTLER_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("strace runs (scripts/setup installs it)");
    let port = serving_port(&mut child);
    let url = format!("http://127.0.0.1:{port}");

    let (brand, token) =
        onboard(&url, dir.path(), "field:home.country purpose:recommend-products", &[]).await;
    let res = brand.read(&token, "recommend-products", "home.country").await;
    assert_eq!(res.status(), 200);
    let receipt = res.headers()["butler-receipt"].to_str().unwrap().to_owned();
    // Killing strace alone would leave the traced server running: it is killed first.
    for pid in traced_children(child.id()) {
        let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
    }
    let _ = child.kill();
    let _ = child.wait();

    let trace = std::fs::read_to_string(&trace_file).unwrap();
    let all: Vec<(usize, &str)> = trace.lines().enumerate().collect();
    let request = all
        .iter()
        .find(|(_, l)| (l.contains("recvfrom(") || l.contains("read(")) && l.contains("GET /v1/profile"))
        .unwrap_or_else(|| panic!("the request is not in the trace:\n{trace}"))
        .0;
    let needle = format!("butler-receipt: {receipt}");
    let response = all
        .iter()
        .find(|(i, l)| *i > request && l.to_ascii_lowercase().contains(&needle))
        .unwrap_or_else(|| panic!("the response ({needle}) is not in the trace after the request:\n{trace}"))
        .0;
    // A WAL sync that finished in between: a whole call, or the end of one that another thread's
    // call interrupted in the trace (matched by thread id).
    let mut pending = std::collections::HashSet::new();
    let mut synced = false;
    for (_, l) in &all[request..response] {
        let pid = l.split_whitespace().next().unwrap_or_default();
        let wal_sync = (l.contains("fsync(") || l.contains("fdatasync(")) && l.contains("butler.vault-wal>");
        if wal_sync && l.contains("<unfinished") {
            pending.insert(pid.to_owned());
        } else if wal_sync
            || ((l.contains("<... fsync resumed>") || l.contains("<... fdatasync resumed>"))
                && pending.contains(pid))
        {
            synced = true;
        }
    }
    assert!(
        synced,
        "no fsync of the vault's WAL completed between the request (line {request}) and the response (line {response}):\n{}",
        all[request..=response].iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n")
    );
    // And the response's bytes go out only once: the first write of them is the one found.
    let first_write =
        all.iter().position(|(_, l)| l.contains("HTTP/1.1 200") && l.to_ascii_lowercase().contains(&needle));
    assert_eq!(first_write, Some(response));
}

/// The processes a process started (strace's tracee), from `/proc`.
fn traced_children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}
