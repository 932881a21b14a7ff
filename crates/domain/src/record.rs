//! What every owned business record carries besides its own fields.

use crate::ids::{TeamId, UserId};

/// A new owner and the team their records belong to.
pub type Owner = (UserId, Option<TeamId>);
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecordMeta {
    #[schema(value_type = String, format = Uuid)]
    pub owner_id: UserId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub team_id: Option<TeamId>,
    pub archived: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// Optimistic-concurrency version: send it back with every change.
    pub version: i64,
    /// Set when this record was merged into another (it is archived then).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub merged_into: Option<uuid::Uuid>,
}

impl RecordMeta {
    pub fn new(owner_id: UserId, team_id: Option<TeamId>, now: Timestamp) -> Self {
        Self {
            owner_id,
            team_id,
            archived: false,
            created_at: now,
            updated_at: now,
            version: 1,
            merged_into: None,
        }
    }

    /// The meta of the next version of a record changed at `now`.
    pub fn next(&self, now: Timestamp) -> Self {
        Self {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }
}

/// Reads a text field of an update: `None` keeps the current value, `Some("")` clears it.
pub fn merged(current: Option<&str>, update: &Option<String>) -> Option<String> {
    match update {
        Some(value) => Some(value.clone()),
        None => current.map(str::to_string),
    }
}

/// An owned record whose fields can be diffed: edits and archiving work the same for all.
pub trait Owned: crate::changes::Fields + Clone {
    /// The fields a user edits.
    type Details;

    fn meta_mut(&mut self) -> &mut RecordMeta;

    /// This record with other details (meta unchanged).
    fn with_details(&self, details: Self::Details) -> Self;

    /// Applies an edit (and optionally a new owner); `None` when nothing changed.
    fn edit(
        &self,
        details: Self::Details,
        owner: Option<Owner>,
        now: Timestamp,
    ) -> Option<(Self, crate::event::Change)> {
        edited(self, self.with_details(details), owner, now)
    }

    /// Archives or restores the record; `None` when it already is in that state.
    fn set_archived(&self, archived: bool, now: Timestamp) -> Option<(Self, crate::event::Change)> {
        set_archived(self, archived, now)
    }
}

/// The next version of `old` as `next` (with new details already set); `None` when nothing
/// changed, so a no-op save writes no event.
pub fn edited<T: Owned>(
    old: &T,
    mut next: T,
    owner: Option<Owner>,
    now: Timestamp,
) -> Option<(T, crate::event::Change)> {
    let meta = next.meta_mut();
    *meta = meta.next(now);
    if let Some((owner, team)) = owner {
        meta.owner_id = owner;
        meta.team_id = team;
    }
    let fields = crate::changes::diff(old, &next);
    (!fields.is_empty()).then(|| (next, crate::event::Change::new("updated", fields)))
}

/// Archives or restores a record; `None` when it already is in that state.
pub fn set_archived<T: Owned>(
    record: &T,
    archived: bool,
    now: Timestamp,
) -> Option<(T, crate::event::Change)> {
    let mut next = record.clone();
    let meta = next.meta_mut();
    if meta.archived == archived {
        return None;
    }
    *meta = meta.next(now);
    meta.archived = archived;
    let fields = crate::changes::diff(record, &next);
    let activity = if archived { "archived" } else { "restored" };
    Some((next, crate::event::Change::new(activity, fields)))
}

/// Hands a record over to another owner, with the reason: an `handed_off` event whose fields
/// show the owner change and the reason. `None` when `owner` already owns it.
pub fn handed_off<T: Owned>(
    record: &T,
    owner: Owner,
    reason: &str,
    now: Timestamp,
) -> Option<(T, crate::event::Change)> {
    let (next, mut change) = edited(record, record.clone(), Some(owner), now)?;
    change.activity = "handed_off";
    change.fields.push(crate::changes::FieldChange {
        field: "reason".into(),
        old: None,
        new: Some(reason.to_string()),
    });
    Some((next, change))
}

/// A record that can absorb a duplicate: its empty fields are filled from the other's.
pub trait Mergeable: Owned {
    fn merged_details(&self, other: &Self) -> Self::Details;
}

/// Merges `other` into `survivor`: the survivor takes the other's values where it has none
/// (a `merged` event naming the other), the other is archived and points to the survivor.
pub fn merge<T: Mergeable>(
    survivor: &T,
    other: &T,
    other_id: uuid::Uuid,
    survivor_id: uuid::Uuid,
    now: Timestamp,
) -> ((T, crate::event::Change), (T, crate::event::Change)) {
    let kept = survivor.with_details(survivor.merged_details(other));
    let (kept, mut change) = edited(survivor, kept, None, now).unwrap_or_else(|| {
        let mut next = survivor.clone();
        let meta = next.meta_mut();
        *meta = meta.next(now);
        (next, crate::event::Change::new("updated", vec![]))
    });
    change.activity = "merged";
    change.fields.push(crate::changes::FieldChange {
        field: "merged_from".into(),
        old: None,
        new: Some(other_id.to_string()),
    });
    let mut gone = other.clone();
    let meta = gone.meta_mut();
    *meta = meta.next(now);
    meta.archived = true;
    meta.merged_into = Some(survivor_id);
    let mut fields = crate::changes::diff(other, &gone);
    fields.push(crate::changes::FieldChange {
        field: "merged_into".into(),
        old: None,
        new: Some(survivor_id.to_string()),
    });
    let gone_change = crate::event::Change::new("merged_into", fields);
    ((kept, change), (gone, gone_change))
}

/// The survivor's value, or the other's when the survivor has none.
pub fn either(kept: &Option<String>, other: &Option<String>) -> Option<String> {
    kept.clone().or_else(|| other.clone())
}
