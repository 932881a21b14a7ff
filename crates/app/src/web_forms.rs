//! Public web-to-lead submissions (no account: the form's token is the only key), with a
//! honeypot against robots and a per-address limit, and the leads of a campaign.

use std::collections::HashMap;

use jiff::SignedDuration;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::campaign::Campaign;
use salesflow_domain::ids::LeadId;
use salesflow_domain::lead::{Lead, LeadDetails, LeadSource};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::web_form::{HONEYPOT, WebForm};
use uuid::Uuid;

use crate::entity::Entity;
use crate::error::{AppError, AppResult};
use crate::ports::SubmissionLimit;
use crate::secret::hash_secret;
use crate::{Actor, App};

/// Submissions allowed per address and form inside `SUBMISSION_WINDOW`.
pub const MAX_SUBMISSIONS: i64 = 5;
pub const SUBMISSION_WINDOW: SignedDuration = SignedDuration::from_mins(10);

/// What became of a submission.
#[derive(Debug)]
pub enum Submitted {
    Lead(Box<Lead>),
    /// The honeypot was filled in: answered like a success, stored nowhere.
    Ignored,
}

impl App {
    /// An active form by its public token.
    pub async fn public_form(&self, token: &str) -> AppResult<WebForm> {
        let valid = token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(AppError::NotFound);
        }
        self.store
            .form_by_token(token)
            .await?
            .filter(|f| f.details.active && !f.meta.archived)
            .ok_or(AppError::NotFound)
    }

    /// A public submission of form `token` from network address `address`.
    pub async fn submit_web_form(
        &self,
        token: &str,
        values: &HashMap<String, String>,
        address: &str,
        request_id: Option<String>,
    ) -> AppResult<(WebForm, Submitted)> {
        let form = self.public_form(token).await?;
        if values.get(HONEYPOT).is_some_and(|v| !v.trim().is_empty()) {
            tracing::info!(form = %form.id, "web form honeypot filled; submission ignored");
            return Ok((form, Submitted::Ignored));
        }
        let now = self.now();
        // Addresses are kept only as hashes.
        let address = hash_secret(address);
        let since = now.checked_sub(SUBMISSION_WINDOW).unwrap_or(now);
        let limit = SubmissionLimit {
            max: MAX_SUBMISSIONS,
            since,
        };
        let limited = || AppError::RateLimited {
            retry_after_secs: SUBMISSION_WINDOW.as_secs() as u64,
        };
        // A cheap early answer; the limit itself holds in the write below.
        if self
            .store
            .recent_submissions(form.id, &address, since)
            .await?
            >= MAX_SUBMISSIONS
        {
            return Err(limited());
        }
        let (input, utm) = form.submission(values)?;
        let details = LeadDetails::parse(&input, None, LeadSource::WebForm)?;
        // The assignment rules decide; without a matching rule the lead goes to the form's
        // owner (a deactivated owner's form keeps working, for the team).
        let assigner = self.assigner().await?;
        let assigned = self.assign(&assigner, &[&details]).await?.pop().flatten();
        let owner = self
            .store
            .user_by_id(form.meta.owner_id)
            .await?
            .filter(|u| u.active);
        let (owner_id, team_id) = match (&assigned, owner) {
            (Some(a), _) => (a.owner, a.team),
            (None, Some(u)) => (u.id, u.team_id),
            (None, None) => (form.meta.owner_id, form.meta.team_id),
        };
        let meta = RecordMeta::new(owner_id, team_id, now);
        let (mut lead, mut change) = Lead::new(LeadId(Uuid::now_v7()), details, meta);
        if let Some(a) = assigned {
            change.fields.push(salesflow_domain::changes::FieldChange {
                field: "assignment_rule".into(),
                old: None,
                new: Some(a.rule),
            });
        }
        lead.attribution = utm;
        let mut event = self.event(
            None,
            Lead::ENTITY,
            lead.id.0,
            lead.case_id(),
            change,
            Some(owner_id),
            team_id,
        );
        event.request_id = request_id;
        let stored = self
            .store
            .insert_submitted_lead(&lead, &event, form.id, &address, limit)
            .await?;
        if !stored {
            return Err(limited());
        }
        Ok((form, Submitted::Lead(Box::new(lead))))
    }

    /// A campaign's leads as the reader may see them: counts by status and the newest.
    pub async fn campaign_leads(
        &self,
        actor: &Actor,
        campaign: Uuid,
    ) -> AppResult<(Vec<(String, i64)>, Vec<Lead>)> {
        let _: Campaign = self.get(actor, campaign).await?;
        actor.require(Resource::Lead, Action::Read)?;
        let scope = actor.scope(Resource::Lead)?;
        let counts = self.store.campaign_lead_counts(campaign, scope).await?;
        let leads = self.store.campaign_leads(campaign, scope, 50).await?;
        Ok((counts, leads))
    }
}
