//! Pipelines: the ordered stages an opportunity moves through, each with a default win
//! probability, an open/won/lost kind, and the fields that must be filled before entering it
//! (the stage gate).

use crate::error::ValidationErrors;
use crate::ids::{PipelineId, StageId};
use crate::text::Name;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

string_enum!(StageKind { Open => "open", Won => "won", Lost => "lost" });

/// An opportunity field a stage gate can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GateField {
    Amount,
    CloseDate,
    /// Named like the opportunity field it checks.
    #[serde(rename = "account_id")]
    Account,
    #[serde(rename = "contact_id")]
    Contact,
    Competitor,
}

string_enum!(GateField {
    Amount => "amount", CloseDate => "close_date", Account => "account_id", Contact => "contact_id",
    Competitor => "competitor",
});

impl GateField {
    pub fn label(self) -> &'static str {
        match self {
            GateField::Amount => "amount",
            GateField::CloseDate => "expected close date",
            GateField::Account => "account",
            GateField::Contact => "contact",
            GateField::Competitor => "competitor",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stage {
    #[schema(value_type = String, format = Uuid)]
    pub id: StageId,
    /// Stable identifier used in the event log (`from_state`/`to_state`); never changes.
    pub key: String,
    pub name: String,
    /// Default win probability in percent, copied onto an opportunity entering the stage.
    pub probability: u8,
    pub kind: StageKind,
    /// Fields that must be filled before an opportunity may enter this stage.
    pub required_fields: Vec<GateField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Pipeline {
    #[schema(value_type = String, format = Uuid)]
    pub id: PipelineId,
    pub name: String,
    pub is_default: bool,
    /// In board order: open stages first, then the won and lost stages.
    pub stages: Vec<Stage>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    pub version: i64,
}

impl Pipeline {
    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// Where new opportunities start.
    pub fn first_stage(&self) -> &Stage {
        // A parsed pipeline always has at least one open stage, first.
        &self.stages[0]
    }

    /// The position of a stage in the board order.
    pub fn position(&self, id: StageId) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }
}

/// One stage of a pipeline definition.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    /// An existing stage's id, to keep it (and the opportunities in it); omit for a new stage.
    pub id: Option<String>,
    /// Stable key for new stages (lower-case letters, digits, `_`); derived from the name when
    /// omitted. The key of an existing stage cannot change.
    pub key: Option<String>,
    pub name: String,
    /// 0–100; defaults to 100 for won, 0 for lost and 10 for open stages.
    pub probability: Option<i64>,
    /// `open` (default), `won` or `lost`.
    pub kind: Option<String>,
    /// Any of: amount, close_date, account_id, contact_id, competitor.
    #[serde(default)]
    pub required_fields: Vec<String>,
}

/// A whole pipeline definition, for creating one or replacing one's stages.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineInput {
    pub name: String,
    pub stages: Vec<StageInput>,
    /// Make this the pipeline new opportunities go to by default.
    #[serde(default)]
    pub is_default: bool,
    /// Required when replacing: the version the change was based on.
    pub version: Option<i64>,
}

pub const MAX_STAGES: usize = 30;

