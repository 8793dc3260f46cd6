//! Measurement answers, for the `measure` purpose: a brand asks a yes/no or categorical question
//! about the owner and gets an answer by randomized response (local differential privacy), never
//! the owner's value. With privacy loss epsilon, the answer is the truth with probability
//! `e^ε / (e^ε + k − 1)` among `k` categories, otherwise one of the others at random, so no single
//! answer can be trusted while many of them, from many owners, estimate a share
//! ([`butler_protocol::estimate`]).
//!
//! The answer to a question is kept for the brand and the period (a calendar month, UTC): asking
//! again gets the same answer and spends nothing, since a fresh draw would leak more. Each fresh
//! answer spends its epsilon from the brand's budget for the period, which the owner sets; past
//! it, the brand is refused until the next period. Answers are sealed like the rest of the vault,
//! and found by a keyed hash of brand, period and question.

use jiff::Timestamp;
use jiff::civil::Date;
use rand::{CryptoRng, RngExt};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::catalog::{Field, FieldValue, ValueError};
use crate::crypto::Place;
use crate::disclosure::age_band;
use crate::error::{Error, Result};
use crate::interests::Subject;
use crate::profile::Profile;
use crate::taxonomy;
use crate::vault::Vault;

const SETTING: &str = "measure_settings";
const TABLE: &str = "measure_answer";

/// The age bands a brand can ask about, as the coarse birth date speaks of them.
pub const AGE_BANDS: [&str; 7] = ["under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
/// The household size bands.
pub const HOUSEHOLD_BANDS: [&str; 4] = ["1", "2", "3-4", "5+"];
/// The category of a value the owner has not given.
pub const UNKNOWN: &str = "unknown";
/// The category of a country not among the brand's.
pub const OTHER: &str = "other";
/// How many countries one question may name.
pub const MAX_COUNTRIES: usize = 20;

/// What a brand may ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// Is the owner interested in this Topics topic (or one below it)? yes / no.
    Interest(u16),
    /// The owner's age band, or unknown.
    AgeBand,
    /// The owner's household size band, or unknown.
    HouseholdSize,
    /// The owner's country among the brand's list, or other.
    Country(Vec<String>),
}

/// A question Butler does not take, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QuestionError(pub String);

impl Question {
    /// Reads a question: `interest:<topic id>`, `age_band`, `household_size` or `country` (with
    /// the countries to tell apart, ISO 3166-1 alpha-2).
    pub fn parse(text: &str, countries: &[String]) -> Result<Self, QuestionError> {
        let question = match text {
            "age_band" => Question::AgeBand,
            "household_size" => Question::HouseholdSize,
            "country" => {
                if countries.is_empty() || countries.len() > MAX_COUNTRIES {
                    return Err(QuestionError(format!(
                        "`country` needs from 1 to {MAX_COUNTRIES} countries to tell apart, in `categories`"
                    )));
                }
                let mut codes = Vec::with_capacity(countries.len());
                for code in countries {
                    let value = Field::HomeCountry
                        .parse(code)
                        .map_err(|e| QuestionError(format!("categories: {}", e.reason)))?;
                    let FieldValue::Text(code) = value else { unreachable!("a country is text") };
                    if codes.contains(&code) {
                        return Err(QuestionError(format!("categories: {code} is named twice")));
                    }
                    codes.push(code);
                }
                codes.sort();
                Question::Country(codes)
            }
            other => match other.strip_prefix("interest:").map(str::parse::<u16>) {
                Some(Ok(id)) if taxonomy::lookup(id).is_some() => Question::Interest(id),
                Some(_) => {
                    return Err(QuestionError(format!("`{other}` names no topic of the Topics taxonomy v2")));
                }
                None => {
                    return Err(QuestionError(format!(
                        "`{other}` is not a question: ask `interest:<topic id>`, `age_band`, `household_size` or `country`"
                    )));
                }
            },
        };
        if !matches!(question, Question::Country(_)) && !countries.is_empty() {
            return Err(QuestionError("only `country` takes categories".into()));
        }
        Ok(question)
    }

