//! Assigning new leads (from web forms and imports) by the company's rules: to a named user,
//! or in turn to the active sales reps of a team.

use std::collections::HashMap;

use salesflow_domain::assignment::{AssignmentRules, Target, in_turn};
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::ids::{TeamId, UserId};
use salesflow_domain::lead::LeadDetails;
use salesflow_domain::role::Role;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

const KEY: &str = "assignment";

/// A new version of the assignment rules.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentUpdate {
    pub settings: AssignmentRules,
    /// The version the change was based on (0 while no rule was ever saved).
    pub version: i64,
}

/// Who a lead goes to, and by which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub owner: UserId,
    pub team: Option<TeamId>,
    pub rule: String,
}

/// The rules with the people they can pick from, loaded once for a batch of leads.
pub struct Assigner {
    rules: AssignmentRules,
    users: HashMap<UserId, Option<TeamId>>,
    reps_by_team: HashMap<TeamId, Vec<UserId>>,
}

impl App {
    pub async fn assignment_rules(&self, actor: &Actor) -> AppResult<(AssignmentRules, i64)> {
        actor.require(Resource::Lead, Action::Read)?;
        self.settings_doc(KEY).await
    }

    pub async fn save_assignment_rules(
        &self,
        actor: &Actor,
        update: &AssignmentUpdate,
    ) -> AppResult<(AssignmentRules, i64)> {
        actor.require(Resource::Pipeline, Action::Update)?;
        update.settings.validate()?;
        let users = self.store.list_users().await?;
        for (i, rule) in update.settings.rules.iter().enumerate() {
            if let Some(user) = rule.user_id
                && !users.iter().any(|u| u.id == user && u.active)
            {
                return Err(AppError::invalid(
                    &format!("rules[{i}].user_id"),
                    "unknown_user",
                    "no active user with this id",
                ));
            }
            if let Some(team) = rule.team_id
                && !users.iter().any(|u| u.team_id == Some(team) && u.active)
            {
                return Err(AppError::invalid(
                    &format!("rules[{i}].team_id"),
                    "empty_team",
                    "the team has no active member",
                ));
            }
        }
        let version = self
            .save_settings_doc(
                actor,
                KEY,
                Resource::Pipeline,
                &update.settings,
                update.version,
            )
            .await?;
        Ok((update.settings.clone(), version))
    }

    /// Loads the rules and the people they may pick.
    pub async fn assigner(&self) -> AppResult<Assigner> {
        let (rules, _): (AssignmentRules, i64) = self.settings_doc(KEY).await?;
        let active: Vec<_> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.active)
            .collect();
        let mut reps_by_team: HashMap<TeamId, Vec<UserId>> = HashMap::new();
        // Reps take turns; a team without reps falls back to its managers.
        for role in [Role::SalesRep, Role::SalesManager] {
            for u in active.iter().filter(|u| u.role == role) {
                if let Some(team) = u.team_id
                    && reps_by_team
                        .get(&team)
                        .is_none_or(|m| m.is_empty() || role == Role::SalesRep)
                {
                    reps_by_team.entry(team).or_default().push(u.id);
                }
            }
        }
        Ok(Assigner {
            rules,
            users: active.iter().map(|u| (u.id, u.team_id)).collect(),
            reps_by_team,
        })
    }

    /// Owners for a batch of new leads, in order; `None` where no rule applies. Turns are
    /// reserved per rule in one step, so a batch costs one counter update per rule.
    pub async fn assign(
        &self,
        assigner: &Assigner,
        leads: &[&LeadDetails],
    ) -> AppResult<Vec<Option<Assigned>>> {
        let matches: Vec<Option<usize>> = leads
            .iter()
            .map(|l| assigner.rules.first_match(l).map(|(i, _)| i))
            .collect();
        let mut next_turn: HashMap<usize, i64> = HashMap::new();
        for (index, rule) in assigner.rules.rules.iter().enumerate() {
            let count = matches.iter().filter(|m| **m == Some(index)).count() as i64;
            if count > 0 && matches!(rule.target(), Some(Target::RoundRobin(_))) {
                let first = self
                    .store
                    .take_turns(&format!("assignment:{index}"), count)
                    .await?;
                next_turn.insert(index, first);
            }
        }
        Ok(matches
            .into_iter()
            .map(|m| {
                let index = m?;
                let rule = &assigner.rules.rules[index];
                let owner = match rule.target()? {
                    Target::User(user) => assigner.users.contains_key(&user).then_some(user)?,
                    Target::RoundRobin(team) => {
                        let turn = next_turn.get_mut(&index)?;
                        let member = in_turn(assigner.reps_by_team.get(&team)?, *turn)?;
                        *turn += 1;
                        member
                    }
                };
                Some(Assigned {
                    owner,
                    team: assigner.users.get(&owner).copied().flatten(),
                    rule: rule.name.clone(),
                })
            })
            .collect())
    }
}
