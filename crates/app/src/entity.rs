//! The owned business records (accounts, contacts, leads) seen through one trait, so creating,
//! editing, archiving, listing and reading work the same way for each.

use salesflow_domain::ValidationErrors;
use salesflow_domain::account::{Account, AccountDetails, AccountInput};
use salesflow_domain::activity::{Activity, ActivityDetails, ActivityInput, parse_related};
use salesflow_domain::authz::Resource;
use salesflow_domain::campaign::{Campaign, CampaignDetails, CampaignInput};
use salesflow_domain::contact::{Contact, ContactDetails, ContactInput};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::{
    AccountId, ActivityId, CampaignId, ContactId, LeadId, OpportunityId, StageId, WebFormId,
};
use salesflow_domain::lead::{Lead, LeadDetails, LeadInput, LeadSource, LeadStatus};
use salesflow_domain::money::Currency;
use salesflow_domain::opportunity::{Opportunity, OpportunityDetails, OpportunityInput};
use salesflow_domain::pipeline::Pipeline;
use salesflow_domain::record::{Owned, Owner, RecordMeta};
use salesflow_domain::web_form::{WebForm, WebFormDetails, WebFormInput};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::AppResult;
use crate::ports::{RecordStore, Store};
use crate::{Actor, App};

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
    /// Whether people create these records themselves. Documents another step makes (an order
    /// from an accepted quote, a delivery from a pick release, an invoice from an order) are
    /// not: no create route or form exists for them.
    const CREATABLE: bool = true;

    /// What creating a record needs besides its input, loaded before the pure `create`
    /// (an opportunity's pipeline, say).
    type Context: Send + Sync;

    fn context(
        app: &App,
        actor: &Actor,
        input: &Self::Input,
    ) -> impl std::future::Future<Output = AppResult<Self::Context>> + Send;

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
        context: &Self::Context,
    ) -> Result<(Self, Change), ValidationErrors>;
    /// What an edit needs besides its input (the tax categories a product may use, say).
    type EditContext: Send + Sync;

    fn edit_context(
        app: &App,
        actor: &Actor,
        record: &Self,
        input: &Self::Input,
    ) -> impl std::future::Future<Output = AppResult<Self::EditContext>> + Send;

    /// Applies an edit; `Ok(None)` when nothing changed.
    fn apply(
        &self,
        input: &Self::Input,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        context: &Self::EditContext,
    ) -> Result<Option<(Self, Change)>, ValidationErrors>;
    fn input_owner(input: &Self::Input) -> Option<&str>;
    fn input_version(input: &Self::Input) -> Option<i64>;
    /// An account this record points to, which must exist and be visible to the writer.
    fn account_ref(&self) -> Option<Uuid> {
        None
    }
    /// A contact this record points to, which must exist, be visible to the writer and work
    /// at the record's account when both are set.
    fn contact_ref(&self) -> Option<Uuid> {
        None
    }
    /// An opportunity this record belongs to: a writer who may see it may also name its
    /// account and contact (a deal handed over keeps its customer in reach).
    fn opportunity_ref(&self) -> Option<Uuid> {
        None
    }
    /// The values that make another record of the kind a likely duplicate.
    fn duplicate_keys(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// A campaign this record points to, which must exist.
    fn campaign_ref(&self) -> Option<Uuid> {
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

/// For records whose edits need nothing but their input.
macro_rules! no_edit_context {
    ($input:ty) => {
        type EditContext = ();
        async fn edit_context(_: &App, _: &Actor, _: &Self, _: &$input) -> AppResult<()> {
            Ok(())
        }
    };
}

/// For records whose creation needs nothing but their input.
macro_rules! no_context {
    ($input:ty) => {
        type Context = ();
        async fn context(_: &App, _: &Actor, _: &$input) -> AppResult<()> {
            Ok(())
        }
    };
}

impl Entity for Lead {
    type Input = LeadInput;
    const ENTITY: EntityType = EntityType::Lead;
    const RESOURCE: Resource = Resource::Lead;
    const SORTABLE: &'static [&'static str] =
        &["created_at", "updated_at", "last_name", "company", "status"];
    const STATUSES: &'static [&'static str] = &[
        "new",
        "working",
        "nurturing",
        "qualified",
        "disqualified",
        "converted",
    ];
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
    no_edit_context!(LeadInput);
    no_context!(LeadInput);
    fn display_name(&self) -> String {
        self.details.full_name()
    }
    fn create(
        id: Uuid,
        input: &LeadInput,
        meta: RecordMeta,
        origin: Origin,
        _: &(),
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
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let details = LeadDetails::parse(input, Some(&self.details), self.details.source)?;
        Ok(self.edit(details, owner, now))
    }
    fn campaign_ref(&self) -> Option<Uuid> {
        self.details.campaign_id.map(|c| c.0)
    }
    fn duplicate_keys(&self) -> Vec<(&'static str, String)> {
        person_keys(&self.details.email, &self.details.phone)
    }
}

