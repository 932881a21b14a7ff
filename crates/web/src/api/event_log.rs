//! The event log's exports for process-mining tools, CSV and OCEL 2.0 JSON, streamed page by
//! page: a log of millions of steps is never held in memory whole. The first page is read
//! before the response starts, so a refused or invalid request still gets its error status.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use salesflow_app::Actor;
use salesflow_app::analytics::AnalyticsParams;
use salesflow_app::csv_cells::CsvOut;
use salesflow_app::error::AppError;
use salesflow_app::ports::LogEvent;
use salesflow_domain::analytics::mining::PROCESS_ENTITIES;
use serde_json::json;

use crate::AppState;

/// Steps read per query.
const LOG_PAGE: u32 = 5_000;

/// The log's pages in order, for one reader and filter.
struct Pages {
    s: AppState,
    actor: Actor,
    params: AnalyticsParams,
    ready: Option<Vec<LogEvent>>,
    after: Option<(jiff::Timestamp, uuid::Uuid)>,
    done: bool,
}

impl Pages {
    async fn open(s: &AppState, actor: Actor, params: AnalyticsParams) -> Result<Self, AppError> {
        let first = s
            .app
            .event_log_page(&actor, &params, None, LOG_PAGE)
            .await?;
        Ok(Self {
            s: s.clone(),
            actor,
            params,
            ready: Some(first),
            after: None,
            done: false,
        })
    }

    async fn next(&mut self) -> Result<Option<Vec<LogEvent>>, AppError> {
        let page = match self.ready.take() {
            Some(page) => page,
            None if self.done => return Ok(None),
            None => {
                let app = &self.s.app;
                app.event_log_page(&self.actor, &self.params, self.after, LOG_PAGE)
                    .await?
            }
        };
        match page.last() {
            Some(last) if page.len() == LOG_PAGE as usize => self.after = Some((last.at, last.id)),
            _ => self.done = true,
        }
        Ok((!page.is_empty()).then_some(page))
    }
}

type Render<T> = fn(&mut T, &[LogEvent]) -> Result<Vec<u8>, AppError>;
type Finish<T> = fn(T) -> Result<Vec<u8>, AppError>;

/// A response body written page by page: `render` for each page, `finish` at the end.
fn streamed<T: Send + 'static>(
    pages: Pages,
    state: T,
    render: Render<T>,
    finish: Finish<T>,
) -> Body {
    let chunks = futures_util::stream::unfold(Some((pages, state)), move |current| async move {
        let (mut pages, mut state) = current?;
        match pages.next().await {
            Ok(Some(page)) => Some((render(&mut state, &page), Some((pages, state)))),
            Ok(None) => Some((finish(state), None)),
            // The status was sent already: the body breaks off, and the client sees it did.
            Err(e) => Some((Err(e), None)),
        }
    });
    Body::from_stream(chunks)
}

fn download(content_type: &'static str, file: &'static str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response()
}

const CSV_COLUMNS: [&str; 9] = [
    "case_id",
    "activity",
    "timestamp",
    "resource",
    "actor_id",
    "object_type",
    "object_id",
    "from_state",
    "to_state",
];

fn csv_row(e: &LogEvent) -> [&str; 9] {
    [
        &e.case_id,
        &e.activity,
        "",
        &e.resource,
        e.actor_id.as_deref().unwrap_or_default(),
        &e.entity_type,
        &e.entity_id,
        e.from_state.as_deref().unwrap_or_default(),
        e.to_state.as_deref().unwrap_or_default(),
    ]
}

/// The process steps as CSV: case id, activity, timestamp, resource and the step's attributes.
pub async fn csv_response(
    s: &AppState,
    actor: Actor,
    params: AnalyticsParams,
) -> Result<Response, AppError> {
    let pages = Pages::open(s, actor, params).await?;
    let mut out = CsvOut::new(Vec::new());
    out.row(CSV_COLUMNS)?;
    let render: Render<CsvOut<Vec<u8>>> = |out, page| {
        for e in page {
            let at = e.at.to_string();
            let mut row = csv_row(e);
            row[2] = &at;
            out.row(row)?;
        }
        out.take()
    };
    let body = streamed(pages, out, render, CsvOut::finish);
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"event-log.csv\"",
        body,
    ))
}

