//! Settings → Sales process: pipelines with their stages and gates, qualification criteria and
//! scoring points, and lead assignment rules — as forms of rows (a few blank rows add new
//! ones; clearing a row's name removes it). Admins and sales managers change them.

mod assignment;
mod pipelines;
mod qualification;
mod quotes;

pub use assignment::{assignment_page, save_assignment};
pub use pipelines::{pipeline_page, pipelines_page, save_pipeline};
pub use qualification::{qualification_page, save_qualification};
pub use quotes::{quote_settings_page, save_approval, save_company, save_taxes};

use std::collections::HashMap;

use salesflow_app::AppError;

/// Blank rows offered for new entries.
const BLANK_ROWS: usize = 3;

/// The indexes of the rows a form sent (`{prefix}_{i}_name`), in order.
fn row_indexes(form: &HashMap<String, String>, prefix: &str) -> Vec<usize> {
    let mut rows: Vec<usize> = form
        .keys()
        .filter_map(|k| {
            k.strip_prefix(&format!("{prefix}_"))?
                .strip_suffix("_name")?
                .parse()
                .ok()
        })
        .collect();
    rows.sort_unstable();
    rows
}

fn field<'a>(form: &'a HashMap<String, String>, prefix: &str, i: usize, name: &str) -> &'a str {
    form.get(&format!("{prefix}_{i}_{name}"))
        .map(|v| v.trim())
        .unwrap_or("")
}

fn version(form: &HashMap<String, String>) -> Result<i64, AppError> {
    form.get("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            AppError::invalid("version", "version_required", "send the version you edited")
        })
}

/// A number typed into a form, or an error naming the field.
fn number(raw: &str, field_name: &str) -> Result<Option<i64>, AppError> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field_name, "invalid_number", "must be a whole number"))
}
