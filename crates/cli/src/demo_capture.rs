//! The demo company's lead capture: its campaigns (leads point to them) and a web form.

use std::collections::HashMap;

use anyhow::Result;
use salesflow_app::entity::Origin;
use salesflow_app::{Actor, App};
use salesflow_domain::campaign::{Campaign, CampaignInput};
use salesflow_domain::ids::CampaignId;
use salesflow_domain::web_form::{WebForm, WebFormInput};

use crate::admin::describe;

/// Creates a campaign for each name (channel by the name's first word); returns their ids.
pub async fn campaigns(
    app: &App,
    marketing: &Actor,
    names: &[&str],
) -> Result<HashMap<String, CampaignId>> {
    let mut ids = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        let channel = match name.to_lowercase() {
            n if n.contains("webinar") => "webinar",
            n if n.contains("fair") || n.contains("event") || n.contains("expo") => "event",
            n if n.contains("newsletter") || n.contains("mail") => "email",
            _ => ["advertising", "social", "partner"][i % 3],
        };
        let input = CampaignInput {
            name: Some(name.to_string()),
            channel: Some(channel.into()),
            status: Some("active".into()),
            budget: Some(format!("{}", 2_000 + 1_500 * i)),
            ..Default::default()
        };
        let campaign: Campaign = app
            .create(marketing, &input, Origin::Ui)
            .await
            .map_err(describe)?;
        ids.insert(name.to_string(), campaign.id);
    }
    Ok(ids)
}

/// The "Contact sales" form of the company web site.
pub async fn web_form(
    app: &App,
    marketing: &Actor,
    campaign: Option<CampaignId>,
) -> Result<WebForm> {
    let input = WebFormInput {
        name: Some("Contact sales".into()),
        campaign_id: campaign.map(|c| c.to_string()),
        fields: Some("first_name, last_name*, company, title, email*, phone, notes".into()),
        thank_you: Some(
            "Thank you! A salesperson will get back to you within one working day.".into(),
        ),
        ..Default::default()
    };
    app.create(marketing, &input, Origin::Ui)
        .await
        .map_err(describe)
}
