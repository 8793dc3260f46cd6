//! Brands: OAuth clients registered with Butler (RFC 7591). A brand's claims (its name, home
//! page and declared purposes) are its own word: Butler shows them to the owner as unverified.

use std::collections::BTreeSet;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::access::Purpose;
use crate::catalog::text;
use crate::crypto::{self, Place};
use crate::error::{Error, Result};
use crate::terms::Agreement;
use crate::vault::Vault;

/// What a brand says about itself when it registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub client_name: String,
    pub client_uri: Option<String>,
    pub purposes: BTreeSet<Purpose>,
    /// The IEEE 7012 agreements the brand accepts; `None` if it declared none.
    pub accepted_agreements: Option<Vec<Agreement>>,
}

/// A registered brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brand {
    pub client_id: String,
    pub name: String,
    pub client_uri: Option<String>,
    /// The purposes the brand declared at registration.
    pub purposes: BTreeSet<Purpose>,
    pub registered_at: Timestamp,
    /// Always false for now: nothing vouches for a brand's claims yet.
    pub verified: bool,
    /// The IEEE 7012 agreements the brand accepts; `None` if it declared none (it is bound to the
    /// owner's agreement by taking a token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_agreements: Option<Vec<Agreement>>,
}

/// A brand's registration that Butler refuses, with the reason (RFC 7591 `invalid_client_metadata`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RegistrationError(pub String);

impl Registration {
    /// Checks the metadata: a readable name, and a home page that is an http(s) URL.
    pub fn validate(&self) -> Result<(), RegistrationError> {
        text(self.client_name.trim(), 100).map_err(|e| RegistrationError(format!("client_name {e}")))?;
        if let Some(uri) = &self.client_uri {
            let ok = (uri.starts_with("https://") || uri.starts_with("http://"))
                && web_origin(uri).is_some()
                && uri.len() <= 300
                && !uri.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(RegistrationError("client_uri must be an http(s) URL".into()));
            }
        }
        if self.accepted_agreements.as_ref().is_some_and(Vec::is_empty) {
            return Err(RegistrationError(
                "accepted_agreements, when given, names at least one agreement".into(),
            ));
        }
        Ok(())
    }
}

/// The web origin (`scheme://host[:port]`, as browsers send it in `Origin`) of an http(s) URL;
/// `None` for anything else, including URLs whose origin is opaque.
pub fn web_origin(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// Whether an `Origin` header names a web origin exactly as a browser serializes one: not
/// `null`, no path, no default port, lower case.
pub fn is_serialized_origin(value: &str) -> bool {
    web_origin(value).is_some_and(|o| o == value)
}

impl Brand {
    /// The web origin of the brand's registered home page: the origin its pages call from.
    pub fn web_origin(&self) -> Option<String> {
        self.client_uri.as_deref().and_then(web_origin)
    }
}

fn place(client_id: &str) -> Place {
    Place::new("brand", client_id, "record")
}

impl Vault {
    /// Registers a brand and gives it a client id.
    pub fn register_brand(&self, registration: Registration, now: Timestamp) -> Result<Brand> {
        registration.validate().map_err(|e| Error::Registration(e.0))?;
        let brand = Brand {
            client_id: format!("bcl_{}", hex::encode(crypto::random_bytes::<12>()?)),
            name: registration.client_name.trim().to_owned(),
            client_uri: registration.client_uri,
            purposes: registration.purposes,
            registered_at: now,
            verified: false,
            accepted_agreements: registration.accepted_agreements,
        };
        let sealed = self.json_seal(&place(&brand.client_id), &brand)?;
        self.conn.execute(
            "INSERT INTO brand (client_id, record) VALUES (?1, ?2)",
            params![brand.client_id, sealed],
        )?;
        Ok(brand)
    }

    /// A brand by client id.
    pub fn brand(&self, client_id: &str) -> Result<Option<Brand>> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT record FROM brand WHERE client_id = ?1")?
            .query_row([client_id], |r| r.get(0))
            .optional()?;
        sealed.map(|s| self.open_brand(client_id, &s)).transpose()
    }

    fn open_brand(&self, client_id: &str, sealed: &[u8]) -> Result<Brand> {
        let place = place(client_id);
        let brand: Brand = self.json_open(&place, sealed)?;
        if brand.client_id != client_id {
            return Err(crypto::CryptoError::Tampered(place).into());
        }
        Ok(brand)
    }

    /// Every registered brand, oldest first.
    pub fn brands(&self) -> Result<Vec<Brand>> {
        let mut stmt = self.conn.prepare("SELECT client_id, record FROM brand ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed) = row?;
            out.push(self.open_brand(&id, &sealed)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_origins_are_serialized_as_browsers_do() {
        assert_eq!(web_origin("https://Shop.Example/products?x=1").as_deref(), Some("https://shop.example"));
        assert_eq!(web_origin("http://127.0.0.1:8080/").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(web_origin("https://shop.example:443/").as_deref(), Some("https://shop.example"));
        assert_eq!(web_origin("ftp://shop.example/"), None);
        assert_eq!(web_origin("file:///etc/passwd"), None);
        assert_eq!(web_origin("not a url"), None);
        assert!(is_serialized_origin("http://localhost:5173"));
        for bad in ["null", "http://localhost:5173/", "https://shop.example:443", "HTTP://shop.example", ""] {
            assert!(!is_serialized_origin(bad), "{bad}");
        }
    }
}
