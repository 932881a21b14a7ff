//! The list page: filters, sortable columns, keyset pages, htmx fragments.

use super::*;

struct Header {
    label: &'static str,
    sort_href: Option<String>,
    arrow: &'static str,
}

struct Row {
    id: String,
    cells: Vec<String>,
}

#[derive(Default)]
struct FilterValues {
    q: String,
    created_from: String,
    created_to: String,
    sort: String,
    dir: String,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    layout: Layout,
    title: &'static str,
    label: &'static str,
    path: &'static str,
    can_create: bool,
    export_href: String,
    filters: FilterValues,
    statuses: Vec<Opt>,
    sources: Vec<Opt>,
    owners: Vec<Opt>,
    archived: Vec<Opt>,
    headers: Vec<Header>,
    rows: Vec<Row>,
    more_href: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "rows.html")]
struct RowsFragment<'a> {
    path: &'a str,
    headers: &'a [Header],
    rows: &'a [Row],
    more_href: &'a Option<String>,
    error: &'a Option<String>,
}

#[derive(Template)]
#[template(path = "row_page.html")]
struct RowPageFragment<'a> {
    path: &'a str,
    headers: &'a [Header],
    rows: &'a [Row],
    more_href: &'a Option<String>,
}

/// The query string of a list, with some parameters replaced.
fn list_query(params: &ListParams, overrides: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("q", &params.q),
        ("owner", &params.owner),
        ("status", &params.status),
        ("source", &params.source),
        ("created_from", &params.created_from),
        ("created_to", &params.created_to),
        ("archived", &params.archived),
        ("sort", &params.sort),
        ("dir", &params.dir),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().filter(|v| !v.is_empty()).map(|v| (k, v.clone())))
    .filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k))
    .collect();
    pairs.extend(
        overrides
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.to_string())),
    );
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::session::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(serde::Deserialize, Default)]
pub struct Fragment {
    fragment: Option<String>,
}

pub async fn list<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
    Query(fragment): Query<Fragment>,
) -> Response {
    let actor = &user.actor;
    if !actor.can(E::RESOURCE, Action::Read) {
        return app_error_page(AppError::Forbidden);
    }
    let (page, error) = match s.app.list::<E>(actor, &params).await {
        Ok(page) => (page, None),
        Err(AppError::Invalid(errors)) => {
            let message = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", humanize(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; ");
            (
                salesflow_app::list::Page {
                    items: vec![],
                    next_cursor: None,
                },
                Some(message),
            )
        }
        Err(other) => return app_error_page(other),
    };
    let names = match names(&s).await {
        Ok(n) => n,
        Err(e) => return app_error_page(e),
    };
    let current_sort = params
        .sort
        .clone()
        .unwrap_or_else(|| E::SORTABLE[0].to_string());
    let current_dir = params.dir.clone().unwrap_or_else(|| "desc".into());
    let headers_view: Vec<Header> = E::COLUMNS
        .iter()
        .map(|c| {
            let active = c.sort.is_some_and(|k| k == current_sort);
            let next_dir = if active && current_dir == "asc" {
                "desc"
            } else if active {
                "asc"
            } else if c.sort == Some("created_at") {
                "desc"
            } else {
                "asc"
            };
            Header {
                label: c.label,
                sort_href: c.sort.map(|k| {
                    format!(
                        "/{}?{}",
                        E::PATH,
                        list_query(&params, &[("sort", k), ("dir", next_dir), ("cursor", "")])
                    )
                }),
                arrow: match (active, current_dir.as_str()) {
                    (true, "asc") => " ▲",
                    (true, _) => " ▼",
                    _ => "",
                },
            }
        })
        .collect();
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|r| {
            let json = serde_json::to_value(r).unwrap_or(Value::Null);
            Row {
                id: r.uuid().to_string(),
                cells: E::COLUMNS
                    .iter()
                    .map(|c| display_cell(r, &json, c.field, &names))
                    .collect(),
            }
        })
        .collect();
    let more_href = page
        .next_cursor
        .as_ref()
        .map(|c| format!("/{}?{}", E::PATH, list_query(&params, &[("cursor", c)])));
    if headers.contains_key("hx-request") {
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        if fragment.fragment.as_deref() == Some("page") {
            return render(
                status,
                &RowPageFragment {
                    path: E::PATH,
                    headers: &headers_view,
                    rows: &rows,
                    more_href: &more_href,
                },
            );
        }
        return render(
            status,
            &RowsFragment {
                path: E::PATH,
                headers: &headers_view,
                rows: &rows,
                more_href: &more_href,
                error: &error,
            },
        );
    }
    let owners = names
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect::<std::collections::BTreeMap<_, _>>();
    let mut owners: Vec<(String, String)> = owners.into_iter().collect();
    owners.sort_by(|a, b| a.1.cmp(&b.1));
    let choice = |values: &[&str], selected: &Option<String>| {
        Opt::list(
            values.iter().map(|v| (v.to_string(), humanize(v))),
            selected.as_deref().unwrap_or(""),
        )
    };
    let page = ListPage {
        layout: Layout::new(E::TITLE, actor, &user.csrf, &format!("/{}", E::PATH)),
        title: E::TITLE,
        label: E::LABEL,
        path: E::PATH,
        can_create: E::CREATABLE && actor.can(E::RESOURCE, Action::Create),
        export_href: format!(
            "/{}/export?{}",
            E::PATH,
            list_query(&params, &[("cursor", "")])
        ),
        filters: FilterValues {
            q: params.q.clone().unwrap_or_default(),
            created_from: params.created_from.clone().unwrap_or_default(),
            created_to: params.created_to.clone().unwrap_or_default(),
            sort: current_sort,
            dir: current_dir,
        },
        statuses: choice(E::STATUSES, &params.status),
        sources: choice(E::SOURCES, &params.source),
        owners: Opt::list(owners, params.owner.as_deref().unwrap_or("")),
        archived: Opt::list(
            [
                ("active", "Active"),
                ("archived", "Archived"),
                ("any", "Active and archived"),
            ]
            .map(|(v, l)| (v.to_string(), l.to_string())),
            params.archived.as_deref().unwrap_or("active"),
        ),
        headers: headers_view,
        rows,
        more_href,
        error: error.clone(),
    };
    render(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &page,
    )
}
