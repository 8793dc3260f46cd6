//! A temporary vault and a way to run `butler` on it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const PASSPHRASE: &str = "correct horse battery staple";

/// A vault in a temporary folder. Created with the Argon2id floor to keep the suite quick; the
/// floor is what the vault enforces, so every path is the real one.
pub struct TestVault {
    pub dir: tempfile::TempDir,
    pub passphrase: String,
}

impl TestVault {
    pub fn new() -> Self {
        let v = Self::empty();
        v.ok(&["init", "--kdf-memory-mib", "64", "--kdf-passes", "3"]);
        v
    }

    /// A folder with no vault in it yet.
    pub fn empty() -> Self {
        Self { dir: tempfile::tempdir().unwrap(), passphrase: PASSPHRASE.into() }
    }

    pub fn file(&self) -> PathBuf {
        self.dir.path().join("butler.vault")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_butler"));
        cmd.arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .env("BUTLER_PASSPHRASE", &self.passphrase)
            .env_remove("BUTLER_NEW_PASSPHRASE")
            .env_remove("BUTLER_EXPORT_PASSPHRASE")
            .env_remove("BUTLER_DATA_DIR");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("butler runs")
    }

    /// Runs a command that must succeed, and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "`butler {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail, and returns its one-line error.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "`butler {}` should have failed", args.join(" "));
        assert!(out.stdout.is_empty(), "a failure prints nothing on stdout");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr: {err}");
        assert!(err.starts_with("butler: "), "{err}");
        err
    }

    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.file()).unwrap()
    }
}

/// Every file of the vault: the database, its write-ahead log and shared memory.
pub fn vault_files(file: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let path = format!("{}{suffix}", file.display());
            std::fs::read(&path).ok().map(|bytes| (path, bytes))
        })
        .collect()
}
