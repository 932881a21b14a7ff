//! Weekly snapshots of the open pipeline (one set-based copy per pipeline and week) and the reads
//! the forecast backtest compares them with: a snapshot's deals closing in a period, and what was
//! actually won in it.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use salesflow_app::ports::{
    AnalyticsFilter, ForecastStore, Scope, SnapshotDeal, StoreResult, WonTotal,
};
use salesflow_domain::ids::PipelineId;
use sqlx::AssertSqlSafe;

use crate::analytics::{opportunity_conditions, owner_and_team};
use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::records::Conditions;
use crate::rows::{bind_all, int, micros, text};
use crate::sums::{wide, wide_sum};

#[async_trait]
impl ForecastStore for SqlStore {
    async fn take_forecast_snapshot(
        &self,
        pipeline: PipelineId,
        week: Date,
        taken_at: Timestamp,
        rates: &[(String, i64)],
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            let marked = sqlx::query(
                "INSERT INTO forecast_snapshot_weeks (pipeline_id, week, taken_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (pipeline_id, week) DO NOTHING",
            )
            .bind(pipeline.to_string())
            .bind(week.to_string())
            .bind(micros(taken_at))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            if marked.rows_affected() == 0 {
                return Ok(false);
            }
            let mut c = Conditions::default();
            let p = c.param(pipeline.to_string());
            let w = c.param(week.to_string());
            let mut rate = String::from("0");
            if !rates.is_empty() {
                rate = String::from("CASE stage_key");
                for (stage, per_mille) in rates {
                    let s = c.param(stage.as_str());
                    rate.push_str(&format!(" WHEN {s} THEN {per_mille}"));
                }
                rate.push_str(" ELSE 0 END");
            }
            let sql = format!(
                "INSERT INTO forecast_snapshots (pipeline_id, week, opportunity_id, stage_key, \
                   owner_id, team_id, currency, amount_minor, probability, win_per_mille, close_date) \
                 SELECT {p}, {w}, id, stage_key, owner_id, team_id, currency, amount_minor, \
                   probability, {rate}, close_date \
                 FROM opportunities WHERE pipeline_id = {p} AND status = 'open' AND archived = 0"
            );
            bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(true)
        })
    }

    async fn snapshot_weeks(&self, pipeline: PipelineId) -> StoreResult<Vec<Date>> {
        let mut c = Conditions::default();
        let p = c.param(pipeline.to_string());
        let sql = format!(
            "SELECT week FROM forecast_snapshot_weeks WHERE pipeline_id = {p} ORDER BY week"
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| crate::rows::parsed(r, "week"))
            .collect()
    }

    async fn snapshot_deals(
        &self,
        pipeline: PipelineId,
        week: Date,
        (first, last): (Date, Date),
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<SnapshotDeal>> {
        let mut c = Conditions::default();
        let p = c.param(pipeline.to_string());
        let w = c.param(week.to_string());
        let f = c.param(first.to_string());
        let l = c.param(last.to_string());
        c.push(format!(
            "pipeline_id = {p} AND week = {w} AND close_date >= {f} AND close_date <= {l}"
        ));
        owner_and_team(&mut c, filter);
        c.scope(scope);
        let sql = format!(
            "SELECT currency, amount_minor, probability, win_per_mille FROM forecast_snapshots{}",
            c.where_clause()
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(SnapshotDeal {
                    currency: text(r, "currency")?,
                    amount_minor: int(r, "amount_minor")?,
                    probability: int(r, "probability")?,
                    win_per_mille: int(r, "win_per_mille")?,
                })
            })
            .collect()
    }

    async fn won_between(
        &self,
        pipeline: PipelineId,
        (from, to): (Timestamp, Timestamp),
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<WonTotal>> {
        let mut c = Conditions::default();
        opportunity_conditions(&mut c, Some(pipeline), filter, scope, false);
        let f = c.param(micros(from));
        let t = c.param(micros(to));
        c.push(format!(
            "status = 'won' AND stage_entered_at >= {f} AND stage_entered_at < {t}"
        ));
        let sql = format!(
            "SELECT currency, COUNT(*) AS n, {} \
             FROM opportunities{} GROUP BY currency ORDER BY currency",
            wide_sum("amount_minor", "amount"),
            c.where_clause()
        );
        self.rows(sql, c)
            .await?
            .iter()
            .map(|r| {
                Ok(WonTotal {
                    currency: text(r, "currency")?,
                    deals: int(r, "n")?,
                    amount_minor: wide(r, "amount")?,
                })
            })
            .collect()
    }
}
