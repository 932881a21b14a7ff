//! The OpenAPI entries of the sales process routes: pipelines and the board, activities and
//! My day, qualification, conversion and settings.

use super::*;
use crate::api::activities::MyDayParams;
use crate::api::deadlines::{OpenParams, OutcomeParams};

pub(super) fn pipeline_endpoints() -> Vec<Endpoint> {
    let object = || RefOr::T(Schema::Object(ObjectBuilder::new().build()));
    let one = |key: &str, name: &str| wrapped(key, schema_ref(name));
    vec![
        Endpoint::new(HttpMethod::Post, "/api/v1/leads/{id}/handoff", "leads", "Hand a lead over to another user, with the reason")
            .id()
            .body(schema_ref("HandOff"))
            .returns("200", "application/json", one("lead", "Lead")),
        Endpoint::new(HttpMethod::Post, "/api/v1/opportunities/{id}/handoff", "opportunities", "Hand an opportunity over to another user, with the reason")
            .id()
            .body(schema_ref("HandOff"))
            .returns("200", "application/json", one("opportunity", "Opportunity")),
        Endpoint::new(HttpMethod::Post, "/api/v1/opportunities/{id}/move", "opportunities", "Move an opportunity to another stage; 409 stage_gate names the fields the stage needs")
            .id()
            .body(schema_ref("StageMove"))
            .returns("200", "application/json", one("opportunity", "Opportunity")),
        Endpoint::new(HttpMethod::Get, "/api/v1/opportunities/{id}/stage-history", "opportunities", "Time in stage: every stay of the opportunity in a stage, oldest first")
            .id()
            .returns("200", "application/json", wrapped("stages", RefOr::T(Schema::Array(ArrayBuilder::new().items(object()).build())))),
        Endpoint::new(HttpMethod::Get, "/api/v1/board", "opportunities", "A pipeline's board: per stage the totals (count, amount, weighted amount per currency) and one page of opportunities")
            .params(BoardParams::into_params(|| Some(ParameterIn::Query)))
            .returns("200", "application/json", object()),
        Endpoint::new(HttpMethod::Get, "/api/v1/pipelines", "pipelines", "Pipelines with their stages, the default first")
            .returns("200", "application/json", wrapped("pipelines", array_of("Pipeline"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/pipelines", "pipelines", "Create a pipeline (admin, sales manager)")
            .body(schema_ref("PipelineInput"))
            .returns("201", "application/json", one("pipeline", "Pipeline")),
        Endpoint::new(HttpMethod::Get, "/api/v1/pipelines/{id}", "pipelines", "A pipeline with its stages")
            .id()
            .returns("200", "application/json", one("pipeline", "Pipeline")),
        Endpoint::new(HttpMethod::Put, "/api/v1/pipelines/{id}", "pipelines", "Replace a pipeline's name and stages (send `version`; stages keep their id; a removed stage must be empty)")
            .id()
            .body(schema_ref("PipelineInput"))
            .returns("200", "application/json", one("pipeline", "Pipeline")),
    ]
}

pub(super) fn activity_endpoints() -> Vec<Endpoint> {
    let object = || RefOr::T(Schema::Object(ObjectBuilder::new().build()));
    let mut all = vec![
        Endpoint::new(
            HttpMethod::Post,
            "/api/v1/activities/{id}/complete",
            "activities",
            "Mark an activity done, with its outcome",
        )
        .id()
        .body(schema_ref("Completion"))
        .returns(
            "200",
            "application/json",
            wrapped("activity", schema_ref("Activity")),
        ),
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/my-day",
            "activities",
            "Your overdue and due-today activities and the leads nobody touched for `stale_days`",
        )
        .params(MyDayParams::into_params(|| Some(ParameterIn::Query)))
        .returns("200", "application/json", object()),
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/notifications",
            "activities",
            "What waits for you (approvals, customers' answers, orders to confirm, goods to pick \
             and ship, invoices to post, hand-offs, due reminders), newest first: each with its \
             event, `kind`, `says` and whether it is unread; `email` tells whether you get them \
             by e-mail too",
        )
        .returns("200", "application/json", object()),
        Endpoint::new(
            HttpMethod::Put,
            "/api/v1/notifications/email",
            "activities",
            "Get your notifications by e-mail too (`enabled: true`) or not",
        )
        .body(schema_ref("EmailChoice"))
        .returns("200", "application/json", object()),
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/deadlines",
            "deadlines",
            "Running step deadlines of records you may read, soonest due first: overdue ones \
             (default) or all (`overdue=false`); each with its state (running, due_soon, \
             overdue), record and times. Page on with `after` = the answer's `next`",
        )
        .params(OpenParams::into_params(|| Some(ParameterIn::Query)))
        .returns("200", "application/json", object()),
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/deadlines/outcomes",
            "deadlines",
            "Per step that ends deadlines: how many stopped, how many of them late (`missed`) \
             and the breach rate, for deadlines started in the period",
        )
        .params(OutcomeParams::into_params(|| Some(ParameterIn::Query)))
        .returns("200", "application/json", object()),
        Endpoint::new(
            HttpMethod::Post,
            "/api/v1/notifications/seen",
            "activities",
            "Mark your notifications read",
        )
        .no_content(),
    ];
    for path in ["leads", "contacts", "accounts", "opportunities"] {
        all.push(
            Endpoint::new(
                HttpMethod::Get,
                format!("/api/v1/{path}/{{id}}/activities"),
                "activities",
                "The activities about this record, open ones first",
            )
            .id()
            .returns(
                "200",
                "application/json",
                wrapped("activities", array_of("Activity")),
            ),
        );
    }
    all
}

