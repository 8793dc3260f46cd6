//! Offer preferences: which kinds of offers are welcome, through which channels, how often per
//! brand and overall, quiet hours in the owner's time zone, and which persuasion tactics the owner
//! refuses. Offers are judged against these in the brand API.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Time;
use serde::{Deserialize, Serialize};

use crate::catalog::ValueError;

pub use butler_protocol::{Channel, OfferKind, Tactic};

/// How many offers may arrive per day and per week (`None`: no cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    pub per_day: Option<u32>,
    pub per_week: Option<u32>,
}

/// A daily window in which no offer is delivered. It may wrap midnight (22:00-07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: Time,
    pub end: Time,
}

impl QuietHours {
    /// Whether a local time of day falls in the window.
    pub fn contains(&self, t: Time) -> bool {
        if self.start <= self.end { self.start <= t && t < self.end } else { t >= self.start || t < self.end }
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.strftime("%H:%M"), self.end.strftime("%H:%M"))
    }
}

/// The owner's offer preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferPreferences {
    pub kinds_wanted: BTreeSet<OfferKind>,
    pub kinds_unwanted: BTreeSet<OfferKind>,
    pub channels: BTreeSet<Channel>,
    pub per_brand: Caps,
    pub overall: Caps,
    pub quiet_hours: Option<QuietHours>,
    /// An IANA time zone name such as `Europe/Paris`.
    pub time_zone: String,
    pub unwelcome_tactics: BTreeSet<Tactic>,
}

impl Default for OfferPreferences {
    /// Calm defaults: offers only in Butler's inbox, at most one per brand a day and three a
    /// week, quiet from 21:00 to 08:00, and the most manipulative tactics refused.
    fn default() -> Self {
        Self {
            kinds_wanted: BTreeSet::new(),
            kinds_unwanted: BTreeSet::new(),
            channels: BTreeSet::from([Channel::ButlerInbox]),
            per_brand: Caps { per_day: Some(1), per_week: Some(3) },
            overall: Caps { per_day: Some(5), per_week: Some(15) },
            quiet_hours: Some(QuietHours {
                start: Time::constant(21, 0, 0, 0),
                end: Time::constant(8, 0, 0, 0),
            }),
            time_zone: jiff::tz::TimeZone::system()
                .iana_name()
                .filter(|name| jiff::tz::db().get(name).is_ok())
                .unwrap_or("UTC")
                .to_owned(),
            unwelcome_tactics: BTreeSet::from([
                Tactic::CountdownUrgency,
                Tactic::RecentlyViewed,
                Tactic::FamilyMentions,
            ]),
        }
    }
}

/// The keys `butler prefs set` understands, with what they take.
pub const SETTINGS: &[(&str, &str)] = &[
    ("kinds.wanted", "comma-separated offer kinds, or `none`"),
    ("kinds.unwanted", "comma-separated offer kinds, or `none`"),
    ("channels", "comma-separated channels (at least one)"),
    ("cap.brand.day", "offers per brand per day, or `none`"),
    ("cap.brand.week", "offers per brand per week, or `none`"),
    ("cap.day", "offers per day from all brands, or `none`"),
    ("cap.week", "offers per week from all brands, or `none`"),
    ("quiet-hours", "HH:MM-HH:MM, or `none`"),
    ("time-zone", "an IANA time zone such as Europe/Paris"),
    ("tactics.unwelcome", "comma-separated tactics, or `none`"),
];

fn list<T: FromStr<Err = String> + Ord>(value: &str) -> Result<BTreeSet<T>, String> {
    if value.trim() == "none" {
        return Ok(BTreeSet::new());
    }
    value.split(',').map(|s| s.trim().parse()).collect()
}

fn cap(value: &str) -> Result<Option<u32>, String> {
    match value.trim() {
        "none" => Ok(None),
        v => match v.parse::<u32>() {
            Ok(n) if n <= 1000 => Ok(Some(n)),
            _ => Err(format!("`{v}` is not a number from 0 to 1000, or `none`")),
        },
    }
}

fn quiet_hours(value: &str) -> Result<Option<QuietHours>, String> {
    if value.trim() == "none" {
        return Ok(None);
    }
    let bad = || format!("`{value}` is not a window like 21:30-07:00, or `none`");
    let (start, end) = value.trim().split_once('-').ok_or_else(bad)?;
    let parse = |s: &str| Time::strptime("%H:%M", s.trim()).map_err(|_| bad());
    let (start, end) = (parse(start)?, parse(end)?);
    if start == end {
        return Err("quiet hours must start and end at different times".into());
    }
    Ok(Some(QuietHours { start, end }))
}