/// "Needs analysis" → "needs_analysis".
pub fn stage_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').chars().take(40).collect()
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Pipeline {
    /// Parses a definition; `current` is the pipeline being replaced, whose stage ids and keys
    /// are kept. `new_id` makes ids for new stages (and the pipeline, when new).
    pub fn parse(
        input: &PipelineInput,
        current: Option<&Pipeline>,
        mut new_id: impl FnMut() -> Uuid,
        now: Timestamp,
    ) -> Result<Pipeline, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.take(Name::parse("name", &input.name));
        if input.stages.is_empty() || input.stages.len() > MAX_STAGES {
            errors.add(
                "stages",
                "invalid_stages",
                format!("a pipeline has 1 to {MAX_STAGES} stages"),
            );
        }
        let mut stages: Vec<Stage> = Vec::new();
        for (i, s) in input.stages.iter().enumerate() {
            let field = |f: &str| format!("stages[{i}].{f}");
            let stage_name = errors.take(Name::parse(&field("name"), &s.name));
            let existing = match s.id.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => None,
                Some(raw) => {
                    let found = raw
                        .parse::<StageId>()
                        .ok()
                        .and_then(|id| current.and_then(|p| p.stage(id)));
                    if found.is_none() {
                        errors.add(
                            &field("id"),
                            "unknown_stage",
                            "is not a stage of this pipeline",
                        );
                    }
                    found
                }
            };
            let key = match (existing, s.key.as_deref().map(str::trim)) {
                (Some(stage), None) => stage.key.clone(),
                (Some(stage), Some(k)) if k == stage.key => stage.key.clone(),
                (Some(_), Some(_)) => {
                    errors.add(
                        &field("key"),
                        "key_immutable",
                        "the key of an existing stage cannot change",
                    );
                    continue;
                }
                (None, Some(k)) if !k.is_empty() => k.to_string(),
                (None, _) => stage_key(&s.name),
            };
            if !valid_key(&key) {
                errors.add(
                    &field("key"),
                    "invalid_key",
                    "use lower-case letters, digits and _ (at most 40)",
                );
            } else if stages.iter().any(|other| other.key == key) {
                errors.add(&field("key"), "duplicate_key", "two stages have this key");
            }
            let kind = match s.kind.as_deref().map(str::trim) {
                None | Some("") => StageKind::Open,
                Some(raw) => match raw.parse() {
                    Ok(kind) => kind,
                    Err(message) => {
                        errors.add(&field("kind"), "invalid_choice", message);
                        StageKind::Open
                    }
                },
            };
            let default_probability = match kind {
                StageKind::Won => 100,
                StageKind::Lost => 0,
                StageKind::Open => 10,
            };
            let probability = s.probability.unwrap_or(default_probability);
            let probability = match (kind, u8::try_from(probability)) {
                (StageKind::Won, Ok(100)) | (StageKind::Lost, Ok(0)) => probability as u8,
                (StageKind::Open, Ok(p)) if p <= 100 => p,
                (StageKind::Won | StageKind::Lost, _) => {
                    errors.add(
                        &field("probability"),
                        "invalid_probability",
                        "a won stage has 100 and a lost stage 0",
                    );
                    0
                }
                _ => {
                    errors.add(
                        &field("probability"),
                        "out_of_range",
                        "must be between 0 and 100",
                    );
                    0
                }
            };
            let mut required_fields = Vec::new();
            for raw in &s.required_fields {
                match raw.trim().parse::<GateField>() {
                    Ok(f) if !required_fields.contains(&f) => required_fields.push(f),
                    Ok(_) => {}
                    Err(message) => {
                        errors.add(&field("required_fields"), "invalid_choice", message)
                    }
                }
            }
            stages.push(Stage {
                id: existing.map(|s| s.id).unwrap_or_else(|| StageId(new_id())),
                key,
                name: stage_name.map(|n| n.to_string()).unwrap_or_default(),
                probability,
                kind,
                required_fields,
            });
        }
        let count = |kind| stages.iter().filter(|s| s.kind == kind).count();
        if !stages.is_empty() {
            if count(StageKind::Open) == 0
                || count(StageKind::Won) != 1
                || count(StageKind::Lost) != 1
            {
                errors.add(
                    "stages",
                    "invalid_stages",
                    "a pipeline needs at least one open stage, one won stage and one lost stage",
                );
            } else if let Some(first_closed) = stages.iter().position(|s| s.kind != StageKind::Open)
                && stages[first_closed..]
                    .iter()
                    .any(|s| s.kind == StageKind::Open)
            {
                errors.add(
                    "stages",
                    "invalid_stages",
                    "open stages come first, then the won and lost stages",
                );
            }
        }
        match name {
            Some(name) if errors.is_empty() => Ok(Pipeline {
                id: current
                    .map(|p| p.id)
                    .unwrap_or_else(|| PipelineId(new_id())),
                name: name.to_string(),
                is_default: input.is_default || current.is_some_and(|p| p.is_default),
                stages,
                created_at: current.map(|p| p.created_at).unwrap_or(now),
                updated_at: now,
                version: current.map(|p| p.version + 1).unwrap_or(1),
            }),
            _ => Err(errors),
        }
    }

    /// The stages of `self` that `next` no longer has.
    pub fn removed_stages(&self, next: &Pipeline) -> Vec<StageId> {
        self.stages
            .iter()
            .filter(|s| next.stage(s.id).is_none())
            .map(|s| s.id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: &str, kind: &str) -> StageInput {
        StageInput {
            name: name.into(),
            kind: Some(kind.into()),
            ..Default::default()
        }
    }

    fn ids() -> impl FnMut() -> Uuid {
        let mut n = 0u128;
        move || {
            n += 1;
            Uuid::from_u128(n)
        }
    }

    fn input(stages: Vec<StageInput>) -> PipelineInput {
        PipelineInput {
            name: "Renewals".into(),
            stages,
            ..Default::default()
        }
    }

    #[test]
    fn parses_a_pipeline_with_defaults() {
        let mut proposal = stage("Proposal sent", "open");
        proposal.probability = Some(60);
        proposal.required_fields = vec!["amount".into(), "close_date".into()];
        let p = Pipeline::parse(
            &input(vec![
                stage("Prospecting", "open"),
                proposal,
                stage("Won", "won"),
                stage("Lost", "lost"),
            ]),
            None,
            ids(),
            Timestamp::UNIX_EPOCH,
        )
        .unwrap();
        let keys: Vec<_> = p.stages.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["prospecting", "proposal_sent", "won", "lost"]);
        let probabilities: Vec<_> = p.stages.iter().map(|s| s.probability).collect();
        assert_eq!(probabilities, [10, 60, 100, 0]);
        assert_eq!(
            p.stages[1].required_fields,
            [GateField::Amount, GateField::CloseDate]
        );
        assert_eq!(p.first_stage().key, "prospecting");
    }

    #[test]
    fn refuses_bad_definitions() {
        let cases = [
            vec![stage("Open", "open"), stage("Won", "won")],
            vec![
                stage("Won", "won"),
                stage("Open", "open"),
                stage("Lost", "lost"),
            ],
            vec![
                stage("A", "open"),
                stage("A", "open"),
                stage("Won", "won"),
                stage("Lost", "lost"),
            ],
            vec![
                stage("A", "sideways"),
                stage("Won", "won"),
                stage("Lost", "lost"),
            ],
            vec![],
        ];
        for stages in cases {
            assert!(
                Pipeline::parse(&input(stages.clone()), None, ids(), Timestamp::UNIX_EPOCH)
                    .is_err(),
                "{stages:?}"
            );
        }
        let mut won = stage("Won", "won");
        won.probability = Some(50);
        assert!(
            Pipeline::parse(
                &input(vec![stage("A", "open"), won, stage("Lost", "lost")]),
                None,
                ids(),
                Timestamp::UNIX_EPOCH
            )
            .is_err()
        );
    }

    #[test]
    fn gate_fields_read_and_write_alike() {
        for g in GateField::ALL {
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
    }

    #[test]
    fn replacing_keeps_ids_and_keys() {
        let first = Pipeline::parse(
            &input(vec![
                stage("A", "open"),
                stage("Won", "won"),
                stage("Lost", "lost"),
            ]),
            None,
            ids(),
            Timestamp::UNIX_EPOCH,
        )
        .unwrap();
        let mut renamed = stage("Discovery", "open");
        renamed.id = Some(first.stages[0].id.to_string());
        let next = Pipeline::parse(
            &input(vec![renamed, stage("Won", "won"), stage("Lost", "lost")]),
            Some(&first),
            || Uuid::from_u128(99),
            Timestamp::UNIX_EPOCH,
        )
        .unwrap();
        assert_eq!(next.stages[0].id, first.stages[0].id);
        assert_eq!(next.stages[0].key, "a");
        assert_eq!(next.stages[0].name, "Discovery");
        assert_eq!(next.version, 2);
        assert_eq!(first.removed_stages(&next).len(), 2);
        assert_eq!(stage_key("  Needs analysis / Demo "), "needs_analysis_demo");
    }
}
