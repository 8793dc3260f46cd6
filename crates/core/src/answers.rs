//! Computed answers: a brand's candidates (products, offers, content) matched and ranked against
//! the owner's active interests and offer preferences, inside Butler. The brand gets scores and an
//! order, never the interests behind them.

use std::collections::BTreeSet;

use jiff::civil::Date;

use crate::error::Result;
use crate::interests::{Interest, Subject};
use crate::profile::Profile;
use crate::taxonomy;
use crate::vault::Vault;

/// The most candidates one request may rank.
pub const MAX_CANDIDATES: usize = 200;

pub use butler_protocol::{Candidate, Ranked};

/// A bad candidate list, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CandidateError(pub String);

/// Checks the candidates a brand sent.
pub fn validate(candidates: &[Candidate]) -> Result<(), CandidateError> {
    if candidates.is_empty() || candidates.len() > MAX_CANDIDATES {
        return Err(CandidateError(format!("send 1 to {MAX_CANDIDATES} candidates")));
    }
    let mut ids = BTreeSet::new();
    for c in candidates {
        if c.id.is_empty() || c.id.len() > 100 {
            return Err(CandidateError("a candidate id has 1 to 100 characters".into()));
        }
        if !ids.insert(c.id.as_str()) {
            return Err(CandidateError(format!("candidate id `{}` appears twice", c.id)));
        }
        if c.topics.len() > 20 {
            return Err(CandidateError(format!("candidate `{}` has more than 20 topics", c.id)));
        }
        if let Some(t) = c.topics.iter().find(|t| taxonomy::lookup(**t).is_none()) {
            return Err(CandidateError(format!("candidate `{}`: {t} is not a topic id", c.id)));
        }
        if c.text.as_ref().is_some_and(|t| t.chars().count() > 300) {
            return Err(CandidateError(format!("candidate `{}`: text is longer than 300 characters", c.id)));
        }
        if c.topics.is_empty() && c.text.is_none() {
            return Err(CandidateError(format!("candidate `{}` needs topics or text", c.id)));
        }
    }
    Ok(())
}

fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() > 2).map(str::to_lowercase).collect()
}

/// How closely two topics are related: the same (1), one inside the other (0.6), or sharing a
/// top-level topic (0.2).
fn topic_affinity(a: u16, b: u16) -> f64 {
    let (Some(ta), Some(tb)) = (taxonomy::lookup(a), taxonomy::lookup(b)) else { return 0.0 };
    if a == b {
        1.0
    } else if ta.path.starts_with(&format!("{}/", tb.path)) || tb.path.starts_with(&format!("{}/", ta.path)) {
        0.6
    } else if ta.top_level().id == tb.top_level().id {
        0.2
    } else {
        0.0
    }
}

fn affinity(interest: &Interest, candidate: &Candidate, candidate_words: &BTreeSet<String>) -> f64 {
    match &interest.subject {
        Subject::Topic { id } => {
            let by_topic = candidate.topics.iter().map(|t| topic_affinity(*id, *t)).fold(0.0, f64::max);
            let name = taxonomy::lookup(*id).map(|t| words(t.name())).unwrap_or_default();
            let by_text = if !name.is_empty() && name.is_subset(candidate_words) { 0.5 } else { 0.0 };
            by_topic.max(by_text)
        }
        Subject::Text { text } => {
            let wanted = words(text);
            if wanted.is_empty() {
                0.0
            } else {
                let shared = wanted.intersection(candidate_words).count() as f64;
                0.8 * shared / wanted.len() as f64
            }
        }
    }
}

impl Vault {
    /// Scores each candidate against the owner's active interests (and offer preferences, when
    /// the grant includes them), best first; ties keep the brand's order.
    pub fn rank(&self, candidates: &[Candidate], with_prefs: bool, today: Date) -> Result<Vec<Ranked>> {
        Ok(self.profile()?.rank(candidates, with_prefs, today))
    }
}

impl Profile {
    /// Scores each candidate against this profile's active interests (and offer preferences,
    /// when `with_prefs`), best first; ties keep the brand's order.
    pub fn rank(&self, candidates: &[Candidate], with_prefs: bool, today: Date) -> Vec<Ranked> {
        let interests: Vec<&Interest> = self.interests.iter().filter(|i| i.is_active(today)).collect();
        let prefs = self.offer_preferences.clone().unwrap_or_default();
        let mut ranked: Vec<Ranked> = candidates
            .iter()
            .map(|c| {
                let candidate_words = c.text.as_deref().map(words).unwrap_or_default();
                let mut score =
                    interests.iter().map(|i| i.weight * affinity(i, c, &candidate_words)).fold(0.0, f64::max);
                if let Some(kind) = c.kind.filter(|_| with_prefs) {
                    if prefs.kinds_unwanted.contains(&kind) {
                        score = 0.0;
                    } else if prefs.kinds_wanted.contains(&kind) {
                        score = (score + 0.1).min(1.0);
                    }
                }
                // One decimal: enough to order, too coarse to read the owner's weights back.
                Ranked { id: c.id.clone(), score: (score * 10.0).round() / 10.0 }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_affinity_follows_the_tree() {
        assert!((topic_affinity(323, 323) - 1.0).abs() < f64::EPSILON);
        let sports = taxonomy::lookup(323).unwrap().top_level().id;
        assert!((topic_affinity(323, sports) - 0.6).abs() < f64::EPSILON);
        assert!(topic_affinity(323, 1).abs() < f64::EPSILON);
    }

    #[test]
    fn candidates_are_validated() {
        let c = |id: &str, topics: Vec<u16>| Candidate { id: id.into(), topics, text: None, kind: None };
        assert!(validate(&[]).is_err());
        assert!(validate(&[c("a", vec![323]), c("a", vec![1])]).unwrap_err().0.contains("twice"));
        assert!(validate(&[c("a", vec![9999])]).unwrap_err().0.contains("not a topic"));
        assert!(validate(&[c("a", vec![])]).unwrap_err().0.contains("topics or text"));
        assert!(validate(&[c("a", vec![323])]).is_ok());
    }
}
