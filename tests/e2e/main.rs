//! The desktop app end to end: the built app in a real window (under Xvfb, on a D-Bus session of
//! its own), driven through `WebDriver` (tauri-driver with Debian's `WebKitWebDriver`), with a brand
//! on the other side using the Rust SDK against the brand API the app serves.
//!
//! The owner creates a vault and unlocks; a brand asks for three fields; the request appears;
//! the owner approves it narrowed to two; the brand reads and gets exactly those two; the read
//! shows in the activity view with those fields; the owner revokes; the brand's next read is
//! refused; the owner restores a backup taken before the revocation, and the brand stays
//! refused.
//!
//! With `BUTLER_SCREENSHOTS=DIR`, a PNG of every screen is saved there (`scripts/screenshots`).

mod driver;

use std::path::PathBuf;

use driver::{App, Driver, open_app};

const PASSPHRASE: &str = "a calm and long passphrase";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_approves_narrowed_sees_the_read_and_revokes() {
    let dir = tempfile::tempdir().unwrap();
    let driver = Driver::start(dir.path());
    let api_port = driver.api_port;
    let app = App {
        client: open_app(&driver).await,
        shots: std::env::var_os("BUTLER_SCREENSHOTS").map(PathBuf::from),
    };

    // First run: create the vault; the app unlocks into the profile.
    app.find("[data-screen='first-run']").await;
    app.type_into("[data-testid='new-passphrase']", PASSPHRASE).await;
    app.type_into("[data-testid='confirm-passphrase']", PASSPHRASE).await;
    app.shot("01-first-run").await;
    app.click("[data-testid='create-vault']").await;
    app.find("[data-screen='profile']").await;

    // A few values, typed as the owner would.
    for (field, value) in [("language", "en-GB"), ("home.country", "GB"), ("sizes.shoe", "UK 8")] {
        app.type_into(&format!("[data-field='{field}'] input"), value).await;
        app.click(&format!("[data-field='{field}'] [data-testid='save-field']")).await;
        app.text_with(&format!("[data-field='{field}']"), "Saved").await;
    }
    app.shot("02-profile").await;

    // A brand asks for three fields.
    let brand = butler_sdk::Client::new(format!("http://127.0.0.1:{api_port}"));
    let registered = brand.register("Acme Shoes", Some("https://shoes.example")).await.unwrap();
    let request = brand
        .request_access(
            &registered.client_id,
            "field:language field:home.country field:sizes.shoe purpose:recommend-products",
        )
        .await
        .unwrap();

    // The request appears; approve it without the country.
    app.go("requests").await;
    let card = format!("[data-testid='request'][data-user-code='{}']", request.user_code);
    app.text_with(&card, "Acme Shoes").await;
    app.shot("03-requests").await;
    app.click(&format!("{card} input[data-testid='field-toggle'][data-field='home.country']")).await;
    app.click(&format!("{card} [data-testid='approve']")).await;
    app.find("[data-testid='requests-empty']").await;

    // The brand reads exactly what was granted.
    let token = brand.wait_for_token(&registered.client_id, &request).await.unwrap();
    let session = brand.session(&token.access_token);
    let read = session.read_profile("recommend-products", &["language", "sizes.shoe"]).await.unwrap();
    assert_eq!(read.fields.keys().map(String::as_str).collect::<Vec<_>>(), ["language", "sizes.shoe"]);
    let refused = session.read_profile("recommend-products", &["home.country"]).await.unwrap();
    assert!(refused.fields.is_empty(), "the country was not granted: {refused:?}");

    // The read shows in the activity view, with its fields.
    app.go("activity").await;
    let seq = read.receipt.trim_start_matches("log-");
    let entry = app.text_with(&format!("[data-testid='log-entry'][data-seq='{seq}']"), "Acme Shoes").await;
    assert!(entry.contains("language") && entry.contains("sizes.shoe"), "{entry}");
    assert!(!entry.contains("home.country"), "only what was disclosed: {entry}");
    // The chart of use over time is drawn (uPlot, on a canvas) in the real window too.
    let canvas = app.find("[data-testid='chart-plot'] canvas").await;
    let (_, _, width, height) = canvas.rectangle().await.unwrap();
    assert!(width > 100.0 && height > 50.0, "the chart's canvas is {width}x{height}");
    app.shot("04-activity").await;

    // A backup, taken by the owner before revoking.
    app.go("settings").await;
    app.click("[data-testid='backup-now']").await;
    app.find("[data-testid='backup'][data-reason='manual']").await;

    // Revoke from the brand's page; the next read is refused.
    app.go("brands").await;
    let grant = format!("[data-testid='grant'][data-grant-id='{}']", token.butler_grant_id);
    app.text_with(&grant, "active").await;
    app.shot("05-brands").await;
    app.click(&format!("{grant} [data-testid='revoke-grant']")).await;
    app.click("[data-testid='confirm']").await;
    app.text_with(&grant, "revoked").await;
    let after = session.read_profile("recommend-products", &["language"]).await;
    assert!(
        matches!(&after, Err(butler_sdk::Error::Problem { status: 401 | 403, .. })),
        "a revoked grant reads nothing: {after:?}"
    );

    for (section, name) in [("inbox", "06-inbox"), ("settings", "07-settings")] {
        app.go(section).await;
        app.shot(name).await;
    }

    // Restore the backup taken before the revocation: the app locks and says what came back,
    // and the revoked brand stays revoked.
    app.click("[data-testid='backup'][data-reason='manual'] [data-testid='restore-backup']").await;
    app.type_into("[data-testid='restore-passphrase']", PASSPHRASE).await;
    app.shot("08-restore").await;
    app.click("[data-testid='restore-confirm']").await;
    app.find("[data-screen='unlock']").await;
    let done = app.text_with("[data-testid='restore-done']", "Restored the backup of").await;
    assert!(done.contains("1 grant you had revoked or paused since this backup was revoked"), "{done}");
    app.shot("09-restored").await;
    app.type_into("[data-testid='unlock-passphrase']", PASSPHRASE).await;
    app.click("[data-testid='unlock']").await;
    // Back where the owner was.
    app.find("[data-screen='settings']").await;
    let again = session.read_profile("recommend-products", &["language"]).await;
    assert!(
        matches!(&again, Err(butler_sdk::Error::Problem { status: 401 | 403, .. })),
        "a restore gives no access back: {again:?}"
    );
    app.go("brands").await;
    app.text_with(&grant, "revoked").await;

    app.click("[data-testid='lock']").await;
    app.find("[data-screen='unlock']").await;
    app.shot("10-unlock").await;

    app.client.close().await.unwrap();
    drop(driver);
}
