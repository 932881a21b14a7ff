//! Quote lines: written as JSON by API clients or as text in the browser
//! (`3 x LIC-PRO @ 1200.00 -10% [standard]`), then resolved against the catalogue, the price
//! list and the tax categories into priced lines.

use crate::error::{FieldError, ValidationErrors};
use crate::ids::ProductId;
use crate::line_item::{LineItem, quantity_milli};
use crate::money::{Currency, Money};
use crate::price_list::{self, PriceList};
use crate::product::{Product, parse_price};
use crate::quote::totals::{LineAmounts, PriceMode, PricedLine};
use crate::tax::{RateBp, TaxSettings, VatCode, parse_rate, rate_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub const MAX_LINES: usize = 200;

/// One line as an API client sends it. Either a product (`product_id` or `sku`) or a free
/// `description` with a `unit_price`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineInput {
    pub product_id: Option<String>,
    pub sku: Option<String>,
    /// Defaults to the product's name.
    pub description: Option<String>,
    /// Decimal with up to three places (default 1).
    pub quantity: Option<String>,
    /// Defaults to the price list's price, else the product's list price.
    pub unit_price: Option<String>,
    /// Percent, up to two decimals (default 0).
    pub discount: Option<String>,
    /// Tax category key; defaults to the product's.
    pub tax_category: Option<String>,
}

/// Lines as JSON objects (API) or as text, one per line (browser form).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LinesInput {
    List(Vec<QuoteLineInput>),
    Text(String),
}

/// A priced line of a quote or order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuoteLine {
    #[schema(value_type = Option<String>, format = Uuid)]
    pub product_id: Option<ProductId>,
    pub sku: Option<String>,
    pub description: String,
    pub unit: String,
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub discount_bp: u32,
    pub tax_category: String,
    #[schema(value_type = String)]
    pub tax_code: VatCode,
    pub tax_rate_bp: RateBp,
    /// Why no tax is charged (exempt, reverse charge, export), from the tax category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption_reason: Option<String>,
    /// The catalogue's price when the line was priced (in the quote's price mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price_minor: Option<i64>,
    #[serde(flatten)]
    pub amounts: LineAmounts,
}

impl QuoteLine {
    pub fn priced(&self) -> PricedLine {
        PricedLine {
            quantity_milli: self.quantity_milli,
            unit_price_minor: self.unit_price_minor,
            discount_bp: self.discount_bp,
            code: self.tax_code,
            rate_bp: self.tax_rate_bp,
        }
    }

    /// The discount the customer gets on this line: its discount, or more when its price is
    /// below the catalogue's (a price cut counts like a discount for approval), in hundredths
    /// of a percent rounded up.
    pub fn effective_discount_bp(&self) -> u32 {
        match self.list_price_minor {
            Some(list) if list > 0 && self.unit_price_minor < list => {
                let paid = i128::from(self.unit_price_minor)
                    * i128::from(10_000 - self.discount_bp.min(10_000));
                let off = 10_000 - paid / i128::from(list);
                u32::try_from(off.clamp(0, 10_000))
                    .unwrap_or(10_000)
                    .max(self.discount_bp)
            }
            _ => self.discount_bp,
        }
    }

    /// What identifies "the same line" across revisions.
    pub fn key(&self) -> String {
        match &self.sku {
            Some(sku) => format!("sku:{sku}:{}", self.description),
            None => format!("text:{}", self.description),
        }
    }

    /// The line as text, parsed back to the same line by `parse_text`.
    pub fn text(&self, currency: Currency) -> String {
        let item = match (&self.sku, self.product_id) {
            (Some(sku), Some(_)) => format!("{sku}: {}", self.description),
            _ => self.description.clone(),
        };
        let mut text = format!(
            "{} x {item} @ {}",
            quantity_text(self.quantity_milli),
            Money::new(self.unit_price_minor, currency).amount_text()
        );
        if self.discount_bp > 0 {
            text.push_str(&format!(" -{}%", rate_text(self.discount_bp)));
        }
        text.push_str(&format!(" [{}]", self.tax_category));
        text
    }
}

