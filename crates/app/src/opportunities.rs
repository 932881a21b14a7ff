//! Opportunity use cases beyond the generic record ones: stage moves through the gate, the
//! kanban board, and time in stage.

use jiff::Timestamp;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{StageId, TeamId, UserId};
use salesflow_domain::opportunity::{MoveError, Opportunity};
use salesflow_domain::pipeline::{Pipeline, Stage};
use salesflow_domain::stage_history::{StageStay, stage_stays};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::list::non_empty;
use crate::ports::{BoardFilter, StageTotal};
use crate::{Actor, App};

/// Moving an opportunity to another stage of its pipeline.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageMove {
    pub stage_id: String,
    /// Required when moving to the lost stage.
    pub lost_reason: Option<String>,
    pub version: i64,
}

/// Board filters as they come from a query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// Pipeline id (the default pipeline when omitted).
    pub pipeline: Option<String>,
    /// Owner user id.
    pub owner: Option<String>,
    /// Team id.
    pub team: Option<String>,
    /// Expected close on or after this date (YYYY-MM-DD).
    pub close_from: Option<String>,
    /// Expected close on or before this date (YYYY-MM-DD).
    pub close_to: Option<String>,
    /// Only this stage's column (for paging one column).
    pub stage: Option<String>,
    /// From the column's `next_cursor`.
    pub cursor: Option<String>,
    /// Cards per column, 1–100 (default 20).
    pub limit: Option<u32>,
}

/// One column of the board.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    pub stage: Stage,
    /// One entry per currency present in the column.
    pub totals: Vec<StageTotal>,
    pub cards: Vec<Opportunity>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Board {
    pub pipeline: Pipeline,
    pub filter: BoardFilter,
    pub columns: Vec<BoardColumn>,
}

const DEFAULT_CARDS: u32 = 20;

fn encode_cursor(card: &Opportunity) -> String {
    format!("{}_{}", card.meta.updated_at.as_microsecond(), card.id)
}

fn decode_cursor(raw: &str) -> AppResult<(Timestamp, Uuid)> {
    let bad = || AppError::invalid("cursor", "invalid_cursor", "is not a cursor of this board");
    let (micros, id) = raw.split_once('_').ok_or_else(bad)?;
    let at = micros
        .parse()
        .ok()
        .and_then(|m| Timestamp::from_microsecond(m).ok())
        .ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

fn parse_date(field: &str, raw: &Option<String>) -> AppResult<Option<jiff::civil::Date>> {
    non_empty(raw)
        .map(|v| {
            v.parse()
                .map_err(|_| AppError::invalid(field, "invalid_date", "must be a date YYYY-MM-DD"))
        })
        .transpose()
}

fn parse_opt_id<T: std::str::FromStr>(field: &str, raw: &Option<String>) -> AppResult<Option<T>> {
    non_empty(raw)
        .map(|v| {
            v.parse()
                .map_err(|_| AppError::invalid(field, "invalid_id", "must be an id"))
        })
        .transpose()
}

fn board_filter(params: &BoardParams, pipeline: &Pipeline) -> AppResult<BoardFilter> {
    Ok(BoardFilter {
        pipeline_id: pipeline.id,
        owner: parse_opt_id::<UserId>("owner", &params.owner)?,
        team: parse_opt_id::<TeamId>("team", &params.team)?,
        close_from: parse_date("close_from", &params.close_from)?,
        close_to: parse_date("close_to", &params.close_to)?,
    })
}

impl App {
    /// Moves an opportunity to another stage; the stage gate names what is missing.
    pub async fn move_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &StageMove,
    ) -> AppResult<Opportunity> {
        let opportunity: Opportunity = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let stage: StageId = request
            .stage_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("stage_id", "invalid_id", "must be a stage id"))?;
        let pipeline = self
            .store
            .pipeline(opportunity.pipeline_id)
            .await?
            .ok_or_else(|| AppError::Internal("opportunity without its pipeline".into()))?;
        let change = opportunity
            .move_to(&pipeline, stage, request.lost_reason.as_deref(), self.now())
            .map_err(|e| match &e {
                MoveError::UnknownStage => {
                    AppError::invalid("stage_id", "unknown_stage", e.to_string())
                }
                MoveError::SameStage => AppError::conflict("same_stage", e.to_string()),
                MoveError::GateMissing { .. } => AppError::conflict("stage_gate", e.to_string()),
                MoveError::LostReasonRequired => {
                    AppError::invalid("lost_reason", "reason_required", e.to_string())
                }
            })?;
        self.save_change(actor, opportunity, Some(change)).await
    }

    /// The board of one pipeline: every stage with its totals and first page of cards (or
    /// only the stage named in `params.stage`, from `params.cursor`).
    pub async fn board(&self, actor: &Actor, params: &BoardParams) -> AppResult<Board> {
        actor.require(Resource::Opportunity, Action::Read)?;
        let scope = actor.scope(Resource::Opportunity)?;
        let pipeline = match non_empty(&params.pipeline) {
            Some(raw) => {
                let id = raw.parse().map_err(|_| AppError::NotFound)?;
                self.store
                    .pipeline(salesflow_domain::ids::PipelineId(id))
                    .await?
                    .ok_or(AppError::NotFound)?
            }
            None => self.pipeline_for_new(None).await?,
        };
        let filter = board_filter(params, &pipeline)?;
        let limit = params.limit.unwrap_or(DEFAULT_CARDS);
        if !(1..=100).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                "out_of_range",
                "must be between 1 and 100",
            ));
        }
        let only: Option<StageId> = parse_opt_id("stage", &params.stage)?;
        if only.is_some_and(|s| pipeline.stage(s).is_none()) {
            return Err(AppError::invalid(
                "stage",
                "unknown_stage",
                "is not a stage of this pipeline",
            ));
        }
        let after = non_empty(&params.cursor).map(decode_cursor).transpose()?;
        // Paging one column needs no totals.
        let totals = match only {
            Some(_) => Vec::new(),
            None => self.store.stage_totals(&filter, scope).await?,
        };
        let mut columns = Vec::new();
        for stage in &pipeline.stages {
            if only.is_some_and(|s| s != stage.id) {
                continue;
            }
            let mut cards = self
                .store
                .stage_cards(&filter, stage.id, after, limit, scope)
                .await?;
            let next_cursor = if cards.len() > limit as usize {
                cards.truncate(limit as usize);
                cards.last().map(encode_cursor)
            } else {
                None
            };
            columns.push(BoardColumn {
                stage: stage.clone(),
                totals: totals
                    .iter()
                    .filter(|t| t.stage_id == stage.id)
                    .cloned()
                    .collect(),
                cards,
                next_cursor,
            });
        }
        Ok(Board {
            pipeline,
            filter,
            columns,
        })
    }

    /// The opportunity's stays in its stages, oldest first, from its event log.
    pub async fn stage_history(&self, actor: &Actor, id: Uuid) -> AppResult<Vec<StageStay>> {
        let opportunity: Opportunity = self.get(actor, id).await?;
        let events = self
            .store
            .timeline(EntityType::Opportunity, opportunity.id.0, 500)
            .await?;
        // The timeline also holds the record's activities (a call created has its own
        // `created` → open): only the opportunity's own stage changes are stays.
        let entries: Vec<_> = events
            .iter()
            .filter(|e| e.entity_type == EntityType::Opportunity && e.entity_id == opportunity.id.0)
            .filter(|e| matches!(e.activity.as_str(), "created" | "stage_changed"))
            .map(|e| (e.at, e.to_state.as_deref()))
            .collect();
        Ok(stage_stays(&entries, self.now()))
    }
}
