//! Pipeline configuration: the stages opportunities move through.

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::PipelineId;
use salesflow_domain::pipeline::{Pipeline, PipelineInput};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::EventRecord;
use crate::{Actor, App};

/// A pipeline's stages as the event log shows them: "key:name (probability %)".
fn stage_summary(p: &Pipeline) -> String {
    p.stages
        .iter()
        .map(|s| format!("{} ({} %)", s.name, s.probability))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn pipeline_change(activity: &'static str, old: Option<&Pipeline>, new: &Pipeline) -> Change {
    let field = |name: &str, f: fn(&Pipeline) -> String| salesflow_domain::changes::FieldChange {
        field: name.into(),
        old: old.map(f),
        new: Some(f(new)),
    };
    let fields = vec![
        field("name", |p| p.name.clone()),
        field("stages", stage_summary),
        field("is_default", |p| p.is_default.to_string()),
    ]
    .into_iter()
    .filter(|c| c.old != c.new)
    .collect();
    Change::new(activity, fields)
}

impl App {
    fn pipeline_event(&self, actor: &Actor, pipeline: &Pipeline, change: Change) -> EventRecord {
        self.event(
            Some(actor),
            EntityType::Pipeline,
            pipeline.id.0,
            pipeline.id.0,
            change,
            None,
            None,
        )
    }

    pub async fn pipelines(&self, actor: &Actor) -> AppResult<Vec<Pipeline>> {
        actor.require(Resource::Pipeline, Action::Read)?;
        Ok(self.store.list_pipelines().await?)
    }

    pub async fn pipeline(&self, actor: &Actor, id: uuid::Uuid) -> AppResult<Pipeline> {
        actor.require(Resource::Pipeline, Action::Read)?;
        self.store
            .pipeline(PipelineId(id))
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The pipeline a new opportunity goes into: the named one, or the default.
    pub async fn pipeline_for_new(&self, raw: Option<&str>) -> AppResult<Pipeline> {
        let unknown = || {
            AppError::invalid(
                "pipeline_id",
                "unknown_pipeline",
                "no pipeline with this id",
            )
        };
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            Some(raw) => {
                let id: PipelineId = raw.parse().map_err(|_| unknown())?;
                self.store.pipeline(id).await?.ok_or_else(unknown)
            }
            None => self
                .store
                .list_pipelines()
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    AppError::invalid(
                        "pipeline_id",
                        "no_pipeline",
                        "no pipeline is configured yet; an admin creates one in Settings",
                    )
                }),
        }
    }

    pub async fn create_pipeline(
        &self,
        actor: &Actor,
        input: &PipelineInput,
    ) -> AppResult<Pipeline> {
        actor.require(Resource::Pipeline, Action::Create)?;
        let pipeline = Pipeline::parse(input, None, Uuid::now_v7, self.now())?;
        let event = self.pipeline_event(
            actor,
            &pipeline,
            pipeline_change("created", None, &pipeline),
        );
        self.store.insert_pipeline(&pipeline, &event).await?;
        Ok(pipeline)
    }

    /// Replaces a pipeline's name and stages. Stages named by id keep their opportunities;
    /// a stage left out must be empty.
    pub async fn replace_pipeline(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
        input: &PipelineInput,
    ) -> AppResult<Pipeline> {
        let current = self.pipeline(actor, id).await?;
        actor.require(Resource::Pipeline, Action::Update)?;
        let version = input.version.ok_or_else(|| {
            AppError::invalid("version", "version_required", "send the version you edited")
        })?;
        if version != current.version {
            return Err(AppError::StaleVersion {
                current: current.version,
            });
        }
        let next = Pipeline::parse(input, Some(&current), Uuid::now_v7, self.now())?;
        let event = self.pipeline_event(
            actor,
            &next,
            pipeline_change("updated", Some(&current), &next),
        );
        self.store
            .update_pipeline(&next, current.version, &event)
            .await?;
        Ok(next)
    }
}
