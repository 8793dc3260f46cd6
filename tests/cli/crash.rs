//! Passphrase changes: every value survives, a wrong passphrase changes nothing, and a crash at
//! any instant of `passwd` leaves the owner with a passphrase that works.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::{TestVault, vault_files};

const NEW: &str = "a brand new passphrase";

#[test]
fn passwd_keeps_every_value() {
    let mut v = TestVault::new();
    v.ok(&["profile", "set", "birth_date", "1980-01-31"]);
    v.ok(&["profile", "set", "contact.email", "ada@example.org"]);
    v.ok(&["interests", "add", "--topic", "4", "--weight", "0.9"]);
    v.ok(&["prefs", "set", "channels", "email,sms"]);
    let before = v.ok(&["profile", "show", "--json"]);

    let out = v.command(&["passwd"]).env("BUTLER_NEW_PASSPHRASE", NEW).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("wrong passphrase"), "the old passphrase no longer works: {err}");
    v.passphrase = NEW.into();
    assert_eq!(v.ok(&["profile", "show", "--json"]), before);
}

#[test]
fn a_wrong_passphrase_changes_nothing() {
    let mut v = TestVault::new();
    v.ok(&["profile", "set", "home.city", "Ghent"]);
    let before = vault_files(&v.file());
    v.passphrase = "not the right one".into();
    for args in [&["profile", "set", "home.city", "Bruges"][..], &["passwd"], &["import", "/dev/null"]] {
        let err = v.fails(args);
        assert!(err.contains("wrong passphrase"), "{err}");
    }
    assert_eq!(vault_files(&v.file()), before, "the vault files are byte for byte the same");
    v.passphrase = crate::support::PASSPHRASE.into();
    assert!(v.ok(&["profile", "show"]).contains("Ghent"));
}

#[test]
fn repeated_wrong_passphrases_slow_down() {
    let mut v = TestVault::new();
    v.passphrase = "not the right one".into();
    for _ in 0..3 {
        v.fails(&["profile", "show"]);
    }
    // The fourth attempt waits before it is even tried.
    let started = Instant::now();
    let out = v.run(&["profile", "show"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("waiting"));
    assert!(started.elapsed() >= Duration::from_millis(900), "took {:?}", started.elapsed());
}

/// A small deterministic generator, seeded from the clock and printed, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn a_crash_during_passwd_never_locks_the_owner_out() {
    let v = TestVault::new();
    v.ok(&["profile", "set", "home.city", "Utrecht"]);
    v.ok(&["interests", "add", "--text", "sailing"]);

    // How long a whole passphrase change takes here, to spread the kills across it.
    let started = Instant::now();
    let out =
        v.command(&["passwd"]).env("BUTLER_NEW_PASSPHRASE", crate::support::PASSPHRASE).output().unwrap();
    assert!(out.status.success());
    let span = started.elapsed().as_millis() as u64;

    let seed = std::env::var("BUTLER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64);
    eprintln!("crash seed {seed} (set BUTLER_CRASH_SEED to replay), passwd takes {span} ms");
    let mut rng = Lcg(seed);

    let passphrases = [crate::support::PASSPHRASE, NEW];
    let mut current = 0;
    let mut completed = 0;
    for round in 0..12 {
        let next = 1 - current;
        let mut child = v
            .command(&["passwd"])
            .env("BUTLER_PASSPHRASE", passphrases[current])
            .env("BUTLER_NEW_PASSPHRASE", passphrases[next])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let delay = rng.next() % (span + span / 4 + 1);
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().ok(); // SIGKILL
        let finished = child.wait().unwrap().success();

        let works: Vec<usize> = (0..2)
            .filter(|&i| {
                v.command(&["interests", "list"])
                    .env("BUTLER_PASSPHRASE", passphrases[i])
                    .output()
                    .unwrap()
                    .status
                    .success()
            })
            .collect();
        assert_eq!(
            works.len(),
            1,
            "round {round} (kill at {delay} ms): exactly one passphrase must work, got {works:?}"
        );
        if finished {
            assert_eq!(works, [next], "a passwd that reported success must have taken effect");
        }
        if works[0] == next {
            completed += 1;
        }
        current = works[0];
        let out =
            v.command(&["profile", "show"]).env("BUTLER_PASSPHRASE", passphrases[current]).output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Utrecht"),
            "round {round}: the profile survived"
        );
    }
    eprintln!("{completed} of 12 interrupted changes had completed");
}
