//! Consent receipts on the owner's side: the vault's signed receipts (one for every grant
//! approval, pause, resume and revocation), the public key that verifies them, and `verify`,
//! which checks a receipt with a key file alone: no vault, no passphrase.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use butler_core::Vault;
use butler_core::receipts::{ConsentReceipt, Receipt};
use butler_core::signing::{Jwks, PublicJwk, verify_jws};
use clap::Subcommand;
use serde_json::Value;

// Doc comments here are the commands' help text, where backticks would show as such.
#[allow(clippy::doc_markdown)]
#[derive(Subcommand, Debug)]
pub enum ReceiptCommand {
    /// Signed consent receipts, newest first.
    List {
        /// Only the receipts of this grant.
        #[arg(long, value_name = "GRANT_ID")]
        grant: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One receipt: the signed JWS and its decoded content.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The public key that verifies the receipts, as a JWKS (what brands get from
    /// /.well-known/jwks.json).
    Key,
    /// Check a receipt (a JWS, or the JSON of `receipts show --json` or of the brand API)
    /// against a public key file (a JWKS or a JWK). Needs no vault and no passphrase.
    Verify {
        file: PathBuf,
        #[arg(long, value_name = "JWKS_FILE")]
        key: PathBuf,
    },
}

/// One line about a receipt: what happened, to which grant and brand, and when.
fn summary(receipt: &Receipt, content: &ConsentReceipt) -> String {
    let brand = content.pii_controllers.first().map_or("?", |c| c.pii_controller.as_str());
    format!(
        "{} of grant {} for {brand}, {}",
        receipt.event,
        receipt.grant_id,
        receipt.issued_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    )
}

fn as_json(receipt: &Receipt, content: Option<&ConsentReceipt>) -> Result<Value> {
    let mut row = serde_json::json!({
        "id": receipt.id,
        "grant_id": receipt.grant_id,
        "client_id": receipt.client_id,
        "event": receipt.event,
        "issued_at": receipt.issued_at.to_string(),
        "jws": receipt.jws,
    });
    if let Some(content) = content {
        row["content"] = serde_json::to_value(content)?;
    }
    Ok(row)
}

pub fn receipts(vault: &Vault, cmd: ReceiptCommand) -> Result<()> {
    match cmd {
        ReceiptCommand::List { grant, json } => {
            // Grants that reached their end since `serve` last looked get their receipt now.
            vault.record_expiries(jiff::Timestamp::now())?;
            let list = match &grant {
                Some(id) => {
                    vault.grant(id)?;
                    vault.receipts_of_grant(id)?
                }
                None => vault.receipts()?,
            };
            if json {
                let rows = list.iter().map(|r| as_json(r, None)).collect::<Result<Vec<_>>>()?;
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if list.is_empty() {
                println!("No consent receipts yet: approving a brand's request makes the first.");
            } else {
                for r in &list {
                    println!("{}  {}", r.id, summary(r, &r.content()?));
                }
            }
        }
        ReceiptCommand::Show { id, json } => {
            let receipt = vault.receipt(&id)?;
            let content = receipt.content()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&as_json(&receipt, Some(&content))?)?);
            } else {
                println!("Receipt {}: {}", receipt.id, summary(&receipt, &content));
                println!("\nSigned (JWS, EdDSA; `butler receipts key` prints the public key):");
                println!("{}", receipt.jws);
                println!("\nContent:");
                println!("{}", serde_json::to_string_pretty(&content)?);
            }
        }
        ReceiptCommand::Key => {
            let jwks = Jwks { keys: vec![vault.public_jwk()?] };
            println!("{}", serde_json::to_string_pretty(&jwks)?);
        }
        ReceiptCommand::Verify { .. } => unreachable!("handled without unlocking"),
    }
    Ok(())
}

/// The JWS in a receipt file: the compact JWS itself, or a JSON object with a `jws` member.
fn read_jws(file: &Path) -> Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = text.trim();
    if !text.starts_with('{') {
        return Ok(text.to_owned());
    }
    let json: Value = serde_json::from_str(text)
        .with_context(|| format!("{} is neither a JWS nor JSON", file.display()))?;
    match json.get("jws").and_then(Value::as_str) {
        Some(jws) => Ok(jws.to_owned()),
        None => bail!("{} is JSON without a `jws` member", file.display()),
    }
}

/// The keys in a key file: a JWKS (`{"keys": [...]}`) or a single JWK.
pub fn read_keys(file: &Path) -> Result<Vec<PublicJwk>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let json: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON (expected a JWKS or a JWK)", file.display()))?;
    let keys = if json.get("keys").is_some() {
        serde_json::from_value::<Jwks>(json).map(|set| set.keys)
    } else {
        serde_json::from_value::<PublicJwk>(json).map(|key| vec![key])
    };
    let keys = keys.with_context(|| format!("{} is neither a JWKS nor an Ed25519 JWK", file.display()))?;
    if keys.is_empty() {
        bail!("{} holds no key", file.display());
    }
    Ok(keys)
}

/// Checks a receipt with the key file alone. Runs before, and instead of, any unlock.
pub fn verify(file: &Path, key: &Path) -> Result<()> {
    let jws = read_jws(file)?;
    let keys = read_keys(key)?;
    let mut failure = None;
    for key in &keys {
        match verify_jws(&jws, key) {
            Ok(payload) => {
                let content: Value = serde_json::from_slice(&payload)
                    .context("the signature verifies, but the content is not JSON")?;
                println!("The receipt verifies with key {}.", key.kid);
                if let Ok(receipt) = serde_json::from_value::<ConsentReceipt>(content.clone()) {
                    let brand = receipt.pii_controllers.first().map_or("?", |c| c.pii_controller.as_str());
                    println!("{} of grant {} for {brand}", receipt.event, receipt.grant_id);
                }
                println!("{}", serde_json::to_string_pretty(&content)?);
                return Ok(());
            }
            Err(e) => failure = Some(e),
        }
    }
    let reason = failure.map_or_else(String::new, |e| e.to_string());
    bail!("the receipt in {} does not verify with {}: {reason}", file.display(), key.display())
}
