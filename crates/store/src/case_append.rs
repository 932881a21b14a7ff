//! The usual write adds steps after everything its case already holds: those are appended (a
//! row per new step, the old last step learns its successor, the summary's path and milestones
//! are extended) instead of recomputing the case from its whole history, which would rewrite
//! every step row and its indexes on each write. Cases that are new, or whose new events fall
//! before their last stored step (late events), are left to the full recompute.

use std::collections::{BTreeMap, BTreeSet};

use salesflow_app::ports::{EventRecord, StoreResult};
use salesflow_domain::analytics::mining::step_label;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::error::map;
use crate::milestones::MILESTONES;
use crate::projection::run;
use crate::rows::{BULK_PARAMS, Val, bind_all, int, micros, placeholders, text};

/// A new step of a case, in log order by (`at`, `id`).
struct NewStep<'a> {
    at: i64,
    id: String,
    label: String,
    event: &'a EventRecord,
}

/// The last stored step of a case.
struct LastStep {
    at: i64,
    id: String,
    label: String,
}

const STEP_WIDTH: usize = 8;

/// The step events of `events` by case, each case's in log order.
fn new_steps(events: &[EventRecord]) -> BTreeMap<String, Vec<NewStep<'_>>> {
    let mut cases: BTreeMap<String, Vec<NewStep>> = BTreeMap::new();
    for event in events {
        let label = step_label(
            event.entity_type.as_str(),
            &event.activity,
            event.to_state.as_deref(),
        );
        if let Some(label) = label {
            cases
                .entry(event.case_id.to_string())
                .or_default()
                .push(NewStep {
                    at: micros(event.at),
                    id: event.id.to_string(),
                    label,
                    event,
                });
        }
    }
    for steps in cases.values_mut() {
        steps.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    }
    cases
}

/// Whether `event` is a step of a case of the process (other events change no case model).
pub(crate) fn is_step(event: &EventRecord) -> bool {
    step_label(
        event.entity_type.as_str(),
        &event.activity,
        event.to_state.as_deref(),
    )
    .is_some()
}

/// Appends the new steps of every case whose steps all follow its last stored one; the cases
/// it could not append, to be recomputed in full.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    events: &[EventRecord],
) -> StoreResult<BTreeSet<String>> {
    let cases = new_steps(events);
    let ids: Vec<&String> = cases.keys().collect();
    let mut last = BTreeMap::new();
    for chunk in ids.chunks(BULK_PARAMS) {
        last.extend(last_steps(conn, chunk).await?);
    }
    let mut recompute = BTreeSet::new();
    let mut appended = Vec::new();
    for (case, steps) in &cases {
        match last.get(case) {
            Some(last) if (last.at, &last.id) < (steps[0].at, &steps[0].id) => {
                appended.push((case, last, steps));
            }
            _ => {
                recompute.insert(case.clone());
            }
        }
    }
    insert_steps(conn, &appended).await?;
    for (case, last, steps) in &appended {
        link_last(conn, last, steps[0].at).await?;
        extend_summary(conn, case, steps).await?;
    }
    let appended: Vec<&String> = appended.iter().map(|(case, _, _)| *case).collect();
    for chunk in appended.chunks(BULK_PARAMS) {
        crate::projection::refresh_spans(conn, chunk).await?;
    }
    Ok(recompute)
}

/// The last stored step of each of `cases` that has any (the only one without a successor).
async fn last_steps(
    conn: &mut AnyConnection,
    cases: &[&String],
) -> StoreResult<BTreeMap<String, LastStep>> {
    let sql = format!(
        "SELECT case_id, event_id, at, label FROM process_steps \
         WHERE case_id IN ({}) AND next_at IS NULL",
        placeholders(0, cases.len())
    );
    let values = cases.iter().map(|c| Val::from((*c).clone()));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
    let mut last = BTreeMap::new();
    for row in &rows {
        let step = LastStep {
            at: int(row, "at")?,
            id: text(row, "event_id")?,
            label: text(row, "label")?,
        };
        last.insert(text(row, "case_id")?, step);
    }
    Ok(last)
}

/// The rows of the appended steps, each with its neighbours.
async fn insert_steps(
    conn: &mut AnyConnection,
    appended: &[(&String, &LastStep, &Vec<NewStep<'_>>)],
) -> StoreResult<()> {
    let mut rows = Vec::new();
    for (case, last, steps) in appended {
        for (i, step) in steps.iter().enumerate() {
            let (prev, prev_at) = match i {
                0 => (&last.label, last.at),
                _ => (&steps[i - 1].label, steps[i - 1].at),
            };
            let next_at = steps.get(i + 1).map(|n| n.at);
            rows.push(vec![
                Val::from(step.id.clone()),
                Val::from((*case).clone()),
                Val::Int(Some(step.at)),
                Val::from(step.label.clone()),
                Val::from(prev.clone()),
                Val::Int(Some(prev_at)),
                Val::Int(next_at),
                Val::Int(next_at.map(|n| n - step.at)),
            ]);
        }
    }
    for chunk in rows.chunks(BULK_PARAMS / STEP_WIDTH) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", placeholders(i * STEP_WIDTH, STEP_WIDTH)))
            .collect();
        let sql = format!(
            "INSERT INTO process_steps (event_id, case_id, at, label, prev, prev_at, next_at, wait) \
             VALUES {}",
            tuples.join(", ")
        );
        run(conn, sql, chunk.iter().flatten().cloned().collect()).await?;
    }
    Ok(())
}

/// The old last step gets its successor's time and the wait until it.
async fn link_last(conn: &mut AnyConnection, last: &LastStep, next_at: i64) -> StoreResult<()> {
    let sql = "UPDATE process_steps SET next_at = $1, wait = $2 - at WHERE event_id = $3";
    let values = vec![
        Val::Int(Some(next_at)),
        Val::Int(Some(next_at)),
        Val::from(last.id.clone()),
    ];
    run(conn, sql.into(), values).await
}

/// The case summary's path, end, duration and the milestones first reached by the new steps.
async fn extend_summary(
    conn: &mut AnyConnection,
    case: &str,
    steps: &[NewStep<'_>],
) -> StoreResult<()> {
    let end = steps[steps.len() - 1].at;
    let tail: String = steps.iter().map(|s| format!(" > {}", s.label)).collect();
    let mut sets = vec![
        "path = path || $1".to_string(),
        "last_at = $2".into(),
        "duration = $3 - first_at".into(),
    ];
    let mut values = vec![Val::from(tail), Val::Int(Some(end)), Val::Int(Some(end))];
    for milestone in MILESTONES {
        let first = steps.iter().find(|s| {
            let e = s.event;
            milestone.reached_by(e.entity_type.as_str(), &e.activity, e.to_state.as_deref())
        });
        if let Some(step) = first {
            values.push(Val::Int(Some(step.at)));
            let name = milestone.name;
            sets.push(format!("{name} = COALESCE({name}, ${})", values.len()));
        }
    }
    values.push(Val::from(case.to_string()));
    let sql = format!(
        "UPDATE process_cases SET {} WHERE case_id = ${}",
        sets.join(", "),
        values.len()
    );
    run(conn, sql, values).await
}
