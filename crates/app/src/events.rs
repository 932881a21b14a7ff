//! Reading the event log: the admin audit view.

use salesflow_domain::authz::{Action, Resource};

use crate::error::AppResult;
use crate::ports::{AuditFilter, EventRecord};
use crate::{Actor, App};

impl App {
    pub async fn audit(&self, actor: &Actor, filter: &AuditFilter) -> AppResult<Vec<EventRecord>> {
        actor.require(Resource::Audit, Action::Read)?;
        let filter = AuditFilter {
            limit: filter.limit.clamp(1, 500),
            ..filter.clone()
        };
        Ok(self.store.audit(&filter).await?)
    }
}
