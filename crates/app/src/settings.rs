//! Company settings documents (qualification, assignment rules, …): JSON under a key, with a
//! version for optimistic concurrency and an event for every change. Documents are read on
//! nearly every request, so each process keeps them for `CACHE_TTL`: a save clears this
//! process's copy at once; other instances see it within the TTL.

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::changes::FieldChange;
use salesflow_domain::event::{Change, EntityType};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

/// Settings documents appear in the event log under this fixed id.
const SETTINGS_ID: Uuid = Uuid::from_u128(0x0190_a000_0000_7000_8000_0000_0000_5e77);

/// How long a process serves a settings document from memory.
pub const CACHE_TTL: Duration = Duration::from_secs(2);

/// Stored documents by key: (JSON and version, or never saved; when read).
type Cached = (Option<(String, i64)>, Instant);

#[derive(Default)]
pub struct SettingsCache(Mutex<HashMap<String, Cached>>);

impl SettingsCache {
    fn get(&self, key: &str) -> Option<Option<(String, i64)>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(doc, _)| doc.clone())
    }

    fn put(&self, key: &str, doc: Option<(String, i64)>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(key.to_string(), (doc, Instant::now()));
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn parsed<T: DeserializeOwned + Default>(
    key: &str,
    doc: Option<(String, i64)>,
) -> AppResult<(T, i64)> {
    match doc {
        None => Ok((T::default(), 0)),
        Some((json, version)) => serde_json::from_str(&json)
            .map(|s| (s, version))
            .map_err(|e| AppError::Internal(format!("stored {key} settings: {e}"))),
    }
}

impl App {
    /// The document under `key` and its version (0: never saved, the default).
    pub async fn settings_doc<T: DeserializeOwned + Default>(
        &self,
        key: &str,
    ) -> AppResult<(T, i64)> {
        let doc = match self.settings.get(key) {
            Some(doc) => doc,
            None => {
                let doc = self.store.setting(key).await?;
                self.settings.put(key, doc.clone());
                doc
            }
        };
        parsed(key, doc)
    }

    /// The stored document, never the cached copy (for saving against its version).
    async fn stored_settings_doc<T: DeserializeOwned + Default>(
        &self,
        key: &str,
    ) -> AppResult<(T, i64)> {
        parsed(key, self.store.setting(key).await?)
    }

    /// Saves a checked document for someone who may update `resource` (the sales process's
    /// rules: `Pipeline`; company, bank and tax data: `CompanySettings`). The event names each
    /// changed field with its old and new value, so the audit trail shows who changed what
    /// (bank details included).
    pub async fn save_settings_doc<T: Serialize + DeserializeOwned + Default>(
        &self,
        actor: &Actor,
        key: &str,
        resource: Resource,
        value: &T,
        version: i64,
    ) -> AppResult<i64> {
        actor.require(resource, Action::Update)?;
        let (current, stored_version): (T, i64) = self.stored_settings_doc(key).await?;
        if version != stored_version {
            return Err(AppError::StaleVersion {
                current: stored_version,
            });
        }
        let json = |s: &T| serde_json::to_string(s).unwrap_or_default();
        let change = Change::new("updated", changed_fields(key, &current, value));
        let event = self.event(
            Some(actor),
            EntityType::Settings,
            SETTINGS_ID,
            SETTINGS_ID,
            change,
            None,
            None,
        );
        let saved = self
            .store
            .save_setting(key, &json(value), version, &event)
            .await;
        self.settings.clear();
        saved?;
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

/// The fields of a settings document that differ, as `key.field` old → new; the whole
/// document as one field when it is not a JSON object.
fn changed_fields<T: Serialize>(key: &str, old: &T, new: &T) -> Vec<FieldChange> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let (old, new) = (
        serde_json::to_value(old).unwrap_or_default(),
        serde_json::to_value(new).unwrap_or_default(),
    );
    match (&old, &new) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => b
            .iter()
            .filter(|(field, value)| a.get(*field) != Some(value))
            .map(|(field, value)| FieldChange {
                field: format!("{key}.{field}"),
                old: a.get(field).map(text),
                new: Some(text(value)),
            })
            .collect(),
        _ => vec![FieldChange {
            field: key.into(),
            old: Some(old.to_string()),
            new: Some(new.to_string()),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::changed_fields;

    #[test]
    fn only_changed_fields_are_recorded() {
        let old = serde_json::json!({ "name": "Acme", "footer": "IBAN DE02 1001" });
        let new = serde_json::json!({ "name": "Acme", "footer": "IBAN GB33 BUKB" });
        let changes = changed_fields("company", &old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, "company.footer");
        assert_eq!(changes[0].old.as_deref(), Some("IBAN DE02 1001"));
        assert_eq!(changes[0].new.as_deref(), Some("IBAN GB33 BUKB"));
        let list = changed_fields("taxes", &serde_json::json!([1]), &serde_json::json!([2]));
        assert_eq!(list[0].field, "taxes");
    }
}
