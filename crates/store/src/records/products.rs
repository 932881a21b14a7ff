use salesflow_app::ports::StoreResult;
use salesflow_domain::ids::ProductId;
use salesflow_domain::money::Money;
use salesflow_domain::product::{Product, ProductDetails};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, flag, int, opt_text, parsed, text};

impl Table for Product {
    const TABLE: &'static str = "products";
    const COLUMNS: &'static [&'static str] = &[
        "sku",
        "sku_key",
        "name",
        "name_key",
        "description",
        "unit",
        "list_price_minor",
        "currency",
        "tax_category",
        "stockable",
        "category",
        "active",
    ];
    const SEARCH: &'static [&'static str] = &["sku_key", "name_key"];

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.sku.clone().into(),
            search_key(&d.sku).into(),
            d.name.to_string().into(),
            search_key(d.name.as_str()).into(),
            d.description.clone().into(),
            d.unit.clone().into(),
            d.list_price_minor.into(),
            d.currency.code().into(),
            d.tax_category.clone().into(),
            d.stockable.into(),
            d.category.clone().into(),
            d.active.into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let details = ProductDetails {
            sku: text(row, "sku")?,
            name: Name::from_stored(text(row, "name")?),
            description: opt_text(row, "description")?,
            unit: text(row, "unit")?,
            list_price_minor: int(row, "list_price_minor")?,
            currency: parsed(row, "currency")?,
            tax_category: text(row, "tax_category")?,
            stockable: flag(row, "stockable")?,
            category: opt_text(row, "category")?,
            active: flag(row, "active")?,
        };
        Ok(Product {
            id: ProductId(id),
            list_price: Money::new(details.list_price_minor, details.currency).amount_text(),
            details,
            meta,
        })
    }
}
