//! Lead-specific use cases: moving a lead through its status machine.

use salesflow_domain::authz::Action;
use salesflow_domain::lead::{Lead, LeadAction, TransitionError};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadTransition {
    pub action: LeadAction,
    /// Required when disqualifying.
    pub reason: Option<String>,
    /// The version the decision was based on.
    pub version: i64,
}

impl App {
    pub async fn transition_lead(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &LeadTransition,
    ) -> AppResult<Lead> {
        let lead: Lead = self.get(actor, id).await?;
        actor.require(salesflow_domain::authz::Resource::Lead, Action::Update)?;
        if lead.meta.version != request.version {
            return Err(AppError::StaleVersion {
                current: lead.meta.version,
            });
        }
        let change = lead
            .transition(request.action, request.reason.as_deref(), self.now())
            .map_err(|e| match e {
                TransitionError::ReasonRequired => {
                    AppError::invalid("reason", "reason_required", e.to_string())
                }
                TransitionError::NotAllowed { .. } => {
                    AppError::conflict("transition_not_allowed", e.to_string())
                }
                TransitionError::UseConvert => {
                    AppError::invalid("action", "use_convert", e.to_string())
                }
            })?;
        self.save_change(actor, lead, Some(change)).await
    }
}
