//! The owner's profile as stored in the vault: simple fields, offer preferences and interests.
//!
//! A field's row is found by a blind index (a keyed hash of the field's name), so the file does
//! not even show which fields are set. Each value is sealed for its place; reading a value that
//! was altered, or moved from another row, fails with an error naming the field.
//!
//! The rows as a whole are vouched for by a manifest: a keyed hash over every row of
//! `profile_field` and `interest`, updated in the same transaction as each change. Reading the
//! whole profile checks it, so a row deleted, added or rolled back in the file is reported too.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::catalog::{DecisionStyle, Field, FieldValue, ValueError};
use crate::crypto::{CryptoError, Place, Slot, VaultKeys};
use crate::error::{Error, Result};
use crate::interests::{Interest, InterestId, NewInterest, State, check_weight};
use crate::prefs::OfferPreferences;
use crate::vault::Vault;

const FIELD_TABLE: &str = "profile_field";
const INTEREST_TABLE: &str = "interest";

/// How a field's value is kept inside its sealed record.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stored {
    Date(Date),
    Text(String),
    Count(u8),
    Ages(Vec<u8>),
    Style(DecisionStyle),
    OfferPreferences(OfferPreferences),
}

/// The sealed record of a field row: its name travels with the value, so a row is self-describing
/// once opened.
#[derive(Debug, Serialize, Deserialize)]
struct FieldRecord {
    field: String,
    value: Stored,
}

impl From<&FieldValue> for Stored {
    fn from(v: &FieldValue) -> Self {
        match v {
            FieldValue::Date(d) => Stored::Date(*d),
            FieldValue::Text(s) => Stored::Text(s.clone()),
            FieldValue::Count(n) => Stored::Count(*n),
            FieldValue::Ages(a) => Stored::Ages(a.clone()),
            FieldValue::Style(s) => Stored::Style(*s),
        }
    }
}

/// The whole profile as read from the vault.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub fields: BTreeMap<Field, FieldValue>,
    pub offer_preferences: Option<OfferPreferences>,
    pub interests: Vec<Interest>,
}

impl Profile {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.offer_preferences.is_none() && self.interests.is_empty()
    }
}

fn field_place(slot: &Slot) -> Place {
    Place::new(FIELD_TABLE, hex::encode(slot), "value")
}

fn interest_place(id: InterestId) -> Place {
    Place::new(INTEREST_TABLE, id.0.to_string(), "record")
}

fn tampered_field(field: Field) -> Error {
    Error::Crypto(CryptoError::Tampered(Place::new(FIELD_TABLE, field.name(), "value")))
}

impl Vault {
    fn field_slot(&self, field: Field) -> Slot {
        self.keys.slot("field", field.name())
    }

    fn write_field(&self, field: Field, value: Stored) -> Result<()> {
        self.write(|tx| self.put_field(tx, field, value))
    }

    /// Seals and stores a field's record, within the caller's transaction.
    fn put_field(&self, tx: &Connection, field: Field, value: Stored) -> Result<()> {
        let slot = self.field_slot(field);
        let record = FieldRecord { field: field.name().into(), value };
        let sealed = self.json_seal(&field_place(&slot), &record)?;
        tx.execute(
            "INSERT INTO profile_field (slot, value) VALUES (?1, ?2)
             ON CONFLICT (slot) DO UPDATE SET value = excluded.value",
            params![slot.as_slice(), sealed],
        )?;
        Ok(())
    }

