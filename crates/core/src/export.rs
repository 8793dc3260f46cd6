//! Export and import of the profile.
//!
//! An export is sealed by default: the profile document is encrypted with AES-256-GCM under a key
//! derived with Argon2id from a passphrase, with the envelope's parameters as associated data.
//! A plaintext JSON export exists only on explicit request. Import validates every value with the
//! same rules as the commands and writes all of it in one transaction, or nothing.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::catalog::Field;
use crate::crypto::{self, KdfParams, SALT_LEN};
use crate::error::{Error, Result};
use crate::interests::Interest;
use crate::prefs::OfferPreferences;
use crate::profile::Profile;
use crate::vault::Vault;

/// `format` of a plaintext profile document.
pub const PROFILE_FORMAT: &str = "butler-profile";
/// `format` of a sealed export envelope.
pub const SEALED_FORMAT: &str = "butler-export-sealed";
/// The largest export file Butler reads.
pub const MAX_EXPORT_BYTES: usize = 32 * 1024 * 1024;

/// The profile as a self-describing JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDocument {
    pub format: String,
    pub version: u32,
    pub exported_at: Timestamp,
    /// Simple fields by catalog name, in their natural JSON form.
    pub fields: BTreeMap<String, Json>,
    pub offer_preferences: Option<OfferPreferences>,
    pub interests: Vec<Interest>,
}

/// The sealed envelope around a [`ProfileDocument`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedExport {
    format: String,
    version: u32,
    cipher: String,
    kdf: String,
    kdf_params: KdfParams,
    salt: String,
    data: String,
}

impl SealedExport {
    fn associated_data(&self) -> Vec<u8> {
        let p = self.kdf_params;
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}",
            self.format, self.version, self.cipher, self.kdf, p.m_cost_kib, p.t_cost, p.p_cost, self.salt
        )
        .into_bytes()
    }
}

/// An export file as read, before any passphrase is asked for.
#[derive(Debug)]
pub enum ExportFile {
    Plain(Box<ProfileDocument>),
    Sealed(SealedFile),
}

/// A sealed export waiting for its passphrase.
#[derive(Debug)]
pub struct SealedFile(SealedExport);

fn bad(reason: impl Into<String>) -> Error {
    Error::Export(reason.into())
}

impl ExportFile {
    /// Recognises an export file by its `format`, and checks its shape.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_EXPORT_BYTES {
            return Err(bad(format!("larger than {} MiB", MAX_EXPORT_BYTES / 1024 / 1024)));
        }
        let json: Json = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON ({e})")))?;
        match json.get("format").and_then(Json::as_str) {
            Some(PROFILE_FORMAT) => Ok(ExportFile::Plain(Box::new(parse_document(json)?))),
            Some(SEALED_FORMAT) => {
                let sealed: SealedExport =
                    serde_json::from_value(json).map_err(|e| bad(format!("malformed envelope ({e})")))?;
                if sealed.version != 1 || sealed.cipher != "AES-256-GCM" || sealed.kdf != "argon2id-v19" {
                    return Err(bad("unsupported envelope version, cipher or KDF"));
                }
                sealed.kdf_params.check()?;
                Ok(ExportFile::Sealed(SealedFile(sealed)))
            }
            _ => Err(bad("not a Butler export (no known `format`)")),
        }
    }
}

fn parse_document(json: Json) -> Result<ProfileDocument> {
    let doc: ProfileDocument =
        serde_json::from_value(json).map_err(|e| bad(format!("malformed profile document ({e})")))?;
    if doc.version != 1 {
        return Err(bad(format!("profile document version {} is not supported", doc.version)));
    }
    Ok(doc)
}

impl SealedFile {
    /// Opens the envelope. A wrong passphrase and an altered file are the same failure.
    pub fn open(&self, passphrase: &SecretString) -> Result<ProfileDocument> {
        let e = &self.0;
        let salt = B64.decode(&e.salt).map_err(|_| bad("the salt is not base64"))?;
        let data = B64.decode(&e.data).map_err(|_| bad("the data is not base64"))?;
        let key = crypto::derive_kek(passphrase, &salt, e.kdf_params)?;
        let plain = key
            .open(&e.associated_data(), &data)
            .ok_or_else(|| bad("wrong passphrase, or the file was altered"))?;
        let json: Json =
            serde_json::from_slice(&plain).map_err(|_| bad("the sealed document is not JSON"))?;
        parse_document(json)
    }
}

