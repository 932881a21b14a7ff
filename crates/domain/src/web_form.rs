//! Web-to-lead forms: an admin or marketer chooses which lead fields a public form asks for,
//! the campaign its leads belong to and the thank-you text. The form is served at a public
//! URL named by an unguessable token and can be embedded in any web site.

use std::collections::{BTreeMap, HashMap};

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::{CampaignId, WebFormId, optional_id};
use crate::lead::LeadInput;
use crate::record::{RecordMeta, merged};
use crate::text::{Name, optional_text};
use serde::{Deserialize, Serialize};

/// The lead fields a form can ask for, with their labels.
pub const FORM_FIELDS: &[(&str, &str)] = &[
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("company", "Company"),
    ("title", "Job title"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("notes", "Message"),
];

/// The UTM parameters kept on a lead as its source attribution.
pub const UTM_KEYS: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// The hidden field people leave empty and spam robots fill in.
pub const HONEYPOT: &str = "website";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormField {
    pub field: String,
    pub required: bool,
}

impl FormField {
    pub fn label(&self) -> &'static str {
        FORM_FIELDS
            .iter()
            .find(|(f, _)| *f == self.field)
            .map_or("", |(_, l)| l)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebFormDetails {
    #[schema(value_type = String)]
    pub name: Name,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub campaign_id: Option<CampaignId>,
    /// As written in the definition: "first_name, last_name*, email*".
    #[serde(serialize_with = "serialize_fields")]
    #[schema(value_type = String)]
    pub fields: Vec<FormField>,
    pub thank_you: String,
    /// Inactive forms answer 404 and take no submissions.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebForm {
    #[schema(value_type = String, format = Uuid)]
    pub id: WebFormId,
    #[serde(flatten)]
    pub details: WebFormDetails,
    /// The public name of the form in its URL (`/f/{token}`): 128 random bits.
    pub token: String,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Raw form definition; `fields` is a list such as "first_name, last_name*, email*, company"
/// (a star marks a required field; last name is always asked and required).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebFormInput {
    pub name: Option<String>,
    pub campaign_id: Option<String>,
    pub fields: Option<String>,
    pub thank_you: Option<String>,
    /// "true" (default) or "false".
    pub active: Option<String>,
    /// Who receives the leads.
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

/// "first_name, last_name*, email*" → the form's fields.
pub fn parse_fields(raw: &str) -> Result<Vec<FormField>, FieldError> {
    let mut fields: Vec<FormField> = Vec::new();
    for part in raw
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (name, required) = match part.strip_suffix('*') {
            Some(name) => (name.trim(), true),
            None => (part, false),
        };
        if !FORM_FIELDS.iter().any(|(f, _)| *f == name) {
            let known: Vec<&str> = FORM_FIELDS.iter().map(|(f, _)| *f).collect();
            return Err(FieldError::new(
                "fields",
                "unknown_field",
                format!("'{name}' is not a lead field; use: {}", known.join(", ")),
            ));
        }
        if fields.iter().any(|f| f.field == name) {
            return Err(FieldError::new(
                "fields",
                "duplicate_field",
                format!("'{name}' is listed twice"),
            ));
        }
        fields.push(FormField {
            field: name.to_string(),
            required,
        });
    }
    match fields.iter_mut().find(|f| f.field == "last_name") {
        Some(last) => last.required = true,
        None => fields.insert(
            0,
            FormField {
                field: "last_name".into(),
                required: true,
            },
        ),
    }
    Ok(fields)
}

fn serialize_fields<S: serde::Serializer>(fields: &[FormField], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fields_text(fields))
}

/// The fields as the definition text shows them.
pub fn fields_text(fields: &[FormField]) -> String {
    fields
        .iter()
        .map(|f| format!("{}{}", f.field, if f.required { "*" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

impl WebFormDetails {
    pub fn parse(
        input: &WebFormInput,
        current: Option<&WebFormDetails>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let cur = |f: fn(&WebFormDetails) -> Option<String>| current.and_then(f);
        let name = errors.take(Name::parse(
            "name",
            merged(cur(|d| Some(d.name.to_string())).as_deref(), &input.name)
                .as_deref()
                .unwrap_or(""),
        ));
        let campaign_id = errors.take(optional_id(
            "campaign_id",
            merged(
                cur(|d| d.campaign_id.map(|c| c.to_string())).as_deref(),
                &input.campaign_id,
            )
            .as_deref(),
        ));
        let fields = errors.take(parse_fields(
            &merged(
                cur(|d| Some(fields_text(&d.fields))).as_deref(),
                &input.fields,
            )
            .unwrap_or_else(|| "first_name, last_name*, company, email*, phone".into()),
        ));
        let thank_you = errors.take(optional_text(
            "thank_you",
            merged(
                cur(|d| Some(d.thank_you.clone())).as_deref(),
                &input.thank_you,
            )
            .as_deref(),
            2_000,
        ));
        let active = match input.active.as_deref().map(str::trim) {
            None | Some("") => Some(current.is_none_or(|d| d.active)),
            Some("true" | "on" | "1") => Some(true),
            Some("false" | "off" | "0") => Some(false),
            Some(_) => errors.take(Err(FieldError::new(
                "active",
                "invalid_choice",
                "must be true or false",
            ))),
        };
        match (name, campaign_id, fields, thank_you, active) {
            (Some(name), Some(campaign_id), Some(fields), Some(thank_you), Some(active))
                if errors.is_empty() =>
            {
                Ok(Self {
                    name,
                    campaign_id,
                    fields,
                    thank_you: thank_you
                        .unwrap_or_else(|| "Thank you! We will be in touch soon.".into()),
                    active,
                })
            }
            _ => Err(errors),
        }
    }
}

impl Fields for WebForm {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("name", Some(d.name.to_string())),
            ("campaign_id", d.campaign_id.map(|c| c.to_string())),
            ("fields", Some(fields_text(&d.fields))),
            ("thank_you", Some(d.thank_you.clone())),
            ("active", Some(d.active.to_string())),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl WebForm {
    pub fn new(
        id: WebFormId,
        details: WebFormDetails,
        token: String,
        meta: RecordMeta,
    ) -> (Self, Change) {
        let form = Self {
            id,
            details,
            token,
            meta,
        };
        let change = Change::new("created", changes::created(&form));
        (form, change)
    }

    /// Turns a submission into lead input (source web form, the form's campaign) and its UTM
    /// attribution; a required field left empty is reported like any other bad input.
    pub fn submission(
        &self,
        values: &HashMap<String, String>,
    ) -> Result<(LeadInput, BTreeMap<String, String>), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut input = LeadInput {
            source: Some("web_form".into()),
            campaign_id: self.details.campaign_id.map(|c| c.to_string()),
            ..Default::default()
        };
        for f in &self.details.fields {
            let value = values
                .get(&f.field)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty());
            if f.required && value.is_none() {
                errors.add(&f.field, "required", "is required");
            }
            let slot = match f.field.as_str() {
                "first_name" => &mut input.first_name,
                "last_name" => &mut input.last_name,
                "company" => &mut input.company,
                "title" => &mut input.title,
                "email" => &mut input.email,
                "phone" => &mut input.phone,
                _ => &mut input.notes,
            };
            *slot = value;
        }
        errors.into_result()?;
        let utm: BTreeMap<String, String> = UTM_KEYS
            .iter()
            .filter_map(|k| {
                let v = values.get(*k)?.trim();
                (!v.is_empty()).then(|| (k.to_string(), v.chars().take(200).collect()))
            })
            .collect();
        if let Some(campaign) = utm.get("utm_campaign") {
            input.campaign = Some(campaign.clone());
        }
        Ok((input, utm))
    }
}

impl crate::record::Owned for WebForm {
    type Details = WebFormDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: WebFormDetails) -> Self {
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
    fn field_lists_parse_and_always_ask_for_the_last_name() {
        let fields = parse_fields("first_name, email*, company").unwrap();
        assert_eq!(
            fields_text(&fields),
            "last_name*, first_name, email*, company"
        );
        assert!(parse_fields("email, password").is_err());
        assert!(parse_fields("email, email").is_err());
    }

    #[test]
    fn submissions_need_required_fields_and_keep_utm() {
        let details = WebFormDetails::parse(
            &WebFormInput {
                name: Some("Contact us".into()),
                fields: Some("first_name, last_name*, email*".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
        let (form, _) = WebForm::new(
            WebFormId(uuid::Uuid::nil()),
            details,
            "t".into(),
            RecordMeta::new(
                crate::ids::UserId(uuid::Uuid::nil()),
                None,
                jiff::Timestamp::UNIX_EPOCH,
            ),
        );
        let values = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let err = form
            .submission(&values(&[("last_name", "Lovelace")]))
            .unwrap_err();
        assert_eq!(err.0[0].field, "email");
        let (input, utm) = form
            .submission(&values(&[
                ("last_name", " Lovelace "),
                ("email", "ada@x.example"),
                ("company", "ignored: not on this form"),
                ("utm_source", "newsletter"),
                ("utm_campaign", "spring"),
            ]))
            .unwrap();
        assert_eq!(input.last_name.as_deref(), Some("Lovelace"));
        assert_eq!(input.company, None);
        assert_eq!(input.source.as_deref(), Some("web_form"));
        assert_eq!(input.campaign.as_deref(), Some("spring"));
        assert_eq!(utm.len(), 2);
    }
}
