//! Step deadline timers (`deadline_timers`): started and stopped by their feed consumer, fired
//! once by their jobs; the stop check reads the event log itself.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    DeadlineStore, EventRecord, NewJob, StepOutcomes, StoreError, StoreResult, Timer, TimerMoment,
};
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{EventId, TeamId, UserId};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::rows::{
    Val, bind_all, flag, int, opt_parsed, opt_text, opt_ts, parsed, placeholders, text, ts,
};

const COLUMNS: &str = "id, rule_key, rule_name, case_id, entity_type, entity_id, owner_id, \
    team_id, start_event_id, start_step, stop_steps, started_at, warn_at, due_at, stopped_at, \
    stop_step, warned, breached";

#[async_trait]
impl DeadlineStore for SqlStore {
    async fn start_timers(&self, timers: &[Timer], jobs: &[NewJob]) -> StoreResult<()> {
        if timers.is_empty() {
            return Ok(());
        }
        write_tx!(self, |tx| {
            for t in timers {
                let sql = format!(
                    "INSERT INTO deadline_timers ({COLUMNS}) VALUES ({}) \
                     ON CONFLICT (rule_key, start_event_id) DO NOTHING",
                    placeholders(0, 18)
                );
                bind_all(sqlx::query(AssertSqlSafe(sql)), values(t))
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
            }
            for job in jobs {
                crate::jobs::enqueue_in(tx, job).await?;
            }
            Ok(())
        })
    }

    async fn stop_timers(&self, case: Uuid, step: &str, at: Timestamp) -> StoreResult<u64> {
        // Most steps stop nothing: look on the read side first, so they cost the single writer
        // nothing (the consumer that starts timers is the one asking, so none is missed).
        let running = sqlx::query(
            "SELECT id, stop_steps FROM deadline_timers \
             WHERE case_id = $1 AND stopped_at IS NULL AND started_at <= $2",
        )
        .bind(case.to_string())
        .bind(at.as_microsecond())
        .fetch_all(&self.read)
        .await
        .map_err(map)?;
        let mut ids = Vec::new();
        for row in &running {
            if text(row, "stop_steps")?.split(',').any(|s| s == step) {
                ids.push(text(row, "id")?);
            }
        }
        if ids.is_empty() {
            return Ok(0);
        }
        write_tx!(self, |tx| {
            let mut stopped = 0;
            for id in &ids {
                let done = sqlx::query(
                    "UPDATE deadline_timers SET stopped_at = $1, stop_step = $2 \
                     WHERE id = $3 AND stopped_at IS NULL",
                )
                .bind(at.as_microsecond())
                .bind(step.to_string())
                .bind(id.clone())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
                stopped += done.rows_affected();
            }
            Ok(stopped)
        })
    }

