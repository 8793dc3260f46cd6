//! Backups as the owner uses them: taken, listed, a damaged vault reported at unlock, and a
//! restore that checks the backup first and keeps the vault it replaces.

use crate::support::TestVault;

fn newest_backup(v: &TestVault) -> String {
    let list = v.ok(&["backups", "list"]);
    list.lines()
        .next()
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("{list}"))
        .to_owned()
}

#[test]
fn a_backup_is_restored_after_its_check_and_the_replaced_vault_is_kept() {
    let v = TestVault::new();
    v.ok(&["profile", "set", "home.city", "Lyon"]);
    assert!(v.ok(&["backups", "list"]).contains("No backups yet"));
    assert!(v.ok(&["backups", "create"]).contains("Backed up to"));
    let backup = newest_backup(&v);
    assert!(v.ok(&["backups", "list"]).contains("manual"));
    v.ok(&["profile", "set", "home.city", "Paris"]);

    // A damaged copy of the backup is refused, and the vault stays as it is.
    let mut bytes = std::fs::read(&backup).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 2048].iter_mut().for_each(|b| *b ^= 0xa5);
    let bad = v.dir.path().join("bad-copy.vault");
    std::fs::write(&bad, &bytes).unwrap();
    let err = v.fails(&["backups", "restore", bad.to_str().unwrap()]);
    assert!(err.contains("was not restored"), "{err}");
    assert!(v.ok(&["profile", "show"]).contains("Paris"));

    let out = v.ok(&["backups", "restore", &backup]);
    assert!(out.contains("Restored") && out.contains("kept in"), "{out}");
    assert!(v.ok(&["profile", "show"]).contains("Lyon"), "the backup is back");
    assert!(v.ok(&["backups", "list"]).contains("before-restore"));
    v.ok(&["check"]);
    v.ok(&["log", "verify"]);
}

#[test]
fn a_damaged_vault_is_reported_at_unlock_with_what_to_do() {
    let v = TestVault::new();
    v.ok(&["interests", "add", "--text", "sourdough baking"]);
    v.ok(&["backups", "create"]);
    let (root, page): (i64, i64) = {
        let sql = v.sql();
        sql.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        let root = sql
            .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'interest'", [], |r| r.get(0))
            .unwrap();
        (root, sql.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap())
    };
    // The interests' b-tree page gets a page type no b-tree has.
    let mut bytes = std::fs::read(v.file()).unwrap();
    let at = usize::try_from((root - 1) * page).unwrap();
    bytes[at..at + 8].copy_from_slice(&[0x07; 8]);
    std::fs::write(v.file(), &bytes).unwrap();

    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("damage") && err.contains("butler backups"), "{err}");
    assert_eq!(std::fs::read(v.file()).unwrap(), bytes, "nothing was changed");
    // The backups are listed without unlocking the damaged vault, and one brings it back.
    let backup = newest_backup(&v);
    v.ok(&["backups", "restore", &backup]);
    assert!(v.ok(&["interests", "list"]).contains("sourdough baking"));
}
