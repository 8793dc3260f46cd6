//! What a brand may ask for: purposes (tied to W3C DPV terms), the scope grammar, and RFC 9396
//! `authorization_details` of type `butler_profile`.
//!
//! Scope tokens are `field:<name>`, `field:<name>:<mode>` (mode `exact` if omitted) and
//! `purpose:<name>`. Names are part of the contract with brands: add freely, never rename.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::catalog::{Field, Mode};

/// The `type` of Butler's RFC 9396 authorization details.
pub const AUTHORIZATION_DETAILS_TYPE: &str = "butler_profile";

/// Why data is used. Every grant and every request names purposes from this vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    DeliverService,
    PersonalizeContent,
    RecommendProducts,
    PersonalizeOffers,
    Contact,
    Measure,
}

impl Purpose {
    pub const ALL: [Purpose; 6] = [
        Purpose::DeliverService,
        Purpose::PersonalizeContent,
        Purpose::RecommendProducts,
        Purpose::PersonalizeOffers,
        Purpose::Contact,
        Purpose::Measure,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Purpose::DeliverService => "deliver-service",
            Purpose::PersonalizeContent => "personalize-content",
            Purpose::RecommendProducts => "recommend-products",
            Purpose::PersonalizeOffers => "personalize-offers",
            Purpose::Contact => "contact",
            Purpose::Measure => "measure",
        }
    }

    /// The purpose's term in the W3C Data Privacy Vocabulary (DPV 2.x).
    pub fn dpv_term(self) -> &'static str {
        match self {
            Purpose::DeliverService => "https://w3id.org/dpv#ServiceProvision",
            Purpose::PersonalizeContent => "https://w3id.org/dpv#ServicePersonalisation",
            Purpose::RecommendProducts => "https://w3id.org/dpv#ProvideProductRecommendations",
            Purpose::PersonalizeOffers => "https://w3id.org/dpv#PersonalisedAdvertising",
            Purpose::Contact => "https://w3id.org/dpv#DirectMarketing",
            Purpose::Measure => "https://w3id.org/dpv#CommercialResearch",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Purpose::DeliverService => "what the owner asked the brand for (ship an order)",
            Purpose::PersonalizeContent => "tailor pages, content, layout",
            Purpose::RecommendProducts => "rank the brand's products for the owner",
            Purpose::PersonalizeOffers => "choose which offers to show",
            Purpose::Contact => "send offers to the owner, through Butler's offer rules",
            Purpose::Measure => "aggregate statistics about an audience: noisy answers, never raw values",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Purpose {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, ScopeError> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| ScopeError(format!("`{s}` is not a purpose Butler knows")))
    }
}

pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Exact => "exact",
        Mode::Coarse => "coarse",
        Mode::Answer => "answer",
    }
}

pub fn parse_mode(s: &str) -> Result<Mode, ScopeError> {
    match s {
        "exact" => Ok(Mode::Exact),
        "coarse" => Ok(Mode::Coarse),
        "answer" => Ok(Mode::Answer),
        _ => Err(ScopeError(format!("`{s}` is not a disclosure mode (exact, coarse or answer)"))),
    }
}

/// A malformed or unsupported access request, in words a brand's engineer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScopeError(pub String);

/// Fields with their disclosure modes, and purposes: what a brand asks for, and what a grant
/// allows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSpec {
    pub fields: BTreeMap<Field, Mode>,
    pub purposes: BTreeSet<Purpose>,
}

impl AccessSpec {
    /// Adds a field, checking that the catalog allows that mode for it.
    pub fn add_field(&mut self, field: Field, mode: Mode) -> Result<(), ScopeError> {
        if !field.modes().contains(&mode) {
            let allowed: Vec<&str> = field.modes().iter().map(|m| mode_name(*m)).collect();
            return Err(ScopeError(format!(
                "field `{field}` cannot be disclosed in mode `{}` (allowed: {})",
                mode_name(mode),
                allowed.join(", ")
            )));
        }
        match self.fields.get(&field) {
            Some(existing) if *existing != mode => Err(ScopeError(format!(
                "field `{field}` is asked for in two modes ({} and {})",
                mode_name(*existing),
                mode_name(mode)
            ))),
            _ => {
                self.fields.insert(field, mode);
                Ok(())
            }
        }
    }

