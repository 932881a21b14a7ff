//! List queries: filters, sorting and keyset (cursor) pagination, shared by every list.

use jiff::Timestamp;
use salesflow_domain::ids::UserId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

/// Which archived state a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    #[default]
    Active,
    Archived,
    Any,
}

/// A sort column value as carried in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

/// Where the previous page ended: the sort value and id of its last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort key and direction of the list the cursor came from.
    pub sort: String,
    pub descending: bool,
    pub value: SortValue,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let fields = (&self.sort, self.descending, &self.value, self.id);
        hex::encode(serde_json::to_vec(&fields).unwrap_or_default())
    }

    pub fn decode(raw: &str) -> Result<Self, AppError> {
        let bad = || {
            AppError::invalid(
                "cursor",
                "invalid_cursor",
                "is not a cursor returned by this list",
            )
        };
        let bytes = hex::decode(raw).map_err(|_| bad())?;
        let (sort, descending, value, id): (String, bool, SortValue, Uuid) =
            serde_json::from_slice(&bytes).map_err(|_| bad())?;
        Ok(Self {
            sort,
            descending,
            value,
            id,
        })
    }

    /// A cursor is only valid for the sort it was made for, with a value of the key's type.
    fn check(self, sort: &str, dir: SortDir) -> Result<Self, AppError> {
        let numeric = matches!(sort, "created_at" | "updated_at");
        let type_ok = matches!(
            (&self.value, numeric),
            (SortValue::Int(_), true) | (SortValue::Text(_), false)
        );
        if self.sort == sort && self.descending == (dir == SortDir::Desc) && type_ok {
            Ok(self)
        } else {
            Err(AppError::invalid(
                "cursor",
                "invalid_cursor",
                "belongs to a list with another sort order",
            ))
        }
    }
}

/// A parsed, validated list request. `sort` is one of the entity's allow-listed sort keys.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub owner: Option<UserId>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub created_from: Option<Timestamp>,
    pub created_to: Option<Timestamp>,
    pub archived: ArchivedFilter,
    pub sort: &'static str,
    pub dir: SortDir,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl ListQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;
}

/// Unparsed list parameters, as they come from a query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Case-insensitive prefix search on names, company and e-mail.
    pub q: Option<String>,
    /// Owner user id.
    pub owner: Option<String>,
    /// Lead status (leads only).
    pub status: Option<String>,
    /// Lead source (leads only).
    pub source: Option<String>,
    /// Created on or after this date (YYYY-MM-DD) or instant (RFC 3339).
    pub created_from: Option<String>,
    /// Created before the end of this date (YYYY-MM-DD) or before this instant (RFC 3339).
    pub created_to: Option<String>,
    /// `active` (default), `archived` or `any`.
    pub archived: Option<String>,
    /// Sort key; see the resource's description for the allowed keys.
    pub sort: Option<String>,
    /// `asc` or `desc` (default).
    pub dir: Option<String>,
    /// Cursor from the previous page's `meta.next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

pub(crate) fn parse_instant(
    field: &str,
    raw: &str,
    end_of_day: bool,
) -> Result<Timestamp, AppError> {
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Ok(ts);
    }
    let date: jiff::civil::Date = raw.parse().map_err(|_| {
        AppError::invalid(
            field,
            "invalid_date",
            "must be a date YYYY-MM-DD or an RFC 3339 instant",
        )
    })?;
    let date = if end_of_day {
        date.tomorrow()
            .map_err(|_| AppError::invalid(field, "invalid_date", "out of range"))?
    } else {
        date
    };
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|_| AppError::invalid(field, "invalid_date", "out of range"))
}

