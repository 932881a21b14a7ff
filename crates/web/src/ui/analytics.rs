//! The analytics pages: funnel, process flow diagram with bottleneck heatmap, time in stage with
//! stuck deals, variants and the directly-follows graph; a stage's deals as the drill-down; the
//! event log as CSV.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use salesflow_app::Actor;
use salesflow_app::analytics::{
    AnalyticsParams, DealInStage, FunnelReport, ProcessReport, StageTimesReport,
};
use salesflow_app::forecast::ForecastReport;
use salesflow_domain::analytics::mining::{START, configured_steps};
use salesflow_domain::pipeline::{Pipeline, StageKind};
use serde::Deserialize;

use super::charts::{FlowEdge, FlowNode, FunnelBar, duration_text, funnel_svg, process_svg};
use super::views::Layout;
use super::{app_error_page, render};
use crate::AppState;
use crate::session::UiUser;

/// How the diagram is coloured.
#[derive(Debug, Default, Deserialize)]
pub struct HeatParam {
    /// `median` (default) or `p90`.
    pub heat: Option<String>,
}

struct Row {
    cells: Vec<String>,
}

struct Deal {
    id: String,
    name: String,
    owner: String,
    stage: String,
    time: String,
}

#[derive(Template)]
#[template(path = "analytics.html")]
struct AnalyticsPage {
    layout: Layout,
    params: AnalyticsParams,
    heat: String,
    pipelines: Vec<(String, String)>,
    pipeline_id: String,
    funnel_chart: String,
    funnel_rows: Vec<Row>,
    breakdown: bool,
    lost_reasons: Vec<(String, i64)>,
    diagram: String,
    stage_rows: Vec<Row>,
    stuck: Vec<Deal>,
    variants: Vec<Row>,
    edges: Vec<Row>,
    cycle_rows: Vec<Row>,
    forecast_rows: Vec<Row>,
    quarter: Row,
    headlines: Vec<(String, String)>,
    rework_rows: Vec<Row>,
    skipped_rows: Vec<Row>,
    query: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_read_as_steps() {
        assert_eq!(super::cycle_name("3_quote_order"), "Quote sent → order");
        assert_eq!(super::cycle_name("6_invoice_cash"), "Invoice posted → paid");
        assert_eq!(
            super::cycle_name("1_lead_opportunity"),
            "Lead → opportunity"
        );
        assert_eq!(
            super::cycle_name("7_lead_to_cash"),
            "Lead → paid (end to end)"
        );
    }
}

#[derive(Template)]
#[template(path = "analytics_stage.html")]
struct StagePage {
    layout: Layout,
    stage: String,
    deals: Vec<Deal>,
}

/// "Quote sent" for `quote:sent`; pipeline stages by their names.
fn step_name(step: &str, pipeline: &Pipeline) -> String {
    let (object, state) = step.split_once(':').unwrap_or(("", step));
    if object == "opportunity"
        && let Some(stage) = pipeline.stages.iter().find(|s| s.key == state)
    {
        return stage.name.clone();
    }
    let object = match object {
        "sales_order" => "Order",
        "lead" => "Lead",
        "quote" => "Quote",
        "delivery" => "Delivery",
        "invoice" => "Invoice",
        "payment" => "Payment",
        "opportunity" => "Opportunity",
        other => other,
    };
    format!("{object} {}", state.replace('_', " "))
}

/// `1234567` minor units of EUR as "12,345.67 EUR".
fn money_text(minor: i64, currency: &str) -> String {
    match currency.parse::<salesflow_domain::money::Currency>() {
        Ok(c) => salesflow_domain::money::Money::new(minor, c).display(),
        Err(_) => format!("{minor} {currency}"),
    }
}

fn forecast_rows(f: &ForecastReport) -> (Vec<Row>, Row) {
    let rows = f
        .months
        .iter()
        .map(|m| Row {
            cells: vec![
                if m.month.is_empty() {
                    "No close date".into()
                } else {
                    m.month.clone()
                },
                m.deals.to_string(),
                money_text(m.amount_minor, &m.currency),
                money_text(m.weighted_minor, &m.currency),
                money_text(m.historical_minor, &m.currency),
            ],
        })
        .collect();
    let q = &f.quarter;
    let quarter = Row {
        cells: vec![
            format!("{} – {}", q.first_day, q.last_day),
            q.deals.to_string(),
            money_text(q.weighted_minor, &q.currency),
            money_text(q.historical_minor, &q.currency),
            money_text(q.range.p10, &q.currency),
            money_text(q.range.p50, &q.currency),
            money_text(q.range.p90, &q.currency),
        ],
    };
    (rows, quarter)
}

