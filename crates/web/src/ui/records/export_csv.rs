//! CSV export of a filtered list.

use super::*;

fn csv_columns<E: WebResource>() -> Vec<&'static str> {
    let mut columns = vec!["id"];
    columns.extend(E::FIELDS.iter().map(|f| f.name));
    if !E::STATUSES.is_empty() {
        columns.extend(["status", "disqualify_reason"]);
    }
    columns.extend(["archived", "created_at", "updated_at", "version"]);
    columns
}

pub fn csv_export<E: WebResource>(rows: &[E]) -> Result<Vec<u8>, AppError> {
    let columns = csv_columns::<E>();
    let mut writer = salesflow_app::csv_cells::CsvOut::new(Vec::new());
    writer.row(&columns)?;
    for row in rows {
        let json = serde_json::to_value(row).unwrap_or(Value::Null);
        writer.row(columns.iter().map(|c| text_of(&json, c)))?;
    }
    writer.finish()
}

pub fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn export<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<ListParams>,
) -> Response {
    let rows = match s
        .app
        .export::<E>(&user.actor, &params, crate::api::EXPORT_LIMIT)
        .await
    {
        Ok(rows) => rows,
        Err(e) => return app_error_page(e),
    };
    match csv_export::<E>(&rows) {
        Ok(body) => csv_response(E::PATH, body),
        Err(e) => app_error_page(e),
    }
}
