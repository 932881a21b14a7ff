//! The consumer that keeps timers in step with the log: a step that starts a deadline starts
//! its timer (and schedules its warning and breach), a step that stops one stops it. Replays
//! are harmless: a timer is unique per rule and start event (its jobs name it so), a stop only
//! touches running timers, jobs are unique per rule, start event and moment.

use async_trait::async_trait;
use salesflow_domain::analytics::mining::step_label;
use uuid::Uuid;

use super::fire::moment_jobs;
use crate::App;
use crate::feed::Consumer;
use crate::ports::{EventRecord, FeedEvent, Timer};

/// The consumer's name in the feed.
pub const DEADLINE_TIMERS: &str = "deadlines";

pub struct DeadlineTimers;

#[async_trait]
impl Consumer for DeadlineTimers {
    fn name(&self) -> &'static str {
        DEADLINE_TIMERS
    }

    async fn handle(&self, app: &App, event: &FeedEvent) -> Result<(), String> {
        let event = &event.event;
        if changes_owner(event) {
            app.store
                .reassign_timers(event.entity_id, event.owner_id, event.team_id)
                .await
                .map_err(|e| e.to_string())?;
        }
        let Some(step) = step_label(
            event.entity_type.as_str(),
            &event.activity,
            event.to_state.as_deref(),
        ) else {
            return Ok(());
        };
        app.step_reached(event, &step)
            .await
            .map_err(|e| e.to_string())
    }
}

/// A hand-off or an edit of the owner: the record's deadlines go with it.
fn changes_owner(event: &EventRecord) -> bool {
    event.activity == "handed_off" || event.changes.iter().any(|c| c.field == "owner_id")
}

impl App {
    /// Stops the case's timers that `step` ends, then starts those it begins.
    async fn step_reached(&self, event: &EventRecord, step: &str) -> crate::error::AppResult<()> {
        self.store
            .stop_timers(event.case_id, step, event.at)
            .await?;
        let (settings, _) = self.deadline_settings().await?;
        if settings.started_by(step).next().is_none() {
            return Ok(());
        }
        // Settings were checked when saved; a calendar that no longer parses starts nothing.
        let Ok(calendar) = settings.calendar.parse() else {
            tracing::warn!("the business calendar does not parse; deadlines not started");
            return Ok(());
        };
        let mut timers = Vec::new();
        for rule in settings.started_by(step) {
            let Some(schedule) = rule.schedule(&calendar, event.at) else {
                continue;
            };
            timers.push(Timer {
                id: Uuid::now_v7(),
                rule_key: rule.key.clone(),
                rule_name: rule.name.trim().to_string(),
                case_id: event.case_id,
                entity_type: event.entity_type,
                entity_id: event.entity_id,
                owner_id: event.owner_id,
                team_id: event.team_id,
                start_event: event.id,
                start_step: step.to_string(),
                stop_steps: rule.stop.clone(),
                started_at: event.at,
                warn_at: schedule.warn_at,
                due_at: schedule.due_at,
                stopped_at: None,
                stop_step: None,
                warned: false,
                breached: false,
                title: String::new(),
            });
        }
        let jobs: Vec<_> = timers.iter().flat_map(moment_jobs).collect();
        self.store.start_timers(&timers, &jobs).await?;
        Ok(())
    }
}
