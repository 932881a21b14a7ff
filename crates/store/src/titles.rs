//! What people call a record — a lead's name, an order's number — for lists that name records
//! of several kinds (deadlines, My day): one query per kind asked for, never one per row.

use std::collections::HashMap;

use async_trait::async_trait;
use salesflow_app::ports::{RecordTitle, StoreResult, TitleStore};
use salesflow_domain::event::EntityType;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::SqlStore;
use crate::error::map;
use crate::rows::{Val, bind_all, opt_parsed, parsed, placeholders, text};

/// The table and title expression of each kind of record that has a name.
fn title_of(kind: EntityType) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        EntityType::Lead | EntityType::Contact => (
            if kind == EntityType::Lead {
                "leads"
            } else {
                "contacts"
            },
            "TRIM(COALESCE(first_name, '') || ' ' || last_name)",
        ),
        EntityType::Account => ("accounts", "name"),
        EntityType::Opportunity => ("opportunities", "name"),
        EntityType::Activity => ("activities", "subject"),
        EntityType::Quote => ("quotes", "COALESCE(number, title)"),
        EntityType::SalesOrder => ("sales_orders", "number"),
        EntityType::Delivery => ("deliveries", "number"),
        EntityType::Invoice => ("invoices", "COALESCE(number, 'draft for ' || order_number)"),
        _ => return None,
    })
}

#[async_trait]
impl TitleStore for SqlStore {
    async fn record_titles(
        &self,
        records: &[(EntityType, Uuid)],
    ) -> StoreResult<HashMap<(EntityType, Uuid), RecordTitle>> {
        let mut by_kind: HashMap<EntityType, Vec<Uuid>> = HashMap::new();
        for (kind, id) in records {
            by_kind.entry(*kind).or_default().push(*id);
        }
        let mut titles = HashMap::new();
        for (kind, ids) in by_kind {
            let Some((table, title)) = title_of(kind) else {
                continue;
            };
            let sql = format!(
                "SELECT id, {title} AS title, owner_id, team_id FROM {table} WHERE id IN ({})",
                placeholders(0, ids.len())
            );
            let values: Vec<Val> = ids.iter().map(|id| Val::from(id.to_string())).collect();
            let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
                .fetch_all(&self.read)
                .await
                .map_err(map)?;
            for row in &rows {
                let title = RecordTitle {
                    title: text(row, "title")?,
                    owner_id: opt_parsed(row, "owner_id")?,
                    team_id: opt_parsed(row, "team_id")?,
                };
                titles.insert((kind, parsed(row, "id")?), title);
            }
        }
        Ok(titles)
    }
}
