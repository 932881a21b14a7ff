//! Price lists: prices of catalogue products for a customer group in one currency, valid
//! between two dates. A quote takes each product's price from the list that applies to its
//! customer (their group's list before the general one, the most recent first), else the
//! product's list price.

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::PriceListId;
use crate::money::{Currency, Money, currency_field};
use crate::product::{parse_price, parse_sku};
use crate::record::{RecordMeta, merged};
use crate::text::{Name, optional_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListPrice {
    pub sku: String,
    pub price_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PriceListDetails {
    #[schema(value_type = String)]
    pub name: Name,
    #[schema(value_type = String)]
    pub currency: Currency,
    /// The accounts' customer group it is for; none: every customer.
    pub customer_group: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<Date>,
    pub prices: Vec<ListPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PriceList {
    #[schema(value_type = String, format = Uuid)]
    pub id: PriceListId,
    #[serde(flatten)]
    pub details: PriceListDetails,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// One price as an API client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListPriceInput {
    pub sku: String,
    /// Decimal in the list's currency.
    pub price: String,
}

/// Prices as JSON objects (API) or as text, `SKU price` per line (browser form).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PricesInput {
    List(Vec<ListPriceInput>),
    Text(String),
}

/// Raw price list input; on update a missing field keeps its value and "" clears it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListInput {
    pub name: Option<String>,
    /// ISO 4217; the company's default currency when omitted.
    pub currency: Option<String>,
    /// Accounts with this customer group get this list; blank: everyone.
    pub customer_group: Option<String>,
    /// YYYY-MM-DD; open when blank.
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub prices: Option<PricesInput>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

/// A customer group key: lower-cased, trimmed; blank is none.
pub fn customer_group(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    optional_text(field, raw, 50).map(|g| g.map(|g| g.to_lowercase()))
}

fn parse_prices(
    input: &PricesInput,
    currency: Currency,
) -> Result<Vec<ListPrice>, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let pairs: Vec<(String, String)> = match input {
        PricesInput::List(list) => list
            .iter()
            .map(|p| (p.sku.clone(), p.price.clone()))
            .collect(),
        PricesInput::Text(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.rsplit_once([' ', '\t', ';', ',']) {
                Some((sku, price)) => (sku.trim().to_string(), price.trim().to_string()),
                None => (l.to_string(), String::new()),
            })
            .collect(),
    };
    let mut prices: Vec<ListPrice> = Vec::new();
    for (i, (sku, price)) in pairs.iter().enumerate() {
        let at = |e: FieldError| {
            FieldError::new("prices", e.code, format!("line {}: {}", i + 1, e.message))
        };
        match (parse_sku(sku), parse_price("prices", price, currency)) {
            (Ok(sku), Ok(price_minor)) if !prices.iter().any(|p| p.sku == sku) => {
                prices.push(ListPrice { sku, price_minor })
            }
            (Ok(sku), Ok(_)) => errors.0.push(FieldError::new(
                "prices",
                "duplicate",
                format!("line {}: {sku} is listed twice", i + 1),
            )),
            (Err(e), _) | (_, Err(e)) => errors.0.push(at(e)),
        }
    }
    errors.into_result().map(|_| prices)
}

impl PriceListDetails {
    pub fn parse(
        input: &PriceListInput,
        current: Option<&PriceListDetails>,
        default_currency: Currency,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.take(Name::parse(
            "name",
            &merged(current.map(|d| d.name.as_str()), &input.name).unwrap_or_default(),
        ));
        let currency = errors
            .take(currency_field(
                input.currency.as_deref(),
                current.map(|d| d.currency),
                default_currency,
            ))
            .unwrap_or(default_currency);
        let group = errors.take(customer_group(
            "customer_group",
            merged(
                current.and_then(|d| d.customer_group.as_deref()),
                &input.customer_group,
            )
            .as_deref(),
        ));
        let mut date =
            |field: &str, was: Option<Date>, raw: &Option<String>| match merged(
                was.map(|d| d.to_string()).as_deref(),
                raw,
            )
            .as_deref()
            .map(str::trim)
            {
                None | Some("") => None,
                Some(v) => errors.take(v.parse::<Date>().map_err(|_| {
                    FieldError::new(field, "invalid_date", "must be a date YYYY-MM-DD")
                })),
            };
        let valid_from = date(
            "valid_from",
            current.and_then(|d| d.valid_from),
            &input.valid_from,
        );
        let valid_to = date(
            "valid_to",
            current.and_then(|d| d.valid_to),
            &input.valid_to,
        );
        if let (Some(from), Some(to)) = (valid_from, valid_to)
            && to < from
        {
            errors.add(
                "valid_to",
                "before_start",
                "cannot be before the start date",
            );
        }
        let prices = match &input.prices {
            Some(p) => match parse_prices(p, currency) {
                Ok(p) => p,
                Err(e) => {
                    errors.0.extend(e.0);
                    Vec::new()
                }
            },
            None if current.is_some_and(|d| d.currency != currency) => {
                errors.add(
                    "prices",
                    "prices_required",
                    "changing the currency needs the prices again",
                );
                Vec::new()
            }
            None => current.map(|d| d.prices.clone()).unwrap_or_default(),
        };
        match (name, group) {
            (Some(name), Some(customer_group)) if errors.is_empty() => Ok(Self {
                name,
                currency,
                customer_group,
                valid_from,
                valid_to,
                prices,
            }),
            _ => Err(errors),
        }
    }

    pub fn valid_on(&self, day: Date) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }

    pub fn price_of(&self, sku: &str) -> Option<i64> {
        self.prices
            .iter()
            .find(|p| p.sku == sku)
            .map(|p| p.price_minor)
    }

    /// The prices as the form edits them: `SKU price` per line.
    pub fn prices_text(&self) -> String {
        self.prices
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p.sku,
                    Money::new(p.price_minor, self.currency).amount_text()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The lists that may price a quote for a customer of `group` in `currency` on `day`, in the
/// order they are asked: their group's lists before the general ones, each latest first.
pub fn candidates<'a>(
    lists: &'a [PriceList],
    group: Option<&str>,
    currency: Currency,
    day: Date,
) -> Vec<&'a PriceList> {
    let mut found: Vec<&PriceList> = lists
        .iter()
        .filter(|l| !l.meta.archived && l.details.currency == currency && l.details.valid_on(day))
        .filter(|l| {
            l.details.customer_group.is_none() || l.details.customer_group.as_deref() == group
        })
        .collect();
    found.sort_by_key(|l| {
        std::cmp::Reverse((
            l.details.customer_group.is_some(),
            l.details.valid_from,
            l.meta.created_at,
        ))
    });
    found
}

