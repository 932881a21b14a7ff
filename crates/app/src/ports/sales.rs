//! The ports of the sales process: pipelines and the board, activities and notifications,
//! settings, conversion, web forms, campaigns, imports, merging and assignment.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_domain::activity::Activity;
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{ActivityId, PipelineId, StageId, TeamId, UserId, WebFormId};
use salesflow_domain::lead::Lead;
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::pipeline::Pipeline;
use salesflow_domain::web_form::WebForm;
use uuid::Uuid;

use super::{EventRecord, NewJob, Scope, StoreResult};

/// Pipeline configuration.
#[async_trait]
pub trait PipelineStore: Send + Sync {
    /// Every pipeline with its stages, the default first, then by name.
    async fn list_pipelines(&self) -> StoreResult<Vec<Pipeline>>;
    async fn pipeline(&self, id: PipelineId) -> StoreResult<Option<Pipeline>>;
    async fn insert_pipeline(&self, pipeline: &Pipeline, event: &EventRecord) -> StoreResult<()>;
    /// Replaces the pipeline's name and stages when its stored version is `expected_version`.
    /// Stages that are gone must hold no opportunities (`StoreError::InUse` otherwise). Making it
    /// the default takes the flag from the others.
    async fn update_pipeline(
        &self,
        pipeline: &Pipeline,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()>;
}

/// What a board shows: one pipeline's opportunities, narrowed by filters and visibility.
#[derive(Debug, Clone)]
pub struct BoardFilter {
    pub pipeline_id: PipelineId,
    pub owner: Option<UserId>,
    pub team: Option<TeamId>,
    pub close_from: Option<jiff::civil::Date>,
    pub close_to: Option<jiff::civil::Date>,
}

/// Totals of one stage column in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTotal {
    pub stage_id: StageId,
    pub currency: String,
    pub count: i64,
    pub amount_minor: i128,
    /// Sum of amount × probability, in minor units × 100 (divide by 100 when showing).
    pub weighted_centi_minor: i128,
}

impl StageTotal {
    /// The weighted amount in minor units, rounded half up.
    pub fn weighted_minor(&self) -> i128 {
        (self.weighted_centi_minor + 50).div_euclid(100)
    }

    fn money(&self, minor: i128) -> Option<salesflow_domain::money::MoneyTotal> {
        let currency = self.currency.parse().ok()?;
        Some(salesflow_domain::money::MoneyTotal::new(minor, currency))
    }

    pub fn amount(&self) -> Option<salesflow_domain::money::MoneyTotal> {
        self.money(self.amount_minor)
    }

    pub fn weighted(&self) -> Option<salesflow_domain::money::MoneyTotal> {
        self.money(self.weighted_minor())
    }
}

/// Board queries over opportunities.
#[async_trait]
pub trait OpportunityStore: Send + Sync {
    /// Count, amount and weighted amount per stage and currency, in one grouped query.
    async fn stage_totals(
        &self,
        filter: &BoardFilter,
        scope: Scope,
    ) -> StoreResult<Vec<StageTotal>>;
    /// One page of a stage column, most recently changed first; `after` is the last card's
    /// `(updated_at, id)`. Returns up to `limit + 1` rows.
    async fn stage_cards(
        &self,
        filter: &BoardFilter,
        stage: StageId,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
        scope: Scope,
    ) -> StoreResult<Vec<Opportunity>>;
}

