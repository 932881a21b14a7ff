//! Opportunities: a potential sale moving through the stages of a pipeline until it is won or
//! lost.

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::{AccountId, ContactId, LeadId, OpportunityId, PipelineId, StageId, optional_id};
use crate::line_item::LineItem;
use crate::money::{Currency, Money};
use crate::pipeline::{GateField, Pipeline, Stage, StageKind};
use crate::record::{RecordMeta, merged};
use crate::text::{Name, optional_text};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    Won,
    Lost,
}

string_enum!(OpportunityStatus { Open => "open", Won => "won", Lost => "lost" });

impl From<StageKind> for OpportunityStatus {
    fn from(kind: StageKind) -> Self {
        match kind {
            StageKind::Open => OpportunityStatus::Open,
            StageKind::Won => OpportunityStatus::Won,
            StageKind::Lost => OpportunityStatus::Lost,
        }
    }
}

/// The fields a user edits on an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OpportunityDetails {
    #[schema(value_type = String)]
    pub name: Name,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub account_id: Option<AccountId>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// Amount in minor units (cents) of `currency`.
    pub amount_minor: i64,
    #[schema(value_type = String)]
    pub currency: Currency,
    #[schema(value_type = Option<String>, format = Date)]
    pub close_date: Option<Date>,
    /// Win probability in percent; set from the stage on every stage change.
    pub probability: u8,
    pub competitor: Option<String>,
    pub notes: Option<String>,
    /// What is being sold, free text for now (products come with the catalogue).
    pub line_items: Vec<LineItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Opportunity {
    #[schema(value_type = String, format = Uuid)]
    pub id: OpportunityId,
    #[serde(flatten)]
    pub details: OpportunityDetails,
    /// The amount as a decimal string, e.g. "12500.00".
    pub amount: String,
    #[schema(value_type = String, format = Uuid)]
    pub pipeline_id: PipelineId,
    #[schema(value_type = String, format = Uuid)]
    pub stage_id: StageId,
    pub stage_key: String,
    pub status: OpportunityStatus,
    pub lost_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub lead_id: Option<LeadId>,
    /// The sale's process case (the lead's, when converted from one).
    #[schema(value_type = String, format = Uuid)]
    pub case_id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub stage_entered_at: Timestamp,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Raw opportunity input. On update, a missing field keeps its value and "" clears it; the
/// stage changes only through a move.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    pub name: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    /// Decimal amount, e.g. "12500.00".
    pub amount: Option<String>,
    /// ISO 4217 code; the company's default currency when omitted.
    pub currency: Option<String>,
    /// YYYY-MM-DD.
    pub close_date: Option<String>,
    /// 0–100; defaults to the stage's probability.
    pub probability: Option<String>,
    pub competitor: Option<String>,
    pub notes: Option<String>,
    /// One per line: `2 x Licence @ 1200.00` (quantity and price optional).
    pub line_items: Option<String>,
    /// On create: the pipeline (default pipeline when omitted).
    pub pipeline_id: Option<String>,
    /// On create: the first stage (the pipeline's first stage when omitted).
    pub stage_id: Option<String>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

fn parse_probability(raw: &str) -> Result<u8, FieldError> {
    raw.trim()
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| {
            FieldError::new(
                "probability",
                "out_of_range",
                "must be a whole number from 0 to 100",
            )
        })
}

