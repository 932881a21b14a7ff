//! The catalogue: products and services with their list price and tax category. The cost
//! price is kept apart (see the product cost use case) so it can never leak into a response
//! that reps or customers read.

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::ProductId;
use crate::money::{Currency, MAX_AMOUNT_MINOR, Money, currency_field};
use crate::record::{RecordMeta, merged};
use crate::text::{Name, optional_text};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProductDetails {
    /// Stock keeping unit, unique among products (upper-cased).
    pub sku: String,
    #[schema(value_type = String)]
    pub name: Name,
    pub description: Option<String>,
    /// Unit of measure printed on documents, e.g. "pc", "h", "licence".
    pub unit: String,
    pub list_price_minor: i64,
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Key of a tax category (Settings → Taxes).
    pub tax_category: String,
    /// Goods kept in stock (services are not).
    pub stockable: bool,
    /// Product category, e.g. for quality inspection rules.
    pub category: Option<String>,
    /// Inactive products stay on old documents but cannot be quoted.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Product {
    #[schema(value_type = String, format = Uuid)]
    pub id: ProductId,
    #[serde(flatten)]
    pub details: ProductDetails,
    /// The list price as a decimal string.
    pub list_price: String,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Raw product input; on update a missing field keeps its value and "" clears it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Default "pc".
    pub unit: Option<String>,
    /// Decimal, e.g. "1200.00".
    pub list_price: Option<String>,
    /// ISO 4217; the company's default currency when omitted.
    pub currency: Option<String>,
    /// A tax category key; the first category when omitted.
    pub tax_category: Option<String>,
    /// "true" or "false" (default true).
    pub stockable: Option<String>,
    pub category: Option<String>,
    /// "true" or "false" (default true).
    pub active: Option<String>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

/// Parses a yes/no field as a form or CSV sends it.
pub fn parse_flag(field: &str, raw: &str) -> Result<bool, FieldError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => Err(FieldError::new(
            field,
            "invalid_flag",
            "must be true or false",
        )),
    }
}

/// A SKU: 1–40 letters, digits, `-`, `_` or `.`, stored upper-case.
pub fn parse_sku(raw: &str) -> Result<String, FieldError> {
    let sku = raw.trim().to_ascii_uppercase();
    let ok = !sku.is_empty()
        && sku.len() <= 40
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(sku)
    } else {
        Err(FieldError::new(
            "sku",
            "invalid_sku",
            "1–40 letters, digits, '-', '_' or '.'",
        ))
    }
}

/// A non-negative price in `currency`, at most the document limit.
pub fn parse_price(field: &str, raw: &str, currency: Currency) -> Result<i64, FieldError> {
    let money = Money::parse(raw, currency)
        .map_err(|e| FieldError::new(field, "invalid_amount", e.to_string()))?;
    if money.minor < 0 {
        return Err(FieldError::new(
            field,
            "negative_amount",
            "cannot be negative",
        ));
    }
    if money.minor > MAX_AMOUNT_MINOR {
        return Err(FieldError::new(field, "amount_too_large", "is too large"));
    }
    Ok(money.minor)
}