/// The list that prices a quote for a customer of `group` in `currency` on `day` first.
pub fn applicable<'a>(
    lists: &'a [PriceList],
    group: Option<&str>,
    currency: Currency,
    day: Date,
) -> Option<&'a PriceList> {
    candidates(lists, group, currency, day).into_iter().next()
}

/// The price of `sku` for such a customer: from their group's list, else from the general
/// list (a SKU the group's list leaves out keeps the general price), else none (the product's
/// own list price applies).
pub fn price_for(
    lists: &[PriceList],
    group: Option<&str>,
    currency: Currency,
    day: Date,
    sku: &str,
) -> Option<i64> {
    candidates(lists, group, currency, day)
        .into_iter()
        .find_map(|l| l.details.price_of(sku))
}

impl Fields for PriceList {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("name", Some(d.name.to_string())),
            ("currency", Some(d.currency.code().to_string())),
            ("customer_group", d.customer_group.clone()),
            ("valid_from", d.valid_from.map(|v| v.to_string())),
            ("valid_to", d.valid_to.map(|v| v.to_string())),
            ("prices", Some(d.prices_text())),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl PriceList {
    pub fn new(id: PriceListId, details: PriceListDetails, meta: RecordMeta) -> (Self, Change) {
        let list = Self { id, details, meta };
        let change = Change::new("created", changes::created(&list));
        (list, change)
    }
}

impl crate::record::Owned for PriceList {
    type Details = PriceListDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: PriceListDetails) -> Self {
        Self {
            details,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use uuid::Uuid;

    fn list(
        name: &str,
        group: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        prices: &str,
    ) -> PriceList {
        let input = PriceListInput {
            name: Some(name.into()),
            customer_group: group.map(Into::into),
            valid_from: from.map(Into::into),
            valid_to: to.map(Into::into),
            prices: Some(PricesInput::Text(prices.into())),
            ..Default::default()
        };
        let details =
            PriceListDetails::parse(&input, None, Currency::parse("EUR").unwrap()).unwrap();
        let meta = RecordMeta::new(
            UserId(Uuid::nil()),
            None,
            "2026-01-01T00:00:00Z".parse().unwrap(),
        );
        PriceList::new(PriceListId(Uuid::now_v7()), details, meta).0
    }

    #[test]
    fn the_customers_group_list_wins_while_valid() {
        let eur = Currency::parse("EUR").unwrap();
        let lists = vec![
            list("General", None, None, None, "LIC 1100.00\nSEAT 450"),
            list(
                "Resellers",
                Some("Reseller"),
                Some("2026-01-01"),
                Some("2026-06-30"),
                "lic 900",
            ),
            list(
                "Old resellers",
                Some("reseller"),
                Some("2025-01-01"),
                Some("2025-12-31"),
                "LIC 800",
            ),
        ];
        let day = |d: &str| d.parse::<Date>().unwrap();
        let pick = |g: Option<&str>, d: &str| {
            applicable(&lists, g, eur, day(d)).map(|l| l.details.name.to_string())
        };
        assert_eq!(
            pick(Some("reseller"), "2026-03-01").as_deref(),
            Some("Resellers")
        );
        assert_eq!(
            pick(Some("reseller"), "2025-03-01").as_deref(),
            Some("Old resellers")
        );
        assert_eq!(
            pick(Some("reseller"), "2026-07-01").as_deref(),
            Some("General")
        );
        assert_eq!(pick(None, "2026-03-01").as_deref(), Some("General"));
        assert_eq!(
            applicable(
                &lists,
                None,
                Currency::parse("USD").unwrap(),
                day("2026-03-01")
            ),
            None
        );
        assert_eq!(lists[0].details.price_of("SEAT"), Some(45_000));
        // The resellers' list has no SEAT: the general list's price, not the product's.
        let seat = |g: Option<&str>| price_for(&lists, g, eur, day("2026-03-01"), "SEAT");
        assert_eq!(seat(Some("reseller")), Some(45_000));
        assert_eq!(
            price_for(&lists, Some("reseller"), eur, day("2026-03-01"), "LIC"),
            Some(90_000)
        );
        assert_eq!(
            price_for(&lists, None, eur, day("2026-03-01"), "NONE"),
            None
        );
        assert_eq!(lists[1].details.price_of("LIC"), Some(90_000));
    }

    #[test]
    fn bad_prices_are_named_by_line() {
        let input = PriceListInput {
            name: Some("Bad".into()),
            valid_from: Some("2026-02-01".into()),
            valid_to: Some("2026-01-01".into()),
            prices: Some(PricesInput::Text(
                "LIC 10\nLIC 12\nSEAT abc\nbad sku! 3".into(),
            )),
            ..Default::default()
        };
        let errors =
            PriceListDetails::parse(&input, None, Currency::parse("EUR").unwrap()).unwrap_err();
        let codes: Vec<_> = errors.0.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            vec!["before_start", "duplicate", "invalid_amount", "invalid_sku"]
        );
    }
}
