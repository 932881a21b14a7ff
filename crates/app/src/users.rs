//! Users and teams: created by an admin, by the CLI, or once by the first-run page.

use salesflow_domain::ValidationErrors;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::changes::{FieldChange, Fields, created, diff};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::{TeamId, UserId};
use salesflow_domain::role::Role;
use salesflow_domain::text::{Email, Name};
use uuid::Uuid;

use crate::auth::check_password_strength;
use crate::error::{AppError, AppResult};
use crate::ports::{TeamRecord, UserRecord};
use crate::{Actor, App};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub password: String,
}

/// An admin's change to a user; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub team_id: Option<Option<TeamId>>,
    pub active: Option<bool>,
    pub version: i64,
}

impl Fields for UserRecord {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("email", Some(self.email.clone())),
            ("name", Some(self.name.clone())),
            ("role", Some(self.role.to_string())),
            ("team_id", self.team_id.map(|t| t.to_string())),
            ("active", Some(self.active.to_string())),
        ]
    }
}

impl App {
    async fn build_user(&self, new: NewUser) -> AppResult<UserRecord> {
        let mut errors = ValidationErrors::default();
        let email = errors.take(Email::parse("email", &new.email));
        let name = errors.take(Name::parse("name", &new.name));
        if let Err(AppError::Invalid(mut e)) = check_password_strength(&new.password) {
            errors.0.append(&mut e.0);
        }
        errors.into_result()?;
        let (Some(email), Some(name)) = (email, name) else {
            unreachable!("errors were reported above")
        };
        let now = self.now();
        Ok(UserRecord {
            id: UserId(Uuid::now_v7()),
            email: email.to_string(),
            name: name.to_string(),
            role: new.role,
            team_id: new.team_id,
            active: true,
            password_hash: Some(self.hash_password(new.password).await?),
            created_at: now,
            updated_at: now,
            version: 1,
        })
    }

    fn user_event(
        &self,
        actor: Option<&Actor>,
        user: &UserRecord,
        activity: &'static str,
        fields: Vec<FieldChange>,
    ) -> crate::ports::EventRecord {
        self.event(
            actor,
            EntityType::User,
            user.id.0,
            user.id.0,
            Change::new(activity, fields),
            Some(user.id),
            user.team_id,
        )
    }

    /// Creates a user. `actor` is `None` for the command line (the machine's operator).
    pub async fn create_user(&self, actor: Option<&Actor>, new: NewUser) -> AppResult<UserRecord> {
        if let Some(actor) = actor {
            actor.require(Resource::User, Action::Create)?;
        }
        let user = self.build_user(new).await?;
        let event = self.user_event(actor, &user, "created", created(&user));
        self.store.insert_user(&user, &event, false).await?;
        Ok(user)
    }

    /// The first-run page: creates the first admin, only while there is no user at all.
    pub async fn setup_first_admin(
        &self,
        email: &str,
        name: &str,
        password: &str,
    ) -> AppResult<UserRecord> {
        let new = NewUser {
            email: email.into(),
            name: name.into(),
            role: Role::Admin,
            team_id: None,
            password: password.into(),
        };
        let user = self.build_user(new).await?;
        let event = self.user_event(None, &user, "created", created(&user));
        if !self.store.insert_user(&user, &event, true).await? {
            return Err(AppError::conflict(
                "setup_done",
                "salesflow is already set up; sign in instead",
            ));
        }
        Ok(user)
    }

    pub async fn list_users(&self, actor: &Actor) -> AppResult<Vec<UserRecord>> {
        actor.require(Resource::User, Action::Read)?;
        self.store.list_users().await.map_err(Into::into)
    }

    /// Names of all users, for owner pickers and display (no other fields).
    pub async fn user_names(&self) -> AppResult<Vec<(UserId, String, Option<TeamId>, bool)>> {
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name, u.team_id, u.active))
            .collect())
    }

    pub async fn update_user(
        &self,
        actor: Option<&Actor>,
        id: UserId,
        change: UserChange,
    ) -> AppResult<UserRecord> {
        if let Some(actor) = actor {
            actor.require(Resource::User, Action::Update)?;
        }
        let user = self.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
        if user.version != change.version {
            return Err(AppError::StaleVersion {
                current: user.version,
            });
        }
        let next = UserRecord {
            role: change.role.unwrap_or(user.role),
            team_id: change.team_id.unwrap_or(user.team_id),
            active: change.active.unwrap_or(user.active),
            updated_at: self.now(),
            version: user.version + 1,
            ..user.clone()
        };
        if actor.is_some_and(|a| a.user_id == id) && (!next.active || next.role != Role::Admin) {
            return Err(AppError::conflict(
                "cannot_demote_self",
                "you cannot deactivate or demote yourself",
            ));
        }
        let fields = diff(&user, &next);
        if fields.is_empty() {
            return Ok(user);
        }
        let event = self.user_event(actor, &next, "updated", fields);
        self.store.update_user(&next, user.version, &event).await?;
        // Role, team and active state ride along with cached token lookups.
        self.tokens.clear();
        Ok(next)
    }

    pub async fn create_team(&self, actor: Option<&Actor>, name: &str) -> AppResult<TeamRecord> {
        if let Some(actor) = actor {
            actor.require(Resource::User, Action::Create)?;
        }
        let team = TeamRecord {
            id: TeamId(Uuid::now_v7()),
            name: Name::parse("name", name)?.to_string(),
        };
        let fields = vec![FieldChange {
            field: "name".into(),
            old: None,
            new: Some(team.name.clone()),
        }];
        let event = self.event(
            actor,
            EntityType::Team,
            team.id.0,
            team.id.0,
            Change::new("created", fields),
            None,
            Some(team.id),
        );
        self.store.insert_team(&team, &event).await?;
        Ok(team)
    }

    pub async fn list_teams(&self) -> AppResult<Vec<TeamRecord>> {
        Ok(self.store.list_teams().await?)
    }
}
