//! Contacts: the people at customer accounts.

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::{AccountId, ContactId};
use crate::record::{RecordMeta, merged};
use crate::text::{Email, Name, optional_phone, optional_text};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContactDetails {
    #[schema(value_type = Option<String>, format = Uuid)]
    pub account_id: Option<AccountId>,
    pub first_name: Option<String>,
    #[schema(value_type = String)]
    pub last_name: Name,
    pub title: Option<String>,
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Contact {
    #[schema(value_type = String, format = Uuid)]
    pub id: ContactId,
    #[serde(flatten)]
    pub details: ContactDetails,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Raw contact input. On update, a missing field keeps its value and "" clears it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// The account (company) the contact works for.
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

fn parse_account_id(raw: Option<&str>) -> Result<Option<AccountId>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| FieldError {
            field: "account_id".into(),
            code: "invalid_id",
            message: "must be an account id".into(),
        }),
    }
}

impl ContactDetails {
    pub fn parse(
        input: &ContactInput,
        current: Option<&ContactDetails>,
    ) -> Result<Self, ValidationErrors> {
        let cur = |f: fn(&ContactDetails) -> Option<String>| current.and_then(f);
        let mut errors = ValidationErrors::default();
        let account_id = errors.take(parse_account_id(
            merged(
                cur(|d| d.account_id.map(|a| a.to_string())).as_deref(),
                &input.account_id,
            )
            .as_deref(),
        ));
        let first_name = errors.take(optional_text(
            "first_name",
            merged(cur(|d| d.first_name.clone()).as_deref(), &input.first_name).as_deref(),
            Name::MAX,
        ));
        let last_name = errors.take(Name::parse(
            "last_name",
            merged(
                cur(|d| Some(d.last_name.to_string())).as_deref(),
                &input.last_name,
            )
            .as_deref()
            .unwrap_or(""),
        ));
        let title = errors.take(optional_text(
            "title",
            merged(cur(|d| d.title.clone()).as_deref(), &input.title).as_deref(),
            Name::MAX,
        ));
        let email = errors.take(Email::parse_optional(
            "email",
            merged(
                cur(|d| d.email.as_ref().map(ToString::to_string)).as_deref(),
                &input.email,
            )
            .as_deref(),
        ));
        let phone = errors.take(optional_phone(
            "phone",
            merged(cur(|d| d.phone.clone()).as_deref(), &input.phone).as_deref(),
        ));
        let notes = errors.take(optional_text(
            "notes",
            merged(cur(|d| d.notes.clone()).as_deref(), &input.notes).as_deref(),
            10_000,
        ));
        match (
            account_id, first_name, last_name, title, email, phone, notes,
        ) {
            (
                Some(account_id),
                Some(first_name),
                Some(last_name),
                Some(title),
                Some(email),
                Some(phone),
                Some(notes),
            ) if errors.is_empty() => Ok(Self {
                account_id,
                first_name,
                last_name,
                title,
                email,
                phone,
                notes,
            }),
            _ => Err(errors),
        }
    }

    pub fn full_name(&self) -> String {
        match &self.first_name {
            Some(first) => format!("{first} {}", self.last_name),
            None => self.last_name.to_string(),
        }
    }
}

impl Fields for Contact {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("account_id", d.account_id.map(|a| a.to_string())),
            ("first_name", d.first_name.clone()),
            ("last_name", Some(d.last_name.to_string())),
            ("title", d.title.clone()),
            ("email", d.email.as_ref().map(ToString::to_string)),
            ("phone", d.phone.clone()),
            ("notes", d.notes.clone()),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Contact {
    pub fn new(id: ContactId, details: ContactDetails, meta: RecordMeta) -> (Self, Change) {
        let contact = Self { id, details, meta };
        let change = Change::new("created", changes::created(&contact));
        (contact, change)
    }
}

impl crate::record::Mergeable for Contact {
    fn merged_details(&self, other: &Contact) -> ContactDetails {
        use crate::record::either;
        let (a, b) = (&self.details, &other.details);
        ContactDetails {
            account_id: a.account_id.or(b.account_id),
            first_name: either(&a.first_name, &b.first_name),
            title: either(&a.title, &b.title),
            email: a.email.clone().or_else(|| b.email.clone()),
            phone: either(&a.phone, &b.phone),
            notes: either(&a.notes, &b.notes),
            ..a.clone()
        }
    }
}

impl crate::record::Owned for Contact {
    type Details = ContactDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: ContactDetails) -> Self {
        Self {
            details,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_must_be_an_id() {
        let input = ContactInput {
            last_name: Some("Hopper".into()),
            account_id: Some("42".into()),
            ..Default::default()
        };
        let errors = ContactDetails::parse(&input, None).unwrap_err();
        assert_eq!(errors.0[0].code, "invalid_id");
    }
}
