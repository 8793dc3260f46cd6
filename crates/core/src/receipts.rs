//! Consent receipts: every change to a grant (its approval, each pause, resume and the
//! revocation) yields a receipt signed with the vault's Ed25519 key, written in the same
//! transaction as the change, so that there is never a grant state without its receipt.
//!
//! A receipt's content ([`ConsentReceipt`]) follows the Kantara Consent Receipt v1.1 where its
//! members fit (who, which fields in which modes, which purposes with their W3C DPV terms, when,
//! until when) and adds Butler's own (grant, client, event). It is signed as a compact JWS
//! ([`Vault::sign_jws`]), so that the brand, the owner or anyone else can check it with the
//! vault's public key alone ([`crate::signing::verify_jws`], or any JOSE library).
//!
//! The owner is named by a pseudonym per brand (a keyed hash of the brand's client id): two
//! brands comparing their receipts cannot tell that they concern the same person.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use butler_protocol::{ConsentReceipt, PiiController, ReceiptEvent, ReceiptPurpose, ReceiptService};

use crate::access::mode_name;
use crate::catalog::Sensitivity;
use crate::crypto::{self, Place};
use crate::error::{Error, Result};
use crate::grants::Grant;
use crate::vault::Vault;

/// The JWS `typ` of a consent receipt.
pub const RECEIPT_TYPE: &str = "consent-receipt+jws";
/// The Kantara Consent Receipt specification version the content follows.
pub const KANTARA_VERSION: &str = "KI-CR-v1.1.0";
/// How the owner's consent was collected, in the receipt's words.
const COLLECTION_METHOD: &str =
    "The owner approved the brand's access request in Butler (OAuth 2.0 device authorization, RFC 8628)";
/// The service the receipts describe.
const SERVICE: &str = "Access to the owner's profile through Butler";

/// A signed consent receipt, as the vault keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// A UUID, also the content's `consentReceiptID`.
    pub id: String,
    pub grant_id: String,
    pub client_id: String,
    pub event: ReceiptEvent,
    pub issued_at: Timestamp,
    /// The receipt itself: a compact JWS whose payload is a [`ConsentReceipt`].
    pub jws: String,
}

impl Receipt {
    /// The signed content, decoded. This does not check the signature: the vault wrote it, and
    /// [`crate::signing::verify_jws`] is the check for anyone else.
    pub fn content(&self) -> Result<ConsentReceipt> {
        let damaged = || Error::Damaged(format!("the consent receipt {} does not decode", self.id));
        let payload = self.jws.split('.').nth(1).ok_or_else(damaged)?;
        let bytes = B64.decode(payload).map_err(|_| damaged())?;
        serde_json::from_slice(&bytes).map_err(|_| damaged())
    }
}

fn place(id: &str) -> Place {
    Place::new("receipt", id, "record")
}

/// A random UUID (version 4, RFC 9562), as Kantara asks of a `consentReceiptID`.
fn new_receipt_id() -> Result<String> {
    let mut b = crypto::random_bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]))
}

/// An instant as RFC 3339 in whole seconds.
fn rfc3339(t: Timestamp) -> String {
    Timestamp::from_second(t.as_second()).unwrap_or(t).to_string()
}

impl Vault {
    /// The owner's pseudonym for one brand: a keyed hash of its client id, so that it is stable
    /// across that brand's receipts and unlinkable between brands.
    fn principal_id(&self, client_id: &str) -> String {
        hex::encode(&self.keys.slot("receipt principal", client_id)[..16])
    }