/// What the OCEL document lists after its events.
#[derive(Default)]
struct Ocel {
    started: bool,
    /// Object id → (type, case id).
    objects: BTreeMap<String, (String, String)>,
    event_types: BTreeSet<String>,
}

fn ocel_events(ocel: &mut Ocel, page: &[LogEvent]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    for e in page {
        out.extend_from_slice(if ocel.started { b"," } else { b"{\"events\":[" });
        ocel.started = true;
        ocel.objects
            .entry(e.entity_id.clone())
            .or_insert_with(|| (e.entity_type.clone(), e.case_id.clone()));
        ocel.event_types.insert(e.activity.clone());
        let mut relationships =
            vec![json!({ "objectId": e.entity_id, "qualifier": e.entity_type })];
        if e.case_id != e.entity_id {
            relationships.push(json!({ "objectId": e.case_id, "qualifier": "case" }));
        }
        let attribute = |name: &str, value: &str| json!({ "name": name, "value": value });
        let event = json!({
            "id": e.id.to_string(),
            "type": e.activity,
            "time": e.at.to_string(),
            "attributes": [
                attribute("resource", &e.resource),
                attribute("from_state", e.from_state.as_deref().unwrap_or_default()),
                attribute("to_state", e.to_state.as_deref().unwrap_or_default()),
            ],
            "relationships": relationships,
        });
        serde_json::to_writer(&mut out, &event).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(out)
}

fn ocel_rest(mut ocel: Ocel) -> Result<Vec<u8>, AppError> {
    let mut out: Vec<u8> = if ocel.started {
        b"]".to_vec()
    } else {
        b"{\"events\":[]".to_vec()
    };
    // A case's first document may have no step in the period: it is still an object.
    let roots: Vec<String> = ocel
        .objects
        .values()
        .map(|(_, case)| case.clone())
        .collect();
    for root in roots {
        ocel.objects
            .entry(root.clone())
            .or_insert_with(|| ("case".into(), root));
    }
    let mut types: BTreeSet<&str> = PROCESS_ENTITIES.iter().copied().collect();
    types.extend(ocel.objects.values().map(|(t, _)| t.as_str()));
    let string_attributes = json!([
        { "name": "resource", "type": "string" },
        { "name": "from_state", "type": "string" },
        { "name": "to_state", "type": "string" }
    ]);
    let objects: Vec<_> = ocel
        .objects
        .iter()
        .map(|(id, (kind, case))| {
            let relationships = if case == id {
                json!([])
            } else {
                json!([{ "objectId": case, "qualifier": "case" }])
            };
            json!({ "id": id, "type": kind, "attributes": [], "relationships": relationships })
        })
        .collect();
    let rest = json!({
        "objects": objects,
        "objectTypes": types.iter().map(|t| json!({ "name": t, "attributes": [] })).collect::<Vec<_>>(),
        "eventTypes": ocel
            .event_types
            .iter()
            .map(|t| json!({ "name": t, "attributes": string_attributes }))
            .collect::<Vec<_>>(),
    });
    // `rest` is an object: its members follow the events array in the same object.
    let text = rest.to_string();
    out.push(b',');
    out.extend_from_slice(&text.as_bytes()[1..]);
    Ok(out)
}

/// The process steps as an OCEL 2.0 object-centric event log (JSON): the documents are the
/// objects, each step an event of its document and of the case's first document.
pub async fn ocel_response(
    s: &AppState,
    actor: Actor,
    params: AnalyticsParams,
) -> Result<Response, AppError> {
    let pages = Pages::open(s, actor, params).await?;
    let body = streamed(pages, Ocel::default(), ocel_events, ocel_rest);
    Ok(download(
        "application/json",
        "attachment; filename=\"event-log.ocel.json\"",
        body,
    ))
}
