//! Activity queries (a record's activities, "My day", due reminders) and notifications.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    ActivityStore, EventRecord, NewJob, Notice, NotificationStore, StoreError, StoreResult,
};
use salesflow_domain::activity::Activity;
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{ActivityId, UserId};
use salesflow_domain::lead::Lead;
use sqlx::AssertSqlSafe;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::records::{all_columns, record_from_row};
use crate::rows::{Val, bind_all, ts};

impl SqlStore {
    async fn activities_where(
        &self,
        condition: &str,
        order: &str,
        values: Vec<Val>,
    ) -> StoreResult<Vec<Activity>> {
        let sql = format!(
            "SELECT {} FROM activities WHERE archived = 0 AND {condition} ORDER BY {order}",
            all_columns::<Activity>().join(", ")
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Activity>).collect()
    }
}

#[async_trait]
impl ActivityStore for SqlStore {
    async fn activities_for(
        &self,
        related_type: EntityType,
        related_id: uuid::Uuid,
        limit: u32,
    ) -> StoreResult<Vec<Activity>> {
        // Open first (soonest due first, undated last), then done ones, newest first.
        self.activities_where(
            "related_type = $1 AND related_id = $2",
            "CASE WHEN status = 'open' THEN 0 ELSE 1 END, \
             CASE WHEN status = 'open' THEN COALESCE(due_at, 9223372036854775807) ELSE -updated_at END, id \
             LIMIT $3",
            vec![
                related_type.as_str().into(),
                related_id.to_string().into(),
                i64::from(limit).into(),
            ],
        )
        .await
    }

    async fn due_for(
        &self,
        owner: UserId,
        until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Activity>> {
        self.activities_where(
            "owner_id = $1 AND status = 'open' AND due_at IS NOT NULL AND due_at < $2",
            "due_at, id LIMIT $3",
            vec![
                owner.to_string().into(),
                until.into(),
                i64::from(limit).into(),
            ],
        )
        .await
    }

    async fn untouched_leads(
        &self,
        owner: UserId,
        cutoff: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Lead>> {
        let sql = format!(
            "SELECT {} FROM leads l WHERE l.owner_id = $1 AND l.archived = 0 \
             AND l.status IN ('new', 'working', 'nurturing') AND l.updated_at < $2 \
             AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.related_type = 'lead' \
                             AND a.related_id = l.id AND a.updated_at >= $2) \
             ORDER BY l.updated_at, l.id LIMIT $3",
            all_columns::<Lead>()
                .iter()
                .map(|c| format!("l.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(owner.to_string())
            .bind(cutoff.as_microsecond())
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Lead>).collect()
    }

    async fn unreminded_due(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<Activity>> {
        self.activities_where(
            "status = 'open' AND reminded_at IS NULL AND due_at IS NOT NULL AND due_at <= $1",
            "due_at, id LIMIT $2",
            vec![now.into(), i64::from(limit).into()],
        )
        .await
    }

    async fn mark_reminded(
        &self,
        id: ActivityId,
        at: Timestamp,
        event: &EventRecord,
        mail: Option<&NewJob>,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            let updated = sqlx::query(
                "UPDATE activities SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL AND status = 'open'",
            )
            .bind(at.as_microsecond())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            if updated.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event(tx, event).await?;
            if let Some(job) = mail {
                crate::jobs::enqueue_in(tx, job).await?;
            }
            Ok(true)
        })
    }
}

#[async_trait]
impl NotificationStore for SqlStore {
    async fn notifications(&self, user: UserId, limit: u32) -> StoreResult<Vec<EventRecord>> {
        let sql = format!(
            "SELECT {} FROM notifications n JOIN events e ON e.id = n.event_id \
             LEFT JOIN users u ON u.id = e.actor_id \
             WHERE n.user_id = $1 ORDER BY n.at DESC, n.event_id DESC LIMIT $2",
            crate::events::COLUMNS
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(user.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(crate::events::from_row).collect()
    }

    async fn notify(
        &self,
        event: &EventRecord,
        kind: &str,
        notices: &[Notice],
    ) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            let mut told = 0;
            for notice in notices {
                let done = sqlx::query(
                    "INSERT INTO notifications (user_id, event_id, kind, at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_id, event_id) DO NOTHING",
                )
                .bind(notice.user.to_string())
                .bind(event.id.to_string())
                .bind(kind)
                .bind(event.at.as_microsecond())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
                if done.rows_affected() == 0 {
                    continue;
                }
                told += 1;
                if let Some(job) = &notice.mail {
                    crate::jobs::enqueue_in(tx, job).await?;
                }
            }
            Ok(told)
        })
    }

    async fn notification_emails(&self) -> StoreResult<Vec<UserId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE notify_by_email = 1 AND active = 1")
                .fetch_all(&self.read)
                .await
                .map_err(map)?;
        ids.iter()
            .map(|id| {
                id.parse()
                    .map_err(|_| StoreError::Other(format!("bad user id {id}")))
            })
            .collect()
    }

    async fn set_notification_email(&self, user: UserId, on: bool) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE users SET notify_by_email = $1 WHERE id = $2")
                .bind(i64::from(on))
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }

    async fn notifications_seen_at(&self, user: UserId) -> StoreResult<Timestamp> {
        let row = sqlx::query("SELECT notifications_seen_at FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        match row {
            Some(row) => ts(&row, "notifications_seen_at"),
            None => Ok(Timestamp::UNIX_EPOCH),
        }
    }

    async fn set_notifications_seen(&self, user: UserId, at: Timestamp) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE users SET notifications_seen_at = $1 WHERE id = $2")
                .bind(at.as_microsecond())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }
}
