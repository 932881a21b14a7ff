//! Downloads from the analytics page: each table as CSV, and the event log as CSV and OCEL 2.0.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use salesflow_app::analytics::AnalyticsParams;

use super::analytics::{AnalyticsPage, HeatParam, Row, build_page};
use super::app_error_page;
use crate::AppState;
use crate::session::UiUser;

/// One of the page's tables as CSV: its column names and rows.
fn csv_table(page: &AnalyticsPage, name: &str) -> Option<(Vec<&'static str>, Vec<Vec<String>>)> {
    let cells = |rows: &[Row]| rows.iter().map(|r| r.cells.clone()).collect();
    Some(match name {
        "funnel" => (
            vec![
                "group",
                "stage",
                "reached",
                "to_next_percent",
                "to_won_percent",
            ],
            cells(&page.funnel_rows),
        ),
        "time-in-stage" => (
            vec!["group", "stage", "stays", "median", "p90"],
            cells(&page.stage_rows),
        ),
        "stuck" => (
            vec![
                "opportunity_id",
                "opportunity",
                "owner",
                "stage",
                "in_stage",
            ],
            page.stuck
                .iter()
                .map(|d| {
                    vec![
                        d.id.clone(),
                        d.name.clone(),
                        d.owner.clone(),
                        d.stage.clone(),
                        d.time.clone(),
                    ]
                })
                .collect(),
        ),
        "forecast" => (
            vec!["close_month", "deals", "amount", "weighted", "historical"],
            cells(&page.forecast_rows),
        ),
        "cycle-times" => (
            vec!["span", "cases", "median", "p90"],
            cells(&page.cycle_rows),
        ),
        "rework" => (vec!["rework", "times", "cases"], cells(&page.rework_rows)),
        "skipped" => (vec!["stage", "times"], cells(&page.skipped_rows)),
        "variants" => (vec!["path", "cases", "median"], cells(&page.variants)),
        "directly-follows" => (
            vec!["from", "to", "times", "share_percent"],
            cells(&page.edges),
        ),
        _ => return None,
    })
}

/// A table of the analytics page as CSV, with the page's filters.
pub async fn table_csv(
    State(s): State<AppState>,
    user: UiUser,
    Path(name): Path<String>,
    Query(params): Query<AnalyticsParams>,
    Query(heat): Query<HeatParam>,
) -> Response {
    let Some(name) = name.strip_suffix(".csv").map(str::to_string) else {
        return app_error_page(salesflow_app::error::AppError::NotFound);
    };
    let page = match build_page(&s, &user, params, heat).await {
        Ok(page) => page,
        Err(refused) => return refused,
    };
    let Some((headers, rows)) = csv_table(&page, &name) else {
        return app_error_page(salesflow_app::error::AppError::NotFound);
    };
    let mut writer = salesflow_app::csv_cells::CsvOut::new(Vec::new());
    let written = writer
        .row(&headers)
        .and_then(|_| rows.iter().try_for_each(|row| writer.row(row)));
    match written.and_then(|_| writer.finish()) {
        Ok(body) => super::records::csv_response(&name, body),
        Err(e) => app_error_page(e),
    }
}

pub async fn event_log(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<AnalyticsParams>,
) -> Response {
    crate::api::event_log::csv_response(&s, user.actor, params)
        .await
        .unwrap_or_else(app_error_page)
}

pub async fn event_log_ocel(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<AnalyticsParams>,
) -> Response {
    crate::api::event_log::ocel_response(&s, user.actor, params)
        .await
        .unwrap_or_else(app_error_page)
}
