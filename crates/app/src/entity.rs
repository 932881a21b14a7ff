//! The owned business records (accounts, contacts, leads) seen through one trait, so creating,
//! editing, archiving, listing and reading work the same way for each.

use salesflow_domain::ValidationErrors;
use salesflow_domain::account::{Account, AccountDetails, AccountInput};
use salesflow_domain::authz::Resource;
use salesflow_domain::contact::{Contact, ContactDetails, ContactInput};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::{AccountId, ContactId, LeadId};
use salesflow_domain::lead::{Lead, LeadDetails, LeadInput, LeadSource, LeadStatus};
use salesflow_domain::record::{Owned, Owner, RecordMeta};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::ports::{RecordStore, Store};

/// Where a new record came from (sets the default lead source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Ui,
    Api,
    Import,
}

pub trait Entity: Owned + Serialize + Send + Sync + 'static {
    type Input: DeserializeOwned + Send + Sync;
    const ENTITY: EntityType;
    const RESOURCE: Resource;
    /// Allowed sort keys; the first is the default.
    const SORTABLE: &'static [&'static str];
    const STATUSES: &'static [&'static str] = &[];
    const SOURCES: &'static [&'static str] = &[];

    fn uuid(&self) -> Uuid;
    fn meta(&self) -> &RecordMeta;
    fn display_name(&self) -> String;
    /// The process case this record belongs to (a lead starts its own case).
    fn case_id(&self) -> Uuid {
        self.uuid()
    }
    fn create(
        id: Uuid,
        input: &Self::Input,
        meta: RecordMeta,
        origin: Origin,
    ) -> Result<(Self, Change), ValidationErrors>;
    /// Applies an edit; `Ok(None)` when nothing changed.
    fn apply(
        &self,
        input: &Self::Input,
        owner: Option<Owner>,
        now: jiff::Timestamp,
    ) -> Result<Option<(Self, Change)>, ValidationErrors>;
    fn input_owner(input: &Self::Input) -> Option<&str>;
    fn input_version(input: &Self::Input) -> Option<i64>;
    /// An account this record points to, which must exist and be visible to the writer.
    fn account_ref(&self) -> Option<Uuid> {
        None
    }
    /// This record type's storage port.
    fn store(store: &dyn Store) -> &dyn RecordStore<Self>;
}

/// The methods every owned record implements the same way: id, meta, the owner and version
/// fields of its input, and its storage port.
macro_rules! common_entity_methods {
    ($input:ty) => {
        fn uuid(&self) -> Uuid {
            self.id.0
        }
        fn meta(&self) -> &RecordMeta {
            &self.meta
        }
        fn input_owner(input: &$input) -> Option<&str> {
            input.owner_id.as_deref()
        }
        fn input_version(input: &$input) -> Option<i64> {
            input.version
        }
        fn store(store: &dyn Store) -> &dyn RecordStore<Self> {
            store
        }
    };
}

impl Entity for Lead {
    type Input = LeadInput;
    const ENTITY: EntityType = EntityType::Lead;
    const RESOURCE: Resource = Resource::Lead;
    const SORTABLE: &'static [&'static str] =
        &["created_at", "updated_at", "last_name", "company", "status"];
    const STATUSES: &'static [&'static str] =
        &["new", "working", "nurturing", "qualified", "disqualified"];
    const SOURCES: &'static [&'static str] = &[
        "manual",
        "web_form",
        "import",
        "api",
        "referral",
        "event",
        "cold_call",
        "partner",
        "advertising",
        "other",
    ];

    common_entity_methods!(LeadInput);
    fn display_name(&self) -> String {
        self.details.full_name()
    }
    fn create(
        id: Uuid,
        input: &LeadInput,
        meta: RecordMeta,
        origin: Origin,
    ) -> Result<(Self, Change), ValidationErrors> {
        let source = match origin {
            Origin::Ui => LeadSource::Manual,
            Origin::Api => LeadSource::Api,
            Origin::Import => LeadSource::Import,
        };
        let details = LeadDetails::parse(input, None, source)?;
        Ok(Lead::new(LeadId(id), details, meta))
    }
    fn apply(
        &self,
        input: &LeadInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let details = LeadDetails::parse(input, Some(&self.details), self.details.source)?;
        Ok(self.edit(details, owner, now))
    }
}

impl Entity for Account {
    type Input = AccountInput;
    const ENTITY: EntityType = EntityType::Account;
    const RESOURCE: Resource = Resource::Account;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "city"];

    common_entity_methods!(AccountInput);
    fn display_name(&self) -> String {
        self.details.name.to_string()
    }
    fn create(
        id: Uuid,
        input: &AccountInput,
        meta: RecordMeta,
        _: Origin,
    ) -> Result<(Self, Change), ValidationErrors> {
        Ok(Account::new(
            AccountId(id),
            AccountDetails::parse(input, None)?,
            meta,
        ))
    }
    fn apply(
        &self,
        input: &AccountInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        Ok(self.edit(
            AccountDetails::parse(input, Some(&self.details))?,
            owner,
            now,
        ))
    }
}

impl Entity for Contact {
    type Input = ContactInput;
    const ENTITY: EntityType = EntityType::Contact;
    const RESOURCE: Resource = Resource::Contact;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "last_name"];

    common_entity_methods!(ContactInput);
    fn display_name(&self) -> String {
        self.details.full_name()
    }
    fn create(
        id: Uuid,
        input: &ContactInput,
        meta: RecordMeta,
        _: Origin,
    ) -> Result<(Self, Change), ValidationErrors> {
        Ok(Contact::new(
            ContactId(id),
            ContactDetails::parse(input, None)?,
            meta,
        ))
    }
    fn apply(
        &self,
        input: &ContactInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        Ok(self.edit(
            ContactDetails::parse(input, Some(&self.details))?,
            owner,
            now,
        ))
    }
    fn account_ref(&self) -> Option<Uuid> {
        self.details.account_id.map(|a| a.0)
    }
}

/// Lead status as stored text, for the dashboard's grouping.
pub fn lead_status_label(raw: &str) -> &'static str {
    raw.parse::<LeadStatus>()
        .map(LeadStatus::label)
        .unwrap_or("Unknown")
}
