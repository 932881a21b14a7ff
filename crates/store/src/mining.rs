//! Process mining reads of the event log: directly-follows graph, time to the next step, cycle
//! times between a case's milestones, rework, skipped stages, variants (`string_agg … ORDER BY`)
//! and the log itself — each one grouped query on both databases, over the cases the reader may
//! see.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    AnalyticsFilter, FollowRow, LogEvent, MiningStore, ReworkRow, Scope, StageTime, StoreResult,
};
use salesflow_domain::analytics::mining::{
    END, NOT_STEPS, PROCESS_ENTITIES, START, STATE_ACTIVITIES, Variant,
};
use uuid::Uuid;

use crate::analytics::{owner_and_team, period, quoted, rank_sql, spread_sql};
use crate::db::SqlStore;
use crate::records::Conditions;
use crate::rows::{Val, int, micros, opt_text, parsed, text, ts};

/// The step name of an event (see `mining::step_label`, which this mirrors).
fn label_sql() -> String {
    format!(
        "CASE WHEN e.activity IN ({}) AND e.to_state IS NOT NULL AND e.to_state <> '' \
         AND e.to_state <> 'none' THEN e.entity_type || ':' || e.to_state \
         ELSE e.entity_type || ':' || e.activity END",
        quoted(STATE_ACTIVITIES)
    )
}

/// The process steps a mining figure reads: step events in the period, of the cases the reader
/// may see (the cases of their opportunities and leads) and of the filter's owner or team.
fn step_conditions(filter: &AnalyticsFilter, scope: Scope) -> Conditions {
    steps_after(Vec::new(), filter, scope)
}

/// The same conditions for a further statement whose placeholders follow `values`.
fn steps_after(values: Vec<Val>, filter: &AnalyticsFilter, scope: Scope) -> Conditions {
    let mut c = Conditions::default();
    c.values = values;
    c.push(format!(
        "e.entity_type IN ({}) AND e.activity NOT IN ({})",
        quoted(PROCESS_ENTITIES),
        quoted(NOT_STEPS)
    ));
    period(&mut c, "e.at", filter);
    if scope != Scope::All {
        let mut opps = Conditions::default();
        let mut leads = Conditions::default();
        // Both sub-selects need their own placeholders: continue the numbering.
        opps.values = std::mem::take(&mut c.values);
        opps.scope(scope);
        leads.values = std::mem::take(&mut opps.values);
        leads.scope(scope);
        c.values = std::mem::take(&mut leads.values);
        c.push(format!(
            "e.case_id IN (SELECT case_id FROM opportunities{} UNION SELECT id FROM leads{})",
            opps.where_clause(),
            leads.where_clause()
        ));
    }
    if filter.owner_id.is_some() || filter.team_id.is_some() {
        let mut opps = Conditions::default();
        opps.values = std::mem::take(&mut c.values);
        owner_and_team(&mut opps, filter);
        c.values = std::mem::take(&mut opps.values);
        c.push(format!(
            "e.case_id IN (SELECT case_id FROM opportunities{})",
            opps.where_clause()
        ));
    }
    c
}

/// The first time of each milestone of a case.
const MILESTONES: &[(&str, &str)] = &[
    ("lead", "e.entity_type = 'lead' AND e.activity = 'created'"),
    (
        "opportunity",
        "e.entity_type = 'opportunity' AND e.activity = 'created'",
    ),
    ("quote", "e.entity_type = 'quote' AND e.activity = 'sent'"),
    (
        "sales_order",
        "e.entity_type = 'sales_order' AND e.activity = 'created'",
    ),
    (
        "shipment",
        "e.entity_type = 'delivery' AND e.activity = 'shipped'",
    ),
    (
        "invoice",
        "e.entity_type = 'invoice' AND e.activity = 'posted'",
    ),
    ("cash", "e.entity_type = 'invoice' AND e.to_state = 'paid'"),
];

