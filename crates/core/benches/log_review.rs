//! The access log at scale: a vault holding 1,000,000 entries of 20 brands over a year, then the
//! owner's queries on it (the first page of filtered queries, "what does this brand know", the
//! per-day counts), a full chain verification, and the rate entries are appended at.
//!
//! Run with `cargo bench -p butler-core --bench log_review [-- ENTRIES]`; results go in
//! BENCHMARKS.md. Filling the log takes a few minutes; the time of each step is printed.

use std::time::{Duration, Instant};

use butler_core::access::AccessSpec;
use butler_core::brands::Registration;
use butler_core::grants::Approval;
use butler_core::log::{AccessEntry, DisclosedField, Outcome, WithheldField, WithheldReason};
use butler_core::review::LogFilter;
use butler_core::{KdfParams, Mode, Vault};
use jiff::{SignedDuration, Timestamp};

const BRANDS: usize = 20;
const BATCH: usize = 5_000;

/// Median and worst of `runs` timings of `f`.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[runs / 2], times[runs - 1])
}

fn row(what: &str, (median, worst): (Duration, Duration)) {
    println!("| {what} | {:.1} ms | {:.1} ms |", median.as_secs_f64() * 1e3, worst.as_secs_f64() * 1e3);
}

#[allow(clippy::too_many_lines, reason = "one scripted run, step by step")]
fn main() {
    let entries: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let vault =
        Vault::create(&dir.path().join("bench.vault"), &"a benchmark passphrase".into(), KdfParams::FLOOR)
            .unwrap();
    let now = Timestamp::now();
    let mut brands = Vec::new();
    for n in 0..BRANDS {
        let registration = Registration {
            client_name: format!("Brand {n:02}"),
            client_uri: None,
            purposes: std::collections::BTreeSet::new(),
            accepted_agreements: None,
        };
        let brand = vault.register_brand(registration, now).unwrap();
        let spec =
            AccessSpec::from_scope("field:birth_date:coarse field:home.country purpose:recommend-products")
                .unwrap();
        let auth = vault.start_device_authorization(&brand.client_id, spec, now).unwrap();
        let approval = Approval::default();
        let grant = vault.approve_request(&auth.user_code, &approval, now).unwrap();
        brands.push((brand, grant));
    }
    // A year of entries, oldest first; brand 0 is a heavy user, the others share the rest.
    let start = now - SignedDuration::from_hours(24 * 365);
    let step = SignedDuration::from_hours(24 * 365) / i32::try_from(entries).unwrap();
    let filling = Instant::now();
    let mut written = 0;
    while written < entries {
        let batch: Vec<AccessEntry> = (written..entries.min(written + BATCH))
            .map(|n| {
                let (brand, grant) = &brands[if n % 2 == 0 { 0 } else { 1 + n % (BRANDS - 1) }];
                let refused = n % 50 == 0;
                let disclosed = if refused {
                    vec![]
                } else {
                    vec![
                        DisclosedField { field: "birth_date".into(), mode: Mode::Coarse },
                        DisclosedField { field: "home.country".into(), mode: Mode::Exact },
                    ]
                };
                AccessEntry {
                    seq: 0,
                    at: start + step * i32::try_from(n).unwrap(),
                    client_id: brand.client_id.clone(),
                    brand: brand.name.clone(),
                    grant_id: Some(grant.id.clone()),
                    token_id: Some("tok_bench".into()),
                    endpoint: "/v1/profile".into(),
                    purpose: Some(if refused { "measure" } else { "recommend-products" }.into()),
                    asked: vec!["birth_date".into(), "home.country".into(), "contact.email".into()],
                    disclosed,
                    withheld: vec![WithheldField {
                        field: "contact.email".into(),
                        reason: WithheldReason::NotGranted,
                    }],
                    outcome: if refused { Outcome::Refused } else { Outcome::Narrowed },
                    note: None,
                    origin: None,
                    measure: None,
                    agreement: None,
                }
            })
            .collect();
        written += batch.len();
        vault.append_batch(batch).unwrap();
        if written % 100_000 == 0 {
            eprintln!("… {written} entries written ({:.0} s)", filling.elapsed().as_secs_f64());
        }
    }
    let fill = filling.elapsed();
    let size = std::fs::metadata(dir.path().join("bench.vault")).map_or(0, |m| m.len());
    println!(
        "{entries} entries appended in batches of {BATCH}: {:.1} s ({:.0} entries/s); vault file {:.0} MiB",
        fill.as_secs_f64(),
        entries as f64 / fill.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    println!();
    println!("| query on {entries} entries | median | worst |");
    println!("|---|---|---|");
    let heavy = brands[0].0.client_id.clone();
    let light = brands[7].0.client_id.clone();
    let q = |filter: &LogFilter| time(9, || vault.query_log(filter, None, 50).unwrap());
    row("first page (50), no filter", q(&LogFilter::default()));
    row(
        "first page, heavy brand (half the log)",
        q(&LogFilter { brand: Some(heavy.clone()), ..LogFilter::default() }),
    );
    row(
        "first page, light brand (1/38 of the log)",
        q(&LogFilter { brand: Some(light.clone()), ..LogFilter::default() }),
    );
    row(
        "first page, refused (1/50)",
        q(&LogFilter { outcome: Some(Outcome::Refused), ..LogFilter::default() }),
    );
    row(
        "first page, light brand and refused (1/1900)",
        q(&LogFilter { brand: Some(light.clone()), outcome: Some(Outcome::Refused), ..LogFilter::default() }),
    );
    row(
        "first page, field birth_date",
        q(&LogFilter { field: Some("birth_date".into()), ..LogFilter::default() }),
    );
    let month_ago = now - SignedDuration::from_hours(24 * 200);
    row(
        "first page, one week 200 days ago",
        q(&LogFilter {
            since: Some(month_ago),
            until: Some(month_ago + SignedDuration::from_hours(24 * 7)),
            ..LogFilter::default()
        }),
    );
    row(
        "first page, search \"brand 07\"",
        q(&LogFilter { text: Some("brand 07".into()), ..LogFilter::default() }),
    );
    row("what does the heavy brand know", time(9, || vault.what_brand_knows(&heavy, now).unwrap()));
    row("what does a light brand know", time(9, || vault.what_brand_knows(&light, now).unwrap()));
    row("per-brand, per-day counts (a year)", time(5, || vault.log_counts(None, None).unwrap()));
    row("full chain verification", time(3, || vault.verify_log(|_| {}).unwrap().unwrap()));
}
