//! The vault's signing key: an Ed25519 key pair (ring) made on first use and kept sealed in the
//! vault. What Butler signs (consent receipts, log exports, pruning records) anyone can check with
//! the public key alone, published as a JWK (RFC 8037) with a stable key id.
//!
//! Signatures travel as JWS compact serialization (RFC 7515) with `alg: EdDSA`, so standard JOSE
//! libraries verify them; [`verify_jws`] is the same check without a vault.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::Place;
use crate::error::{Error, Result};
use crate::vault::Vault;

fn key_place() -> Place {
    Place::new("signing_key", "1", "record")
}

/// The public half of the vault's signing key, as a JSON Web Key (RFC 8037, OKP / Ed25519), and
/// a set of them: the wire types the API publishes.
pub use butler_protocol::{Jwk as PublicJwk, Jwks};

/// The JWK of a raw Ed25519 public key, its `kid` computed from it (RFC 7638 thumbprint).
pub fn jwk_of(public: &[u8]) -> PublicJwk {
    let x = B64.encode(public);
    // RFC 7638: the required members in lexicographic order, no whitespace.
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    let kid = B64.encode(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()));
    PublicJwk { kty: "OKP".into(), crv: "Ed25519".into(), x, kid, use_: "sig".into(), alg: "EdDSA".into() }
}

/// The raw 32-byte public key of a JWK, if it is an Ed25519 one.
pub fn public_key_of(key: &PublicJwk) -> Result<Vec<u8>, JwsError> {
    let raw = B64.decode(&key.x).map_err(|_| JwsError("the key's `x` is not base64url"))?;
    if key.kty != "OKP" || key.crv != "Ed25519" || raw.len() != 32 {
        return Err(JwsError("the key is not an Ed25519 public key"));
    }
    Ok(raw)
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JwsError(pub &'static str);

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

impl Vault {
    /// The signing key pair, made and stored (sealed) on first use.
    fn signing_pair(&self) -> Result<Ed25519KeyPair> {
        let stored: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT record FROM signing_key WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let Some(sealed) = stored else {
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
                .map_err(|_| Error::Damaged("no randomness for a signing key".into()))?;
            let sealed = self.seal(&key_place(), &Zeroizing::new(pkcs8.as_ref().to_vec()))?;
            // Another connection may have made one first: its key wins, and is read back.
            self.conn.execute("INSERT OR IGNORE INTO signing_key (id, record) VALUES (1, ?1)", [sealed])?;
            return self.signing_pair();
        };
        let pkcs8 = self.open_sealed(&key_place(), &sealed)?;
        Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::Damaged("the vault's signing key is damaged".into()))
    }

    /// The public key, as the JWK anyone verifies Butler's signatures with.
    pub fn public_jwk(&self) -> Result<PublicJwk> {
        Ok(jwk_of(self.signing_pair()?.public_key().as_ref()))
    }

    /// Signs `payload` (JSON) as a JWS in compact serialization, typed `typ`.
    pub fn sign_jws(&self, typ: &str, payload: &[u8]) -> Result<String> {
        let pair = self.signing_pair()?;
        let header =
            Header { alg: "EdDSA".into(), kid: jwk_of(pair.public_key().as_ref()).kid, typ: typ.into() };
        let signing_input = format!(
            "{}.{}",
            B64.encode(serde_json::to_vec(&header).expect("headers serialize")),
            B64.encode(payload)
        );
        let signature = pair.sign(signing_input.as_bytes());
        Ok(format!("{signing_input}.{}", B64.encode(signature.as_ref())))
    }
}

/// Checks a compact JWS against an Ed25519 public key and returns its payload. Needs no vault:
/// this is what anyone holding the public key can do.
pub fn verify_jws(jws: &str, key: &PublicJwk) -> Result<Vec<u8>, JwsError> {
    let public = public_key_of(key)?;
    let mut parts = jws.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError("not a compact JWS (three base64url parts)"));
    };
    let header: Header = B64
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(JwsError("the JWS header does not decode"))?;
    if header.alg != "EdDSA" {
        return Err(JwsError("the JWS is not signed with EdDSA"));
    }
    let signature = B64.decode(signature).map_err(|_| JwsError("the signature is not base64url"))?;
    let signing_input = &jws[..jws.len() - jws.rsplit('.').next().map_or(0, str::len) - 1];
    signature::UnparsedPublicKey::new(&signature::ED25519, &public)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| JwsError("the signature does not match: the content or the key differs"))?;
    B64.decode(payload).map_err(|_| JwsError("the payload is not base64url"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KdfParams, Vault};

    #[test]
    fn a_signature_verifies_with_the_public_key_alone_and_fails_on_any_change() {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("v"), &"a long passphrase".into(), KdfParams::FLOOR).unwrap();
        let jwk = vault.public_jwk().unwrap();
        assert_eq!(vault.reopen().unwrap().public_jwk().unwrap(), jwk, "one key per vault, kept");
        let jws = vault.sign_jws("test", br#"{"hello":"world"}"#).unwrap();
        assert_eq!(verify_jws(&jws, &jwk).unwrap(), br#"{"hello":"world"}"#);
        let mut bytes = jws.clone().into_bytes();
        for i in [0, jws.find('.').unwrap() + 3, jws.len() - 5] {
            let original = bytes[i];
            bytes[i] = if original == b'A' { b'B' } else { b'A' };
            assert!(verify_jws(std::str::from_utf8(&bytes).unwrap(), &jwk).is_err(), "byte {i} changed");
            bytes[i] = original;
        }
        let other =
            Vault::create(&dir.path().join("w"), &"a long passphrase".into(), KdfParams::FLOOR).unwrap();
        assert!(verify_jws(&jws, &other.public_jwk().unwrap()).is_err(), "another vault's key");
    }
}