    /// The question as the log and the memo name it.
    pub fn key(&self) -> String {
        match self {
            Question::Interest(id) => format!("interest:{id}"),
            Question::AgeBand => "age_band".into(),
            Question::HouseholdSize => "household_size".into(),
            Question::Country(codes) => format!("country:{}", codes.join(",")),
        }
    }

    /// The profile field the answer comes from: the grant must include it.
    pub fn field(&self) -> Field {
        match self {
            Question::Interest(_) => Field::Interests,
            Question::AgeBand => Field::BirthDate,
            Question::HouseholdSize => Field::HouseholdSize,
            Question::Country(_) => Field::HomeCountry,
        }
    }

    /// Every possible answer.
    pub fn categories(&self) -> Vec<String> {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match self {
            Question::Interest(_) => owned(&["yes", "no"]),
            Question::AgeBand => [owned(&AGE_BANDS), owned(&[UNKNOWN])].concat(),
            Question::HouseholdSize => [owned(&HOUSEHOLD_BANDS), owned(&[UNKNOWN])].concat(),
            Question::Country(codes) => [codes.clone(), owned(&[OTHER])].concat(),
        }
    }

    /// The true answer for this owner on `today`, as an index into [`Question::categories`].
    fn truth(&self, profile: &Profile, today: Date) -> usize {
        let categories = self.categories();
        let index = |value: &str| categories.iter().position(|c| c == value);
        let last = categories.len() - 1;
        match self {
            Question::Interest(id) => {
                let asked = taxonomy::lookup(*id).map(|t| t.path).unwrap_or_default();
                let interested =
                    profile.interests.iter().filter(|i| i.is_active(today)).any(|i| match &i.subject {
                        Subject::Topic { id: own } => taxonomy::lookup(*own).is_some_and(|t| {
                            t.path == asked
                                || t.path.strip_prefix(asked).is_some_and(|rest| rest.starts_with('/'))
                        }),
                        Subject::Text { .. } => false,
                    });
                usize::from(!interested)
            }
            Question::AgeBand => match profile.fields.get(&Field::BirthDate) {
                Some(FieldValue::Date(birth)) => index(age_band(*birth, today)).unwrap_or(last),
                _ => last,
            },
            Question::HouseholdSize => match profile.fields.get(&Field::HouseholdSize) {
                Some(FieldValue::Count(n)) => index(crate::disclosure::size_band(*n)).unwrap_or(last),
                _ => last,
            },
            Question::Country(_) => match profile.fields.get(&Field::HomeCountry) {
                Some(FieldValue::Text(code)) => index(code).unwrap_or(last),
                _ => last,
            },
        }
    }
}

pub use butler_protocol::estimate::truth_probability;

/// Randomized response: the true category `truth` among `k` with probability
/// [`truth_probability`], otherwise one of the `k − 1` others, uniformly. The draws are `rand`'s
/// (a Bernoulli trial, then a uniform index) on a cryptographically secure generator.
pub fn randomize<R: CryptoRng + ?Sized>(truth: usize, k: usize, epsilon: f64, rng: &mut R) -> usize {
    assert!(k >= 2 && truth < k, "randomized response needs two categories or more");
    let keep = rand::distr::Bernoulli::new(truth_probability(k, epsilon)).expect("a probability");
    if rng.sample(keep) {
        return truth;
    }
    let other = rng.random_range(0..k - 1);
    if other >= truth { other + 1 } else { other }
}

/// How much a brand may learn: the epsilon each fresh answer spends, and the budget per brand
/// and period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeasureSettings {
    pub epsilon_per_answer: f64,
    pub budget_per_period: f64,
}

impl Default for MeasureSettings {
    /// One answer is the truth three times in four (yes/no); four answers a month per brand.
    fn default() -> Self {
        Self { epsilon_per_answer: 3f64.ln(), budget_per_period: 4.0 * 3f64.ln() }
    }
}

