use salesflow_domain::authz::{self, Action, Resource, Visibility};
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{TeamId, UserId};
use salesflow_domain::role::Role;

use crate::error::AppError;
use crate::ports::Scope;

/// The authenticated user on whose behalf a use case runs.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    /// Correlates the audit trail with request logs.
    pub request_id: Option<String>,
    /// Signed in with an API token (not a browser session).
    pub via_token: bool,
}

impl Actor {
    /// The actor for a stored user (no request id).
    pub fn of(user: &crate::ports::UserRecord) -> Self {
        Self {
            user_id: user.id,
            name: user.name.clone(),
            email: user.email.clone(),
            role: user.role,
            team_id: user.team_id,
            request_id: None,
            via_token: false,
        }
    }

    pub fn can(&self, resource: Resource, action: Action) -> bool {
        authz::allows(self.role, resource, action)
    }

    pub fn require(&self, resource: Resource, action: Action) -> Result<(), AppError> {
        if self.can(resource, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the actor may read a record of `entity` with this owner and team.
    pub fn may_see(&self, entity: EntityType, owner: Option<UserId>, team: Option<TeamId>) -> bool {
        resource_of(entity)
            .and_then(|r| self.scope(r).ok())
            .is_some_and(|scope| scope.covers_owner(owner, team))
    }

    /// The rows of `resource` this actor may read.
    pub fn scope(&self, resource: Resource) -> Result<Scope, AppError> {
        match authz::visibility(self.role, resource) {
            None => Err(AppError::Forbidden),
            Some(Visibility::All) => Ok(Scope::All),
            Some(Visibility::Team) => Ok(match self.team_id {
                Some(team) => Scope::Team(team, self.user_id),
                None => Scope::Own(self.user_id),
            }),
            Some(Visibility::Own) => Ok(Scope::Own(self.user_id)),
        }
    }
}

/// The resource whose read permission covers records of `entity` (none: not a record people
/// read on their own, like settings).
pub(crate) fn resource_of(entity: EntityType) -> Option<Resource> {
    Some(match entity {
        EntityType::Lead => Resource::Lead,
        EntityType::Account => Resource::Account,
        EntityType::Contact => Resource::Contact,
        EntityType::Opportunity => Resource::Opportunity,
        EntityType::Activity => Resource::Activity,
        EntityType::Quote => Resource::Quote,
        EntityType::SalesOrder => Resource::SalesOrder,
        EntityType::Delivery => Resource::Delivery,
        EntityType::Invoice => Resource::Invoice,
        _ => return None,
    })
}
