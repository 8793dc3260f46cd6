//! Tampering with the vault file directly is reported, never read as data.

use rusqlite::params;
use rusqlite::types::Value;

use crate::support::TestVault;

fn flip_middle_byte(v: &TestVault, table: &str, column: &str, key: &str) {
    let db = v.sql();
    let (row, mut value): (Value, Vec<u8>) = db
        .query_row(&format!("SELECT {key}, {column} FROM {table} LIMIT 1"), [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let mid = value.len() / 2;
    value[mid] ^= 0x01;
    db.execute(&format!("UPDATE {table} SET {column} = ?1 WHERE {key} = ?2"), params![value, row]).unwrap();
}

#[test]
fn a_flipped_byte_in_a_field_is_reported_by_name() {
    let v = TestVault::new();
    v.ok(&["profile", "set", "home.city", "Lyon"]);
    flip_middle_byte(&v, "profile_field", "value", "slot");
    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("home.city") && err.contains("altered or moved"), "{err}");
    let err = v.fails(&["check"]);
    assert!(err.contains("home.city"), "{err}");
}

#[test]
fn a_flipped_byte_in_an_interest_is_reported() {
    let v = TestVault::new();
    v.ok(&["interests", "add", "--topic", "323"]);
    flip_middle_byte(&v, "interest", "record", "id");
    let err = v.fails(&["interests", "list"]);
    assert!(err.contains("interest/1/record") && err.contains("altered or moved"), "{err}");
}

#[test]
fn a_ciphertext_moved_to_another_row_is_reported() {
    let v = TestVault::new();
    v.ok(&["profile", "set", "gender", "woman"]);
    v.ok(&["profile", "set", "politics", "a private opinion"]);
    v.ok(&["interests", "add", "--text", "gardening"]);
    v.ok(&["interests", "add", "--text", "tricycles", "--one-off"]);
    let db = v.sql();
    // Interests: put interest 2's sealed record into row 1.
    db.execute("UPDATE interest SET record = (SELECT record FROM interest WHERE id = 2) WHERE id = 1", [])
        .unwrap();
    let err = v.fails(&["interests", "list"]);
    assert!(err.contains("interest/1/record"), "{err}");

    // Fields: swap the two sealed values between their rows.
    let rows: Vec<(Vec<u8>, Vec<u8>)> = db
        .prepare("SELECT slot, value FROM profile_field")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (i, (slot, _)) in rows.iter().enumerate() {
        let other = &rows[1 - i].1;
        db.execute("UPDATE profile_field SET value = ?1 WHERE slot = ?2", params![other, slot]).unwrap();
    }
    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("altered or moved"), "{err}");
    assert!(!err.contains("woman") && !err.contains("opinion"), "never the wrong data: {err}");
}

#[test]
fn a_header_edited_to_weaker_kdf_parameters_is_refused() {
    let v = TestVault::new();
    v.ok(&["profile", "set", "home.country", "NL"]);
    v.sql().execute("UPDATE vault_header SET kdf_m_cost_kib = 8192, kdf_t_cost = 1", []).unwrap();
    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("below the floor"), "{err}");
}

#[test]
fn a_header_edited_to_other_parameters_does_not_unlock() {
    // The parameters are authenticated: stronger ones in an edited header fail too.
    let v = TestVault::new();
    v.sql().execute("UPDATE vault_header SET kdf_t_cost = 4", []).unwrap();
    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("wrong passphrase"), "{err}");
}

#[test]
fn a_truncated_file_is_reported_as_damaged() {
    let v = TestVault::new();
    for i in 0..40 {
        v.ok(&["interests", "add", "--text", &format!("interest number {i} with a longer description")]);
    }
    let len = std::fs::metadata(v.file()).unwrap().len();
    assert!(len > 8192, "the file spans several pages ({len} bytes)");
    let f = std::fs::OpenOptions::new().write(true).open(v.file()).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let err = v.fails(&["interests", "list"]);
    assert!(err.contains("damaged"), "{err}");
}

#[test]
fn a_file_that_is_not_a_vault_is_named() {
    let v = TestVault::empty();
    std::fs::write(v.file(), vec![b'x'; 10_000]).unwrap();
    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("is not a Butler vault"), "{err}");
}

#[test]
fn a_deleted_row_is_reported() {
    let v = TestVault::new();
    v.ok(&["profile", "set", "home.city", "Lyon"]);
    v.ok(&["profile", "set", "gender", "woman"]);
    v.ok(&["interests", "add", "--text", "gardening"]);
    v.ok(&["check"]);
    v.sql()
        .execute("DELETE FROM profile_field WHERE slot = (SELECT min(slot) FROM profile_field)", [])
        .unwrap();
    let err = v.fails(&["profile", "show"]);
    assert!(err.contains("a row was deleted, added or rolled back"), "{err}");
    assert!(v.fails(&["check"]).contains("damaged"));
}

#[test]
fn a_rolled_back_value_is_reported() {
    let v = TestVault::new();
    v.ok(&["interests", "add", "--text", "gardening"]);
    let old: Vec<u8> =
        v.sql().query_row("SELECT record FROM interest WHERE id = 1", [], |r| r.get(0)).unwrap();
    v.ok(&["interests", "off", "1"]);
    // Put back the older, validly sealed record: the interest would look switched on again.
    v.sql().execute("UPDATE interest SET record = ?1 WHERE id = 1", [old]).unwrap();
    let err = v.fails(&["interests", "list"]);
    assert!(err.contains("rolled back"), "{err}");
}

#[test]
fn a_deleted_manifest_is_reported() {
    let v = TestVault::new();
    v.sql().execute("DELETE FROM profile_manifest", []).unwrap();
    assert!(v.fails(&["profile", "show"]).contains("manifest is missing"));
}

#[test]
fn a_later_write_does_not_launder_tampering() {
    let v = TestVault::new();
    v.ok(&["interests", "add", "--text", "gardening"]);
    let old: Vec<u8> =
        v.sql().query_row("SELECT record FROM interest WHERE id = 1", [], |r| r.get(0)).unwrap();
    v.ok(&["interests", "off", "1"]);
    v.sql().execute("UPDATE interest SET record = ?1 WHERE id = 1", [old]).unwrap();
    // The owner's next change is refused rather than signing the rolled-back row as valid.
    assert!(v.fails(&["profile", "set", "home.city", "Lyon"]).contains("rolled back"));
    assert!(v.fails(&["prefs", "set", "cap.day", "4"]).contains("rolled back"));
    assert!(v.fails(&["interests", "list"]).contains("rolled back"));
}

#[test]
fn single_value_reads_see_a_deleted_row() {
    let v = TestVault::new();
    v.ok(&["prefs", "set", "channels", "email"]);
    v.sql().execute("DELETE FROM profile_field", []).unwrap();
    // Without the manifest this would quietly show the default preferences.
    assert!(v.fails(&["prefs", "show"]).contains("deleted, added or rolled back"));
}
