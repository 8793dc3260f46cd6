//! From the core's types to what the UI shows ([`crate::dto`]).

use butler_core::access::{AccessSpec, mode_name};
use butler_core::alerts::Alert;
use butler_core::brands::Brand;
use butler_core::grants::{Grant, GrantStatus, PendingRequest};
use butler_core::interests::Subject;
use butler_core::log::{AccessEntry, receipt};
use butler_core::measure::MeasureSettings;
use butler_core::offers::{InboxOffer, Suggestion};
use butler_core::receipts::Receipt;
use butler_core::review::{DailyCount, Knowledge, LogPage};
use butler_core::taxonomy;
use butler_core::terms::{Agreement, Standing};
use jiff::Timestamp;

use crate::dto::{
    AgreementView, AlertView, BackupView, BrandSummary, DailyCountView, GrantView, GrantedField,
    KnowledgeView, LogEntryView, LogPageView, MeasureSettingsView, OfferView, PurposeView, ReceiptView,
    RequestView, RestoredView, SuggestionView, TermsView, WithheldView, asked_fields,
};

/// A unit enum's name in snake case, from its serde name (`OneOff` and `one_off` alike).
fn name_of<T: serde::Serialize>(value: &T) -> String {
    let name = match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    };
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn brand_summary(b: &Brand) -> BrandSummary {
    BrandSummary {
        client_id: b.client_id.clone(),
        name: b.name.clone(),
        client_uri: b.client_uri.clone(),
        web_origin: b.web_origin(),
        verified: b.verified,
    }
}

pub fn request(r: &PendingRequest) -> RequestView {
    RequestView {
        user_code: r.user_code.clone(),
        brand: brand_summary(&r.brand),
        fields: asked_fields(&r.requested),
        purposes: r.requested.purposes.iter().map(|p| PurposeView::of(*p)).collect(),
        created_at: r.created_at.to_string(),
        expires_at: r.expires_at.to_string(),
        terms: terms(r),
    }
}

pub fn measure_settings(s: &MeasureSettings) -> MeasureSettingsView {
    MeasureSettingsView {
        epsilon_per_answer: s.epsilon_per_answer,
        budget_per_period: s.budget_per_period,
        answers_per_period: s.answers_per_period(),
        truth_probability: butler_core::measure::truth_probability(2, s.epsilon_per_answer),
        in_words: s.in_words(),
    }
}

pub fn agreement(a: Agreement) -> AgreementView {
    AgreementView { id: a.id(), iri: a.iri(), description: a.describe() }
}

fn terms(r: &PendingRequest) -> TermsView {
    let purposes: Vec<_> = r.requested.purposes.iter().copied().collect();
    let declared = r.brand.accepted_agreements.as_deref();
    let choices = Agreement::all()
        .into_iter()
        .filter(|a| a.fits(purposes.iter().copied()) && declared.is_none_or(|list| list.contains(a)))
        .map(agreement)
        .collect();
    TermsView {
        proposed: agreement(r.terms.agreement),
        standing: match r.terms.standing {
            Standing::Unstated => "unstated",
            Standing::Accepted => "accepted",
            Standing::Mismatch { .. } => "mismatch",
        }
        .to_owned(),
        brand_accepts: declared.map(|list| list.iter().copied().map(agreement).collect()),
        choices,
    }
}

fn granted_fields(spec: &AccessSpec) -> Vec<GrantedField> {
    spec.fields
        .iter()
        .map(|(f, m)| GrantedField { field: f.name().to_owned(), mode: mode_name(*m).to_owned() })
        .collect()
}

pub fn grant(g: &Grant, brand: &str, now: Timestamp) -> GrantView {
    let live = g.is_live(now);
    let state =
        if g.status == GrantStatus::Active && !live { "expired".to_owned() } else { g.status.to_string() };
    GrantView {
        id: g.id.clone(),
        client_id: g.client_id.clone(),
        brand: brand.to_owned(),
        state,
        live,
        fields: granted_fields(&g.spec),
        purposes: g.spec.purposes.iter().map(|p| PurposeView::of(*p)).collect(),
        created_at: g.created_at.to_string(),
        expires_at: g.expires_at.to_string(),
        rate_per_minute: g.rate_per_minute,
        allowed_origin: g.allowed_origin.clone(),
        agreement: g.agreement.map(agreement),
    }
}

pub fn knowledge(k: &Knowledge) -> KnowledgeView {
    KnowledgeView {
        field: k.field.clone(),
        mode: mode_name(k.mode).to_owned(),
        purpose: k.purpose.clone(),
        grant_id: k.grant_id.clone(),
        grant_live: k.grant_live,
        first: k.first.to_string(),
        last: k.last.to_string(),
        times: count(k.times),
    }
}

