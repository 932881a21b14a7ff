//! What a quote says (title, customer, currency, price mode, validity, terms, priced lines
//! and totals) and how input becomes it.

use super::lines::{self, Catalogue, LineDraft, LinesInput, QuoteLine};
use super::totals::{self, PriceMode, Totals};
use crate::error::{FieldError, ValidationErrors};
use crate::ids::{AccountId, ContactId, OpportunityId};
use crate::money::Currency;
use crate::record::merged;
use crate::text::{Name, optional_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The fields a user edits on a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuoteDetails {
    #[schema(value_type = String)]
    pub title: Name,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    #[schema(value_type = String)]
    pub currency: Currency,
    #[schema(value_type = String)]
    pub price_mode: PriceMode,
    #[schema(value_type = String, format = Date)]
    pub valid_until: Date,
    pub terms: Option<String>,
    pub lines: Vec<QuoteLine>,
    pub totals: Totals,
}

/// Raw quote input; on update a missing field keeps its value and "" clears it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    pub title: Option<String>,
    /// On create: quote this opportunity (its account, contact, currency and lines are the
    /// defaults).
    pub opportunity_id: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    /// ISO 4217; the opportunity's or the company's currency when omitted.
    pub currency: Option<String>,
    /// "exclusive" (default) or "inclusive": whether unit prices include tax.
    pub price_mode: Option<String>,
    /// YYYY-MM-DD; 30 days from today when omitted.
    pub valid_until: Option<String>,
    pub terms: Option<String>,
    /// JSON lines or text, one line per row: `3 x SKU @ 100.00 -10% [standard]`.
    pub lines: Option<LinesInput>,
    /// A note on this revision.
    pub comment: Option<String>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

/// What a new quote starts from besides its input.
#[derive(Debug, Clone)]
pub struct QuoteStart {
    pub today: Date,
    pub default_currency: Currency,
    pub opportunity: Option<OpportunityStart>,
}

/// The parts of the opportunity a quote is made from.
#[derive(Debug, Clone)]
pub struct OpportunityStart {
    pub id: OpportunityId,
    pub name: String,
    pub account_id: Option<AccountId>,
    pub contact_id: Option<ContactId>,
    pub currency: Currency,
    pub case_id: Uuid,
    pub lines: Vec<LineDraft>,
}

/// The days a quote is valid when no date is given.
pub const DEFAULT_VALIDITY_DAYS: i64 = 30;

fn parse_date(field: &str, raw: &str) -> Result<Date, FieldError> {
    raw.trim()
        .parse()
        .map_err(|_| FieldError::new(field, "invalid_date", "must be a date YYYY-MM-DD"))
}

fn computed(
    lines: Vec<QuoteLine>,
    mode: PriceMode,
) -> Result<(Vec<QuoteLine>, Totals), ValidationErrors> {
    let priced: Vec<_> = lines.iter().map(QuoteLine::priced).collect();
    let (amounts, totals) = totals::compute(&priced, mode)
        .map_err(|e| ValidationErrors::single("lines", "amount_too_large", e.to_string()))?;
    let lines = lines
        .into_iter()
        .zip(amounts)
        .map(|(line, amounts)| QuoteLine { amounts, ..line })
        .collect();
    Ok((lines, totals))
}

impl QuoteDetails {
    /// Parses input over `current` (or a new quote's `start`); lines are re-priced only
    /// when given (`drafts`).
    pub fn parse(
        input: &QuoteInput,
        current: Option<&QuoteDetails>,
        start: &QuoteStart,
        drafts: Option<&[LineDraft]>,
        catalogue: &Catalogue,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let opportunity = start.opportunity.as_ref();
        let title = errors.take(Name::parse(
            "title",
            &merged(current.map(|d| d.title.as_str()), &input.title)
                .filter(|t| !t.trim().is_empty())
                .or_else(|| opportunity.map(|o| o.name.clone()))
                .unwrap_or_default(),
        ));
        let account_id = match input.account_id.as_deref().map(str::trim) {
            None | Some("") => current
                .map(|d| d.account_id)
                .or_else(|| opportunity.and_then(|o| o.account_id)),
            Some(raw) => errors.take(
                raw.parse()
                    .map_err(|_| FieldError::new("account_id", "invalid_id", "must be an id")),
            ),
        };
        if account_id.is_none() && errors.is_empty() {
            errors.add(
                "account_id",
                "required",
                "a quote is made out to an account",
            );
        }
        let contact_id = match input.contact_id.as_deref().map(str::trim) {
            // A new quote's blank contact means "the opportunity's".
            None => current
                .and_then(|d| d.contact_id)
                .or_else(|| opportunity.and_then(|o| o.contact_id)),
            Some("") if current.is_none() => current
                .and_then(|d| d.contact_id)
                .or_else(|| opportunity.and_then(|o| o.contact_id)),
            Some("") => None,
            Some(raw) => errors.take(
                raw.parse()
                    .map_err(|_| FieldError::new("contact_id", "invalid_id", "must be an id")),
            ),
        };
        let currency =
            match input.currency.as_deref().map(str::trim) {
                None | Some("") => current
                    .map(|d| d.currency)
                    .or_else(|| opportunity.map(|o| o.currency))
                    .unwrap_or(start.default_currency),
                Some(raw) => errors
                    .take(Currency::parse(raw).map_err(|e| {
                        FieldError::new("currency", "invalid_currency", e.to_string())
                    }))
                    .unwrap_or(start.default_currency),
            };
        let price_mode = match input.price_mode.as_deref().map(str::trim) {
            None | Some("") => current.map(|d| d.price_mode).unwrap_or_default(),
            Some(raw) => errors
                .take(
                    raw.parse()
                        .map_err(|e: String| FieldError::new("price_mode", "invalid_choice", e)),
                )
                .unwrap_or_default(),
        };
        let valid_until = match input.valid_until.as_deref().map(str::trim) {
            None | Some("") => current.map(|d| d.valid_until).unwrap_or_else(|| {
                start
                    .today
                    .checked_add(jiff::Span::new().days(DEFAULT_VALIDITY_DAYS))
                    .unwrap_or(start.today)
            }),
            Some(raw) => errors
                .take(parse_date("valid_until", raw))
                .unwrap_or(start.today),
        };
        if valid_until < start.today {
            errors.add("valid_until", "in_the_past", "must be today or later");
        }
        let terms = errors.take(optional_text(
            "terms",
            merged(current.and_then(|d| d.terms.as_deref()), &input.terms).as_deref(),
            20_000,
        ));
        let currency_changed = current.is_some_and(|d| d.currency != currency);
        if currency_changed && drafts.is_none() {
            errors.add(
                "currency",
                "lines_required",
                "changing the currency needs the lines again, priced in the new currency",
            );
        }
        let lines = match drafts {
            Some(drafts) => match lines::resolve(drafts, catalogue, currency, price_mode) {
                Ok(lines) => Some(lines),
                Err(e) => {
                    errors.0.extend(e.0);
                    None
                }
            },
            None => Some(current.map(|d| d.lines.clone()).unwrap_or_default()),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let (lines, totals) = computed(lines.unwrap_or_default(), price_mode)?;
        Ok(Self {
            title: title.ok_or_else(|| errors.clone())?,
            account_id: account_id.ok_or_else(|| errors.clone())?,
            contact_id,
            currency,
            price_mode,
            valid_until,
            terms: terms.flatten(),
            lines,
            totals,
        })
    }

    pub fn max_discount_bp(&self) -> u32 {
        self.lines
            .iter()
            .map(QuoteLine::effective_discount_bp)
            .max()
            .unwrap_or(0)
    }
}