impl OpportunityDetails {
    /// Parses input over `current` (or over nothing, for a new opportunity, whose probability
    /// defaults to `stage_probability`).
    pub fn parse(
        input: &OpportunityInput,
        current: Option<&OpportunityDetails>,
        default_currency: Currency,
        stage_probability: u8,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let cur = |f: fn(&OpportunityDetails) -> Option<String>| current.and_then(f);
        let name = errors.take(Name::parse(
            "name",
            merged(cur(|d| Some(d.name.to_string())).as_deref(), &input.name)
                .as_deref()
                .unwrap_or(""),
        ));
        let account_id = errors.take(optional_id(
            "account_id",
            merged(
                cur(|d| d.account_id.map(|a| a.to_string())).as_deref(),
                &input.account_id,
            )
            .as_deref(),
        ));
        let contact_id = errors.take(optional_id(
            "contact_id",
            merged(
                cur(|d| d.contact_id.map(|c| c.to_string())).as_deref(),
                &input.contact_id,
            )
            .as_deref(),
        ));
        let currency = match input.currency.as_deref().map(str::trim) {
            None | Some("") => Some(current.map(|d| d.currency).unwrap_or(default_currency)),
            Some(raw) => errors.take(
                Currency::parse(raw)
                    .map_err(|e| FieldError::new("currency", "invalid_currency", e.to_string())),
            ),
        };
        let amount_minor = match (input.amount.as_deref().map(str::trim), currency) {
            (_, None) => None,
            (None, Some(c)) => Some(match current {
                // Changing only the currency keeps the digits; amounts are not converted.
                Some(d) if d.currency.exponent() == c.exponent() => d.amount_minor,
                Some(d) if d.amount_minor != 0 => {
                    errors.add(
                        "amount",
                        "amount_required",
                        "send the amount again with a new currency",
                    );
                    0
                }
                _ => 0,
            }),
            (Some(""), Some(_)) => Some(0),
            (Some(raw), Some(c)) => errors.take(
                Money::parse(raw, c)
                    .map_err(|e| FieldError::new("amount", "invalid_amount", e.to_string()))
                    .and_then(|m| match m.minor {
                        m if m < 0 => Err(FieldError::new(
                            "amount",
                            "negative_amount",
                            "cannot be negative",
                        )),
                        // Board totals multiply amounts by probabilities; keep them far from
                        // the 64-bit limit.
                        m if m > crate::money::MAX_AMOUNT_MINOR => Err(FieldError::new(
                            "amount",
                            "out_of_range",
                            "is larger than salesflow handles",
                        )),
                        m => Ok(m),
                    }),
            ),
        };
        let close_date = match merged(
            cur(|d| d.close_date.map(|c| c.to_string())).as_deref(),
            &input.close_date,
        )
        .as_deref()
        .map(str::trim)
        {
            None | Some("") => Some(None),
            Some(raw) => errors.take(raw.parse::<Date>().map(Some).map_err(|_| {
                FieldError::new("close_date", "invalid_date", "must be a date YYYY-MM-DD")
            })),
        };
        let probability = match input.probability.as_deref().map(str::trim) {
            None | Some("") => Some(current.map(|d| d.probability).unwrap_or(stage_probability)),
            Some(raw) => errors.take(parse_probability(raw)),
        };
        let competitor = errors.take(optional_text(
            "competitor",
            merged(cur(|d| d.competitor.clone()).as_deref(), &input.competitor).as_deref(),
            Name::MAX,
        ));
        let notes = errors.take(optional_text(
            "notes",
            merged(cur(|d| d.notes.clone()).as_deref(), &input.notes).as_deref(),
            10_000,
        ));
        let line_items = match (&input.line_items, currency) {
            (_, None) => None,
            (None, Some(_)) => Some(current.map(|d| d.line_items.clone()).unwrap_or_default()),
            (Some(raw), Some(c)) => errors.take(crate::line_item::parse_lines(raw, c)),
        };
        match (
            name,
            account_id,
            contact_id,
            currency,
            amount_minor,
            close_date,
            probability,
            competitor,
            notes,
            line_items,
        ) {
            (
                Some(name),
                Some(account_id),
                Some(contact_id),
                Some(currency),
                Some(amount_minor),
                Some(close_date),
                Some(probability),
                Some(competitor),
                Some(notes),
                Some(line_items),
            ) if errors.is_empty() => Ok(Self {
                name,
                account_id,
                contact_id,
                amount_minor,
                currency,
                close_date,
                probability,
                competitor,
                notes,
                line_items,
            }),
            _ => Err(errors),
        }
    }

    pub fn amount(&self) -> Money {
        Money::new(self.amount_minor, self.currency)
    }

    /// The gate fields of `stage` that are still empty.
    pub fn missing_for(&self, stage: &Stage) -> Vec<GateField> {
        stage
            .required_fields
            .iter()
            .copied()
            .filter(|f| match f {
                GateField::Amount => self.amount_minor <= 0,
                GateField::CloseDate => self.close_date.is_none(),
                GateField::Account => self.account_id.is_none(),
                GateField::Contact => self.contact_id.is_none(),
                GateField::Competitor => self.competitor.is_none(),
            })
            .collect()
    }
}

/// Why a stage change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("the stage is not part of this opportunity's pipeline")]
    UnknownStage,
    #[error("the opportunity is already in this stage")]
    SameStage,
    #[error("the {stage} stage needs {}", list(missing))]
    GateMissing {
        stage: String,
        missing: Vec<GateField>,
    },
    #[error("marking an opportunity lost needs a reason")]
    LostReasonRequired,
}

