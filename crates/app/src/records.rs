//! Generic use cases over owned records: create, read, edit, archive, list, export, timeline.

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::{EventId, TeamId, UserId};
use salesflow_domain::record::RecordMeta;
use uuid::Uuid;

use salesflow_domain::account::Account;
use salesflow_domain::campaign::Campaign;
use salesflow_domain::contact::Contact;
use salesflow_domain::opportunity::Opportunity;
use serde::Deserialize;

use crate::entity::{Entity, Origin};
use crate::error::{AppError, AppResult};
use crate::list::{Cursor, ListParams, Page, SortValue};
use crate::ports::{EventRecord, Scope};
use crate::{Actor, App};

/// Handing a record over to another owner.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOff {
    /// The new owner.
    pub owner_id: String,
    /// Why (shown on the timeline and to the new owner).
    pub reason: String,
    pub version: i64,
}

/// The event actor kind of the customer acting on the portal.
pub const CUSTOMER: &str = "customer";

impl App {
    /// The event row for a change made by `actor` to a record.
    pub fn event_for<E: Entity>(&self, actor: &Actor, record: &E, change: Change) -> EventRecord {
        self.event(
            Some(actor),
            E::ENTITY,
            record.uuid(),
            record.case_id(),
            change,
            Some(record.meta().owner_id),
            record.meta().team_id,
        )
    }

    /// An event of a record by the customer on the portal (resource `customer` in the event
    /// log, "Customer" on timelines).
    pub fn event_for_customer<E: Entity>(&self, record: &E, change: Change) -> EventRecord {
        EventRecord {
            actor_kind: Some(CUSTOMER.into()),
            ..self.event_for_system(record, change)
        }
    }