/// 1500 → "1.5", 2000 → "2".
pub fn quantity_text(milli: i64) -> String {
    let whole = milli / 1000;
    match milli % 1000 {
        0 => whole.to_string(),
        f => format!("{whole}.{}", format!("{f:03}").trim_end_matches('0')),
    }
}

/// A line before it is resolved against the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDraft {
    pub product_id: Option<ProductId>,
    pub sku: Option<String>,
    pub description: Option<String>,
    /// A single word that names a product when a SKU matches, else describes the line.
    pub guess: Option<String>,
    pub quantity_milli: i64,
    pub unit_price: Option<String>,
    /// Minor units used when neither the line nor the catalogue gives a price (an
    /// opportunity item whose product has no price in the quote's currency).
    pub fallback_price_minor: Option<i64>,
    pub discount_bp: u32,
    pub tax_category: Option<String>,
}

fn line_error(n: usize, code: &'static str, why: impl std::fmt::Display) -> FieldError {
    FieldError::new("lines", code, format!("line {n}: {why}"))
}

fn discount(n: usize, raw: &str) -> Result<u32, FieldError> {
    parse_rate(raw.trim().trim_end_matches('%')).ok_or_else(|| {
        line_error(
            n,
            "invalid_discount",
            "the discount is a percentage from 0 to 100",
        )
    })
}

fn quantity(n: usize, raw: &str) -> Result<i64, FieldError> {
    quantity_milli(raw.trim())
        .filter(|q| *q <= 1_000_000_000)
        .ok_or_else(|| {
            line_error(
                n,
                "invalid_quantity",
                "the quantity is a positive number with up to three decimals",
            )
        })
}

fn non_blank(raw: &Option<String>) -> Option<String> {
    raw.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Reads one text line: `[qty x] ITEM [@ price] [-discount%] [[tax]]`, where ITEM is a SKU,
/// `SKU: description`, or a free description.
pub fn parse_text_line(n: usize, line: &str) -> Result<LineDraft, FieldError> {
    let mut rest = line.trim();
    let mut draft = LineDraft {
        quantity_milli: 1000,
        ..Default::default()
    };
    if let Some(open) = rest.rfind('[')
        && rest.ends_with(']')
    {
        draft.tax_category = Some(rest[open + 1..rest.len() - 1].trim().to_string());
        rest = rest[..open].trim_end();
    }
    if let Some((left, percent)) = rest.rsplit_once(" -")
        && percent.trim_end().ends_with('%')
    {
        draft.discount_bp = discount(n, percent)?;
        rest = left.trim_end();
    }
    if let Some((left, price)) = rest.rsplit_once('@') {
        draft.unit_price = Some(price.trim().to_string());
        rest = left.trim_end();
    }
    if let Some((first, item)) = rest.split_once([' ', '\t'])
        && let Some((q, glued_x)) = first
            .strip_suffix(['x', 'X', '×'])
            .map_or(Some((first, false)), |q| Some((q, true)))
        && !q.is_empty()
        && q.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        // "3 x ITEM" or "3x ITEM": the x is its own token or glued to the number, never the
        // item's first letter ("2 Xmas tree" keeps its X).
        let item = item.trim_start();
        let item = match (glued_x, item.split_once([' ', '\t'])) {
            (false, Some(("x" | "X" | "×", after))) => after,
            _ => item,
        };
        draft.quantity_milli = quantity(n, q)?;
        rest = item.trim();
    }
    match rest.split_once(':') {
        Some((sku, description)) if !sku.contains(' ') => {
            draft.sku = Some(sku.trim().to_ascii_uppercase());
            draft.description = non_blank(&Some(description.to_string()));
        }
        _ if !rest.contains(' ') && !rest.is_empty() => draft.guess = Some(rest.to_string()),
        _ => draft.description = non_blank(&Some(rest.to_string())),
    }
    Ok(draft)
}

