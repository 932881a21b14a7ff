//! The usual write adds steps after everything its case already holds: those are appended (a
//! row per new step, the old last step learns its successor, the summary's path and milestones
//! are extended) instead of recomputing the case from its whole history, which would rewrite
//! every step row and its indexes on each write. Cases that are new, or whose new events fall
//! before their last stored step (late events), are left to the full recompute.
//!
//! Every statement here is a round trip to the database inside the write, so the path is kept
//! to three per case: link the old last step (returning it), insert the new steps, extend the
//! summary; plus one to add the spans of milestones the new steps reach.

use std::collections::{BTreeMap, BTreeSet};

use salesflow_app::ports::{EventRecord, StoreResult};
use salesflow_domain::analytics::mining::step_label;
use sqlx::AnyConnection;

use crate::error::map;
use crate::milestones::MILESTONES;
use crate::projection::run;
use crate::rows::{BULK_PARAMS, Val, int, micros, placeholders, text};

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

impl LastStep {
    /// Whether `step` comes after this one in log order, i.e. can be appended.
    fn precedes(&self, step: &NewStep) -> bool {
        (self.at, &self.id) < (step.at, &step.id)
    }
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
    let mut recompute = BTreeSet::new();
    let mut appended = Vec::new();
    for (case, steps) in &cases {
        // A late event's case is recomputed in full, which also undoes this link.
        match link_last(conn, case, steps[0].at).await? {
            Some(last) if last.precedes(&steps[0]) => appended.push((case, last, steps)),
            _ => {
                recompute.insert(case.clone());
            }
        }
    }
    insert_steps(conn, &appended).await?;
    let mut reached = Vec::new();
    for (case, _, steps) in &appended {
        if extend_summary(conn, case, steps).await? {
            reached.push(*case);
        }
    }
    for chunk in reached.chunks(BULK_PARAMS) {
        add_spans(conn, chunk).await?;
    }
    Ok(recompute)
}

/// The case's last stored step (the only one without a successor), now linked to a successor
/// at `next_at`; `None` for a case without steps.
async fn link_last(
    conn: &mut AnyConnection,
    case: &str,
    next_at: i64,
) -> StoreResult<Option<LastStep>> {
    let row = sqlx::query(
        "UPDATE process_steps SET next_at = $1, wait = $2 - at \
         WHERE case_id = $3 AND next_at IS NULL RETURNING event_id, at, label",
    )
    .bind(next_at)
    .bind(next_at)
    .bind(case)
    .fetch_optional(&mut *conn)
    .await
    .map_err(map)?;
    row.map(|row| {
        Ok(LastStep {
            at: int(&row, "at")?,
            id: text(&row, "event_id")?,
            label: text(&row, "label")?,
        })
    })
    .transpose()
}

/// The spans that milestones just reached complete. Appended steps only ever set milestones
/// that were unset, so existing spans stay as they are.
async fn add_spans(conn: &mut AnyConnection, cases: &[&String]) -> StoreResult<()> {
    let within = format!(" WHERE case_id IN ({})", placeholders(0, cases.len()));
    let sql = format!(
        "{} ON CONFLICT (case_id, span) DO NOTHING",
        crate::projection::insert_spans(&within)
    );
    let values = cases.iter().map(|c| Val::from((*c).clone())).collect();
    run(conn, sql, values).await
}

/// The rows of the appended steps, each with its neighbours.
async fn insert_steps(
    conn: &mut AnyConnection,
    appended: &[(&String, LastStep, &Vec<NewStep<'_>>)],
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

/// The case summary's path, end, duration and the milestones first reached by the new steps;
/// whether they reach any milestone.
async fn extend_summary(
    conn: &mut AnyConnection,
    case: &str,
    steps: &[NewStep<'_>],
) -> StoreResult<bool> {
    let end = steps[steps.len() - 1].at;
    let tail: String = steps.iter().map(|s| format!(" > {}", s.label)).collect();
    let mut sets = vec![
        "path = path || $1".to_string(),
        "last_at = $2".into(),
        "duration = $3 - first_at".into(),
    ];
    let mut values = vec![Val::from(tail), Val::Int(Some(end)), Val::Int(Some(end))];
    let mut reached = false;
    for milestone in MILESTONES {
        let first = steps.iter().find(|s| {
            let e = s.event;
            milestone.reached_by(e.entity_type.as_str(), &e.activity, e.to_state.as_deref())
        });
        if let Some(step) = first {
            reached = true;
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
    run(conn, sql, values).await?;
    Ok(reached)
}
