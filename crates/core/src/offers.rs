//! Offers and signals: what brands send the owner.
//!
//! An offer is judged by the owner's offer preferences (kind, channel, tactics, frequency caps,
//! quiet hours in the owner's time zone) and is delivered to the inbox, deferred, or declined;
//! the brand learns only which. A signal (a purchase, say) becomes a suggestion the owner accepts,
//! rejects or marks as a one-off: nothing changes the profile silently.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::catalog::text;
use crate::crypto::Place;
use crate::error::{Error, Result};
use crate::interests::{Interest, NewInterest, Source, Subject};
use crate::prefs::OfferPreferences;
use crate::vault::Vault;

/// An offer as a brand submits it (the brand API's body).
pub use butler_protocol::OfferRequest as Offer;

/// Checks what a schema cannot say about an offer: a readable title, a bounded body, an https URL.
pub fn validate_offer(offer: &Offer) -> Result<(), String> {
    text(offer.title.trim(), 120).map_err(|e| format!("title {e}"))?;
    if offer.body.as_ref().is_some_and(|b| b.chars().count() > 2000) {
        return Err("body is longer than 2000 characters".into());
    }
    if offer
        .url
        .as_ref()
        .is_some_and(|u| !u.starts_with("https://") || u.len() > 500 || u.chars().any(char::is_whitespace))
    {
        return Err("url must be an https URL".into());
    }
    Ok(())
}

pub use butler_protocol::Decision;

/// An offer in the owner's inbox (delivered, or deferred until `not_before`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxOffer {
    pub id: i64,
    pub client_id: String,
    pub brand: String,
    pub received_at: Timestamp,
    pub decision: Decision,
    /// For a deferred offer, when it may be shown.
    pub not_before: Option<Timestamp>,
    /// Why Butler decided so (for the owner only).
    pub reason: String,
    pub offer: Offer,
}

/// Decides an offer against the preferences, given how many offers were already delivered.
/// Returns the decision, the owner-facing reason, and for a deferral the earliest time to show.
pub fn decide(
    prefs: &OfferPreferences,
    offer: &Offer,
    delivered: &DeliveredCounts,
    now: Timestamp,
) -> (Decision, String, Option<Timestamp>) {
    if prefs.kinds_unwanted.contains(&offer.kind) {
        return (Decision::Declined, format!("{} offers are unwanted", offer.kind), None);
    }
    if !prefs.kinds_wanted.is_empty() && !prefs.kinds_wanted.contains(&offer.kind) {
        return (Decision::Declined, format!("{} is not among the wanted kinds", offer.kind), None);
    }
    if !prefs.channels.contains(&offer.channel) {
        return (Decision::Declined, format!("the {} channel is not allowed", offer.channel), None);
    }
    if let Some(t) = offer.tactics.iter().find(|t| prefs.unwelcome_tactics.contains(t)) {
        return (Decision::Declined, format!("it uses an unwelcome tactic ({t})"), None);
    }
    let day = SignedDuration::from_hours(24);
    let caps = [
        (prefs.per_brand.per_day, delivered.brand_day, "this brand's daily cap", day),
        (prefs.per_brand.per_week, delivered.brand_week, "this brand's weekly cap", day * 7),
        (prefs.overall.per_day, delivered.all_day, "the daily cap", day),
        (prefs.overall.per_week, delivered.all_week, "the weekly cap", day * 7),
    ];
    for (cap, count, what, window) in caps {
        if cap.is_some_and(|c| count >= c) {
            return (Decision::Deferred, format!("{what} is reached"), Some(now + window));
        }
    }
    let tz = jiff::tz::TimeZone::get(&prefs.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let local = now.to_zoned(tz.clone());
    if let Some(quiet) = prefs.quiet_hours
        && quiet.contains(local.time())
    {
        let mut end = local.date().to_datetime(quiet.end);
        if end <= local.datetime() {
            end += SignedDuration::from_hours(24);
        }
        let not_before = end.to_zoned(tz).map_or(now + SignedDuration::from_hours(12), |z| z.timestamp());
        return (Decision::Deferred, format!("quiet hours ({quiet})"), Some(not_before));
    }
    (Decision::Delivered, "within your preferences".into(), None)
}

/// Offers already delivered, for the caps: this brand and all brands, over a day and a week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveredCounts {
    pub brand_day: u32,
    pub brand_week: u32,
    pub all_day: u32,
    pub all_week: u32,
}

/// A brand's signal as it arrives (the brand API's body).
pub use butler_protocol::SignalRequest as Signal;

/// What the owner has decided about a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatus {
    Pending,
    Accepted,
    Rejected,
    OneOff,
}

/// A suggestion made from a brand's signal, waiting for the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub id: i64,
    pub client_id: String,
    pub brand: String,
    pub received_at: Timestamp,
    pub event: String,
    pub subject: Subject,
    pub one_off_hint: bool,
    pub status: SuggestionStatus,
}

const EVENTS: [&str; 4] = ["purchase", "view", "wishlist", "interest"];

