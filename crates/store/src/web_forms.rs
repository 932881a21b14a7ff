//! Public web form submissions and a campaign's leads.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    CampaignStore, EventRecord, Scope, StoreResult, SubmissionLimit, WebFormStore,
};
use salesflow_domain::ids::WebFormId;
use salesflow_domain::lead::Lead;
use salesflow_domain::web_form::WebForm;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::dialect;
use crate::error::map;
use crate::events::insert_event;
use crate::records::{Conditions, all_columns, insert_in, record_from_row};
use crate::rows::{bind_all, int, text};

#[async_trait]
impl WebFormStore for SqlStore {
    async fn form_by_token(&self, token: &str) -> StoreResult<Option<WebForm>> {
        let sql = format!(
            "SELECT {} FROM web_forms WHERE token = $1",
            all_columns::<WebForm>().join(", ")
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.as_ref().map(record_from_row::<WebForm>).transpose()
    }

    async fn recent_submissions(
        &self,
        form: WebFormId,
        address: &str,
        since: Timestamp,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM form_submissions WHERE form_id = $1 AND address_hash = $2 AND at >= $3",
        )
        .bind(form.to_string())
        .bind(address.to_string())
        .bind(since.as_microsecond())
        .fetch_one(&self.read)
        .await
        .map_err(map)?;
        int(&row, "n")
    }

    async fn insert_submitted_lead(
        &self,
        lead: &Lead,
        event: &EventRecord,
        form: WebFormId,
        address: &str,
        limit: SubmissionLimit,
    ) -> StoreResult<bool> {
        let backend = self.backend;
        write_tx!(self, |tx| {
            // Holding the form serialises its submissions on PostgreSQL; SQLite's write
            // transaction already excludes other writers.
            let lock = format!(
                "SELECT id FROM web_forms WHERE id = $1{}",
                dialect::for_update(backend)
            );
            sqlx::query(AssertSqlSafe(lock))
                .bind(form.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?;
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM form_submissions WHERE form_id = $1 AND address_hash = $2 AND at >= $3",
            )
            .bind(form.to_string())
            .bind(address.to_string())
            .bind(limit.since.as_microsecond())
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
            if int(&row, "n")? >= limit.max {
                return Ok(false);
            }
            insert_in(tx, lead).await?;
            sqlx::query(
                "INSERT INTO form_submissions (id, form_id, address_hash, lead_id, at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(form.to_string())
            .bind(address.to_string())
            .bind(lead.id.to_string())
            .bind(lead.meta.created_at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            insert_event(tx, event).await?;
            Ok(true)
        })
    }
}

fn campaign_conditions(campaign: Uuid, scope: Scope) -> Conditions {
    let mut c = Conditions::default();
    let p = c.param(campaign.to_string());
    c.push(format!("campaign_id = {p}"));
    c.push("archived = 0".into());
    c.scope(scope);
    c
}

#[async_trait]
impl CampaignStore for SqlStore {
    async fn campaign_lead_counts(
        &self,
        campaign: Uuid,
        scope: Scope,
    ) -> StoreResult<Vec<(String, i64)>> {
        let c = campaign_conditions(campaign, scope);
        let sql = format!(
            "SELECT status, COUNT(*) AS n FROM leads{} GROUP BY status ORDER BY status",
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| Ok((text(r, "status")?, int(r, "n")?)))
            .collect()
    }

    async fn campaign_leads(
        &self,
        campaign: Uuid,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<Lead>> {
        let mut c = campaign_conditions(campaign, scope);
        let l = c.param(i64::from(limit));
        let sql = format!(
            "SELECT {} FROM leads{} ORDER BY created_at DESC, id DESC LIMIT {l}",
            all_columns::<Lead>().join(", "),
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Lead>).collect()
    }
}
