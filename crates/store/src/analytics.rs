//! Analytics reads: one grouped query per figure, on both databases (window functions, nearest-
//! rank percentiles computed in SQL, `string_agg … ORDER BY` for variants). The reader's scope
//! and the filters narrow the opportunities, or the cases, a figure is computed from.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    AnalyticsFilter, AnalyticsStore, Breakdown, Closing, FollowRow, LogEvent, OpenStay,
    PipelineSlice, ReworkRow, Scope, StageTime, StoreResult,
};
use salesflow_domain::analytics::funnel::{Reach, WON_ORDER};
use salesflow_domain::analytics::mining::{
    END, NOT_STEPS, PROCESS_ENTITIES, START, STATE_ACTIVITIES, Variant,
};
use salesflow_domain::ids::PipelineId;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::SqlStore;
use crate::error::map;
use crate::records::Conditions;
use crate::rows::{Val, bind_all, int, micros, opt_text, parsed, text, ts};

/// `'a', 'b'` of static, quote-free names.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The step name of an event (see `mining::step_label`, which this mirrors).
fn label_sql() -> String {
    format!(
        "CASE WHEN e.activity IN ({}) AND e.to_state IS NOT NULL AND e.to_state <> '' \
         AND e.to_state <> 'none' THEN e.entity_type || ':' || e.to_state \
         ELSE e.entity_type || ':' || e.activity END",
        quoted(STATE_ACTIVITIES)
    )
}

/// The 1-based rank of a percentile among `n` rows, as `percentile::rank` computes it.
fn rank_sql(percent: u32) -> String {
    format!("(n * {percent} + 99) / 100")
}

/// The opportunities a figure reads: the pipeline's, not archived, in the reader's scope and
/// the filter's owner or team; created in the period when `cohort`.
fn opportunity_conditions(
    c: &mut Conditions,
    pipeline: Option<PipelineId>,
    filter: &AnalyticsFilter,
    scope: Scope,
    cohort: bool,
) {
    c.push("archived = 0".into());
    if let Some(pipeline) = pipeline {
        let p = c.param(pipeline.to_string());
        c.push(format!("pipeline_id = {p}"));
    }
    if cohort {
        period(c, "created_at", filter);
    }
    owner_and_team(c, filter);
    c.scope(scope);
}

fn owner_and_team(c: &mut Conditions, filter: &AnalyticsFilter) {
    if let Some(owner) = filter.owner_id {
        let p = c.param(owner.to_string());
        c.push(format!("owner_id = {p}"));
    }
    if let Some(team) = filter.team_id {
        let p = c.param(team.to_string());
        c.push(format!("team_id = {p}"));
    }
}

fn period(c: &mut Conditions, column: &str, filter: &AnalyticsFilter) {
    if let Some(from) = filter.from {
        let p = c.param(micros(from));
        c.push(format!("{column} >= {p}"));
    }
    if let Some(to) = filter.to {
        let p = c.param(micros(to));
        c.push(format!("{column} < {p}"));
    }
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

fn group_sql(by: Breakdown) -> &'static str {
    match by {
        Breakdown::Total => "''",
        Breakdown::Rep => "o.owner_id",
        Breakdown::Team => "COALESCE(o.team_id, '')",
        Breakdown::Source => "COALESCE(l.source, '')",
    }
}

impl SqlStore {
    async fn rows(&self, sql: String, c: Conditions) -> StoreResult<Vec<sqlx::any::AnyRow>> {
        bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)
    }

    async fn stays(&self, sql: String, c: Conditions) -> StoreResult<Vec<OpenStay>> {
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(OpenStay {
                    id: parsed(r, "id")?,
                    name: text(r, "name")?,
                    owner_id: text(r, "owner_id")?,
                    stage: text(r, "stage_key")?,
                    entered_at: ts(r, "stage_entered_at")?,
                })
            })
            .collect()
    }
}

const STAY_COLUMNS: &str = "id, name, owner_id, stage_key, stage_entered_at";