/// E-mail and phone of a person, as duplicate keys.
fn person_keys(
    email: &Option<salesflow_domain::text::Email>,
    phone: &Option<String>,
) -> Vec<(&'static str, String)> {
    let mut keys = Vec::new();
    if let Some(email) = email {
        keys.push(("email", email.to_string()));
    }
    if let Some(phone) = phone {
        keys.push(("phone", phone.clone()));
    }
    keys
}

impl Entity for Account {
    type Input = AccountInput;
    const ENTITY: EntityType = EntityType::Account;
    const RESOURCE: Resource = Resource::Account;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "city"];

    common_entity_methods!(AccountInput);
    no_edit_context!(AccountInput);
    no_context!(AccountInput);
    fn display_name(&self) -> String {
        self.details.name.to_string()
    }
    fn create(
        id: Uuid,
        input: &AccountInput,
        meta: RecordMeta,
        _: Origin,
        _: &(),
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
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        Ok(self.edit(
            AccountDetails::parse(input, Some(&self.details))?,
            owner,
            now,
        ))
    }
    fn duplicate_keys(&self) -> Vec<(&'static str, String)> {
        self.details
            .domain
            .iter()
            .map(|d| ("domain", d.clone()))
            .collect()
    }
}

impl Entity for Contact {
    type Input = ContactInput;
    const ENTITY: EntityType = EntityType::Contact;
    const RESOURCE: Resource = Resource::Contact;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "last_name"];

    common_entity_methods!(ContactInput);
    no_edit_context!(ContactInput);
    no_context!(ContactInput);
    fn display_name(&self) -> String {
        self.details.full_name()
    }
    fn create(
        id: Uuid,
        input: &ContactInput,
        meta: RecordMeta,
        _: Origin,
        _: &(),
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
        _: &(),
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
    fn duplicate_keys(&self) -> Vec<(&'static str, String)> {
        person_keys(&self.details.email, &self.details.phone)
    }
}

/// Lead status as stored text, for the dashboard's grouping.
pub fn lead_status_label(raw: &str) -> &'static str {
    raw.parse::<LeadStatus>()
        .map(LeadStatus::label)
        .unwrap_or("Unknown")
}

impl Entity for Opportunity {
    type Input = OpportunityInput;
    const ENTITY: EntityType = EntityType::Opportunity;
    const RESOURCE: Resource = Resource::Opportunity;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "close_date"];
    const STATUSES: &'static [&'static str] = &["open", "won", "lost"];
    /// The pipeline the new opportunity goes into and the company's default currency.
    type Context = (Pipeline, Currency);

    common_entity_methods!(OpportunityInput);
    no_edit_context!(OpportunityInput);
    async fn context(
        app: &App,
        _: &Actor,
        input: &OpportunityInput,
    ) -> AppResult<(Pipeline, Currency)> {
        let pipeline = app.pipeline_for_new(input.pipeline_id.as_deref()).await?;
        Ok((pipeline, app.config.default_currency))
    }
    fn display_name(&self) -> String {
        self.details.name.to_string()
    }
    fn case_id(&self) -> Uuid {
        self.case_id
    }
    fn create(
        id: Uuid,
        input: &OpportunityInput,
        meta: RecordMeta,
        _: Origin,
        (pipeline, currency): &(Pipeline, Currency),
    ) -> Result<(Self, Change), ValidationErrors> {
        let stage_id = match input.stage_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(raw.parse::<StageId>().map_err(|_| {
                ValidationErrors::single("stage_id", "invalid_id", "must be a stage id")
            })?),
        };
        let probability = match stage_id {
            Some(s) => pipeline.stage(s).map_or(0, |s| s.probability),
            None => pipeline.first_stage().probability,
        };
        let details = OpportunityDetails::parse(input, None, *currency, probability)?;
        Opportunity::new(
            OpportunityId(id),
            details,
            pipeline,
            stage_id,
            None,
            None,
            meta,
        )
    }
    fn apply(
        &self,
        input: &OpportunityInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let moving = |raw: &Option<String>, current: String| {
            raw.as_deref()
                .map(str::trim)
                .is_some_and(|v| !v.is_empty() && v != current)
        };
        if moving(&input.stage_id, self.stage_id.to_string())
            || moving(&input.pipeline_id, self.pipeline_id.to_string())
        {
            return Err(ValidationErrors::single(
                "stage_id",
                "use_move",
                "change the stage with a move (POST …/move), which checks the stage gate",
            ));
        }
        let details = OpportunityDetails::parse(
            input,
            Some(&self.details),
            self.details.currency,
            self.details.probability,
        )?;
        Ok(self.edit(details, owner, now))
    }
    fn account_ref(&self) -> Option<Uuid> {
        self.details.account_id.map(|a| a.0)
    }
    fn contact_ref(&self) -> Option<Uuid> {
        self.details.contact_id.map(|c| c.0)
    }
}