/// "Lead → opportunity" for the span `1_lead_opportunity`.
fn cycle_name(span: &str) -> String {
    let name = span.split_once('_').map_or(span, |(_, rest)| rest);
    match name {
        "lead_to_cash" => "Lead → paid (end to end)".into(),
        "opportunity_to_cash" => "Opportunity → paid (end to end)".into(),
        other => {
            let words: Vec<String> = other
                .split('_')
                .map(|w| match w {
                    "cash" => "paid".to_string(),
                    "quote" => "quote sent".to_string(),
                    "invoice" => "invoice posted".to_string(),
                    w => w.to_string(),
                })
                .collect();
            let mut text = words.join(" → ");
            if let Some(first) = text.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            text
        }
    }
}

/// Where a diagram node leads: a stage's deals, or the list of the step's documents.
fn step_href(step: &str, pipeline_id: &str) -> String {
    let (object, state) = step.split_once(':').unwrap_or(("", step));
    match object {
        "opportunity" => format!("/analytics/stages/{state}?pipeline_id={pipeline_id}"),
        "lead" => format!("/leads?status={state}"),
        "quote" => "/quotes".into(),
        "sales_order" => "/orders".into(),
        "delivery" => "/deliveries".into(),
        "invoice" => "/invoices".into(),
        _ => "/payments".into(),
    }
}

fn diagram(pipeline: &Pipeline, process: &ProcessReport, p90: bool) -> String {
    let keys = |kind: StageKind| -> Vec<&str> {
        pipeline
            .stages
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.key.as_str())
            .collect()
    };
    let steps = configured_steps(&keys(StageKind::Open), &keys(StageKind::Won));
    let pipeline_id = pipeline.id.to_string();
    let nodes: Vec<FlowNode> = steps
        .iter()
        .map(|step| FlowNode {
            label: step_name(step, pipeline),
            seconds: process
                .steps
                .iter()
                .find(|t| t.step == *step)
                .map(|t| if p90 { t.p90_seconds } else { t.median_seconds }),
            count: process
                .edges
                .iter()
                .filter(|e| e.to == *step)
                .map(|e| e.count)
                .sum(),
            href: step_href(step, &pipeline_id),
        })
        .collect();
    let edges: Vec<FlowEdge> = steps
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            let seen = process
                .edges
                .iter()
                .find(|e| e.from == pair[0] && e.to == pair[1]);
            FlowEdge {
                from: i,
                to: i + 1,
                count: seen.map_or(0, |e| e.count),
                share: seen.and_then(|e| e.share.clone()),
            }
        })
        .collect();
    process_svg(&nodes, &edges)
}

fn funnel_rows(report: &FunnelReport, names: &dyn Fn(&str) -> String) -> Vec<Row> {
    report
        .funnels
        .iter()
        .flat_map(|f| {
            f.stages.iter().map(move |s| Row {
                cells: vec![
                    names(&f.group),
                    s.name.clone(),
                    s.reached.to_string(),
                    s.to_next.clone().unwrap_or_else(|| "—".into()),
                    s.to_won.clone().unwrap_or_else(|| "—".into()),
                ],
            })
        })
        .collect()
}

async fn deals(s: &AppState, found: Vec<DealInStage>) -> Vec<Deal> {
    let users = s.app.user_names().await.unwrap_or_default();
    found
        .into_iter()
        .map(|d| Deal {
            id: d.id.to_string(),
            name: d.name,
            owner: users
                .iter()
                .find(|u| u.0.to_string() == d.owner_id)
                .map_or(d.owner_id, |u| u.1.clone()),
            stage: d.stage,
            time: duration_text(d.seconds_in_stage),
        })
        .collect()
}

