//! Deciding what a grant discloses: each asked field in its granted mode, or withheld with the
//! reason. Coarse values are computed here (an age band instead of a birth date, top-level topics
//! instead of interests); answer-mode fields are never read raw.

use jiff::civil::Date;
use serde_json::{Value as Json, json};

use crate::catalog::{Field, FieldValue, Mode, Sensitivity};
use crate::error::Result;
use crate::grants::Grant;
use crate::interests::{Interest, Subject};
use crate::log::{DisclosedField, Outcome, WithheldField, WithheldReason};
use crate::profile::Profile;
use crate::taxonomy;
use crate::vault::Vault;

/// What a read of profile fields gives out.
#[derive(Debug, Clone, Default)]
pub struct Disclosure {
    pub values: Vec<(Field, Mode, Json)>,
    pub withheld: Vec<WithheldField>,
}

impl Disclosure {
    pub fn outcome(&self) -> Outcome {
        match (self.values.is_empty(), self.withheld.is_empty()) {
            (_, true) => Outcome::Disclosed,
            (false, false) => Outcome::Narrowed,
            (true, false) => Outcome::Refused,
        }
    }

    pub fn disclosed_fields(&self) -> Vec<DisclosedField> {
        self.values.iter().map(|(f, m, _)| DisclosedField { field: f.name().to_owned(), mode: *m }).collect()
    }
}

/// The age band of a birth date on a given day.
pub fn age_band(birth: Date, today: Date) -> &'static str {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    match age {
        ..18 => "under 18",
        18..=24 => "18-24",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        _ => "65+",
    }
}

/// The band of a household size.
pub(crate) fn size_band(n: u8) -> &'static str {
    match n {
        0 | 1 => "1",
        2 => "2",
        3 | 4 => "3-4",
        _ => "5+",
    }
}

fn child_band(age: u8) -> &'static str {
    match age {
        0..=2 => "0-2",
        3..=5 => "3-5",
        6..=11 => "6-11",
        12..=17 => "12-17",
        _ => "18+",
    }
}

fn interest_json(i: &Interest) -> Json {
    match &i.subject {
        Subject::Topic { id } => json!({
            "topic": id,
            "name": taxonomy::lookup(*id).map(|t| t.path),
            "weight": i.weight,
        }),
        Subject::Text { text } => json!({ "text": text, "weight": i.weight }),
    }
}

impl Vault {
    /// Decides, field by field, what `grant` discloses of `asked`, from the profile read on one
    /// snapshot and checked against its manifest.
    pub fn disclose(&self, grant: &Grant, asked: &[String], today: Date) -> Result<Disclosure> {
        Ok(self.profile()?.disclose(grant, asked, today))
    }
}

impl Profile {
    /// Decides, field by field, what `grant` discloses of `asked` from this profile.
    pub fn disclose(&self, grant: &Grant, asked: &[String], today: Date) -> Disclosure {
        let mut out = Disclosure::default();
        for name in asked {
            let mut withhold = |reason| out.withheld.push(WithheldField { field: name.clone(), reason });
            let Ok(field) = name.parse::<Field>() else {
                withhold(WithheldReason::UnknownField);
                continue;
            };
            let Some(mode) = grant.spec.fields.get(&field).copied() else {
                withhold(WithheldReason::NotGranted);
                continue;
            };
            if mode == Mode::Answer {
                withhold(if field.sensitivity() == Sensitivity::Special {
                    WithheldReason::Sensitive
                } else {
                    WithheldReason::AnswerOnly
                });
                continue;
            }
            match self.field_value(field, mode, today) {
                Ok(value) => out.values.push((field, mode, value)),
                Err(reason) => withhold(reason),
            }
        }
        out
    }

    /// One field's value in an exact or coarse mode.
    fn field_value(&self, field: Field, mode: Mode, today: Date) -> Result<Json, WithheldReason> {
        if field == Field::Interests {
            let active: Vec<&Interest> = self.interests.iter().filter(|i| i.is_active(today)).collect();
            if active.is_empty() {
                return Err(WithheldReason::Empty);
            }
            return Ok(if mode == Mode::Coarse {
                let mut tops: Vec<(u16, &str)> = active
                    .iter()
                    .filter_map(|i| match i.subject {
                        Subject::Topic { id } => taxonomy::lookup(id).map(|t| t.top_level()),
                        Subject::Text { .. } => None,
                    })
                    .map(|t| (t.id, t.path))
                    .collect();
                tops.sort_unstable();
                tops.dedup();
                Json::from(
                    tops.into_iter().map(|(id, path)| json!({"topic": id, "name": path})).collect::<Vec<_>>(),
                )
            } else {
                Json::from(active.into_iter().map(interest_json).collect::<Vec<_>>())
            });
        }
        if field == Field::OfferPreferences {
            let prefs = self.offer_preferences.clone().unwrap_or_default();
            return Ok(serde_json::to_value(prefs).expect("preferences serialize"));
        }
        let Some(value) = self.fields.get(&field) else { return Err(WithheldReason::Empty) };
        if mode == Mode::Exact {
            return Ok(value.to_json());
        }
        match (field, value) {
            (Field::BirthDate, FieldValue::Date(d)) => Ok(Json::from(age_band(*d, today))),
            (Field::HomeCity, _) => match self.fields.get(&Field::HomeRegion) {
                Some(region) => Ok(region.to_json()),
                None => Err(WithheldReason::Empty),
            },
            (Field::HomePostcode, FieldValue::Text(p)) => {
                let lead = p.split(' ').next().filter(|s| s.len() < p.len()).unwrap_or(&p[..p.len().min(2)]);
                Ok(Json::from(lead))
            }
            (Field::HouseholdSize, FieldValue::Count(n)) => Ok(Json::from(size_band(*n))),
            (Field::HouseholdChildrenAges, FieldValue::Ages(ages)) => {
                let mut bands: Vec<&str> = ages.iter().map(|a| child_band(*a)).collect();
                bands.dedup();
                Ok(Json::from(bands))
            }
            _ => Err(WithheldReason::NotGranted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn age_bands_turn_on_birthdays() {
        let birth = date(1990, 6, 15);
        assert_eq!(age_band(birth, date(2015, 6, 14)), "18-24");
        assert_eq!(age_band(birth, date(2015, 6, 15)), "25-34");
        assert_eq!(age_band(date(2010, 1, 1), date(2026, 1, 1)), "under 18");
        assert_eq!(age_band(date(1950, 1, 1), date(2026, 1, 1)), "65+");
    }

    #[test]
    fn bands() {
        assert_eq!(size_band(4), "3-4");
        assert_eq!(child_band(7), "6-11");
    }
}
