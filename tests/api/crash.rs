//! Crash cycles under load: `butler serve` is killed with SIGKILL at an arbitrary instant while
//! brands read, ask for answers, send offers and signals and ask measurement questions, and the
//! owner edits the profile, pauses and resumes a grant, and (every fourth cycle) approves a new
//! request narrowed, revokes it and exports the profile, then started again, many times. After
//! every cycle: every response a brand received has its log entry with the same fields disclosed,
//! no entry is doubled, the chain verifies, SQLite's integrity check passes, every owner change
//! the command line reported done is there, and the server is back within a bounded time.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use butler_core::grants::GrantStatus;
use butler_core::review::LogFilter;
use butler_core::{Field, Vault};
use serde_json::json;

use crate::support::{PASSPHRASE, butler, filled_vault, onboard, serving_port};

/// Cycles in the test suite.
const CYCLES: u64 = 24;
const READERS: usize = 4;
/// A restarted server must serve within this.
const BACK_WITHIN: Duration = Duration::from_secs(10);

/// Where the servers of a stretch write their standard error, shown if a check fails.
const SERVER_STDERR: &str = "serve.stderr";

/// Shows what the servers said on standard error when the stretch fails.
struct ServerStderr(std::path::PathBuf);

impl Drop for ServerStderr {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let said = std::fs::read_to_string(&self.0).unwrap_or_default();
            eprintln!("butler serve wrote on standard error:\n{said}");
        }
    }
}

fn start(dir: &std::path::Path) -> (Child, String, Duration) {
    let started = Instant::now();
    let mut child = butler(dir)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::options().create(true).append(true).open(dir.join(SERVER_STDERR)).unwrap())
        .spawn()
        .unwrap();
    let port = serving_port(&mut child);
    (child, format!("http://127.0.0.1:{port}"), started.elapsed())
}

/// The brands of the cycles, and what they hold.
struct Brands {
    /// The readers' token.
    token: String,
    /// The token of a brand that asks for answers, sends offers and signals, and measures.
    mixed_token: String,
    /// A third brand's grant, which the owner pauses and resumes.
    toggled_grant: String,
    /// A brand that asks for access anew; the owner approves it narrowed, then revokes it.
    applicant: crate::support::Brand,
}

async fn brands(url: &str, dir: &std::path::Path) -> Brands {
    let all_you_can_read = &["--rate", "1000000"];
    let scope = "field:home.country field:home.city field:birth_date:coarse purpose:recommend-products";
    let (_, token) = onboard(url, dir, scope, all_you_can_read).await;
    let scope = "field:interests:answer field:offer_preferences:answer field:birth_date:coarse \
                 purpose:recommend-products purpose:contact purpose:measure";
    let (_, mixed_token) = onboard(url, dir, scope, all_you_can_read).await;
    let (toggled, _) = onboard(url, dir, "field:home.country purpose:deliver-service", &[]).await;
    let grants: serde_json::Value =
        serde_json::from_str(&crate::support::owner(dir, &["grants", "list", "--json"])).unwrap();
    let toggled_grant = grants
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["client_id"] == toggled.client_id.as_str())
        .unwrap()["grant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let applicant = crate::support::Brand::register(url, "Applicant").await;
    Brands { token, mixed_token, toggled_grant, applicant }
}

/// A small deterministic generator for the kill instants (no two runs alike per cycle number).
fn pause_for(cycle: u64) -> Duration {
    let x = cycle.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    Duration::from_millis(40 + (x >> 33) % 400)
}

/// What a stretch of cycles on one vault did.
#[derive(Debug, Default)]
struct Tally {
    cycles: u64,
    /// Responses received with a receipt, each checked against the log.
    answers: usize,
    /// Approvals, revocations and exports the owner was told were done (and found kept).
    approved: u32,
    revoked: u32,
    exported: u32,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.cycles += other.cycles;
        self.answers += other.answers;
        self.approved += other.approved;
        self.revoked += other.revoked;
        self.exported += other.exported;
    }
}