    /// What a receipt for `grant`'s `event` at `now` says.
    fn receipt_content(
        &self,
        id: &str,
        grant: &Grant,
        event: ReceiptEvent,
        now: Timestamp,
    ) -> Result<ConsentReceipt> {
        let brand = self.brand(&grant.client_id)?.ok_or(Error::UnknownClient)?;
        let pii_category: Vec<String> =
            grant.spec.fields.iter().map(|(f, m)| format!("{}:{}", f.name(), mode_name(*m))).collect();
        let spi_cat: Vec<String> = grant
            .spec
            .fields
            .keys()
            .filter(|f| f.sensitivity() == Sensitivity::Special)
            .map(|f| f.name().to_owned())
            .collect();
        let purposes = grant
            .spec
            .purposes
            .iter()
            .map(|p| ReceiptPurpose {
                purpose: p.name().to_owned(),
                purpose_category: vec![p.dpv_term().to_owned()],
                consent_type: "EXPLICIT".to_owned(),
                pii_category: pii_category.clone(),
                termination: rfc3339(grant.expires_at),
                third_party_disclosure: false,
            })
            .collect();
        Ok(ConsentReceipt {
            version: KANTARA_VERSION.to_owned(),
            consent_timestamp: grant.created_at.as_second(),
            collection_method: COLLECTION_METHOD.to_owned(),
            consent_receipt_id: id.to_owned(),
            language: "en".to_owned(),
            pii_principal_id: self.principal_id(&grant.client_id),
            pii_controllers: vec![PiiController {
                pii_controller: brand.name,
                pii_controller_url: brand.client_uri,
                on_behalf: false,
            }],
            // Brands declare no policy at registration yet.
            policy_url: None,
            services: vec![ReceiptService { service: SERVICE.to_owned(), purposes }],
            sensitive: !spi_cat.is_empty(),
            spi_cat,
            grant_id: grant.id.clone(),
            client_id: grant.client_id.clone(),
            event,
            event_timestamp: now.as_second(),
            revocation_timestamp: (event == ReceiptEvent::Revoked).then(|| now.as_second()),
            agreement: grant.agreement.map(crate::terms::Agreement::iri),
        })
    }

