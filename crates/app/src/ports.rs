//! The ports the use cases need from storage. `salesflow-store` implements them on SQLite and
//! PostgreSQL with one SQL code path; each method is one atomic unit of work.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_domain::activity::Activity;
use salesflow_domain::changes::FieldChange;
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{
    ActivityId, EventId, PipelineId, StageId, TeamId, TokenId, UserId, WebFormId,
};
use salesflow_domain::lead::Lead;
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::pipeline::Pipeline;
use salesflow_domain::role::Role;
use salesflow_domain::web_form::WebForm;
use uuid::Uuid;

use crate::entity::Entity;
use crate::list::ListQuery;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("stale version; current is {current}")]
    VersionConflict { current: i64 },
    #[error("{0} already exists")]
    Unique(String),
    /// A foreign key points at nothing.
    #[error("a referenced record does not exist")]
    MissingReference,
    /// Lock contention or a serialization failure that outlasted the retries.
    #[error("database busy")]
    Busy,
    /// The row is still referenced (e.g. a stage that opportunities are in).
    #[error("{0}")]
    InUse(String),
    #[error("{0}")]
    Other(String),
}

/// The rows of an owned resource a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// The team's records, plus the user's own records (user id second).
    Team(TeamId, UserId),
    Own(UserId),
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
    pub password_hash: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct TeamRecord {
    pub id: TeamId,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct ApiTokenRecord {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// One row of the append-only event log.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub id: EventId,
    pub at: Timestamp,
    pub entity_type: EntityType,
    pub entity_id: Uuid,
    /// Links the documents of one sale (lead → opportunity → quote → order → invoice).
    pub case_id: Uuid,
    pub activity: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<UserId>,
    pub actor_role: Option<Role>,
    /// Filled when reading: the actor's display name.
    pub actor_name: Option<String>,
    pub request_id: Option<String>,
    pub changes: Vec<FieldChange>,
    /// Owner and team of the record at the time, so reads of the log obey record visibility.
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<EntityType>,
    pub actor_id: Option<UserId>,
    /// Only events strictly older than this (id, for paging).
    pub before: Option<(Timestamp, EventId)>,
    pub limit: u32,
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    pub run_at: Timestamp,
    /// Jobs with the same key are not enqueued twice (recurring jobs use their kind).
    pub unique_key: String,
    pub max_attempts: i64,
}

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    pub sessions: u64,
    pub login_failures: u64,
    pub idempotency_keys: u64,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn count_users(&self) -> StoreResult<i64>;
    /// Inserts the user; with `only_if_none`, only while no user exists (first-run setup).
    async fn insert_user(
        &self,
        user: &UserRecord,
        event: &EventRecord,
        only_if_none: bool,
    ) -> StoreResult<bool>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    async fn list_users(&self) -> StoreResult<Vec<UserRecord>>;
    /// Saves a changed user; a deactivated user loses all sessions and tokens in the same commit.
    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()>;
    async fn insert_team(&self, team: &TeamRecord, event: &EventRecord) -> StoreResult<()>;
    async fn list_teams(&self) -> StoreResult<Vec<TeamRecord>>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The live session with this hash and its active user.
    async fn session_with_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
    async fn touch_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn record_login_failure(&self, email: &str, at: Timestamp) -> StoreResult<()>;
    /// Failures since `since`: their count and the oldest one's time.
    async fn login_failures_since(
        &self,
        email: &str,
        since: Timestamp,
    ) -> StoreResult<(i64, Option<Timestamp>)>;
    async fn clear_login_failures(&self, email: &str) -> StoreResult<()>;
    async fn purge_expired(
        &self,
        now: Timestamp,
        login_failures_before: Timestamp,
    ) -> StoreResult<PurgeCounts>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_token(&self, token: &ApiTokenRecord, event: &EventRecord) -> StoreResult<()>;
    /// The unrevoked token with this hash and its active user.
    async fn token_with_user(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(ApiTokenRecord, UserRecord)>>;
    async fn touch_token(&self, id: TokenId, now: Timestamp) -> StoreResult<()>;
    /// Tokens of one user, or of everybody.
    async fn list_tokens(&self, user: Option<UserId>) -> StoreResult<Vec<ApiTokenRecord>>;
    async fn token_by_id(&self, id: TokenId) -> StoreResult<Option<ApiTokenRecord>>;
    async fn revoke_token(
        &self,
        id: TokenId,
        now: Timestamp,
        event: &EventRecord,
    ) -> StoreResult<bool>;
}

/// Storage of one owned business record type.
#[async_trait]
pub trait RecordStore<E: Entity>: Send + Sync {
    async fn insert(&self, record: &E, event: &EventRecord) -> StoreResult<()>;
    async fn get(&self, id: Uuid, scope: Scope) -> StoreResult<Option<E>>;
    /// Writes the record if its stored version is `expected_version`, with its event, atomically.
    async fn update(
        &self,
        record: &E,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()>;
    /// One page (`limit + 1` rows, so the caller knows whether there is more).
    async fn list(&self, query: &ListQuery, scope: Scope) -> StoreResult<Vec<E>>;
    /// Record counts grouped by a group key (status for leads), for dashboards.
    async fn count_by_group(&self, scope: Scope) -> StoreResult<Vec<(String, i64)>>;
}

#[async_trait]
pub trait EventStore: Send + Sync {
    async fn timeline(
        &self,
        entity_type: EntityType,
        entity_id: Uuid,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>>;
    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<EventRecord>>;
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Enqueues unless a job with the same unique key exists.
    async fn enqueue(&self, job: &NewJob) -> StoreResult<bool>;
    /// Leases the oldest due job to `worker` until `lease_until`.
    async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<Option<ClaimedJob>>;
    /// Done: deleted, or rescheduled at `next_run` for recurring jobs.
    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        next_run: Option<Timestamp>,
    ) -> StoreResult<()>;
    /// Failed: retried at `retry_at`, or parked as dead when `None`.
    async fn fail_job(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()>;
}

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
    pub amount_minor: i64,
    /// Sum of amount × probability, in minor units × 100 (divide by 100 when showing).
    pub weighted_centi_minor: i64,
}

impl StageTotal {
    /// The weighted amount in minor units, rounded half up.
    pub fn weighted_minor(&self) -> i64 {
        (self.weighted_centi_minor + 50).div_euclid(100)
    }

    fn money(&self, minor: i64) -> Option<salesflow_domain::money::Money> {
        let currency = self.currency.parse().ok()?;
        Some(salesflow_domain::money::Money::new(minor, currency))
    }

    pub fn amount(&self) -> Option<salesflow_domain::money::Money> {
        self.money(self.amount_minor)
    }

    pub fn weighted(&self) -> Option<salesflow_domain::money::Money> {
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

/// In-app notifications: events about a user's records that someone else (or the system) did.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    async fn notifications(
        &self,
        user: UserId,
        activities: &[&str],
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>>;
    async fn notifications_seen_at(&self, user: UserId) -> StoreResult<Timestamp>;
    async fn set_notifications_seen(&self, user: UserId, at: Timestamp) -> StoreResult<()>;
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
    async fn insert_submitted_lead(
        &self,
        lead: &Lead,
        event: &EventRecord,
        form: WebFormId,
        address: &str,
    ) -> StoreResult<()>;
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

/// Everything the application needs from storage.
#[async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + TokenStore
    + EventStore
    + JobStore
    + RecordStore<salesflow_domain::lead::Lead>
    + RecordStore<salesflow_domain::account::Account>
    + RecordStore<salesflow_domain::contact::Contact>
    + RecordStore<Opportunity>
    + RecordStore<Activity>
    + ActivityStore
    + NotificationStore
    + SettingsStore
    + ConversionStore
    + RecordStore<salesflow_domain::campaign::Campaign>
    + RecordStore<WebForm>
    + WebFormStore
    + CampaignStore
    + ImportStore
    + MergeStore
    + AssignmentStore
    + PipelineStore
    + OpportunityStore
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
}