    /// Parses an OAuth `scope` string.
    pub fn from_scope(scope: &str) -> Result<Self, ScopeError> {
        let mut spec = AccessSpec::default();
        for token in scope.split(' ').filter(|t| !t.is_empty()) {
            let mut parts = token.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("field"), Some(name), mode) => {
                    let field: Field = name.parse().map_err(|_| unknown_field(name))?;
                    spec.add_field(field, mode.map_or(Ok(Mode::Exact), parse_mode)?)?;
                }
                (Some("purpose"), Some(name), None) => {
                    spec.purposes.insert(name.parse()?);
                }
                _ => return Err(ScopeError(format!("`{token}` is not a scope token Butler knows"))),
            }
        }
        Ok(spec)
    }

    /// Parses RFC 9396 `authorization_details` (a JSON array); entries of other types are an
    /// error, as the RFC asks.
    pub fn from_authorization_details(details: &Json) -> Result<Self, ScopeError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FieldEntry {
            field: String,
            #[serde(default)]
            mode: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Detail {
            r#type: String,
            #[serde(default)]
            fields: Vec<FieldEntry>,
            #[serde(default)]
            purposes: Vec<String>,
        }
        let list: Vec<Detail> = serde_json::from_value(details.clone())
            .map_err(|e| ScopeError(format!("authorization_details is malformed: {e}")))?;
        let mut spec = AccessSpec::default();
        for detail in list {
            if detail.r#type != AUTHORIZATION_DETAILS_TYPE {
                return Err(ScopeError(format!(
                    "authorization_details type `{}` is not supported (use `{AUTHORIZATION_DETAILS_TYPE}`)",
                    detail.r#type
                )));
            }
            for entry in detail.fields {
                let field: Field = entry.field.parse().map_err(|_| unknown_field(&entry.field))?;
                spec.add_field(field, entry.mode.as_deref().map_or(Ok(Mode::Exact), parse_mode)?)?;
            }
            for p in detail.purposes {
                spec.purposes.insert(p.parse()?);
            }
        }
        Ok(spec)
    }

    /// Combines a scope and authorization details asked for together.
    pub fn merge(mut self, other: AccessSpec) -> Result<Self, ScopeError> {
        for (field, mode) in other.fields {
            self.add_field(field, mode)?;
        }
        self.purposes.extend(other.purposes);
        Ok(self)
    }

    /// A request must name at least one purpose and one field.
    pub fn check_complete(&self) -> Result<(), ScopeError> {
        if self.purposes.is_empty() {
            return Err(ScopeError("the request names no purpose (`purpose:<name>`)".into()));
        }
        if self.fields.is_empty() {
            return Err(ScopeError("the request names no field (`field:<name>[:<mode>]`)".into()));
        }
        Ok(())
    }

    /// Whether `self` asks for nothing beyond `granted`: the same or fewer fields, each in the
    /// same or a less revealing mode, and the same or fewer purposes.
    pub fn is_within(&self, granted: &AccessSpec) -> bool {
        self.purposes.is_subset(&granted.purposes)
            && self.fields.iter().all(|(f, m)| granted.fields.get(f).is_some_and(|g| m >= g))
    }

    /// The scope string for this spec, in a stable order.
    pub fn to_scope(&self) -> String {
        let fields = self.fields.iter().map(|(f, m)| format!("field:{}:{}", f.name(), mode_name(*m)));
        let purposes = self.purposes.iter().map(|p| format!("purpose:{}", p.name()));
        fields.chain(purposes).collect::<Vec<_>>().join(" ")
    }

    /// The spec as RFC 9396 authorization details.
    pub fn to_authorization_details(&self) -> Json {
        serde_json::json!([{
            "type": AUTHORIZATION_DETAILS_TYPE,
            "fields": self.fields.iter().map(|(f, m)| serde_json::json!({"field": f.name(), "mode": mode_name(*m)})).collect::<Vec<_>>(),
            "purposes": self.purposes.iter().map(|p| p.name()).collect::<Vec<_>>(),
        }])
    }
}

fn unknown_field(name: &str) -> ScopeError {
    ScopeError(format!("`{name}` is not a field of the catalog"))
}

/// Every scope token Butler supports, for the discovery metadata.
pub fn supported_scopes() -> Vec<String> {
    let mut out = Vec::new();
    for field in Field::ALL {
        for mode in field.modes() {
            out.push(format!("field:{}:{}", field.name(), mode_name(*mode)));
        }
    }
    out.extend(Purpose::ALL.iter().map(|p| format!("purpose:{}", p.name())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_grammar() {
        let spec =
            AccessSpec::from_scope("field:birth_date:coarse field:home.country purpose:recommend-products")
                .unwrap();
        assert_eq!(spec.fields[&Field::BirthDate], Mode::Coarse);
        assert_eq!(spec.fields[&Field::HomeCountry], Mode::Exact);
        assert!(spec.purposes.contains(&Purpose::RecommendProducts));
        assert_eq!(AccessSpec::from_scope(&spec.to_scope()).unwrap(), spec);
        spec.check_complete().unwrap();
    }

    #[test]
    fn bad_scopes_say_why() {
        let err = |s: &str| AccessSpec::from_scope(s).unwrap_err().0;
        assert!(err("field:shoe_size").contains("not a field"));
        assert!(err("field:health:exact").contains("cannot be disclosed in mode `exact`"));
        assert!(err("field:birth_date:fuzzy").contains("not a disclosure mode"));
        assert!(err("purpose:world-domination").contains("not a purpose"));
        assert!(err("openid").contains("not a scope token"));
        assert!(err("field:birth_date field:birth_date:coarse").contains("two modes"));
        assert!(AccessSpec::from_scope("purpose:contact").unwrap().check_complete().is_err());
    }

    #[test]
    fn authorization_details_match_the_scope() {
        let spec = AccessSpec::from_scope("field:interests:answer purpose:personalize-offers").unwrap();
        assert_eq!(AccessSpec::from_authorization_details(&spec.to_authorization_details()).unwrap(), spec);
        let other = serde_json::json!([{"type": "payment_initiation"}]);
        assert!(AccessSpec::from_authorization_details(&other).is_err());
    }

    #[test]
    fn narrowing_is_within_and_widening_is_not() {
        let granted =
            AccessSpec::from_scope("field:birth_date:exact field:home.city purpose:contact").unwrap();
        let narrower = AccessSpec::from_scope("field:birth_date:coarse purpose:contact").unwrap();
        assert!(narrower.is_within(&granted));
        assert!(!granted.is_within(&narrower));
        let other_purpose = AccessSpec::from_scope("field:birth_date:coarse purpose:measure").unwrap();
        assert!(!other_purpose.is_within(&granted));
    }

    #[test]
    fn metadata_lists_every_token() {
        let scopes = supported_scopes();
        assert!(scopes.contains(&"field:health:answer".to_owned()));
        assert!(!scopes.contains(&"field:health:exact".to_owned()));
        assert!(scopes.contains(&"purpose:measure".to_owned()));
    }
}
