//! Qualifying leads: the company's criteria and scoring rules (a settings document), answers
//! on a lead, and its explained score.

use std::collections::BTreeMap;

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::changes::FieldChange;
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::lead::Lead;
use salesflow_domain::qualification::{QualificationSettings, Score, score};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

const KEY: &str = "qualification";
/// Settings documents appear in the event log under this fixed id.
const SETTINGS_ID: Uuid = Uuid::from_u128(0x0190_a000_0000_7000_8000_0000_0000_5e77);

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
pub struct SettingsUpdate {
    pub settings: QualificationSettings,
    /// The version the change was based on (0 while the defaults were never changed).
    pub version: i64,
}

impl App {
    /// The qualification settings in force and their version (0: the defaults).
    pub async fn qualification_settings(&self) -> AppResult<(QualificationSettings, i64)> {
        match self.store.setting(KEY).await? {
            None => Ok((QualificationSettings::default(), 0)),
            Some((json, version)) => serde_json::from_str(&json)
                .map(|s| (s, version))
                .map_err(|e| AppError::Internal(format!("stored qualification settings: {e}"))),
        }
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
        update: &SettingsUpdate,
    ) -> AppResult<(QualificationSettings, i64)> {
        actor.require(Resource::Pipeline, Action::Update)?;
        update.settings.validate()?;
        let (current, version) = self.qualification_settings().await?;
        if update.version != version {
            return Err(AppError::StaleVersion { current: version });
        }
        let json = |s: &QualificationSettings| serde_json::to_string(s).unwrap_or_default();
        let change = Change::new(
            "updated",
            vec![FieldChange {
                field: KEY.into(),
                old: Some(json(&current)),
                new: Some(json(&update.settings)),
            }],
        );
        let event = self.event(
            Some(actor),
            EntityType::Pipeline,
            SETTINGS_ID,
            SETTINGS_ID,
            change,
            None,
            None,
        );
        self.store
            .save_setting(KEY, &json(&update.settings), version, &event)
            .await?;
        Ok((update.settings.clone(), version + 1))
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