fn list(fields: &[GateField]) -> String {
    let labels: Vec<&str> = fields.iter().map(|f| f.label()).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Fields for Opportunity {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("name", Some(d.name.to_string())),
            ("account_id", d.account_id.map(|a| a.to_string())),
            ("contact_id", d.contact_id.map(|c| c.to_string())),
            ("amount", Some(d.amount().to_string())),
            ("close_date", d.close_date.map(|c| c.to_string())),
            ("probability", Some(d.probability.to_string())),
            ("competitor", d.competitor.clone()),
            ("notes", d.notes.clone()),
            (
                "line_items",
                Some(crate::line_item::lines_text(&d.line_items, d.currency))
                    .filter(|t| !t.is_empty()),
            ),
            ("stage", Some(self.stage_key.clone())),
            ("status", Some(self.status.to_string())),
            ("lost_reason", self.lost_reason.clone()),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Opportunity {
    /// A new opportunity in `stage_id` of `pipeline` (its first stage when `None`); the stage's
    /// gate applies as for a move.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: OpportunityId,
        details: OpportunityDetails,
        pipeline: &Pipeline,
        stage_id: Option<StageId>,
        lead_id: Option<LeadId>,
        case_id: Option<Uuid>,
        meta: RecordMeta,
    ) -> Result<(Self, Change), ValidationErrors> {
        let stage = match stage_id {
            None => pipeline.first_stage(),
            Some(id) => pipeline.stage(id).ok_or_else(|| {
                ValidationErrors::single(
                    "stage_id",
                    "unknown_stage",
                    "is not a stage of the pipeline",
                )
            })?,
        };
        if stage.kind != StageKind::Open {
            return Err(ValidationErrors::single(
                "stage_id",
                "closed_stage",
                "a new opportunity starts in an open stage",
            ));
        }
        let missing = details.missing_for(stage);
        if !missing.is_empty() {
            let mut errors = ValidationErrors::default();
            for f in &missing {
                errors.add(
                    f.as_str(),
                    "required_by_stage",
                    format!("the {} stage needs it", stage.name),
                );
            }
            return Err(errors);
        }
        let opportunity = Self {
            id,
            amount: details.amount().amount_text(),
            details,
            pipeline_id: pipeline.id,
            stage_id: stage.id,
            stage_key: stage.key.clone(),
            status: stage.kind.into(),
            lost_reason: None,
            lead_id,
            case_id: case_id.unwrap_or(id.0),
            stage_entered_at: meta.created_at,
            meta,
        };
        let change = Change::transition(
            "created",
            "none",
            &opportunity.stage_key,
            changes::created(&opportunity),
        );
        Ok((opportunity, change))
    }

    /// This opportunity with other details (amount text kept in step).
    pub fn with_details(&self, details: OpportunityDetails) -> Self {
        Self {
            amount: details.amount().amount_text(),
            details,
            ..self.clone()
        }
    }

    /// Moves the opportunity to another stage of its pipeline, checking the stage gate. The
    /// probability becomes the stage's default; entering the lost stage needs a reason.
    pub fn move_to(
        &self,
        pipeline: &Pipeline,
        stage_id: StageId,
        lost_reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(Self, Change), MoveError> {
        let stage = pipeline
            .stage(stage_id)
            .filter(|_| pipeline.id == self.pipeline_id)
            .ok_or(MoveError::UnknownStage)?;
        if stage.id == self.stage_id {
            return Err(MoveError::SameStage);
        }
        let missing = self.details.missing_for(stage);
        if !missing.is_empty() {
            return Err(MoveError::GateMissing {
                stage: stage.name.clone(),
                missing,
            });
        }
        let lost_reason = match stage.kind {
            StageKind::Lost => Some(
                lost_reason
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .ok_or(MoveError::LostReasonRequired)?
                    .chars()
                    .take(500)
                    .collect(),
            ),
            _ => None,
        };
        let mut next = self.with_details(OpportunityDetails {
            probability: stage.probability,
            ..self.details.clone()
        });
        next.stage_id = stage.id;
        next.stage_key = stage.key.clone();
        next.status = stage.kind.into();
        next.lost_reason = lost_reason;
        next.stage_entered_at = now;
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        let change = Change::transition("stage_changed", &self.stage_key, &stage.key, fields);
        Ok((next, change))
    }
}

impl Opportunity {
    /// The amount follows the quote the customer has (its net total, in its currency);
    /// `None` if unchanged.
    pub fn with_quoted_amount(&self, amount: Money, now: Timestamp) -> Option<(Self, Change)> {
        let same =
            self.details.amount_minor == amount.minor && self.details.currency == amount.currency;
        if same || self.status != OpportunityStatus::Open {
            return None;
        }
        let next = self.with_details(OpportunityDetails {
            amount_minor: amount.minor,
            currency: amount.currency,
            ..self.details.clone()
        });
        crate::record::edited(self, next, None, now)
    }

    /// Won because the customer accepted a quote: to the pipeline's won stage without the
    /// stage gate (the signed order is the evidence), at the quote's net amount.
    pub fn won_by_order(
        &self,
        pipeline: &Pipeline,
        amount: Money,
        now: Timestamp,
    ) -> Option<(Self, Change)> {
        let won = pipeline.stages.iter().find(|s| s.kind == StageKind::Won)?;
        if self.status != OpportunityStatus::Open || pipeline.id != self.pipeline_id {
            return None;
        }
        let mut next = self.with_details(OpportunityDetails {
            probability: won.probability,
            amount_minor: amount.minor,
            currency: amount.currency,
            ..self.details.clone()
        });
        next.stage_id = won.id;
        next.stage_key = won.key.clone();
        next.status = OpportunityStatus::Won;
        next.stage_entered_at = now;
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        Some((
            next,
            Change::transition("stage_changed", &self.stage_key, &won.key, fields),
        ))
    }
}

impl crate::record::Owned for Opportunity {
    type Details = OpportunityDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: OpportunityDetails) -> Self {
        Opportunity::with_details(self, details)
    }
}

#[cfg(test)]
mod tests;
