use salesflow_app::ports::StoreResult;
use salesflow_domain::delivery::Delivery;
use salesflow_domain::ids::DeliveryId;
use salesflow_domain::record::RecordMeta;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, json_col, json_val, opt_parsed, opt_text, opt_ts, parsed, text};

impl Table for Delivery {
    const TABLE: &'static str = "deliveries";
    const COLUMNS: &'static [&'static str] = &[
        "number",
        "status",
        "order_id",
        "order_number",
        "account_id",
        "contact_id",
        "case_id",
        "warehouse_id",
        "lines",
        "carrier",
        "tracking",
        "shipped_at",
    ];
    const SEARCH: &'static [&'static str] = &["number"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        vec![
            self.number.clone().into(),
            self.status.as_str().into(),
            self.order_id.to_string().into(),
            self.order_number.clone().into(),
            self.account_id.to_string().into(),
            self.contact_id.map(|c| c.to_string()).into(),
            self.case_id.to_string().into(),
            self.warehouse_id.to_string().into(),
            json_val(&self.lines),
            self.carrier.clone().into(),
            self.tracking.clone().into(),
            self.shipped_at.into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        Ok(Delivery {
            id: DeliveryId(id),
            number: text(row, "number")?,
            status: parsed(row, "status")?,
            order_id: parsed(row, "order_id")?,
            order_number: text(row, "order_number")?,
            account_id: parsed(row, "account_id")?,
            contact_id: opt_parsed(row, "contact_id")?,
            case_id: parsed(row, "case_id")?,
            warehouse_id: parsed(row, "warehouse_id")?,
            lines: json_col(row, "lines")?,
            carrier: opt_text(row, "carrier")?,
            tracking: opt_text(row, "tracking")?,
            shipped_at: opt_ts(row, "shipped_at")?,
            meta,
        })
    }
}