/// Activity queries beyond the generic record ones.
#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Activities about one record, open ones first by due time, then the newest done ones.
    async fn activities_for(
        &self,
        related_type: EntityType,
        related_id: Uuid,
        limit: u32,
    ) -> StoreResult<Vec<Activity>>;
    /// A user's open activities due before `until`, soonest first.
    async fn due_for(
        &self,
        owner: UserId,
        until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Activity>>;
    /// A user's open leads untouched (no change, no activity) since `cutoff`, oldest first.
    async fn untouched_leads(
        &self,
        owner: UserId,
        cutoff: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Lead>>;
    /// Open activities due by `now` whose owner has not been reminded yet.
    async fn unreminded_due(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<Activity>>;
    /// Marks a reminder sent and appends its event (and enqueues the `mail` job, when given),
    /// unless another worker already did; returns whether this call did it.
    async fn mark_reminded(
        &self,
        id: ActivityId,
        at: Timestamp,
        event: &EventRecord,
        mail: Option<&NewJob>,
    ) -> StoreResult<bool>;
}

/// One user to tell of a hand-over, with the e-mail to send them if they want one.
pub struct Notice {
    pub user: UserId,
    pub mail: Option<NewJob>,
}

/// In-app notifications: the hand-over events a user is told of, newest first.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    async fn notifications(&self, user: UserId, limit: u32) -> StoreResult<Vec<EventRecord>>;
    /// Tells each notice's user of `event` (a hand-over of `kind`) and enqueues its e-mail, in
    /// one transaction; a user already told of it is skipped (no second e-mail either), so
    /// handling the event again changes nothing. How many were told now.
    async fn notify(&self, event: &EventRecord, kind: &str, notices: &[Notice])
    -> StoreResult<u64>;
    /// The users who want their notifications by e-mail too.
    async fn notification_emails(&self) -> StoreResult<Vec<UserId>>;
    async fn set_notification_email(&self, user: UserId, on: bool) -> StoreResult<()>;
    async fn notifications_seen_at(&self, user: UserId) -> StoreResult<Timestamp>;
    async fn set_notifications_seen(&self, user: UserId, at: Timestamp) -> StoreResult<()>;
}

/// What people call a record, with whose it is (to show the name only to who may see it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTitle {
    pub title: String,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
}

/// What people call records of several kinds, looked up together.
#[async_trait]
pub trait TitleStore: Send + Sync {
    /// The title of each record that exists (a lead's name, an order's number …).
    async fn record_titles(
        &self,
        records: &[(EntityType, Uuid)],
    ) -> StoreResult<std::collections::HashMap<(EntityType, Uuid), RecordTitle>>;
}

/// A user's own preferences.
#[async_trait]
pub trait PreferenceStore: Send + Sync {
    /// The user's time zone (IANA name; `UTC` unless they chose one).
    async fn time_zone(&self, user: UserId) -> StoreResult<String>;
    async fn set_time_zone(&self, user: UserId, zone: &str) -> StoreResult<()>;
}

/// Company-wide settings stored as JSON documents under a key, with a version.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The document and its version, or `None` when never saved.
    async fn setting(&self, key: &str) -> StoreResult<Option<(String, i64)>>;
    /// Saves a new version (`expected_version` 0 for the first save) with its event.
    async fn save_setting(
        &self,
        key: &str,
        value: &str,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()>;
}

/// What converting a lead writes, all in one transaction.
pub struct ConversionWrite<'a> {
    pub lead: &'a Lead,
    pub lead_version: i64,
    pub account: Option<&'a salesflow_domain::account::Account>,
    pub contact: Option<&'a salesflow_domain::contact::Contact>,
    pub opportunity: Option<&'a Opportunity>,
    pub events: &'a [EventRecord],
}

/// Round-robin counters of the assignment rules.
#[async_trait]
pub trait AssignmentStore: Send + Sync {
    /// Reserves `count` consecutive turns of counter `key`; returns the first.
    async fn take_turns(&self, key: &str, count: i64) -> StoreResult<i64>;
}

