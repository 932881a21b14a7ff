//! Analytics reads of opportunities (funnel, time in stage, stuck deals, forecast): one grouped
//! query per figure, on both databases, with nearest-rank percentiles computed in SQL. The
//! reader's scope and the filters narrow the opportunities a figure is computed from. Process
//! mining of the event log is in `mining`.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    AnalyticsFilter, AnalyticsStore, Breakdown, Closing, OpenStay, PipelineSlice, Scope, StageTime,
    StoreResult,
};
use salesflow_domain::analytics::funnel::Reach;
use salesflow_domain::ids::PipelineId;
use sqlx::AssertSqlSafe;

use crate::db::SqlStore;
use crate::error::map;
use crate::records::Conditions;
use crate::rows::{bind_all, int, micros, parsed, text, ts};
use crate::seek::Spread;
use crate::sums::{wide, wide_sum};

/// `'a', 'b'` of static, quote-free names.
pub(crate) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The opportunities a figure reads: the pipeline's, not archived, in the reader's scope and
/// the filter's owner or team; created in the period when `cohort`.
pub(crate) fn opportunity_conditions(
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

pub(crate) fn owner_and_team(c: &mut Conditions, filter: &AnalyticsFilter) {
    if let Some(owner) = filter.owner_id {
        let p = c.param(owner.to_string());
        c.push(format!("owner_id = {p}"));
    }
    if let Some(team) = filter.team_id {
        let p = c.param(team.to_string());
        c.push(format!("team_id = {p}"));
    }
}

pub(crate) fn period(c: &mut Conditions, column: &str, filter: &AnalyticsFilter) {
    if let Some(from) = filter.from {
        let p = c.param(micros(from));
        c.push(format!("{column} >= {p}"));
    }
    if let Some(to) = filter.to {
        let p = c.param(micros(to));
        c.push(format!("{column} < {p}"));
    }
}

fn group_sql(by: Breakdown) -> &'static str {
    match by {
        Breakdown::Total => "''",
        Breakdown::Rep => "o.owner_id",
        Breakdown::Team => "COALESCE(o.team_id, '')",
        Breakdown::Source => "COALESCE(l.source, '')",
        Breakdown::Product => "COALESCE(qp.product_id, '')",
    }
}

/// The products quoted for each opportunity, joined for the product breakdown.
const QUOTED_PRODUCTS: &str = "LEFT JOIN (SELECT DISTINCT opportunity_id, product_id \
     FROM quote_products) qp ON qp.opportunity_id";

impl SqlStore {
    pub(crate) async fn rows(
        &self,
        sql: String,
        c: Conditions,
    ) -> StoreResult<Vec<sqlx::any::AnyRow>> {
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
        self.read_models_current().await?;
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, true);
        let group = group_sql(by);
        // PostgreSQL refuses a constant in GROUP BY: the total is not grouped by its label.
        let (group_by, joined) = match by {
            Breakdown::Total => (String::new(), String::new()),
            Breakdown::Source => (
                format!("{group}, "),
                " LEFT JOIN leads l ON l.id = o.lead_id".to_string(),
            ),
            Breakdown::Product => (format!("{group}, "), format!(" {QUOTED_PRODUCTS} = o.id")),
            _ => (format!("{group}, "), String::new()),
        };
        let sql = format!(
            "WITH opps AS (SELECT id, owner_id, team_id, status, amount_minor, currency, lead_id, \
               furthest FROM opportunities{where_}) \
             SELECT {group} AS grp, o.furthest, o.status, o.currency, COUNT(*) AS n, {amount} \
             FROM opps o{joined} GROUP BY {group_by}o.furthest, o.status, o.currency",
            where_ = c.where_clause(),
            amount = wide_sum("o.amount_minor", "amount"),
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
                    amount_minor: wide(r, "amount")?,
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
        self.read_models_current().await?;
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
        self.read_models_current().await?;
        let with_products = format!("stage_stays {QUOTED_PRODUCTS} = stage_stays.opportunity_id");
        let spread = Spread {
            table: match by {
                Breakdown::Product => &with_products,
                _ => "stage_stays",
            },
            value: "duration",
            group: match by {
                Breakdown::Total => None,
                Breakdown::Rep => Some("owner_id"),
                Breakdown::Team => Some("team_id"),
                Breakdown::Source => Some("source"),
                Breakdown::Product => Some("COALESCE(qp.product_id, '')"),
            },
            stage: "stage_key",
            top: None,
        };
        self.seek_spreads(&spread, |values| {
            let mut c = Conditions::default();
            c.values = values;
            let p = c.param(pipeline.to_string());
            c.push(format!(
                "pipeline_id = {p} AND archived = 0 AND duration IS NOT NULL"
            ));
            period(&mut c, "entered_at", filter);
            owner_and_team(&mut c, filter);
            c.scope(scope);
            c
        })
        .await
    }

    async fn stays_over(
        &self,
        pipeline: PipelineId,
        limits: &[(String, Timestamp)],
        filter: &AnalyticsFilter,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<OpenStay>> {
        self.read_models_current().await?;
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
        self.read_models_current().await?;
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

    async fn open_pipeline(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<PipelineSlice>> {
        self.read_models_current().await?;
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, false);
        c.push("status = 'open'".into());
        let month = "COALESCE(SUBSTR(close_date, 1, 7), '')";
        let sql = format!(
            "SELECT {month} AS month, stage_key, currency, COUNT(*) AS n, {}, {} \
             FROM opportunities{} GROUP BY {month}, stage_key, currency \
             ORDER BY month, stage_key, currency",
            wide_sum("amount_minor", "amount"),
            wide_sum("amount_minor * probability", "weighted"),
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
                    amount_minor: wide(r, "amount")?,
                    weighted_hundredths: wide(r, "weighted")?,
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
        self.read_models_current().await?;
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
}
