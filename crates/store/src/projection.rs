//! The process read models (`stage_stays`, `process_steps`, `opportunities.furthest`), kept in
//! step with the event log by their feed consumer (`feed::read_models`): for each batch of
//! events the opportunities and cases they touch are recomputed from their whole history,
//! set-based — so a late or out-of-order event lands exactly where a full rebuild would put it.
//! Analytics then reads these indexed tables instead of ordering the log.

use std::collections::BTreeSet;

use salesflow_app::ports::{EventRecord, StoreResult};
use salesflow_domain::analytics::funnel::WON_ORDER;
use salesflow_domain::analytics::mining::{NOT_STEPS, PROCESS_ENTITIES, START};
use salesflow_domain::event::EntityType;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::analytics::quoted;
use crate::error::map;
use crate::milestones::{CYCLE_PAIRS, milestone_names, milestones_sql};
use crate::mining::label_sql;
use crate::rows::{Val, bind_all, placeholders};

// The refresh statements reach the log through the index of the touched ids: `|| ''` on a
// column keeps SQLite from choosing the (entity_type, activity) index, which would walk the
// whole log on every write.

/// Ids per refresh statement.
const CHUNK: usize = 500;

/// What a set of events touches: the ids whose read models must be recomputed.
#[derive(Default)]
struct Touched {
    opportunities: BTreeSet<String>,
    leads: BTreeSet<String>,
    cases: BTreeSet<String>,
    pipelines: BTreeSet<String>,
    quotes: BTreeSet<String>,
}

impl Touched {
    fn of(events: &[EventRecord]) -> Self {
        let mut t = Touched::default();
        for e in events {
            let id = e.entity_id.to_string();
            match e.entity_type {
                EntityType::Opportunity => {
                    t.opportunities.insert(id);
                }
                EntityType::Lead => {
                    t.leads.insert(id);
                }
                EntityType::Pipeline => {
                    t.pipelines.insert(id);
                }
                EntityType::Quote => {
                    t.quotes.insert(id);
                }
                _ => {}
            }
            if crate::case_append::is_step(e) {
                t.cases.insert(e.case_id.to_string());
            }
        }
        t
    }
}

/// Recomputes the read models of what `events` touch.
pub(crate) async fn refresh(conn: &mut AnyConnection, events: &[EventRecord]) -> StoreResult<()> {
    let touched = Touched::of(events);
    lock_cases(conn, &touched.cases).await?;
    let mut opportunities = touched.opportunities.clone();
    opportunities.extend(made_from(conn, &touched.leads).await?);
    let opportunities: Vec<&String> = opportunities.iter().collect();
    for chunk in opportunities.chunks(CHUNK) {
        refresh_opportunities(conn, chunk).await?;
    }
    // Reordered stages change which one is furthest.
    for pipeline in &touched.pipelines {
        let v = vec![Val::from(pipeline.clone())];
        run(conn, update_furthest("pipeline_id = $1"), v).await?;
    }
    let quotes: Vec<&String> = touched.quotes.iter().collect();
    for chunk in quotes.chunks(CHUNK) {
        quote_products(conn, chunk).await?;
    }
    let recompute = crate::case_append::append(conn, events).await?;
    let cases: Vec<&String> = recompute.iter().collect();
    for chunk in cases.chunks(CHUNK) {
        refresh_cases(conn, chunk).await?;
    }
    Ok(())
}

/// The opportunities made from `leads`: a lead's source is copied onto their stays.
async fn made_from(conn: &mut AnyConnection, leads: &BTreeSet<String>) -> StoreResult<Vec<String>> {
    let leads: Vec<&String> = leads.iter().collect();
    let mut found = Vec::new();
    for chunk in leads.chunks(CHUNK) {
        let sql = format!(
            "SELECT id FROM opportunities WHERE lead_id IN ({})",
            placeholders(0, chunk.len())
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values(chunk))
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        for row in rows {
            found.push(crate::rows::text(&row, "id")?);
        }
    }
    Ok(found)
}

/// The stays and furthest stage of these opportunities.
async fn refresh_opportunities(conn: &mut AnyConnection, ids: &[&String]) -> StoreResult<()> {
    let within = format!("IN ({})", placeholders(0, ids.len()));
    let stays = format!("DELETE FROM stage_stays WHERE opportunity_id {within}");
    run(conn, stays, values(ids)).await?;
    let and = format!("AND e.entity_id {within}");
    run(conn, insert_stays(&and), values(ids)).await?;
    run(conn, update_furthest(&format!("id {within}")), values(ids)).await
}

