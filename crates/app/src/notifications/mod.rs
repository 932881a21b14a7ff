//! Hand-over notifications as a consumer of the event feed: each hand-over event (see
//! `salesflow_domain::handover`) tells the record's owner or the users of the role that acts
//! next; never the actor, and a role only when it may read the record.

use async_trait::async_trait;
use salesflow_domain::authz::{Action, Resource, allows};
use salesflow_domain::event::EntityType;
use salesflow_domain::handover::{Recipient, handover};
use salesflow_domain::ids::UserId;

use crate::App;
use crate::feed::Consumer;
use crate::ports::{EventRecord, FeedEvent};

/// The consumer's name in the feed.
pub const NOTIFICATIONS: &str = "notifications";

pub struct HandoverNotifications;

#[async_trait]
impl Consumer for HandoverNotifications {
    fn name(&self) -> &'static str {
        NOTIFICATIONS
    }

    async fn handle(&self, app: &App, event: &FeedEvent) -> Result<(), String> {
        let event = &event.event;
        let Some(handover) = handover(event.entity_type.as_str(), &event.activity) else {
            return Ok(());
        };
        let users = recipients(app, event, handover.to)
            .await
            .map_err(|e| e.to_string())?;
        if users.is_empty() {
            return Ok(());
        }
        app.store
            .notify(event, handover.kind, &users)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// The users `to` names for `event`, without its actor.
async fn recipients(
    app: &App,
    event: &EventRecord,
    to: &[Recipient],
) -> crate::error::AppResult<Vec<UserId>> {
    let mut users = Vec::new();
    let roles: Vec<_> = to
        .iter()
        .filter_map(|r| match r {
            Recipient::Role(role) => Some(*role),
            Recipient::Owner => None,
        })
        .collect();
    if to.contains(&Recipient::Owner)
        && let Some(owner) = event.owner_id
    {
        users.push(owner);
    }
    if !roles.is_empty() {
        let resource = resource_of(event.entity_type);
        for user in app.store.list_users().await? {
            let reads = resource.is_some_and(|r| allows(user.role, r, Action::Read));
            if user.active && roles.contains(&user.role) && reads {
                users.push(user.id);
            }
        }
    }
    users.retain(|u| Some(*u) != event.actor_id);
    users.sort_by_key(|u| u.to_string());
    users.dedup();
    Ok(users)
}

fn resource_of(entity: EntityType) -> Option<Resource> {
    Some(match entity {
        EntityType::Lead => Resource::Lead,
        EntityType::Opportunity => Resource::Opportunity,
        EntityType::Activity => Resource::Activity,
        EntityType::Quote => Resource::Quote,
        EntityType::SalesOrder => Resource::SalesOrder,
        EntityType::Delivery => Resource::Delivery,
        EntityType::Invoice => Resource::Invoice,
        _ => return None,
    })
}
