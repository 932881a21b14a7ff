//! Leads: people who might buy, from first capture to qualification.

use crate::changes::{self, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::{AccountId, CampaignId, ContactId, LeadId, OpportunityId, optional_id};
use crate::record::{RecordMeta, merged};
use crate::text::{Email, Name, optional_phone, optional_text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Working,
    Nurturing,
    Qualified,
    Disqualified,
    /// Turned into account, contact and opportunity; final.
    Converted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadAction {
    /// A rep starts working the lead.
    Work,
    /// Not ready to buy yet: keep in touch over time.
    Nurture,
    Qualify,
    /// Requires a reason.
    Disqualify,
    /// Take a qualified or disqualified lead back into work.
    Reopen,
    /// Turn a qualified lead into account, contact and opportunity (the convert use case).
    Convert,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    Manual,
    WebForm,
    Import,
    Api,
    Referral,
    Event,
    ColdCall,
    Partner,
    Advertising,
    Other,
}

string_enum!(LeadStatus { New => "new", Working => "working", Nurturing => "nurturing", Qualified => "qualified", Disqualified => "disqualified", Converted => "converted" });
string_enum!(LeadAction { Work => "work", Nurture => "nurture", Qualify => "qualify", Disqualify => "disqualify", Reopen => "reopen", Convert => "convert" });
string_enum!(LeadSource {
    Manual => "manual", WebForm => "web_form", Import => "import", Api => "api", Referral => "referral",
    Event => "event", ColdCall => "cold_call", Partner => "partner", Advertising => "advertising", Other => "other",
});

impl LeadStatus {
    pub fn label(self) -> &'static str {
        match self {
            LeadStatus::New => "New",
            LeadStatus::Working => "Working",
            LeadStatus::Nurturing => "Nurturing",
            LeadStatus::Qualified => "Qualified",
            LeadStatus::Disqualified => "Disqualified",
            LeadStatus::Converted => "Converted",
        }
    }

    /// The status actions that are legal from this status, for offering buttons (converting
    /// has its own form).
    pub fn actions(self) -> Vec<LeadAction> {
        LeadAction::ALL
            .iter()
            .copied()
            .filter(|a| *a != LeadAction::Convert && next_status(self, *a).is_some())
            .collect()
    }
}

/// The lead state machine: the status an action leads to, or `None` when it is not allowed.
pub fn next_status(from: LeadStatus, action: LeadAction) -> Option<LeadStatus> {
    use LeadAction as A;
    use LeadStatus as S;
    match (from, action) {
        (S::New | S::Nurturing, A::Work) => Some(S::Working),
        (S::New | S::Working, A::Nurture) => Some(S::Nurturing),
        (S::New | S::Working | S::Nurturing, A::Qualify) => Some(S::Qualified),
        (S::New | S::Working | S::Nurturing, A::Disqualify) => Some(S::Disqualified),
        (S::Qualified | S::Disqualified, A::Reopen) => Some(S::Working),
        (S::Qualified, A::Convert) => Some(S::Converted),
        (S::New | S::Working | S::Nurturing, A::Reopen | A::Convert)
        | (S::Working, A::Work)
        | (S::Nurturing, A::Nurture)
        | (S::Disqualified, A::Convert)
        | (S::Qualified | S::Disqualified, A::Work | A::Nurture | A::Qualify | A::Disqualify)
        | (S::Converted, _) => None,
    }
}

/// The fields a user edits on a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LeadDetails {
    pub first_name: Option<String>,
    #[schema(value_type = String)]
    pub last_name: Name,
    pub company: Option<String>,
    pub title: Option<String>,
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub source: LeadSource,
    /// Free-text campaign code (e.g. the UTM campaign of a web form submission).
    pub campaign: Option<String>,
    /// The campaign the lead came from.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub campaign_id: Option<CampaignId>,
    pub notes: Option<String>,
}

/// A lead as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Lead {
    #[schema(value_type = String, format = Uuid)]
    pub id: LeadId,
    #[serde(flatten)]
    pub details: LeadDetails,
    pub status: LeadStatus,
    pub disqualify_reason: Option<String>,
    /// Answers to the company's qualification criteria (criterion key → met).
    #[schema(value_type = Object)]
    pub criteria: BTreeMap<String, bool>,
    /// What the lead became when converted.
    pub conversion: Option<Conversion>,
    /// Where it came from, as the web form submission said (UTM parameters).
    #[schema(value_type = Object)]
    pub attribution: BTreeMap<String, String>,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// The records a converted lead became; they carry its history on (the opportunity continues
/// the lead's process case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Conversion {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    #[schema(value_type = String, format = Uuid)]
    pub contact_id: ContactId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub opportunity_id: Option<OpportunityId>,
}

