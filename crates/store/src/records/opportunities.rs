use salesflow_app::ports::{StoreError, StoreResult};
use salesflow_domain::ids::OpportunityId;
use salesflow_domain::opportunity::{Opportunity, OpportunityDetails};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, int, opt_parsed, opt_text, parsed, text, ts};

impl Table for Opportunity {
    const TABLE: &'static str = "opportunities";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "name_key",
        "account_id",
        "contact_id",
        "pipeline_id",
        "stage_id",
        "stage_key",
        "status",
        "amount_minor",
        "currency",
        "close_date",
        "close_date_key",
        "probability",
        "competitor",
        "lost_reason",
        "notes",
        "line_items",
        "lead_id",
        "case_id",
        "stage_entered_at",
    ];
    const SEARCH: &'static [&'static str] = &["name_key"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        let close = d.close_date.map(|c| c.to_string());
        vec![
            d.name.to_string().into(),
            search_key(d.name.as_str()).into(),
            d.account_id.map(|a| a.to_string()).into(),
            d.contact_id.map(|c| c.to_string()).into(),
            self.pipeline_id.to_string().into(),
            self.stage_id.to_string().into(),
            self.stage_key.clone().into(),
            self.status.as_str().into(),
            d.amount_minor.into(),
            d.currency.code().into(),
            close.clone().into(),
            close.unwrap_or_default().into(),
            i64::from(d.probability).into(),
            d.competitor.clone().into(),
            self.lost_reason.clone().into(),
            d.notes.clone().into(),
            serde_json::to_string(&d.line_items)
                .unwrap_or_else(|_| "[]".into())
                .into(),
            self.lead_id.map(|l| l.to_string()).into(),
            self.case_id.to_string().into(),
            self.stage_entered_at.into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let details = OpportunityDetails {
            name: Name::from_stored(text(row, "name")?),
            account_id: opt_parsed(row, "account_id")?,
            contact_id: opt_parsed(row, "contact_id")?,
            amount_minor: int(row, "amount_minor")?,
            currency: parsed(row, "currency")?,
            close_date: opt_parsed(row, "close_date")?,
            probability: u8::try_from(int(row, "probability")?).unwrap_or(0),
            competitor: opt_text(row, "competitor")?,
            notes: opt_text(row, "notes")?,
            line_items: serde_json::from_str(&text(row, "line_items")?)
                .map_err(|e| StoreError::Other(format!("line items: {e}")))?,
        };
        Ok(Opportunity {
            id: OpportunityId(id),
            amount: details.amount().amount_text(),
            details,
            pipeline_id: parsed(row, "pipeline_id")?,
            stage_id: parsed(row, "stage_id")?,
            stage_key: text(row, "stage_key")?,
            status: parsed(row, "status")?,
            lost_reason: opt_text(row, "lost_reason")?,
            lead_id: opt_parsed(row, "lead_id")?,
            case_id: parsed(row, "case_id")?,
            stage_entered_at: ts(row, "stage_entered_at")?,
            meta,
        })
    }
}