pub fn receipt_view(r: &Receipt) -> ReceiptView {
    ReceiptView {
        id: r.id.clone(),
        grant_id: r.grant_id.clone(),
        event: name_of(&r.event),
        issued_at: r.issued_at.to_string(),
        jws: r.jws.clone(),
    }
}

pub fn entry(e: &AccessEntry) -> LogEntryView {
    LogEntryView {
        seq: e.seq,
        receipt: receipt(e.seq),
        at: e.at.to_string(),
        client_id: e.client_id.clone(),
        brand: e.brand.clone(),
        grant_id: e.grant_id.clone(),
        endpoint: e.endpoint.clone(),
        purpose: e.purpose.clone(),
        asked: e.asked.clone(),
        disclosed: e
            .disclosed
            .iter()
            .map(|d| GrantedField { field: d.field.clone(), mode: mode_name(d.mode).to_owned() })
            .collect(),
        withheld: e
            .withheld
            .iter()
            .map(|w| WithheldView { field: w.field.clone(), reason: w.reason.as_str().to_owned() })
            .collect(),
        outcome: e.outcome.name().to_owned(),
        note: e.note.clone(),
        origin: e.origin.clone(),
        agreement: e.agreement.clone(),
    }
}

pub fn page(p: &LogPage) -> LogPageView {
    LogPageView {
        entries: p.entries.iter().map(entry).collect(),
        next: p.next,
        unreadable: p.unreadable.clone(),
    }
}

pub fn daily(d: &DailyCount) -> DailyCountView {
    DailyCountView {
        day: d.day.to_string(),
        client_id: d.client_id.clone(),
        brand: d.brand.clone(),
        outcome: d.outcome.name().to_owned(),
        requests: count(d.requests),
    }
}

pub fn alert(a: &Alert) -> AlertView {
    AlertView {
        id: a.id,
        at: a.at.to_string(),
        kind: name_of(&a.kind),
        brand: a.brand.clone(),
        message: a.message.clone(),
        seq: a.seq,
    }
}

pub fn offer(o: &InboxOffer, now: Timestamp) -> OfferView {
    // A deferred offer whose time has come is in the inbox like a delivered one.
    let decision = match (o.decision, o.not_before) {
        (butler_protocol::Decision::Deferred, Some(t)) if t <= now => "delivered".to_owned(),
        (d, _) => name_of(&d),
    };
    OfferView {
        id: o.id,
        brand: o.brand.clone(),
        received_at: o.received_at.to_string(),
        decision,
        not_before: o.not_before.map(|t| t.to_string()),
        reason: o.reason.clone(),
        kind: o.offer.kind.as_str().to_owned(),
        channel: o.offer.channel.as_str().to_owned(),
        title: o.offer.title.clone(),
        body: o.offer.body.clone(),
        url: o.offer.url.clone(),
        tactics: o.offer.tactics.iter().map(|t| t.as_str().to_owned()).collect(),
    }
}

pub fn suggestion(s: &Suggestion) -> SuggestionView {
    let (topic, label) = match &s.subject {
        Subject::Topic { id } => {
            (Some(*id), taxonomy::lookup(*id).map_or_else(|| format!("topic {id}"), |t| t.path.to_owned()))
        }
        Subject::Text { text } => (None, text.clone()),
    };
    SuggestionView {
        id: s.id,
        brand: s.brand.clone(),
        received_at: s.received_at.to_string(),
        event: s.event.clone(),
        topic,
        label,
        one_off_hint: s.one_off_hint,
        status: name_of(&s.status),
    }
}

pub fn backup(b: &butler_core::backup::BackupInfo) -> BackupView {
    BackupView {
        path: b.path.display().to_string(),
        taken_at: b.taken_at.to_string(),
        reason: b.reason.name().to_owned(),
        bytes: b.bytes,
    }
}

pub fn restored(from: &std::path::Path, r: &butler_core::backup::Restored) -> RestoredView {
    RestoredView {
        from: from.display().to_string(),
        values: u32::try_from(r.values).unwrap_or(u32::MAX),
        log_entries: r.log_entries,
        previous: r.previous.as_ref().map(backup),
        closed_again: r.carried_over.as_ref().map(|c| u32::try_from(c.len()).unwrap_or(u32::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_cross_in_snake_case() {
        assert_eq!(name_of(&butler_core::offers::SuggestionStatus::OneOff), "one_off");
        assert_eq!(name_of(&butler_core::alerts::AlertKind::RateSpike), "rate_spike");
        assert_eq!(name_of(&butler_protocol::Decision::Delivered), "delivered");
        assert_eq!(name_of(&butler_protocol::ReceiptEvent::Revoked), "revoked");
    }
}
