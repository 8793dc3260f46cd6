//! The field catalog: the names brands and Butler share, each field's type, sensitivity class and
//! disclosure modes, and the validation that turns the owner's input into a typed value.
//!
//! Names are part of the contract with brands: add freely, never rename.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// A field of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    BirthDate,
    Gender,
    Language,
    HomeCountry,
    HomeRegion,
    HomeCity,
    HomePostcode,
    HouseholdSize,
    HouseholdChildrenAges,
    SizesClothing,
    SizesShoe,
    ContactEmail,
    Interests,
    OfferPreferences,
    ShoppingDecisionStyle,
    Health,
    Religion,
    Politics,
}

/// How much harm a field's disclosure can do, which bounds how it may be disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Ordinary personal data.
    Ordinary,
    /// Data that reaches the owner directly (an address to write to).
    Contact,
    /// Special categories (health, religion, politics): never disclosed raw; answers only, and
    /// only with an explicit per-field consent.
    Special,
}

pub use butler_protocol::Mode;

/// The shape of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Date,
    Text,
    LanguageTag,
    CountryCode,
    Postcode,
    Count,
    Ages,
    ClothingSize,
    ShoeSize,
    Email,
    DecisionStyle,
    /// Kept in its own table, edited with the interest commands.
    Interests,
    /// A structured record, edited with the offer-preference commands.
    OfferPreferences,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::BirthDate,
        Field::Gender,
        Field::Language,
        Field::HomeCountry,
        Field::HomeRegion,
        Field::HomeCity,
        Field::HomePostcode,
        Field::HouseholdSize,
        Field::HouseholdChildrenAges,
        Field::SizesClothing,
        Field::SizesShoe,
        Field::ContactEmail,
        Field::Interests,
        Field::OfferPreferences,
        Field::ShoppingDecisionStyle,
        Field::Health,
        Field::Religion,
        Field::Politics,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::BirthDate => "birth_date",
            Field::Gender => "gender",
            Field::Language => "language",
            Field::HomeCountry => "home.country",
            Field::HomeRegion => "home.region",
            Field::HomeCity => "home.city",
            Field::HomePostcode => "home.postcode",
            Field::HouseholdSize => "household.size",
            Field::HouseholdChildrenAges => "household.children_ages",
            Field::SizesClothing => "sizes.clothing",
            Field::SizesShoe => "sizes.shoe",
            Field::ContactEmail => "contact.email",
            Field::Interests => "interests",
            Field::OfferPreferences => "offer_preferences",
            Field::ShoppingDecisionStyle => "shopping.decision_style",
            Field::Health => "health",
            Field::Religion => "religion",
            Field::Politics => "politics",
        }
    }

    pub fn kind(self) -> ValueKind {
        match self {
            Field::BirthDate => ValueKind::Date,
            Field::Gender | Field::HomeRegion | Field::HomeCity => ValueKind::Text,
            Field::Health | Field::Religion | Field::Politics => ValueKind::Text,
            Field::Language => ValueKind::LanguageTag,
            Field::HomeCountry => ValueKind::CountryCode,
            Field::HomePostcode => ValueKind::Postcode,
            Field::HouseholdSize => ValueKind::Count,
            Field::HouseholdChildrenAges => ValueKind::Ages,
            Field::SizesClothing => ValueKind::ClothingSize,
            Field::SizesShoe => ValueKind::ShoeSize,
            Field::ContactEmail => ValueKind::Email,
            Field::Interests => ValueKind::Interests,
            Field::OfferPreferences => ValueKind::OfferPreferences,
            Field::ShoppingDecisionStyle => ValueKind::DecisionStyle,
        }
    }

    pub fn sensitivity(self) -> Sensitivity {
        match self {
            Field::Health | Field::Religion | Field::Politics => Sensitivity::Special,
            Field::ContactEmail => Sensitivity::Contact,
            _ => Sensitivity::Ordinary,
        }
    }

    /// The modes this field can be disclosed in.
    pub fn modes(self) -> &'static [Mode] {
        use Mode::{Answer, Coarse, Exact};
        match self {
            Field::BirthDate | Field::HouseholdChildrenAges | Field::Interests => &[Exact, Coarse, Answer],
            Field::HomeCity | Field::HomePostcode | Field::HouseholdSize => &[Exact, Coarse],
            Field::Gender => &[Exact, Answer],
            Field::OfferPreferences => &[Exact, Answer],
            Field::Health | Field::Religion | Field::Politics => &[Answer],
            _ => &[Exact],
        }
    }

    /// One line for people: what the field holds and how to write it.
    pub fn description(self) -> &'static str {
        match self {
            Field::BirthDate => "date of birth, YYYY-MM-DD",
            Field::Gender => "gender, in the owner's words",
            Field::Language => "preferred language, a BCP 47 tag such as en-GB",
            Field::HomeCountry => "country of residence, ISO 3166-1 alpha-2 code such as FR",
            Field::HomeRegion => "region, state or province",
            Field::HomeCity => "city or town",
            Field::HomePostcode => "postcode",
            Field::HouseholdSize => "people in the household, 1 to 20",
            Field::HouseholdChildrenAges => "children's ages, comma-separated, 0 to 25",
            Field::SizesClothing => "clothing size: XXS to 5XL, or EU 28 to 70",
            Field::SizesShoe => "shoe size: EU 16-52, UK 0-17 or US 1-18 (halves allowed)",
            Field::ContactEmail => "e-mail address",
            Field::Interests => "interests on the Topics taxonomy or free text",
            Field::OfferPreferences => "which offers are welcome, how, how often and when",
            Field::ShoppingDecisionStyle => "how the owner decides: compare, quick, loyal or deals",
            Field::Health => "health information (special category)",
            Field::Religion => "religion or belief (special category)",
            Field::Politics => "political opinion (special category)",
        }
    }

    /// Whether `profile set` edits this field (interests and offer preferences have their own
    /// commands).
    pub fn is_simple(self) -> bool {
        !matches!(self.kind(), ValueKind::Interests | ValueKind::OfferPreferences)
    }

    /// Validates the owner's text for this field and returns the typed value.
    pub fn parse(self, input: &str) -> Result<FieldValue, ValueError> {
        let input = input.trim();
        let err = |reason: String| ValueError { field: self.name(), reason };
        match self.kind() {
            ValueKind::Date => parse_birth_date(input).map(FieldValue::Date).map_err(err),
            ValueKind::Text => {
                let max = if self.sensitivity() == Sensitivity::Special { 500 } else { 100 };
                text(input, max).map(FieldValue::Text).map_err(err)
            }
            ValueKind::LanguageTag => language_tag(input).map(FieldValue::Text).map_err(err),
            ValueKind::CountryCode => country(input).map(FieldValue::Text).map_err(err),
            ValueKind::Postcode => postcode(input).map(FieldValue::Text).map_err(err),
            ValueKind::Count => count(input, 1, 20).map(FieldValue::Count).map_err(err),
            ValueKind::Ages => ages(input).map(FieldValue::Ages).map_err(err),
            ValueKind::ClothingSize => clothing_size(input).map(FieldValue::Text).map_err(err),
            ValueKind::ShoeSize => shoe_size(input).map(FieldValue::Text).map_err(err),
            ValueKind::Email => email(input).map(FieldValue::Text).map_err(err),
            ValueKind::DecisionStyle => DecisionStyle::from_str(input)
                .map(FieldValue::Style)
                .map_err(|()| err("must be one of compare, quick, loyal, deals".into())),
            ValueKind::Interests => Err(err("interests are edited with `butler interests`".into())),
            ValueKind::OfferPreferences => {
                Err(err("offer preferences are edited with `butler prefs`".into()))
            }
        }
    }

    /// Validates a JSON value (from an import file) for this field, with the same rules as
    /// [`Field::parse`].
    pub fn from_json(self, value: &Json) -> Result<FieldValue, ValueError> {
        let err = |reason: &str| ValueError { field: self.name(), reason: reason.into() };
        match (self.kind(), value) {
            (ValueKind::Count, Json::Number(n)) => self.parse(&n.to_string()),
            (ValueKind::Ages, Json::Array(items)) => {
                let parts: Option<Vec<String>> =
                    items.iter().map(|i| i.as_u64().map(|n| n.to_string())).collect();
                let parts = parts.ok_or_else(|| err("must be a list of whole numbers"))?;
                self.parse(&parts.join(","))
            }
            (ValueKind::Count | ValueKind::Ages, _) => Err(err("has the wrong JSON type")),
            (_, Json::String(s)) => self.parse(s),
            _ => Err(err("must be a JSON string")),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field travels by its catalog name.
impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Field {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| ValueError {
            field: "field",
            reason: format!("`{s}` is not a field of the catalog (see `butler profile fields`)"),
        })
    }
}

