use salesflow_app::ports::StoreResult;
use salesflow_domain::ids::QuoteId;
use salesflow_domain::quote::{Quote, QuoteDetails};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{
    Val, int, json_col, json_val, opt_json_col, opt_parsed, opt_text, opt_ts, parsed, text,
};

impl Table for Quote {
    const TABLE: &'static str = "quotes";
    const COLUMNS: &'static [&'static str] = &[
        "number",
        "title",
        "title_key",
        "status",
        "revision",
        "opportunity_id",
        "account_id",
        "contact_id",
        "case_id",
        "currency",
        "price_mode",
        "valid_until",
        "valid_until_key",
        "terms",
        "lines",
        "totals",
        "net_minor",
        "total_minor",
        "max_discount_bp",
        "requested_by",
        "revision_comment",
        "revisions",
        "approval",
        "answer",
        "sent_at",
    ];
    const SEARCH: &'static [&'static str] = &["title_key"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        let requested_by = serde_json::to_value(self.requested_by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        vec![
            self.number.clone().into(),
            d.title.to_string().into(),
            search_key(d.title.as_str()).into(),
            self.status.as_str().into(),
            i64::from(self.revision).into(),
            self.opportunity_id.map(|o| o.to_string()).into(),
            d.account_id.to_string().into(),
            d.contact_id.map(|c| c.to_string()).into(),
            self.case_id.to_string().into(),
            d.currency.code().into(),
            d.price_mode.as_str().into(),
            d.valid_until.to_string().into(),
            d.valid_until.to_string().into(),
            d.terms.clone().into(),
            json_val(&d.lines),
            json_val(&d.totals),
            d.totals.tax_exclusive_minor.into(),
            d.totals.payable_minor.into(),
            i64::from(self.max_discount_bp).into(),
            requested_by.into(),
            self.revision_comment.clone().into(),
            json_val(&self.revisions),
            self.approval
                .as_ref()
                .map(json_val)
                .unwrap_or(Val::Text(None)),
            self.answer
                .as_ref()
                .map(json_val)
                .unwrap_or(Val::Text(None)),
            self.sent_at.into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let details = QuoteDetails {
            title: Name::from_stored(text(row, "title")?),
            account_id: parsed(row, "account_id")?,
            contact_id: opt_parsed(row, "contact_id")?,
            currency: parsed(row, "currency")?,
            price_mode: parsed(row, "price_mode")?,
            valid_until: parsed(row, "valid_until")?,
            terms: opt_text(row, "terms")?,
            lines: json_col(row, "lines")?,
            totals: json_col(row, "totals")?,
        };
        let requested_by =
            serde_json::from_value(serde_json::Value::String(text(row, "requested_by")?)).map_err(
                |e| salesflow_app::ports::StoreError::Other(format!("requested_by: {e}")),
            )?;
        Ok(Quote {
            id: QuoteId(id),
            number: opt_text(row, "number")?,
            status: parsed(row, "status")?,
            revision: u32::try_from(int(row, "revision")?).unwrap_or(1),
            opportunity_id: opt_parsed(row, "opportunity_id")?,
            case_id: parsed(row, "case_id")?,
            details,
            net_total: String::new(),
            total: String::new(),
            max_discount_bp: 0,
            requested_by,
            revision_comment: opt_text(row, "revision_comment")?,
            revisions: json_col(row, "revisions")?,
            approval: opt_json_col(row, "approval")?,
            answer: opt_json_col(row, "answer")?,
            sent_at: opt_ts(row, "sent_at")?,
            meta,
        }
        .refreshed())
    }
}