/// Seals a document under a passphrase.
pub fn seal_document(doc: &ProfileDocument, passphrase: &SecretString, kdf: KdfParams) -> Result<Vec<u8>> {
    let salt = crypto::random_bytes::<SALT_LEN>()?;
    let key = crypto::derive_kek(passphrase, &salt, kdf)?;
    let mut envelope = SealedExport {
        format: SEALED_FORMAT.into(),
        version: 1,
        cipher: "AES-256-GCM".into(),
        kdf: "argon2id-v19".into(),
        kdf_params: kdf,
        salt: B64.encode(salt),
        data: String::new(),
    };
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(doc).expect("documents serialize"));
    envelope.data = B64.encode(key.seal(&envelope.associated_data(), &plain)?);
    Ok(serde_json::to_vec_pretty(&envelope).expect("envelopes serialize"))
}

/// The document as plaintext JSON (only on the owner's explicit request).
pub fn plain_document(doc: &ProfileDocument) -> Vec<u8> {
    serde_json::to_vec_pretty(doc).expect("documents serialize")
}

impl ProfileDocument {
    /// Checks every value with the catalog's rules and returns the profile it describes.
    pub fn into_profile(self) -> Result<Profile> {
        let mut fields = BTreeMap::new();
        for (name, value) in &self.fields {
            let field: Field = name.parse()?;
            if !field.is_simple() {
                return Err(bad(format!("`{name}` belongs in its own section, not in `fields`")));
            }
            fields.insert(field, field.from_json(value)?);
        }
        if let Some(p) = &self.offer_preferences {
            p.validate()?;
        }
        for interest in &self.interests {
            interest.validate()?;
        }
        Ok(Profile { fields, offer_preferences: self.offer_preferences, interests: self.interests })
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub fields: usize,
    pub interests: usize,
}

impl Vault {
    /// The profile as a document.
    pub fn export_document(&self) -> Result<ProfileDocument> {
        let profile = self.profile()?;
        Ok(ProfileDocument {
            format: PROFILE_FORMAT.into(),
            version: 1,
            exported_at: Timestamp::now(),
            fields: profile.fields.iter().map(|(f, v)| (f.name().to_owned(), v.to_json())).collect(),
            offer_preferences: profile.offer_preferences,
            interests: profile.interests,
        })
    }

    /// Imports a document. A vault that already holds a profile is only overwritten with
    /// `replace`; either way the import is whole or nothing.
    pub fn import_document(&self, doc: ProfileDocument, replace: bool) -> Result<ImportSummary> {
        let profile = doc.into_profile()?;
        self.replace_profile(&profile, replace)?;
        Ok(ImportSummary { fields: profile.fields.len(), interests: profile.interests.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interests::{NewInterest, Subject};

    fn pw(s: &str) -> SecretString {
        SecretString::from(s)
    }

    fn filled() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("a"), &pw("first passphrase"), KdfParams::FLOOR).unwrap();
        v.set_field(Field::HomeCountry, &Field::HomeCountry.parse("DE").unwrap()).unwrap();
        v.set_field(Field::HouseholdChildrenAges, &Field::HouseholdChildrenAges.parse("4,9").unwrap())
            .unwrap();
        v.add_interest(NewInterest::stated(Subject::topic(4).unwrap()), jiff::civil::date(2026, 1, 2))
            .unwrap();
        (dir, v)
    }

    #[test]
    fn sealed_export_round_trips_and_refuses_tampering() {
        let (dir, v) = filled();
        let doc = v.export_document().unwrap();
        let bytes = seal_document(&doc, &pw("export passphrase"), KdfParams::FLOOR).unwrap();
        let ExportFile::Sealed(sealed) = ExportFile::parse(&bytes).unwrap() else { panic!("sealed") };
        assert!(sealed.open(&pw("wrong passphrase")).is_err());
        assert_eq!(sealed.open(&pw("export passphrase")).unwrap(), doc);

        // Weakening the KDF in the envelope is refused before any work.
        let mut json: Json = serde_json::from_slice(&bytes).unwrap();
        json["kdf_params"]["m_cost_kib"] = Json::from(1024);
        assert!(ExportFile::parse(&serde_json::to_vec(&json).unwrap()).is_err());

        let other = Vault::create(&dir.path().join("b"), &pw("second passphrase"), KdfParams::FLOOR).unwrap();
        other.import_document(doc.clone(), false).unwrap();
        assert_eq!(other.profile().unwrap().fields, v.profile().unwrap().fields);
        assert!(matches!(other.import_document(doc, false), Err(Error::ProfileNotEmpty)));
    }

    #[test]
    fn a_bad_value_imports_nothing() {
        let (_dir, v) = filled();
        let before = v.profile().unwrap();
        let mut doc = v.export_document().unwrap();
        doc.fields.insert("home.city".into(), Json::from("Berlin"));
        doc.fields.insert("household.size".into(), Json::from(99));
        let err = v.import_document(doc, true).unwrap_err();
        assert!(err.to_string().contains("household.size"), "{err}");
        assert_eq!(v.profile().unwrap(), before);
    }
}