/// Turns the input lines into drafts; every bad line is reported.
pub fn drafts(input: &LinesInput) -> Result<Vec<LineDraft>, ValidationErrors> {
    // Counted before anything is parsed: a huge request is refused in one short answer.
    let count = match input {
        LinesInput::Text(text) => text.lines().filter(|l| !l.trim().is_empty()).count(),
        LinesInput::List(list) => list.len(),
    };
    if count > MAX_LINES {
        return Err(ValidationErrors::single(
            "lines",
            "too_many_lines",
            format!("at most {MAX_LINES} lines (got {count})"),
        ));
    }
    let mut errors = ValidationErrors::default();
    let mut out = Vec::new();
    match input {
        LinesInput::Text(text) => {
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                if let Some(d) = errors.take(parse_text_line(i + 1, line)) {
                    out.push(d);
                }
            }
        }
        LinesInput::List(list) => {
            for (i, line) in list.iter().enumerate() {
                let n = i + 1;
                let product_id = match non_blank(&line.product_id) {
                    Some(raw) => errors.take(
                        raw.parse()
                            .map(Some)
                            .map_err(|_| line_error(n, "invalid_id", "product_id is not an id")),
                    ),
                    None => Some(None),
                };
                let quantity = match non_blank(&line.quantity) {
                    Some(raw) => errors.take(quantity(n, &raw)),
                    None => Some(1000),
                };
                let discount = match non_blank(&line.discount) {
                    Some(raw) => errors.take(discount(n, &raw)),
                    None => Some(0),
                };
                if let (Some(product_id), Some(quantity_milli), Some(discount_bp)) =
                    (product_id, quantity, discount)
                {
                    out.push(LineDraft {
                        product_id,
                        sku: non_blank(&line.sku).map(|s| s.to_ascii_uppercase()),
                        description: non_blank(&line.description),
                        guess: None,
                        fallback_price_minor: None,
                        quantity_milli,
                        unit_price: non_blank(&line.unit_price),
                        discount_bp,
                        tax_category: non_blank(&line.tax_category),
                    });
                }
            }
        }
    }
    errors.into_result().map(|_| out)
}

/// Opportunity line items as drafts at their prices (a one-word item may name a product).
pub fn drafts_from_items(items: &[LineItem], currency: Currency) -> Vec<LineDraft> {
    items
        .iter()
        .map(|i| {
            let one_word = !i.description.contains(' ');
            LineDraft {
                guess: one_word.then(|| i.description.clone()),
                description: (!one_word).then(|| i.description.clone()),
                quantity_milli: i.quantity_milli,
                // A priced item keeps its price; an unpriced one-word item takes the
                // product's price, or 0 when it names no product.
                unit_price: (!one_word || i.unit_price_minor != 0)
                    .then(|| Money::new(i.unit_price_minor, currency).amount_text()),
                fallback_price_minor: Some(i.unit_price_minor),
                ..Default::default()
            }
        })
        .collect()
}

/// What lines are resolved against: the products they name, the price lists, the
/// customer's group and the day (which list applies), and the tax categories.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub products: Vec<Product>,
    pub price_lists: Vec<PriceList>,
    pub customer_group: Option<String>,
    pub today: Option<Date>,
    pub taxes: TaxSettings,
}

impl Catalogue {
    fn by_id(&self, id: ProductId) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    fn by_sku(&self, sku: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.details.sku == sku)
    }

    /// A product's price for `currency`: the customer group's price list, else the general
    /// list, else its list price in its own currency.
    fn price(&self, product: &Product, currency: Currency) -> Option<i64> {
        self.today
            .and_then(|day| {
                price_list::price_for(
                    &self.price_lists,
                    self.customer_group.as_deref(),
                    currency,
                    day,
                    &product.details.sku,
                )
            })
            .or_else(|| {
                (product.details.currency == currency).then_some(product.details.list_price_minor)
            })
    }
}

/// Resolves drafts into lines (amounts still zero: the quote computes them).
/// A tax-exclusive price with its tax, rounded half up (catalogue prices on tax-inclusive
/// quotes).
fn gross_of(net: i64, rate_bp: RateBp) -> i64 {
    let gross = (i128::from(net) * i128::from(10_000 + rate_bp) * 2 + 10_000) / 20_000;
    i64::try_from(gross).unwrap_or(i64::MAX)
}

