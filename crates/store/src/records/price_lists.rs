use salesflow_app::ports::StoreResult;
use salesflow_domain::ids::PriceListId;
use salesflow_domain::price_list::{PriceList, PriceListDetails};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, json_col, json_val, opt_parsed, opt_text, parsed, text};

impl Table for PriceList {
    const TABLE: &'static str = "price_lists";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "name_key",
        "currency",
        "customer_group",
        "valid_from",
        "valid_to",
        "prices",
    ];
    const SEARCH: &'static [&'static str] = &["name_key"];

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.name.to_string().into(),
            search_key(d.name.as_str()).into(),
            d.currency.code().into(),
            d.customer_group.clone().into(),
            d.valid_from.map(|v| v.to_string()).into(),
            d.valid_to.map(|v| v.to_string()).into(),
            json_val(&d.prices),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        Ok(PriceList {
            id: PriceListId(id),
            details: PriceListDetails {
                name: Name::from_stored(text(row, "name")?),
                currency: parsed(row, "currency")?,
                customer_group: opt_text(row, "customer_group")?,
                valid_from: opt_parsed(row, "valid_from")?,
                valid_to: opt_parsed(row, "valid_to")?,
                prices: json_col(row, "prices")?,
            },
            meta,
        })
    }
}