impl MeasureSettings {
    pub const MAX_EPSILON: f64 = 5.0;
    pub const MAX_BUDGET: f64 = 50.0;

    pub fn validate(&self) -> Result<(), ValueError> {
        let invalid = |field, reason: String| Err(ValueError { field, reason });
        if !(0.01..=Self::MAX_EPSILON).contains(&self.epsilon_per_answer) {
            return invalid("epsilon_per_answer", format!("from 0.01 to {}", Self::MAX_EPSILON));
        }
        if !(self.epsilon_per_answer..=Self::MAX_BUDGET).contains(&self.budget_per_period) {
            return invalid(
                "budget_per_period",
                format!("from one answer's epsilon ({:.2}) to {}", self.epsilon_per_answer, Self::MAX_BUDGET),
            );
        }
        Ok(())
    }

    /// How many fresh answers a brand gets per period.
    pub fn answers_per_period(&self) -> u32 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "at most 5000")]
        let n = (self.budget_per_period / self.epsilon_per_answer + 1e-9).floor() as u32;
        n
    }

    /// The settings in the owner's words.
    pub fn in_words(&self) -> String {
        format!(
            "Brands can learn about people like you, not about you. Each brand gets at most {} noisy \
             answers a month; each yes/no answer is true only {:.0}% of the time, so no single one can be \
             relied on.",
            self.answers_per_period(),
            100.0 * truth_probability(2, self.epsilon_per_answer)
        )
    }
}

/// A measurement answer, as the brand gets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub question: String,
    pub answer: String,
    pub categories: Vec<String>,
    /// The epsilon this answer was drawn with.
    pub epsilon: f64,
    pub truth_probability: f64,
    /// False when the answer was kept from an earlier ask in the period (nothing spent).
    pub fresh: bool,
    pub period: String,
    pub spent: f64,
    pub budget: f64,
}

/// What the brand gets: an answer, or a refusal once its budget for the period is spent.
#[derive(Debug, Clone, PartialEq)]
pub enum MeasureOutcome {
    Answered(Measured),
    OverBudget { period: String, spent: f64, budget: f64, next_period: Date },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AnswerRecord {
    client_id: String,
    period: String,
    question: String,
    answer: String,
    epsilon: f64,
    answered_at: Timestamp,
}

/// The period a moment falls in: its calendar month, UTC (`2026-11`), and the first day of the next.
pub fn period_of(now: Timestamp) -> (String, Date) {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let first = today.first_of_month();
    let next = first.checked_add(jiff::Span::new().months(1)).unwrap_or(first);
    (today.strftime("%Y-%m").to_string(), next)
}

fn place(slot: &[u8]) -> Place {
    Place::new(TABLE, hex::encode(slot), "record")
}

impl Vault {
    pub fn measure_settings(&self) -> Result<MeasureSettings> {
        Ok(self.setting(SETTING)?.unwrap_or_default())
    }

    pub fn set_measure_settings(&self, settings: MeasureSettings) -> Result<()> {
        settings.validate().map_err(Error::Invalid)?;
        self.set_setting(SETTING, &settings)
    }

    /// The answer already given to the brand for `question` this period, if any, without taking
    /// the write lock: most asks are repeats, and this serves them from a read connection.
    pub fn measure_kept(
        &self,
        client_id: &str,
        question: &Question,
        now: Timestamp,
    ) -> Result<Option<Measured>> {
        let settings = self.measure_settings()?;
        let (period, _) = period_of(now);
        let bucket = self.keys.slot("measure_bucket", &format!("{client_id}\n{period}"));
        let records = self.measure_records(&bucket)?;
        let spent: f64 = records.iter().map(|r| r.epsilon).sum();
        let key = question.key();
        let categories = question.categories();
        Ok(records.into_iter().find(|r| r.question == key).map(|record| Measured {
            truth_probability: truth_probability(categories.len(), record.epsilon),
            question: key,
            answer: record.answer,
            categories,
            epsilon: record.epsilon,
            fresh: false,
            period,
            spent,
            budget: settings.budget_per_period,
        }))
    }

