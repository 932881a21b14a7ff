use salesflow_app::ports::StoreResult;
use salesflow_domain::ids::SalesOrderId;
use salesflow_domain::money::Money;
use salesflow_domain::quote::totals::Totals;
use salesflow_domain::record::RecordMeta;
use salesflow_domain::sales_order::SalesOrder;
use salesflow_domain::text::search_key;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, int, json_col, json_val, opt_parsed, opt_text, opt_ts, parsed, text};

impl Table for SalesOrder {
    const TABLE: &'static str = "sales_orders";
    const COLUMNS: &'static [&'static str] = &[
        "number",
        "title",
        "title_key",
        "status",
        "quote_id",
        "quote_number",
        "quote_revision",
        "opportunity_id",
        "account_id",
        "contact_id",
        "case_id",
        "currency",
        "price_mode",
        "terms",
        "lines",
        "totals",
        "total_minor",
        "signature",
        "reservations",
        "confirmed_at",
        "progress",
        "inspections",
        "invoice_policy",
    ];
    const SEARCH: &'static [&'static str] = &["title_key"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        vec![
            self.number.clone().into(),
            self.title.clone().into(),
            search_key(&self.title).into(),
            self.status.as_str().into(),
            self.quote_id.to_string().into(),
            self.quote_number.clone().into(),
            i64::from(self.quote_revision).into(),
            self.opportunity_id.map(|o| o.to_string()).into(),
            self.account_id.to_string().into(),
            self.contact_id.map(|c| c.to_string()).into(),
            self.case_id.to_string().into(),
            self.currency.code().into(),
            self.price_mode.as_str().into(),
            self.terms.clone().into(),
            json_val(&self.lines),
            json_val(&self.totals),
            self.totals.payable_minor.into(),
            json_val(&self.signature),
            json_val(&self.reservations),
            self.confirmed_at.into(),
            json_val(&self.progress),
            json_val(&self.inspections),
            self.invoice_policy.as_str().into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let totals: Totals = json_col(row, "totals")?;
        let currency = parsed(row, "currency")?;
        Ok(SalesOrder {
            id: SalesOrderId(id),
            number: text(row, "number")?,
            status: parsed(row, "status")?,
            quote_id: parsed(row, "quote_id")?,
            quote_number: opt_text(row, "quote_number")?,
            quote_revision: u32::try_from(int(row, "quote_revision")?).unwrap_or(1),
            opportunity_id: opt_parsed(row, "opportunity_id")?,
            account_id: parsed(row, "account_id")?,
            contact_id: opt_parsed(row, "contact_id")?,
            case_id: parsed(row, "case_id")?,
            title: text(row, "title")?,
            currency,
            price_mode: parsed(row, "price_mode")?,
            terms: opt_text(row, "terms")?,
            lines: json_col(row, "lines")?,
            total: Money::new(totals.payable_minor, currency).amount_text(),
            totals,
            signature: json_col(row, "signature")?,
            reservations: json_col(row, "reservations")?,
            confirmed_at: opt_ts(row, "confirmed_at")?,
            progress: json_col(row, "progress")?,
            inspections: json_col(row, "inspections")?,
            invoice_policy: parsed(row, "invoice_policy")?,
            meta,
        })
    }
}
