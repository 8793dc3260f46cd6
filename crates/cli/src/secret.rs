//! Where passphrases come from: an environment variable for scripts, otherwise a prompt on the
//! terminal that does not echo.

use anyhow::{Context, Result, bail};
use secrecy::{ExposeSecret, SecretString};

/// The vault passphrase.
pub const PASSPHRASE_VAR: &str = "BUTLER_PASSPHRASE";
/// The new passphrase for `passwd`.
pub const NEW_PASSPHRASE_VAR: &str = "BUTLER_NEW_PASSPHRASE";
/// The passphrase of an export file, when it differs from the vault's.
pub const EXPORT_PASSPHRASE_VAR: &str = "BUTLER_EXPORT_PASSPHRASE";

fn from_env(var: &str) -> Option<SecretString> {
    std::env::var(var).ok().filter(|v| !v.is_empty()).map(SecretString::from)
}

fn prompt(text: &str, var: &str) -> Result<SecretString> {
    let entered = rpassword::prompt_password(text)
        .with_context(|| format!("no terminal to ask for the passphrase: set {var}"))?;
    Ok(SecretString::from(entered))
}

/// The passphrase that unlocks the vault.
pub fn passphrase() -> Result<SecretString> {
    match from_env(PASSPHRASE_VAR) {
        Some(p) => Ok(p),
        None => prompt("Passphrase: ", PASSPHRASE_VAR),
    }
}

/// A new passphrase, typed twice when it is asked for.
pub fn new_passphrase(var: &str, what: &str) -> Result<SecretString> {
    if let Some(p) = from_env(var) {
        return Ok(p);
    }
    let first = prompt(&format!("{what}: "), var)?;
    let second = prompt("Repeat it: ", var)?;
    if first.expose_secret() != second.expose_secret() {
        bail!("the two passphrases differ; nothing was changed");
    }
    Ok(first)
}

/// The passphrase of an export file, if one was given apart from the vault's.
pub fn export_passphrase() -> Option<SecretString> {
    from_env(EXPORT_PASSPHRASE_VAR)
}