    fn read_field(&self, field: Field) -> Result<Option<Stored>> {
        let slot = self.field_slot(field);
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT value FROM profile_field WHERE slot = ?1")?
            .query_row([slot.as_slice()], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else { return Ok(None) };
        let record: FieldRecord = match self.json_open(&field_place(&slot), &sealed) {
            Err(Error::Crypto(_)) => return Err(tampered_field(field)),
            other => other?,
        };
        if record.field != field.name() {
            return Err(tampered_field(field));
        }
        Ok(Some(record.value))
    }

    /// Sets a simple field to a validated value.
    pub fn set_field(&self, field: Field, value: &FieldValue) -> Result<()> {
        if !field.is_simple() {
            return Err(field.parse("").unwrap_err().into());
        }
        // Values are only built by `Field::parse`; make sure this one belongs to this field.
        field.from_json(&value.to_json())?;
        self.write_field(field, value.into())
    }

    /// Removes a field's value. Returns whether there was one.
    pub fn unset_field(&self, field: Field) -> Result<bool> {
        let slot = self.field_slot(field);
        self.write(|tx| Ok(tx.execute("DELETE FROM profile_field WHERE slot = ?1", [slot.as_slice()])? > 0))
    }

    /// The value of a simple field, if set.
    pub fn field(&self, field: Field) -> Result<Option<FieldValue>> {
        self.checked(|| self.field_unchecked(field))
    }

    pub(crate) fn field_unchecked(&self, field: Field) -> Result<Option<FieldValue>> {
        Ok(match self.read_field(field)? {
            None => None,
            Some(Stored::Date(d)) => Some(FieldValue::Date(d)),
            Some(Stored::Text(s)) => Some(FieldValue::Text(s)),
            Some(Stored::Count(n)) => Some(FieldValue::Count(n)),
            Some(Stored::Ages(a)) => Some(FieldValue::Ages(a)),
            Some(Stored::Style(s)) => Some(FieldValue::Style(s)),
            Some(Stored::OfferPreferences(_)) => return Err(tampered_field(field)),
        })
    }

    /// The offer preferences, or the defaults if the owner never set any.
    pub fn offer_preferences(&self) -> Result<OfferPreferences> {
        self.checked(|| Ok(self.stored_offer_preferences()?.unwrap_or_default()))
    }

    /// Changes the offer preferences in one transaction (read, change, check, write), so two
    /// owners' tools changing them at once cannot lose either change.
    pub fn update_offer_preferences(
        &self,
        change: impl FnOnce(&mut OfferPreferences) -> Result<(), ValueError>,
    ) -> Result<OfferPreferences> {
        self.write(|tx| {
            let mut prefs = self.stored_offer_preferences()?.unwrap_or_default();
            change(&mut prefs)?;
            prefs.validate()?;
            self.put_field(tx, Field::OfferPreferences, Stored::OfferPreferences(prefs.clone()))?;
            Ok(prefs)
        })
    }

    pub(crate) fn stored_offer_preferences(&self) -> Result<Option<OfferPreferences>> {
        match self.read_field(Field::OfferPreferences)? {
            None => Ok(None),
            Some(Stored::OfferPreferences(p)) => Ok(Some(p)),
            Some(_) => Err(tampered_field(Field::OfferPreferences)),
        }
    }

    pub fn set_offer_preferences(&self, prefs: &OfferPreferences) -> Result<()> {
        prefs.validate()?;
        self.write_field(Field::OfferPreferences, Stored::OfferPreferences(prefs.clone()))
    }

    /// The whole profile. Every row is opened, so a tampered row anywhere is reported.
    pub fn profile(&self) -> Result<Profile> {
        // Values are opened first, so an altered value is reported by name; the manifest then
        // catches rows deleted, added or rolled back, on the same snapshot.
        self.checked(|| self.profile_unchecked())
    }

    fn profile_unchecked(&self) -> Result<Profile> {
        let mut fields = BTreeMap::new();
        let rows: i64 = self.conn.query_row("SELECT count(*) FROM profile_field", [], |r| r.get(0))?;
        let mut seen = 0;
        for field in Field::ALL.into_iter().filter(|f| f.is_simple()) {
            if let Some(v) = self.field_unchecked(field)? {
                fields.insert(field, v);
                seen += 1;
            }
        }
        let offer_preferences = self.stored_offer_preferences()?;
        seen += i64::from(offer_preferences.is_some());
        if seen != rows {
            return Err(Error::Damaged(format!(
                "{} profile row(s) belong to no field of the catalog",
                rows - seen
            )));
        }
        Ok(Profile { fields, offer_preferences, interests: self.read_interests()? })
    }

    /// Every interest, in the order they were added.
    pub fn interests(&self) -> Result<Vec<Interest>> {
        self.checked(|| self.read_interests())
    }

    pub(crate) fn read_interests(&self) -> Result<Vec<Interest>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, record FROM interest ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((InterestId(r.get(0)?), r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed) = row?;
            out.push(self.open_interest(id, &sealed)?);
        }
        Ok(out)
    }

    fn open_interest(&self, id: InterestId, sealed: &[u8]) -> Result<Interest> {
        let place = interest_place(id);
        let interest: Interest = self.json_open(&place, sealed)?;
        if interest.id != id {
            return Err(CryptoError::Tampered(place).into());
        }
        Ok(interest)
    }

    /// One interest by id.
    pub fn interest(&self, id: InterestId) -> Result<Interest> {
        self.checked(|| self.interest_unchecked(id))
    }

    fn interest_unchecked(&self, id: InterestId) -> Result<Interest> {
        let sealed: Vec<u8> = self
            .conn
            .query_row("SELECT record FROM interest WHERE id = ?1", [id.0], |r| r.get(0))
            .optional()?
            .ok_or(Error::NoSuchInterest(id))?;
        self.open_interest(id, &sealed)
    }

    /// Adds an interest. The id is the row's, and the record is sealed for that row.
    pub fn add_interest(&self, new: NewInterest, today: Date) -> Result<Interest> {
        let weight = check_weight(new.weight)?;
        let mut interest = Interest {
            id: InterestId(0),
            subject: new.subject,
            weight,
            source: new.source,
            state: State::Active,
            expires: new.expires,
            one_off: new.one_off,
            added: today,
        };
        interest.validate()?;
        self.write(|tx| {
            interest.id = self.insert_interest(tx, &interest)?;
            Ok(())
        })?;
        Ok(interest)
    }