/// The steps and summaries of these cases.
async fn refresh_cases(conn: &mut AnyConnection, ids: &[&String]) -> StoreResult<()> {
    let within = format!("IN ({})", placeholders(0, ids.len()));
    let steps = format!("DELETE FROM process_steps WHERE case_id {within}");
    run(conn, steps, values(ids)).await?;
    let and = format!("AND e.case_id {within}");
    run(conn, insert_steps(&and), values(ids)).await?;
    let cases = format!("DELETE FROM process_cases WHERE case_id {within}");
    run(conn, cases, values(ids)).await?;
    // The summary reads the ids twice: for the steps and for the milestones.
    let again = format!("IN ({})", placeholders(ids.len(), ids.len()));
    let mut twice = values(ids);
    twice.extend(values(ids));
    let summaries = insert_cases(
        &format!(" WHERE p.case_id {within}"),
        &format!("AND e.case_id {again}"),
    );
    run(conn, summaries, twice).await?;
    refresh_spans(conn, ids).await
}

/// The milestone spans of these cases, from their summaries.
async fn refresh_spans(conn: &mut AnyConnection, ids: &[&String]) -> StoreResult<()> {
    let within = format!("IN ({})", placeholders(0, ids.len()));
    let spans = format!("DELETE FROM case_spans WHERE case_id {within}");
    run(conn, spans, values(ids)).await?;
    run(
        conn,
        insert_spans(&format!(" WHERE case_id {within}")),
        values(ids),
    )
    .await
}

/// On PostgreSQL, waits for other transactions refreshing the same cases to commit (in id
/// order, so two never wait for each other): recomputed after them, a case's rows include their
/// events too. SQLite runs one writer at a time.
async fn lock_cases(conn: &mut AnyConnection, cases: &BTreeSet<String>) -> StoreResult<()> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    let cases: Vec<&String> = cases.iter().collect();
    for chunk in cases.chunks(CHUNK) {
        let keys: Vec<String> = (1..=chunk.len()).map(|i| format!("(${i})")).collect();
        let sql = format!(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (VALUES {}) v(k) \
             ORDER BY k",
            keys.join(", ")
        );
        run(conn, sql, values(chunk)).await?;
    }
    Ok(())
}

/// Recomputes every read model from the whole log.
pub(crate) async fn rebuild(conn: &mut AnyConnection) -> StoreResult<()> {
    run(conn, "DELETE FROM stage_stays".into(), Vec::new()).await?;
    run(conn, insert_stays(""), Vec::new()).await?;
    run(conn, update_furthest("1 = 1"), Vec::new()).await?;
    run(conn, "DELETE FROM process_steps".into(), Vec::new()).await?;
    run(conn, insert_steps(""), Vec::new()).await?;
    run(conn, "DELETE FROM process_cases".into(), Vec::new()).await?;
    run(conn, insert_cases("", ""), Vec::new()).await?;
    run(conn, "DELETE FROM case_spans".into(), Vec::new()).await?;
    run(conn, insert_spans(""), Vec::new()).await?;
    let quotes = sqlx::query("SELECT id FROM quotes")
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?
        .iter()
        .map(|r| crate::rows::text(r, "id"))
        .collect::<StoreResult<Vec<String>>>()?;
    let quotes: Vec<&String> = quotes.iter().collect();
    for chunk in quotes.chunks(CHUNK) {
        quote_products(conn, chunk).await?;
    }
    Ok(())
}

