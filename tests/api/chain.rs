//! The access log is tamper-evident: editing, deleting, reordering, inserting or truncating
//! entries directly in the file is caught by `butler log verify`, which names the first bad entry.

use rusqlite::params;

use crate::support::{InProcess, butler, onboard};

fn verify(server: &InProcess) -> (bool, String) {
    let out = butler(server.dir.path()).args(["log", "verify"]).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

type Row = (i64, Vec<u8>, Vec<u8>);

/// A way to tamper with the log, by name, and the start of what `verify` must say.
type Case<'a> = (&'static str, &'a dyn Fn(&rusqlite::Connection), &'static str);

fn rows(db: &rusqlite::Connection) -> Vec<Row> {
    db.prepare("SELECT seq, record, link FROM access_log ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn restore(db: &rusqlite::Connection, original: &[Row]) {
    db.execute("DELETE FROM access_log", []).unwrap();
    for (seq, record, link) in original {
        db.execute(
            "INSERT INTO access_log (seq, record, link) VALUES (?1, ?2, ?3)",
            params![seq, record, link],
        )
        .unwrap();
    }
}

#[tokio::test]
async fn every_kind_of_tampering_is_caught_at_its_position() {
    let server = InProcess::start().await;
    let (brand, token) =
        onboard(&server.url, server.dir.path(), "field:home.country purpose:contact", &[]).await;
    for _ in 0..6 {
        assert_eq!(brand.read(&token, "contact", "home.country").await.status(), 200);
    }
    let (ok, text) = verify(&server);
    assert!(ok && text.contains("6 entries"), "{text}");

    let db = rusqlite::Connection::open(server.dir.path().join("butler.vault")).unwrap();
    let original = rows(&db);
    assert_eq!(original.len(), 6);

    let cases: [Case; 5] = [
        (
            "edit",
            &|db| {
                let mut record = original[2].1.clone();
                record[20] ^= 1;
                db.execute("UPDATE access_log SET record = ?1 WHERE seq = 3", [record]).unwrap();
            },
            "log-3: the entry was altered",
        ),
        (
            "delete",
            &|db| {
                db.execute("DELETE FROM access_log WHERE seq = 3", []).unwrap();
            },
            "log-4: an entry before it is missing",
        ),
        (
            "reorder",
            &|db| {
                let (a, b) = (&original[1], &original[2]);
                db.execute("UPDATE access_log SET record = ?1, link = ?2 WHERE seq = 2", params![b.1, b.2])
                    .unwrap();
                db.execute("UPDATE access_log SET record = ?1, link = ?2 WHERE seq = 3", params![a.1, a.2])
                    .unwrap();
            },
            "log-2: the entry was altered",
        ),
        (
            "insert",
            &|db| {
                let last = &original[5];
                db.execute(
                    "INSERT INTO access_log (seq, record, link) VALUES (7, ?1, ?2)",
                    params![last.1, last.2],
                )
                .unwrap();
            },
            "log-7: the entry was altered",
        ),
        (
            "truncate",
            &|db| {
                db.execute("DELETE FROM access_log WHERE seq >= 5", []).unwrap();
            },
            "log-6: the log ends before its checkpoint",
        ),
    ];
    for (name, tamper, expected) in cases {
        tamper(&db);
        let (ok, text) = verify(&server);
        assert!(!ok, "{name} went unnoticed");
        assert!(text.contains(expected), "{name}: {text}");
        restore(&db, &original);
        assert!(verify(&server).0, "{name}: restored, the log verifies again");
    }
}