    /// Inserts a new interest row and seals the record for it; returns the row's id.
    fn insert_interest(&self, tx: &Connection, interest: &Interest) -> Result<InterestId> {
        tx.execute("INSERT INTO interest (record) VALUES (x'')", [])?;
        let mut stored = interest.clone();
        stored.id = InterestId(tx.last_insert_rowid());
        let sealed = self.json_seal(&interest_place(stored.id), &stored)?;
        tx.execute("UPDATE interest SET record = ?2 WHERE id = ?1", params![stored.id.0, sealed])?;
        Ok(stored.id)
    }

    /// Changes an interest; the change is checked before it is kept.
    pub fn update_interest(
        &self,
        id: InterestId,
        change: impl FnOnce(&mut Interest) -> Result<(), ValueError>,
    ) -> Result<Interest> {
        // Read, change and write in one transaction, so concurrent changes cannot lose each other.
        self.write(|tx| {
            let mut interest = self.interest_unchecked(id)?;
            change(&mut interest)?;
            interest.validate()?;
            let sealed = self.json_seal(&interest_place(id), &interest)?;
            if tx.execute("UPDATE interest SET record = ?2 WHERE id = ?1", params![id.0, sealed])? == 0 {
                return Err(Error::NoSuchInterest(id));
            }
            Ok(interest)
        })
    }

    pub fn remove_interest(&self, id: InterestId) -> Result<()> {
        self.write(|tx| {
            if tx.execute("DELETE FROM interest WHERE id = ?1", [id.0])? == 0 {
                return Err(Error::NoSuchInterest(id));
            }
            Ok(())
        })
    }

    /// Replaces the profile with `profile` in one transaction: all of it or none of it. Without
    /// `replace`, a vault that holds any profile data is left alone.
    pub(crate) fn replace_profile(&self, profile: &Profile, replace: bool) -> Result<()> {
        // Seal everything first, then write, so that a failure cannot leave half a profile.
        let mut field_rows = Vec::new();
        for (field, value) in &profile.fields {
            field.from_json(&value.to_json())?;
            field_rows.push((*field, Stored::from(value)));
        }
        if let Some(prefs) = &profile.offer_preferences {
            prefs.validate()?;
            field_rows.push((Field::OfferPreferences, Stored::OfferPreferences(prefs.clone())));
        }
        let mut sealed_fields = Vec::new();
        for (field, value) in field_rows {
            let slot = self.field_slot(field);
            let record = FieldRecord { field: field.name().into(), value };
            sealed_fields.push((slot, self.json_seal(&field_place(&slot), &record)?));
        }
        for interest in &profile.interests {
            interest.validate()?;
        }

        self.write(|tx| {
            let held: i64 = tx.query_row(
                "SELECT (SELECT count(*) FROM profile_field) + (SELECT count(*) FROM interest)",
                [],
                |r| r.get(0),
            )?;
            if held > 0 && !replace {
                return Err(Error::ProfileNotEmpty);
            }
            tx.execute("DELETE FROM profile_field", [])?;
            tx.execute("DELETE FROM interest", [])?;
            for (slot, sealed) in &sealed_fields {
                tx.execute(
                    "INSERT INTO profile_field (slot, value) VALUES (?1, ?2)",
                    params![slot.as_slice(), sealed],
                )?;
            }
            for interest in &profile.interests {
                self.insert_interest(tx, interest)?;
            }
            Ok(())
        })
    }