/// Checks a signal and returns what it is about.
pub fn signal_subject(signal: &Signal) -> Result<Subject, String> {
    if !EVENTS.contains(&signal.event.as_str()) {
        return Err(format!("event must be one of {}", EVENTS.join(", ")));
    }
    match (signal.topic, &signal.text) {
        (Some(id), None) => Subject::topic(id).map_err(|e| e.reason),
        (None, Some(t)) => Subject::text(t).map_err(|e| e.reason),
        _ => Err("give exactly one of topic or text".into()),
    }
}

fn offer_place(id: i64) -> Place {
    Place::new("offer", id.to_string(), "record")
}

fn suggestion_place(id: i64) -> Place {
    Place::new("suggestion", id.to_string(), "record")
}

impl Vault {
    fn delivered_counts(&self, client_id: &str, now: Timestamp) -> Result<DeliveredCounts> {
        let day = (now - SignedDuration::from_hours(24)).as_second();
        let week = (now - SignedDuration::from_hours(24 * 7)).as_second();
        let count = |brand: Option<&str>, since: i64| -> Result<u32> {
            let n: i64 = self.conn.query_row(
                "SELECT count(*) FROM offer WHERE status = 'delivered' AND received_at > ?1 AND (?2 IS NULL OR client_id = ?2)",
                params![since, brand],
                |r| r.get(0),
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        };
        Ok(DeliveredCounts {
            brand_day: count(Some(client_id), day)?,
            brand_week: count(Some(client_id), week)?,
            all_day: count(None, day)?,
            all_week: count(None, week)?,
        })
    }

    /// Decides an offer and keeps it (delivered or deferred) in the inbox; a declined offer is
    /// kept too, so the owner can see what was turned away.
    pub fn receive_offer(
        &self,
        client_id: &str,
        brand: &str,
        offer: Offer,
        now: Timestamp,
    ) -> Result<(Decision, i64)> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let prefs = self.offer_preferences()?;
        let counts = self.delivered_counts(client_id, now)?;
        let (decision, reason, not_before) = decide(&prefs, &offer, &counts, now);
        let status = serde_json::to_value(decision).expect("decisions serialize");
        tx.execute(
            "INSERT INTO offer (client_id, received_at, status, record) VALUES (?1, ?2, ?3, x'')",
            params![client_id, now.as_second(), status.as_str()],
        )?;
        let id = tx.last_insert_rowid();
        let item = InboxOffer {
            id,
            client_id: client_id.to_owned(),
            brand: brand.to_owned(),
            received_at: now,
            decision,
            not_before,
            reason,
            offer,
        };
        let sealed = self.json_seal(&offer_place(id), &item)?;
        tx.execute("UPDATE offer SET record = ?2 WHERE id = ?1", params![id, sealed])?;
        tx.commit()?;
        Ok((decision, id))
    }

    /// Takes back an offer kept by [`Vault::receive_offer`] whose access-log entry could not be
    /// written: nothing a brand sends stays in the vault without its entry.
    pub fn withdraw_offer(&self, id: i64) -> Result<()> {
        self.conn.execute("DELETE FROM offer WHERE id = ?1", [id])?;
        Ok(())
    }

    /// The inbox, newest first: every offer with Butler's decision and reason.
    pub fn inbox(&self, limit: usize) -> Result<Vec<InboxOffer>> {
        let mut out = Vec::new();
        for (id, sealed) in self.newest_sealed("offer", "id", limit)? {
            let item: InboxOffer = self.json_open(&offer_place(id), &sealed)?;
            if item.id != id {
                return Err(crate::crypto::CryptoError::Tampered(offer_place(id)).into());
            }
            out.push(item);
        }
        Ok(out)
    }

    /// Keeps a brand's signal as a suggestion for the owner.
    pub fn receive_signal(
        &self,
        client_id: &str,
        brand: &str,
        signal: &Signal,
        now: Timestamp,
    ) -> Result<i64> {
        let subject = signal_subject(signal)
            .map_err(|reason| crate::catalog::ValueError { field: "signal", reason })?;
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("INSERT INTO suggestion (record) VALUES (x'')", [])?;
        let id = tx.last_insert_rowid();
        let suggestion = Suggestion {
            id,
            client_id: client_id.to_owned(),
            brand: brand.to_owned(),
            received_at: now,
            event: signal.event.clone(),
            subject,
            one_off_hint: signal.one_off,
            status: SuggestionStatus::Pending,
        };
        self.save_suggestion(&suggestion)?;
        tx.commit()?;
        Ok(id)
    }

    /// Takes back a suggestion kept by [`Vault::receive_signal`] whose access-log entry could
    /// not be written.
    pub fn withdraw_suggestion(&self, id: i64) -> Result<()> {
        self.conn.execute("DELETE FROM suggestion WHERE id = ?1", [id])?;
        Ok(())
    }

    fn save_suggestion(&self, s: &Suggestion) -> Result<()> {
        let sealed = self.json_seal(&suggestion_place(s.id), s)?;
        self.conn.execute("UPDATE suggestion SET record = ?2 WHERE id = ?1", params![s.id, sealed])?;
        Ok(())
    }

