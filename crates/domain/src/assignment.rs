//! Lead assignment rules: who gets a new lead from a web form or an import. Rules are tried
//! in order; the first whose conditions all hold assigns the lead to a named user, or round
//! robin to the sales reps of a team.

use crate::error::ValidationErrors;
use crate::ids::{CampaignId, TeamId, UserId};
use crate::lead::{LeadDetails, LeadSource};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRule {
    pub name: String,
    /// Only leads from this source.
    pub source: Option<LeadSource>,
    /// Only leads of this campaign.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub campaign_id: Option<CampaignId>,
    /// Territory by e-mail domain: the address ends with one of these (e.g. ".de", "acme.com").
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// Give the lead to this user…
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<UserId>,
    /// …or in turn to the active sales reps of this team.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub team_id: Option<TeamId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRules {
    pub rules: Vec<AssignmentRule>,
}

/// Where a matching rule sends a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    User(UserId),
    RoundRobin(TeamId),
}

impl AssignmentRule {
    fn matches(&self, lead: &LeadDetails) -> bool {
        let source = self.source.is_none_or(|s| s == lead.source);
        let campaign = self.campaign_id.is_none_or(|c| lead.campaign_id == Some(c));
        let domain = self.email_domains.is_empty()
            || lead.email.as_ref().is_some_and(|e| {
                let address = e.as_str();
                self.email_domains
                    .iter()
                    .any(|d| address.ends_with(&d.trim().to_lowercase()))
            });
        source && campaign && domain
    }

    pub fn target(&self) -> Option<Target> {
        match (self.user_id, self.team_id) {
            (Some(user), _) => Some(Target::User(user)),
            (None, Some(team)) => Some(Target::RoundRobin(team)),
            (None, None) => None,
        }
    }
}

impl AssignmentRules {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.rules.len() > 100 {
            errors.add("rules", "too_many", "at most 100 rules");
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r.name.trim().is_empty() || r.name.len() > 200 {
                errors.add(
                    &format!("rules[{i}].name"),
                    "required",
                    "a name of at most 200 characters",
                );
            }
            if r.user_id.is_some() == r.team_id.is_some() {
                errors.add(
                    &format!("rules[{i}]"),
                    "one_target",
                    "name either a user or a team",
                );
            }
            if r.email_domains
                .iter()
                .any(|d| d.trim().is_empty() || d.len() > 100)
            {
                errors.add(
                    &format!("rules[{i}].email_domains"),
                    "invalid_domain",
                    "domains are 1 to 100 characters",
                );
            }
        }
        errors.into_result()
    }

    /// The first rule that matches the lead, with its position (the round-robin counter key).
    pub fn first_match(&self, lead: &LeadDetails) -> Option<(usize, &AssignmentRule)> {
        self.rules.iter().enumerate().find(|(_, r)| r.matches(lead))
    }
}

/// The `turn`-th member in round-robin order (members sorted by id for a stable order).
pub fn in_turn(members: &[UserId], turn: i64) -> Option<UserId> {
    let mut sorted = members.to_vec();
    sorted.sort();
    let n = sorted.len() as i64;
    (n > 0).then(|| sorted[turn.rem_euclid(n) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::LeadInput;
    use uuid::Uuid;

    fn lead(source: &str, email: &str) -> LeadDetails {
        LeadDetails::parse(
            &LeadInput {
                last_name: Some("X".into()),
                source: Some(source.into()),
                email: Some(email.into()),
                ..Default::default()
            },
            None,
            LeadSource::Manual,
        )
        .unwrap()
    }

    #[test]
    fn first_matching_rule_wins_and_turns_go_round() {
        let team = TeamId(Uuid::from_u128(7));
        let user = UserId(Uuid::from_u128(9));
        let rules = AssignmentRules {
            rules: vec![
                AssignmentRule {
                    name: "DACH web leads".into(),
                    source: Some(LeadSource::WebForm),
                    campaign_id: None,
                    email_domains: vec![".de".into(), ".at".into()],
                    user_id: Some(user),
                    team_id: None,
                },
                AssignmentRule {
                    name: "Everything else".into(),
                    source: None,
                    campaign_id: None,
                    email_domains: vec![],
                    user_id: None,
                    team_id: Some(team),
                },
            ],
        };
        assert!(rules.validate().is_ok());
        let (i, r) = rules.first_match(&lead("web_form", "a@firma.de")).unwrap();
        assert_eq!((i, r.target()), (0, Some(Target::User(user))));
        let (i, _) = rules.first_match(&lead("web_form", "a@firm.fr")).unwrap();
        assert_eq!(i, 1);
        let members = [
            UserId(Uuid::from_u128(3)),
            UserId(Uuid::from_u128(1)),
            UserId(Uuid::from_u128(2)),
        ];
        let picks: Vec<u128> = (0..4)
            .map(|t| in_turn(&members, t).unwrap().0.as_u128())
            .collect();
        assert_eq!(picks, [1, 2, 3, 1]);
        assert_eq!(in_turn(&[], 5), None);
        let mut bad = rules.clone();
        bad.rules[0].team_id = Some(team);
        assert!(bad.validate().is_err());
    }
}
