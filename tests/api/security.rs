//! The security review's checks that can be automated: what listens, and on which address (from
//! the kernel's socket table); no secret in the server's output, errors or command line; and no
//! SQL built from text outside the code.

use std::io::Read;
use std::process::Stdio;

use serde_json::Value;

use crate::support::{Brand, PASSPHRASE, butler, filled_vault, owner, page_client, serving_port};

/// The socket inodes a process holds open.
fn socket_inodes(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            target.strip_prefix("socket:[")?.strip_suffix(']').map(str::to_owned)
        })
        .collect()
}

/// Every listening TCP socket in the kernel's tables: (local address as the table writes it, inode).
fn listening() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // st 0A is LISTEN.
            if cols.len() > 9 && cols[3] == "0A" {
                out.push((cols[1].to_owned(), cols[9].to_owned()));
            }
        }
    }
    out
}

fn is_loopback(local: &str) -> bool {
    let address = local.split(':').next().unwrap_or_default();
    // 127.0.0.1 (little-endian in the table), or ::1.
    address == "0100007F" || address == "00000000000000000000000001000000"
}

#[tokio::test]
async fn nothing_listens_beyond_loopback_and_no_secret_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    filled_vault(dir.path());
    let mut child = butler(dir.path())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let port = serving_port(&mut child);
    let url = format!("http://127.0.0.1:{port}");

    let mine = socket_inodes(child.id());
    let sockets: Vec<(String, String)> =
        listening().into_iter().filter(|(_, inode)| mine.contains(inode)).collect();
    assert!(!sockets.is_empty(), "butler serve listens on something");
    for (local, _) in &sockets {
        assert!(is_loopback(local), "butler serve listens on {local}, beyond loopback");
    }
    assert!(sockets.iter().any(|(local, _)| local.ends_with(&format!(":{port:04X}"))), "{sockets:?}");

    // A brand's whole journey, with refusals, errors and a web origin along the way.
    let brand = Brand::register(&url, "Secretive").await;
    let (device_code, user_code) = brand.ask("field:home.country purpose:recommend-products").await;
    owner(dir.path(), &["requests", "approve", &user_code]);
    let (_, token) = brand.poll(&device_code).await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(brand.read(&token, "recommend-products", "home.country").await.status(), 200);
    assert_eq!(brand.read(&token, "contact", "home.country").await.status(), 403);
    let forged = format!("{}0000", &token[..token.len() - 4]);
    assert_eq!(brand.read(&forged, "recommend-products", "home.country").await.status(), 401);
    let from_page = page_client("https://evil.test")
        .get(format!("{url}/v1/profile?purpose=recommend-products&fields=home.country"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(from_page.status(), 403, "refused, and in the owner's log");
    let catalog = page_client("https://evil.test").get(format!("{url}/v1/catalog")).send().await.unwrap();
    assert_eq!(catalog.status(), 403, "refused, and told on standard error");
    let (status, reused): (u16, Value) = brand.poll(&device_code).await;
    assert_eq!((status, reused["error"].as_str()), (400, Some("invalid_grant")));
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();

    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let mut printed = String::new();
    child.stderr.take().unwrap().read_to_string(&mut printed).unwrap();
    child.stdout.take().map(|mut s| s.read_to_string(&mut printed));
    assert!(
        printed.contains("refused a request from a web origin"),
        "the server did print its warnings: {printed}"
    );
    for (name, secret) in [
        ("the passphrase", PASSPHRASE),
        ("the token", token.as_str()),
        ("the forged token", forged.as_str()),
        ("the token's random part", &token[4..44]),
        ("the device code", device_code.as_str()),
    ] {
        assert!(!printed.contains(secret), "{name} is in the server's output: {printed}");
        // The passphrase reaches `butler serve` through its environment (or a prompt), never its
        // arguments, which every user of the machine can read.
        assert!(!String::from_utf8_lossy(&cmdline).contains(secret), "{name} is on the command line");
    }
}

/// SQL is written in the code, with every value bound as a parameter. The few statements that
/// name a table or column through `format!` take them from the code's own constants; this test
/// keeps that list from growing unnoticed.
#[test]
fn every_sql_statement_is_parameterised() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let allowed = [
        // Column names chosen by the caller among `device_slot` and `user_slot`.
        ("crates/core/src/grants.rs", "SELECT id, record FROM access_request WHERE {column}"),
        // Table and id column names of this crate's own tables.
        ("crates/core/src/vault.rs", "SELECT {id}, record FROM {table} ORDER BY {id} DESC LIMIT ?1"),
    ];
    let sql = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "PRAGMA ", "CREATE ", "DROP "];
    let mut found = Vec::new();
    let mut stack = vec![root.join("crates"), root.join("src-tauri/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            for (n, line) in text.lines().enumerate() {
                let Some(at) = line.find("format!(\"") else { continue };
                let literal = &line[at + 9..];
                if sql.iter().any(|kw| literal.starts_with(kw)) && literal.contains('{') {
                    let known =
                        allowed.iter().any(|(file, start)| relative == *file && literal.starts_with(start));
                    if !known {
                        found.push(format!("{relative}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL built with format! outside the reviewed list:\n{}", found.join("\n"));
}
