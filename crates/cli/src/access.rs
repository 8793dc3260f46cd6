//! The owner's side of brand access: serving the API, deciding requests, managing grants, the
//! inbox and suggestions.

use std::io::Write;

use anyhow::{Context, Result};
use butler_core::Vault;
use butler_core::access::{AccessSpec, mode_name};
use butler_core::catalog::{Field, Sensitivity};
use butler_core::grants::{Approval, GrantStatus};
use butler_core::terms::{Agreement, Proposal, Standing};
use clap::Subcommand;
use jiff::Timestamp;

// Doc comments here are the commands' help text, where backticks would show as such.
#[allow(clippy::doc_markdown)]
#[derive(Subcommand, Debug)]
pub enum RequestCommand {
    /// Brands' access requests waiting for your decision.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Approve a request by its user code, as asked or narrowed.
    Approve {
        user_code: String,
        /// Grant less than asked, in scope syntax: "field:birth_date:coarse purpose:recommend-products".
        #[arg(long, value_name = "SCOPE")]
        narrow: Option<String>,
        /// Consent to a special-category field (health, religion, politics; answers only).
        #[arg(long = "consent-sensitive", value_name = "FIELD")]
        sensitive: Vec<String>,
        /// How many days the grant lasts (default 90).
        #[arg(long)]
        days: Option<i64>,
        /// Requests per minute the brand may make (default 120).
        #[arg(long, value_name = "N")]
        rate: Option<u32>,
        /// Let the brand's registered web origin (its client_uri's) call Butler from its pages
        /// while the grant is live.
        #[arg(long)]
        allow_origin: bool,
        /// The IEEE 7012 agreement the grant binds the brand to (default: the one proposed in
        /// `requests list`).
        #[arg(long = "terms", value_name = "AGREEMENT")]
        agreement: Option<String>,
    },
    /// Deny a request by its user code.
    Deny { user_code: String },
}

#[derive(Subcommand, Debug)]
pub enum GrantCommand {
    /// Every grant with its brand, fields, purposes and state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop a grant for now (the brand's next request is refused).
    Pause { grant_id: String },
    /// Let a paused grant be used again.
    Resume { grant_id: String },
    /// End a grant for good.
    Revoke { grant_id: String },
}

#[derive(Subcommand, Debug)]
pub enum InboxCommand {
    /// Offers brands sent, with Butler's decision and why.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SuggestionCommand {
    /// Suggestions made from brands' signals.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add the suggestion to your interests.
    Accept {
        id: i64,
        /// How much it matters, 0 to 1.
        #[arg(long, default_value_t = 0.5)]
        weight: f64,
    },
    /// Keep it only as a one-off (a gift): it is never used to follow you.
    OneOff { id: i64 },
    /// Turn it down.
    Reject { id: i64 },
}

fn describe(spec: &AccessSpec) -> String {
    let fields: Vec<String> = spec
        .fields
        .iter()
        .map(|(f, m)| {
            let mark = if f.sensitivity() == Sensitivity::Special { " (special category)" } else { "" };
            format!("{} ({}){mark}", f.name(), mode_name(*m))
        })
        .collect();
    let purposes: Vec<String> = spec.purposes.iter().map(ToString::to_string).collect();
    format!("fields: {}\n    purposes: {}", fields.join(", "), purposes.join(", "))
}

/// Where a request stands with the owner's terms, in one line.
fn terms_line(terms: &Proposal) -> String {
    let proposed = terms.agreement;
    match &terms.standing {
        Standing::Unstated => {
            format!(
                "terms: {proposed} (the brand has not stated its terms; taking the token binds it to yours)"
            )
        }
        Standing::Accepted => format!("terms: {proposed} (the brand accepts them)"),
        Standing::Mismatch { fitting } if fitting.is_empty() => format!(
            "terms: {proposed}, which the brand does not accept, nor any that fits: narrow the purposes or deny"
        ),
        Standing::Mismatch { fitting } => {
            let ids: Vec<String> = fitting.iter().map(|a| a.id()).collect();
            format!(
                "terms: {proposed}, which the brand does not accept (it accepts {}): cannot be approved as is; \
                 choose with --terms or narrow",
                ids.join(", ")
            )
        }
    }
}

