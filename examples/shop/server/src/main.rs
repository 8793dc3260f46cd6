//! The demo shop's server: the shop's built pages (`examples/shop/dist`) on a loopback port, and
//! `/config.json`, which tells them where the visitor's Butler answers. The shop has no back end
//! beyond this: everything Butler says, it says to the visitor's browser.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, Result};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Parser;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Serve the demo shop on 127.0.0.1.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The port to serve on (0 picks a free one).
    #[arg(long, default_value_t = 8088)]
    port: u16,
    /// Where the visitor's Butler serves its brand API.
    #[arg(long, default_value = "http://127.0.0.1:7373", value_name = "URL")]
    butler: String,
    /// The shop's built pages.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../dist"), value_name = "DIR")]
    dist: PathBuf,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.dist.join("index.html").is_file(),
        "{} holds no built shop: run `npm run build` in examples/shop first",
        args.dist.display()
    );
    let config = serde_json::json!({ "butler": args.butler.trim_end_matches('/') }).to_string();
    let app = Router::new()
        .route(
            "/config.json",
            get(
                move || async move { ([(header::CONTENT_TYPE, "application/json")], config).into_response() },
            ),
        )
        .fallback_service(ServeDir::new(&args.dist))
        // The shop's pages are fetched fresh, so a rebuilt shop is what the visitor gets.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let address = listener.local_addr()?;
    println!("The shop is open at http://{address}/ (Butler at {})", args.butler);
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM can be watched");
        tokio::select! { _ = interrupt => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
