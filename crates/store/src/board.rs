//! The kanban board's queries: grouped column totals and one page of a column.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{BoardFilter, OpportunityStore, Scope, StageTotal, StoreResult};
use salesflow_domain::ids::StageId;
use salesflow_domain::opportunity::Opportunity;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::SqlStore;
use crate::error::map;
use crate::records::{Conditions, all_columns, record_from_row};
use crate::rows::{bind_all, int, parsed, text};
use crate::sums::{wide, wide_sum};

/// The board's filters as conditions (visibility first, then the user's choices).
fn board_conditions(filter: &BoardFilter, scope: Scope) -> Conditions {
    let mut c = Conditions::default();
    c.scope(scope);
    c.push("archived = 0".into());
    let p = c.param(filter.pipeline_id.to_string());
    c.push(format!("pipeline_id = {p}"));
    if let Some(owner) = filter.owner {
        let p = c.param(owner.to_string());
        c.push(format!("owner_id = {p}"));
    }
    if let Some(team) = filter.team {
        let p = c.param(team.to_string());
        c.push(format!("team_id = {p}"));
    }
    // Close dates are ISO text, so the range compares as text; '' (no date) is left out.
    if let Some(from) = filter.close_from {
        let p = c.param(from.to_string());
        c.push(format!("close_date_key >= {p}"));
    }
    if let Some(to) = filter.close_to {
        let p = c.param(to.to_string());
        c.push(format!("close_date_key <> '' AND close_date_key <= {p}"));
    }
    c
}

#[async_trait]
impl OpportunityStore for SqlStore {
    async fn stage_totals(
        &self,
        filter: &BoardFilter,
        scope: Scope,
    ) -> StoreResult<Vec<StageTotal>> {
        let c = board_conditions(filter, scope);
        let sql = format!(
            "SELECT stage_id, currency, COUNT(*) AS n, {}, {} \
             FROM opportunities{} GROUP BY stage_id, currency ORDER BY stage_id, currency",
            wide_sum("amount_minor", "amount"),
            wide_sum("amount_minor * probability", "weighted"),
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| {
                Ok(StageTotal {
                    stage_id: parsed(r, "stage_id")?,
                    currency: text(r, "currency")?,
                    count: int(r, "n")?,
                    amount_minor: wide(r, "amount")?,
                    weighted_centi_minor: wide(r, "weighted")?,
                })
            })
            .collect()
    }

    async fn stage_cards(
        &self,
        filter: &BoardFilter,
        stage: StageId,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
        scope: Scope,
    ) -> StoreResult<Vec<Opportunity>> {
        let mut c = board_conditions(filter, scope);
        let p = c.param(stage.to_string());
        c.push(format!("stage_id = {p}"));
        if let Some((at, id)) = after {
            let v = c.param(at);
            let i = c.param(id.to_string());
            c.push(format!(
                "updated_at <= {v} AND (updated_at < {v} OR id < {i})"
            ));
        }
        let l = c.param(i64::from(limit) + 1);
        let sql = format!(
            "SELECT {} FROM opportunities{} ORDER BY updated_at DESC, id DESC LIMIT {l}",
            all_columns::<Opportunity>().join(", "),
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Opportunity>).collect()
    }
}