/// Recomputes which products the lines of `quotes` name (lines are stored as JSON, read here
/// rather than with each database's own JSON functions).
async fn quote_products(conn: &mut AnyConnection, quotes: &[&String]) -> StoreResult<()> {
    let within = format!("IN ({})", placeholders(0, quotes.len()));
    run(
        conn,
        format!("DELETE FROM quote_products WHERE quote_id {within}"),
        values(quotes),
    )
    .await?;
    let sql = format!(
        "SELECT id, opportunity_id, lines FROM quotes \
         WHERE opportunity_id IS NOT NULL AND id {within}"
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values(quotes))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
    let mut found = BTreeSet::new();
    for row in &rows {
        let lines: Vec<serde_json::Value> =
            serde_json::from_str(&crate::rows::text(row, "lines")?).unwrap_or_default();
        for product in lines.iter().filter_map(|l| l["product_id"].as_str()) {
            found.insert((
                crate::rows::text(row, "id")?,
                crate::rows::text(row, "opportunity_id")?,
                product.to_string(),
            ));
        }
    }
    let found: Vec<_> = found.into_iter().collect();
    for chunk in found.chunks(CHUNK / 2) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", placeholders(i * 3, 3)))
            .collect();
        let values = chunk
            .iter()
            .flat_map(|(q, o, p)| {
                [
                    Val::from(q.clone()),
                    Val::from(o.clone()),
                    Val::from(p.clone()),
                ]
            })
            .collect();
        run(
            conn,
            format!(
                "INSERT INTO quote_products (quote_id, opportunity_id, product_id) VALUES {}",
                rows.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

fn values(ids: &[&String]) -> Vec<Val> {
    ids.iter().map(|id| Val::from((*id).clone())).collect()
}

pub(crate) async fn run(
    conn: &mut AnyConnection,
    sql: String,
    values: Vec<Val>,
) -> StoreResult<()> {
    bind_all(sqlx::query(AssertSqlSafe(sql)), values)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    Ok(())
}

/// The stays of the opportunities whose events pass `and`, from their stage events.
fn insert_stays(and: &str) -> String {
    format!(
        "INSERT INTO stage_stays (event_id, opportunity_id, case_id, pipeline_id, stage_key, prev_stage, \
           entered_at, duration, owner_id, team_id, source, archived) \
         SELECT s.id, o.id, s.case_id, o.pipeline_id, s.to_state, s.prev_stage, s.at, s.next_at - s.at, \
           o.owner_id, \
           COALESCE(o.team_id, ''), COALESCE(l.source, ''), o.archived \
         FROM (SELECT e.id, e.entity_id, e.case_id, e.to_state, e.at, \
             LAG(e.to_state) OVER w AS prev_stage, LEAD(e.at) OVER w AS next_at \
           FROM events e WHERE e.entity_type = 'opportunity' \
             AND e.activity || '' IN ('created', 'stage_changed') AND e.to_state IS NOT NULL {and} \
           WINDOW w AS (PARTITION BY e.entity_id ORDER BY e.at, e.id)) s \
         JOIN opportunities o ON o.id = s.entity_id LEFT JOIN leads l ON l.id = o.lead_id"
    )
}

/// The furthest stage reached by the opportunities `which` selects (lost is not a step forward).
fn update_furthest(which: &str) -> String {
    format!(
        "UPDATE opportunities SET furthest = COALESCE((SELECT MAX(CASE WHEN s.kind = 'won' \
             THEN {WON_ORDER} ELSE s.position END) \
           FROM stage_stays st JOIN pipeline_stages s ON s.pipeline_id = opportunities.pipeline_id \
             AND s.stage_key = st.stage_key \
           WHERE st.opportunity_id = opportunities.id AND s.kind <> 'lost'), -1) \
         WHERE {which}"
    )
}

/// The process steps of the cases whose events pass `and`, each with its neighbours.
fn insert_steps(and: &str) -> String {
    format!(
        "INSERT INTO process_steps (event_id, case_id, at, label, prev, prev_at, next_at, wait) \
         SELECT id, case_id, at, label, COALESCE(LAG(label) OVER w, '{START}'), LAG(at) OVER w, \
           LEAD(at) OVER w, LEAD(at) OVER w - at \
         FROM (SELECT e.id, e.case_id, e.at, {label} AS label FROM events e \
           WHERE e.entity_type || '' IN ({entities}) AND e.activity NOT IN ({not_steps}) {and}) s \
         WINDOW w AS (PARTITION BY case_id ORDER BY at, id)",
        label = label_sql(),
        entities = quoted(PROCESS_ENTITIES),
        not_steps = quoted(NOT_STEPS),
    )
}

/// The case summaries of the cases whose steps pass `steps_where` and events pass `events_and`:
/// the path of its steps and the first time of each milestone.
fn insert_cases(steps_where: &str, events_and: &str) -> String {
    format!(
        "INSERT INTO process_cases (case_id, path, first_at, last_at, duration, {names}) \
         SELECT p.case_id, p.path, p.first_at, p.last_at, p.last_at - p.first_at, {names} \
         FROM (SELECT p.case_id, string_agg(p.label, ' > ' ORDER BY p.at, p.event_id) AS path, \
             MIN(p.at) AS first_at, MAX(p.at) AS last_at FROM process_steps p{steps_where} \
             GROUP BY p.case_id) p \
         JOIN (SELECT e.case_id, {milestones} FROM events e \
             WHERE e.entity_type || '' IN ({entities}) AND e.activity NOT IN ({not_steps}) \
             {events_and} GROUP BY e.case_id) m ON m.case_id = p.case_id",
        names = milestone_names(),
        milestones = milestones_sql(),
        entities = quoted(PROCESS_ENTITIES),
        not_steps = quoted(NOT_STEPS),
    )
}

/// The spans between the milestones of the case summaries `where_` selects.
pub(crate) fn insert_spans(where_: &str) -> String {
    let spans = CYCLE_PAIRS
        .iter()
        .map(|(span, from, to)| {
            format!(
                "SELECT case_id, '{span}', first_at, {to} - {from} FROM pc \
                 WHERE {from} IS NOT NULL AND {to} >= {from}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "WITH pc AS (SELECT * FROM process_cases{where_}) \
         INSERT INTO case_spans (case_id, span, first_at, duration) {spans}"
    )
}
