//! Campaigns: the marketing efforts leads come from (an e-mail blast, a trade fair, an ad
//! series), with channel, status, dates and budget. Leads point to their campaign.

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::CampaignId;
use crate::money::{Currency, Money};
use crate::record::{RecordMeta, merged};
use crate::text::{Name, optional_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignChannel {
    Email,
    Event,
    Webinar,
    Advertising,
    Social,
    Partner,
    Other,
}

string_enum!(CampaignChannel {
    Email => "email", Event => "event", Webinar => "webinar", Advertising => "advertising",
    Social => "social", Partner => "partner", Other => "other",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Planned,
    Active,
    Completed,
}

string_enum!(CampaignStatus { Planned => "planned", Active => "active", Completed => "completed" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CampaignDetails {
    #[schema(value_type = String)]
    pub name: Name,
    pub channel: CampaignChannel,
    pub status: CampaignStatus,
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<Date>,
    pub budget_minor: i64,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    #[schema(value_type = String, format = Uuid)]
    pub id: CampaignId,
    #[serde(flatten)]
    pub details: CampaignDetails,
    /// The budget as a decimal string.
    pub budget: String,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Raw campaign input; on update a missing field keeps its value and "" clears it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub name: Option<String>,
    /// email, event, webinar, advertising, social, partner or other (default other).
    pub channel: Option<String>,
    /// planned (default), active or completed.
    pub status: Option<String>,
    /// YYYY-MM-DD.
    pub start_date: Option<String>,
    /// YYYY-MM-DD, not before the start.
    pub end_date: Option<String>,
    /// Decimal amount.
    pub budget: Option<String>,
    pub currency: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

fn choice<T: std::str::FromStr<Err = String> + Copy>(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    current: Option<T>,
    default: T,
) -> Option<T> {
    match raw.map(str::trim) {
        None | Some("") => Some(current.unwrap_or(default)),
        Some(raw) => errors.take(
            raw.parse()
                .map_err(|m: String| FieldError::new(field, "invalid_choice", m)),
        ),
    }
}

fn date(errors: &mut ValidationErrors, field: &str, raw: Option<String>) -> Option<Option<Date>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => errors.take(
            raw.parse()
                .map(Some)
                .map_err(|_| FieldError::new(field, "invalid_date", "must be a date YYYY-MM-DD")),
        ),
    }
}

impl CampaignDetails {
    pub fn parse(
        input: &CampaignInput,
        current: Option<&CampaignDetails>,
        default_currency: Currency,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let cur = |f: fn(&CampaignDetails) -> Option<String>| current.and_then(f);
        let name = errors.take(Name::parse(
            "name",
            merged(cur(|d| Some(d.name.to_string())).as_deref(), &input.name)
                .as_deref()
                .unwrap_or(""),
        ));
        let channel = choice(
            &mut errors,
            "channel",
            input.channel.as_deref(),
            current.map(|d| d.channel),
            CampaignChannel::Other,
        );
        let status = choice(
            &mut errors,
            "status",
            input.status.as_deref(),
            current.map(|d| d.status),
            CampaignStatus::Planned,
        );
        let start_date = date(
            &mut errors,
            "start_date",
            merged(
                cur(|d| d.start_date.map(|v| v.to_string())).as_deref(),
                &input.start_date,
            ),
        );
        let end_date = date(
            &mut errors,
            "end_date",
            merged(
                cur(|d| d.end_date.map(|v| v.to_string())).as_deref(),
                &input.end_date,
            ),
        );
        if let (Some(Some(start)), Some(Some(end))) = (start_date, end_date)
            && end < start
        {
            errors.add(
                "end_date",
                "before_start",
                "cannot be before the start date",
            );
        }
        let currency = match input.currency.as_deref().map(str::trim) {
            None | Some("") => Some(current.map(|d| d.currency).unwrap_or(default_currency)),
            Some(raw) => errors.take(
                Currency::parse(raw)
                    .map_err(|e| FieldError::new("currency", "invalid_currency", e.to_string())),
            ),
        };
        let budget_minor = match (input.budget.as_deref().map(str::trim), currency) {
            (_, None) => None,
            (None, Some(_)) => Some(current.map(|d| d.budget_minor).unwrap_or(0)),
            (Some(""), Some(_)) => Some(0),
            (Some(raw), Some(c)) => errors.take(
                Money::parse(raw, c)
                    .map_err(|e| FieldError::new("budget", "invalid_amount", e.to_string()))
                    .and_then(|m| {
                        (m.minor >= 0).then_some(m.minor).ok_or_else(|| {
                            FieldError::new("budget", "negative_amount", "cannot be negative")
                        })
                    }),
            ),
        };
        let notes = errors.take(optional_text(
            "notes",
            merged(cur(|d| d.notes.clone()).as_deref(), &input.notes).as_deref(),
            10_000,
        ));
        match (
            name,
            channel,
            status,
            start_date,
            end_date,
            budget_minor,
            currency,
            notes,
        ) {
            (
                Some(name),
                Some(channel),
                Some(status),
                Some(start_date),
                Some(end_date),
                Some(budget_minor),
                Some(currency),
                Some(notes),
            ) if errors.is_empty() => Ok(Self {
                name,
                channel,
                status,
                start_date,
                end_date,
                budget_minor,
                currency,
                notes,
            }),
            _ => Err(errors),
        }
    }
}

impl Fields for Campaign {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("name", Some(d.name.to_string())),
            ("channel", Some(d.channel.to_string())),
            ("status", Some(d.status.to_string())),
            ("start_date", d.start_date.map(|v| v.to_string())),
            ("end_date", d.end_date.map(|v| v.to_string())),
            (
                "budget",
                Some(Money::new(d.budget_minor, d.currency).to_string()),
            ),
            ("notes", d.notes.clone()),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Campaign {
    pub fn new(id: CampaignId, details: CampaignDetails, meta: RecordMeta) -> (Self, Change) {
        let campaign = Self {
            id,
            budget: Money::new(details.budget_minor, details.currency).amount_text(),
            details,
            meta,
        };
        let change = Change::new("created", changes::created(&campaign));
        (campaign, change)
    }
}

impl crate::record::Owned for Campaign {
    type Details = CampaignDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: CampaignDetails) -> Self {
        Self {
            budget: Money::new(details.budget_minor, details.currency).amount_text(),
            details,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_dates_and_budget() {
        let eur = Currency::parse("EUR").unwrap();
        let input = CampaignInput {
            name: Some("Spring fair".into()),
            channel: Some("event".into()),
            start_date: Some("2027-03-01".into()),
            end_date: Some("2027-03-03".into()),
            budget: Some("12000".into()),
            ..Default::default()
        };
        let d = CampaignDetails::parse(&input, None, eur).unwrap();
        assert_eq!(
            (d.channel, d.status, d.budget_minor),
            (CampaignChannel::Event, CampaignStatus::Planned, 1_200_000)
        );
        let bad = CampaignInput {
            name: Some("x".into()),
            channel: Some("tv".into()),
            start_date: Some("2027-03-05".into()),
            end_date: Some("2027-03-01".into()),
            budget: Some("-1".into()),
            ..Default::default()
        };
        let fields: Vec<String> = CampaignDetails::parse(&bad, None, eur)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["channel", "end_date", "budget"]);
    }
}
