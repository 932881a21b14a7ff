//! The append-only event log: written inside each aggregate's transaction, read for timelines
//! (a record's own events and those of the activities about it) and the audit view.

use async_trait::async_trait;
use salesflow_app::ports::{AuditFilter, EventRecord, EventStore, StoreError, StoreResult};
use salesflow_domain::event::EntityType;
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::db::SqlStore;
use crate::error::map;
use crate::rows::{
    BULK_PARAMS, Val, bind_all, bulk_placeholders, opt_parsed, opt_text, parsed, placeholders,
    text, ts,
};

pub(crate) const COLUMNS: &str = "e.id, e.at, e.entity_type, e.entity_id, e.case_id, e.activity, e.from_state, e.to_state, \
                       e.actor_id, e.actor_role, e.actor_kind, \
                       COALESCE(u.name, CASE WHEN e.actor_kind = 'customer' THEN 'Customer' END) AS actor_name, \
                       e.request_id, e.changes, e.owner_id, e.team_id";

const INSERT_COLUMNS: &str = "id, at, entity_type, entity_id, case_id, activity, from_state, to_state, \
                              actor_id, actor_role, request_id, changes, owner_id, team_id, actor_kind";
const INSERT_WIDTH: usize = 15;

fn event_values(event: &EventRecord) -> StoreResult<Vec<Val>> {
    let changes =
        serde_json::to_string(&event.changes).map_err(|e| StoreError::Other(e.to_string()))?;
    Ok(vec![
        event.id.to_string().into(),
        event.at.into(),
        event.entity_type.as_str().into(),
        event.entity_id.to_string().into(),
        event.case_id.to_string().into(),
        event.activity.clone().into(),
        event.from_state.clone().into(),
        event.to_state.clone().into(),
        event.actor_id.map(|a| a.to_string()).into(),
        event.actor_role.map(|r| r.to_string()).into(),
        event.request_id.clone().into(),
        changes.into(),
        event.owner_id.map(|a| a.to_string()).into(),
        event.team_id.map(|a| a.to_string()).into(),
        event.actor_kind.clone().into(),
    ])
}

pub async fn insert_event(conn: &mut AnyConnection, event: &EventRecord) -> StoreResult<()> {
    insert_events(conn, std::slice::from_ref(event)).await
}

/// Appends events, several rows per statement. Their feed positions are given at commit, and
/// the read models follow through their feed consumer.
pub async fn insert_events(conn: &mut AnyConnection, events: &[EventRecord]) -> StoreResult<()> {
    write_events(conn, events, |offset| placeholders(offset, INSERT_WIDTH)).await
}

/// Appends many events (bulk loads) with the backend's fastest placeholders.
pub async fn insert_bulk_events(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    events: &[EventRecord],
) -> StoreResult<()> {
    write_events(conn, events, |offset| {
        bulk_placeholders(backend, offset, INSERT_WIDTH)
    })
    .await
}

async fn write_events(
    conn: &mut AnyConnection,
    events: &[EventRecord],
    row_placeholders: impl Fn(usize) -> String,
) -> StoreResult<()> {
    for chunk in events.chunks(BULK_PARAMS / INSERT_WIDTH) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", row_placeholders(i * INSERT_WIDTH)))
            .collect();
        let sql = format!(
            "INSERT INTO events ({INSERT_COLUMNS}) VALUES {}",
            rows.join(", ")
        );
        let mut values = Vec::with_capacity(chunk.len() * INSERT_WIDTH);
        for event in chunk {
            values.extend(event_values(event)?);
        }
        bind_all(sqlx::query(AssertSqlSafe(sql)), values)
            .execute(&mut *conn)
            .await
            .map_err(map)?;
    }
    Ok(())
}

pub(crate) fn from_row(row: &AnyRow) -> StoreResult<EventRecord> {
    let entity_type = text(row, "entity_type")?;
    let changes = text(row, "changes")?;
    Ok(EventRecord {
        id: parsed(row, "id")?,
        at: ts(row, "at")?,
        entity_type: EntityType::parse(&entity_type)
            .ok_or_else(|| StoreError::Other(format!("unknown entity type {entity_type}")))?,
        entity_id: parsed::<Uuid>(row, "entity_id")?,
        case_id: parsed::<Uuid>(row, "case_id")?,
        activity: text(row, "activity")?,
        from_state: opt_text(row, "from_state")?,
        to_state: opt_text(row, "to_state")?,
        actor_id: opt_parsed(row, "actor_id")?,
        actor_role: opt_parsed(row, "actor_role")?,
        actor_kind: opt_text(row, "actor_kind")?,
        actor_name: opt_text(row, "actor_name")?,
        request_id: opt_text(row, "request_id")?,
        changes: serde_json::from_str(&changes).map_err(|e| StoreError::Other(e.to_string()))?,
        owner_id: opt_parsed(row, "owner_id")?,
        team_id: opt_parsed(row, "team_id")?,
    })
}

#[async_trait]
impl EventStore for SqlStore {
    async fn timeline(
        &self,
        entity_type: EntityType,
        entity_id: Uuid,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        // A record's own events, those of the activities about it (a merge moves the merged
        // record's activities over) and those of records merged into it.
        let merged = match crate::merge::merge_table(entity_type) {
            Some(table) => format!(
                " OR (e.entity_type = $1 AND e.entity_id IN (SELECT m.id FROM {table} m WHERE m.merged_into = $2))"
            ),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM events e LEFT JOIN users u ON u.id = e.actor_id \
             WHERE (e.entity_type = $1 AND e.entity_id = $2) \
             OR (e.entity_type = 'activity' AND e.entity_id IN \
                 (SELECT a.id FROM activities a WHERE a.related_type = $1 AND a.related_id = $2)){merged} \
             ORDER BY e.at DESC, e.id DESC LIMIT $3"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(entity_type.as_str())
            .bind(entity_id.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(from_row).collect()
    }

    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<EventRecord>> {
        let mut conditions = vec!["1 = 1".to_string()];
        let mut values: Vec<Val> = Vec::new();
        if let Some(entity_type) = filter.entity_type {
            values.push(entity_type.as_str().into());
            conditions.push(format!("e.entity_type = ${}", values.len()));
        }
        if let Some(actor) = filter.actor_id {
            values.push(actor.to_string().into());
            conditions.push(format!("e.actor_id = ${}", values.len()));
        }
        if let Some((at, id)) = filter.before {
            values.push(at.into());
            let at_param = values.len();
            values.push(id.to_string().into());
            conditions.push(format!(
                "(e.at < ${at_param} OR (e.at = ${at_param} AND e.id < ${}))",
                values.len()
            ));
        }
        values.push(i64::from(filter.limit).into());
        let sql = format!(
            "SELECT {COLUMNS} FROM events e LEFT JOIN users u ON u.id = e.actor_id WHERE {} \
             ORDER BY e.at DESC, e.id DESC LIMIT ${}",
            conditions.join(" AND "),
            values.len()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(from_row).collect()
    }
}