    /// Signs and stores the receipt of `grant`'s `event` at `now`. Called by the grant changes
    /// inside their own transaction, so the change and its receipt commit together or not at all.
    pub(crate) fn record_receipt(
        &self,
        grant: &Grant,
        event: ReceiptEvent,
        now: Timestamp,
    ) -> Result<Receipt> {
        let id = new_receipt_id()?;
        let content = self.receipt_content(&id, grant, event, now)?;
        let jws = self.sign_jws(RECEIPT_TYPE, &serde_json::to_vec(&content).expect("receipts serialize"))?;
        let receipt = Receipt {
            id,
            grant_id: grant.id.clone(),
            client_id: grant.client_id.clone(),
            event,
            issued_at: now,
            jws,
        };
        self.conn.execute(
            "INSERT INTO receipt (id, grant_id, client_id, issued_at, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                receipt.id,
                receipt.grant_id,
                receipt.client_id,
                now.as_second(),
                self.json_seal(&place(&receipt.id), &receipt)?
            ],
        )?;
        Ok(receipt)
    }

    /// Opens a stored receipt and checks that its clear columns say what the sealed record says:
    /// a receipt moved to another brand or grant is reported, never listed under it.
    fn open_receipt(&self, id: &str, grant_id: &str, client_id: &str, sealed: &[u8]) -> Result<Receipt> {
        let receipt: Receipt = self.json_open(&place(id), sealed)?;
        if receipt.id != id || receipt.grant_id != grant_id || receipt.client_id != client_id {
            return Err(crypto::CryptoError::Tampered(place(id)).into());
        }
        Ok(receipt)
    }

    fn receipts_where(&self, condition: &str, value: Option<&str>) -> Result<Vec<Receipt>> {
        let sql = format!(
            "SELECT id, grant_id, client_id, record FROM receipt {condition} ORDER BY issued_at DESC, rowid DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let read = |r: &rusqlite::Row<'_>| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        };
        let rows = match value {
            Some(v) => stmt.query_map([v], read)?.collect::<Result<Vec<_>, _>>()?,
            None => stmt.query_map([], read)?.collect::<Result<Vec<_>, _>>()?,
        };
        rows.iter()
            .map(|(id, grant_id, client_id, sealed)| self.open_receipt(id, grant_id, client_id, sealed))
            .collect()
    }

    /// Every receipt, newest first.
    pub fn receipts(&self) -> Result<Vec<Receipt>> {
        self.receipts_where("", None)
    }

    /// A brand's receipts, for all its grants, newest first.
    pub fn receipts_of_brand(&self, client_id: &str) -> Result<Vec<Receipt>> {
        self.receipts_where("WHERE client_id = ?1", Some(client_id))
    }

    /// A grant's receipts, newest first.
    pub fn receipts_of_grant(&self, grant_id: &str) -> Result<Vec<Receipt>> {
        self.receipts_where("WHERE grant_id = ?1", Some(grant_id))
    }

    /// Records an `expired` receipt for each grant that reached its end by `now` and has none
    /// yet (nor was revoked first), dated at its end. Returns the receipts made.
    pub fn record_expiries(&self, now: Timestamp) -> Result<Vec<Receipt>> {
        // Made before the transaction if this is the key's first use.
        self.public_jwk()?;
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let mut made = Vec::new();
        for grant in self.grants()? {
            if grant.expires_at > now || grant.status == crate::grants::GrantStatus::Revoked {
                continue;
            }
            let ended = self
                .receipts_of_grant(&grant.id)?
                .iter()
                .any(|r| matches!(r.event, ReceiptEvent::Expired | ReceiptEvent::Revoked));
            if !ended {
                made.push(self.record_receipt(&grant, ReceiptEvent::Expired, grant.expires_at)?);
            }
        }
        tx.commit()?;
        Ok(made)
    }

    /// A receipt by id.
    pub fn receipt(&self, id: &str) -> Result<Receipt> {
        let row: Option<(String, String, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT grant_id, client_id, record FROM receipt WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (grant_id, client_id, sealed) = row.ok_or_else(|| Error::NoSuchReceipt(id.to_owned()))?;
        self.open_receipt(id, &grant_id, &client_id, &sealed)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::access::AccessSpec;
    use crate::brands::Registration;
    use crate::catalog::Field;
    use crate::grants::{Approval, GrantStatus};
    use crate::signing::verify_jws;
    use crate::{KdfParams, Vault};

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("v"), &"a long passphrase".into(), KdfParams::FLOOR).unwrap();
        (dir, vault)
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// Registers a brand and has it ask for `scope`; returns its client id and the user code.
    fn ask(vault: &Vault, name: &str, scope: &str, now: Timestamp) -> (String, String) {
        let registration = Registration {
            client_name: name.into(),
            client_uri: Some("https://shoes.example".into()),
            purposes: BTreeSet::new(),
            accepted_agreements: None,
        };
        let brand = vault.register_brand(registration, now).unwrap();
        let spec = AccessSpec::from_scope(scope).unwrap();
        let auth = vault.start_device_authorization(&brand.client_id, spec, now).unwrap();
        (brand.client_id, auth.user_code)
    }

    const SCOPE: &str = "field:birth_date:coarse field:home.country field:health:answer \
                         purpose:recommend-products purpose:contact";

    fn approval() -> Approval {
        Approval { sensitive_consent: vec![Field::Health], days: Some(30), ..Approval::default() }
    }

    #[test]
    fn every_grant_change_has_its_signed_receipt() {
        let (_dir, vault) = vault();
        let t0 = at("2026-03-01T10:00:00Z");
        let (client_id, code) = ask(&vault, "Trail Shoes", SCOPE, t0);
        let grant = vault.approve_request(&code, &approval(), t0).unwrap();
        let key = vault.public_jwk().unwrap();

        let granted = vault.receipts_of_grant(&grant.id).unwrap();
        assert_eq!(granted.len(), 1, "the approval has its receipt");
        let receipt = &granted[0];
        assert_eq!((receipt.event, receipt.issued_at), (ReceiptEvent::Granted, t0));
        let payload = verify_jws(&receipt.jws, &key).expect("signed with the vault's key");
        let content: ConsentReceipt = serde_json::from_slice(&payload).unwrap();
        assert_eq!(content, receipt.content().unwrap());
        assert_eq!(content.version, "KI-CR-v1.1.0");
        assert_eq!(content.consent_receipt_id, receipt.id);
        assert_eq!(receipt.id.len(), 36, "a UUID: {}", receipt.id);
        assert_eq!(&receipt.id[14..15], "4", "version 4: {}", receipt.id);
        assert_eq!(content.consent_timestamp, t0.as_second());
        assert_eq!(
            (content.grant_id.as_str(), content.client_id.as_str()),
            (grant.id.as_str(), client_id.as_str())
        );
        assert_eq!(content.event, ReceiptEvent::Granted);
        assert_eq!(content.revocation_timestamp, None);
        assert_eq!(content.pii_controllers[0].pii_controller, "Trail Shoes");
        assert_eq!(content.pii_controllers[0].pii_controller_url.as_deref(), Some("https://shoes.example"));
        let purposes = &content.services[0].purposes;
        let names: Vec<&str> = purposes.iter().map(|p| p.purpose.as_str()).collect();
        assert_eq!(names, ["recommend-products", "contact"]);
        assert_eq!(purposes[0].purpose_category, ["https://w3id.org/dpv#ProvideProductRecommendations"]);
        assert_eq!(purposes[1].purpose_category, ["https://w3id.org/dpv#DirectMarketing"]);
        for p in purposes {
            assert_eq!(p.consent_type, "EXPLICIT");
            assert_eq!(p.pii_category, ["birth_date:coarse", "home.country:exact", "health:answer"]);
            assert_eq!(p.termination, "2026-03-31T10:00:00Z", "the grant's expiry");
            assert!(!p.third_party_disclosure);
        }
        assert!(content.sensitive);
        assert_eq!(content.spi_cat, ["health"]);
        let text = String::from_utf8(payload).unwrap();
        assert!(!text.contains("a long passphrase") && content.pii_principal_id.len() == 32);

        // Each status change has its own receipt, at its own time; a change to the same status
        // changes nothing and records nothing.
        let t1 = at("2026-03-02T10:00:00Z");
        vault.set_grant_status_at(&grant.id, GrantStatus::Paused, t1).unwrap();
        vault.set_grant_status_at(&grant.id, GrantStatus::Paused, t1).unwrap();
        vault.set_grant_status_at(&grant.id, GrantStatus::Active, at("2026-03-03T10:00:00Z")).unwrap();
        let t3 = at("2026-03-04T10:00:00Z");
        vault.set_grant_status_at(&grant.id, GrantStatus::Revoked, t3).unwrap();
        vault.set_grant_status_at(&grant.id, GrantStatus::Revoked, t3).unwrap();
        assert!(
            vault.set_grant_status_at(&grant.id, GrantStatus::Active, t3).is_err(),
            "revocation is final"
        );
        let all = vault.receipts_of_brand(&client_id).unwrap();
        let events: Vec<ReceiptEvent> = all.iter().map(|r| r.event).collect();
        assert_eq!(
            events,
            [ReceiptEvent::Revoked, ReceiptEvent::Resumed, ReceiptEvent::Paused, ReceiptEvent::Granted],
            "newest first"
        );
        assert_eq!(vault.receipts().unwrap(), all);
        let revoked = all[0].content().unwrap();
        assert_eq!(
            (revoked.event_timestamp, revoked.revocation_timestamp),
            (t3.as_second(), Some(t3.as_second()))
        );
        assert_eq!(revoked.consent_timestamp, t0.as_second(), "the consent it ends");
        for r in &all {
            verify_jws(&r.jws, &key).unwrap();
            assert_eq!(r.content().unwrap().pii_principal_id, content.pii_principal_id, "stable per brand");
            assert_eq!(vault.receipt(&r.id).unwrap(), *r);
        }
        assert!(matches!(vault.receipt("no-such-receipt"), Err(Error::NoSuchReceipt(_))));

        // Another brand sees another pseudonym, and only its own receipts.
        let (other_client, other_code) = ask(&vault, "Pan Shop", "field:home.country purpose:contact", t3);
        let other = vault.approve_request(&other_code, &Approval::default(), t3).unwrap();
        let theirs = vault.receipts_of_brand(&other_client).unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].grant_id, other.id);
        let theirs = theirs[0].content().unwrap();
        assert_ne!(theirs.pii_principal_id, content.pii_principal_id, "unlinkable between brands");
        assert!(!theirs.sensitive && theirs.spi_cat.is_empty());
        assert_eq!(vault.receipts_of_brand(&client_id).unwrap().len(), 4);
    }

    #[test]
    fn a_receipt_that_cannot_be_written_leaves_the_grant_unchanged() {
        let (_dir, vault) = vault();
        let now = at("2026-03-01T10:00:00Z");
        let (_, code) = ask(&vault, "Trail Shoes", SCOPE, now);
        let block =
            "CREATE TRIGGER no_receipts BEFORE INSERT ON receipt BEGIN SELECT RAISE(ABORT, 'no'); END;";
        vault.conn.execute_batch(block).unwrap();
        assert!(vault.approve_request(&code, &approval(), now).is_err());
        assert!(vault.grants().unwrap().is_empty(), "no grant without its receipt");
        assert_eq!(vault.pending_requests(now).unwrap().len(), 1, "the request still waits");

        vault.conn.execute_batch("DROP TRIGGER no_receipts;").unwrap();
        let grant = vault.approve_request(&code, &approval(), now).unwrap();
        vault.conn.execute_batch(block).unwrap();
        assert!(vault.set_grant_status_at(&grant.id, GrantStatus::Revoked, now).is_err());
        assert_eq!(
            vault.grant(&grant.id).unwrap().status,
            GrantStatus::Active,
            "no change without its receipt"
        );
        assert_eq!(vault.receipts_of_grant(&grant.id).unwrap().len(), 1);
    }

    #[test]
    fn a_receipt_moved_to_another_brand_is_reported() {
        let (_dir, vault) = vault();
        let now = at("2026-03-01T10:00:00Z");
        let (_, code) = ask(&vault, "Trail Shoes", SCOPE, now);
        vault.approve_request(&code, &approval(), now).unwrap();
        let (other, _) = ask(&vault, "Pan Shop", "field:home.country purpose:contact", now);
        vault.conn.execute("UPDATE receipt SET client_id = ?1", [&other]).unwrap();
        let err = vault.receipts_of_brand(&other).unwrap_err();
        assert!(matches!(err, Error::Crypto(crypto::CryptoError::Tampered(_))), "{err}");
    }

    #[test]
    fn a_grant_that_reaches_its_end_gets_one_expired_receipt() {
        let (_dir, vault) = crate::testing::vault();
        let shop = crate::testing::onboard(&vault, "Shop", "field:home.country purpose:recommend-products");
        let gone = crate::testing::onboard(&vault, "Gone", "field:home.country purpose:recommend-products");
        vault.set_grant_status(&gone.grant_id, crate::grants::GrantStatus::Revoked).unwrap();
        assert!(vault.record_expiries(Timestamp::now()).unwrap().is_empty(), "nothing has ended yet");
        let later = Timestamp::now() + jiff::SignedDuration::from_hours(24 * 91);
        let made = vault.record_expiries(later).unwrap();
        assert_eq!(made.len(), 1, "the revoked grant gets no expiry");
        assert_eq!(
            (made[0].grant_id.as_str(), made[0].event),
            (shop.grant_id.as_str(), ReceiptEvent::Expired)
        );
        let grant = vault.grant(&shop.grant_id).unwrap();
        assert_eq!(made[0].issued_at, grant.expires_at, "dated at the grant's end");
        let jwk = vault.public_jwk().unwrap();
        let content: ConsentReceipt =
            serde_json::from_slice(&crate::signing::verify_jws(&made[0].jws, &jwk).unwrap()).unwrap();
        assert_eq!(content.event, ReceiptEvent::Expired);
        assert!(vault.record_expiries(later).unwrap().is_empty(), "once");
    }
}
