//! Tax categories: what a product is taxed at. Each category carries its EN 16931 VAT category
//! code (BT-118) and rate (BT-119); the company edits the list in Settings → Taxes.

use crate::error::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// EN 16931 VAT category codes (UNCL5305 subset used by BT-118).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VatCode {
    /// Standard rate.
    S,
    /// Zero rated goods.
    Z,
    /// Exempt from tax.
    E,
    /// Reverse charge.
    AE,
    /// Intra-community supply.
    K,
    /// Export outside the EU.
    G,
    /// Not subject to VAT.
    O,
}

string_enum!(VatCode { S => "S", Z => "Z", E => "E", AE => "AE", K => "K", G => "G", O => "O" });

impl VatCode {
    /// Only the standard rate carries a positive rate; the others are 0 % by the standard's rules.
    pub fn takes_rate(self) -> bool {
        self == VatCode::S
    }
}

/// A tax rate in hundredths of a percent (19 % → 1900, 7.7 % → 770).
pub type RateBp = u32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxCategory {
    /// Stable key products refer to, e.g. `standard`.
    pub key: String,
    pub name: String,
    #[schema(value_type = String)]
    pub code: VatCode,
    /// Rate as a decimal percentage, e.g. "19" or "7.7".
    pub rate: String,
    /// Why no tax is charged (exempt, reverse charge, export): printed on documents.
    #[serde(default)]
    pub exemption_reason: Option<String>,
}

impl TaxCategory {
    pub fn rate_bp(&self) -> RateBp {
        parse_rate(&self.rate).unwrap_or(0)
    }
}

/// Parses "19", "7.7" or "5.25" into hundredths of a percent (at most 100 %).
pub fn parse_rate(raw: &str) -> Option<RateBp> {
    let (whole, fraction) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = format!("{fraction:0<2}").parse().ok()?;
    let bp = whole.checked_mul(100)?.checked_add(fraction)?;
    (bp <= 10_000).then_some(bp)
}

/// Shows hundredths of a percent as the shortest decimal: 1900 → "19", 770 → "7.7".
pub fn rate_text(bp: RateBp) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// The company's tax categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxSettings {
    pub categories: Vec<TaxCategory>,
}

impl Default for TaxSettings {
    fn default() -> Self {
        let category =
            |key: &str, name: &str, code, rate: &str, reason: Option<&str>| TaxCategory {
                key: key.into(),
                name: name.into(),
                code,
                rate: rate.into(),
                exemption_reason: reason.map(Into::into),
            };
        Self {
            categories: vec![
                category("standard", "Standard rate", VatCode::S, "19", None),
                category("reduced", "Reduced rate", VatCode::S, "7", None),
                category("zero", "Zero rated", VatCode::Z, "0", None),
                category("exempt", "Exempt", VatCode::E, "0", Some("Exempt from VAT")),
            ],
        }
    }
}

impl TaxSettings {
    pub fn get(&self, key: &str) -> Option<&TaxCategory> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The category new products get: the first one.
    pub fn default_key(&self) -> &str {
        self.categories
            .first()
            .map_or("standard", |c| c.key.as_str())
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.categories.is_empty() {
            errors.add(
                "categories",
                "required",
                "at least one tax category is needed",
            );
        }
        for (i, c) in self.categories.iter().enumerate() {
            let field = |name: &str| format!("categories[{i}].{name}");
            let key_ok = !c.key.is_empty()
                && c.key.len() <= 40
                && c.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                errors.0.push(FieldError::new(
                    &field("key"),
                    "invalid_key",
                    "use lower-case letters, digits and _ (at most 40)",
                ));
            }
            if self.categories[..i].iter().any(|o| o.key == c.key) {
                errors.0.push(FieldError::new(
                    &field("key"),
                    "duplicate",
                    "keys must differ",
                ));
            }
            let reason = c.exemption_reason.as_deref().map(str::trim).unwrap_or("");
            if !matches!(c.code, VatCode::S | VatCode::Z) && reason.is_empty() {
                errors.0.push(FieldError::new(
                    &field("exemption_reason"),
                    "reason_required",
                    "exempt, reverse-charge, intra-EU, export and out-of-scope categories print why",
                ));
            }
            if c.name.trim().is_empty() {
                errors.0.push(FieldError::new(
                    &field("name"),
                    "required",
                    "name the category",
                ));
            }
            match parse_rate(&c.rate) {
                None => errors.0.push(FieldError::new(
                    &field("rate"),
                    "invalid_rate",
                    "a percentage from 0 to 100 with at most two decimals",
                )),
                Some(bp) if (bp > 0) != c.code.takes_rate() => errors.0.push(FieldError::new(
                    &field("rate"),
                    "rate_for_code",
                    "the standard rate (S) needs a rate above 0; other codes are 0 %",
                )),
                Some(_) => {}
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(parse_rate("19"), Some(1900));
        assert_eq!(parse_rate("7.7"), Some(770));
        assert_eq!(parse_rate("5.25"), Some(525));
        assert_eq!(parse_rate("100"), Some(10_000));
        assert_eq!(parse_rate("100.01"), None);
        assert_eq!(parse_rate("1.234"), None);
        assert_eq!(parse_rate("-1"), None);
        assert_eq!(rate_text(770), "7.7");
        assert_eq!(rate_text(525), "5.25");
        assert_eq!(rate_text(1900), "19");
    }

    #[test]
    fn default_categories_are_valid_and_bad_ones_are_named() {
        assert!(TaxSettings::default().validate().is_ok());
        let mut bad = TaxSettings::default();
        bad.categories[2].rate = "5".into();
        bad.categories[1].key = "standard".into();
        bad.categories[3].exemption_reason = None;
        let codes: Vec<_> = bad
            .validate()
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, vec!["duplicate", "rate_for_code", "reason_required"]);
    }
}

/// A VAT identifier as e-invoices carry it (BT-31, BT-48): the country prefix and the number,
/// without spaces, dots or dashes, upper-cased (`de 123.456.789` → `DE123456789`); blank: none.
pub fn vat_id(field: &str, raw: Option<&str>) -> Result<Option<String>, crate::FieldError> {
    let compact: String = raw
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.is_empty() {
        return Ok(None);
    }
    // Only ASCII is valid; checked first, as splitting other text at byte 2 could cut a character.
    let valid = compact.is_ascii() && {
        let (prefix, number) = compact.split_at(compact.len().min(2));
        prefix.bytes().all(|b| b.is_ascii_uppercase())
            && (2..=13).contains(&number.len())
            && number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'*')
    };
    if valid {
        Ok(Some(compact))
    } else {
        Err(crate::FieldError::new(
            field,
            "invalid_vat_id",
            "must be a VAT identifier: the two-letter country prefix and the number, e.g. DE123456789",
        ))
    }
}

#[cfg(test)]
mod vat_id_tests {
    #[test]
    fn vat_ids_are_compacted_and_checked() {
        assert_eq!(
            super::vat_id("v", Some(" de 123.456-789 "))
                .unwrap()
                .as_deref(),
            Some("DE123456789")
        );
        assert_eq!(super::vat_id("v", Some("")).unwrap(), None);
        assert_eq!(super::vat_id("v", None).unwrap(), None);
        for bad in [
            "123456789",
            "D1",
            "DE1",
            "DE123456789012345",
            "DE12#45",
            "\u{1f600}1234",
            "D\u{e9}123456",
        ] {
            assert!(super::vat_id("v", Some(bad)).is_err(), "{bad}");
        }
    }
}
