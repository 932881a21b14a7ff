//! The forecast backtest page: per month, each method's prediction from the last weekly
//! snapshot before it, beside what was won, as a chart and a table.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use salesflow_app::analytics::AnalyticsParams;
use salesflow_app::backtest::BacktestReport;

use super::analytics::Row;
use super::analytics_view::{money_text, query_of};
use super::charts::{BacktestBars, backtest_svg};
use super::views::Layout;
use super::{app_error_page, render};
use crate::AppState;
use crate::session::UiUser;

#[derive(Template)]
#[template(path = "analytics_backtest.html")]
struct BacktestPage {
    layout: Layout,
    snapshots: usize,
    chart: String,
    rows: Vec<Row>,
    query: String,
}

/// The table's rows: month, snapshot, deals, weighted, historical, P10, P50, P90, won, deals won.
pub(super) fn backtest_rows(r: &BacktestReport) -> Vec<Row> {
    let money = |minor: i128| money_text(minor, &r.currency);
    r.months
        .iter()
        .map(|m| Row {
            cells: vec![
                if m.in_progress {
                    format!("{} (so far)", m.month)
                } else {
                    m.month.clone()
                },
                m.snapshot_week.clone(),
                m.deals.to_string(),
                money(m.weighted_minor),
                money(m.historical_minor),
                money(m.range.p10),
                money(m.range.p50),
                money(m.range.p90),
                money(m.won_minor),
                m.won_deals.to_string(),
            ],
        })
        .collect()
}

pub async fn backtest_page(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<AnalyticsParams>,
) -> Response {
    match s.app.backtest_report(&user.actor, &params).await {
        Ok(report) => {
            let bars: Vec<BacktestBars> = report
                .months
                .iter()
                .map(|m| BacktestBars {
                    month: m.month.clone(),
                    values: [
                        m.weighted_minor,
                        m.historical_minor,
                        m.range.p50,
                        m.won_minor,
                    ],
                })
                .collect();
            let page = BacktestPage {
                layout: Layout::new("Forecast backtest", &user.actor, &user.csrf, "/analytics"),
                snapshots: report.snapshots,
                chart: backtest_svg(&bars),
                rows: backtest_rows(&report),
                query: query_of(&params),
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => app_error_page(e),
    }
}
