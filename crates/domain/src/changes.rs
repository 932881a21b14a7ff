//! Field-level change sets: what the timeline and audit trail show as "old → new".

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A record that can list its user-visible fields as text, so changes can be diffed uniformly.
pub trait Fields {
    fn fields(&self) -> Vec<(&'static str, Option<String>)>;
}

/// The fields that differ between two versions of a record, in field order.
pub fn diff<T: Fields>(old: &T, new: &T) -> Vec<FieldChange> {
    old.fields()
        .into_iter()
        .zip(new.fields())
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldChange {
            field: field.to_string(),
            old: a,
            new: b,
        })
        .collect()
}

/// Every non-empty field of a new record, as changes from nothing.
pub fn created<T: Fields>(record: &T) -> Vec<FieldChange> {
    record
        .fields()
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(field, v)| FieldChange {
            field: field.to_string(),
            old: None,
            new: v,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair(Option<String>, Option<String>);
    impl Fields for Pair {
        fn fields(&self) -> Vec<(&'static str, Option<String>)> {
            vec![("a", self.0.clone()), ("b", self.1.clone())]
        }
    }

    #[test]
    fn diff_lists_only_changed_fields() {
        let old = Pair(Some("x".into()), None);
        let new = Pair(Some("x".into()), Some("y".into()));
        assert_eq!(
            diff(&old, &new),
            vec![FieldChange {
                field: "b".into(),
                old: None,
                new: Some("y".into())
            }]
        );
        assert_eq!(created(&old).len(), 1);
    }
}
