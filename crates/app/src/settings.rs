//! Company settings documents (qualification, assignment rules, …): JSON under a key, with a
//! version for optimistic concurrency and an event for every change.

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::changes::FieldChange;
use salesflow_domain::event::{Change, EntityType};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

/// Settings documents appear in the event log under this fixed id.
const SETTINGS_ID: Uuid = Uuid::from_u128(0x0190_a000_0000_7000_8000_0000_0000_5e77);

impl App {
    /// The document under `key` and its version (0: never saved, the default).
    pub async fn settings_doc<T: DeserializeOwned + Default>(
        &self,
        key: &str,
    ) -> AppResult<(T, i64)> {
        match self.store.setting(key).await? {
            None => Ok((T::default(), 0)),
            Some((json, version)) => serde_json::from_str(&json)
                .map(|s| (s, version))
                .map_err(|e| AppError::Internal(format!("stored {key} settings: {e}"))),
        }
    }

    /// Saves a checked document: admins and sales managers configure the sales process.
    pub async fn save_settings_doc<T: Serialize + DeserializeOwned + Default>(
        &self,
        actor: &Actor,
        key: &str,
        value: &T,
        version: i64,
    ) -> AppResult<i64> {
        actor.require(Resource::Pipeline, Action::Update)?;
        let (current, stored_version): (T, i64) = self.settings_doc(key).await?;
        if version != stored_version {
            return Err(AppError::StaleVersion {
                current: stored_version,
            });
        }
        let json = |s: &T| serde_json::to_string(s).unwrap_or_default();
        let change = Change::new(
            "updated",
            vec![FieldChange {
                field: key.into(),
                old: Some(json(&current)),
                new: Some(json(value)),
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
            .save_setting(key, &json(value), version, &event)
            .await?;
        Ok(version + 1)
    }
}

impl App {
    /// A settings document for someone who may read `resource` (the configuration it shapes).
    pub async fn read_settings_doc<T: DeserializeOwned + Default>(
        &self,
        actor: &Actor,
        key: &str,
        resource: Resource,
    ) -> AppResult<(T, i64)> {
        actor.require(resource, Action::Read)?;
        self.settings_doc(key).await
    }
}
