//! Step deadlines (SPEC: timers and service levels): "from this step of a sale to that one within
//! so many business hours", counted on the company's business calendar. A deadline starts when a
//! case reaches its start step and stops at the first of its stop steps; it warns at 80 % of its
//! time and is breached at 100 %. Timers are derived from the event log (start event, duration,
//! calendar); nothing here reads a clock.

#[cfg(test)]
mod tests;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ValidationErrors;
use crate::analytics::mining::PROCESS_ENTITIES;
use crate::calendar::{Calendar, CalendarSpec};

/// The share of a deadline's time after which it warns, in percent.
pub const WARN_PERCENT: i64 = 80;
/// The longest deadline: a year of working time is far beyond any service level.
const MAX_HOURS: u32 = 2_000;
const MAX_RULES: usize = 50;

/// The company's business calendar and its step deadlines (settings key `deadlines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadlineSettings {
    pub calendar: CalendarSpec,
    #[serde(default)]
    pub rules: Vec<DeadlineRule>,
}

impl Default for DeadlineSettings {
    fn default() -> Self {
        Self {
            calendar: CalendarSpec::office_hours("UTC"),
            rules: Vec::new(),
        }
    }
}

/// "`stop` within `business_hours` of `start`": steps are named as on the process map
/// (`lead:qualified`, `quote:sent`, `sales_order:confirmed`, `delivery:shipped`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadlineRule {
    /// Stable key, lowercase letters, digits and `_`; timers and events name their rule by it.
    pub key: String,
    /// What people read on the record: "Ship the order".
    pub name: String,
    /// The step that starts the clock.
    pub start: String,
    /// The steps that meet the deadline (the first one reached stops the clock).
    pub stop: Vec<String>,
    /// Working hours on the business calendar, 1 to 2000.
    pub business_hours: u32,
    /// Off: no new timers start; running ones go on.
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

impl DeadlineSettings {
    /// The calendar, or every problem with the settings (`calendar.*`, `rules[i].*`).
    pub fn validate(&self) -> Result<Calendar, ValidationErrors> {
        let calendar = self.calendar.parse();
        let mut errors = match &calendar {
            Ok(_) => ValidationErrors::default(),
            Err(errors) => prefixed("calendar.", errors),
        };
        if self.rules.len() > MAX_RULES {
            errors.add(
                "rules",
                "too_many",
                format!("at most {MAX_RULES} deadlines"),
            );
        }
        for (i, rule) in self.rules.iter().enumerate() {
            rule.check(&format!("rules[{i}]."), &mut errors);
            if self.rules[..i].iter().any(|r| r.key == rule.key) {
                errors.add(&format!("rules[{i}].key"), "duplicate", "is used twice");
            }
        }
        errors.into_result()?;
        calendar
    }

    /// The enabled rules that `step` starts.
    pub fn started_by<'a>(&'a self, step: &'a str) -> impl Iterator<Item = &'a DeadlineRule> {
        self.rules
            .iter()
            .filter(move |r| r.enabled && r.start == step)
    }
}

impl DeadlineRule {
    fn check(&self, at: &str, errors: &mut ValidationErrors) {
        let key_ok = !self.key.is_empty()
            && self.key.len() <= 40
            && self
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            errors.add(
                &format!("{at}key"),
                "invalid_key",
                "must be 1 to 40 lowercase letters, digits or _",
            );
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            errors.add(
                &format!("{at}name"),
                "invalid_length",
                "must be 1 to 80 characters",
            );
        }
        if !is_step(&self.start) {
            errors.add(&format!("{at}start"), "invalid_step", STEP_HINT);
        }
        if self.stop.is_empty() {
            errors.add(&format!("{at}stop"), "required", "needs at least one step");
        }
        for (j, step) in self.stop.iter().enumerate() {
            if !is_step(step) {
                errors.add(&format!("{at}stop[{j}]"), "invalid_step", STEP_HINT);
            } else if *step == self.start {
                errors.add(
                    &format!("{at}stop[{j}]"),
                    "same_step",
                    "must differ from the start step",
                );
            }
        }
        if !(1..=MAX_HOURS).contains(&self.business_hours) {
            errors.add(
                &format!("{at}business_hours"),
                "out_of_range",
                format!("must be 1 to {MAX_HOURS} hours"),
            );
        }
    }

    pub fn duration(&self) -> SignedDuration {
        SignedDuration::from_hours(i64::from(self.business_hours))
    }

    /// When a timer started at `start` warns and when it is due; `None` when the calendar has
    /// no working time left.
    pub fn schedule(&self, calendar: &Calendar, start: Timestamp) -> Option<Schedule> {
        let total = self.duration();
        let warn = SignedDuration::from_secs(total.as_secs() * WARN_PERCENT / 100);
        Some(Schedule {
            warn_at: calendar.add_business(start, warn)?,
            due_at: calendar.add_business(start, total)?,
        })
    }
}

/// The two moments of a running timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub warn_at: Timestamp,
    pub due_at: Timestamp,
}

/// Where a timer stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimerState {
    /// Running, less than 80 % of the time used.
    Running,
    /// Running, 80 % or more used.
    DueSoon,
    /// Running past its due time.
    Overdue,
    /// Stopped in time.
    Met,
    /// Stopped late.
    Missed,
}

impl TimerState {
    /// The state at `now` of a timer due at `due_at` (warned at `warn_at`) that stopped at
    /// `stopped_at`, if it did.
    pub fn at(now: Timestamp, schedule: Schedule, stopped_at: Option<Timestamp>) -> Self {
        match stopped_at {
            Some(stop) if stop <= schedule.due_at => Self::Met,
            Some(_) => Self::Missed,
            None if now >= schedule.due_at => Self::Overdue,
            None if now >= schedule.warn_at => Self::DueSoon,
            None => Self::Running,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
            Self::Met => "met",
            Self::Missed => "missed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Running => "On time",
            Self::DueSoon => "Due soon",
            Self::Overdue => "Overdue",
            Self::Met => "Met",
            Self::Missed => "Missed",
        }
    }
}

/// The two events a timer emits on its record.
pub const SLA_WARNING: &str = "sla_warning";
pub const SLA_BREACHED: &str = "sla_breached";

const STEP_HINT: &str = "must be a process step such as quote:sent (document:state)";

/// `document:state` with a document of the process and a lowercase state.
pub fn is_step(label: &str) -> bool {
    let Some((entity, state)) = label.split_once(':') else {
        return false;
    };
    PROCESS_ENTITIES.contains(&entity)
        && !state.is_empty()
        && state.len() <= 40
        && state
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn prefixed(prefix: &str, errors: &ValidationErrors) -> ValidationErrors {
    let mut out = ValidationErrors::default();
    for e in &errors.0 {
        out.add(&format!("{prefix}{}", e.field), e.code, e.message.clone());
    }
    out
}
