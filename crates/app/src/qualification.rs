//! Qualifying leads: the company's criteria and scoring rules (a settings document), answers
//! on a lead, and its explained score.

use std::collections::BTreeMap;

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::event::EntityType;
use salesflow_domain::lead::Lead;
use salesflow_domain::qualification::{QualificationSettings, Score, score};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppResult;
use crate::{Actor, App};

const KEY: &str = "qualification";

/// Answers to criteria on one lead.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaAnswers {
    /// Criterion key → met.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, bool>,
    pub version: i64,
}

/// A new version of the qualification settings.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationUpdate {
    pub settings: QualificationSettings,
    /// The version the change was based on (0 while the defaults were never changed).
    pub version: i64,
}

impl App {
    /// The qualification settings in force and their version (0: the defaults).
    pub async fn qualification_settings(&self) -> AppResult<(QualificationSettings, i64)> {
        self.settings_doc(KEY).await
    }

    pub async fn read_qualification_settings(
        &self,
        actor: &Actor,
    ) -> AppResult<(QualificationSettings, i64)> {
        actor.require(Resource::Lead, Action::Read)?;
        self.qualification_settings().await
    }

    /// Admins and sales managers change the criteria and scoring rules.
    pub async fn save_qualification_settings(
        &self,
        actor: &Actor,
        update: &QualificationUpdate,
    ) -> AppResult<(QualificationSettings, i64)> {
        actor.require(Resource::Pipeline, Action::Update)?;
        update.settings.validate()?;
        let version = self
            .save_settings_doc(
                actor,
                KEY,
                Resource::Pipeline,
                &update.settings,
                update.version,
            )
            .await?;
        Ok((update.settings.clone(), version))
    }

    /// Records criteria answers on a lead.
    pub async fn answer_criteria(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &CriteriaAnswers,
    ) -> AppResult<Lead> {
        let lead: Lead = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let (settings, _) = self.qualification_settings().await?;
        let change = lead.answer_criteria(&request.answers, &settings.keys(), self.now())?;
        self.save_change(actor, lead, change).await
    }

    /// The lead's score with its explanation, under the current rules.
    pub async fn lead_score(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> AppResult<(Score, QualificationSettings)> {
        let lead: Lead = self.get(actor, id).await?;
        let (settings, _) = self.qualification_settings().await?;
        let done = self
            .store
            .done_activities(EntityType::Lead, lead.id.0)
            .await?;
        Ok((score(&lead, done, &settings), settings))
    }
}