    fn suggestion(&self, id: i64) -> Result<Suggestion> {
        let sealed: Vec<u8> = self
            .conn
            .query_row("SELECT record FROM suggestion WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or(Error::NoSuchSuggestion(id))?;
        let s: Suggestion = self.json_open(&suggestion_place(id), &sealed)?;
        if s.id != id {
            return Err(crate::crypto::CryptoError::Tampered(suggestion_place(id)).into());
        }
        Ok(s)
    }

    /// Every suggestion, newest first.
    pub fn suggestions(&self) -> Result<Vec<Suggestion>> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM suggestion ORDER BY id DESC")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter().map(|id| self.suggestion(id)).collect()
    }

    /// The owner's decision on a suggestion. Accepting adds an interest sourced from the brand's
    /// signal; marking it a one-off keeps it, as a one-off, out of the active interests;
    /// rejecting adds nothing.
    pub fn decide_suggestion(
        &self,
        id: i64,
        status: SuggestionStatus,
        weight: f64,
        today: jiff::civil::Date,
    ) -> Result<Option<Interest>> {
        let mut s = self.suggestion(id)?;
        if s.status != SuggestionStatus::Pending {
            return Err(Error::SuggestionDecided(id));
        }
        let added = match status {
            SuggestionStatus::Accepted | SuggestionStatus::OneOff => {
                let new = NewInterest {
                    subject: s.subject.clone(),
                    weight,
                    source: Source::Signal { brand: s.brand.clone() },
                    expires: None,
                    one_off: status == SuggestionStatus::OneOff,
                };
                Some(self.add_interest(new, today)?)
            }
            SuggestionStatus::Rejected => None,
            SuggestionStatus::Pending => return Ok(None),
        };
        s.status = status;
        self.save_suggestion(&s)?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefs::QuietHours;
    use crate::prefs::{Channel, OfferKind, Tactic};
    use jiff::civil::Time;

    fn offer(kind: OfferKind, channel: Channel, tactics: Vec<Tactic>) -> Offer {
        Offer {
            purpose: "contact".into(),
            kind,
            channel,
            tactics,
            title: "Spring sale".into(),
            body: None,
            url: None,
        }
    }

    fn prefs() -> OfferPreferences {
        OfferPreferences {
            time_zone: "Europe/Paris".into(),
            quiet_hours: Some(QuietHours {
                start: Time::constant(21, 0, 0, 0),
                end: Time::constant(8, 0, 0, 0),
            }),
            ..OfferPreferences::default()
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn declines_by_kind_channel_and_tactic() {
        let mut p = prefs();
        p.kinds_unwanted.insert(OfferKind::Newsletter);
        let noon = at("2026-06-01T10:00:00Z"); // 12:00 in Paris
        let none = DeliveredCounts::default();
        assert_eq!(
            decide(&p, &offer(OfferKind::Discount, Channel::ButlerInbox, vec![]), &none, noon).0,
            Decision::Delivered
        );
        assert_eq!(
            decide(&p, &offer(OfferKind::Newsletter, Channel::ButlerInbox, vec![]), &none, noon).0,
            Decision::Declined
        );
        assert_eq!(
            decide(&p, &offer(OfferKind::Discount, Channel::Sms, vec![]), &none, noon).0,
            Decision::Declined
        );
        let urgent = offer(OfferKind::Discount, Channel::ButlerInbox, vec![Tactic::CountdownUrgency]);
        assert_eq!(decide(&p, &urgent, &none, noon).0, Decision::Declined);
    }

    #[test]
    fn quiet_hours_are_in_the_owners_time_zone() {
        let p = prefs();
        let o = offer(OfferKind::Discount, Channel::ButlerInbox, vec![]);
        let none = DeliveredCounts::default();
        // 20:30 UTC is 22:30 in Paris in summer: quiet, until 08:00 Paris (06:00 UTC).
        let (d, _, not_before) = decide(&p, &o, &none, at("2026-06-01T20:30:00Z"));
        assert_eq!(d, Decision::Deferred);
        assert_eq!(not_before, Some(at("2026-06-02T06:00:00Z")));
        // 05:30 UTC is 07:30 in Paris: still quiet, until 06:00 UTC the same day.
        assert_eq!(decide(&p, &o, &none, at("2026-06-02T05:30:00Z")).2, Some(at("2026-06-02T06:00:00Z")));
        assert_eq!(decide(&p, &o, &none, at("2026-06-02T06:30:00Z")).0, Decision::Delivered);
    }

    #[test]
    fn caps_defer() {
        let p = prefs();
        let o = offer(OfferKind::Discount, Channel::ButlerInbox, vec![]);
        let noon = at("2026-06-01T10:00:00Z");
        let brand_full = DeliveredCounts { brand_day: 1, brand_week: 1, all_day: 1, all_week: 1 };
        let (d, reason, _) = decide(&p, &o, &brand_full, noon);
        assert_eq!(d, Decision::Deferred);
        assert!(reason.contains("daily cap"), "{reason}");
        let week_full = DeliveredCounts { brand_day: 0, brand_week: 3, all_day: 0, all_week: 3 };
        assert!(decide(&p, &o, &week_full, noon).1.contains("weekly"));
    }
}