fn terms_json(terms: &Proposal, declared: Option<&[Agreement]>) -> serde_json::Value {
    let (standing, fitting) = match &terms.standing {
        Standing::Unstated => ("unstated", vec![]),
        Standing::Accepted => ("accepted", vec![]),
        Standing::Mismatch { fitting } => ("mismatch", fitting.iter().map(|a| a.id()).collect()),
    };
    serde_json::json!({
        "proposed": terms.agreement.id(),
        "standing": standing,
        "brand_accepts": declared.map(|list| list.iter().map(|a| a.id()).collect::<Vec<_>>()),
        "brand_accepts_fitting": fitting,
    })
}

pub fn requests(vault: &Vault, cmd: RequestCommand) -> Result<()> {
    let now = Timestamp::now();
    match cmd {
        RequestCommand::List { json } => {
            let pending = vault.pending_requests(now)?;
            if json {
                let rows: Vec<_> = pending
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "user_code": r.user_code,
                            "client_id": r.brand.client_id,
                            "brand": r.brand.name,
                            "client_uri": r.brand.client_uri,
                            "web_origin": r.brand.web_origin(),
                            "terms": terms_json(&r.terms, r.brand.accepted_agreements.as_deref()),
                            "verified": r.brand.verified,
                            "scope": r.requested.to_scope(),
                            "expires_at": r.expires_at.to_string(),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if pending.is_empty() {
                println!("No access requests are waiting.");
            } else {
                for r in pending {
                    let home = r.brand.client_uri.as_deref().unwrap_or("no home page given");
                    println!("{}  {} ({home}; unverified claims)", r.user_code, r.brand.name);
                    println!("    {}", describe(&r.requested));
                    println!("    {}", terms_line(&r.terms));
                    if let Some(origin) = r.brand.web_origin() {
                        println!(
                            "    its pages at {origin} can call Butler only if you approve with --allow-origin"
                        );
                    }
                    println!("    expires {}", r.expires_at.strftime("%Y-%m-%d %H:%M UTC"));
                }
            }
        }
        RequestCommand::Approve { user_code, narrow, sensitive, days, rate, allow_origin, agreement } => {
            let agreement = agreement.as_deref().map(str::parse::<Agreement>).transpose()?;
            let narrowed_to = narrow.as_deref().map(AccessSpec::from_scope).transpose()?;
            let sensitive_consent =
                sensitive.iter().map(|f| f.parse::<Field>()).collect::<Result<Vec<_>, _>>()?;
            let approval = Approval {
                narrowed_to,
                sensitive_consent,
                days,
                rate_per_minute: rate,
                allow_origin,
                agreement,
            };
            let grant = vault.approve_request(&user_code, &approval, now)?;
            println!("Approved: grant {} until {}", grant.id, grant.expires_at.strftime("%Y-%m-%d"));
            println!("    {}", describe(&grant.spec));
            if let Some(origin) = &grant.allowed_origin {
                println!("    pages at {origin} may call Butler while the grant is live");
            }
            if let Some(agreement) = grant.agreement {
                println!("    on your terms: {agreement}. {}", agreement.describe());
            }
        }
        RequestCommand::Deny { user_code } => {
            vault.deny_request(&user_code, now)?;
            println!("Denied {user_code}.");
        }
    }
    Ok(())
}

pub fn grants(vault: &Vault, cmd: GrantCommand) -> Result<()> {
    let (id, status) = match cmd {
        GrantCommand::List { json } => {
            let now = Timestamp::now();
            let grants = vault.grants()?;
            if json {
                let rows: Vec<_> = grants
                    .iter()
                    .map(|g| {
                        serde_json::json!({
                            "grant_id": g.id,
                            "client_id": g.client_id,
                            "status": g.status.to_string(),
                            "live": g.is_live(now),
                            "scope": g.spec.to_scope(),
                            "allowed_origin": g.allowed_origin,
                            "agreement": g.agreement.map(Agreement::id),
                            "expires_at": g.expires_at.to_string(),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            if grants.is_empty() {
                println!("No grants yet.");
            }
            for g in grants {
                let brand = vault.brand(&g.client_id)?.map_or_else(|| g.client_id.clone(), |b| b.name);
                let state = if g.status == GrantStatus::Active && !g.is_live(now) {
                    "expired".to_owned()
                } else {
                    g.status.to_string()
                };
                println!("{}  {brand}  {state} until {}", g.id, g.expires_at.strftime("%Y-%m-%d"));
                println!("    {}", describe(&g.spec));
                if let Some(origin) = &g.allowed_origin {
                    println!("    allowed web origin: {origin}");
                }
                if let Some(agreement) = g.agreement {
                    println!("    terms: {agreement}");
                }
            }
            return Ok(());
        }
        GrantCommand::Pause { grant_id } => (grant_id, GrantStatus::Paused),
        GrantCommand::Resume { grant_id } => (grant_id, GrantStatus::Active),
        GrantCommand::Revoke { grant_id } => (grant_id, GrantStatus::Revoked),
    };
    let grant = vault.set_grant_status(&id, status)?;
    println!("Grant {} is now {}.", grant.id, grant.status);
    Ok(())
}

/// Serves the brand API until interrupted (Ctrl-C or SIGTERM).
/// How often `serve` looks for unusual use in the new log entries.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

pub fn serve(vault: Vault, port: u16) -> Result<()> {
    // What the API refuses or cannot do (a web origin not allowed, a log that cannot be written)
    // is told on standard error. Nothing secret is ever in these events.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .with_target(false)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        let port = listener.local_addr()?.port();
        // The chain is checked and unusual use watched for on a connection of their own; the
        // owner is told on the terminal (and by `butler log alerts`).
        let _watcher = butler_core::alerts::Watcher::start(vault.reopen()?, WATCH_EVERY, |alert| {
            eprintln!("butler: alert: {}", alert.message);
        })?;
        let state = butler_api::AppState::new(vault, port)?;
        // Said only once everything is ready: whoever waits for this line can send requests.
        println!("Butler is serving the brand API on http://127.0.0.1:{port}");
        std::io::stdout().flush()?;
        butler_api::serve(listener, state, shutdown_signal()).await?;
        eprintln!("Butler stopped serving.");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

pub fn inbox(vault: &Vault, cmd: &InboxCommand) -> Result<()> {
    let &InboxCommand::List { limit, json } = cmd;
    let items = vault.inbox(limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    if items.is_empty() {
        println!("No offers yet.");
    }
    let now = Timestamp::now();
    for o in items {
        let state = match (o.decision, o.not_before) {
            (butler_core::offers::Decision::Deferred, Some(t)) if t <= now => {
                "delivered (was deferred)".to_owned()
            }
            (butler_core::offers::Decision::Deferred, Some(t)) => {
                format!("deferred until {}", t.strftime("%Y-%m-%d %H:%M UTC"))
            }
            (d, _) => serde_json::to_value(d)?.as_str().unwrap_or("?").to_owned(),
        };
        println!(
            "{:<4} {}  {}  {} via {}: {}",
            o.id,
            o.received_at.strftime("%Y-%m-%d %H:%M"),
            o.brand,
            o.offer.kind,
            o.offer.channel,
            o.offer.title
        );
        println!("     {state}: {}", o.reason);
    }
    Ok(())
}

pub fn suggestions(vault: &Vault, cmd: &SuggestionCommand) -> Result<()> {
    use butler_core::offers::SuggestionStatus;
    let today = jiff::Zoned::now().date();
    let (id, status, weight) = match *cmd {
        SuggestionCommand::List { json } => {
            let all = vault.suggestions()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                println!("No suggestions from brands.");
            } else {
                for s in all {
                    let hint = if s.one_off_hint { " (the brand thinks it was a one-off)" } else { "" };
                    println!(
                        "{:<4} {:?}  {} reported a {}: {}{hint}",
                        s.id, s.status, s.brand, s.event, s.subject
                    );
                }
            }
            return Ok(());
        }
        SuggestionCommand::Accept { id, weight } => (id, SuggestionStatus::Accepted, weight),
        SuggestionCommand::OneOff { id } => (id, SuggestionStatus::OneOff, 0.5),
        SuggestionCommand::Reject { id } => (id, SuggestionStatus::Rejected, 0.5),
    };
    match vault.decide_suggestion(id, status, weight, today)? {
        Some(interest) => {
            println!("Added interest {}: {} ({})", interest.id, interest.subject, interest.status(today));
        }
        None => println!("Suggestion {id} rejected; your profile is unchanged."),
    }
    Ok(())
}