    /// An event of a record caused by no person: a job, or what another step set off
    /// (acceptance creating the order). No user and no name: resource `system`.
    pub fn event_for_system<E: Entity>(&self, record: &E, change: Change) -> EventRecord {
        self.event(
            None,
            E::ENTITY,
            record.uuid(),
            record.case_id(),
            change,
            Some(record.meta().owner_id),
            record.meta().team_id,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub fn event(
        &self,
        actor: Option<&Actor>,
        entity_type: EntityType,
        entity_id: Uuid,
        case_id: Uuid,
        change: Change,
        owner_id: Option<UserId>,
        team_id: Option<TeamId>,
    ) -> EventRecord {
        EventRecord {
            id: EventId(Uuid::now_v7()),
            at: self.now(),
            entity_type,
            entity_id,
            case_id,
            activity: change.activity.to_string(),
            from_state: change.from_state,
            to_state: change.to_state,
            actor_id: actor.map(|a| a.user_id),
            actor_role: actor.map(|a| a.role),
            actor_kind: None,
            actor_name: actor.map(|a| a.name.clone()),
            request_id: actor.and_then(|a| a.request_id.clone()),
            changes: change.fields,
            owner_id,
            team_id,
        }
    }

    /// The owner (and their team) a write asks for; `None` keeps the current or default owner.
    /// Keeping the current owner, or taking a new record yourself, needs nothing more; any other
    /// choice needs the right to assign, within the team for a manager.
    async fn requested_owner(
        &self,
        actor: &Actor,
        resource: Resource,
        raw: Option<&str>,
        current: Option<UserId>,
    ) -> AppResult<Option<(UserId, Option<TeamId>)>> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let not_assignable =
            |message: &str| AppError::invalid("owner_id", "owner_not_assignable", message);
        let id: UserId = raw
            .parse()
            .map_err(|_| AppError::invalid("owner_id", "invalid_id", "must be a user id"))?;
        if Some(id) == current {
            return Ok(None);
        }
        if current.is_none() && id == actor.user_id {
            return Ok(Some((id, actor.team_id)));
        }
        if !actor.can(resource, Action::Assign) {
            return Err(not_assignable("you may not assign records to other owners"));
        }
        let user = self
            .store
            .user_by_id(id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| not_assignable("no active user with this id"))?;
        match actor.scope(resource)? {
            Scope::All => {}
            Scope::Team(team, _) if user.team_id == Some(team) => {}
            Scope::Team(..) => {
                return Err(not_assignable(
                    "you can only assign records within your team",
                ));
            }
            Scope::Own(_) => {
                return Err(not_assignable(
                    "you can only assign records within your team",
                ));
            }
        }
        Ok(Some((user.id, user.team_id)))
    }

    /// The account and contact a record points to exist and are visible to the writer, and the
    /// contact works at that account.
    async fn check_refs<E: Entity>(&self, actor: &Actor, record: &E) -> AppResult<()> {
        // The parties of a deal the writer may see are in reach through it.
        let deal = match record.opportunity_ref() {
            Some(id) => {
                <Opportunity as Entity>::store(self.store.as_ref())
                    .get(id, actor.scope(Resource::Opportunity)?)
                    .await?
            }
            None => None,
        };
        let deal_account = deal
            .as_ref()
            .and_then(|o| o.details.account_id)
            .map(|a| a.0);
        let deal_contact = deal
            .as_ref()
            .and_then(|o| o.details.contact_id)
            .map(|c| c.0);
        if let Some(account) = record.account_ref() {
            let scope = if deal_account == Some(account) {
                Scope::All
            } else {
                actor.scope(Resource::Account)?
            };
            // Archived (and merged-away) accounts take no new links.
            let found = <Account as Entity>::store(self.store.as_ref())
                .get(account, scope)
                .await?
                .filter(|a| !a.meta.archived);
            if found.is_none() {
                return Err(AppError::invalid(
                    "account_id",
                    "unknown_account",
                    "no account with this id",
                ));
            }
        }
        if let Some(campaign) = record.campaign_ref() {
            // Any campaign may be named, also one the writer's role does not list.
            let found = <Campaign as Entity>::store(self.store.as_ref())
                .get(campaign, Scope::All)
                .await?;
            if found.is_none() {
                return Err(AppError::invalid(
                    "campaign_id",
                    "unknown_campaign",
                    "no campaign with this id",
                ));
            }
        }
        if let Some(contact) = record.contact_ref() {
            let scope = if deal_contact == Some(contact) {
                Scope::All
            } else {
                actor.scope(Resource::Contact)?
            };
            let found = <Contact as Entity>::store(self.store.as_ref())
                .get(contact, scope)
                .await?
                .filter(|c| !c.meta.archived)
                .ok_or_else(|| {
                    AppError::invalid("contact_id", "unknown_contact", "no contact with this id")
                })?;
            if let (Some(at), Some(account)) = (found.details.account_id, record.account_ref())
                && at.0 != account
            {
                return Err(AppError::invalid(
                    "contact_id",
                    "contact_not_at_account",
                    "the contact works at another account",
                ));
            }
        }
        Ok(())
    }

    /// Who a record of `resource` can be handed to: active users whose role works with it.
    pub async fn hand_off_candidates(
        &self,
        resource: Resource,
    ) -> AppResult<Vec<(UserId, String)>> {
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| {
                u.active && salesflow_domain::authz::allows(u.role, resource, Action::Update)
            })
            .map(|u| (u.id, u.name))
            .collect())
    }

    /// Hands a record over to another user with a reason (a `handed_off` event on its
    /// timeline). Whoever may change the record may hand it over, to any active user whose
    /// role works with this kind of record.
    pub async fn hand_off<E: Entity>(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &HandOff,
    ) -> AppResult<E> {
        let record: E = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let reason = request.reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                "reason_required",
                "say why the record is handed over",
            ));
        }
        let not_assignable =
            |message: &str| AppError::invalid("owner_id", "owner_not_assignable", message);
        let to: UserId = request
            .owner_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("owner_id", "invalid_id", "must be a user id"))?;
        let user = self
            .store
            .user_by_id(to)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| not_assignable("no active user with this id"))?;
        if !salesflow_domain::authz::allows(user.role, E::RESOURCE, Action::Update) {
            return Err(not_assignable(
                "this user's role does not work with these records",
            ));
        }
        let reason: String = reason.chars().take(500).collect();
        let change = salesflow_domain::record::handed_off(
            &record,
            (user.id, user.team_id),
            &reason,
            self.now(),
        );
        if change.is_none() {
            return Err(AppError::conflict(
                "already_owner",
                "this user already owns the record",
            ));
        }
        self.save_change(actor, record, change).await
    }

    pub async fn create<E: Entity>(
        &self,
        actor: &Actor,
        input: &E::Input,
        origin: Origin,
    ) -> AppResult<E> {
        actor.require(E::RESOURCE, Action::Create)?;
        let (owner, team) = self
            .requested_owner(actor, E::RESOURCE, E::input_owner(input), None)
            .await?
            .unwrap_or((actor.user_id, actor.team_id));
        let context = E::context(self, actor, input).await?;
        let (record, change) = E::create(
            Uuid::now_v7(),
            input,
            RecordMeta::new(owner, team, self.now()),
            origin,
            &context,
        )?;
        self.check_refs(actor, &record).await?;
        let event = self.event_for(actor, &record, change);
        E::store(self.store.as_ref())
            .insert(&record, &event)
            .await?;
        Ok(record)
    }

    pub async fn get<E: Entity>(&self, actor: &Actor, id: Uuid) -> AppResult<E> {
        actor.require(E::RESOURCE, Action::Read)?;
        let scope = actor.scope(E::RESOURCE)?;
        E::store(self.store.as_ref())
            .get(id, scope)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Loads a record for a change based on `version`: missing or invisible is 404, and a
    /// version other than the stored one is 409 before anything is written.
    pub(crate) async fn load_for_change<E: Entity>(
        &self,
        actor: &Actor,
        id: Uuid,
        action: Action,
        version: Option<i64>,
    ) -> AppResult<E> {
        let record: E = self.get(actor, id).await?;
        actor.require(E::RESOURCE, action)?;
        let version = version.ok_or_else(|| {
            AppError::invalid("version", "version_required", "send the version you edited")
        })?;
        if version != record.meta().version {
            return Err(AppError::StaleVersion {
                current: record.meta().version,
            });
        }
        Ok(record)
    }

    /// Saves a changed record with its event; no change means no write.
    pub(crate) async fn save_change<E: Entity>(
        &self,
        actor: &Actor,
        old: E,
        change: Option<(E, Change)>,
    ) -> AppResult<E> {
        let Some((next, change)) = change else {
            return Ok(old);
        };
        let event = self.event_for(actor, &next, change);
        E::store(self.store.as_ref())
            .update(&next, old.meta().version, &event)
            .await?;
        Ok(next)
    }

    pub async fn update<E: Entity>(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &E::Input,
    ) -> AppResult<E> {
        let record: E = self
            .load_for_change(actor, id, Action::Update, E::input_version(input))
            .await?;
        let owner = self
            .requested_owner(
                actor,
                E::RESOURCE,
                E::input_owner(input),
                Some(record.meta().owner_id),
            )
            .await?;
        let edit = E::edit_context(self, actor, &record, input).await?;
        let change = record.apply(input, owner, self.now(), &edit)?;
        // References that stay as they were need no new check: after a hand-off the new owner
        // may not see the account, and keeping it must still work.
        if let Some((next, _)) = &change
            && (next.account_ref() != record.account_ref()
                || next.contact_ref() != record.contact_ref()
                || next.campaign_ref() != record.campaign_ref())
        {
            self.check_refs(actor, next).await?;
        }
        self.save_change(actor, record, change).await
    }

    pub async fn set_archived<E: Entity>(
        &self,
        actor: &Actor,
        id: Uuid,
        version: Option<i64>,
        archived: bool,
    ) -> AppResult<E> {
        let record: E = self
            .load_for_change(actor, id, Action::Archive, version)
            .await?;
        let change = salesflow_domain::record::set_archived(&record, archived, self.now());
        self.save_change(actor, record, change).await
    }

    pub async fn list<E: Entity>(&self, actor: &Actor, params: &ListParams) -> AppResult<Page<E>> {
        actor.require(E::RESOURCE, Action::Read)?;
        let scope = actor.scope(E::RESOURCE)?;
        let query = params.parse(E::SORTABLE, E::STATUSES, E::SOURCES)?;
        let mut items = E::store(self.store.as_ref()).list(&query, scope).await?;
        let next_cursor = if items.len() > query.limit as usize {
            items.truncate(query.limit as usize);
            items.last().map(|last| {
                Cursor {
                    sort: query.sort.to_string(),
                    descending: query.dir == crate::list::SortDir::Desc,
                    value: sort_value(last, query.sort),
                    id: last.uuid(),
                }
                .encode()
            })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Every row matching the filters, page by page, for CSV export.
    pub async fn export<E: Entity>(
        &self,
        actor: &Actor,
        params: &ListParams,
        max_rows: usize,
    ) -> AppResult<Vec<E>> {
        actor.require(E::RESOURCE, Action::Export)?;
        let mut params = ListParams {
            limit: Some(crate::list::ListQuery::MAX_LIMIT),
            ..params.clone()
        };
        let mut rows = Vec::new();
        loop {
            let page = self.list::<E>(actor, &params).await?;
            rows.extend(page.items);
            match page.next_cursor {
                Some(cursor) if rows.len() < max_rows => params.cursor = Some(cursor),
                _ => break,
            }
        }
        rows.truncate(max_rows);
        Ok(rows)
    }

    pub async fn counts<E: Entity>(&self, actor: &Actor) -> AppResult<Vec<(String, i64)>> {
        actor.require(E::RESOURCE, Action::Read)?;
        let scope = actor.scope(E::RESOURCE)?;
        Ok(E::store(self.store.as_ref()).count_by_group(scope).await?)
    }

    /// The record's timeline, newest first; only for readers of the record.
    pub async fn timeline<E: Entity>(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> AppResult<Vec<EventRecord>> {
        let record: E = self.get(actor, id).await?;
        Ok(self.store.timeline(E::ENTITY, record.uuid(), 500).await?)
    }
}

/// The value of the sort key of a row, as the cursor carries it.
fn sort_value<E: Entity>(record: &E, sort: &str) -> SortValue {
    let meta = record.meta();
    match sort {
        "created_at" => SortValue::Int(meta.created_at.as_microsecond()),
        "updated_at" => SortValue::Int(meta.updated_at.as_microsecond()),
        other => {
            let value = serde_json::to_value(record)
                .ok()
                .and_then(|v| v.get(other).and_then(|f| f.as_str().map(str::to_string)));
            SortValue::Text(salesflow_domain::text::search_key(
                &value.unwrap_or_default(),
            ))
        }
    }
}