    /// Answers `question` for the brand `client_id` at `now` from `profile`: the answer kept for
    /// the period if there is one, else a fresh randomized answer if the budget allows it, kept
    /// and spent in one transaction.
    pub fn measure<R: CryptoRng + ?Sized>(
        &self,
        client_id: &str,
        question: &Question,
        profile: &Profile,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<MeasureOutcome> {
        let settings = self.measure_settings()?;
        let (period, next_period) = period_of(now);
        let key = question.key();
        let slot = self.keys.slot("measure_answer", &format!("{client_id}\n{period}\n{key}"));
        let bucket = self.keys.slot("measure_bucket", &format!("{client_id}\n{period}"));
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let records = self.measure_records(&bucket)?;
        let spent: f64 = records.iter().map(|r| r.epsilon).sum();
        let categories = question.categories();
        let kept = records.into_iter().find(|r| r.question == key);
        let answered = |record: &AnswerRecord, fresh: bool, spent: f64| Measured {
            question: key.clone(),
            answer: record.answer.clone(),
            truth_probability: truth_probability(categories.len(), record.epsilon),
            categories: categories.clone(),
            epsilon: record.epsilon,
            fresh,
            period: period.clone(),
            spent,
            budget: settings.budget_per_period,
        };
        if let Some(record) = kept {
            return Ok(MeasureOutcome::Answered(answered(&record, false, spent)));
        }
        let epsilon = settings.epsilon_per_answer;
        if spent + epsilon > settings.budget_per_period + 1e-9 {
            return Ok(MeasureOutcome::OverBudget {
                period,
                spent,
                budget: settings.budget_per_period,
                next_period,
            });
        }
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let drawn = randomize(question.truth(profile, today), categories.len(), epsilon, rng);
        let record = AnswerRecord {
            client_id: client_id.to_owned(),
            period: period.clone(),
            question: key.clone(),
            answer: categories[drawn].clone(),
            epsilon,
            answered_at: now,
        };
        self.conn.execute(
            "INSERT INTO measure_answer (slot, bucket, record) VALUES (?1, ?2, ?3)",
            params![slot.as_slice(), bucket.as_slice(), self.json_seal(&place(slot.as_slice()), &record)?],
        )?;
        tx.commit()?;
        Ok(MeasureOutcome::Answered(answered(&record, true, spent + epsilon)))
    }

    fn measure_records(&self, bucket: &[u8]) -> Result<Vec<AnswerRecord>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT slot, record FROM measure_answer WHERE bucket = ?1")?;
        let rows = stmt.query_map([bucket], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        rows.map(|row| {
            let (slot, sealed) = row?;
            self.json_open(&place(&slot), &sealed)
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use butler_protocol::estimate;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::testing::vault;

    #[allow(clippy::cast_precision_loss)]
    fn share_of_truth(k: usize, epsilon: f64, n: usize, rng: &mut StdRng) -> f64 {
        let kept = (0..n).filter(|i| randomize(i % k, k, epsilon, rng) == i % k).count();
        kept as f64 / n as f64
    }

    #[test]
    fn an_answer_tells_the_truth_as_often_as_its_epsilon_says_and_no_more() {
        let mut rng = StdRng::seed_from_u64(7012);
        let n = 40_000;
        for (k, epsilon) in [(2, 3f64.ln()), (2, 0.5), (8, 1.0), (21, 2.0)] {
            let observed = share_of_truth(k, epsilon, n, &mut rng);
            let p = truth_probability(k, epsilon);
            #[allow(clippy::cast_precision_loss)]
            let sigma = (p * (1.0 - p) / n as f64).sqrt();
            assert!((observed - p).abs() < 4.0 * sigma, "k={k} ε={epsilon}: {observed} vs {p}");
            // A flip probability for half or double the epsilon would be caught.
            for wrong in [epsilon / 2.0, epsilon * 2.0] {
                let q = truth_probability(k, wrong);
                assert!((observed - q).abs() > 8.0 * sigma, "k={k}: {wrong} not told apart from {epsilon}");
            }
        }
        assert!((truth_probability(2, 3f64.ln()) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn a_lie_picks_each_other_category_alike() {
        let mut rng = StdRng::seed_from_u64(1);
        let (k, n) = (5, 50_000);
        let mut counts = [0usize; 5];
        for _ in 0..n {
            counts[randomize(2, k, 0.3, &mut rng)] += 1;
        }
        let others: Vec<usize> = [0, 1, 3, 4].iter().map(|&i| counts[i]).collect();
        let (min, max) = (others.iter().min().unwrap(), others.iter().max().unwrap());
        #[allow(clippy::cast_precision_loss)]
        let spread = (*max - *min) as f64 / *max as f64;
        assert!(spread < 0.08, "{counts:?}");
    }

    #[test]
    fn many_owners_noisy_answers_estimate_the_true_share_within_the_interval() {
        let mut rng = StdRng::seed_from_u64(42);
        let epsilon = 3f64.ln();
        let owners: u32 = 20_000;
        let mut covered = 0;
        let trials = 40;
        for trial in 0..trials {
            // Owners interested with probability 0.3: the true share is what they really are.
            let truths: Vec<usize> = (0..owners).map(|_| usize::from(!rng.random_bool(0.3))).collect();
            #[allow(clippy::cast_precision_loss)]
            let true_share = truths.iter().filter(|&&t| t == 0).count() as f64 / f64::from(owners);
            let yes = truths.iter().filter(|&&t| randomize(t, 2, epsilon, &mut rng) == 0).count();
            let e = estimate::share(yes as u64, u64::from(owners), epsilon).unwrap();
            assert!((e.share - true_share).abs() < 0.03, "trial {trial}: {e:?} vs {true_share}");
            if e.low <= true_share && true_share <= e.high {
                covered += 1;
            }
        }
        // A 95% interval: nearly all of them hold the truth, and not by being huge.
        assert!(covered >= trials * 85 / 100, "covered {covered} of {trials}");
        let e = estimate::share(6_000, 20_000, epsilon).unwrap();
        assert!(e.high - e.low < 0.05, "{e:?}");
        // The naive share of yes answers (0.3) is pulled towards one half; the estimate undoes it:
        // (0.3 − 0.25) / (0.75 − 0.25).
        assert!((e.share - 0.1).abs() < 1e-9, "{e:?}");
    }

    fn profile_with(birth: &str, topic: u16) -> Profile {
        let mut profile = Profile::default();
        profile.fields.insert(Field::BirthDate, Field::BirthDate.parse(birth).unwrap());
        profile.interests.push(crate::interests::Interest {
            id: crate::interests::InterestId(1),
            subject: Subject::topic(topic).unwrap(),
            weight: 0.8,
            source: crate::interests::Source::Stated,
            state: crate::interests::State::Active,
            expires: None,
            one_off: false,
            added: jiff::civil::date(2026, 1, 1),
        });
        profile
    }

    #[test]
    fn truths_come_from_the_profile_and_the_taxonomy() {
        let today = jiff::civil::date(2026, 11, 23);
        let profile = profile_with("1990-05-05", 323);
        assert_eq!(Question::Interest(323).truth(&profile, today), 0, "yes");
        // Sports (the parent of Running & Walking): yes. Cycling, a sibling: no.
        let sports = taxonomy::lookup(323).unwrap().top_level().id;
        assert_eq!(Question::Interest(sports).truth(&profile, today), 0);
        assert_eq!(Question::Interest(310).truth(&profile, today), 1);
        assert_eq!(Question::AgeBand.categories()[Question::AgeBand.truth(&profile, today)], "35-44");
        assert_eq!(
            Question::HouseholdSize.categories()[Question::HouseholdSize.truth(&profile, today)],
            UNKNOWN
        );
        let country = Question::parse("country", &["fr".into(), "DE".into()]).unwrap();
        assert_eq!(country.key(), "country:DE,FR");
        assert_eq!(country.categories()[country.truth(&profile, today)], OTHER);
        for (text, categories) in [
            ("interest:99999", vec![]),
            ("interest:x", vec![]),
            ("age", vec![]),
            ("age_band", vec!["FR".to_owned()]),
            ("country", vec![]),
            ("country", vec!["FR".to_owned(), "fr".to_owned()]),
            ("country", vec!["XX".to_owned()]),
        ] {
            assert!(Question::parse(text, &categories).is_err(), "{text} {categories:?}");
        }
    }

    #[test]
    fn an_answer_is_kept_for_the_period_and_fresh_ones_spend_the_budget() {
        let (_dir, vault) = vault();
        let mut rng = StdRng::seed_from_u64(3);
        let profile = profile_with("1990-05-05", 323);
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let settings = MeasureSettings { epsilon_per_answer: 1.0, budget_per_period: 2.5 };
        vault.set_measure_settings(settings).unwrap();
        let answer = |q: &Question, at: Timestamp, rng: &mut StdRng| {
            vault.measure("bcl_a", q, &profile, at, rng).unwrap()
        };

        let MeasureOutcome::Answered(first) = answer(&Question::AgeBand, now, &mut rng) else { panic!() };
        assert!(first.fresh && (first.spent - 1.0).abs() < 1e-9 && first.period == "2026-11");
        for _ in 0..20 {
            let MeasureOutcome::Answered(again) = answer(&Question::AgeBand, now, &mut rng) else { panic!() };
            assert_eq!((again.answer.as_str(), again.fresh), (first.answer.as_str(), false));
            assert!((again.spent - 1.0).abs() < 1e-9, "asking again spends nothing");
        }
        let kept = vault.measure_kept("bcl_a", &Question::AgeBand, now).unwrap().unwrap();
        assert_eq!((kept.answer.as_str(), kept.fresh), (first.answer.as_str(), false));
        assert_eq!(vault.measure_kept("bcl_a", &Question::HouseholdSize, now).unwrap(), None);
        assert_eq!(vault.measure_kept("bcl_b", &Question::AgeBand, now).unwrap(), None, "per brand");
        assert!(
            matches!(answer(&Question::Interest(323), now, &mut rng), MeasureOutcome::Answered(m) if m.fresh)
        );
        let over = answer(&Question::Interest(310), now, &mut rng);
        assert_eq!(
            over,
            MeasureOutcome::OverBudget {
                period: "2026-11".into(),
                spent: 2.0,
                budget: 2.5,
                next_period: jiff::civil::date(2026, 12, 1)
            }
        );
        // Another brand has its own budget; the next month starts afresh.
        assert!(matches!(
            vault.measure("bcl_b", &Question::Interest(310), &profile, now, &mut rng).unwrap(),
            MeasureOutcome::Answered(_)
        ));
        let december: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        assert!(
            matches!(answer(&Question::Interest(310), december, &mut rng), MeasureOutcome::Answered(m) if m.fresh)
        );
    }

    #[test]
    fn settings_are_checked_and_said_in_plain_words() {
        let (_dir, vault) = vault();
        assert_eq!(vault.measure_settings().unwrap(), MeasureSettings::default());
        assert_eq!(MeasureSettings::default().answers_per_period(), 4);
        let words = MeasureSettings::default().in_words();
        assert!(words.contains("people like you, not about you") && words.contains("75%"), "{words}");
        for bad in [
            MeasureSettings { epsilon_per_answer: 0.0, budget_per_period: 1.0 },
            MeasureSettings { epsilon_per_answer: 6.0, budget_per_period: 10.0 },
            MeasureSettings { epsilon_per_answer: 1.0, budget_per_period: 0.5 },
            MeasureSettings { epsilon_per_answer: 1.0, budget_per_period: f64::NAN },
        ] {
            assert_eq!(vault.set_measure_settings(bad).unwrap_err().code(), "invalid_value", "{bad:?}");
        }
    }
}
