use salesflow_app::ports::StoreResult;
use salesflow_domain::contact::{Contact, ContactDetails};
use salesflow_domain::ids::ContactId;
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Email, Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, opt_parsed, opt_text, text};

impl Table for Contact {
    const TABLE: &'static str = "contacts";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "first_name",
        "first_name_key",
        "last_name",
        "last_name_key",
        "title",
        "email",
        "phone",
        "notes",
    ];
    const SEARCH: &'static [&'static str] = &["last_name_key", "first_name_key", "email"];

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.account_id.map(|a| a.to_string()).into(),
            d.first_name.clone().into(),
            search_key(d.first_name.as_deref().unwrap_or_default()).into(),
            d.last_name.to_string().into(),
            search_key(d.last_name.as_str()).into(),
            d.title.clone().into(),
            d.email.as_ref().map(ToString::to_string).into(),
            d.phone.clone().into(),
            d.notes.clone().into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        Ok(Contact {
            id: ContactId(id),
            details: ContactDetails {
                account_id: opt_parsed(row, "account_id")?,
                first_name: opt_text(row, "first_name")?,
                last_name: Name::from_stored(text(row, "last_name")?),
                title: opt_text(row, "title")?,
                email: opt_text(row, "email")?.map(Email::from_stored),
                phone: opt_text(row, "phone")?,
                notes: opt_text(row, "notes")?,
            },
            meta,
        })
    }
}