/// The query string the page was asked with, for the export link.
fn query_of(params: &AnalyticsParams) -> String {
    let pairs = [
        ("pipeline_id", &params.pipeline_id),
        ("from", &params.from),
        ("to", &params.to),
        ("rep", &params.rep),
        ("team", &params.team),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
        .map(|(k, v)| format!("{k}={}", urlencoding(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The figures at the top of the page: open pipeline, win rate, time to cash, stuck deals,
/// this quarter's median outcome.
fn headlines(r: &Reports) -> Vec<(String, String)> {
    let currency = r.forecast.quarter.currency.clone();
    let open: (i64, i64) = r
        .forecast
        .months
        .iter()
        .filter(|m| m.currency == currency)
        .fold((0, 0), |(a, w), m| {
            (a + m.amount_minor, w + m.weighted_minor)
        });
    let win_rate = r
        .funnel
        .funnels
        .first()
        .filter(|_| r.funnel.funnels.len() == 1)
        .and_then(|f| f.win_rate.clone())
        .map_or_else(|| "—".into(), |w| format!("{w} %"));
    let to_cash = r
        .process
        .cycle_times
        .iter()
        .find(|t| t.step.ends_with("opportunity_to_cash"))
        .map_or_else(|| "—".into(), |t| duration_text(t.median_seconds));
    vec![
        ("Open pipeline".into(), money_text(open.0, &currency)),
        ("Weighted".into(), money_text(open.1, &currency)),
        ("Win rate".into(), win_rate),
        ("Opportunity to cash (median)".into(), to_cash),
        ("Stuck deals".into(), r.times.stuck.len().to_string()),
        (
            "This quarter (P50)".into(),
            money_text(r.forecast.quarter.range.p50, &currency),
        ),
    ]
}

struct Reports {
    forecast: ForecastReport,
    funnel: FunnelReport,
    times: StageTimesReport,
    process: ProcessReport,
    pipelines: Vec<Pipeline>,
}

async fn reports(
    s: &AppState,
    actor: &Actor,
    params: &AnalyticsParams,
) -> Result<Reports, salesflow_app::error::AppError> {
    Ok(Reports {
        forecast: s.app.forecast_report(actor, params).await?,
        funnel: s.app.funnel_report(actor, params).await?,
        times: s.app.stage_times_report(actor, params).await?,
        process: s.app.process_report(actor, params).await?,
        pipelines: s.app.pipelines(actor).await?,
    })
}

pub async fn analytics_page(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<AnalyticsParams>,
    Query(heat): Query<HeatParam>,
) -> Response {
    match build_page(&s, &user, params, heat).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(refused) => refused,
    }
}

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
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = writer
        .write_record(&headers)
        .and_then(|_| rows.iter().try_for_each(|row| writer.write_record(row)));
    match (written, writer.into_inner()) {
        (Ok(()), Ok(body)) => super::records::csv_response(&name, body),
        _ => app_error_page(salesflow_app::error::AppError::Internal("csv".into())),
    }
}

async fn build_page(
    s: &AppState,
    user: &UiUser,
    params: AnalyticsParams,
    heat: HeatParam,
) -> Result<AnalyticsPage, Response> {
    let r = match reports(s, &user.actor, &params).await {
        Ok(r) => r,
        Err(e) => return Err(app_error_page(e)),
    };
    let Some(pipeline) = r
        .pipelines
        .iter()
        .find(|p| p.id.to_string() == r.funnel.pipeline_id)
    else {
        return Err(app_error_page(salesflow_app::error::AppError::NotFound));
    };
    let users = s.app.user_names().await.unwrap_or_default();
    let teams = s.app.list_teams().await.unwrap_or_default();
    let names = |group: &str| -> String {
        if group.is_empty() {
            return "All".into();
        }
        users
            .iter()
            .find(|u| u.0.to_string() == group)
            .map(|u| u.1.clone())
            .or_else(|| {
                teams
                    .iter()
                    .find(|t| t.id.to_string() == group)
                    .map(|t| t.name.clone())
            })
            .unwrap_or_else(|| group.to_string())
    };
    let total = r.funnel.funnels.iter().fold(Vec::new(), |mut acc, f| {
        for (i, stage) in f.stages.iter().enumerate() {
            if acc.len() <= i {
                acc.push(FunnelBar {
                    label: stage.name.clone(),
                    count: 0,
                    note: String::new(),
                });
            }
            acc[i].count += stage.reached;
        }
        acc
    });
    let total: Vec<FunnelBar> = total
        .iter()
        .enumerate()
        .map(|(i, bar)| FunnelBar {
            label: bar.label.clone(),
            count: bar.count,
            note: total
                .get(i + 1)
                .and_then(|next| salesflow_domain::analytics::percent(next.count, bar.count))
                .map(|p| format!("{p} % to next"))
                .unwrap_or_default(),
        })
        .collect();
    let p90 = heat.heat.as_deref() == Some("p90");
    let stage_rows = r
        .times
        .stages
        .iter()
        .map(|t| Row {
            cells: vec![
                names(&t.group),
                t.stage_name.clone(),
                t.stays.to_string(),
                duration_text(t.median_seconds),
                duration_text(t.p90_seconds),
            ],
        })
        .collect();
    let step_label = |step: &str| {
        if step == START || step == salesflow_domain::analytics::mining::END {
            step.to_string()
        } else {
            step_name(step, pipeline)
        }
    };
    let (forecast_rows, quarter) = forecast_rows(&r.forecast);
    let page = AnalyticsPage {
        headlines: headlines(&r),
        forecast_rows,
        quarter,
        layout: Layout::new("Analytics", &user.actor, &user.csrf, "/analytics"),
        heat: if p90 { "p90" } else { "median" }.into(),
        pipelines: r
            .pipelines
            .iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
        pipeline_id: r.funnel.pipeline_id.clone(),
        funnel_chart: funnel_svg(&total),
        funnel_rows: funnel_rows(&r.funnel, &names),
        breakdown: r.funnel.funnels.len() > 1
            || r.funnel
                .funnels
                .first()
                .is_some_and(|f| !f.group.is_empty()),
        lost_reasons: r
            .funnel
            .lost_reasons
            .iter()
            .map(|l| (l.reason.clone(), l.count))
            .collect(),
        diagram: diagram(pipeline, &r.process, p90),
        stage_rows,
        stuck: deals(s, r.times.stuck.clone()).await,
        variants: r
            .process
            .variants
            .iter()
            .take(10)
            .map(|v| Row {
                cells: vec![
                    v.steps
                        .iter()
                        .map(|s| step_label(s))
                        .collect::<Vec<_>>()
                        .join(" → "),
                    v.cases.to_string(),
                    duration_text(v.median_micros / 1_000_000),
                ],
            })
            .collect(),
        edges: r
            .process
            .edges
            .iter()
            .map(|e| Row {
                cells: vec![
                    step_label(&e.from),
                    step_label(&e.to),
                    e.count.to_string(),
                    e.share.clone().unwrap_or_else(|| "—".into()),
                ],
            })
            .collect(),
        cycle_rows: r
            .process
            .cycle_times
            .iter()
            .map(|t| Row {
                cells: vec![
                    cycle_name(&t.step),
                    t.count.to_string(),
                    duration_text(t.median_seconds),
                    duration_text(t.p90_seconds),
                ],
            })
            .collect(),
        rework_rows: r
            .process
            .rework
            .iter()
            .map(|w| Row {
                cells: vec![
                    match w.kind.as_str() {
                        "quote_revised" => "Quotes revised again".into(),
                        _ => "Opportunities moved back a stage".to_string(),
                    },
                    w.events.to_string(),
                    w.cases.to_string(),
                ],
            })
            .collect(),
        skipped_rows: r
            .process
            .skipped
            .iter()
            .map(|k| Row {
                cells: vec![
                    step_name(&format!("opportunity:{}", k.stage), pipeline),
                    k.times.to_string(),
                ],
            })
            .collect(),
        query: query_of(&params),
        params,
    };
    Ok(page)
}

pub async fn stage_page(
    State(s): State<AppState>,
    user: UiUser,
    Path(stage): Path<String>,
    Query(mut params): Query<AnalyticsParams>,
) -> Response {
    params.stage = Some(stage.clone());
    match s.app.deals_in_stage(&user.actor, &params).await {
        Ok(found) => {
            let title = format!("Deals in {stage}");
            let page = StagePage {
                layout: Layout::new(&title, &user.actor, &user.csrf, "/analytics"),
                stage,
                deals: deals(&s, found).await,
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => app_error_page(e),
    }
}

pub async fn event_log(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<AnalyticsParams>,
) -> Response {
    match crate::api::analytics::event_log_body(&s, &user.actor, &params).await {
        Ok(body) => super::records::csv_response("event-log", body),
        Err(e) => app_error_page(e).into_response(),
    }
}

pub async fn event_log_ocel(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<AnalyticsParams>,
) -> Response {
    match crate::api::analytics::event_log_ocel(&s, &user.actor, &params).await {
        Ok(log) => (
            [
                (axum::http::header::CONTENT_TYPE, "application/json"),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"event-log.ocel.json\"",
                ),
            ],
            log.to_string(),
        )
            .into_response(),
        Err(e) => app_error_page(e),
    }
}
