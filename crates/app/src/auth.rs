//! Authentication: passwords (Argon2id), login throttling, database sessions and API tokens.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::{TokenId, UserId};
use salesflow_domain::role::Role;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::{ApiTokenRecord, SessionRecord, UserRecord};
use crate::secret::{hash_secret, new_secret};
use crate::{Actor, App};

pub const MIN_PASSWORD_CHARS: usize = 12;

/// Argon2id with the crate's default (OWASP-recommended) parameters and a fresh salt.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Constant work whether or not the hash exists, so response time does not reveal accounts.
async fn verify_password(hash: Option<String>, password: String) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let dummy = DUMMY.get_or_init(|| {
            Argon2::default()
                .hash_password(b"salesflow-dummy-password")
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let (hash, real) = match &hash {
            Some(h) => (h.as_str(), true),
            None => (dummy.as_str(), false),
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

pub fn check_password_strength(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "password",
            "password_too_short",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(AppError::invalid(
            "password",
            "too_long",
            "must be at most 1024 bytes",
        ));
    }
    Ok(())
}

/// A new browser session: the secret goes into the cookie, only its hash is stored.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub actor: Actor,
}

fn actor_of(user: &UserRecord, request_id: Option<String>) -> Actor {
    Actor {
        request_id,
        ..Actor::of(user)
    }
}

impl App {
    /// Checks e-mail and password. Unknown user and wrong password answer the same way; more
    /// than the allowed failures per account inside the window are refused without checking.
    pub async fn login(&self, email: &str, password: &str) -> AppResult<NewSession> {
        let email = email.trim().to_lowercase();
        let now = self.now();
        let window_start = now.checked_sub(self.config.login_window).unwrap_or(now);
        // The attempt is counted before the password is checked, so parallel guesses cannot
        // slip past the limit; a successful sign-in clears the count again.
        self.store.record_login_failure(&email, now).await?;
        let (attempts, oldest) = self
            .store
            .login_failures_since(&email, window_start)
            .await?;
        if attempts > self.config.login_max_failures {
            let retry_at = oldest
                .unwrap_or(now)
                .checked_add(self.config.login_window)
                .unwrap_or(now);
            let retry_after_secs = retry_at.duration_since(now).as_secs().max(1) as u64;
            tracing::warn!(target: "security", "sign-in refused: too many attempts");
            return Err(AppError::RateLimited { retry_after_secs });
        }
        let user = self.store.user_by_email(&email).await?.filter(|u| u.active);
        let ok = verify_password(
            user.as_ref().and_then(|u| u.password_hash.clone()),
            password.to_string(),
        )
        .await;
        let Some(user) = user.filter(|_| ok) else {
            tracing::warn!(target: "security", "failed login");
            return Err(AppError::Unauthenticated);
        };
        self.store.clear_login_failures(&email).await?;
        let token = new_secret("sfs_");
        let csrf_token = new_secret("");
        let session = SessionRecord {
            token_hash: hash_secret(&token),
            user_id: user.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: now.checked_add(self.config.session_idle).unwrap_or(now),
            absolute_expires_at: now.checked_add(self.config.session_absolute).unwrap_or(now),
        };
        self.store.insert_session(&session).await?;
        Ok(NewSession {
            token,
            csrf_token,
            actor: actor_of(&user, None),
        })
    }

    /// The user behind a session cookie and the session's CSRF token; sliding idle expiry.
    pub async fn session_actor(
        &self,
        token: &str,
        request_id: Option<String>,
    ) -> AppResult<Option<(Actor, String)>> {
        let now = self.now();
        let hash = hash_secret(token);
        let Some((session, user)) = self.store.session_with_user(&hash, now).await? else {
            return Ok(None);
        };
        // Refresh at most once a minute so reads do not turn into writes.
        if now.duration_since(session.last_seen_at) > jiff::SignedDuration::from_secs(60) {
            let idle_end = now.checked_add(self.config.session_idle).unwrap_or(now);
            self.store
                .touch_session(&hash, now, idle_end.min(session.absolute_expires_at))
                .await?;
        }
        Ok(Some((actor_of(&user, request_id), session.csrf_token)))
    }

    pub async fn logout(&self, token: &str) -> AppResult<()> {
        Ok(self.store.delete_session(&hash_secret(token)).await?)
    }

    /// The user behind an API bearer token.
    pub async fn token_actor(
        &self,
        token: &str,
        request_id: Option<String>,
    ) -> AppResult<Option<Actor>> {
        let hash = hash_secret(token);
        if let Some(actor) = self.tokens.get(&hash) {
            return Ok(Some(Actor {
                request_id,
                ..actor
            }));
        }
        let Some((record, user)) = self.store.token_with_user(&hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        if record
            .last_used_at
            .is_none_or(|t| now.duration_since(t) > jiff::SignedDuration::from_secs(60))
        {
            self.store.touch_token(record.id, now).await?;
        }
        let actor = actor_of(&user, request_id);
        self.tokens.put(
            hash,
            Actor {
                request_id: None,
                ..actor.clone()
            },
        );
        Ok(Some(actor))
    }

    /// Creates an API token for `owner` (the actor, or anyone for an admin). The secret is
    /// returned once and never stored.
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner: UserId,
        name: &str,
    ) -> AppResult<(ApiTokenRecord, String)> {
        if owner != actor.user_id && actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let name = salesflow_domain::text::Name::parse("name", name)?;
        let secret = new_secret("sf_");
        let token = ApiTokenRecord {
            id: TokenId(Uuid::now_v7()),
            user_id: owner,
            name: name.to_string(),
            token_hash: hash_secret(&secret),
            created_at: self.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let change = Change::new(
            "created",
            vec![salesflow_domain::changes::FieldChange {
                field: "name".into(),
                old: None,
                new: Some(token.name.clone()),
            }],
        );
        let event = self.event(
            Some(actor),
            EntityType::ApiToken,
            token.id.0,
            token.id.0,
            change,
            Some(owner),
            None,
        );
        self.store.insert_token(&token, &event).await?;
        Ok((token, secret))
    }

    /// The actor's tokens (all tokens for an admin).
    pub async fn list_tokens(&self, actor: &Actor) -> AppResult<Vec<ApiTokenRecord>> {
        let user = (actor.role != Role::Admin).then_some(actor.user_id);
        Ok(self.store.list_tokens(user).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> AppResult<()> {
        let token = self
            .store
            .token_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        if token.user_id != actor.user_id && actor.role != Role::Admin {
            return Err(AppError::NotFound);
        }
        if token.revoked_at.is_some() {
            return Err(AppError::conflict(
                "already_revoked",
                "the token is already revoked",
            ));
        }
        let change = Change::new("revoked", vec![]);
        let event = self.event(
            Some(actor),
            EntityType::ApiToken,
            id.0,
            id.0,
            change,
            Some(token.user_id),
            None,
        );
        let revoked = self.store.revoke_token(id, self.now(), &event).await?;
        self.tokens.clear();
        if !revoked {
            return Err(AppError::conflict(
                "already_revoked",
                "the token is already revoked",
            ));
        }
        Ok(())
    }

    /// Whether the first-run setup page may still create the first admin.
    pub async fn needs_setup(&self) -> AppResult<bool> {
        Ok(self.store.count_users().await? == 0)
    }
}