/// A bad value, with what is wrong in words the owner can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValueError {
    pub field: &'static str,
    pub reason: String,
}

/// How the owner decides when shopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStyle {
    /// Takes time and compares.
    Compare,
    /// Decides fast.
    Quick,
    /// Sticks with brands they know.
    Loyal,
    /// Looks for deals.
    Deals,
}

impl FromStr for DecisionStyle {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "compare" => Ok(Self::Compare),
            "quick" => Ok(Self::Quick),
            "loyal" => Ok(Self::Loyal),
            "deals" => Ok(Self::Deals),
            _ => Err(()),
        }
    }
}

impl DecisionStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compare => "compare",
            Self::Quick => "quick",
            Self::Loyal => "loyal",
            Self::Deals => "deals",
        }
    }
}

/// A validated value of a simple field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Date(Date),
    Text(String),
    Count(u8),
    Ages(Vec<u8>),
    Style(DecisionStyle),
}

impl FieldValue {
    /// The value as JSON, the form used in storage, exports and the API.
    pub fn to_json(&self) -> Json {
        match self {
            FieldValue::Date(d) => Json::String(d.to_string()),
            FieldValue::Text(s) => Json::String(s.clone()),
            FieldValue::Count(n) => Json::from(*n),
            FieldValue::Ages(a) => Json::from(a.clone()),
            FieldValue::Style(s) => Json::String(s.as_str().into()),
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Date(d) => write!(f, "{d}"),
            FieldValue::Text(s) => f.write_str(s),
            FieldValue::Count(n) => write!(f, "{n}"),
            FieldValue::Ages(a) => {
                let parts: Vec<String> = a.iter().map(ToString::to_string).collect();
                f.write_str(&parts.join(", "))
            }
            FieldValue::Style(s) => f.write_str(s.as_str()),
        }
    }
}