impl Entity for Activity {
    type Input = ActivityInput;
    const ENTITY: EntityType = EntityType::Activity;
    const RESOURCE: Resource = Resource::Activity;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "subject"];
    const STATUSES: &'static [&'static str] = &["open", "done"];
    /// The related record (visible to the writer) and its process case.
    type Context = ((EntityType, Uuid), Uuid);

    common_entity_methods!(ActivityInput);
    no_edit_context!(ActivityInput);
    async fn context(
        app: &App,
        actor: &Actor,
        input: &ActivityInput,
    ) -> AppResult<((EntityType, Uuid), Uuid)> {
        let related = parse_related(input)?;
        let case = app.related_case(actor, related).await?;
        Ok((related, case))
    }
    fn display_name(&self) -> String {
        self.details.subject.to_string()
    }
    fn case_id(&self) -> Uuid {
        self.case_id
    }
    fn create(
        id: Uuid,
        input: &ActivityInput,
        meta: RecordMeta,
        _: Origin,
        (related, case): &((EntityType, Uuid), Uuid),
    ) -> Result<(Self, Change), ValidationErrors> {
        let details = ActivityDetails::parse(input, None)?;
        Ok(Activity::new(
            ActivityId(id),
            details,
            *related,
            *case,
            meta,
        ))
    }
    fn apply(
        &self,
        input: &ActivityInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let moved = |raw: &Option<String>, current: &str| {
            raw.as_deref()
                .map(str::trim)
                .is_some_and(|v| !v.is_empty() && v != current)
        };
        if moved(&input.related_type, self.related_type.as_str())
            || moved(&input.related_id, &self.related_id.to_string())
        {
            return Err(ValidationErrors::single(
                "related_id",
                "related_fixed",
                "an activity stays with the record it was created for",
            ));
        }
        let details = ActivityDetails::parse(input, Some(&self.details))?;
        Ok(self.edit(details, owner, now))
    }
}

impl Entity for Campaign {
    type Input = CampaignInput;
    const ENTITY: EntityType = EntityType::Campaign;
    const RESOURCE: Resource = Resource::Campaign;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "status"];
    const STATUSES: &'static [&'static str] = &["planned", "active", "completed"];
    /// The company's default currency for the budget.
    type Context = Currency;

    common_entity_methods!(CampaignInput);
    no_edit_context!(CampaignInput);
    async fn context(app: &App, _: &Actor, _: &CampaignInput) -> AppResult<Currency> {
        Ok(app.config.default_currency)
    }
    fn display_name(&self) -> String {
        self.details.name.to_string()
    }
    fn create(
        id: Uuid,
        input: &CampaignInput,
        meta: RecordMeta,
        _: Origin,
        currency: &Currency,
    ) -> Result<(Self, Change), ValidationErrors> {
        let details = CampaignDetails::parse(input, None, *currency)?;
        Ok(Campaign::new(CampaignId(id), details, meta))
    }
    fn apply(
        &self,
        input: &CampaignInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let details = CampaignDetails::parse(input, Some(&self.details), self.details.currency)?;
        Ok(self.edit(details, owner, now))
    }
}

impl Entity for WebForm {
    type Input = WebFormInput;
    const ENTITY: EntityType = EntityType::WebForm;
    const RESOURCE: Resource = Resource::WebForm;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name"];
    /// The new form's public token.
    type Context = String;

    common_entity_methods!(WebFormInput);
    no_edit_context!(WebFormInput);
    async fn context(_: &App, _: &Actor, _: &WebFormInput) -> AppResult<String> {
        // 128 random bits name the public form.
        Ok(crate::secret::new_secret("")[..32].to_string())
    }
    fn display_name(&self) -> String {
        self.details.name.to_string()
    }
    fn create(
        id: Uuid,
        input: &WebFormInput,
        meta: RecordMeta,
        _: Origin,
        token: &String,
    ) -> Result<(Self, Change), ValidationErrors> {
        let details = WebFormDetails::parse(input, None)?;
        Ok(WebForm::new(WebFormId(id), details, token.clone(), meta))
    }
    fn apply(
        &self,
        input: &WebFormInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let details = WebFormDetails::parse(input, Some(&self.details))?;
        Ok(self.edit(details, owner, now))
    }
    fn campaign_ref(&self) -> Option<Uuid> {
        self.details.campaign_id.map(|c| c.0)
    }
}

pub mod documents;
