use salesflow_app::ports::StoreResult;
use salesflow_domain::activity::{Activity, ActivityDetails};
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::ActivityId;
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::{Name, search_key};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::Table;
use crate::rows::{Val, opt_text, opt_ts, parsed, text};

impl Table for Activity {
    const TABLE: &'static str = "activities";
    const COLUMNS: &'static [&'static str] = &[
        "kind",
        "subject",
        "subject_key",
        "notes",
        "due_at",
        "related_type",
        "related_id",
        "status",
        "outcome",
        "done_at",
        "reminded_at",
        "case_id",
    ];
    const SEARCH: &'static [&'static str] = &["subject_key"];
    const GROUP: Option<&'static str> = Some("status");

    fn values(&self) -> Vec<Val> {
        let d = &self.details;
        vec![
            d.kind.as_str().into(),
            d.subject.to_string().into(),
            search_key(d.subject.as_str()).into(),
            d.notes.clone().into(),
            d.due_at.into(),
            self.related_type.as_str().into(),
            self.related_id.to_string().into(),
            self.status.as_str().into(),
            self.outcome.clone().into(),
            self.done_at.into(),
            self.reminded_at.into(),
            self.case_id.to_string().into(),
        ]
    }

    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self> {
        let related_type = text(row, "related_type")?;
        Ok(Activity {
            id: ActivityId(id),
            details: ActivityDetails {
                kind: parsed(row, "kind")?,
                subject: Name::from_stored(text(row, "subject")?),
                notes: opt_text(row, "notes")?,
                due_at: opt_ts(row, "due_at")?,
            },
            related_type: EntityType::parse(&related_type).ok_or_else(|| {
                salesflow_app::ports::StoreError::Other(format!(
                    "unknown related type {related_type}"
                ))
            })?,
            related_id: parsed(row, "related_id")?,
            status: parsed(row, "status")?,
            outcome: opt_text(row, "outcome")?,
            done_at: opt_ts(row, "done_at")?,
            reminded_at: opt_ts(row, "reminded_at")?,
            case_id: parsed(row, "case_id")?,
            meta,
        })
    }
}
