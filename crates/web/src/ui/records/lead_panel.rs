//! The lead page's qualification panel: the criteria checklist, the score with the points each
//! rule gave, the convert form for qualified leads and, once converted, links to what the lead
//! became. Also the two form handlers.

use std::collections::BTreeMap;

use salesflow_app::convert::ConvertLead;
use salesflow_app::qualification::CriteriaAnswers;
use salesflow_domain::event::EntityType;
use salesflow_domain::lead::LeadStatus;

use super::*;

pub struct CriterionView {
    pub key: String,
    pub label: String,
    pub met: bool,
}

pub struct LeadPanel {
    pub criteria: Vec<CriterionView>,
    pub score: i64,
    pub lines: Vec<(String, i64)>,
    pub met: usize,
    pub total: usize,
    pub can_answer: bool,
    pub can_convert: bool,
    pub suggested_name: String,
    pub became: Vec<(&'static str, String)>,
}

/// The panel of a lead page; `None` for other records.
pub async fn lead_panel<E: WebResource>(
    s: &AppState,
    actor: &Actor,
    record: &E,
    json: &Value,
) -> Result<Option<LeadPanel>, AppError> {
    if E::ENTITY != EntityType::Lead {
        return Ok(None);
    }
    let lead: Lead = s.app.get(actor, record.uuid()).await?;
    let (score, settings) = s.app.lead_score(actor, record.uuid()).await?;
    let open = !lead.meta.archived && actor.can(Resource::Lead, Action::Update);
    let mut became = Vec::new();
    if let Some(c) = &lead.conversion {
        became.push(("Account", format!("/accounts/{}", c.account_id)));
        became.push(("Contact", format!("/contacts/{}", c.contact_id)));
        if let Some(o) = c.opportunity_id {
            became.push(("Opportunity", format!("/opportunities/{o}")));
        }
    }
    let company = text_of(json, "company");
    Ok(Some(LeadPanel {
        criteria: settings
            .criteria
            .iter()
            .map(|c| CriterionView {
                key: c.key.clone(),
                label: c.label.clone(),
                met: lead.criteria.get(&c.key) == Some(&true),
            })
            .collect(),
        score: score.total,
        lines: score
            .lines
            .into_iter()
            .map(|l| (l.rule, l.points))
            .collect(),
        met: score.criteria_met,
        total: score.criteria_total,
        can_answer: open && lead.status != LeadStatus::Converted,
        can_convert: open && lead.status == LeadStatus::Qualified,
        suggested_name: salesflow_domain::conversion::opportunity_name(if company.is_empty() {
            lead.details.last_name.as_str()
        } else {
            &company
        }),
        became,
    }))
}

/// Saves the checklist: checked boxes are met, unchecked ones are not.
pub async fn answer_criteria(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let settings = match s.app.qualification_settings().await {
        Ok((settings, _)) => settings,
        Err(e) => return app_error_page(e),
    };
    let answers: BTreeMap<String, bool> = settings
        .criteria
        .iter()
        .map(|c| (c.key.clone(), form.contains_key(&format!("crit_{}", c.key))))
        .collect();
    let request = CriteriaAnswers {
        answers,
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    match s.app.answer_criteria(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/leads/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}

/// Converts from the lead page and opens what it became.
pub async fn convert(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let text = |k: &str| form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let request = ConvertLead {
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        create_opportunity: Some(form.contains_key("create_opportunity")),
        opportunity_name: text("opportunity_name"),
        amount: text("amount"),
        close_date: text("close_date"),
        ..Default::default()
    };
    match s.app.convert_lead(&user.actor, id, &request).await {
        Ok(c) => {
            let target = match &c.opportunity {
                Some(o) => format!("/opportunities/{}", o.id),
                None => format!("/accounts/{}", c.account.id),
            };
            Redirect::to(&target).into_response()
        }
        Err(e) => app_error_page(e),
    }
}
