use salesflow_app::ports::StoreResult;
use salesflow_domain::ids::PaymentId;
use salesflow_domain::money::Money;
use salesflow_domain::payment::Payment;
use salesflow_domain::record::RecordMeta;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, int, json_col, json_val, opt_text, parsed};

impl Table for Payment {
    const TABLE: &'static str = "payments";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "currency",
        "amount_minor",
        "received_on",
        "method",
        "reference",
        "allocations",
        "credit_minor",
    ];
    const SEARCH: &'static [&'static str] = &["reference"];

    fn values(&self) -> Vec<Val> {
        vec![
            self.account_id.to_string().into(),
            self.currency.code().into(),
            self.amount_minor.into(),
            self.received_on.to_string().into(),
            self.method.as_str().into(),
            self.reference.clone().into(),
            json_val(&self.allocations),
            self.credit_minor.into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let currency = parsed(row, "currency")?;
        let amount_minor = int(row, "amount_minor")?;
        Ok(Payment {
            id: PaymentId(id),
            account_id: parsed(row, "account_id")?,
            currency,
            amount_minor,
            amount: Money::new(amount_minor, currency).amount_text(),
            received_on: parsed(row, "received_on")?,
            method: parsed(row, "method")?,
            reference: opt_text(row, "reference")?,
            allocations: json_col(row, "allocations")?,
            credit_minor: int(row, "credit_minor")?,
            meta,
        })
    }
}
