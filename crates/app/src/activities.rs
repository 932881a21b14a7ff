//! Activities beyond the generic record use cases: completing them, the activities of a
//! record, "My day", due reminders and the notifications they raise.

use jiff::{SignedDuration, Timestamp};
use salesflow_domain::account::Account;
use salesflow_domain::activity::Activity;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::contact::Contact;
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::lead::Lead;
use salesflow_domain::opportunity::Opportunity;
use serde::Deserialize;
use uuid::Uuid;

use crate::entity::Entity;
use crate::error::{AppError, AppResult};
use crate::ports::EventRecord;
use crate::{Actor, App};

/// Completing an activity.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    /// What came of it.
    pub outcome: Option<String>,
    pub version: i64,
}

/// What a user should do today.
#[derive(Debug, Clone)]
pub struct MyDay {
    /// Open activities due before today started (UTC).
    pub overdue: Vec<Activity>,
    /// Open activities due today.
    pub today: Vec<Activity>,
    /// Open leads nobody has touched for `stale_days`.
    pub untouched_leads: Vec<Lead>,
    pub stale_days: i64,
}

const MY_DAY_LIMIT: u32 = 200;

impl App {
    /// The process case of a record an activity is about, which must be visible to `actor`.
    async fn case_of(&self, actor: &Actor, (kind, id): (EntityType, Uuid)) -> AppResult<Uuid> {
        match kind {
            EntityType::Lead => self.get::<Lead>(actor, id).await.map(|r| r.case_id()),
            EntityType::Contact => self.get::<Contact>(actor, id).await.map(|r| r.case_id()),
            EntityType::Account => self.get::<Account>(actor, id).await.map(|r| r.case_id()),
            EntityType::Opportunity => self
                .get::<Opportunity>(actor, id)
                .await
                .map(|r| r.case_id()),
            _ => Err(AppError::NotFound),
        }
    }

    /// Like `case_of`, for a new activity: a record the writer cannot see is bad input.
    pub async fn related_case(
        &self,
        actor: &Actor,
        related: (EntityType, Uuid),
    ) -> AppResult<Uuid> {
        self.case_of(actor, related).await.map_err(|e| match e {
            AppError::NotFound | AppError::Forbidden => AppError::invalid(
                "related_id",
                "unknown_record",
                "no such record is visible to you",
            ),
            other => other,
        })
    }

    pub async fn complete_activity(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &Completion,
    ) -> AppResult<Activity> {
        let activity: Activity = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let change = activity
            .complete(request.outcome.as_deref(), self.now())
            .ok_or_else(|| AppError::conflict("already_done", "the activity is already done"))?;
        self.save_change(actor, activity, Some(change)).await
    }

    /// The activities of a record, for whoever may read the record.
    pub async fn activities_of(
        &self,
        actor: &Actor,
        related: (EntityType, Uuid),
    ) -> AppResult<Vec<Activity>> {
        actor.require(Resource::Activity, Action::Read)?;
        self.case_of(actor, related).await?;
        Ok(self.store.activities_for(related.0, related.1, 200).await?)
    }

    /// Today's work for `actor`: overdue and due-today activities and leads gone quiet.
    pub async fn my_day(&self, actor: &Actor, stale_days: Option<i64>) -> AppResult<MyDay> {
        actor.require(Resource::Activity, Action::Read)?;
        let stale_days = stale_days.unwrap_or(7);
        if !(1..=365).contains(&stale_days) {
            return Err(AppError::invalid(
                "stale_days",
                "out_of_range",
                "must be between 1 and 365",
            ));
        }
        let now = self.now();
        let day = now.to_zoned(jiff::tz::TimeZone::UTC);
        let start = day
            .start_of_day()
            .map_err(|e| AppError::Internal(e.to_string()))?
            .timestamp();
        let end = start
            .checked_add(SignedDuration::from_hours(24))
            .unwrap_or(now);
        let due = self.store.due_for(actor.user_id, end, MY_DAY_LIMIT).await?;
        let (overdue, today) = due
            .into_iter()
            .partition(|a| a.details.due_at.is_some_and(|d| d < start));
        let untouched_leads = if actor.can(Resource::Lead, Action::Read) {
            let cutoff = now
                .checked_sub(SignedDuration::from_hours(24 * stale_days))
                .unwrap_or(now);
            self.store
                .untouched_leads(actor.user_id, cutoff, 50)
                .await?
        } else {
            vec![]
        };
        Ok(MyDay {
            overdue,
            today,
            untouched_leads,
            stale_days,
        })
    }