/// The test suite's run: 24 cycles on one vault. `BUTLER_CRASH_CYCLES` sets the number (the long
/// run, `scripts/crash`: 10,000), `BUTLER_CRASH_FIRST` the first cycle's number (each number
/// has its own kill instant), and `BUTLER_CRASH_FRESH_EVERY` starts over on a fresh vault
/// after that many cycles, so the checks after each crash (which read the whole vault and log)
/// keep the same cost however long the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_any_instant_loses_nothing_acknowledged() {
    let setting = |name: &str, default: u64| -> u64 {
        std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
    };
    let cycles = setting("BUTLER_CRASH_CYCLES", CYCLES);
    let fresh_every = setting("BUTLER_CRASH_FRESH_EVERY", cycles).max(1);
    // Where the numbering (and so the sequence of kill instants) starts, for runs side by side.
    let first = setting("BUTLER_CRASH_FIRST", 0);
    let started = Instant::now();
    let mut total = Tally::default();
    while total.cycles < cycles {
        let stretch = fresh_every.min(cycles - total.cycles);
        total += cycles_on_a_fresh_vault(first + total.cycles, stretch).await;
        if cycles > CYCLES {
            eprintln!(
                "{} of {cycles} crash cycles survived in {:.1} min: {} answers, each one in the log",
                total.cycles,
                started.elapsed().as_secs_f64() / 60.0,
                total.answers
            );
        }
    }
    eprintln!(
        "{cycles} crash cycles: {} answers received, each one in the log; the owner approved {}, \
         revoked {} and exported {} times, and each change held",
        total.answers, total.approved, total.revoked, total.exported
    );
    assert!(
        total.approved > 0 && total.revoked > 0 && total.exported > 0,
        "the owner's work happened: {total:?}"
    );
    assert!(total.answers > cycles as usize, "the brands were answered during the cycles ({total:?})");
}

/// `count` cycles on a new vault, numbered from `first` (which sets each cycle's kill instant).
async fn cycles_on_a_fresh_vault(first: u64, count: u64) -> Tally {
    let dir = tempfile::tempdir().unwrap();
    let _stderr = ServerStderr(dir.path().join(SERVER_STDERR));
    filled_vault(dir.path());
    let (mut server, mut url, _) = start(dir.path());
    let Brands { token, mixed_token, toggled_grant, applicant } = brands(&url, dir.path()).await;
    // Receipt seq -> the fields the brand saw disclosed, over all cycles.
    let mut seen: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut confirmed_city: Option<String> = None;
    let mut confirmed_grant = GrantStatus::Active;
    let mut tally = Tally { cycles: count, ..Tally::default() };

    for cycle in first..first + count {
        // Brands read as fast as they can, and one also answers, offers, signals and measures.
        let stop = Arc::new(AtomicBool::new(false));
        let mut readers: Vec<_> =
            (0..READERS).map(|_| tokio::spawn(reader(url.clone(), token.clone(), stop.clone()))).collect();
        readers.push(tokio::spawn(mixed_brand(url.clone(), mixed_token.clone(), stop.clone())));
        // The owner changes things meanwhile, from the command line; every fourth cycle, also
        // approving a new request, revoking it and exporting.
        let request = if cycle % 4 == 0 {
            // The server came back on another port.
            let applicant = crate::support::Brand {
                http: applicant.http.clone(),
                url: url.clone(),
                client_id: applicant.client_id.clone(),
            };
            Some(applicant.ask("field:home.country field:home.city purpose:deliver-service").await.1)
        } else {
            None
        };
        let owner = owner_changes(dir.path().to_owned(), cycle, toggled_grant.clone(), request, stop.clone());

        tokio::time::sleep(pause_for(cycle)).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            for (seq, fields) in reader.await.unwrap() {
                assert!(seen.insert(seq, fields).is_none(), "receipt log-{seq} was given twice");
            }
        }
        let done = owner.join().unwrap();
        tally.approved += u32::from(done.approved.is_some());
        tally.revoked += u32::from(matches!(done.approved, Some((_, GrantStatus::Revoked))));
        tally.exported += done.exports;
        confirmed_city = done.city.or(confirmed_city);
        confirmed_grant = done.toggled.unwrap_or(confirmed_grant);

        check_after_crash(dir.path(), cycle, &seen, confirmed_city.as_deref());
        let vault = Vault::open(&dir.path().join("butler.vault"), &PASSPHRASE.into()).unwrap();
        assert_eq!(
            vault.grant(&toggled_grant).unwrap().status,
            confirmed_grant,
            "the owner's last grant change"
        );
        if let Some((grant_id, status)) = &done.approved {
            let grant = vault.grant(grant_id).unwrap();
            assert_eq!(grant.status, *status, "the approval (and revocation) the owner was told of");
            assert_eq!(
                grant.spec.fields.keys().copied().collect::<Vec<_>>(),
                [Field::HomeCountry],
                "narrowed"
            );
        }

        let (next, next_url, took) = start(dir.path());
        assert!(took < BACK_WITHIN, "the server took {took:?} to come back");
        server = next;
        url = next_url;
    }
    let _ = server.kill();
    let _ = server.wait();
    tally.answers = seen.len();
    tally
}

