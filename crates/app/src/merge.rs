//! Duplicates: finding records that share an e-mail, phone or web domain, and merging two
//! into one that keeps every activity and both timelines.

use salesflow_domain::account::Account;
use salesflow_domain::authz::Action;
use salesflow_domain::contact::Contact;
use salesflow_domain::lead::Lead;
use salesflow_domain::record::{Mergeable, merge};
use serde::Deserialize;
use uuid::Uuid;

use crate::entity::Entity;
use crate::error::{AppError, AppResult};
use crate::ports::MergeWrite;
use crate::{Actor, App};

/// Merging another record into this one.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The record that is merged in (and archived).
    pub other_id: String,
    /// The version of this record the decision was based on.
    pub version: i64,
    /// The version of the other record.
    pub other_version: i64,
}

/// Records that can be merged.
pub trait MergeEntity: Entity + Mergeable {
    fn write<'a>(
        survivor: &'a Self,
        survivor_version: i64,
        other: &'a Self,
        other_version: i64,
    ) -> MergeWrite<'a>;
}

impl MergeEntity for Lead {
    fn write<'a>(s: &'a Self, sv: i64, o: &'a Self, ov: i64) -> MergeWrite<'a> {
        MergeWrite::Leads(s, sv, o, ov)
    }
}

impl MergeEntity for Contact {
    fn write<'a>(s: &'a Self, sv: i64, o: &'a Self, ov: i64) -> MergeWrite<'a> {
        MergeWrite::Contacts(s, sv, o, ov)
    }
}

impl MergeEntity for Account {
    fn write<'a>(s: &'a Self, sv: i64, o: &'a Self, ov: i64) -> MergeWrite<'a> {
        MergeWrite::Accounts(s, sv, o, ov)
    }
}

impl App {
    /// Likely duplicates of a record among those the actor sees.
    pub async fn duplicates<E: Entity>(&self, actor: &Actor, id: Uuid) -> AppResult<Vec<E>> {
        let record: E = self.get(actor, id).await?;
        let keys = record.duplicate_keys();
        if keys.is_empty() {
            return Ok(vec![]);
        }
        let scope = actor.scope(E::RESOURCE)?;
        let ids = self
            .store
            .find_duplicates(E::ENTITY, &keys, record.uuid(), scope, 10)
            .await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Ok(r) = self.get::<E>(actor, id).await {
                found.push(r);
            }
        }
        Ok(found)
    }

    /// Merges `request.other_id` into record `id`.
    pub async fn merge<E: MergeEntity>(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &MergeRequest,
    ) -> AppResult<E> {
        let other_id: Uuid = request
            .other_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("other_id", "invalid_id", "must be an id"))?;
        if other_id == id {
            return Err(AppError::invalid(
                "other_id",
                "same_record",
                "a record cannot be merged into itself",
            ));
        }
        let survivor: E = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let other: E = self.get(actor, other_id).await.map_err(|_| {
            AppError::invalid(
                "other_id",
                "unknown_record",
                "no such record is visible to you",
            )
        })?;
        actor.require(E::RESOURCE, Action::Archive)?;
        if other.meta().version != request.other_version {
            return Err(AppError::StaleVersion {
                current: other.meta().version,
            });
        }
        if other.meta().archived || survivor.meta().archived {
            return Err(AppError::conflict(
                "archived",
                "archived records are not merged; restore them first",
            ));
        }
        let ((kept, kept_change), (gone, gone_change)) =
            merge(&survivor, &other, other.uuid(), survivor.uuid(), self.now());
        let events = [
            self.event_for(actor, &kept, kept_change),
            self.event_for(actor, &gone, gone_change),
        ];
        self.store
            .save_merge(
                E::write(&kept, survivor.meta().version, &gone, other.meta().version),
                &events,
            )
            .await?;
        Ok(kept)
    }
}
