//! Times on the pages in the viewer's time zone. A cookie names the zone (set at sign-in from
//! the user's preference and when they change it); a middleware makes it the zone of the
//! request, which `when` and the date-time fields of forms read.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::session::cookie;

/// The cookie naming the viewer's time zone.
pub const TZ_COOKIE: &str = "sf_tz";

tokio::task_local! {
    static VIEWER_ZONE: TimeZone;
}

/// The zone of the request being answered (UTC outside a request or without a choice).
pub fn viewer_zone() -> TimeZone {
    VIEWER_ZONE
        .try_with(TimeZone::clone)
        .unwrap_or(TimeZone::UTC)
}

/// Answers the request in the time zone its cookie names.
pub async fn with_viewer_zone(request: Request, next: Next) -> Response {
    let zone = cookie(request.headers(), TZ_COOKIE)
        .filter(|name| name.len() <= 64)
        .and_then(|name| TimeZone::get(&name).ok())
        .unwrap_or(TimeZone::UTC);
    VIEWER_ZONE.scope(zone, next.run(request)).await
}

/// The cookie that remembers `zone` in this browser for a year.
pub fn zone_cookie(zone: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{TZ_COOKIE}={zone}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

/// An instant as a date-time field shows it: `YYYY-MM-DDTHH:MM` on the viewer's clock.
pub fn field_value(at: Timestamp) -> String {
    at.to_zoned(viewer_zone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A date-time field's text (`YYYY-MM-DDTHH:MM`, the viewer's clock) as an instant; any other
/// text is passed on as it is, for the record's own validation to judge.
pub fn field_instant(raw: &str) -> String {
    raw.trim()
        .parse::<DateTime>()
        .ok()
        .and_then(|local| local.to_zoned(viewer_zone()).ok())
        .map(|zoned| zoned.timestamp().to_string())
        .unwrap_or_else(|| raw.to_string())
}
