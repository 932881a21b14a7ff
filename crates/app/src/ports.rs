//! The ports the use cases need from storage. `salesflow-store` implements them on SQLite and
//! PostgreSQL with one SQL code path; each method is one atomic unit of work.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_domain::activity::Activity;
use salesflow_domain::changes::FieldChange;
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{EventId, TeamId, TokenId, UserId};
use salesflow_domain::opportunity::Opportunity;
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
    /// Not enough stock for a move (what is missing, readable).
    #[error("{0}")]
    Insufficient(String),
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

impl Scope {
    /// Whether a record with this owner and team lies in the scope (the SQL filter's rule, for
    /// records already loaded).
    pub fn covers(self, meta: &salesflow_domain::record::RecordMeta) -> bool {
        self.covers_owner(Some(meta.owner_id), meta.team_id)
    }

    /// The same rule for an owner and team read off an event or timer.
    pub fn covers_owner(self, owner: Option<UserId>, team: Option<TeamId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Team(t, me) => team == Some(t) || owner == Some(me),
            Scope::Own(me) => owner == Some(me),
        }
    }
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
    /// After this the token no longer works; none: until revoked.
    pub expires_at: Option<Timestamp>,
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
    /// Who acted when it was not a user: `customer` (the portal); none for a user or the
    /// system.
    pub actor_kind: Option<String>,
    /// Filled when reading: the actor's display name ("Customer" for the portal).
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

/// A stored job as the outbox shows it.
#[derive(Debug, Clone)]
pub struct JobView {
    pub id: Uuid,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    /// Failed for good.
    pub dead: bool,
    pub run_at: Timestamp,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Failed sign-ins of one account inside the throttle window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginFailures {
    pub from_client: i64,
    pub from_client_oldest: Option<Timestamp>,
    pub all_clients: i64,
    pub all_clients_oldest: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    pub sessions: u64,
    pub login_failures: u64,
    pub idempotency_keys: u64,
    /// Messages that failed for good (their documents' timelines keep the reason).
    pub mail_jobs: u64,
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
    /// Counts a sign-in attempt as failed until it succeeds or is taken back; returns its id.
    async fn record_login_attempt(
        &self,
        email: &str,
        client: &str,
        at: Timestamp,
    ) -> StoreResult<Uuid>;
    /// Takes back an attempt that was refused without being evaluated.
    async fn forget_login_attempt(&self, id: Uuid) -> StoreResult<()>;
    /// Failures for `email` since `since`: from `client`, and from every client.
    async fn login_failures_since(
        &self,
        email: &str,
        client: &str,
        since: Timestamp,
    ) -> StoreResult<LoginFailures>;
    /// Clears the failures of `email` from `client` after it signed in.
    async fn clear_login_failures(&self, email: &str, client: &str) -> StoreResult<()>;
    async fn purge_expired(
        &self,
        now: Timestamp,
        login_failures_before: Timestamp,
    ) -> StoreResult<PurgeCounts>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_token(&self, token: &ApiTokenRecord, event: &EventRecord) -> StoreResult<()>;
    /// The unrevoked, unexpired (at `now`) token with this hash and its active user.
    async fn token_with_user(
        &self,
        token_hash: &str,
        now: Timestamp,
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
    /// Jobs of one kind still in the table (waiting, retrying or dead), newest first.
    async fn jobs_of_kind(&self, kind: &str, limit: u32) -> StoreResult<Vec<JobView>>;
    /// A dead or waiting job of `kind` runs again now, from its first attempt.
    async fn retry_job(&self, kind: &str, id: Uuid, now: Timestamp) -> StoreResult<bool>;
    /// Deletes the dead jobs of `kind`; how many.
    async fn purge_dead_jobs(&self, kind: &str) -> StoreResult<u64>;
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

mod analytics;
mod deadlines;
mod documents;
mod feed;
mod money;
mod receivables;
mod sales;
mod stock;
pub use analytics::*;
pub use deadlines::*;
pub use documents::*;
pub use feed::*;
pub use money::*;
pub use receivables::*;
pub use sales::*;
pub use stock::*;

/// Everything the application needs from storage.
#[async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + TokenStore
    + EventStore
    + FeedStore
    + JobStore
    + RecordStore<salesflow_domain::lead::Lead>
    + RecordStore<salesflow_domain::account::Account>
    + RecordStore<salesflow_domain::contact::Contact>
    + RecordStore<Opportunity>
    + RecordStore<Activity>
    + ActivityStore
    + NotificationStore
    + PreferenceStore
    + TitleStore
    + DeadlineStore
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
    + RecordStore<salesflow_domain::product::Product>
    + RecordStore<salesflow_domain::quote::Quote>
    + RecordStore<salesflow_domain::sales_order::SalesOrder>
    + RecordStore<salesflow_domain::price_list::PriceList>
    + RecordStore<salesflow_domain::delivery::Delivery>
    + RecordStore<salesflow_domain::invoice::Invoice>
    + DocumentStore
    + StockStore
    + PaymentStore
    + ReceivablesStore
    + RecordStore<salesflow_domain::payment::Payment>
    + AnalyticsStore
    + ForecastStore
    + MiningStore
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
}
