use async_trait::async_trait;
use salesflow_app::ports::{
    EventRecord, PreferenceStore, StoreError, StoreResult, TeamRecord, UserRecord, UserStore,
};
use salesflow_domain::ids::UserId;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::rows::{
    Val, bind_all, flag, int, micros, opt_parsed, opt_text, parsed, placeholders, text, ts,
};

const COLUMNS: &str =
    "id, email, name, role, team_id, active, password_hash, created_at, updated_at, version";

pub(crate) fn user_from_row(row: &AnyRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: parsed(row, "id")?,
        email: text(row, "email")?,
        name: text(row, "name")?,
        role: parsed(row, "role")?,
        team_id: opt_parsed(row, "team_id")?,
        active: flag(row, "active")?,
        password_hash: opt_text(row, "password_hash")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        version: int(row, "version")?,
    })
}

fn user_values(u: &UserRecord) -> Vec<Val> {
    vec![
        u.id.to_string().into(),
        u.email.clone().into(),
        u.name.clone().into(),
        u.role.to_string().into(),
        u.team_id.map(|t| t.to_string()).into(),
        u.active.into(),
        u.password_hash.clone().into(),
        u.created_at.into(),
        u.updated_at.into(),
        u.version.into(),
    ]
}

#[async_trait]
impl UserStore for SqlStore {
    async fn count_users(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.read)
            .await
            .map_err(map)?;
        int(&row, "n")
    }

    async fn insert_user(
        &self,
        user: &UserRecord,
        event: &EventRecord,
        only_if_none: bool,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            if only_if_none {
                if let Some(lock) = crate::dialect::first_user_lock(self.backend) {
                    sqlx::query(lock).execute(&mut *tx).await.map_err(map)?;
                }
                let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map)?;
                if int(&row, "n")? > 0 {
                    return Ok(false);
                }
            }
            let sql = format!(
                "INSERT INTO users ({COLUMNS}) VALUES ({})",
                placeholders(0, 10)
            );
            bind_all(sqlx::query(AssertSqlSafe(sql)), user_values(user))
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            insert_event(tx, event).await?;
            Ok(true)
        })
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(email)
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users ORDER BY name, id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            let before = sqlx::query("SELECT team_id, version FROM users WHERE id = $1")
                .bind(user.id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?
                .ok_or(StoreError::NotFound)?;
            let (old_team, current) = (opt_text(&before, "team_id")?, int(&before, "version")?);
            if current != expected_version {
                return Err(StoreError::VersionConflict { current });
            }
            let done = sqlx::query(
                "UPDATE users SET role = $1, team_id = $2, active = $3, name = $4, updated_at = $5, version = $6 \
                 WHERE id = $7 AND version = $8",
            )
            .bind(user.role.to_string())
            .bind(user.team_id.map(|t| t.to_string()))
            .bind(i64::from(user.active))
            .bind(user.name.clone())
            .bind(crate::rows::micros(user.updated_at))
            .bind(user.version)
            .bind(user.id.to_string())
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Busy);
            }
            let new_team = user.team_id.map(|t| t.to_string());
            if old_team != new_team {
                // Team visibility follows the owner: their records move to the new team.
                for table in crate::ownership::TEAM_FOLLOWS_OWNER {
                    // Read models keep "no team" as '' (their column is NOT NULL).
                    let team = match *table {
                        "stage_stays" => "COALESCE($1, '')",
                        _ => "$1",
                    };
                    sqlx::query(AssertSqlSafe(format!(
                        "UPDATE {table} SET team_id = {team} WHERE owner_id = $2"
                    )))
                    .bind(new_team.clone())
                    .bind(user.id.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
                }
            }
            if !user.active {
                // A deactivated user is signed out everywhere at once, and their API tokens
                // are revoked for good: reactivating the user does not bring them back.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user.id.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
                sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                )
                .bind(micros(user.updated_at))
                .bind(user.id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            }
            insert_event(tx, event).await
        })
    }

    async fn insert_team(&self, team: &TeamRecord, event: &EventRecord) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("INSERT INTO teams (id, name) VALUES ($1, $2)")
                .bind(team.id.to_string())
                .bind(team.name.clone())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            insert_event(tx, event).await
        })
    }

    async fn list_teams(&self) -> StoreResult<Vec<TeamRecord>> {
        let rows = sqlx::query("SELECT id, name FROM teams ORDER BY name")
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| {
                Ok(TeamRecord {
                    id: parsed(r, "id")?,
                    name: text(r, "name")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl PreferenceStore for SqlStore {
    async fn time_zone(&self, user: UserId) -> StoreResult<String> {
        let zone: Option<String> = sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        Ok(zone.unwrap_or_else(|| "UTC".into()))
    }

    async fn set_time_zone(&self, user: UserId, zone: &str) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
                .bind(zone.to_string())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }
}