pub fn resolve(
    drafts: &[LineDraft],
    catalogue: &Catalogue,
    currency: Currency,
    mode: PriceMode,
) -> Result<Vec<QuoteLine>, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let mut lines = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let n = i + 1;
        let guessed = d
            .guess
            .as_deref()
            .and_then(|g| catalogue.by_sku(&g.to_ascii_uppercase()));
        let product = match (d.product_id, &d.sku) {
            (Some(id), _) => catalogue.by_id(id),
            (None, Some(sku)) => catalogue.by_sku(sku),
            (None, None) => guessed,
        };
        if product.is_none() && (d.product_id.is_some() || d.sku.is_some()) {
            let named = d.sku.clone().unwrap_or_else(|| "that id".into());
            errors.0.push(line_error(
                n,
                "unknown_product",
                format!("no product {named}"),
            ));
            continue;
        }
        if let Some(p) = product
            && !p.quotable()
        {
            errors.0.push(line_error(
                n,
                "product_inactive",
                format!("{} is not offered any more", p.details.sku),
            ));
            continue;
        }
        let description = d
            .description
            .clone()
            .or_else(|| product.is_none().then(|| d.guess.clone()).flatten())
            .or_else(|| product.map(|p| p.details.name.to_string()));
        let Some(description) = description.filter(|s| s.chars().count() <= 500) else {
            errors.0.push(line_error(
                n,
                "description_required",
                "name a product or describe the line (up to 500 characters)",
            ));
            continue;
        };
        let tax_key = d
            .tax_category
            .clone()
            .or_else(|| product.map(|p| p.details.tax_category.clone()))
            .unwrap_or_else(|| catalogue.taxes.default_key().to_string());
        let Some(tax) = catalogue.taxes.get(&tax_key) else {
            errors.0.push(line_error(
                n,
                "unknown_tax_category",
                format!("no tax category '{tax_key}'"),
            ));
            continue;
        };
        // The catalogue's price in the quote's price mode: the reference a typed price or a
        // discount is measured against for approval.
        let catalogue_price = product
            .and_then(|p| catalogue.price(p, currency))
            .map(|net| match mode {
                PriceMode::Exclusive => net,
                PriceMode::Inclusive => gross_of(net, tax.rate_bp()),
            });
        let unit_price = match (&d.unit_price, product) {
            (Some(raw), _) => match parse_price("lines", raw, currency) {
                Ok(p) => p,
                Err(_) => {
                    errors.0.push(line_error(
                        n,
                        "invalid_amount",
                        format!("'{raw}' is not a price in {}", currency.code()),
                    ));
                    continue;
                }
            },
            (None, Some(p)) => match catalogue_price.or(d.fallback_price_minor) {
                Some(price) => price,
                None => {
                    errors.0.push(line_error(
                        n,
                        "no_price",
                        format!(
                            "{} has no price in {}; enter one",
                            p.details.sku,
                            currency.code()
                        ),
                    ));
                    continue;
                }
            },
            (None, None) if d.fallback_price_minor.is_some() => {
                d.fallback_price_minor.unwrap_or_default()
            }
            (None, None) => {
                errors.0.push(line_error(
                    n,
                    "price_required",
                    "a line without a product needs a price",
                ));
                continue;
            }
        };
        lines.push(QuoteLine {
            product_id: product.map(|p| p.id),
            sku: product.map(|p| p.details.sku.clone()),
            description,
            unit: product.map_or_else(|| "pc".to_string(), |p| p.details.unit.clone()),
            quantity_milli: d.quantity_milli,
            unit_price_minor: unit_price,
            discount_bp: d.discount_bp,
            tax_category: tax.key.clone(),
            tax_code: tax.code,
            tax_rate_bp: tax.rate_bp(),
            exemption_reason: tax.exemption_reason.clone(),
            list_price_minor: catalogue_price,
            amounts: LineAmounts {
                amount_minor: 0,
                discount_minor: 0,
                net_minor: 0,
            },
        });
    }
    errors.into_result().map(|_| lines)
}
