//! The owner's terms, in the manner of IEEE 7012-2025 (machine-readable personal privacy terms):
//! the owner proffers an agreement, the brand accepts it by taking the token.
//!
//! Agreements are the service-delivery agreements of the DPV extension for IEEE 7012
//! (`https://w3id.org/dpv/standards/p7012#`, DPV 2.2; DPV 2.3 moved the same names to
//! `https://w3id.org/dpv/standards/ieee/7012#`, which is accepted too). From the strictest
//! (`SD-BASE`: service delivery only; no analytics, tracking or profiling; no sharing with third
//! parties) they permit, to the brand itself, analytics (`A`), then tracking (`AT`), then
//! profiling (`ATP`), then sharing anonymised data with third parties (`ATP-S3P`); a `-DP`
//! variant also obliges the brand to data portability. Each purpose needs a level: a grant's
//! agreement must permit what its purposes do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::access::Purpose;
use crate::error::{Error, Result};
use crate::vault::Vault;

/// The DPV extension's namespace (DPV 2.2), in which agreements are named.
pub const NAMESPACE: &str = "https://w3id.org/dpv/standards/p7012#";
/// The same agreements' namespace from DPV 2.3 on.
pub const NAMESPACE_2_3: &str = "https://w3id.org/dpv/standards/ieee/7012#";
const SETTING: &str = "terms_default";

/// What a brand may do beyond delivering the service, in the order agreements permit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Service delivery only.
    Base,
    /// And analytics by the brand.
    Analytics,
    /// And tracking by the brand.
    Tracking,
    /// And profiling by the brand.
    Profiling,
    /// And sharing anonymised data with third parties.
    SharingAnonymised,
}

/// An IEEE 7012 service-delivery agreement, by its DPV `p7012` identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Agreement {
    pub level: Level,
    /// The `-DP` variant: the brand must also provide data portability.
    pub portability: bool,
}

const IDS: [(Level, &str); 5] = [
    (Level::Base, "SD-BASE"),
    (Level::Analytics, "SD-BASE-A"),
    (Level::Tracking, "SD-BASE-AT"),
    (Level::Profiling, "SD-BASE-ATP"),
    (Level::SharingAnonymised, "SD-BASE-ATP-S3P"),
];

impl Agreement {
    /// `SD-BASE`: the strictest, and the owner's default until they choose another.
    pub const BASE: Agreement = Agreement { level: Level::Base, portability: false };

    /// Every agreement, strictest first (at each level, the one with portability first).
    pub fn all() -> Vec<Agreement> {
        IDS.iter()
            .flat_map(|(level, _)| [true, false].map(|portability| Agreement { level: *level, portability }))
            .collect()
    }

    /// The identifier, such as `SD-BASE-ATP-DP`.
    pub fn id(self) -> String {
        let base = IDS.iter().find(|(l, _)| *l == self.level).map_or("SD-BASE", |(_, id)| id);
        if self.portability { format!("{base}-DP") } else { base.to_owned() }
    }

    /// The identifier as an IRI of the DPV extension.
    pub fn iri(self) -> String {
        format!("{NAMESPACE}{}", self.id())
    }

    /// What it allows, in the owner's words.
    pub fn describe(self) -> String {
        let allows = match self.level {
            Level::Base => "only to deliver the service; no analytics, tracking or profiling, nothing shared",
            Level::Analytics => {
                "to deliver the service and analyse its use; no tracking or profiling, nothing shared"
            }
            Level::Tracking => {
                "to deliver the service, analyse and track its use; no profiling, nothing shared"
            }
            Level::Profiling => "to deliver the service, analyse, track and profile; nothing shared",
            Level::SharingAnonymised => {
                "to deliver the service, analyse, track and profile, and share fully anonymised data"
            }
        };
        let portability = if self.portability { "; and you can take your data with you" } else { "" };
        format!("The brand may use your data {allows}{portability}.")
    }

    /// Whether it permits everything the purposes do.
    pub fn fits(self, purposes: impl IntoIterator<Item = Purpose>) -> bool {
        purposes.into_iter().all(|p| self.level >= needs(p))
    }

    /// The strictest agreement that fits the purposes, with or without portability.
    pub fn strictest_fitting(purposes: impl IntoIterator<Item = Purpose>, portability: bool) -> Agreement {
        let level = purposes.into_iter().map(needs).max().unwrap_or(Level::Base);
        Agreement { level, portability }
    }

    /// Stricter first: a lower level, and at the same level, with portability.
    fn strictness(self) -> (Level, bool) {
        (self.level, !self.portability)
    }
}