    /// Runs `change` in one immediate transaction and re-signs the manifest before committing,
    /// so the rows and their manifest always change together.
    pub(crate) fn write<T>(&self, change: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        // Never re-sign rows that were tampered with: that would launder them into valid ones.
        self.check_manifest()?;
        let out = change(&tx)?;
        self.keys.write_manifest(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs a read on one snapshot and checks the manifest on the same snapshot. Inside a
    /// transaction already (a write, or a larger read), it joins that one.
    pub(crate) fn checked<T>(&self, read: impl FnOnce() -> Result<T>) -> Result<T> {
        let _snapshot = if self.conn.is_autocommit() {
            Some(Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)?)
        } else {
            None
        };
        let out = read()?;
        self.check_manifest()?;
        Ok(out)
    }

    /// Checks that the profile's rows are exactly the ones the manifest vouches for. Callers
    /// hold a read transaction, so the check sees the same rows they read.
    fn check_manifest(&self) -> Result<()> {
        let tag: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT tag FROM profile_manifest WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let rows = manifest_rows(&self.conn)?;
        match tag {
            Some(tag) if self.keys.manifest_matches(&rows, &tag) => Ok(()),
            Some(_) => Err(Error::Damaged(
                "the profile's rows do not match its manifest: a row was deleted, added or rolled back"
                    .into(),
            )),
            None => Err(Error::Damaged("the profile's manifest is missing".into())),
        }
    }
}

impl VaultKeys {
    /// Signs the profile's current rows as its manifest, within the caller's transaction.
    pub(crate) fn write_manifest(&self, conn: &Connection) -> Result<()> {
        let tag = self.manifest_tag(&manifest_rows(conn)?);
        conn.execute(
            "INSERT INTO profile_manifest (id, tag) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET tag = excluded.tag",
            [tag],
        )?;
        Ok(())
    }
}

/// Every row of the profile's tables, in key order, length-prefixed: what the manifest signs.
fn manifest_rows(conn: &Connection) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut push = |part: &[u8]| {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part);
    };
    for (table, sql) in [
        (FIELD_TABLE, "SELECT slot, value FROM profile_field ORDER BY slot"),
        (INTEREST_TABLE, "SELECT CAST(id AS BLOB), record FROM interest ORDER BY id"),
    ] {
        push(table.as_bytes());
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            push(&row.get::<_, Vec<u8>>(0)?);
            push(&row.get::<_, Vec<u8>>(1)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KdfParams;
    use crate::interests::Subject;
    use jiff::civil::date;
    use secrecy::SecretString;

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("v"), &SecretString::from("passphrase!"), KdfParams::FLOOR)
            .unwrap();
        (dir, v)
    }

    #[test]
    fn fields_round_trip_and_unset() {
        let (_d, v) = vault();
        let bd = Field::BirthDate.parse("1984-03-09").unwrap();
        v.set_field(Field::BirthDate, &bd).unwrap();
        assert_eq!(v.field(Field::BirthDate).unwrap(), Some(bd));
        assert!(v.unset_field(Field::BirthDate).unwrap());
        assert!(!v.unset_field(Field::BirthDate).unwrap());
        assert_eq!(v.field(Field::BirthDate).unwrap(), None);
    }

    #[test]
    fn a_value_of_another_field_is_refused() {
        let (_d, v) = vault();
        let style = Field::ShoppingDecisionStyle.parse("quick").unwrap();
        assert!(v.set_field(Field::BirthDate, &style).is_err());
        assert!(v.set_field(Field::Interests, &style).is_err());
        assert!(v.profile().unwrap().is_empty());
    }

    #[test]
    fn swapped_field_rows_are_detected() {
        let (_d, v) = vault();
        v.set_field(Field::HomeCity, &Field::HomeCity.parse("Lyon").unwrap()).unwrap();
        v.set_field(Field::Gender, &Field::Gender.parse("woman").unwrap()).unwrap();
        // Copy the city's ciphertext over the gender's row.
        let city = v.field_slot(Field::HomeCity);
        let gender = v.field_slot(Field::Gender);
        v.conn
            .execute(
                "UPDATE profile_field SET value = (SELECT value FROM profile_field WHERE slot = ?1) WHERE slot = ?2",
                params![city.as_slice(), gender.as_slice()],
            )
            .unwrap();
        let err = v.field(Field::Gender).unwrap_err();
        assert_eq!(err.code(), "tampered");
        assert!(err.to_string().contains("gender"), "{err}");
        // The untouched field opens, but the rows as a whole no longer match their manifest.
        assert_eq!(v.field(Field::HomeCity).unwrap_err().code(), "damaged");
    }

    #[test]
    fn interests_lifecycle_and_prefs() {
        let (_d, v) = vault();
        let today = date(2026, 5, 1);
        let a = v.add_interest(NewInterest::stated(Subject::topic(4).unwrap()), today).unwrap();
        let b = v.add_interest(NewInterest::stated(Subject::text("tricycles").unwrap()), today).unwrap();
        v.update_interest(b.id, |i| {
            i.one_off = true;
            Ok(())
        })
        .unwrap();
        let active: Vec<_> = v.interests().unwrap().into_iter().filter(|i| i.is_active(today)).collect();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].id, a.id);
        assert!(
            v.update_interest(a.id, |i| {
                i.weight = 2.0;
                Ok(())
            })
            .is_err()
        );
        assert_eq!(v.interest(a.id).unwrap(), a, "a refused change keeps nothing");
        v.remove_interest(a.id).unwrap();
        assert!(matches!(v.remove_interest(a.id), Err(Error::NoSuchInterest(_))));

        let mut p = v.offer_preferences().unwrap();
        p.set("channels", "email,butler-inbox").unwrap();
        v.set_offer_preferences(&p).unwrap();
        assert_eq!(v.offer_preferences().unwrap(), p);
        assert_eq!(v.profile().unwrap().offer_preferences, Some(p));
    }
}