/// Free text: not empty, no control characters, at most `max` characters.
pub(crate) fn text(input: &str, max: usize) -> Result<String, String> {
    if input.is_empty() {
        return Err("must not be empty (use `unset` to remove a value)".into());
    }
    if input.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Err("must not contain control, invisible or text-direction characters".into());
    }
    let len = input.chars().count();
    if len > max {
        return Err(format!("is {len} characters long; at most {max} are allowed"));
    }
    Ok(input.to_owned())
}

/// Format characters that change what a reader sees without being seen: zero-width characters,
/// bidirectional overrides and isolates, the soft hyphen and the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn parse_birth_date(input: &str) -> Result<Date, String> {
    let date: Date =
        input.parse().map_err(|_| format!("`{input}` is not a real date in the form YYYY-MM-DD"))?;
    let today = jiff::Zoned::now().date();
    if date > today {
        return Err(format!("{date} is in the future"));
    }
    if date.year() < 1900 {
        return Err(format!("{date} is before 1900"));
    }
    Ok(date)
}

fn language_tag(input: &str) -> Result<String, String> {
    let tag = language_tags::LanguageTag::parse(input)
        .map_err(|e| format!("`{input}` is not a BCP 47 language tag ({e})"))?;
    tag.validate().map_err(|e| format!("`{input}` is not a valid BCP 47 language tag ({e})"))?;
    Ok(tag.to_string())
}

