//! Unlock cost: Argon2id over the passphrase plus unwrapping the data key, for the default
//! parameters new vaults get and for the floor. This cost is the defence against offline
//! guessing, so it should stay near half a second to a second on an owner's machine.
//!
//! Run with `cargo bench -p butler-core --bench unlock`; results go in BENCHMARKS.md.

use std::time::Duration;

use butler_core::{KdfParams, Vault};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;

fn unlock(c: &mut Criterion) {
    let mut group = c.benchmark_group("unlock");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, params) in [("default", KdfParams::DEFAULT), ("floor", KdfParams::FLOOR)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.vault");
        let passphrase = SecretString::from("a benchmark passphrase");
        drop(Vault::create(&path, &passphrase, params).unwrap());
        group.bench_function(format!("{name} ({params})"), |b| {
            b.iter(|| Vault::open(&path, &passphrase).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, unlock);
criterion_main!(benches);
