//! JSON shapes shared by API responses.

use salesflow_app::ports::{ApiTokenRecord, EventRecord, UserRecord};
use salesflow_domain::changes::FieldChange;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListMeta {
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventJson {
    pub id: String,
    pub at: String,
    pub entity_type: String,
    pub entity_id: String,
    pub case_id: String,
    pub activity: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub request_id: Option<String>,
    pub changes: Vec<ChangeJson>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeJson {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl From<&FieldChange> for ChangeJson {
    fn from(c: &FieldChange) -> Self {
        Self {
            field: c.field.clone(),
            old: c.old.clone(),
            new: c.new.clone(),
        }
    }
}

impl From<&EventRecord> for EventJson {
    fn from(e: &EventRecord) -> Self {
        Self {
            id: e.id.to_string(),
            at: e.at.to_string(),
            entity_type: e.entity_type.to_string(),
            entity_id: e.entity_id.to_string(),
            case_id: e.case_id.to_string(),
            activity: e.activity.clone(),
            from_state: e.from_state.clone(),
            to_state: e.to_state.clone(),
            actor_id: e.actor_id.map(|a| a.to_string()),
            actor_name: e.actor_name.clone(),
            actor_role: e.actor_role.map(|r| r.to_string()),
            request_id: e.request_id.clone(),
            changes: e.changes.iter().map(ChangeJson::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserJson {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub team_id: Option<String>,
    pub active: bool,
    pub version: i64,
}

impl From<&UserRecord> for UserJson {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.to_string(),
            team_id: u.team_id.map(|t| t.to_string()),
            active: u.active,
            version: u.version,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenJson {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// After this the token no longer works; null: until revoked.
    pub expires_at: Option<String>,
    /// Only in the response that creates the token: store it now, it is not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl TokenJson {
    pub fn new(t: &ApiTokenRecord, secret: Option<String>) -> Self {
        Self {
            id: t.id.to_string(),
            user_id: t.user_id.to_string(),
            name: t.name.clone(),
            created_at: t.created_at.to_string(),
            last_used_at: t.last_used_at.map(|v| v.to_string()),
            revoked_at: t.revoked_at.map(|v| v.to_string()),
            expires_at: t.expires_at.map(|v| v.to_string()),
            secret,
        }
    }
}

/// `{ "<key>": value }`, plus `"meta"` for lists, serialized straight to the response without
/// an intermediate JSON tree.
pub struct Keyed<'a, T: ?Sized>(pub &'static str, pub &'a T, pub Option<&'a ListMeta>);

impl<T: Serialize + ?Sized> Serialize for Keyed<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1 + usize::from(self.2.is_some())))?;
        map.serialize_entry(self.0, self.1)?;
        if let Some(meta) = self.2 {
            map.serialize_entry("meta", meta)?;
        }
        map.end()
    }
}

/// `{ "<key>": value }` as a response, serialized straight to the body: reports carry 128-bit
/// sums of money, which `serde_json::Value` (and so `json!`) cannot hold beyond 64 bits;
/// written directly they come out as exact JSON integers.
pub fn wrapped<T: Serialize>(key: &'static str, value: T) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::Json(Keyed(key, &value, None)).into_response()
}
