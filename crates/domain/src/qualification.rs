//! Lead qualification: the company's criteria (budget, authority, need, timeline by default)
//! and a rule-based score that explains itself, rule by rule.

use crate::error::ValidationErrors;
use crate::lead::{Lead, LeadSource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criterion {
    /// Stable key used in answers, e.g. `budget`.
    pub key: String,
    pub label: String,
    /// Points when the criterion is met.
    pub points: i64,
}

/// Points for what a lead brings along: how it came, how complete and senior it is, and how
/// much has been done with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoringRules {
    /// Points by lead source (sources not listed give none).
    #[schema(value_type = Object)]
    pub source_points: BTreeMap<LeadSource, i64>,
    /// Points per completed activity on the lead, up to `engagement_cap`.
    pub points_per_done_activity: i64,
    pub engagement_cap: i64,
    pub email_points: i64,
    pub phone_points: i64,
    pub company_points: i64,
    /// Points when the job title contains one of `senior_titles` (case-insensitive).
    pub senior_title_points: i64,
    pub senior_titles: Vec<String>,
}

/// The company's qualification settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationSettings {
    pub criteria: Vec<Criterion>,
    pub rules: ScoringRules,
}

impl Default for QualificationSettings {
    fn default() -> Self {
        let criterion = |key: &str, label: &str| Criterion {
            key: key.into(),
            label: label.into(),
            points: 15,
        };
        Self {
            criteria: vec![
                criterion("budget", "Budget: money is set aside"),
                criterion("authority", "Authority: we talk to who decides"),
                criterion("need", "Need: a problem we solve"),
                criterion("timeline", "Timeline: buying within 6 months"),
            ],
            rules: ScoringRules {
                source_points: BTreeMap::from([
                    (LeadSource::Referral, 15),
                    (LeadSource::Partner, 10),
                    (LeadSource::Event, 10),
                    (LeadSource::WebForm, 10),
                    (LeadSource::Advertising, 5),
                    (LeadSource::Import, 0),
                ]),
                points_per_done_activity: 5,
                engagement_cap: 20,
                email_points: 5,
                phone_points: 5,
                company_points: 5,
                senior_title_points: 10,
                senior_titles: [
                    "chief",
                    "head",
                    "director",
                    "vp",
                    "vice president",
                    "owner",
                    "founder",
                    "ceo",
                    "cto",
                    "cfo",
                ]
                .into_iter()
                .map(String::from)
                .collect(),
            },
        }
    }
}

impl QualificationSettings {
    /// Checks a submitted configuration: keys present, unique and simple; points in range.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.criteria.len() > 20 {
            errors.add("criteria", "too_many", "at most 20 criteria");
        }
        for (i, c) in self.criteria.iter().enumerate() {
            let simple = !c.key.is_empty()
                && c.key.len() <= 40
                && c.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !simple {
                errors.add(
                    &format!("criteria[{i}].key"),
                    "invalid_key",
                    "use lower-case letters, digits and _",
                );
            } else if self.criteria[..i].iter().any(|o| o.key == c.key) {
                errors.add(
                    &format!("criteria[{i}].key"),
                    "duplicate_key",
                    "two criteria have this key",
                );
            }
            if c.label.trim().is_empty() || c.label.len() > 200 {
                errors.add(
                    &format!("criteria[{i}].label"),
                    "required",
                    "a label of at most 200 characters",
                );
            }
        }
        let r = &self.rules;
        let points = self
            .criteria
            .iter()
            .map(|c| c.points)
            .chain(r.source_points.values().copied())
            .chain([
                r.points_per_done_activity,
                r.engagement_cap,
                r.email_points,
                r.phone_points,
                r.company_points,
                r.senior_title_points,
            ]);
        if points.into_iter().any(|p| !(-100..=100).contains(&p)) {
            errors.add("rules", "out_of_range", "points are between -100 and 100");
        }
        errors.into_result()
    }

    pub fn keys(&self) -> Vec<&str> {
        self.criteria.iter().map(|c| c.key.as_str()).collect()
    }
}

