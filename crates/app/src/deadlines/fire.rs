//! Firing a timer's warning (at 80 % of its time) and breach (at 100 %) through the jobs
//! table, so each fires once across instances. Before firing, the log itself is asked whether
//! the case reached a stop step meanwhile (the consumer may lag behind it): then the timer
//! stops instead.

use salesflow_domain::changes::FieldChange;
use salesflow_domain::deadline::{SLA_BREACHED, SLA_WARNING};
use salesflow_domain::event::Change;
use salesflow_domain::ids::EventId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::App;
use crate::error::AppResult;
use crate::ports::{NewJob, Timer, TimerMoment};

/// The job kind that fires a timer's moment.
pub const FIRE_DEADLINE: &str = "fire_deadline";
/// A failing fire is retried with backoff this often before the job gives up.
const ATTEMPTS: i64 = 20;

#[derive(Serialize, Deserialize)]
struct FirePayload {
    rule: String,
    start_event: Uuid,
    breach: bool,
}

/// The warning and breach jobs of a new timer.
pub(super) fn moment_jobs(timer: &Timer) -> [NewJob; 2] {
    [
        moment_job(timer, TimerMoment::Warning),
        moment_job(timer, TimerMoment::Breach),
    ]
}

fn moment_job(timer: &Timer, moment: TimerMoment) -> NewJob {
    let breach = moment == TimerMoment::Breach;
    let payload = FirePayload {
        rule: timer.rule_key.clone(),
        start_event: timer.start_event.0,
        breach,
    };
    NewJob {
        id: Uuid::now_v7(),
        kind: FIRE_DEADLINE.into(),
        payload: serde_json::to_string(&payload).unwrap_or_default(),
        run_at: if breach { timer.due_at } else { timer.warn_at },
        unique_key: format!(
            "deadline:{}:{}:{}",
            timer.rule_key,
            timer.start_event,
            if breach { "breach" } else { "warning" }
        ),
        max_attempts: ATTEMPTS,
    }
}

impl App {
    /// Runs a `fire_deadline` job; whether an event was written.
    pub(crate) async fn fire_deadline(&self, payload: &str) -> AppResult<bool> {
        let payload: FirePayload = serde_json::from_str(payload)
            .map_err(|e| crate::error::AppError::Internal(format!("deadline job: {e}")))?;
        let Some(timer) = self
            .store
            .timer(&payload.rule, EventId(payload.start_event))
            .await?
        else {
            return Ok(false);
        };
        if timer.stopped_at.is_some() {
            return Ok(false);
        }
        if let Some((step, at)) = self
            .store
            .case_reached(timer.case_id, &timer.stop_steps, timer.started_at)
            .await?
        {
            self.store.stop_timers(timer.case_id, &step, at).await?;
            return Ok(false);
        }
        let moment = if payload.breach {
            TimerMoment::Breach
        } else {
            TimerMoment::Warning
        };
        let event = self.moment_event(&timer, moment);
        Ok(self.store.fire_timer(timer.id, moment, &event).await?)
    }

    /// `sla_warning` or `sla_breached` on the record whose step started the timer.
    fn moment_event(&self, timer: &Timer, moment: TimerMoment) -> crate::ports::EventRecord {
        let activity = match moment {
            TimerMoment::Warning => SLA_WARNING,
            TimerMoment::Breach => SLA_BREACHED,
        };
        let field = |name: &str, value: String| FieldChange {
            field: name.into(),
            old: None,
            new: Some(value),
        };
        let change = Change::new(
            activity,
            vec![
                field("deadline", timer.rule_key.clone()),
                field("name", timer.rule_name.clone()),
                field("started_at", timer.started_at.to_string()),
                field("due_at", timer.due_at.to_string()),
            ],
        );
        self.event(
            None,
            timer.entity_type,
            timer.entity_id,
            timer.case_id,
            change,
            timer.owner_id,
            timer.team_id,
        )
    }
}
