use salesflow_app::ports::StoreResult;
use salesflow_domain::ids::InvoiceId;
use salesflow_domain::invoice::Invoice;
use salesflow_domain::money::Money;
use salesflow_domain::quote::totals::Totals;
use salesflow_domain::record::RecordMeta;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, int, json_col, json_val, opt_parsed, opt_text, parsed, text};

impl Table for Invoice {
    const TABLE: &'static str = "invoices";
    const COLUMNS: &'static [&'static str] = &[
        "number",
        "kind",
        "status",
        "order_id",
        "order_number",
        "delivery_id",
        "credit_of",
        "credit_of_number",
        "account_id",
        "contact_id",
        "case_id",
        "currency",
        "price_mode",
        "terms",
        "lines",
        "order_lines",
        "totals",
        "total_minor",
        "issue_date",
        "due_date",
        "paid_minor",
    ];
    const SEARCH: &'static [&'static str] = &["number"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        vec![
            self.number.clone().into(),
            self.kind.as_str().into(),
            self.status.as_str().into(),
            self.order_id.to_string().into(),
            self.order_number.clone().into(),
            self.delivery_id.map(|d| d.to_string()).into(),
            self.credit_of.map(|c| c.to_string()).into(),
            self.credit_of_number.clone().into(),
            self.account_id.to_string().into(),
            self.contact_id.map(|c| c.to_string()).into(),
            self.case_id.to_string().into(),
            self.currency.code().into(),
            self.price_mode.as_str().into(),
            self.terms.clone().into(),
            json_val(&self.lines),
            json_val(&self.order_lines),
            json_val(&self.totals),
            self.totals.payable_minor.into(),
            self.issue_date.map(|d| d.to_string()).into(),
            self.due_date.map(|d| d.to_string()).into(),
            self.paid_minor.into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let totals: Totals = json_col(row, "totals")?;
        let currency = parsed(row, "currency")?;
        Ok(Invoice {
            id: InvoiceId(id),
            number: opt_text(row, "number")?,
            kind: parsed(row, "kind")?,
            status: parsed(row, "status")?,
            order_id: parsed(row, "order_id")?,
            order_number: text(row, "order_number")?,
            delivery_id: opt_parsed(row, "delivery_id")?,
            credit_of: opt_parsed(row, "credit_of")?,
            credit_of_number: opt_text(row, "credit_of_number")?,
            account_id: parsed(row, "account_id")?,
            contact_id: opt_parsed(row, "contact_id")?,
            case_id: parsed(row, "case_id")?,
            currency,
            price_mode: parsed(row, "price_mode")?,
            terms: opt_text(row, "terms")?,
            lines: json_col(row, "lines")?,
            order_lines: json_col(row, "order_lines")?,
            total: Money::new(totals.payable_minor, currency).amount_text(),
            totals,
            issue_date: opt_parsed(row, "issue_date")?,
            due_date: opt_parsed(row, "due_date")?,
            paid_minor: int(row, "paid_minor")?,
            meta,
        })
    }
}