    /// The reminder job: one `reminder_due` event (a notification for the owner) per open
    /// activity that has become due. Returns how many were sent.
    pub async fn send_due_reminders(&self) -> AppResult<usize> {
        let now = self.now();
        let mut sent = 0;
        // Owners' addresses, for the e-mail copy of each reminder.
        let emails: std::collections::HashMap<_, _> = match self.mailer {
            Some(_) => self
                .store
                .list_users()
                .await?
                .into_iter()
                .filter(|u| u.active)
                .map(|u| (u.id, u.email))
                .collect(),
            None => Default::default(),
        };
        loop {
            let due = self.store.unreminded_due(now, 500).await?;
            if due.is_empty() {
                return Ok(sent);
            }
            for activity in &due {
                let field =
                    |name: &str, value: Option<String>| salesflow_domain::changes::FieldChange {
                        field: name.into(),
                        old: None,
                        new: value,
                    };
                let change = Change::new(
                    "reminder_due",
                    vec![
                        field("subject", Some(activity.details.subject.to_string())),
                        field("due_at", activity.details.due_at.map(|t| t.to_string())),
                    ],
                );
                let event: EventRecord = self.event(
                    None,
                    EntityType::Activity,
                    activity.id.0,
                    activity.case_id,
                    change,
                    Some(activity.meta.owner_id),
                    activity.meta.team_id,
                );
                let mail = emails.get(&activity.meta.owner_id).map(|to| {
                    crate::mail::MailJob::Plain {
                        mail: crate::mail::Mail {
                            to: to.clone(),
                            subject: format!("Due: {}", activity.details.subject),
                            text: reminder_text(activity, &self.config.public_url),
                            attachments: Vec::new(),
                        },
                    }
                    .job(now)
                });
                if self
                    .store
                    .mark_reminded(activity.id, now, &event, mail.as_ref())
                    .await?
                {
                    sent += 1;
                }
            }
        }
    }

    /// The actor's notifications, newest first, and when they last looked.
    pub async fn notifications(
        &self,
        actor: &Actor,
        limit: u32,
    ) -> AppResult<(Vec<EventRecord>, Timestamp)> {
        let events = self
            .store
            .notifications(actor.user_id, limit.clamp(1, 200))
            .await?;
        let seen = self.store.notifications_seen_at(actor.user_id).await?;
        Ok((events, seen))
    }

    /// How many notifications arrived since the actor last looked.
    pub async fn unread_notifications(&self, actor: &Actor) -> AppResult<usize> {
        let (events, seen) = self.notifications(actor, 100).await?;
        Ok(events.iter().filter(|e| e.at > seen).count())
    }

    pub async fn mark_notifications_seen(&self, actor: &Actor) -> AppResult<()> {
        Ok(self
            .store
            .set_notifications_seen(actor.user_id, self.now())
            .await?)
    }
}

/// The body of a reminder e-mail.
fn reminder_text(activity: &Activity, public_url: &str) -> String {
    let due = activity
        .details
        .due_at
        .map(|d| d.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let notes = activity.details.notes.as_deref().unwrap_or("");
    format!(
        "{} \"{}\" is due ({due}).\n\n{notes}\n\nOpen it in salesflow: {}/activities/{}\n",
        salesflow_domain::activity::ActivityKind::as_str(activity.details.kind),
        activity.details.subject,
        public_url.trim_end_matches('/'),
        activity.id
    )
}

impl App {
    /// The names of the records the actor's activities are about, for those the actor may see
    /// (My day names the record each task belongs to).
    pub async fn related_titles(
        &self,
        actor: &Actor,
        activities: &[&Activity],
    ) -> AppResult<std::collections::HashMap<(EntityType, uuid::Uuid), String>> {
        let records: Vec<_> = activities
            .iter()
            .map(|a| (a.related_type, a.related_id))
            .collect();
        Ok(self
            .store
            .record_titles(&records)
            .await?
            .into_iter()
            .filter(|(key, t)| actor.may_see(key.0, t.owner_id, t.team_id))
            .map(|(key, t)| (key, t.title))
            .collect())
    }
}