#[async_trait]
impl AnalyticsStore for SqlStore {
    async fn funnel_reaches(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        by: Breakdown,
        scope: Scope,
    ) -> StoreResult<Vec<Reach>> {
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, true);
        let p = c.param(pipeline.to_string());
        let group = group_sql(by);
        // PostgreSQL refuses a constant in GROUP BY: the total is not grouped by its label.
        let group_by = match by {
            Breakdown::Total => String::new(),
            _ => format!("{group}, "),
        };
        let sql = format!(
            "WITH opps AS (SELECT id, owner_id, team_id, status, amount_minor, currency, lead_id \
               FROM opportunities{where_}), \
             furthest AS (SELECT o.id, MAX(CASE WHEN s.kind = 'won' THEN {WON_ORDER} \
                 ELSE s.position END) AS furthest \
               FROM opps o JOIN events e ON e.entity_type = 'opportunity' AND e.entity_id = o.id \
               JOIN pipeline_stages s ON s.pipeline_id = {p} AND s.stage_key = e.to_state \
               WHERE s.kind <> 'lost' GROUP BY o.id) \
             SELECT {group} AS grp, COALESCE(f.furthest, -1) AS furthest, o.status, o.currency, \
               COUNT(*) AS n, CAST(SUM(o.amount_minor) AS BIGINT) AS amount \
             FROM opps o LEFT JOIN furthest f ON f.id = o.id LEFT JOIN leads l ON l.id = o.lead_id \
             GROUP BY {group_by}COALESCE(f.furthest, -1), o.status, o.currency",
            where_ = c.where_clause()
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(Reach {
                    group: text(r, "grp")?,
                    furthest: int(r, "furthest")?,
                    status: text(r, "status")?,
                    currency: text(r, "currency")?,
                    count: int(r, "n")?,
                    amount_minor: int(r, "amount")?,
                })
            })
            .collect()
    }

    async fn lost_reasons(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<(String, i64)>> {
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, true);
        c.push("status = 'lost'".into());
        let sql = format!(
            "SELECT COALESCE(lost_reason, '') AS reason, COUNT(*) AS n FROM opportunities{} \
             GROUP BY COALESCE(lost_reason, '') ORDER BY n DESC, reason",
            c.where_clause()
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| Ok((text(r, "reason")?, int(r, "n")?)))
            .collect()
    }

    async fn stage_times(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        by: Breakdown,
        scope: Scope,
    ) -> StoreResult<Vec<StageTime>> {
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, false);
        let where_ = c.where_clause();
        let mut stays = Conditions::default();
        stays.values = std::mem::take(&mut c.values);
        stays.push("left_at IS NOT NULL".into());
        period(&mut stays, "entered", filter);
        let group = group_sql(by);
        let sql = format!(
            "WITH opps AS (SELECT id, owner_id, team_id, lead_id FROM opportunities{where_}), \
             stays AS (SELECT {group} AS grp, e.to_state AS stage, e.at AS entered, \
                 LEAD(e.at) OVER (PARTITION BY e.entity_id ORDER BY e.at, e.id) AS left_at \
               FROM events e JOIN opps o ON o.id = e.entity_id LEFT JOIN leads l ON l.id = o.lead_id \
               WHERE e.entity_type = 'opportunity' AND e.activity IN ('created', 'stage_changed') \
                 AND e.to_state IS NOT NULL), \
             done AS (SELECT grp, stage, left_at - entered AS d FROM stays{done_where}), \
             ranked AS (SELECT grp, stage, d, \
                 ROW_NUMBER() OVER (PARTITION BY grp, stage ORDER BY d) AS rn, \
                 COUNT(*) OVER (PARTITION BY grp, stage) AS n FROM done) \
             SELECT grp, stage, n, MAX(CASE WHEN rn = {median} THEN d END) AS median, \
               MAX(CASE WHEN rn = {p90} THEN d END) AS p90 \
             FROM ranked GROUP BY grp, stage, n ORDER BY grp, stage",
            done_where = stays.where_clause(),
            median = rank_sql(50),
            p90 = rank_sql(90),
        );
        self.rows(sql, stays)
            .await?
            .iter()
            .map(|r| {
                Ok(StageTime {
                    group: text(r, "grp")?,
                    stage: text(r, "stage")?,
                    count: int(r, "n")?,
                    median_micros: int(r, "median")?,
                    p90_micros: int(r, "p90")?,
                })
            })
            .collect()
    }

    async fn stays_over(
        &self,
        pipeline: PipelineId,
        limits: &[(String, Timestamp)],
        filter: &AnalyticsFilter,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<OpenStay>> {
        if limits.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, false);
        c.push("status = 'open'".into());
        let mut cases = String::new();
        for (stage, before) in limits {
            let s = c.param(stage.as_str());
            let t = c.param(micros(*before));
            cases.push_str(&format!(" WHEN {s} THEN {t}"));
        }
        c.push(format!(
            "stage_entered_at < CASE stage_key{cases} ELSE {} END",
            i64::MIN
        ));
        let n = c.param(i64::from(limit));
        let sql = format!(
            "SELECT {STAY_COLUMNS} FROM opportunities{} ORDER BY stage_entered_at, id LIMIT {n}",
            c.where_clause()
        );
        self.stays(sql, c).await
    }

    async fn in_stage(
        &self,
        pipeline: PipelineId,
        stage: &str,
        filter: &AnalyticsFilter,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<OpenStay>> {
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, false);
        let s = c.param(stage);
        c.push(format!("stage_key = {s}"));
        let n = c.param(i64::from(limit));
        let sql = format!(
            "SELECT {STAY_COLUMNS} FROM opportunities{} ORDER BY stage_entered_at, id LIMIT {n}",
            c.where_clause()
        );
        self.stays(sql, c).await
    }

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
             seq AS (SELECT label, \
                 LEAD(at) OVER (PARTITION BY case_id ORDER BY at, id) - at AS d FROM steps), \
             ranked AS (SELECT label, d, ROW_NUMBER() OVER (PARTITION BY label ORDER BY d) AS rn, \
                 COUNT(*) OVER (PARTITION BY label) AS n FROM seq WHERE d IS NOT NULL) \
             SELECT label, n, MAX(CASE WHEN rn = {median} THEN d END) AS median, \
               MAX(CASE WHEN rn = {p90} THEN d END) AS p90 \
             FROM ranked GROUP BY label, n ORDER BY label",
            label = label_sql(),
            where_ = c.where_clause(),
            median = rank_sql(50),
            p90 = rank_sql(90),
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(StageTime {
                    group: String::new(),
                    stage: text(r, "label")?,
                    count: int(r, "n")?,
                    median_micros: int(r, "median")?,
                    p90_micros: int(r, "p90")?,
                })
            })
            .collect()
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
                    "SELECT '{step}' AS step, {to} - {from} AS d FROM m \
                     WHERE {from} IS NOT NULL AND {to} >= {from}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!(
            "WITH m AS (SELECT e.case_id, {milestones} FROM events e{where_} GROUP BY e.case_id), \
             pairs AS ({pairs}), \
             ranked AS (SELECT step, d, ROW_NUMBER() OVER (PARTITION BY step ORDER BY d) AS rn, \
                 COUNT(*) OVER (PARTITION BY step) AS n FROM pairs) \
             SELECT step, n, MAX(CASE WHEN rn = {median} THEN d END) AS median, \
               MAX(CASE WHEN rn = {p90} THEN d END) AS p90 \
             FROM ranked GROUP BY step, n ORDER BY step",
            milestones = milestones_sql(),
            where_ = c.where_clause(),
            median = rank_sql(50),
            p90 = rank_sql(90),
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(StageTime {
                    group: String::new(),
                    stage: text(r, "step")?,
                    count: int(r, "n")?,
                    median_micros: int(r, "median")?,
                    p90_micros: int(r, "p90")?,
                })
            })
            .collect()
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

    async fn open_pipeline(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<PipelineSlice>> {
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, false);
        c.push("status = 'open'".into());
        let month = "COALESCE(SUBSTR(close_date, 1, 7), '')";
        let sql = format!(
            "SELECT {month} AS month, stage_key, currency, COUNT(*) AS n, \
               CAST(SUM(amount_minor) AS BIGINT) AS amount, \
               CAST(SUM(amount_minor * probability) AS BIGINT) AS weighted \
             FROM opportunities{} GROUP BY {month}, stage_key, currency \
             ORDER BY month, stage_key, currency",
            c.where_clause()
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(PipelineSlice {
                    month: text(r, "month")?,
                    stage: text(r, "stage_key")?,
                    currency: text(r, "currency")?,
                    deals: int(r, "n")?,
                    amount_minor: int(r, "amount")?,
                    weighted_hundredths: int(r, "weighted")?,
                })
            })
            .collect()
    }

    async fn closing_between(
        &self,
        pipeline: PipelineId,
        first: &str,
        last: &str,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<Closing>> {
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, false);
        c.push("status = 'open'".into());
        let f = c.param(first);
        let l = c.param(last);
        c.push(format!("close_date >= {f} AND close_date <= {l}"));
        let sql = format!(
            "SELECT stage_key, currency, amount_minor, probability FROM opportunities{}",
            c.where_clause()
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(Closing {
                    stage: text(r, "stage_key")?,
                    currency: text(r, "currency")?,
                    amount_minor: int(r, "amount_minor")?,
                    probability: int(r, "probability")?,
                })
            })
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
