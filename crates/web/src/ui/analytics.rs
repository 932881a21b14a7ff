//! The analytics pages: funnel, process flow diagram with bottleneck heatmap, time in stage with
//! stuck deals, forecast, cycle times, rework, variants and the directly-follows graph; a stage's
//! deals as the drill-down. Downloads are in `analytics_export`, naming and drawing in
//! `analytics_view`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use salesflow_app::Actor;
use salesflow_app::analytics::{
    AnalyticsParams, DealInStage, FunnelReport, ProcessReport, StageTimesReport,
};
use salesflow_app::forecast::ForecastReport;
use salesflow_domain::analytics::mining::START;
use salesflow_domain::pipeline::Pipeline;
use serde::Deserialize;

use super::analytics_charts::{cycle_chart, forecast_chart, pipeline_chart};
use super::analytics_view::{cycle_name, diagram, forecast_rows, money_text, query_of, step_name};
use super::charts::{FunnelBar, duration_text, funnel_svg};
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

pub(super) struct Row {
    pub(super) cells: Vec<String>,
}

pub(super) struct Deal {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) owner: String,
    pub(super) stage: String,
    pub(super) time: String,
}

#[derive(Template)]
#[template(path = "analytics.html")]
pub(super) struct AnalyticsPage {
    pub(super) layout: Layout,
    pub(super) params: AnalyticsParams,
    pub(super) heat: String,
    pub(super) pipelines: Vec<(String, String)>,
    pub(super) pipeline_id: String,
    pub(super) funnel_chart: String,
    pub(super) funnel_rows: Vec<Row>,
    pub(super) breakdown: bool,
    pub(super) lost_reasons: Vec<(String, i64)>,
    pub(super) diagram: String,
    pub(super) stage_rows: Vec<Row>,
    pub(super) stuck: Vec<Deal>,
    pub(super) variants: Vec<Row>,
    pub(super) edges: Vec<Row>,
    pub(super) cycle_rows: Vec<Row>,
    pub(super) forecast_rows: Vec<Row>,
    pub(super) quarter: Row,
    pub(super) headlines: Vec<(String, String)>,
    pub(super) pipeline_chart: String,
    pub(super) forecast_chart: String,
    pub(super) cycle_chart: String,
    pub(super) rework_rows: Vec<Row>,
    pub(super) skipped_rows: Vec<Row>,
    pub(super) query: String,
}

#[derive(Template)]
#[template(path = "analytics_stage.html")]
struct StagePage {
    layout: Layout,
    stage: String,
    deals: Vec<Deal>,
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

/// The figures at the top of the page: open pipeline, win rate, time to cash, stuck deals,
/// this quarter's median outcome.
fn headlines(r: &Reports) -> Vec<(String, String)> {
    let currency = r.forecast.quarter.currency.clone();
    let open: (i128, i128) = r
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
    /// Met and missed deadlines per step they end at, for the diagram.
    deadlines: Vec<salesflow_app::ports::StepOutcomes>,
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
        deadlines: s.app.deadline_outcomes_in(actor, params).await?,
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

pub(super) async fn build_page(
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
    let product_ids: Vec<_> = r
        .funnel
        .funnels
        .iter()
        .filter_map(|f| f.group.parse().ok())
        .collect();
    let products = s.app.product_names(&product_ids).await.unwrap_or_default();
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
            .or_else(|| {
                products
                    .iter()
                    .find(|p| p.0.to_string() == group)
                    .map(|p| p.1.clone())
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
        diagram: diagram(pipeline, &r.process, &r.deadlines, p90),
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
        pipeline_chart: pipeline_chart(&r.forecast, pipeline),
        forecast_chart: forecast_chart(&r.forecast),
        cycle_chart: cycle_chart(&r.process),
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