/// The spans measured between milestones: name, from, to.
const CYCLE_PAIRS: &[(&str, &str, &str)] = &[
    ("1_lead_opportunity", "lead", "opportunity"),
    ("2_opportunity_quote", "opportunity", "quote"),
    ("3_quote_order", "quote", "sales_order"),
    ("4_order_shipment", "sales_order", "shipment"),
    ("5_shipment_invoice", "shipment", "invoice"),
    ("6_invoice_cash", "invoice", "cash"),
    ("7_lead_to_cash", "lead", "cash"),
    ("8_opportunity_to_cash", "opportunity", "cash"),
];

fn milestones_sql() -> String {
    MILESTONES
        .iter()
        .map(|(name, when)| format!("MIN(CASE WHEN {when} THEN e.at END) AS {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl MiningStore for SqlStore {
    async fn directly_follows(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<FollowRow>> {
        let c = step_conditions(filter, scope);
        let sql = format!(
            "WITH steps AS (SELECT e.case_id, e.id, e.at, {label} AS label FROM events e{where_}), \
             seq AS (SELECT label, \
                 LAG(label) OVER (PARTITION BY case_id ORDER BY at, id) AS prev, \
                 LEAD(label) OVER (PARTITION BY case_id ORDER BY at, id) AS next FROM steps) \
             SELECT COALESCE(prev, '{START}') AS src, label AS dst, COUNT(*) AS n FROM seq \
               GROUP BY COALESCE(prev, '{START}'), label \
             UNION ALL \
             SELECT label AS src, '{END}' AS dst, COUNT(*) AS n FROM seq WHERE next IS NULL \
               GROUP BY label \
             ORDER BY src, dst",
            label = label_sql(),
            where_ = c.where_clause()
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(FollowRow {
                    from: text(r, "src")?,
                    to: text(r, "dst")?,
                    count: int(r, "n")?,
                })
            })
            .collect()
    }

    async fn step_times(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<StageTime>> {
        let c = step_conditions(filter, scope);
        let sql = format!(
            "WITH steps AS (SELECT e.case_id, e.id, e.at, {label} AS label FROM events e{where_}), \
             seq AS (SELECT '' AS grp, label AS stage, \
                 LEAD(at) OVER (PARTITION BY case_id ORDER BY at, id) - at AS d FROM steps), \
             {spread}",
            label = label_sql(),
            where_ = c.where_clause(),
            spread = spread_sql("seq"),
        );
        self.spreads(sql, c).await
    }

    async fn cycle_times(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<StageTime>> {
        let c = step_conditions(filter, scope);
        let pairs = CYCLE_PAIRS
            .iter()
            .map(|(step, from, to)| {
                format!(
                    "SELECT '' AS grp, '{step}' AS stage, {to} - {from} AS d FROM m \
                     WHERE {from} IS NOT NULL AND {to} >= {from}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!(
            "WITH m AS (SELECT e.case_id, {milestones} FROM events e{where_} GROUP BY e.case_id), \
             pairs AS ({pairs}), {spread}",
            milestones = milestones_sql(),
            where_ = c.where_clause(),
            spread = spread_sql("pairs"),
        );
        self.spreads(sql, c).await
    }

    async fn rework(&self, filter: &AnalyticsFilter, scope: Scope) -> StoreResult<Vec<ReworkRow>> {
        let revisions = step_conditions(filter, scope);
        let where_ = revisions.where_clause();
        let moves = steps_after(revisions.values, filter, scope);
        let moves_where = moves.where_clause();
        let sql = format!(
            "SELECT 'quote_revised' AS kind, COUNT(*) AS n, COUNT(DISTINCT e.case_id) AS cases \
               FROM events e{where_} AND e.entity_type = 'quote' AND e.activity = 'revised' \
             UNION ALL \
             SELECT 'stage_backwards' AS kind, COUNT(*) AS n, COUNT(DISTINCT e.entity_id) AS cases \
               FROM events e JOIN opportunities o ON o.id = e.entity_id \
               JOIN pipeline_stages f ON f.pipeline_id = o.pipeline_id AND f.stage_key = e.from_state \
               JOIN pipeline_stages t ON t.pipeline_id = o.pipeline_id AND t.stage_key = e.to_state\
               {moves_where} AND e.entity_type = 'opportunity' AND e.activity = 'stage_changed' \
               AND t.kind = 'open' AND t.position < f.position"
        );
        self.rows(sql, moves)
            .await?
            .iter()
            .map(|r| {
                Ok(ReworkRow {
                    kind: text(r, "kind")?,
                    events: int(r, "n")?,
                    cases: int(r, "cases")?,
                })
            })
            .collect()
    }

    async fn skipped_stages(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<(String, i64)>> {
        let c = step_conditions(filter, scope);
        let sql = format!(
            "SELECT s.stage_key, COUNT(*) AS n \
             FROM events e JOIN opportunities o ON o.id = e.entity_id \
             JOIN pipeline_stages f ON f.pipeline_id = o.pipeline_id AND f.stage_key = e.from_state \
             JOIN pipeline_stages t ON t.pipeline_id = o.pipeline_id AND t.stage_key = e.to_state \
             JOIN pipeline_stages s ON s.pipeline_id = o.pipeline_id AND s.kind = 'open' \
               AND s.position > f.position AND s.position < t.position{where_} \
               AND e.entity_type = 'opportunity' AND e.activity = 'stage_changed' \
               AND f.kind = 'open' AND t.kind <> 'lost' \
             GROUP BY s.stage_key ORDER BY n DESC, s.stage_key",
            where_ = c.where_clause(),
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| Ok((text(r, "stage_key")?, int(r, "n")?)))
            .collect()
    }

    async fn variants(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<Variant>> {
        let mut c = step_conditions(filter, scope);
        let where_ = c.where_clause();
        let n = c.param(i64::from(limit));
        let sql = format!(
            "WITH steps AS (SELECT e.case_id, e.id, e.at, {label} AS label FROM events e{where_}), \
             cases AS (SELECT case_id, string_agg(label, ' > ' ORDER BY at, id) AS path, \
                 MAX(at) - MIN(at) AS d FROM steps GROUP BY case_id), \
             ranked AS (SELECT path, d, ROW_NUMBER() OVER (PARTITION BY path ORDER BY d) AS rn, \
                 COUNT(*) OVER (PARTITION BY path) AS n FROM cases) \
             SELECT path, n, MAX(CASE WHEN rn = {median} THEN d END) AS median FROM ranked \
             GROUP BY path, n ORDER BY n DESC, path LIMIT {n}",
            label = label_sql(),
            median = rank_sql(50),
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(Variant {
                    steps: text(r, "path")?.split(" > ").map(str::to_string).collect(),
                    cases: int(r, "n")?,
                    median_micros: int(r, "median")?,
                })
            })
            .collect()
    }

    async fn event_log(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> StoreResult<Vec<LogEvent>> {
        let mut c = step_conditions(filter, scope);
        if let Some((at, id)) = after {
            let later = c.param(micros(at));
            let same = c.param(micros(at));
            let i = c.param(id.to_string());
            c.push(format!(
                "(e.at > {later} OR (e.at = {same} AND e.id > {i}))"
            ));
        }
        let where_ = c.where_clause();
        let n = c.param(i64::from(limit));
        let sql = format!(
            "SELECT e.id, e.case_id, {label} AS label, e.at, e.actor_id, u.name AS resource, \
               e.entity_type, e.entity_id, e.from_state, e.to_state \
             FROM events e LEFT JOIN users u ON u.id = e.actor_id{where_} \
             ORDER BY e.at, e.id LIMIT {n}",
            label = label_sql(),
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(LogEvent {
                    id: parsed(r, "id")?,
                    case_id: text(r, "case_id")?,
                    activity: text(r, "label")?,
                    at: ts(r, "at")?,
                    actor_id: opt_text(r, "actor_id")?,
                    resource: opt_text(r, "resource")?,
                    entity_type: text(r, "entity_type")?,
                    entity_id: text(r, "entity_id")?,
                    from_state: opt_text(r, "from_state")?,
                    to_state: opt_text(r, "to_state")?,
                })
            })
            .collect()
    }
}
