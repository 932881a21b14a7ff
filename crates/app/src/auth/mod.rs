//! Authentication: passwords (Argon2id), login throttling, database sessions and API tokens.

mod client_gate;
mod password;

use std::net::IpAddr;

pub use client_gate::{ClientGate, ClientLimits};
pub use password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, PasswordPool, check_password_strength};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::{TokenId, UserId};
use salesflow_domain::role::Role;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::{ApiTokenRecord, SessionRecord, UserRecord};
use crate::secret::{hash_secret, new_secret};
use crate::{Actor, App};

/// Longest e-mail address accepted at sign-in (RFC 5321's path limit); longer input is
/// refused before anything is stored or hashed.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest life an API token may be given (ten years).
pub const MAX_TOKEN_DAYS: i64 = 3650;

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
    /// Argon2id hash of a new password, on the bounded hashing pool.
    pub async fn hash_password(&self, password: String) -> AppResult<String> {
        self.passwords.hash(password).await
    }

    /// Checks e-mail and password for a sign-in from `client`. Unknown user and wrong password
    /// answer the same way. Refused without evaluating the password: more than the allowed
    /// failures for this account from this client (or, as a backstop, from all clients)
    /// inside the window; an address causing too many failures over all accounts; a full
    /// hashing queue (`Overloaded`). Refused attempts do not count, so they never prolong a
    /// lock-out.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: IpAddr,
    ) -> AppResult<NewSession> {
        let email = email.trim().to_lowercase();
        if email.chars().count() > MAX_EMAIL_CHARS || password.len() > MAX_PASSWORD_BYTES {
            tracing::warn!(target: "security", "failed login: oversized input");
            return Err(AppError::Unauthenticated);
        }
        let now = self.now();
        let ticket = self
            .client_gate
            .admit(client, now)
            .map_err(|retry_after_secs| {
                tracing::warn!(target: "security", "sign-in refused: too many from one address");
                AppError::RateLimited { retry_after_secs }
            })?;
        let attempt = self.throttle_account(&email, client, now).await?;
        let user = self.store.user_by_email(&email).await?.filter(|u| u.active);
        let checked = self
            .passwords
            .verify(
                client,
                user.as_ref().and_then(|u| u.password_hash.clone()),
                password.to_string(),
            )
            .await;
        let ok = match checked {
            Ok(ok) => ok,
            // Not evaluated (the queue shed it): not a failed guess either.
            Err(e) => {
                self.store.forget_login_attempt(attempt).await?;
                return Err(e);
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            tracing::warn!(target: "security", "failed login");
            return Err(AppError::Unauthenticated);
        };
        ticket.succeeded();
        self.store
            .clear_login_failures(&email, &client.to_string())
            .await?;
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

    /// Counts this attempt against the account before the password is checked, so parallel
    /// guesses cannot slip past the limit; a refused attempt is taken back again.
    async fn throttle_account(
        &self,
        email: &str,
        client: IpAddr,
        now: jiff::Timestamp,
    ) -> AppResult<Uuid> {
        let window_start = now.checked_sub(self.config.login_window).unwrap_or(now);
        let client = client.to_string();
        let attempt = self.store.record_login_attempt(email, &client, now).await?;
        let counts = self
            .store
            .login_failures_since(email, &client, window_start)
            .await?;
        let oldest = if counts.from_client > self.config.login_max_failures {
            counts.from_client_oldest
        } else if counts.all_clients > self.config.login_account_backstop {
            counts.all_clients_oldest
        } else {
            return Ok(attempt);
        };
        self.store.forget_login_attempt(attempt).await?;
        let retry_at = oldest
            .unwrap_or(now)
            .checked_add(self.config.login_window)
            .unwrap_or(now);
        let retry_after_secs = retry_at.duration_since(now).as_secs().max(1) as u64;
        tracing::warn!(target: "security", "sign-in refused: too many attempts for the account");
        Err(AppError::RateLimited { retry_after_secs })
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
        if let Some(actor) = self.tokens.get(&hash, self.now()) {
            return Ok(Some(Actor {
                request_id,
                ..actor
            }));
        }
        let now = self.now();
        let Some((record, user)) = self.store.token_with_user(&hash, now).await? else {
            return Ok(None);
        };
        if record
            .last_used_at
            .is_none_or(|t| now.duration_since(t) > jiff::SignedDuration::from_secs(60))
        {
            self.store.touch_token(record.id, now).await?;
        }
        let actor = Actor {
            via_token: true,
            ..actor_of(&user, request_id)
        };
        self.tokens.put(
            hash,
            Actor {
                request_id: None,
                ..actor.clone()
            },
            record.expires_at,
        );
        Ok(Some(actor))
    }

    /// Creates an API token for `owner` (the actor, or anyone for an admin), valid for
    /// `expires_in_days` days or until revoked. The secret is returned once and never stored.
    /// A token cannot make tokens: a leaked one must not be able to outlive its revocation.
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner: UserId,
        name: &str,
        expires_in_days: Option<i64>,
    ) -> AppResult<(ApiTokenRecord, String)> {
        if actor.via_token {
            return Err(AppError::refused(
                "token_cannot_mint",
                "API tokens are made in the browser (Settings → API tokens) or with `salesflow admin create-token`, not with another token",
            ));
        }
        if owner != actor.user_id && actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let name = salesflow_domain::text::Name::parse("name", name)?;
        let now = self.now();
        let expires_at = match expires_in_days {
            None => None,
            Some(days @ 1..=MAX_TOKEN_DAYS) => now
                .checked_add(jiff::SignedDuration::from_hours(24 * days))
                .ok(),
            Some(_) => {
                return Err(AppError::invalid(
                    "expires_in_days",
                    "out_of_range",
                    format!("must be between 1 and {MAX_TOKEN_DAYS} days"),
                ));
            }
        };
        let secret = new_secret("sf_");
        let token = ApiTokenRecord {
            id: TokenId(Uuid::now_v7()),
            user_id: owner,
            name: name.to_string(),
            token_hash: hash_secret(&secret),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
            expires_at,
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
