use salesflow_app::ports::StoreResult;
use salesflow_domain::account::{Account, AccountDetails};
use salesflow_domain::ids::AccountId;
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, opt_text, text};

impl Table for Account {
    const TABLE: &'static str = "accounts";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "name_key",
        "domain",
        "industry",
        "phone",
        "street",
        "postal_code",
        "city",
        "city_key",
        "country",
        "notes",
        "customer_group",
        "vat_id",
    ];
    const SEARCH: &'static [&'static str] = &["name_key", "domain"];

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.name.to_string().into(),
            search_key(d.name.as_str()).into(),
            d.domain.clone().into(),
            d.industry.clone().into(),
            d.phone.clone().into(),
            d.street.clone().into(),
            d.postal_code.clone().into(),
            d.city.clone().into(),
            search_key(d.city.as_deref().unwrap_or_default()).into(),
            d.country.clone().into(),
            d.notes.clone().into(),
            d.customer_group.clone().into(),
            d.vat_id.clone().into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        Ok(Account {
            id: AccountId(id),
            details: AccountDetails {
                name: Name::from_stored(text(row, "name")?),
                domain: opt_text(row, "domain")?,
                industry: opt_text(row, "industry")?,
                phone: opt_text(row, "phone")?,
                street: opt_text(row, "street")?,
                postal_code: opt_text(row, "postal_code")?,
                city: opt_text(row, "city")?,
                country: opt_text(row, "country")?,
                notes: opt_text(row, "notes")?,
                customer_group: opt_text(row, "customer_group")?,
                vat_id: opt_text(row, "vat_id")?,
            },
            meta,
        })
    }
}