/// One line of a score's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScoreLine {
    pub rule: String,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Score {
    pub total: i64,
    /// Every rule that gave points, in rule order.
    pub lines: Vec<ScoreLine>,
    /// Criteria answered yes, out of all criteria.
    pub criteria_met: usize,
    pub criteria_total: usize,
}

/// Scores a lead: criteria met, source, completeness, seniority and engagement
/// (`done_activities` completed activities on it).
pub fn score(lead: &Lead, done_activities: i64, settings: &QualificationSettings) -> Score {
    let mut lines = Vec::new();
    let mut add = |rule: String, points: i64| {
        if points != 0 {
            lines.push(ScoreLine { rule, points });
        }
    };
    let mut met = 0;
    for c in &settings.criteria {
        if lead.criteria.get(&c.key) == Some(&true) {
            met += 1;
            add(format!("Criterion met: {}", c.label), c.points);
        }
    }
    let r = &settings.rules;
    let d = &lead.details;
    if let Some(points) = r.source_points.get(&d.source) {
        add(
            format!("Source: {}", d.source.as_str().replace('_', " ")),
            *points,
        );
    }
    if d.email.is_some() {
        add("Has an e-mail address".into(), r.email_points);
    }
    if d.phone.is_some() {
        add("Has a phone number".into(), r.phone_points);
    }
    if d.company.is_some() {
        add("Company known".into(), r.company_points);
    }
    if let Some(title) = &d.title {
        let title = title.to_lowercase();
        if let Some(word) = r
            .senior_titles
            .iter()
            .find(|w| title.contains(&w.to_lowercase()))
        {
            add(format!("Senior title ({word})"), r.senior_title_points);
        }
    }
    let engagement = (done_activities.max(0) * r.points_per_done_activity).min(r.engagement_cap);
    add(
        format!("Engagement: {done_activities} completed activities"),
        engagement,
    );
    Score {
        total: lines.iter().map(|l| l.points).sum(),
        lines,
        criteria_met: met,
        criteria_total: settings.criteria.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{LeadId, UserId};
    use crate::lead::{LeadDetails, LeadInput};
    use crate::record::RecordMeta;
    use jiff::Timestamp;
    use uuid::Uuid;

    #[test]
    fn score_explains_every_point() {
        let input = LeadInput {
            last_name: Some("Hopper".into()),
            title: Some("Head of IT".into()),
            email: Some("grace@navy.example".into()),
            source: Some("referral".into()),
            ..Default::default()
        };
        let details = LeadDetails::parse(&input, None, LeadSource::Manual).unwrap();
        let (mut lead, _) = Lead::new(
            LeadId(Uuid::nil()),
            details,
            RecordMeta::new(UserId(Uuid::nil()), None, Timestamp::UNIX_EPOCH),
        );
        lead.criteria.insert("budget".into(), true);
        lead.criteria.insert("need".into(), false);
        let s = score(&lead, 7, &QualificationSettings::default());
        let got: Vec<(&str, i64)> = s
            .lines
            .iter()
            .map(|l| (l.rule.as_str(), l.points))
            .collect();
        assert_eq!(
            got,
            [
                ("Criterion met: Budget: money is set aside", 15),
                ("Source: referral", 15),
                ("Has an e-mail address", 5),
                ("Senior title (head)", 10),
                ("Engagement: 7 completed activities", 20),
            ]
        );
        assert_eq!((s.total, s.criteria_met, s.criteria_total), (65, 1, 4));
    }

    #[test]
    fn settings_are_validated() {
        assert!(QualificationSettings::default().validate().is_ok());
        let mut bad = QualificationSettings::default();
        bad.criteria[1].key = "budget".into();
        bad.criteria[2].key = "Need!".into();
        bad.rules.email_points = 1000;
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["criteria[1].key", "criteria[2].key", "rules"]);
    }
}
