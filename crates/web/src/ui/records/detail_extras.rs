//! The parts of a record page that only some records have: an opportunity's stages (move form
//! and time in stage) and the hand-off form of leads and opportunities.

use salesflow_domain::event::EntityType;
use salesflow_domain::stage_history::describe;

use super::*;

pub(super) struct StageOption {
    pub id: String,
    pub name: String,
    pub current: bool,
}

pub(super) struct StayView {
    pub stage: String,
    pub entered: String,
    pub duration: String,
    pub current: bool,
}

pub(super) struct StagePanel {
    pub pipeline: String,
    pub stages: Vec<StageOption>,
    pub stays: Vec<StayView>,
    pub can_move: bool,
}

/// The stage panel of an opportunity page; `None` for other records.
pub(super) async fn stage_panel<E: WebResource>(
    s: &AppState,
    actor: &Actor,
    record: &E,
    json: &Value,
) -> Result<Option<StagePanel>, AppError> {
    if E::ENTITY != EntityType::Opportunity {
        return Ok(None);
    }
    let pipeline_id = text_of(json, "pipeline_id")
        .parse()
        .map_err(|_| AppError::Internal("opportunity without pipeline".into()))?;
    let pipeline = s.app.pipeline(actor, pipeline_id).await?;
    let current = text_of(json, "stage_id");
    let name_of = |key: &str| {
        pipeline
            .stages
            .iter()
            .find(|st| st.key == key)
            .map(|st| st.name.clone())
            .unwrap_or_else(|| humanize(key))
    };
    let stays = s.app.stage_history(actor, record.uuid()).await?;
    let last = stays.len().saturating_sub(1);
    Ok(Some(StagePanel {
        pipeline: pipeline.name.clone(),
        stages: pipeline
            .stages
            .iter()
            .map(|st| StageOption {
                id: st.id.to_string(),
                name: st.name.clone(),
                current: st.id.to_string() == current,
            })
            .collect(),
        stays: stays
            .iter()
            .enumerate()
            .rev()
            .map(|(i, stay)| StayView {
                stage: name_of(&stay.stage),
                entered: when(stay.entered),
                duration: describe(stay.duration),
                current: i == last,
            })
            .collect(),
        can_move: actor.can(E::RESOURCE, Action::Update) && !record.meta().archived,
    }))
}

/// Whom the record can be handed to, for the hand-off form; empty when the actor may not.
pub(super) async fn handoff_options<E: WebResource>(
    s: &AppState,
    actor: &Actor,
    record: &E,
) -> Result<Vec<Opt>, AppError> {
    let hands_off = matches!(E::ENTITY, EntityType::Lead | EntityType::Opportunity);
    if !hands_off || !actor.can(E::RESOURCE, Action::Update) || record.meta().archived {
        return Ok(vec![]);
    }
    let owner = record.meta().owner_id;
    let people = s.app.hand_off_candidates(E::RESOURCE).await?;
    Ok(Opt::list(
        people
            .into_iter()
            .filter(|(id, _)| *id != owner)
            .map(|(id, name)| (id.to_string(), name)),
        "",
    ))
}

pub(super) struct DuplicateView {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub created: String,
}

/// Likely duplicates of a lead, contact or account, with what merging needs.
pub(super) async fn duplicates_panel<E: WebResource>(
    s: &AppState,
    actor: &Actor,
    record: &E,
) -> Result<Vec<DuplicateView>, AppError> {
    let mergeable = matches!(
        E::ENTITY,
        EntityType::Lead | EntityType::Contact | EntityType::Account
    );
    if !mergeable || record.meta().archived {
        return Ok(vec![]);
    }
    let found = s.app.duplicates::<E>(actor, record.uuid()).await?;
    Ok(found
        .iter()
        .map(|d| DuplicateView {
            id: d.uuid().to_string(),
            name: d.display_name(),
            version: d.meta().version,
            created: when(d.meta().created_at),
        })
        .collect())
}