/// The level a purpose needs: what it does with the data, in IEEE 7012's words.
pub fn needs(purpose: Purpose) -> Level {
    match purpose {
        Purpose::DeliverService => Level::Base,
        // Aggregate statistics about an audience: analytics.
        Purpose::Measure => Level::Analytics,
        // Tailoring to the person, and marketing to them: profiling.
        Purpose::PersonalizeContent
        | Purpose::RecommendProducts
        | Purpose::PersonalizeOffers
        | Purpose::Contact => Level::Profiling,
    }
}

/// An identifier Butler does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an IEEE 7012 agreement Butler offers (SD-BASE, SD-BASE-A, SD-BASE-AT, SD-BASE-ATP, SD-BASE-ATP-S3P, each also with -DP)"
)]
pub struct UnknownAgreement(pub String);

impl FromStr for Agreement {
    type Err = UnknownAgreement;

    /// `SD-BASE-A`, `p7012:SD-BASE-A`, or the IRI in either namespace.
    fn from_str(s: &str) -> Result<Self, UnknownAgreement> {
        let id = s
            .strip_prefix(NAMESPACE)
            .or_else(|| s.strip_prefix(NAMESPACE_2_3))
            .or_else(|| s.strip_prefix("p7012:"))
            .or_else(|| s.strip_prefix("ieee-7012:"))
            .unwrap_or(s);
        let (base, portability) = match id.strip_suffix("-DP") {
            Some(base) => (base, true),
            None => (id, false),
        };
        IDS.iter()
            .find(|(_, known)| *known == base)
            .map(|(level, _)| Agreement { level: *level, portability })
            .ok_or_else(|| UnknownAgreement(s.to_owned()))
    }
}

impl TryFrom<String> for Agreement {
    type Error = UnknownAgreement;

    fn try_from(s: String) -> Result<Self, UnknownAgreement> {
        s.parse()
    }
}

impl From<Agreement> for String {
    fn from(a: Agreement) -> String {
        a.id()
    }
}

impl fmt::Display for Agreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// Where a request stands with the owner's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The brand declared nothing: taking the token binds it to the owner's agreement.
    Unstated,
    /// The brand accepts the owner's agreement.
    Accepted,
    /// The brand declared agreements, none of them the owner's: the request cannot be approved
    /// as is. `fitting` are the brand's agreements that would permit the request's purposes.
    Mismatch { fitting: Vec<Agreement> },
}

/// The agreement Butler proposes for a grant, and where the brand stands with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub agreement: Agreement,
    pub standing: Standing,
}

/// The owner's agreement for purposes: their default if it permits them, otherwise the strictest
/// that does (keeping the default's portability).
pub fn owners_agreement(default: Agreement, purposes: &[Purpose]) -> Agreement {
    if default.fits(purposes.iter().copied()) {
        default
    } else {
        Agreement::strictest_fitting(purposes.iter().copied(), default.portability)
    }
}

/// What to propose for a request with these purposes from a brand that declared `accepted`.
pub fn propose(default: Agreement, purposes: &[Purpose], accepted: Option<&[Agreement]>) -> Proposal {
    let agreement = owners_agreement(default, purposes);
    let standing = match accepted {
        None => Standing::Unstated,
        Some(list) if list.contains(&agreement) => Standing::Accepted,
        Some(list) => {
            let mut fitting: Vec<Agreement> =
                list.iter().copied().filter(|a| a.fits(purposes.iter().copied())).collect();
            fitting.sort_by_key(|a| a.strictness());
            Standing::Mismatch { fitting }
        }
    };
    Proposal { agreement, standing }
}

/// Checks the owner's choice of agreement for a grant, or makes it: the chosen (or proposed)
/// agreement must permit the grant's purposes and, if the brand declared agreements, be one of
/// them.
pub fn choose(
    default: Agreement,
    purposes: &[Purpose],
    accepted: Option<&[Agreement]>,
    chosen: Option<Agreement>,
) -> Result<Agreement> {
    let proposal = propose(default, purposes, accepted);
    let agreement = chosen.unwrap_or(proposal.agreement);
    if !agreement.fits(purposes.iter().copied()) {
        let needed = Agreement::strictest_fitting(purposes.iter().copied(), false);
        return Err(Error::Terms(format!(
            "{agreement} does not permit what the grant's purposes do; they need {needed} or a less strict one"
        )));
    }
    if let Some(list) = accepted
        && !list.contains(&agreement)
    {
        let named: Vec<String> = list.iter().map(|a| a.id()).collect();
        let hint = match &proposal.standing {
            Standing::Mismatch { fitting } if !fitting.is_empty() => {
                let ids: Vec<String> = fitting.iter().map(|a| a.id()).collect();
                format!("; choose one of {} instead, or narrow the purposes", ids.join(", "))
            }
            _ => "; narrow the purposes, or deny".to_owned(),
        };
        return Err(Error::Terms(format!(
            "the brand accepts only {}, not {agreement}: the request cannot be approved as is{hint}",
            named.join(", ")
        )));
    }
    Ok(agreement)
}