/// A brand that reads as fast as it can: each acknowledged read's receipt with its fields.
async fn reader(url: String, token: String, stop: Arc<AtomicBool>) -> Vec<(i64, Vec<String>)> {
    let http = reqwest::Client::new();
    let mut got = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let res = http
            .get(format!("{url}/v1/profile"))
            .bearer_auth(&token)
            .query(&[("purpose", "recommend-products"), ("fields", "home.country,home.city,birth_date")])
            .send()
            .await;
        let Ok(res) = res else { break };
        if res.status() != 200 {
            continue;
        }
        let receipt = res.headers()["butler-receipt"].to_str().unwrap().to_owned();
        let Ok(body) = res.json::<serde_json::Value>().await else { break };
        let fields: Vec<String> = body["fields"].as_object().unwrap().keys().cloned().collect();
        got.push((receipt.trim_start_matches("log-").parse::<i64>().unwrap(), fields));
    }
    got
}

/// What the owner's commands reported done in a cycle.
struct OwnerDone {
    city: Option<String>,
    toggled: Option<GrantStatus>,
    /// The grant approved from this cycle's request, and its state (revoked once that was done).
    approved: Option<(String, GrantStatus)>,
    exports: u32,
}

/// The owner, from the command line, until stopped: with a request, approves it narrowed, sets
/// the city, pauses or resumes `grant_id`, revokes the approved grant and exports the profile
/// (each finished export must be whole), all of these whether or not the server died meanwhile;
/// then, or without a request from the start, sets the city and pauses or resumes in turn.
fn owner_changes(
    dir: std::path::PathBuf,
    cycle: u64,
    grant_id: String,
    request: Option<String>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<OwnerDone> {
    std::thread::spawn(move || {
        let mut done = OwnerDone { city: None, toggled: None, approved: None, exports: 0 };
        let run = |args: &[&str]| butler(&dir).args(args).output().unwrap();
        let (mut n, first) = if request.is_some() { (0, 5) } else { (5, 0) };
        while n < first || !stop.load(Ordering::Relaxed) {
            match n {
                0 => {
                    let user_code = request.as_deref().unwrap_or_default();
                    let out = run(&[
                        "requests",
                        "approve",
                        user_code,
                        "--narrow",
                        "field:home.country purpose:deliver-service",
                    ]);
                    if out.status.success() {
                        let text = String::from_utf8(out.stdout).unwrap();
                        let id = text.split_whitespace().find(|w| w.starts_with("gr_")).unwrap().to_owned();
                        done.approved = Some((id, GrantStatus::Active));
                    }
                }
                3 => {
                    if let Some((id, status)) = &mut done.approved
                        && run(&["grants", "revoke", id]).status.success()
                    {
                        *status = GrantStatus::Revoked;
                    }
                }
                4 => {
                    let file = dir.join(format!("export-{cycle}.json"));
                    if run(&["export", "--plaintext", "--out", file.to_str().unwrap()]).status.success() {
                        let export: serde_json::Value =
                            serde_json::from_slice(&std::fs::read(&file).unwrap())
                                .expect("a finished export is whole");
                        assert!(export.is_object());
                        done.exports += 1;
                    }
                }
                _ if n % 3 == 2 => {
                    let (verb, status) = if n % 6 == 2 {
                        ("pause", GrantStatus::Paused)
                    } else {
                        ("resume", GrantStatus::Active)
                    };
                    if run(&["grants", verb, &grant_id]).status.success() {
                        done.toggled = Some(status);
                    }
                }
                _ => {
                    let city = format!("City {cycle}-{n}");
                    if run(&["profile", "set", "home.city", &city]).status.success() {
                        done.city = Some(city);
                    }
                }
            }
            n += 1;
        }
        done
    })
}

/// A brand that asks for answers, sends offers and signals and asks a measurement question in
/// turn, as fast as it can: each acknowledged response's receipt with the fields it disclosed.
async fn mixed_brand(url: String, token: String, stop: Arc<AtomicBool>) -> Vec<(i64, Vec<String>)> {
    let http = reqwest::Client::new();
    let calls: [(&str, serde_json::Value, &[&str]); 4] = [
        (
            "/v1/answers",
            json!({"purpose": "recommend-products", "candidates": [{"id": "shoe", "topics": [323]}]}),
            &["interests"],
        ),
        (
            "/v1/offers",
            json!({"purpose": "contact", "kind": "discount", "channel": "butler-inbox", "title": "Crash sale"}),
            &["offer_preferences"],
        ),
        ("/v1/signals", json!({"purpose": "recommend-products", "event": "purchase", "topic": 323}), &[]),
        ("/v1/measure", json!({"purpose": "measure", "question": "age_band"}), &["birth_date"]),
    ];
    let mut got = Vec::new();
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let (path, body, disclosed) = &calls[n % calls.len()];
        let Ok(res) = http.post(format!("{url}{path}")).bearer_auth(&token).json(body).send().await else {
            break;
        };
        if !res.status().is_success() {
            continue;
        }
        let receipt =
            res.headers()["butler-receipt"].to_str().unwrap().trim_start_matches("log-").parse().unwrap();
        // The answer must arrive whole to count as received.
        if res.bytes().await.is_err() {
            break;
        }
        got.push((receipt, disclosed.iter().map(|f| (*f).to_owned()).collect()));
    }
    got
}

