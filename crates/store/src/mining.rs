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

use crate::analytics::{owner_and_team, period, quoted};
use crate::db::SqlStore;
use crate::records::Conditions;
use crate::rows::{Val, int, micros, opt_text, parsed, text, ts};
use crate::seek::Spread;

/// The step name of an event (see `mining::step_label`, which this mirrors).
pub(crate) fn label_sql() -> String {
    format!(
        "CASE WHEN e.activity IN ({}) AND e.to_state IS NOT NULL AND e.to_state <> '' \
         AND e.to_state <> 'none' THEN e.entity_type || ':' || e.to_state \
         ELSE e.entity_type || ':' || e.activity END",
        quoted(STATE_ACTIVITIES)
    )
}

/// What a mining query reads: its alias and the time its period filters.
#[derive(Clone, Copy, PartialEq)]
enum Log {
    /// The raw events (only the step events are read).
    Events,
    /// The process steps read model, each step with its neighbours.
    Steps,
    /// The case summaries, filtered by when the case started.
    Cases,
    /// The stays of opportunities in stages, filtered by when the stay began.
    Stays,
    /// The spans between the milestones of cases, filtered by when the case started.
    Spans,
}

impl Log {
    fn alias(self) -> &'static str {
        match self {
            Log::Events => "e",
            Log::Steps => "p",
            Log::Cases => "pc",
            Log::Stays => "st",
            Log::Spans => "cs",
        }
    }

    fn time(self) -> &'static str {
        match self {
            Log::Events => "e.at",
            Log::Steps => "p.at",
            Log::Cases => "pc.first_at",
            Log::Stays => "st.entered_at",
            Log::Spans => "cs.first_at",
        }
    }
}

/// The process steps a mining figure reads: step events in the period, of the cases the reader
/// may see (the cases of their opportunities and leads) and of the filter's owner or team.
fn step_conditions(filter: &AnalyticsFilter, scope: Scope) -> Conditions {
    steps_after(Vec::new(), filter, scope, Log::Events)
}

/// The same conditions for a further statement whose placeholders follow `values`.
fn steps_after(values: Vec<Val>, filter: &AnalyticsFilter, scope: Scope, log: Log) -> Conditions {
    let mut c = Conditions::default();
    c.values = values;
    if log == Log::Events {
        c.push(format!(
            "e.entity_type IN ({}) AND e.activity NOT IN ({})",
            quoted(PROCESS_ENTITIES),
            quoted(NOT_STEPS)
        ));
    }
    let alias = log.alias();
    period(&mut c, log.time(), filter);
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
            "{alias}.case_id IN (SELECT case_id FROM opportunities{} UNION SELECT id FROM leads{})",
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
            "{alias}.case_id IN (SELECT case_id FROM opportunities{})",
            opps.where_clause()
        ));
    }
    c
}

/// The steps a step is measured to within the period: its next one only if before its end.
fn next_within(c: &mut Conditions, filter: &AnalyticsFilter) -> String {
    match filter.to {
        Some(to) => {
            let t = c.param(micros(to));
            format!("p.next_at < {t}")
        }
        // `wait` is set exactly when there is a next step, and is in the label's index.
        None => "p.wait IS NOT NULL".into(),
    }
}

/// Who did a step: the user's name; `customer` for the customer on the portal (an event with
/// a name but no user); `system` for what no person did. One definition for every export.
const RESOURCE: &str = "COALESCE(u.name, e.actor_kind, 'system')";