impl Vault {
    /// The owner's default agreement (`SD-BASE` until they choose).
    pub fn default_agreement(&self) -> Result<Agreement> {
        Ok(self.setting(SETTING)?.unwrap_or(Agreement::BASE))
    }

    pub fn set_default_agreement(&self, agreement: Agreement) -> Result<()> {
        self.set_setting(SETTING, &agreement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(id: &str) -> Agreement {
        id.parse().unwrap()
    }

    #[test]
    fn identifiers_round_trip_in_every_form() {
        assert_eq!(Agreement::all().len(), 10);
        for agreement in Agreement::all() {
            assert_eq!(a(&agreement.id()), agreement);
            assert_eq!(a(&agreement.iri()), agreement);
            assert_eq!(a(&format!("{NAMESPACE_2_3}{}", agreement.id())), agreement);
            assert_eq!(a(&format!("p7012:{}", agreement.id())), agreement);
        }
        assert_eq!(a("SD-BASE-ATP-DP"), Agreement { level: Level::Profiling, portability: true });
        assert_eq!(Agreement::BASE.iri(), "https://w3id.org/dpv/standards/p7012#SD-BASE");
        for bad in ["SD-BY", "sd-base", "PDC-AI", "SD-BASE-DP-DP", "", "https://example.org#SD-BASE"] {
            assert!(bad.parse::<Agreement>().is_err(), "{bad}");
        }
        let json = serde_json::to_string(&a("SD-BASE-A-DP")).unwrap();
        assert_eq!(json, "\"SD-BASE-A-DP\"");
    }

    #[test]
    fn the_strictest_agreement_that_fits_is_proposed() {
        use Purpose::*;
        assert_eq!(owners_agreement(Agreement::BASE, &[DeliverService]), a("SD-BASE"));
        assert_eq!(owners_agreement(Agreement::BASE, &[DeliverService, Measure]), a("SD-BASE-A"));
        assert_eq!(owners_agreement(Agreement::BASE, &[RecommendProducts]), a("SD-BASE-ATP"));
        // A default with portability keeps it; a default that fits is kept as it is.
        assert_eq!(owners_agreement(a("SD-BASE-DP"), &[Measure]), a("SD-BASE-A-DP"));
        assert_eq!(owners_agreement(a("SD-BASE-AT"), &[DeliverService]), a("SD-BASE-AT"));
        assert!(!a("SD-BASE-A").fits([Contact]) && a("SD-BASE-ATP-S3P").fits(Purpose::ALL.iter().copied()));
    }

    #[test]
    fn a_brand_that_declared_other_agreements_is_flagged_and_cannot_be_approved_as_is() {
        use Purpose::*;
        let purposes = [RecommendProducts];
        let unstated = propose(Agreement::BASE, &purposes, None);
        assert_eq!(unstated, Proposal { agreement: a("SD-BASE-ATP"), standing: Standing::Unstated });
        assert_eq!(choose(Agreement::BASE, &purposes, None, None).unwrap(), a("SD-BASE-ATP"));

        let accepts = [a("SD-BASE-ATP"), a("SD-BASE")];
        assert_eq!(propose(Agreement::BASE, &purposes, Some(&accepts)).standing, Standing::Accepted);

        let other = [a("SD-BASE-ATP-S3P"), a("SD-BASE-A")];
        let flagged = propose(Agreement::BASE, &purposes, Some(&other));
        assert_eq!(flagged.standing, Standing::Mismatch { fitting: vec![a("SD-BASE-ATP-S3P")] });
        let err = choose(Agreement::BASE, &purposes, Some(&other), None).unwrap_err();
        assert_eq!(err.code(), "terms");
        assert!(
            err.to_string().contains("cannot be approved as is")
                && err.to_string().contains("SD-BASE-ATP-S3P")
        );
        // The owner may choose the brand's agreement explicitly, or narrow to what fits another.
        assert_eq!(
            choose(Agreement::BASE, &purposes, Some(&other), Some(a("SD-BASE-ATP-S3P"))).unwrap(),
            a("SD-BASE-ATP-S3P")
        );
        assert_eq!(choose(Agreement::BASE, &[Measure], Some(&other), None).unwrap(), a("SD-BASE-A"));
        // An agreement that does not permit the purposes is refused, whoever declared it.
        assert_eq!(
            choose(Agreement::BASE, &purposes, None, Some(a("SD-BASE-A"))).unwrap_err().code(),
            "terms"
        );
    }

    #[test]
    fn the_default_is_sd_base_until_the_owner_sets_another() {
        let (_dir, vault) = crate::testing::vault();
        assert_eq!(vault.default_agreement().unwrap(), Agreement::BASE);
        vault.set_default_agreement(a("SD-BASE-A-DP")).unwrap();
        assert_eq!(vault.default_agreement().unwrap(), a("SD-BASE-A-DP"));
    }
}