impl OfferPreferences {
    /// Changes one setting, checking the whole record before anything is kept.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ValueError> {
        let mut next = self.clone();
        let result = match key {
            "kinds.wanted" => list(value).map(|v| next.kinds_wanted = v),
            "kinds.unwanted" => list(value).map(|v| next.kinds_unwanted = v),
            "channels" => list(value).map(|v| next.channels = v),
            "cap.brand.day" => cap(value).map(|v| next.per_brand.per_day = v),
            "cap.brand.week" => cap(value).map(|v| next.per_brand.per_week = v),
            "cap.day" => cap(value).map(|v| next.overall.per_day = v),
            "cap.week" => cap(value).map(|v| next.overall.per_week = v),
            "quiet-hours" => quiet_hours(value).map(|v| next.quiet_hours = v),
            "time-zone" => {
                value.trim().clone_into(&mut next.time_zone);
                Ok(())
            }
            "tactics.unwelcome" => list(value).map(|v| next.unwelcome_tactics = v),
            _ => {
                let keys: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
                Err(format!("`{key}` is not a setting; one of {}", keys.join(", ")))
            }
        };
        result.map_err(|reason| ValueError { field: "offer_preferences", reason })?;
        next.validate()?;
        *self = next;
        Ok(())
    }

    /// Rules that hold across settings.
    pub fn validate(&self) -> Result<(), ValueError> {
        let err = |reason: String| Err(ValueError { field: "offer_preferences", reason });
        if let Some(kind) = self.kinds_wanted.intersection(&self.kinds_unwanted).next() {
            return err(format!("`{kind}` cannot be both wanted and unwanted"));
        }
        if self.channels.is_empty() {
            return err("at least one channel is needed (butler-inbox is the quietest)".into());
        }
        if jiff::tz::db().get(&self.time_zone).is_err() {
            return err(format!("`{}` is not an IANA time zone such as Europe/Paris", self.time_zone));
        }
        for (what, brand, all) in [
            ("day", self.per_brand.per_day, self.overall.per_day),
            ("week", self.per_brand.per_week, self.overall.per_week),
        ] {
            if let (Some(b), Some(a)) = (brand, all)
                && b > a
            {
                return err(format!("the per-brand cap per {what} ({b}) exceeds the overall cap ({a})"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_calm() {
        let p = OfferPreferences::default();
        p.validate().unwrap();
        assert_eq!(p.channels, BTreeSet::from([Channel::ButlerInbox]));
        assert!(p.unwelcome_tactics.contains(&Tactic::CountdownUrgency));
    }

    #[test]
    fn settings_change_one_thing_or_nothing() {
        let mut p = OfferPreferences::default();
        p.set("kinds.wanted", "discount, new-product").unwrap();
        p.set("quiet-hours", "22:30-07:00").unwrap();
        p.set("time-zone", "Europe/Paris").unwrap();
        p.set("cap.brand.week", "none").unwrap();
        assert_eq!(p.quiet_hours.unwrap().to_string(), "22:30-07:00");
        let before = p.clone();
        assert!(p.set("kinds.unwanted", "discount").unwrap_err().reason.contains("both"));
        assert!(p.set("channels", "none").is_err());
        assert!(p.set("channels", "pigeon").unwrap_err().reason.contains("not one of"));
        assert!(p.set("time-zone", "Mars/Olympus").is_err());
        assert!(p.set("quiet-hours", "25:00-07:00").is_err());
        assert!(p.set("cap.brand.day", "9").unwrap_err().reason.contains("exceeds"));
        assert!(p.set("colour", "blue").unwrap_err().reason.contains("not a setting"));
        assert_eq!(p, before);
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let q = quiet_hours("22:00-07:00").unwrap().unwrap();
        assert!(q.contains(Time::constant(23, 0, 0, 0)));
        assert!(q.contains(Time::constant(6, 59, 0, 0)));
        assert!(!q.contains(Time::constant(7, 0, 0, 0)));
        assert!(!q.contains(Time::constant(12, 0, 0, 0)));
        let day = quiet_hours("12:00-14:00").unwrap().unwrap();
        assert!(day.contains(Time::constant(13, 0, 0, 0)));
        assert!(!day.contains(Time::constant(15, 0, 0, 0)));
    }
}