fn country(input: &str) -> Result<String, String> {
    let upper = input.to_ascii_uppercase();
    if upper.len() != 2 {
        return Err(format!("`{input}` is not a two-letter ISO 3166-1 country code"));
    }
    celes::Country::from_alpha2(&upper)
        .map(|c| c.alpha2.to_owned())
        .map_err(|_| format!("`{input}` is not an ISO 3166-1 country code"))
}

fn postcode(input: &str) -> Result<String, String> {
    let value = text(input, 12)?;
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
        return Err("may hold only letters, digits, spaces and hyphens".into());
    }
    Ok(value.to_ascii_uppercase())
}

fn count(input: &str, min: u8, max: u8) -> Result<u8, String> {
    let n: u8 = input.parse().map_err(|_| format!("`{input}` is not a whole number"))?;
    if !(min..=max).contains(&n) {
        return Err(format!("{n} is out of range {min} to {max}"));
    }
    Ok(n)
}

fn ages(input: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for part in input.split(',').map(str::trim) {
        let age: u8 = part.parse().map_err(|_| format!("`{part}` is not an age in years"))?;
        if age > 25 {
            return Err(format!("{age} is out of range 0 to 25"));
        }
        out.push(age);
    }
    if out.len() > 12 {
        return Err("at most 12 ages are allowed".into());
    }
    out.sort_unstable();
    Ok(out)
}

fn clothing_size(input: &str) -> Result<String, String> {
    const LETTERS: [&str; 10] = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL", "5XL"];
    let upper = input.to_ascii_uppercase();
    if LETTERS.contains(&upper.as_str()) {
        return Ok(upper);
    }
    let numeric = upper.strip_prefix("EU").map_or(upper.as_str(), str::trim);
    match numeric.parse::<u8>() {
        Ok(n) if (28..=70).contains(&n) => Ok(format!("EU {n}")),
        _ => Err(format!("`{input}` is not a size from XXS to 5XL or EU 28 to 70")),
    }
}

fn shoe_size(input: &str) -> Result<String, String> {
    let upper = input.to_ascii_uppercase();
    let (system, number) = match upper.split_once(' ') {
        Some((s, n)) => (s.to_owned(), n.trim().to_owned()),
        None => ("EU".to_owned(), upper.clone()),
    };
    let (min, max) = match system.as_str() {
        "EU" => (16.0, 52.0),
        "UK" => (0.0, 17.0),
        "US" => (1.0, 18.0),
        _ => return Err(format!("`{system}` is not a sizing system (EU, UK or US)")),
    };
    let n: f64 = number.parse().map_err(|_| format!("`{number}` is not a size"))?;
    if !(min..=max).contains(&n) || (n * 2.0).fract() != 0.0 {
        return Err(format!("{system} {number} is not a shoe size ({system} {min} to {max}, whole or half)"));
    }
    Ok(format!("{system} {n}"))
}