/// Raw lead input from a form, the API or an import. On update, a missing field keeps its value
/// and an empty string clears it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// One of: manual, web_form, import, api, referral, event, cold_call, partner, advertising, other.
    pub source: Option<String>,
    pub campaign: Option<String>,
    /// The id of the lead's campaign.
    pub campaign_id: Option<String>,
    pub notes: Option<String>,
    /// Another user to own the lead (needs the right to assign).
    pub owner_id: Option<String>,
    /// Required on update: the version the change was based on.
    pub version: Option<i64>,
}

fn parse_enum<T: FromStr<Err = String>>(field: &str, raw: &str) -> Result<T, FieldError> {
    raw.trim().parse().map_err(|message| FieldError {
        field: field.to_string(),
        code: "invalid_choice",
        message,
    })
}

impl LeadDetails {
    /// Parses the input over `current` (or over nothing, for a new lead).
    pub fn parse(
        input: &LeadInput,
        current: Option<&LeadDetails>,
        default_source: LeadSource,
    ) -> Result<Self, ValidationErrors> {
        let cur = |f: fn(&LeadDetails) -> Option<&str>| current.and_then(f);
        let first_name = merged(cur(|d| d.first_name.as_deref()), &input.first_name);
        let last_name = merged(cur(|d| Some(d.last_name.as_str())), &input.last_name);
        let company = merged(cur(|d| d.company.as_deref()), &input.company);
        let title = merged(cur(|d| d.title.as_deref()), &input.title);
        let email = merged(cur(|d| d.email.as_ref().map(Email::as_str)), &input.email);
        let phone = merged(cur(|d| d.phone.as_deref()), &input.phone);
        let campaign = merged(cur(|d| d.campaign.as_deref()), &input.campaign);
        let campaign_id = merged(
            current
                .and_then(|d| d.campaign_id.map(|c| c.to_string()))
                .as_deref(),
            &input.campaign_id,
        );
        let notes = merged(cur(|d| d.notes.as_deref()), &input.notes);

        let mut errors = ValidationErrors::default();
        let first_name = errors.take(optional_text(
            "first_name",
            first_name.as_deref(),
            Name::MAX,
        ));
        let last_name = errors.take(Name::parse("last_name", last_name.as_deref().unwrap_or("")));
        let company = errors.take(optional_text("company", company.as_deref(), Name::MAX));
        let title = errors.take(optional_text("title", title.as_deref(), Name::MAX));
        let email = errors.take(Email::parse_optional("email", email.as_deref()));
        let phone = errors.take(optional_phone("phone", phone.as_deref()));
        let campaign = errors.take(optional_text("campaign", campaign.as_deref(), Name::MAX));
        let campaign_id = errors.take(optional_id("campaign_id", campaign_id.as_deref()));
        let notes = errors.take(optional_text("notes", notes.as_deref(), 10_000));
        let source = match input.source.as_deref().map(str::trim) {
            None | Some("") => Some(current.map(|d| d.source).unwrap_or(default_source)),
            Some(raw) => errors.take(parse_enum("source", raw)),
        };
        match (
            first_name,
            last_name,
            company,
            title,
            email,
            phone,
            campaign,
            campaign_id,
            notes,
            source,
        ) {
            (
                Some(first_name),
                Some(last_name),
                Some(company),
                Some(title),
                Some(email),
                Some(phone),
                Some(campaign),
                Some(campaign_id),
                Some(notes),
                Some(source),
            ) if errors.is_empty() => Ok(Self {
                first_name,
                last_name,
                company,
                title,
                email,
                phone,
                source,
                campaign,
                campaign_id,
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

impl Fields for Lead {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("first_name", d.first_name.clone()),
            ("last_name", Some(d.last_name.to_string())),
            ("company", d.company.clone()),
            ("title", d.title.clone()),
            ("email", d.email.as_ref().map(ToString::to_string)),
            ("phone", d.phone.clone()),
            ("source", Some(d.source.to_string())),
            ("campaign", d.campaign.clone()),
            ("campaign_id", d.campaign_id.map(|c| c.to_string())),
            ("notes", d.notes.clone()),
            ("status", Some(self.status.to_string())),
            ("disqualify_reason", self.disqualify_reason.clone()),
            (
                "converted_account_id",
                self.conversion.as_ref().map(|c| c.account_id.to_string()),
            ),
            (
                "converted_contact_id",
                self.conversion.as_ref().map(|c| c.contact_id.to_string()),
            ),
            (
                "converted_opportunity_id",
                self.conversion
                    .as_ref()
                    .and_then(|c| c.opportunity_id.map(|o| o.to_string())),
            ),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a lead that is {from} cannot {action}")]
    NotAllowed {
        from: LeadStatus,
        action: LeadAction,
    },
    #[error("disqualifying a lead needs a reason")]
    ReasonRequired,
    #[error("converting a lead creates records; use the convert action")]
    UseConvert,
}

impl Lead {
    pub fn new(id: LeadId, details: LeadDetails, meta: RecordMeta) -> (Self, Change) {
        let lead = Self {
            id,
            details,
            status: LeadStatus::New,
            disqualify_reason: None,
            criteria: BTreeMap::new(),
            conversion: None,
            attribution: BTreeMap::new(),
            meta,
        };
        let change = Change::transition(
            "created",
            "none",
            LeadStatus::New.as_str(),
            changes::created(&lead),
        );
        (lead, change)
    }

    /// Applies a status action through the state machine.
    pub fn transition(
        &self,
        action: LeadAction,
        reason: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<(Self, Change), TransitionError> {
        if action == LeadAction::Convert {
            return Err(TransitionError::UseConvert);
        }
        let to = next_status(self.status, action).ok_or(TransitionError::NotAllowed {
            from: self.status,
            action,
        })?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let disqualify_reason = match action {
            LeadAction::Disqualify => Some(
                reason
                    .ok_or(TransitionError::ReasonRequired)?
                    .chars()
                    .take(500)
                    .collect(),
            ),
            _ => None,
        };
        let next = Self {
            status: to,
            disqualify_reason,
            meta: self.meta.next(now),
            ..self.clone()
        };
        let fields = changes::diff(self, &next);
        Ok((
            next.clone(),
            Change::transition("status_changed", self.status.as_str(), to.as_str(), fields),
        ))
    }
}

impl Lead {
    /// Converts a qualified lead: status converted, links to what it became.
    pub fn convert(
        &self,
        conversion: Conversion,
        now: jiff::Timestamp,
    ) -> Result<(Self, Change), TransitionError> {
        let to =
            next_status(self.status, LeadAction::Convert).ok_or(TransitionError::NotAllowed {
                from: self.status,
                action: LeadAction::Convert,
            })?;
        let next = Self {
            status: to,
            conversion: Some(conversion),
            meta: self.meta.next(now),
            ..self.clone()
        };
        let fields = changes::diff(self, &next);
        Ok((
            next.clone(),
            Change::transition("converted", self.status.as_str(), to.as_str(), fields),
        ))
    }

    /// Records answers to qualification criteria (only `known` keys); `None` when nothing
    /// changed. The event lists each changed answer.
    pub fn answer_criteria(
        &self,
        answers: &BTreeMap<String, bool>,
        known: &[&str],
        now: jiff::Timestamp,
    ) -> Result<Option<(Self, Change)>, crate::ValidationErrors> {
        let mut errors = crate::ValidationErrors::default();
        for key in answers.keys() {
            if !known.contains(&key.as_str()) {
                errors.add(
                    &format!("answers.{key}"),
                    "unknown_criterion",
                    format!("is not a criterion; known: {}", known.join(", ")),
                );
            }
        }
        errors.into_result()?;
        let yes_no = |v: Option<&bool>| v.map(|b| if *b { "yes" } else { "no" }.to_string());
        let fields: Vec<changes::FieldChange> = answers
            .iter()
            .filter(|(k, v)| self.criteria.get(*k) != Some(*v))
            .map(|(k, v)| changes::FieldChange {
                field: k.clone(),
                old: yes_no(self.criteria.get(k)),
                new: yes_no(Some(v)),
            })
            .collect();
        if fields.is_empty() {
            return Ok(None);
        }
        let mut criteria = self.criteria.clone();
        criteria.extend(answers.iter().map(|(k, v)| (k.clone(), *v)));
        let next = Self {
            criteria,
            meta: self.meta.next(now),
            ..self.clone()
        };
        Ok(Some((next, Change::new("criteria_answered", fields))))
    }
}

impl crate::record::Mergeable for Lead {
    fn merged_details(&self, other: &Lead) -> LeadDetails {
        use crate::record::either;
        let (a, b) = (&self.details, &other.details);
        LeadDetails {
            first_name: either(&a.first_name, &b.first_name),
            company: either(&a.company, &b.company),
            title: either(&a.title, &b.title),
            email: a.email.clone().or_else(|| b.email.clone()),
            phone: either(&a.phone, &b.phone),
            campaign: either(&a.campaign, &b.campaign),
            campaign_id: a.campaign_id.or(b.campaign_id),
            notes: either(&a.notes, &b.notes),
            ..a.clone()
        }
    }
}

impl crate::record::Owned for Lead {
    type Details = LeadDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: LeadDetails) -> Self {
        Self {
            details,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests;
