//! `butler-brand`: a brand's command line on the SDK, for trying Butler from a terminal.

use anyhow::{Context, Result};
use butler_sdk::Client;
use butler_sdk::protocol::{Candidate, OfferRequest, SignalRequest};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "butler-brand", version, about = "Talk to a Butler as a brand would")]
struct Cli {
    /// The Butler to talk to.
    #[arg(long, env = "BUTLER_URL", default_value = "http://127.0.0.1:7373")]
    url: String,
    #[command(subcommand)]
    command: Command,
}

// Doc comments here are the commands' help text, where backticks would show as such.
#[allow(clippy::doc_markdown)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Register as a brand; prints the client id.
    Register {
        #[arg(long)]
        name: String,
        #[arg(long)]
        uri: Option<String>,
        /// An IEEE 7012 agreement the brand accepts, such as SD-BASE-ATP (repeat for more).
        #[arg(long = "accept", value_name = "AGREEMENT")]
        accept: Vec<String>,
    },
    /// Ask for access, show the user code, and wait for the owner's decision; prints the token.
    Request {
        #[arg(long, env = "BUTLER_CLIENT_ID")]
        client_id: String,
        /// For example "field:birth_date:coarse purpose:recommend-products".
        #[arg(long)]
        scope: String,
    },
    /// Read profile fields.
    Read {
        #[arg(long, env = "BUTLER_TOKEN", hide_env_values = true)]
        token: String,
        #[arg(long)]
        purpose: String,
        /// Comma-separated field names.
        #[arg(long)]
        fields: String,
    },
    /// Rank candidates, given as ID=TOPIC[,TOPIC...] or ID:free text.
    Ask {
        #[arg(long, env = "BUTLER_TOKEN", hide_env_values = true)]
        token: String,
        #[arg(long)]
        purpose: String,
        #[arg(required = true)]
        candidates: Vec<String>,
    },
    /// Ask a measurement question (purpose `measure`): a noisy answer, the same all month.
    Measure {
        #[arg(long, env = "BUTLER_TOKEN", hide_env_values = true)]
        token: String,
        /// `interest:<topic id>`, `age_band`, `household_size` or `country`.
        question: String,
        /// For `country`: the countries to tell apart.
        categories: Vec<String>,
    },
    /// Send an offer (purpose `contact`).
    Offer {
        #[arg(long, env = "BUTLER_TOKEN", hide_env_values = true)]
        token: String,
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "butler-inbox")]
        channel: String,
        #[arg(long)]
        title: String,
        /// Tactics the offer uses, comma-separated.
        #[arg(long, default_value = "")]
        tactics: String,
    },
    /// Report an event about a topic or in words.
    Signal {
        #[arg(long, env = "BUTLER_TOKEN", hide_env_values = true)]
        token: String,
        #[arg(long)]
        purpose: String,
        #[arg(long, default_value = "purchase")]
        event: String,
        #[arg(long)]
        topic: Option<u16>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        one_off: bool,
    },
}

fn candidate(arg: &str) -> Result<Candidate> {
    if let Some((id, topics)) = arg.split_once('=') {
        let topics = topics
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<u16>, _>>()
            .context("topics are numbers")?;
        return Ok(Candidate { id: id.to_owned(), topics, text: None, kind: None });
    }
    let (id, text) = arg.split_once(':').context("a candidate is ID=TOPIC[,TOPIC] or ID:words")?;
    Ok(Candidate { id: id.to_owned(), topics: vec![], text: Some(text.to_owned()), kind: None })
}

fn print(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn parse_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .with_context(|| format!("`{s}` is not recognised"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("butler-brand: {}", format!("{e:#}").replace('\n', " "));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let butler = Client::new(cli.url);
    match cli.command {
        Command::Register { name, uri, accept } => {
            let accept: Vec<&str> = accept.iter().map(String::as_str).collect();
            let me = butler.register_accepting(&name, uri.as_deref(), &accept).await?;
            println!("{}", me.client_id);
        }
        Command::Request { client_id, scope } => {
            let ask = butler.request_access(&client_id, &scope).await?;
            eprintln!(
                "Ask the owner to approve the code {} (butler requests approve {0}); waiting…",
                ask.user_code
            );
            let token = butler.wait_for_token(&client_id, &ask).await?;
            eprintln!("Granted: {}", token.scope);
            println!("{}", token.access_token);
        }
        Command::Read { token, purpose, fields } => {
            let fields: Vec<&str> = fields.split(',').collect();
            print(&butler.session(&token).read_profile(&purpose, &fields).await?)?;
        }
        Command::Ask { token, purpose, candidates } => {
            let candidates = candidates.iter().map(|c| candidate(c)).collect::<Result<Vec<_>>>()?;
            print(&butler.session(&token).answers(&purpose, candidates).await?)?;
        }
        Command::Offer { token, kind, channel, title, tactics } => {
            let tactics =
                tactics.split(',').filter(|t| !t.is_empty()).map(parse_json).collect::<Result<Vec<_>>>()?;
            let offer = OfferRequest {
                purpose: "contact".into(),
                kind: parse_json(&kind)?,
                channel: parse_json(&channel)?,
                tactics,
                title,
                body: None,
                url: None,
            };
            print(&butler.session(&token).offer(&offer).await?)?;
        }
        Command::Measure { token, question, categories } => {
            let categories: Vec<&str> = categories.iter().map(String::as_str).collect();
            print(&butler.session(&token).measure(&question, &categories).await?)?;
        }
        Command::Signal { token, purpose, event, topic, text, one_off } => {
            let signal = SignalRequest { purpose, event, topic, text, one_off };
            print(&butler.session(&token).signal(&signal).await?)?;
        }
    }
    Ok(())
}
