//! Interests: topics of the taxonomy or the owner's own words, each with a weight, a source, a
//! state and an optional expiry. Only an *active* interest is ever used to answer a brand; the
//! owner still sees every other one, with the reason it is not active.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::catalog::{ValueError, text};
use crate::taxonomy;

/// Identifies an interest within a vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InterestId(pub i64);

impl fmt::Display for InterestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the interest is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// A topic of the Topics taxonomy, by id.
    Topic { id: u16 },
    /// The owner's own words.
    Text { text: String },
}

impl Subject {
    /// A topic subject, if the taxonomy has that id.
    pub fn topic(id: u16) -> Result<Self, ValueError> {
        taxonomy::lookup(id).map(|_| Subject::Topic { id }).ok_or_else(|| ValueError {
            field: "interests",
            reason: format!("{id} is not a topic id of the Topics taxonomy"),
        })
    }

    /// A free-text subject, validated like any text field.
    pub fn text(input: &str) -> Result<Self, ValueError> {
        text(input.trim(), 80)
            .map(|text| Subject::Text { text })
            .map_err(|reason| ValueError { field: "interests", reason })
    }

    fn validate(&self) -> Result<(), ValueError> {
        match self {
            Subject::Topic { id } => Subject::topic(*id).map(drop),
            Subject::Text { text } => Subject::text(text).map(drop),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Topic { id } => match taxonomy::lookup(*id) {
                Some(t) => write!(f, "{} (topic {id})", t.path),
                None => write!(f, "topic {id}"),
            },
            Subject::Text { text } => write!(f, "\"{text}\""),
        }
    }
}

/// Where the interest came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The owner stated it.
    Stated,
    /// A brand's signal that the owner accepted.
    Signal { brand: String },
}

/// The state the owner set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum State {
    Active,
    /// Not used until the given day (it is active again from that day on).
    Snoozed {
        until: Date,
    },
    /// Switched off until the owner switches it on again.
    Off,
}

/// An interest as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interest {
    pub id: InterestId,
    pub subject: Subject,
    /// How much it matters, from 0 to 1.
    pub weight: f64,
    pub source: Source,
    pub state: State,
    /// From this day on the interest is no longer used.
    pub expires: Option<Date>,
    /// A one-off (a gift, a single purchase): kept for the owner, never used to follow them.
    pub one_off: bool,
    pub added: Date,
}

/// Whether an interest is in use today, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "date", rename_all = "snake_case")]
pub enum Status {
    Active,
    Snoozed(Date),
    Off,
    Expired(Date),
    OneOff,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Active => f.write_str("active"),
            Status::Snoozed(d) => write!(f, "snoozed until {d}"),
            Status::Off => f.write_str("off"),
            Status::Expired(d) => write!(f, "expired on {d}"),
            Status::OneOff => f.write_str("one-off"),
        }
    }
}

impl Interest {
    /// The status on a given day. A one-off or switched-off interest stays so whatever its dates.
    pub fn status(&self, today: Date) -> Status {
        if self.one_off {
            return Status::OneOff;
        }
        if self.state == State::Off {
            return Status::Off;
        }
        if let Some(expires) = self.expires.filter(|e| *e <= today) {
            return Status::Expired(expires);
        }
        match self.state {
            State::Snoozed { until } if until > today => Status::Snoozed(until),
            _ => Status::Active,
        }
    }

    pub fn is_active(&self, today: Date) -> bool {
        self.status(today) == Status::Active
    }

    /// Checks an interest read from outside (an import file) by the same rules as the commands.
    pub fn validate(&self) -> Result<(), ValueError> {
        self.subject.validate()?;
        check_weight(self.weight)?;
        if let Source::Signal { brand } = &self.source {
            text(brand, 200).map_err(|reason| ValueError { field: "interests", reason })?;
        }
        Ok(())
    }
}

/// A weight is a finite number from 0 to 1.
pub fn check_weight(weight: f64) -> Result<f64, ValueError> {
    if weight.is_finite() && (0.0..=1.0).contains(&weight) {
        Ok(weight)
    } else {
        Err(ValueError { field: "interests", reason: format!("weight {weight} is not between 0 and 1") })
    }
}

/// What the owner gives when adding an interest.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInterest {
    pub subject: Subject,
    pub weight: f64,
    pub source: Source,
    pub expires: Option<Date>,
    pub one_off: bool,
}

impl NewInterest {
    /// A stated interest with the default weight.
    pub fn stated(subject: Subject) -> Self {
        Self { subject, weight: 0.5, source: Source::Stated, expires: None, one_off: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn interest() -> Interest {
        Interest {
            id: InterestId(1),
            subject: Subject::topic(4).unwrap(),
            weight: 0.5,
            source: Source::Stated,
            state: State::Active,
            expires: None,
            one_off: false,
            added: date(2026, 1, 1),
        }
    }

    #[test]
    fn lifecycle_statuses() {
        let today = date(2026, 6, 1);
        let mut i = interest();
        assert_eq!(i.status(today), Status::Active);
        i.state = State::Snoozed { until: date(2026, 6, 10) };
        assert_eq!(i.status(today), Status::Snoozed(date(2026, 6, 10)));
        assert_eq!(i.status(date(2026, 6, 10)), Status::Active, "a snooze ends on its day");
        i.state = State::Active;
        i.expires = Some(date(2026, 6, 1));
        assert_eq!(i.status(today), Status::Expired(date(2026, 6, 1)));
        assert!(i.is_active(date(2026, 5, 31)));
        i.state = State::Off;
        assert_eq!(i.status(date(2026, 5, 31)), Status::Off);
        i.state = State::Active;
        i.one_off = true;
        assert_eq!(i.status(date(2026, 5, 31)), Status::OneOff);
    }

    #[test]
    fn subjects_are_validated() {
        assert!(Subject::topic(9999).is_err());
        assert!(Subject::text("").is_err());
        assert!(Subject::text(&"x".repeat(81)).is_err());
        assert_eq!(
            Subject::text("  trail running ").unwrap(),
            Subject::Text { text: "trail running".into() }
        );
        assert!(check_weight(f64::NAN).is_err());
        assert!(check_weight(1.5).is_err());
        assert!(check_weight(0.0).is_ok());
    }
}
