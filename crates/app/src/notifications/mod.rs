//! Hand-over notifications as a consumer of the event feed: each hand-over event (see
//! `salesflow_domain::handover`) tells the record's owner or the users of the role that acts
//! next; never the actor, and a role only when it may read the record.

use std::collections::HashMap;

use async_trait::async_trait;
use salesflow_domain::authz::{Action, allows};
use salesflow_domain::handover::{Handover, Recipient, handover};
use salesflow_domain::ids::UserId;

use crate::error::AppResult;
use crate::feed::Consumer;
use crate::mail::{Mail, MailJob};
use crate::ports::{EventRecord, FeedEvent, Notice};
use crate::{Actor, App};

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
        let notices = app
            .notices(event, &handover, users)
            .await
            .map_err(|e| e.to_string())?;
        app.store
            .notify(event, handover.kind, &notices)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl App {
    /// Each user's notice, with an e-mail for those who want one (when mail is configured;
    /// due reminders are e-mailed by their own job already).
    async fn notices(
        &self,
        event: &EventRecord,
        handover: &Handover,
        users: Vec<UserId>,
    ) -> AppResult<Vec<Notice>> {
        let wanted = if self.mailer.is_some() && handover.kind != "reminder_due" {
            self.store.notification_emails().await?
        } else {
            Vec::new()
        };
        let emails: HashMap<UserId, String> = if wanted.iter().any(|u| users.contains(u)) {
            self.store
                .list_users()
                .await?
                .into_iter()
                .map(|u| (u.id, u.email))
                .collect()
        } else {
            HashMap::new()
        };
        let now = self.now();
        Ok(users
            .into_iter()
            .map(|user| {
                let mail = wanted
                    .contains(&user)
                    .then(|| emails.get(&user))
                    .flatten()
                    .map(|to| self.notice_mail(event, handover, to).job(now));
                Notice { user, mail }
            })
            .collect())
    }

    fn notice_mail(&self, event: &EventRecord, handover: &Handover, to: &str) -> MailJob {
        let record = event.entity_type.as_str().replace('_', " ");
        let link = event
            .entity_type
            .page()
            .map(|page| {
                format!(
                    "\n\nOpen it in salesflow: {}/{page}/{}",
                    self.config.public_url.trim_end_matches('/'),
                    event.entity_id
                )
            })
            .unwrap_or_default();
        MailJob::Plain {
            mail: Mail {
                to: to.into(),
                subject: format!("{}: {record}", handover.says),
                text: format!(
                    "{} ({record}).{link}\n\nYou get these e-mails because you asked for them on \
                     your Notifications page; turn them off there.\n",
                    handover.says
                ),
                attachments: Vec::new(),
            },
        }
    }

    /// Whether the actor gets their notifications by e-mail too.
    pub async fn notification_email(&self, actor: &Actor) -> AppResult<bool> {
        Ok(self
            .store
            .notification_emails()
            .await?
            .contains(&actor.user_id))
    }

    pub async fn set_notification_email(&self, actor: &Actor, on: bool) -> AppResult<()> {
        Ok(self.store.set_notification_email(actor.user_id, on).await?)
    }
}

/// The users `to` names for `event`, without its actor.
async fn recipients(app: &App, event: &EventRecord, to: &[Recipient]) -> AppResult<Vec<UserId>> {
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
        let resource = crate::actor::resource_of(event.entity_type);
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