#[async_trait]
impl MiningStore for SqlStore {
    async fn directly_follows(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<FollowRow>> {
        self.read_models_current().await?;
        // Within a period, a step whose predecessor came before it starts the case there, and
        // one whose successor comes after it ends the case there.
        let mut first = Conditions::default();
        let src = match filter.from {
            Some(from) => {
                let f = first.param(micros(from));
                format!("CASE WHEN p.prev_at >= {f} THEN p.prev ELSE '{START}' END")
            }
            None => "p.prev".into(),
        };
        let follows = steps_after(first.values, filter, scope, Log::Steps);
        let follows_where = follows.where_clause();
        let mut last = steps_after(follows.values, filter, scope, Log::Steps);
        let ends = match filter.to {
            Some(to) => {
                let t = last.param(micros(to));
                format!("(p.next_at IS NULL OR p.next_at >= {t})")
            }
            None => "p.next_at IS NULL".into(),
        };
        last.push(ends);
        let sql = format!(
            "SELECT {src} AS src, p.label AS dst, COUNT(*) AS n FROM process_steps p{follows_where} \
               GROUP BY 1, 2 \
             UNION ALL \
             SELECT p.label AS src, '{END}' AS dst, COUNT(*) AS n FROM process_steps p{} \
               GROUP BY 1, 2 \
             ORDER BY src, dst",
            last.where_clause()
        );
        self.rows(sql, last)
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
        self.read_models_current().await?;
        let spread = Spread {
            table: "process_steps p",
            value: "p.wait",
            group: None,
            stage: "p.label",
            top: None,
        };
        self.seek_spreads(&spread, |values| {
            let mut c = steps_after(values, filter, scope, Log::Steps);
            let within = next_within(&mut c, filter);
            c.push(within);
            c
        })
        .await
    }

    async fn cycle_times(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<StageTime>> {
        self.read_models_current().await?;
        let spread = Spread {
            table: "case_spans cs",
            value: "cs.duration",
            group: None,
            stage: "cs.span",
            top: None,
        };
        self.seek_spreads(&spread, |values| {
            steps_after(values, filter, scope, Log::Spans)
        })
        .await
    }

    async fn rework(&self, filter: &AnalyticsFilter, scope: Scope) -> StoreResult<Vec<ReworkRow>> {
        self.read_models_current().await?;
        let mut revisions = steps_after(Vec::new(), filter, scope, Log::Steps);
        revisions.push("p.label = 'quote:revised'".into());
        let where_ = revisions.where_clause();
        let mut moves = steps_after(revisions.values, filter, scope, Log::Stays);
        moves.push(
            "st.pipeline_id = b.pipeline_id AND st.prev_stage = b.from_key \
             AND st.stage_key = b.to_key"
                .into(),
        );
        // The few backward moves first, then their stays along the moves index.
        let sql = format!(
            "SELECT 'quote_revised' AS kind, COUNT(*) AS n, COUNT(DISTINCT p.case_id) AS cases \
               FROM process_steps p{where_} \
             UNION ALL \
             SELECT 'stage_backwards' AS kind, COUNT(*) AS n, \
               COUNT(DISTINCT st.opportunity_id) AS cases \
             FROM (SELECT f.pipeline_id, f.stage_key AS from_key, t.stage_key AS to_key \
                 FROM pipeline_stages f JOIN pipeline_stages t ON t.pipeline_id = f.pipeline_id \
                 WHERE t.kind = 'open' AND t.position < f.position) b \
             CROSS JOIN stage_stays st{}",
            moves.where_clause()
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
        self.read_models_current().await?;
        let mut c = steps_after(Vec::new(), filter, scope, Log::Stays);
        c.push("st.prev_stage IS NOT NULL".into());
        // Stays counted per move along the moves index, then the few moves laid on the stages.
        let sql = format!(
            "SELECT s.stage_key, CAST(SUM(m.n) AS BIGINT) AS n \
             FROM (SELECT st.pipeline_id, st.prev_stage, st.stage_key, COUNT(*) AS n \
                 FROM stage_stays st{} GROUP BY st.pipeline_id, st.prev_stage, st.stage_key) m \
             JOIN pipeline_stages f ON f.pipeline_id = m.pipeline_id AND f.stage_key = m.prev_stage \
             JOIN pipeline_stages t ON t.pipeline_id = m.pipeline_id AND t.stage_key = m.stage_key \
             JOIN pipeline_stages s ON s.pipeline_id = m.pipeline_id AND s.kind = 'open' \
               AND s.position > f.position AND s.position < t.position \
             WHERE f.kind = 'open' AND t.kind <> 'lost' \
             GROUP BY s.stage_key ORDER BY n DESC, s.stage_key",
            c.where_clause(),
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
        self.read_models_current().await?;
        let spread = Spread {
            table: "process_cases pc",
            value: "pc.duration",
            group: None,
            stage: "pc.path",
            top: Some(limit),
        };
        let paths = self
            .seek_spreads(&spread, |values| {
                steps_after(values, filter, scope, Log::Cases)
            })
            .await?;
        Ok(paths
            .into_iter()
            .map(|p| Variant {
                steps: p.stage.split(" > ").map(str::to_string).collect(),
                cases: p.count,
                median_micros: p.median_micros,
            })
            .collect())
    }

    async fn event_log(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> StoreResult<Vec<LogEvent>> {
        self.read_models_current().await?;
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
            "SELECT e.id, e.case_id, {label} AS label, e.at, e.actor_id, {RESOURCE} AS resource, \
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
                    resource: text(r, "resource")?,
                    entity_type: text(r, "entity_type")?,
                    entity_id: text(r, "entity_id")?,
                    from_state: opt_text(r, "from_state")?,
                    to_state: opt_text(r, "to_state")?,
                })
            })
            .collect()
    }
}
