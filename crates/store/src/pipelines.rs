//! Pipelines and their stages.

use std::collections::HashMap;

use async_trait::async_trait;
use salesflow_app::ports::{EventRecord, PipelineStore, StoreError, StoreResult};
use salesflow_domain::ids::PipelineId;
use salesflow_domain::pipeline::{Pipeline, Stage};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::rows::{flag, int, parsed, text, ts};

const PIPELINE_COLUMNS: &str = "id, name, is_default, created_at, updated_at, version";
const STAGE_COLUMNS: &str =
    "id, pipeline_id, stage_key, name, position, probability, kind, required_fields";

fn stage_from_row(row: &AnyRow) -> StoreResult<(PipelineId, Stage)> {
    let required = text(row, "required_fields")?;
    let required_fields = required
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| f.parse().map_err(StoreError::Other))
        .collect::<StoreResult<_>>()?;
    Ok((
        parsed(row, "pipeline_id")?,
        Stage {
            id: parsed(row, "id")?,
            key: text(row, "stage_key")?,
            name: text(row, "name")?,
            probability: u8::try_from(int(row, "probability")?).unwrap_or(0),
            kind: parsed(row, "kind")?,
            required_fields,
        },
    ))
}

fn pipeline_from_row(row: &AnyRow) -> StoreResult<Pipeline> {
    Ok(Pipeline {
        id: parsed(row, "id")?,
        name: text(row, "name")?,
        is_default: flag(row, "is_default")?,
        stages: vec![],
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        version: int(row, "version")?,
    })
}

impl SqlStore {
    /// Pipelines (all, or one) with their stages in board order: two queries.
    async fn load_pipelines(&self, only: Option<PipelineId>) -> StoreResult<Vec<Pipeline>> {
        let (pipelines, stages) = match only {
            Some(id) => {
                let p = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PIPELINE_COLUMNS} FROM pipelines WHERE id = $1"
                )))
                .bind(id.to_string())
                .fetch_all(&self.read)
                .await
                .map_err(map)?;
                let s = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {STAGE_COLUMNS} FROM pipeline_stages WHERE pipeline_id = $1 ORDER BY position"
                )))
                .bind(id.to_string())
                .fetch_all(&self.read)
                .await
                .map_err(map)?;
                (p, s)
            }
            None => {
                let p = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PIPELINE_COLUMNS} FROM pipelines ORDER BY is_default DESC, name, id"
                )))
                .fetch_all(&self.read)
                .await
                .map_err(map)?;
                let s = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {STAGE_COLUMNS} FROM pipeline_stages ORDER BY pipeline_id, position"
                )))
                .fetch_all(&self.read)
                .await
                .map_err(map)?;
                (p, s)
            }
        };
        let mut by_pipeline: HashMap<PipelineId, Vec<Stage>> = HashMap::new();
        for row in &stages {
            let (pipeline, stage) = stage_from_row(row)?;
            by_pipeline.entry(pipeline).or_default().push(stage);
        }
        pipelines
            .iter()
            .map(|row| {
                let mut p = pipeline_from_row(row)?;
                p.stages = by_pipeline.remove(&p.id).unwrap_or_default();
                Ok(p)
            })
            .collect()
    }
}

/// Inserts or updates every stage of `pipeline` at its position.
async fn upsert_stages(tx: &mut AnyConnection, pipeline: &Pipeline) -> StoreResult<()> {
    for (position, stage) in pipeline.stages.iter().enumerate() {
        let required: Vec<&str> = stage.required_fields.iter().map(|f| f.as_str()).collect();
        sqlx::query(
            "INSERT INTO pipeline_stages (id, pipeline_id, stage_key, name, position, probability, kind, required_fields) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, position = excluded.position, \
             probability = excluded.probability, kind = excluded.kind, required_fields = excluded.required_fields",
        )
        .bind(stage.id.to_string())
        .bind(pipeline.id.to_string())
        .bind(stage.key.clone())
        .bind(stage.name.clone())
        .bind(position as i64)
        .bind(i64::from(stage.probability))
        .bind(stage.kind.as_str())
        .bind(required.join(","))
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    }
    Ok(())
}

async fn take_default(tx: &mut AnyConnection, pipeline: &Pipeline) -> StoreResult<()> {
    if pipeline.is_default {
        sqlx::query("UPDATE pipelines SET is_default = 0 WHERE id <> $1 AND is_default = 1")
            .bind(pipeline.id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
    }
    Ok(())
}

#[async_trait]
impl PipelineStore for SqlStore {
    async fn list_pipelines(&self) -> StoreResult<Vec<Pipeline>> {
        self.load_pipelines(None).await
    }

    async fn pipeline(&self, id: PipelineId) -> StoreResult<Option<Pipeline>> {
        Ok(self.load_pipelines(Some(id)).await?.into_iter().next())
    }

    async fn insert_pipeline(&self, pipeline: &Pipeline, event: &EventRecord) -> StoreResult<()> {
        write_tx!(self, |tx| {
            take_default(tx, pipeline).await?;
            sqlx::query(
                "INSERT INTO pipelines (id, name, is_default, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(pipeline.id.to_string())
            .bind(pipeline.name.clone())
            .bind(i64::from(pipeline.is_default))
            .bind(pipeline.created_at.as_microsecond())
            .bind(pipeline.updated_at.as_microsecond())
            .bind(pipeline.version)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            upsert_stages(tx, pipeline).await?;
            insert_event(tx, event).await
        })
    }

    async fn update_pipeline(
        &self,
        pipeline: &Pipeline,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()> {
        let keep: Vec<String> = pipeline.stages.iter().map(|s| s.id.to_string()).collect();
        write_tx!(self, |tx| {
            let updated = sqlx::query(
                "UPDATE pipelines SET name = $1, is_default = $2, updated_at = $3, version = $4 \
                 WHERE id = $5 AND version = $6",
            )
            .bind(pipeline.name.clone())
            .bind(i64::from(pipeline.is_default))
            .bind(pipeline.updated_at.as_microsecond())
            .bind(pipeline.version)
            .bind(pipeline.id.to_string())
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            if updated.rows_affected() == 0 {
                let row = sqlx::query("SELECT version FROM pipelines WHERE id = $1")
                    .bind(pipeline.id.to_string())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map)?;
                return Err(match row {
                    Some(row) => StoreError::VersionConflict {
                        current: int(&row, "version")?,
                    },
                    None => StoreError::NotFound,
                });
            }
            let stored = sqlx::query("SELECT id FROM pipeline_stages WHERE pipeline_id = $1")
                .bind(pipeline.id.to_string())
                .fetch_all(&mut *tx)
                .await
                .map_err(map)?;
            for row in &stored {
                let id = text(row, "id")?;
                if keep.contains(&id) {
                    continue;
                }
                let used =
                    sqlx::query("SELECT COUNT(*) AS n FROM opportunities WHERE stage_id = $1")
                        .bind(id.clone())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map)?;
                if int(&used, "n")? > 0 {
                    return Err(StoreError::InUse(
                        "a removed stage still holds opportunities; move them first".into(),
                    ));
                }
                sqlx::query("DELETE FROM pipeline_stages WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
            }
            take_default(tx, pipeline).await?;
            upsert_stages(tx, pipeline).await?;
            insert_event(tx, event).await
        })
    }
}