/// Lead conversion and the duplicate look-ups it makes.
#[async_trait]
pub trait ConversionStore: Send + Sync {
    async fn save_conversion(&self, write: ConversionWrite<'_>) -> StoreResult<()>;
    /// A visible account with this web domain or, failing that, this exact name (case-insensitive).
    async fn find_account(
        &self,
        domain: Option<&str>,
        name: Option<&str>,
        scope: Scope,
    ) -> StoreResult<Option<salesflow_domain::account::Account>>;
    /// A visible contact with this e-mail address.
    async fn find_contact(
        &self,
        email: &str,
        scope: Scope,
    ) -> StoreResult<Option<salesflow_domain::contact::Contact>>;
    /// Completed activities on a record (for the lead score's engagement).
    async fn done_activities(&self, related_type: EntityType, related_id: Uuid)
    -> StoreResult<i64>;
}

/// At most `max` submissions per form and address since `since`.
#[derive(Debug, Clone, Copy)]
pub struct SubmissionLimit {
    pub max: i64,
    pub since: Timestamp,
}

/// Public web forms: lookup by token, the per-address submission count, and storing a
/// submitted lead with its submission record in one transaction.
#[async_trait]
pub trait WebFormStore: Send + Sync {
    async fn form_by_token(&self, token: &str) -> StoreResult<Option<WebForm>>;
    /// Submissions to `form` from the (hashed) address since `since`.
    async fn recent_submissions(
        &self,
        form: WebFormId,
        address: &str,
        since: Timestamp,
    ) -> StoreResult<i64>;
    /// Stores the lead unless the address already made `limit.max` submissions to the form
    /// since `limit.since`: counted and written in one transaction that holds the form, so
    /// parallel submissions cannot pass the limit together. `false`: over the limit, nothing
    /// stored.
    async fn insert_submitted_lead(
        &self,
        lead: &Lead,
        event: &EventRecord,
        form: WebFormId,
        address: &str,
        limit: SubmissionLimit,
    ) -> StoreResult<bool>;
}

/// A campaign's leads, within the reader's visibility.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    async fn campaign_lead_counts(
        &self,
        campaign: Uuid,
        scope: Scope,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// The newest leads of the campaign.
    async fn campaign_leads(
        &self,
        campaign: Uuid,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<Lead>>;
}

/// One import run: what it did, and the rejected rows for download.
#[derive(Debug, Clone)]
pub struct ImportRun {
    pub id: Uuid,
    pub user_id: UserId,
    pub kind: String,
    pub file_name: String,
    pub dry_run: bool,
    pub total: i64,
    pub imported: i64,
    pub rejected: i64,
    /// The rejected rows as CSV (the file's columns plus `error`).
    pub rejected_csv: String,
    pub created_at: Timestamp,
}

/// Bulk writes and look-ups of the CSV importer.
#[async_trait]
pub trait ImportStore: Send + Sync {
    async fn insert_leads(&self, leads: &[Lead], events: &[EventRecord]) -> StoreResult<()>;
    async fn insert_contacts(
        &self,
        contacts: &[salesflow_domain::contact::Contact],
        events: &[EventRecord],
    ) -> StoreResult<()>;
    async fn insert_accounts(
        &self,
        accounts: &[salesflow_domain::account::Account],
        events: &[EventRecord],
    ) -> StoreResult<()>;
    async fn insert_products(
        &self,
        products: &[salesflow_domain::product::Product],
        events: &[EventRecord],
    ) -> StoreResult<()>;
    /// Which of `values` already appear in `column` (email, phone or domain) of the visible
    /// rows of the kind's table.
    async fn existing_values(
        &self,
        kind: salesflow_domain::import::ImportKind,
        column: &str,
        values: &[String],
        scope: Scope,
    ) -> StoreResult<Vec<String>>;
    /// Visible accounts matching any of these ids, lower-cased names or domains:
    /// `(id, name_key, domain)`.
    async fn accounts_matching(
        &self,
        ids: &[String],
        names: &[String],
        domains: &[String],
        scope: Scope,
    ) -> StoreResult<Vec<(Uuid, String, Option<String>)>>;
    async fn save_import_run(&self, run: &ImportRun) -> StoreResult<()>;
    async fn import_run(&self, id: Uuid) -> StoreResult<Option<ImportRun>>;
    /// Keeps a file uploaded in the browser until it is imported.
    async fn save_upload(&self, upload: &Upload) -> StoreResult<()>;
    async fn upload(&self, id: Uuid) -> StoreResult<Option<Upload>>;
}

/// A CSV file uploaded in the browser, waiting for its column mapping.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: Uuid,
    pub user_id: UserId,
    pub file_name: String,
    pub content: String,
    pub created_at: Timestamp,
}

/// The two records of a merge with the versions they were read at.
pub enum MergeWrite<'a> {
    Leads(&'a Lead, i64, &'a Lead, i64),
    Contacts(
        &'a salesflow_domain::contact::Contact,
        i64,
        &'a salesflow_domain::contact::Contact,
        i64,
    ),
    Accounts(
        &'a salesflow_domain::account::Account,
        i64,
        &'a salesflow_domain::account::Account,
        i64,
    ),
}

/// Duplicate look-up and merging.
#[async_trait]
pub trait MergeStore: Send + Sync {
    /// Visible, unarchived records of the kind sharing any of `keys` (column, value), other
    /// than `exclude`; ids, oldest first.
    async fn find_duplicates(
        &self,
        kind: EntityType,
        keys: &[(&'static str, String)],
        exclude: Uuid,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<Uuid>>;
    /// Saves survivor and merged record, moves the merged record's activities (and, for
    /// accounts, contacts and opportunities; for contacts, opportunities) to the survivor, and
    /// appends the events; all in one transaction.
    async fn save_merge(&self, write: MergeWrite<'_>, events: &[EventRecord]) -> StoreResult<()>;
}