pub(crate) fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ListParams {
    /// Validates every parameter against the entity's allow-lists.
    pub fn parse(
        &self,
        sortable: &[&'static str],
        statuses: &[&str],
        sources: &[&str],
    ) -> Result<ListQuery, AppError> {
        let sort = match non_empty(&self.sort) {
            None => sortable[0],
            Some(s) => sortable.iter().copied().find(|k| *k == s).ok_or_else(|| {
                AppError::invalid(
                    "sort",
                    "invalid_sort",
                    format!("must be one of: {}", sortable.join(", ")),
                )
            })?,
        };
        let dir = match non_empty(&self.dir) {
            None | Some("desc") => SortDir::Desc,
            Some("asc") => SortDir::Asc,
            Some(_) => {
                return Err(AppError::invalid(
                    "dir",
                    "invalid_choice",
                    "must be asc or desc",
                ));
            }
        };
        let archived = match non_empty(&self.archived) {
            None | Some("active") => ArchivedFilter::Active,
            Some("archived") => ArchivedFilter::Archived,
            Some("any") => ArchivedFilter::Any,
            Some(_) => {
                return Err(AppError::invalid(
                    "archived",
                    "invalid_choice",
                    "must be active, archived or any",
                ));
            }
        };
        let choice = |field: &str,
                      value: &Option<String>,
                      allowed: &[&str]|
         -> Result<Option<String>, AppError> {
            match non_empty(value) {
                None => Ok(None),
                Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
                Some(_) if allowed.is_empty() => Err(AppError::invalid(
                    field,
                    "unsupported_filter",
                    "is not a filter of this list",
                )),
                Some(_) => Err(AppError::invalid(
                    field,
                    "invalid_choice",
                    format!("must be one of: {}", allowed.join(", ")),
                )),
            }
        };
        let owner = match non_empty(&self.owner) {
            None => None,
            Some(raw) => Some(
                raw.parse()
                    .map_err(|_| AppError::invalid("owner", "invalid_id", "must be a user id"))?,
            ),
        };
        let limit = self.limit.unwrap_or(ListQuery::DEFAULT_LIMIT);
        if !(1..=ListQuery::MAX_LIMIT).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                "out_of_range",
                format!("must be between 1 and {}", ListQuery::MAX_LIMIT),
            ));
        }
        let q = non_empty(&self.q).map(|q| q.chars().take(100).collect::<String>().to_lowercase());
        Ok(ListQuery {
            q,
            owner,
            status: choice("status", &self.status, statuses)?,
            source: choice("source", &self.source, sources)?,
            created_from: non_empty(&self.created_from)
                .map(|v| parse_instant("created_from", v, false))
                .transpose()?,
            created_to: non_empty(&self.created_to)
                .map(|v| parse_instant("created_to", v, true))
                .transpose()?,
            archived,
            sort,
            dir,
            after: non_empty(&self.cursor)
                .map(|c| Cursor::decode(c)?.check(sort, dir))
                .transpose()?,
            limit,
        })
    }
}

/// One page of a list and the cursor of the next page, if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            sort: "name".into(),
            descending: false,
            value: SortValue::Text("ada".into()),
            id: Uuid::nil(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("zz").is_err());
        let params = |sort: &str, dir: &str| ListParams {
            sort: Some(sort.into()),
            dir: Some(dir.into()),
            cursor: Some(c.encode()),
            ..Default::default()
        };
        assert!(
            params("name", "asc")
                .parse(&["created_at", "name"], &[], &[])
                .is_ok()
        );
        for (sort, dir) in [("name", "desc"), ("created_at", "asc")] {
            assert!(
                params(sort, dir)
                    .parse(&["created_at", "name"], &[], &[])
                    .is_err(),
                "{sort} {dir}"
            );
        }
        assert!(Cursor::decode(&hex::encode("[1]")).is_err());
    }

    #[test]
    fn params_are_checked_against_allow_lists() {
        let sortable = ["created_at", "name"];
        let ok = ListParams {
            sort: Some("name".into()),
            dir: Some("asc".into()),
            created_to: Some("2026-01-31".into()),
            ..Default::default()
        };
        let q = ok.parse(&sortable, &[], &[]).unwrap();
        assert_eq!((q.sort, q.dir), ("name", SortDir::Asc));
        assert_eq!(q.created_to.unwrap().to_string(), "2026-02-01T00:00:00Z");
        for bad in [
            ListParams {
                sort: Some("password_hash".into()),
                ..Default::default()
            },
            ListParams {
                dir: Some("sideways".into()),
                ..Default::default()
            },
            ListParams {
                status: Some("new".into()),
                ..Default::default()
            },
            ListParams {
                limit: Some(0),
                ..Default::default()
            },
            ListParams {
                created_from: Some("yesterday".into()),
                ..Default::default()
            },
            ListParams {
                owner: Some("1 OR 1=1".into()),
                ..Default::default()
            },
        ] {
            assert!(
                matches!(bad.parse(&sortable, &[], &[]), Err(AppError::Invalid(_))),
                "{bad:?}"
            );
        }
    }
}
