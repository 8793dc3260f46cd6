//! Black-box tests of the `butler` program: the real binary on temporary vaults, used the way an
//! owner or a script would use it.

mod backups;
mod crash;
mod export;
mod interests;
mod profile;
mod receipts;
mod secrecy;
mod support;
mod tamper;
