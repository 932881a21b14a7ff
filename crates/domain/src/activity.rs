//! Activities: calls, e-mails, meetings, tasks and notes about a lead, contact, account or
//! opportunity, each with an owner, an optional due time and, once done, an outcome.

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::{Change, EntityType};
use crate::ids::ActivityId;
use crate::record::{RecordMeta, merged};
use crate::text::{Name, optional_text};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Task,
    Note,
}

string_enum!(ActivityKind { Call => "call", Email => "email", Meeting => "meeting", Task => "task", Note => "note" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    Open,
    Done,
}

string_enum!(ActivityStatus { Open => "open", Done => "done" });

/// The kinds of record an activity can be about.
pub const RELATED_TYPES: [EntityType; 4] = [
    EntityType::Lead,
    EntityType::Contact,
    EntityType::Account,
    EntityType::Opportunity,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ActivityDetails {
    pub kind: ActivityKind,
    #[schema(value_type = String)]
    pub subject: Name,
    pub notes: Option<String>,
    /// When it is due (UTC); notes need none.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Activity {
    #[schema(value_type = String, format = Uuid)]
    pub id: ActivityId,
    #[serde(flatten)]
    pub details: ActivityDetails,
    /// The record it is about: lead, contact, account or opportunity.
    #[schema(value_type = String)]
    pub related_type: EntityType,
    #[schema(value_type = String, format = Uuid)]
    pub related_id: Uuid,
    pub status: ActivityStatus,
    pub outcome: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<Timestamp>,
    /// When the owner was reminded that it is due.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reminded_at: Option<Timestamp>,
    /// The process case of the related record.
    #[schema(value_type = String, format = Uuid)]
    pub case_id: Uuid,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Raw activity input. On update a missing field keeps its value and "" clears it; the related
/// record is set once, on create.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// call, email, meeting, task or note.
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub notes: Option<String>,
    /// RFC 3339 instant, or `YYYY-MM-DDTHH:MM` (UTC) as a browser's date-time field sends it.
    pub due_at: Option<String>,
    /// On create: lead, contact, account or opportunity.
    pub related_type: Option<String>,
    /// On create: the id of that record.
    pub related_id: Option<String>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

/// Parses an instant: RFC 3339, or a browser's `YYYY-MM-DDTHH:MM[:SS]` read as UTC.
pub fn parse_instant(field: &str, raw: &str) -> Result<Timestamp, FieldError> {
    let raw = raw.trim();
    raw.parse::<Timestamp>()
        .or_else(|_| {
            raw.parse::<jiff::civil::DateTime>()
                .map_err(|_| ())
                .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).map_err(|_| ()))
                .map(|z| z.timestamp())
        })
        .map_err(|_| FieldError::new(field, "invalid_datetime", "must be a date and time"))
}

impl ActivityDetails {
    pub fn parse(
        input: &ActivityInput,
        current: Option<&ActivityDetails>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let cur = |f: fn(&ActivityDetails) -> Option<String>| current.and_then(f);
        let kind = match input.kind.as_deref().map(str::trim) {
            None | Some("") => current.map(|d| d.kind).or_else(|| {
                errors.add("kind", "required", "is required");
                None
            }),
            Some(raw) => match raw.parse() {
                Ok(kind) => Some(kind),
                Err(message) => {
                    errors.add("kind", "invalid_choice", message);
                    None
                }
            },
        };
        let subject = errors.take(Name::parse(
            "subject",
            merged(
                cur(|d| Some(d.subject.to_string())).as_deref(),
                &input.subject,
            )
            .as_deref()
            .unwrap_or(""),
        ));
        let notes = errors.take(optional_text(
            "notes",
            merged(cur(|d| d.notes.clone()).as_deref(), &input.notes).as_deref(),
            10_000,
        ));
        let due_at = match merged(
            cur(|d| d.due_at.map(|t| t.to_string())).as_deref(),
            &input.due_at,
        )
        .as_deref()
        .map(str::trim)
        {
            None | Some("") => Some(None),
            Some(raw) => errors.take(parse_instant("due_at", raw).map(Some)),
        };
        match (kind, subject, notes, due_at) {
            (Some(kind), Some(subject), Some(notes), Some(due_at)) if errors.is_empty() => {
                Ok(Self {
                    kind,
                    subject,
                    notes,
                    due_at,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Parses the related record of a new activity.
pub fn parse_related(input: &ActivityInput) -> Result<(EntityType, Uuid), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let kind = input
        .related_type
        .as_deref()
        .map(str::trim)
        .and_then(EntityType::parse)
        .filter(|t| RELATED_TYPES.contains(t));
    if kind.is_none() {
        errors.add(
            "related_type",
            "invalid_choice",
            "must be one of: lead, contact, account, opportunity",
        );
    }
    let id = input
        .related_id
        .as_deref()
        .and_then(|raw| raw.trim().parse::<Uuid>().ok());
    if id.is_none() {
        errors.add("related_id", "invalid_id", "must be the id of the record");
    }
    match (kind, id) {
        (Some(kind), Some(id)) => Ok((kind, id)),
        _ => Err(errors),
    }
}

impl Fields for Activity {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("kind", Some(d.kind.to_string())),
            ("subject", Some(d.subject.to_string())),
            ("notes", d.notes.clone()),
            ("due_at", d.due_at.map(|t| t.to_string())),
            ("status", Some(self.status.to_string())),
            ("outcome", self.outcome.clone()),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Activity {
    /// A new activity about `related`; notes are done when written.
    pub fn new(
        id: ActivityId,
        details: ActivityDetails,
        related: (EntityType, Uuid),
        case_id: Uuid,
        meta: RecordMeta,
    ) -> (Self, Change) {
        let done = details.kind == ActivityKind::Note;
        let activity = Self {
            id,
            related_type: related.0,
            related_id: related.1,
            status: if done {
                ActivityStatus::Done
            } else {
                ActivityStatus::Open
            },
            outcome: None,
            done_at: done.then_some(meta.created_at),
            reminded_at: None,
            case_id,
            details,
            meta,
        };
        let change = Change::transition(
            "created",
            "none",
            activity.status.as_str(),
            changes::created(&activity),
        );
        (activity, change)
    }

    /// Marks an open activity done with its outcome; `None` when it already is done.
    pub fn complete(&self, outcome: Option<&str>, now: Timestamp) -> Option<(Self, Change)> {
        if self.status == ActivityStatus::Done {
            return None;
        }
        let next = Self {
            status: ActivityStatus::Done,
            outcome: outcome
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| o.chars().take(2_000).collect()),
            done_at: Some(now),
            meta: self.meta.next(now),
            ..self.clone()
        };
        let fields = changes::diff(self, &next);
        Some((
            next,
            Change::transition("completed", "open", "done", fields),
        ))
    }

    /// Due and not done at `now`.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.status == ActivityStatus::Open && self.details.due_at.is_some_and(|d| d <= now)
    }
}

impl crate::record::Owned for Activity {
    type Details = ActivityDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: ActivityDetails) -> Self {
        Self {
            details,
            // A new due time means a new reminder.
            reminded_at: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    fn input(kind: &str, due: Option<&str>) -> ActivityInput {
        ActivityInput {
            kind: Some(kind.into()),
            subject: Some("Follow up".into()),
            due_at: due.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn parses_due_times_from_browsers_and_apis() {
        let d = ActivityDetails::parse(&input("call", Some("2026-12-01T09:30")), None).unwrap();
        assert_eq!(d.due_at.unwrap().to_string(), "2026-12-01T09:30:00Z");
        let d = ActivityDetails::parse(&input("call", Some("2026-12-01T09:30:00+01:00")), None)
            .unwrap();
        assert_eq!(d.due_at.unwrap().to_string(), "2026-12-01T08:30:00Z");
        let e = ActivityDetails::parse(&input("lunch", Some("soon")), None).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["kind", "due_at"]);
    }

    #[test]
    fn completing_sets_outcome_once_and_notes_start_done() {
        let meta = RecordMeta::new(UserId(Uuid::nil()), None, Timestamp::UNIX_EPOCH);
        let details =
            ActivityDetails::parse(&input("task", Some("1970-01-02T00:00")), None).unwrap();
        let (task, change) = Activity::new(
            ActivityId(Uuid::nil()),
            details,
            (EntityType::Lead, Uuid::nil()),
            Uuid::nil(),
            meta.clone(),
        );
        assert_eq!(change.to_state.as_deref(), Some("open"));
        assert!(!task.is_due(Timestamp::UNIX_EPOCH));
        assert!(task.is_due(Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_hours(24)));
        let (done, change) = task
            .complete(Some(" Booked a demo "), Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(done.outcome.as_deref(), Some("Booked a demo"));
        assert_eq!(change.activity, "completed");
        assert!(done.complete(None, Timestamp::UNIX_EPOCH).is_none());
        let note = ActivityDetails::parse(&input("note", None), None).unwrap();
        let (note, _) = Activity::new(
            ActivityId(Uuid::nil()),
            note,
            (EntityType::Lead, Uuid::nil()),
            Uuid::nil(),
            meta,
        );
        assert_eq!(note.status, ActivityStatus::Done);
    }
}