impl ProductDetails {
    /// Parses input over `current`; `tax_keys` are the configured tax categories.
    pub fn parse(
        input: &ProductInput,
        current: Option<&ProductDetails>,
        default_currency: Currency,
        tax_keys: &[String],
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let cur = |f: fn(&ProductDetails) -> String| current.map(f);
        let text = |f: fn(&ProductDetails) -> String, raw: &Option<String>| {
            merged(cur(f).as_deref(), raw).unwrap_or_default()
        };
        let sku = errors.take(parse_sku(&text(|d| d.sku.clone(), &input.sku)));
        let name = errors.take(Name::parse(
            "name",
            &text(|d| d.name.to_string(), &input.name),
        ));
        let description = errors.take(optional_text(
            "description",
            merged(
                current.and_then(|d| d.description.as_deref()),
                &input.description,
            )
            .as_deref(),
            5_000,
        ));
        let unit = match text(|d| d.unit.clone(), &input.unit).trim() {
            "" => "pc".to_string(),
            u if u.chars().count() <= 20 => u.to_string(),
            _ => {
                errors.add("unit", "too_long", "at most 20 characters");
                String::new()
            }
        };
        let currency = errors
            .take(currency_field(
                input.currency.as_deref(),
                current.map(|d| d.currency),
                default_currency,
            ))
            .unwrap_or(default_currency);
        let list_price_minor = match input.list_price.as_deref().map(str::trim) {
            None => current.map_or(0, |d| d.list_price_minor),
            Some("") => 0,
            Some(raw) => errors
                .take(parse_price("list_price", raw, currency))
                .unwrap_or(0),
        };
        let tax_category = match input.tax_category.as_deref().map(str::trim) {
            None | Some("") => current.map_or_else(
                || tax_keys.first().cloned().unwrap_or_default(),
                |d| d.tax_category.clone(),
            ),
            Some(raw) if tax_keys.iter().any(|k| k == raw) => raw.to_string(),
            Some(_) => {
                errors.add(
                    "tax_category",
                    "unknown_tax_category",
                    format!("must be one of: {}", tax_keys.join(", ")),
                );
                String::new()
            }
        };
        let flag = |errors: &mut ValidationErrors,
                    field: &str,
                    raw: &Option<String>,
                    was: Option<bool>| {
            match raw.as_deref().map(str::trim) {
                None | Some("") => was.unwrap_or(true),
                Some(v) => errors.take(parse_flag(field, v)).unwrap_or(true),
            }
        };
        let stockable = flag(
            &mut errors,
            "stockable",
            &input.stockable,
            current.map(|d| d.stockable),
        );
        let active = flag(
            &mut errors,
            "active",
            &input.active,
            current.map(|d| d.active),
        );
        let category = errors.take(optional_text(
            "category",
            merged(current.and_then(|d| d.category.as_deref()), &input.category).as_deref(),
            100,
        ));
        match (sku, name, description, category) {
            (Some(sku), Some(name), Some(description), Some(category)) if errors.is_empty() => {
                Ok(Self {
                    sku,
                    name,
                    description,
                    unit,
                    list_price_minor,
                    currency,
                    tax_category,
                    stockable,
                    category,
                    active,
                })
            }
            _ => Err(errors),
        }
    }
}

impl Fields for Product {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("sku", Some(d.sku.clone())),
            ("name", Some(d.name.to_string())),
            ("description", d.description.clone()),
            ("unit", Some(d.unit.clone())),
            (
                "list_price",
                Some(Money::new(d.list_price_minor, d.currency).to_string()),
            ),
            ("tax_category", Some(d.tax_category.clone())),
            ("stockable", Some(d.stockable.to_string())),
            ("category", d.category.clone()),
            ("active", Some(d.active.to_string())),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Product {
    pub fn new(id: ProductId, details: ProductDetails, meta: RecordMeta) -> (Self, Change) {
        let product = Self {
            id,
            list_price: Money::new(details.list_price_minor, details.currency).amount_text(),
            details,
            meta,
        };
        let change = Change::new("created", changes::created(&product));
        (product, change)
    }

    /// Whether new quote lines may use it.
    pub fn quotable(&self) -> bool {
        self.details.active && !self.meta.archived
    }
}

impl crate::record::Owned for Product {
    type Details = ProductDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: ProductDetails) -> Self {
        Self {
            list_price: Money::new(details.list_price_minor, details.currency).amount_text(),
            details,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn parses_with_defaults_and_names_every_bad_field() {
        let keys = vec!["standard".to_string(), "reduced".to_string()];
        let input = ProductInput {
            sku: Some(" lic-pro ".into()),
            name: Some("Pro licence".into()),
            list_price: Some("1200.00".into()),
            ..Default::default()
        };
        let d = ProductDetails::parse(&input, None, eur(), &keys).unwrap();
        assert_eq!(d.sku, "LIC-PRO");
        assert_eq!(d.list_price_minor, 120_000);
        assert_eq!(
            (d.unit.as_str(), d.tax_category.as_str()),
            ("pc", "standard")
        );
        assert!(d.stockable && d.active);
        let bad = ProductInput {
            sku: Some("a b".into()),
            list_price: Some("-1".into()),
            tax_category: Some("luxury".into()),
            stockable: Some("maybe".into()),
            ..Default::default()
        };
        let codes: Vec<_> = ProductDetails::parse(&bad, None, eur(), &keys)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(
            codes,
            vec![
                "invalid_sku",
                "required",
                "negative_amount",
                "unknown_tax_category",
                "invalid_flag"
            ]
        );
    }
}
