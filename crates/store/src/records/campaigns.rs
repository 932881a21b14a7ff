//! How campaigns and web forms are stored.

use salesflow_app::ports::{StoreError, StoreResult};
use salesflow_domain::campaign::{Campaign, CampaignDetails};
use salesflow_domain::ids::{CampaignId, WebFormId};
use salesflow_domain::money::Money;
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Name, search_key};
use salesflow_domain::web_form::{WebForm, WebFormDetails, fields_text, parse_fields};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, flag, int, opt_parsed, opt_text, parsed, text};

impl Table for Campaign {
    const TABLE: &'static str = "campaigns";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "name_key",
        "channel",
        "status",
        "start_date",
        "end_date",
        "budget_minor",
        "currency",
        "notes",
    ];
    const SEARCH: &'static [&'static str] = &["name_key"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.name.to_string().into(),
            search_key(d.name.as_str()).into(),
            d.channel.as_str().into(),
            d.status.as_str().into(),
            d.start_date.map(|v| v.to_string()).into(),
            d.end_date.map(|v| v.to_string()).into(),
            d.budget_minor.into(),
            d.currency.code().into(),
            d.notes.clone().into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let details = CampaignDetails {
            name: Name::from_stored(text(row, "name")?),
            channel: parsed(row, "channel")?,
            status: parsed(row, "status")?,
            start_date: opt_parsed(row, "start_date")?,
            end_date: opt_parsed(row, "end_date")?,
            budget_minor: int(row, "budget_minor")?,
            currency: parsed(row, "currency")?,
            notes: opt_text(row, "notes")?,
        };
        Ok(Campaign {
            id: CampaignId(id),
            budget: Money::new(details.budget_minor, details.currency).amount_text(),
            details,
            meta,
        })
    }
}

impl Table for WebForm {
    const TABLE: &'static str = "web_forms";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "name_key",
        "campaign_id",
        "fields",
        "thank_you",
        "active",
        "token",
    ];
    const SEARCH: &'static [&'static str] = &["name_key"];

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.name.to_string().into(),
            search_key(d.name.as_str()).into(),
            d.campaign_id.map(|c| c.to_string()).into(),
            fields_text(&d.fields).into(),
            d.thank_you.clone().into(),
            d.active.into(),
            self.token.clone().into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        Ok(WebForm {
            id: WebFormId(id),
            details: WebFormDetails {
                name: Name::from_stored(text(row, "name")?),
                campaign_id: opt_parsed(row, "campaign_id")?,
                fields: parse_fields(&text(row, "fields")?)
                    .map_err(|e| StoreError::Other(format!("web form fields: {}", e.message)))?,
                thank_you: text(row, "thank_you")?,
                active: flag(row, "active")?,
            },
            token: text(row, "token")?,
            meta,
        })
    }
}