pub(super) fn qualify_endpoints() -> Vec<Endpoint> {
    let object = || RefOr::T(Schema::Object(ObjectBuilder::new().build()));
    // `{settings, version}` around the named settings schema.
    let settings_of = |name: &str| {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .property("settings", schema_ref(name))
                .property(
                    "version",
                    RefOr::T(Schema::Object(
                        ObjectBuilder::new().schema_type(Type::Integer).build(),
                    )),
                )
                .build(),
        ))
    };
    let settings = || settings_of("QualificationSettings");
    let assignment = || settings_of("AssignmentRules");
    vec![
        Endpoint::new(HttpMethod::Post, "/api/v1/leads/{id}/convert", "leads", "Convert a qualified lead into account + contact + opportunity in one step (existing account/contact reused when found)")
            .id()
            .body(schema_ref("ConvertLead"))
            .returns("200", "application/json", object()),
        Endpoint::new(HttpMethod::Put, "/api/v1/leads/{id}/criteria", "leads", "Answer qualification criteria on a lead")
            .id()
            .body(schema_ref("CriteriaAnswers"))
            .returns("200", "application/json", wrapped("lead", schema_ref("Lead"))),
        Endpoint::new(HttpMethod::Get, "/api/v1/leads/{id}/score", "leads", "The lead's score with the points each rule gave")
            .id()
            .returns("200", "application/json", wrapped("score", schema_ref("Score"))),
        Endpoint::new(HttpMethod::Get, "/api/v1/settings/qualification", "settings", "Qualification criteria and scoring rules")
            .returns("200", "application/json", settings()),
        Endpoint::new(HttpMethod::Put, "/api/v1/settings/qualification", "settings", "Change the qualification criteria and scoring rules (admin, sales manager; send `version`)")
            .body(schema_ref("QualificationUpdate"))
            .returns("200", "application/json", settings()),
        Endpoint::new(HttpMethod::Get, "/api/v1/settings/assignment", "settings", "Lead assignment rules (web forms and imports): first match wins; a user, or round robin in a team")
            .returns("200", "application/json", assignment()),
        Endpoint::new(HttpMethod::Put, "/api/v1/settings/assignment", "settings", "Change the lead assignment rules (admin, sales manager; send `version`)")
            .body(schema_ref("AssignmentUpdate"))
            .returns("200", "application/json", assignment()),
    ]
}