/// What the vault holds after a crash: sound, its chain whole, every answer sent logged as sent,
/// and the owner's confirmed change kept.
fn check_after_crash(
    dir: &std::path::Path,
    cycle: u64,
    seen: &BTreeMap<i64, Vec<String>>,
    confirmed_city: Option<&str>,
) {
    let vault = Vault::open(&dir.join("butler.vault"), &PASSPHRASE.into()).unwrap();
    vault.integrity_check().unwrap();
    assert!(vault.verify_log(|_| {}).unwrap().is_ok(), "the chain verifies after cycle {cycle}");
    let page = vault.query_log(&LogFilter::default(), None, 1_000_000).unwrap();
    assert!(page.unreadable.is_empty(), "unreadable entries after cycle {cycle}: {:?}", page.unreadable);
    let logged: BTreeMap<i64, Vec<String>> =
        page.entries.iter().map(|e| (e.seq, e.disclosed.iter().map(|d| d.field.clone()).collect())).collect();
    assert_eq!(logged.len(), page.entries.len(), "no entry is doubled");
    for (seq, fields) in seen {
        let mut sent = fields.clone();
        sent.sort();
        let mut entry =
            logged.get(seq).unwrap_or_else(|| panic!("log-{seq} was sent but is not in the log")).clone();
        entry.sort();
        assert_eq!(entry, sent, "log-{seq} records what was sent");
    }
    if let Some(city) = confirmed_city {
        let stored = vault.field(Field::HomeCity).unwrap().map(|v| v.to_string());
        // A later change may have landed after the last one confirmed; an earlier one never.
        let stored = stored.expect("the city is set");
        assert!(stored.starts_with("City "), "{stored}");
        let order = |c: &str| -> (u64, u64) {
            let (a, b) = c.trim_start_matches("City ").split_once('-').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        };
        assert!(order(&stored) >= order(city), "the confirmed change {city} was lost (now {stored})");
    }
}
