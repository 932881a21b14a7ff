//! A user's own preferences: the time zone pages show times in.

use jiff::tz::TimeZone;
use salesflow_domain::ids::UserId;

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

impl App {
    /// The user's time zone, as an IANA name (`UTC` unless they chose one).
    pub async fn time_zone_of(&self, user: UserId) -> AppResult<String> {
        Ok(self.store.time_zone(user).await?)
    }

    /// Sets the actor's time zone; 422 `invalid_time_zone` for a name the time zone database
    /// does not know. Answers the canonical name.
    pub async fn set_time_zone(&self, actor: &Actor, raw: &str) -> AppResult<String> {
        let zone = TimeZone::get(raw.trim()).map_err(|_| {
            AppError::invalid(
                "time_zone",
                "invalid_time_zone",
                "must be a time zone name such as Europe/Berlin",
            )
        })?;
        let name = zone.iana_name().unwrap_or("UTC").to_string();
        self.store.set_time_zone(actor.user_id, &name).await?;
        Ok(name)
    }
}
