//! The one list of tables whose rows belong to a user and are seen by that user's team: when
//! a user moves to another team, their rows move with them in the same transaction. A schema
//! test compares this list with every table that has `owner_id` and `team_id` columns, so a new
//! owned table cannot be forgotten.

/// Owned tables whose `team_id` follows the owner's team.
pub const TEAM_FOLLOWS_OWNER: &[&str] = &[
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "activities",
    "campaigns",
    "web_forms",
    "products",
    "price_lists",
    "quotes",
    "sales_orders",
    "deliveries",
    "invoices",
    "payments",
    // The time-in-stage read model filters analytics by team.
    "stage_stays",
    // Running deadlines are seen by whoever sees their record.
    "deadline_timers",
];

/// Tables with an owner and a team that keep the team a row had when it was written: the
/// append-only event log and the weekly forecast snapshots are history.
pub const TEAM_KEPT_AS_HISTORY: &[&str] = &["events", "forecast_snapshots"];