fn email(input: &str) -> Result<String, String> {
    if input.len() > 254 {
        return Err("is longer than 254 characters".into());
    }
    let options =
        email_address::Options::default().with_required_tld().without_display_text().without_domain_literal();
    email_address::EmailAddress::parse_with_options(input, options)
        .map(|e| e.email())
        .map_err(|e| format!("`{input}` is not an e-mail address ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_its_name() {
        for f in Field::ALL {
            assert_eq!(f.name().parse::<Field>().unwrap(), f);
            assert!(!f.modes().is_empty());
        }
        assert!("birthdate".parse::<Field>().is_err());
    }

    #[test]
    fn special_categories_are_answer_only() {
        for f in [Field::Health, Field::Religion, Field::Politics] {
            assert_eq!(f.sensitivity(), Sensitivity::Special);
            assert_eq!(f.modes(), &[Mode::Answer]);
        }
    }

    #[test]
    fn good_values_are_normalised() {
        let ok = |f: Field, s: &str| f.parse(s).unwrap().to_string();
        assert_eq!(ok(Field::BirthDate, "1990-02-28"), "1990-02-28");
        assert_eq!(ok(Field::HomeCountry, "fr"), "FR");
        assert_eq!(ok(Field::Language, "en-GB"), "en-GB");
        assert_eq!(ok(Field::HouseholdChildrenAges, "7, 3"), "3, 7");
        assert_eq!(ok(Field::SizesClothing, "xl"), "XL");
        assert_eq!(ok(Field::SizesClothing, "38"), "EU 38");
        assert_eq!(ok(Field::SizesShoe, "42.5"), "EU 42.5");
        assert_eq!(ok(Field::SizesShoe, "us 9"), "US 9");
        assert_eq!(ok(Field::ContactEmail, "ada@example.org"), "ada@example.org");
        assert_eq!(ok(Field::ShoppingDecisionStyle, "compare"), "compare");
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let bad = |f: Field, s: &str| f.parse(s).unwrap_err().to_string();
        assert!(bad(Field::BirthDate, "1990-02-30").contains("not a real date"));
        assert!(bad(Field::BirthDate, "2999-01-01").contains("future"));
        assert!(bad(Field::HomeCountry, "XX").contains("ISO 3166-1"));
        assert!(bad(Field::HomeCountry, "France").contains("two-letter"));
        assert!(bad(Field::Language, "english please").contains("BCP 47"));
        assert!(bad(Field::HouseholdSize, "0").contains("out of range"));
        assert!(bad(Field::HouseholdSize, "21").contains("out of range"));
        assert!(bad(Field::HouseholdSize, "two").contains("not a whole number"));
        assert!(bad(Field::HouseholdChildrenAges, "3,40").contains("out of range"));
        assert!(bad(Field::SizesShoe, "EU 99").contains("not a shoe size"));
        assert!(bad(Field::SizesShoe, "EU 42.3").contains("not a shoe size"));
        assert!(bad(Field::SizesClothing, "XXXXL").contains("not a size"));
        assert!(bad(Field::ContactEmail, "not-an-address").contains("not an e-mail"));
        assert!(bad(Field::Gender, "").contains("empty"));
        assert!(bad(Field::HomeCity, "a\u{7}b").contains("control"));
        assert!(bad(Field::HomeCity, "Lyon\u{202E}noyL").contains("text-direction"));
        assert!(bad(Field::Gender, "a\u{200B}b").contains("invisible"));
        for address in ["Ada <ada@example.org>", "ada@[127.0.0.1]", "ada@localhost"] {
            assert!(bad(Field::ContactEmail, address).contains("not an e-mail"), "{address}");
        }
        assert!(bad(Field::Interests, "x").contains("butler interests"));
    }

    #[test]
    fn json_values_follow_the_same_rules() {
        assert_eq!(Field::HouseholdSize.from_json(&Json::from(3)).unwrap(), FieldValue::Count(3));
        assert!(Field::HouseholdSize.from_json(&Json::from(30)).is_err());
        assert!(Field::HouseholdSize.from_json(&Json::from("3")).is_err());
        assert_eq!(
            Field::HouseholdChildrenAges.from_json(&serde_json::json!([9, 2])).unwrap(),
            FieldValue::Ages(vec![2, 9])
        );
        assert!(Field::BirthDate.from_json(&Json::from(19_900_101)).is_err());
    }
}
