//! The pipeline board: one column per stage with its totals, cards loaded in pages, drag and
//! drop between columns (SortableJS) that posts a stage move, and totals refreshed after it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use salesflow_app::opportunities::{Board, BoardColumn, BoardParams};
use salesflow_app::ports::StageTotal;
use salesflow_domain::money::MoneyTotal;
use salesflow_domain::opportunity::Opportunity;

use super::views::{Layout, Names, Opt, names};
use super::{app_error_page, render};
use crate::AppState;
use crate::session::{UiUser, urlencode};

pub struct CardView {
    pub id: String,
    pub name: String,
    pub amount: String,
    pub close: String,
    pub owner: String,
    pub probability: u8,
    pub version: i64,
    /// A deadline of its sale that is due soon or overdue: (state, label).
    pub deadline: Option<(&'static str, &'static str)>,
}

pub struct ColumnView {
    pub stage_id: String,
    pub name: String,
    pub kind: &'static str,
    pub totals: TotalsView,
    pub cards: Vec<CardView>,
    pub more_href: Option<String>,
}

pub struct TotalsView {
    pub stage_id: String,
    pub count: i64,
    pub amount: String,
    pub weighted: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    layout: Layout,
    pipeline_id: String,
    pipelines: Vec<Opt>,
    owners: Vec<Opt>,
    teams: Vec<Opt>,
    close_from: String,
    close_to: String,
    columns: Vec<ColumnView>,
    can_create: bool,
}

#[derive(Template)]
#[template(path = "board_cards.html")]
struct CardsFragment {
    column: ColumnView,
}

#[derive(Template)]
#[template(path = "board_totals.html")]
struct TotalsFragment {
    totals: Vec<TotalsView>,
}

/// "12,500.00 EUR" sums per currency, joined when a column mixes currencies.
fn money_sum(totals: &[StageTotal], pick: fn(&StageTotal) -> Option<MoneyTotal>) -> String {
    if totals.is_empty() {
        return "0".into();
    }
    totals
        .iter()
        .filter_map(pick)
        .map(|m| m.display())
        .collect::<Vec<_>>()
        .join(" + ")
}

fn totals_view(column: &BoardColumn) -> TotalsView {
    TotalsView {
        stage_id: column.stage.id.to_string(),
        count: column.totals.iter().map(|t| t.count).sum(),
        amount: money_sum(&column.totals, StageTotal::amount),
        weighted: money_sum(&column.totals, StageTotal::weighted),
    }
}

/// What the cards show beside the opportunities: owners' names and pressing deadlines.
struct CardContext {
    names: Names,
    deadlines: std::collections::HashMap<uuid::Uuid, salesflow_domain::deadline::TimerState>,
}

fn card_view(o: &Opportunity, context: &CardContext) -> CardView {
    CardView {
        id: o.id.to_string(),
        name: o.details.name.to_string(),
        amount: o.details.amount().display(),
        close: o
            .details
            .close_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        owner: context
            .names
            .get(&o.meta.owner_id)
            .cloned()
            .unwrap_or_default(),
        probability: o.details.probability,
        version: o.meta.version,
        deadline: context
            .deadlines
            .get(&o.case_id)
            .map(|state| (state.as_str(), state.label())),
    }
}

/// The board's filter query string (without stage and cursor).
fn filter_query(params: &BoardParams, pipeline: &str) -> String {
    [
        ("pipeline", Some(pipeline.to_string())),
        ("owner", params.owner.clone()),
        ("team", params.team.clone()),
        ("close_from", params.close_from.clone()),
        ("close_to", params.close_to.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.filter(|v| !v.is_empty())
            .map(|v| format!("{k}={}", urlencode(&v)))
    })
    .collect::<Vec<_>>()
    .join("&")
}

fn column_view(column: &BoardColumn, context: &CardContext, query: &str) -> ColumnView {
    ColumnView {
        stage_id: column.stage.id.to_string(),
        name: column.stage.name.clone(),
        kind: column.stage.kind.as_str(),
        totals: totals_view(column),
        cards: column.cards.iter().map(|o| card_view(o, context)).collect(),
        more_href: column.next_cursor.as_ref().map(|c| {
            format!(
                "/pipeline/cards?{query}&stage={}&cursor={}",
                column.stage.id,
                urlencode(c)
            )
        }),
    }
}

async fn load(
    s: &AppState,
    user: &UiUser,
    params: &BoardParams,
) -> Result<(Board, CardContext), Response> {
    let board = s
        .app
        .board(&user.actor, params)
        .await
        .map_err(app_error_page)?;
    let names = names(s).await.map_err(app_error_page)?;
    let cases: Vec<_> = board
        .columns
        .iter()
        .flat_map(|c| c.cards.iter().map(|o| o.case_id))
        .collect();
    let deadlines = s
        .app
        .pressing_deadlines(&cases)
        .await
        .map_err(app_error_page)?;
    Ok((board, CardContext { names, deadlines }))
}

pub async fn board_page(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<BoardParams>,
) -> Response {
    let (board, context) = match load(&s, &user, &params).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let actor = &user.actor;
    let pipeline_id = board.pipeline.id.to_string();
    let query = filter_query(&params, &pipeline_id);
    let pipelines = s.app.pipelines(actor).await.unwrap_or_default();
    let users = s.app.user_names().await.unwrap_or_default();
    let teams = s.app.list_teams().await.unwrap_or_default();
    let owner = params.owner.clone().unwrap_or_default();
    let team = params.team.clone().unwrap_or_default();
    let page = BoardPage {
        layout: Layout::new(&board.pipeline.name, actor, &user.csrf, "/pipeline"),
        pipelines: Opt::list(
            pipelines.iter().map(|p| (p.id.to_string(), p.name.clone())),
            &pipeline_id,
        ),
        owners: Opt::list(
            users
                .iter()
                .filter(|u| u.3)
                .map(|u| (u.0.to_string(), u.1.clone())),
            &owner,
        ),
        teams: Opt::list(
            teams.iter().map(|t| (t.id.to_string(), t.name.clone())),
            &team,
        ),
        close_from: params.close_from.clone().unwrap_or_default(),
        close_to: params.close_to.clone().unwrap_or_default(),
        columns: board
            .columns
            .iter()
            .map(|c| column_view(c, &context, &query))
            .collect(),
        can_create: actor.can(
            salesflow_domain::authz::Resource::Opportunity,
            salesflow_domain::authz::Action::Create,
        ),
        pipeline_id,
    };
    render(StatusCode::OK, &page)
}

/// The next page of one column (the "Load more" button).
pub async fn board_cards(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<BoardParams>,
) -> Response {
    let (board, context) = match load(&s, &user, &params).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let query = filter_query(&params, &board.pipeline.id.to_string());
    match board.columns.first() {
        Some(column) => render(
            StatusCode::OK,
            &CardsFragment {
                column: column_view(column, &context, &query),
            },
        ),
        None => app_error_page(salesflow_app::AppError::NotFound),
    }
}

/// Every column's totals, for refreshing the headers after a card moved.
pub async fn board_totals(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<BoardParams>,
) -> Response {
    let params = BoardParams {
        limit: Some(1),
        stage: None,
        cursor: None,
        ..params
    };
    let (board, _) = match load(&s, &user, &params).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    render(
        StatusCode::OK,
        &TotalsFragment {
            totals: board.columns.iter().map(totals_view).collect(),
        },
    )
}
