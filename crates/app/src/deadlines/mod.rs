//! Step deadlines on the business calendar: the settings, the consumer that starts and stops
//! timers as cases reach steps (`consumer`), the jobs that fire warnings and breaches
//! (`fire`), and what records, lists and the process map show of them.

mod consumer;
mod fire;

pub use consumer::DeadlineTimers;
pub use fire::FIRE_DEADLINE;

use jiff::Timestamp;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::deadline::{DeadlineSettings, Schedule, TimerState};
use uuid::Uuid;

use crate::error::AppResult;
use crate::ports::{StepOutcomes, Timer};
use crate::{Actor, App};

/// The settings document's key.
pub const DEADLINES: &str = "deadlines";
/// My day shows this many of the user's pressing deadlines.
const PRESSING_SHOWN: u32 = 10;
/// Overdue lists are read in pages of at most this many.
const PAGE_MAX: u32 = 200;

/// One page of running deadlines.
#[derive(Debug, Clone)]
pub struct DeadlinePage {
    pub items: Vec<TimerView>,
    /// The keyset after which the next page starts, while there may be more.
    pub next: Option<(Timestamp, Uuid)>,
}

/// A timer as people see it: where it stands now.
#[derive(Debug, Clone)]
pub struct TimerView {
    pub timer: Timer,
    pub state: TimerState,
}

impl App {
    pub async fn deadline_settings(&self) -> AppResult<(DeadlineSettings, i64)> {
        self.settings_doc(DEADLINES).await
    }

    /// Saves the calendar and the deadlines (admins and sales managers: they shape the
    /// process). New rules apply to steps reached from now on.
    pub async fn save_deadline_settings(
        &self,
        actor: &Actor,
        settings: &DeadlineSettings,
        version: i64,
    ) -> AppResult<i64> {
        actor.require(Resource::Pipeline, Action::Update)?;
        settings.validate()?;
        self.save_settings_doc(actor, DEADLINES, Resource::Pipeline, settings, version)
            .await
    }

    /// The deadlines of the sales in `cases` the actor can see a record of.
    pub async fn case_deadlines(&self, cases: &[Uuid]) -> AppResult<Vec<TimerView>> {
        let now = self.now();
        let timers = self.titled(self.store.case_timers(cases).await?).await?;
        Ok(timers.into_iter().map(|timer| view(timer, now)).collect())
    }

    /// The timers with the names of their records.
    async fn titled(&self, mut timers: Vec<Timer>) -> AppResult<Vec<Timer>> {
        let records: Vec<_> = timers
            .iter()
            .map(|t| (t.entity_type, t.entity_id))
            .collect();
        let titles = self.store.record_titles(&records).await?;
        for t in &mut timers {
            if let Some(found) = titles.get(&(t.entity_type, t.entity_id)) {
                t.title.clone_from(&found.title);
            }
        }
        Ok(timers)
    }

    /// Running deadlines that are overdue (or all running ones, `overdue_only` false), soonest
    /// due first, for records the actor may read; keyset-paged after `(due_at, id)`. A page
    /// can hold fewer than `limit` (deadlines of records the actor may not read are left out);
    /// `next` says where the following page starts.
    pub async fn open_deadlines(
        &self,
        actor: &Actor,
        overdue_only: bool,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> AppResult<DeadlinePage> {
        let now = self.now();
        let before = if overdue_only { now } else { Timestamp::MAX };
        let limit = limit.clamp(1, PAGE_MAX);
        let timers = self.store.running_timers(before, after, limit).await?;
        let next = (timers.len() as u32 == limit)
            .then(|| timers.last().map(|t| (t.due_at, t.id)))
            .flatten();
        let visible = timers
            .into_iter()
            .filter(|t| actor.may_see(t.entity_type, t.owner_id, t.team_id))
            .collect();
        let items = self
            .titled(visible)
            .await?
            .into_iter()
            .map(|timer| view(timer, now))
            .collect();
        Ok(DeadlinePage { items, next })
    }

    /// The actor's own deadlines that press (due soon or overdue), soonest due first.
    pub async fn my_pressing_deadlines(&self, actor: &Actor) -> AppResult<Vec<TimerView>> {
        let now = self.now();
        let timers = self
            .store
            .pressing_timers_of(actor.user_id, now, PRESSING_SHOWN)
            .await?;
        Ok(self
            .titled(timers)
            .await?
            .into_iter()
            .map(|timer| view(timer, now))
            .collect())
    }

    /// Of the sales in `cases`, those whose deadlines press: due soon or overdue (the worse).
    pub async fn pressing_deadlines(
        &self,
        cases: &[Uuid],
    ) -> AppResult<std::collections::HashMap<Uuid, TimerState>> {
        let now = self.now();
        Ok(self
            .store
            .pressing_cases(cases, now)
            .await?
            .into_iter()
            .map(|(case, due)| {
                let state = if due <= now {
                    TimerState::Overdue
                } else {
                    TimerState::DueSoon
                };
                (case, state)
            })
            .collect())
    }

    /// The deadline outcomes of the analytics page's period (all time when it has none).
    pub async fn deadline_outcomes_in(
        &self,
        actor: &Actor,
        params: &crate::analytics::AnalyticsParams,
    ) -> AppResult<Vec<StepOutcomes>> {
        let filter = params.parse()?.filter;
        let from = filter.from.unwrap_or(Timestamp::MIN);
        let to = filter.to.unwrap_or(Timestamp::MAX);
        self.deadline_outcomes(actor, from, to).await
    }

    /// How the deadlines ending at each step went, for timers started in `[from, to)`.
    pub async fn deadline_outcomes(
        &self,
        actor: &Actor,
        from: Timestamp,
        to: Timestamp,
    ) -> AppResult<Vec<StepOutcomes>> {
        self.analytics_scope(actor)?;
        Ok(self.store.deadline_outcomes(from, to).await?)
    }
}

fn view(timer: Timer, now: Timestamp) -> TimerView {
    let schedule = Schedule {
        warn_at: timer.warn_at,
        due_at: timer.due_at,
    };
    let state = TimerState::at(now, schedule, timer.stopped_at);
    TimerView { timer, state }
}