    async fn reassign_timers(
        &self,
        entity_id: Uuid,
        owner: Option<UserId>,
        team: Option<TeamId>,
    ) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE deadline_timers SET owner_id = $1, team_id = $2 WHERE entity_id = $3",
            )
            .bind(owner.map(|u| u.to_string()))
            .bind(team.map(|t| t.to_string()))
            .bind(entity_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(done.rows_affected())
        })
    }

    async fn timer(&self, rule: &str, start_event: EventId) -> StoreResult<Option<Timer>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deadline_timers WHERE rule_key = $1 AND start_event_id = $2"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(rule.to_string())
            .bind(start_event.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.as_ref().map(from_row).transpose()
    }

    async fn case_reached(
        &self,
        case: Uuid,
        steps: &[String],
        since: Timestamp,
    ) -> StoreResult<Option<(String, Timestamp)>> {
        if steps.is_empty() {
            return Ok(None);
        }
        let label = crate::mining::label_sql();
        let sql = format!(
            "SELECT label, at FROM (SELECT {label} AS label, e.at AS at FROM events e \
             WHERE e.case_id = $1 AND e.at >= $2) s WHERE label IN ({}) ORDER BY at LIMIT 1",
            placeholders(2, steps.len())
        );
        let mut values: Vec<Val> = vec![case.to_string().into(), since.into()];
        values.extend(steps.iter().map(|s| Val::from(s.as_str())));
        let row = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.map(|r| Ok((text(&r, "label")?, ts(&r, "at")?)))
            .transpose()
    }

    async fn fire_timer(
        &self,
        id: Uuid,
        moment: TimerMoment,
        event: &EventRecord,
    ) -> StoreResult<bool> {
        let column = match moment {
            TimerMoment::Warning => "warned",
            TimerMoment::Breach => "breached",
        };
        write_tx!(self, |tx| {
            let sql = format!(
                "UPDATE deadline_timers SET {column} = 1 \
                 WHERE id = $1 AND stopped_at IS NULL AND {column} = 0"
            );
            let done = sqlx::query(AssertSqlSafe(sql))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event(tx, event).await?;
            Ok(true)
        })
    }

    async fn case_timers(&self, cases: &[Uuid]) -> StoreResult<Vec<Timer>> {
        if cases.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM deadline_timers WHERE case_id IN ({}) \
             ORDER BY started_at DESC, id DESC LIMIT 100",
            placeholders(0, cases.len())
        );
        let values: Vec<Val> = cases.iter().map(|c| Val::from(c.to_string())).collect();
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(from_row).collect()
    }

    async fn pressing_cases(
        &self,
        cases: &[Uuid],
        now: Timestamp,
    ) -> StoreResult<Vec<(Uuid, Timestamp)>> {
        if cases.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT case_id, MIN(due_at) AS due_at FROM deadline_timers \
             WHERE stopped_at IS NULL AND warn_at <= $1 AND case_id IN ({}) GROUP BY case_id",
            placeholders(1, cases.len())
        );
        let mut values: Vec<Val> = vec![now.into()];
        values.extend(cases.iter().map(|c| Val::from(c.to_string())));
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| Ok((parsed(r, "case_id")?, ts(r, "due_at")?)))
            .collect()
    }

    async fn pressing_timers_of(
        &self,
        owner: UserId,
        now: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Timer>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deadline_timers WHERE owner_id = $1 AND stopped_at IS NULL \
             AND warn_at <= $2 ORDER BY due_at, id LIMIT $3"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(owner.to_string())
            .bind(now.as_microsecond())
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(from_row).collect()
    }

    async fn running_timers(
        &self,
        before: Timestamp,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> StoreResult<Vec<Timer>> {
        let (after_due, after_id) = match after {
            Some((due, id)) => (due.as_microsecond(), id.to_string()),
            None => (i64::MIN, String::new()),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM deadline_timers WHERE stopped_at IS NULL AND due_at < $1 \
             AND (due_at > $2 OR (due_at = $2 AND id > $3)) ORDER BY due_at, id LIMIT $4"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(before.as_microsecond())
            .bind(after_due)
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(from_row).collect()
    }

    async fn deadline_outcomes(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<StepOutcomes>> {
        let rows = sqlx::query(
            "SELECT stop_step, COUNT(*) AS stopped, \
             SUM(CASE WHEN stopped_at > due_at THEN 1 ELSE 0 END) AS missed \
             FROM deadline_timers WHERE stopped_at IS NOT NULL AND started_at >= $1 \
             AND started_at < $2 GROUP BY stop_step ORDER BY stop_step",
        )
        .bind(from.as_microsecond())
        .bind(to.as_microsecond())
        .fetch_all(&self.read)
        .await
        .map_err(map)?;
        rows.iter()
            .map(|r| {
                Ok(StepOutcomes {
                    step: opt_text(r, "stop_step")?.unwrap_or_default(),
                    stopped: int(r, "stopped")?,
                    missed: int(r, "missed")?,
                })
            })
            .collect()
    }
}

fn values(t: &Timer) -> Vec<Val> {
    vec![
        t.id.to_string().into(),
        t.rule_key.clone().into(),
        t.rule_name.clone().into(),
        t.case_id.to_string().into(),
        t.entity_type.as_str().into(),
        t.entity_id.to_string().into(),
        t.owner_id.map(|u| u.to_string()).into(),
        t.team_id.map(|u| u.to_string()).into(),
        t.start_event.to_string().into(),
        t.start_step.clone().into(),
        t.stop_steps.join(",").into(),
        t.started_at.into(),
        t.warn_at.into(),
        t.due_at.into(),
        t.stopped_at.into(),
        t.stop_step.clone().into(),
        t.warned.into(),
        t.breached.into(),
    ]
}

fn from_row(row: &AnyRow) -> StoreResult<Timer> {
    let entity_type = text(row, "entity_type")?;
    let start_event: Uuid = parsed(row, "start_event_id")?;
    Ok(Timer {
        id: parsed(row, "id")?,
        rule_key: text(row, "rule_key")?,
        rule_name: text(row, "rule_name")?,
        case_id: parsed(row, "case_id")?,
        entity_type: EntityType::parse(&entity_type)
            .ok_or_else(|| StoreError::Other(format!("unknown entity type {entity_type}")))?,
        entity_id: parsed(row, "entity_id")?,
        owner_id: opt_parsed(row, "owner_id")?,
        team_id: opt_parsed(row, "team_id")?,
        start_event: EventId(start_event),
        start_step: text(row, "start_step")?,
        stop_steps: text(row, "stop_steps")?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        started_at: ts(row, "started_at")?,
        warn_at: ts(row, "warn_at")?,
        due_at: ts(row, "due_at")?,
        stopped_at: opt_ts(row, "stopped_at")?,
        stop_step: opt_text(row, "stop_step")?,
        warned: flag(row, "warned")?,
        breached: flag(row, "breached")?,
        title: String::new(),
    })
}
