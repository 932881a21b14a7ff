use salesflow_app::ports::{StoreError, StoreResult};
use salesflow_domain::ids::LeadId;
use salesflow_domain::lead::{Conversion, Lead, LeadDetails};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Email, Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, opt_parsed, opt_text, parsed, text};

fn key(value: Option<&str>) -> Val {
    search_key(value.unwrap_or_default()).into()
}

impl Table for Lead {
    const TABLE: &'static str = "leads";
    const COLUMNS: &'static [&'static str] = &[
        "first_name",
        "first_name_key",
        "last_name",
        "last_name_key",
        "company",
        "company_key",
        "title",
        "email",
        "phone",
        "source",
        "campaign",
        "status",
        "disqualify_reason",
        "notes",
        "criteria",
        "converted_account_id",
        "converted_contact_id",
        "converted_opportunity_id",
        "campaign_id",
        "attribution",
    ];
    const SEARCH: &'static [&'static str] =
        &["last_name_key", "first_name_key", "company_key", "email"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.first_name.clone().into(),
            key(d.first_name.as_deref()),
            d.last_name.to_string().into(),
            key(Some(d.last_name.as_str())),
            d.company.clone().into(),
            key(d.company.as_deref()),
            d.title.clone().into(),
            d.email.as_ref().map(ToString::to_string).into(),
            d.phone.clone().into(),
            d.source.as_str().into(),
            d.campaign.clone().into(),
            self.status.as_str().into(),
            self.disqualify_reason.clone().into(),
            d.notes.clone().into(),
            serde_json::to_string(&self.criteria)
                .unwrap_or_else(|_| "{}".into())
                .into(),
            self.conversion
                .as_ref()
                .map(|c| c.account_id.to_string())
                .into(),
            self.conversion
                .as_ref()
                .map(|c| c.contact_id.to_string())
                .into(),
            self.conversion
                .as_ref()
                .and_then(|c| c.opportunity_id.map(|o| o.to_string()))
                .into(),
            d.campaign_id.map(|c| c.to_string()).into(),
            serde_json::to_string(&self.attribution)
                .unwrap_or_else(|_| "{}".into())
                .into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        Ok(Lead {
            id: LeadId(id),
            details: LeadDetails {
                first_name: opt_text(row, "first_name")?,
                last_name: Name::from_stored(text(row, "last_name")?),
                company: opt_text(row, "company")?,
                title: opt_text(row, "title")?,
                email: opt_text(row, "email")?.map(Email::from_stored),
                phone: opt_text(row, "phone")?,
                source: parsed(row, "source")?,
                campaign: opt_text(row, "campaign")?,
                campaign_id: opt_parsed(row, "campaign_id")?,
                notes: opt_text(row, "notes")?,
            },
            status: parsed(row, "status")?,
            disqualify_reason: opt_text(row, "disqualify_reason")?,
            criteria: serde_json::from_str(&text(row, "criteria")?)
                .map_err(|e| StoreError::Other(format!("lead criteria: {e}")))?,
            conversion: match (
                opt_parsed(row, "converted_account_id")?,
                opt_parsed(row, "converted_contact_id")?,
            ) {
                (Some(account_id), Some(contact_id)) => Some(Conversion {
                    account_id,
                    contact_id,
                    opportunity_id: opt_parsed(row, "converted_opportunity_id")?,
                }),
                _ => None,
            },
            attribution: serde_json::from_str(&text(row, "attribution")?)
                .map_err(|e| StoreError::Other(format!("lead attribution: {e}")))?,
            meta,
        })
    }
}
