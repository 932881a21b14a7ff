//! The role × route matrix (RELIABILITY.md goal 18, first version): every API route, every
//! role, on the user's own record and on another user's. A documented route missing from the
//! matrix fails the test, so new routes are denied review by default.

use std::collections::BTreeSet;

use reqwest::Method;
use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_app::leads::LeadTransition;
use salesflow_app::ports::{ImportRun, UserRecord};
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::activity::{Activity, ActivityInput};
use salesflow_domain::campaign::{Campaign, CampaignInput};
use salesflow_domain::contact::{Contact, ContactInput};
use salesflow_domain::lead::{Lead, LeadAction, LeadInput};
use salesflow_domain::opportunity::{Opportunity, OpportunityInput};
use salesflow_domain::pipeline::PipelineInput;
use salesflow_domain::role::Role;
use salesflow_domain::web_form::{WebForm, WebFormInput};
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

/// Columns: anonymous, admin, sales_manager, sales_rep, marketing, warehouse, finance, support.
/// "own" rows act on a record owned by the caller; "other" rows on one owned by a rep of
/// another team.
const MATRIX: &[(&str, [u16; 8])] = &[
    (
        "GET /api/v1/leads",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads",
        [401, 201, 201, 201, 201, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/export",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/counts",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id} own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id} other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "PATCH /api/v1/leads/{id} own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "PATCH /api/v1/leads/{id} other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/archive own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/archive other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/restore own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/restore other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id}/events own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id}/events other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/transitions own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/transitions other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/handoff own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/handoff other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/opportunities",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "POST /api/v1/opportunities",
        [401, 201, 201, 201, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/opportunities/export",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/opportunities/counts",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/opportunities/{id} own",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/opportunities/{id} other",
        [401, 200, 404, 404, 200, 403, 200, 403],
    ),
    (
        "PATCH /api/v1/opportunities/{id} own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "PATCH /api/v1/opportunities/{id} other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/archive own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/archive other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/restore own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/restore other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/opportunities/{id}/events own",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/opportunities/{id}/events other",
        [401, 200, 404, 404, 200, 403, 200, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/move own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/move other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/handoff own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/opportunities/{id}/handoff other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/opportunities/{id}/stage-history own",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/opportunities/{id}/stage-history other",
        [401, 200, 404, 404, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/board",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/pipelines",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "POST /api/v1/pipelines",
        [401, 201, 201, 403, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/pipelines/{id}",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "PUT /api/v1/pipelines/{id}",
        [401, 200, 200, 403, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/activities",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/activities",
        [401, 201, 201, 201, 201, 201, 201, 201],
    ),
    (
        "GET /api/v1/activities/export",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/activities/counts",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/activities/{id} own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/activities/{id} other",
        [401, 200, 404, 404, 404, 404, 404, 404],
    ),
    (
        "PATCH /api/v1/activities/{id} own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "PATCH /api/v1/activities/{id} other",
        [401, 200, 404, 404, 404, 404, 404, 404],
    ),
    (
        "POST /api/v1/activities/{id}/archive own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/activities/{id}/archive other",
        [401, 200, 404, 404, 404, 404, 404, 404],
    ),
    (
        "POST /api/v1/activities/{id}/restore own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/activities/{id}/restore other",
        [401, 200, 404, 404, 404, 404, 404, 404],
    ),
    (
        "GET /api/v1/activities/{id}/events own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/activities/{id}/events other",
        [401, 200, 404, 404, 404, 404, 404, 404],
    ),
    (
        "POST /api/v1/activities/{id}/complete own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/activities/{id}/complete other",
        [401, 200, 404, 404, 404, 404, 404, 404],
    ),
    (
        "GET /api/v1/leads/{id}/activities own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id}/activities other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/contacts/{id}/activities own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/contacts/{id}/activities other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/accounts/{id}/activities own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/accounts/{id}/activities other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/opportunities/{id}/activities own",
        [401, 200, 200, 200, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/opportunities/{id}/activities other",
        [401, 200, 404, 404, 200, 403, 200, 403],
    ),
    (
        "GET /api/v1/my-day",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/notifications",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/notifications/seen",
        [401, 204, 204, 204, 204, 204, 204, 204],
    ),
    (
        "PUT /api/v1/notifications/email",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/leads/{id}/convert own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/convert other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "PUT /api/v1/leads/{id}/criteria own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "PUT /api/v1/leads/{id}/criteria other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id}/score own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id}/score other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/settings/qualification",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "PUT /api/v1/settings/qualification",
        [401, 200, 200, 403, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/campaigns",
        [401, 201, 403, 403, 201, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/export",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/counts",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/{id} own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/{id} other",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "PATCH /api/v1/campaigns/{id} own",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "PATCH /api/v1/campaigns/{id} other",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/campaigns/{id}/archive own",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/campaigns/{id}/archive other",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/campaigns/{id}/restore own",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/campaigns/{id}/restore other",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/{id}/events own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/{id}/events other",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/{id}/leads own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/campaigns/{id}/leads other",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/web-forms",
        [401, 200, 200, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/web-forms",
        [401, 201, 403, 403, 201, 403, 403, 403],
    ),
    (
        "GET /api/v1/web-forms/export",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/web-forms/counts",
        [401, 200, 200, 403, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/web-forms/{id} own",
        [401, 200, 200, 403, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/web-forms/{id} other",
        [401, 200, 200, 403, 200, 403, 403, 403],
    ),
    (
        "PATCH /api/v1/web-forms/{id} own",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "PATCH /api/v1/web-forms/{id} other",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/web-forms/{id}/archive own",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/web-forms/{id}/archive other",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/web-forms/{id}/restore own",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/web-forms/{id}/restore other",
        [401, 200, 403, 403, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/web-forms/{id}/events own",
        [401, 200, 200, 403, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/web-forms/{id}/events other",
        [401, 200, 200, 403, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/imports",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/imports/{id}/rejected own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/imports/{id}/rejected other",
        [401, 200, 404, 404, 404, 404, 404, 404],
    ),
    (
        "GET /api/v1/leads/{id}/duplicates own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/leads/{id}/duplicates other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/merge own",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "POST /api/v1/leads/{id}/merge other",
        [401, 200, 404, 404, 200, 403, 403, 403],
    ),
    (
        "GET /api/v1/contacts/{id}/duplicates own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/contacts/{id}/duplicates other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/contacts/{id}/merge own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/contacts/{id}/merge other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/accounts/{id}/duplicates own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/accounts/{id}/duplicates other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/accounts/{id}/merge own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/accounts/{id}/merge other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/settings/assignment",
        [401, 200, 200, 200, 200, 403, 403, 403],
    ),
    (
        "PUT /api/v1/settings/assignment",
        [401, 200, 200, 403, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/accounts",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/accounts",
        [401, 201, 201, 201, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/accounts/export",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/accounts/counts",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/accounts/{id} own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/accounts/{id} other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    (
        "PATCH /api/v1/accounts/{id} own",
        [401, 200, 200, 200, 403, 403, 200, 403],
    ),
    (
        "PATCH /api/v1/accounts/{id} other",
        [401, 200, 404, 404, 403, 403, 200, 403],
    ),
    (
        "POST /api/v1/accounts/{id}/archive own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/accounts/{id}/archive other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/accounts/{id}/restore own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/accounts/{id}/restore other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/accounts/{id}/events own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/accounts/{id}/events other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/contacts",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/contacts",
        [401, 201, 201, 201, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/contacts/export",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/contacts/counts",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/contacts/{id} own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/contacts/{id} other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    (
        "PATCH /api/v1/contacts/{id} own",
        [401, 200, 200, 200, 403, 403, 200, 200],
    ),
    (
        "PATCH /api/v1/contacts/{id} other",
        [401, 200, 404, 404, 403, 403, 200, 200],
    ),
    (
        "POST /api/v1/contacts/{id}/archive own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/contacts/{id}/archive other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/contacts/{id}/restore own",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/contacts/{id}/restore other",
        [401, 200, 404, 404, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/contacts/{id}/events own",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/contacts/{id}/events other",
        [401, 200, 404, 404, 200, 200, 200, 200],
    ),
    ("GET /api/v1/me", [401, 200, 200, 200, 200, 200, 200, 200]),
    (
        "PUT /api/v1/me/preferences",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET /api/v1/tokens",
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/tokens/{id}/revoke own",
        [401, 204, 204, 204, 204, 204, 204, 204],
    ),
    (
        "POST /api/v1/tokens/{id}/revoke other",
        [401, 204, 404, 404, 404, 404, 404, 404],
    ),
    (
        "GET /api/v1/users",
        [401, 200, 403, 403, 403, 403, 403, 403],
    ),
    (
        "POST /api/v1/users",
        [401, 201, 403, 403, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/audit",
        [401, 200, 403, 403, 403, 403, 403, 403],
    ),
];

pub const ROLES: [Option<Role>; 8] = [
    None,
    Some(Role::Admin),
    Some(Role::SalesManager),
    Some(Role::SalesRep),
    Some(Role::Marketing),
    Some(Role::Warehouse),
    Some(Role::Finance),
    Some(Role::Support),
];

#[test]
fn every_documented_route_is_in_the_matrix() {
    let doc = salesflow_web::openapi_document();
    let mut documented = BTreeSet::new();
    for (path, item) in doc.paths.paths.iter() {
        let ops = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PATCH", item.patch.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in ops {
            if present {
                documented.insert(format!("{method} {path}"));
            }
        }
    }
    let in_matrix: BTreeSet<String> = MATRIX
        .iter()
        .chain(super::access_documents::MATRIX)
        .map(|(route, _)| {
            route
                .trim_end_matches(" own")
                .trim_end_matches(" other")
                .to_string()
        })
        .collect();
    let missing: Vec<_> = documented.difference(&in_matrix).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access matrix (denied by review until added): {missing:?}"
    );
    let stale: Vec<_> = in_matrix.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "matrix rows for routes that do not exist: {stale:?}"
    );
}

struct Fixtures {
    admin: Actor,
    other: UserRecord,
    /// Where hand-offs go: a manager of the other team.
    target: UserRecord,
}

/// The second stage of the default pipeline (no gate).
const QUALIFICATION: &str = "0190a000-0000-7000-8000-000000000102";

fn pipeline_body(name: &str, version: Option<i64>) -> Value {
    json!({
        "name": name,
        "version": version,
        "stages": [
            { "name": "Talking" },
            { "name": "Won", "kind": "won" },
            { "name": "Lost", "kind": "lost" }
        ]
    })
}

/// A fresh account owned by `owner`, for activities to be about.
async fn account_of(t: &TestApp, f: &Fixtures, owner_id: &Option<String>) -> String {
    let a: Account = t
        .app
        .create(
            &f.admin,
            &AccountInput {
                name: Some("Matrix activity target".into()),
                owner_id: owner_id.clone(),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .unwrap();
    a.id.to_string()
}

/// A fresh record of the route's kind, owned by `owner`.
async fn record(t: &TestApp, f: &Fixtures, kind: &str, owner: &UserRecord) -> (String, i64) {
    let owner_id = Some(owner.id.to_string());
    match kind {
        "leads" => {
            let l: Lead = t
                .app
                .create(
                    &f.admin,
                    &LeadInput {
                        last_name: Some("Matrix".into()),
                        owner_id,
                        ..Default::default()
                    },
                    Origin::Api,
                )
                .await
                .unwrap();
            (l.id.to_string(), l.meta.version)
        }
        "opportunities" => {
            let o: Opportunity = t
                .app
                .create(
                    &f.admin,
                    &OpportunityInput {
                        name: Some("Matrix deal".into()),
                        owner_id,
                        ..Default::default()
                    },
                    Origin::Api,
                )
                .await
                .unwrap();
            (o.id.to_string(), o.meta.version)
        }
        "activities" => {
            let about = account_of(t, f, &owner_id).await;
            let a: Activity = t
                .app
                .create(
                    &f.admin,
                    &ActivityInput {
                        kind: Some("call".into()),
                        subject: Some("Matrix call".into()),
                        related_type: Some("account".into()),
                        related_id: Some(about),
                        owner_id,
                        ..Default::default()
                    },
                    Origin::Api,
                )
                .await
                .unwrap();
            (a.id.to_string(), a.meta.version)
        }
        "campaigns" => {
            let input = CampaignInput {
                name: Some("Matrix campaign".into()),
                owner_id,
                ..Default::default()
            };
            let c: Campaign = t.app.create(&f.admin, &input, Origin::Api).await.unwrap();
            (c.id.to_string(), c.meta.version)
        }
        "web-forms" => {
            let input = WebFormInput {
                name: Some("Matrix form".into()),
                owner_id,
                ..Default::default()
            };
            let w: WebForm = t.app.create(&f.admin, &input, Origin::Api).await.unwrap();
            (w.id.to_string(), w.meta.version)
        }
        "imports" => {
            let run = ImportRun {
                id: uuid::Uuid::now_v7(),
                user_id: owner.id,
                kind: "leads".into(),
                file_name: "matrix.csv".into(),
                dry_run: true,
                total: 1,
                imported: 0,
                rejected: 1,
                rejected_csv: "Last Name,error\n,last_name: is required\n".into(),
                created_at: jiff::Timestamp::now(),
            };
            t.app.store.save_import_run(&run).await.unwrap();
            (run.id.to_string(), 1)
        }
        "pipelines" => {
            let input: PipelineInput =
                serde_json::from_value(pipeline_body("Matrix pipeline", None)).unwrap();
            let p = t.app.create_pipeline(&f.admin, &input).await.unwrap();
            (p.id.to_string(), p.version)
        }
        "accounts" => {
            let a: Account = t
                .app
                .create(
                    &f.admin,
                    &AccountInput {
                        name: Some("Matrix Inc".into()),
                        owner_id,
                        ..Default::default()
                    },
                    Origin::Api,
                )
                .await
                .unwrap();
            (a.id.to_string(), a.meta.version)
        }
        _ => {
            let c: Contact = t
                .app
                .create(
                    &f.admin,
                    &ContactInput {
                        last_name: Some("Matrix".into()),
                        owner_id,
                        ..Default::default()
                    },
                    Origin::Api,
                )
                .await
                .unwrap();
            (c.id.to_string(), c.meta.version)
        }
    }
}

fn create_body(kind: &str) -> Value {
    match kind {
        "leads" => json!({ "last_name": "Created" }),
        "accounts" => json!({ "name": "Created Inc" }),
        "contacts" => json!({ "last_name": "Created" }),
        "opportunities" => json!({ "name": "Created deal" }),
        "campaigns" => json!({ "name": "Created campaign" }),
        "web-forms" => json!({ "name": "Created form" }),
        "pipelines" => pipeline_body("Created pipeline", None),
        "tokens" => json!({ "name": "matrix" }),
        _ => {
            json!({ "email": format!("new-{}@test.example", uuid::Uuid::now_v7().simple()), "name": "New", "role": "support", "password": "long enough password" })
        }
    }
}

async fn check(
    t: &TestApp,
    f: &Fixtures,
    route: &str,
    caller: Option<&UserRecord>,
    api: &Api,
) -> u16 {
    let mut words = route.split(' ');
    let method: Method = words.next().unwrap().parse().unwrap();
    let template = words.next().unwrap();
    let whose = words.next();
    let kind = template.split('/').nth(3).unwrap();
    let owner = match (whose, caller) {
        (Some("own"), Some(me)) => me.clone(),
        _ => f.other.clone(),
    };
    if kind == "imports" && method == Method::POST {
        let reply = api
            .post_raw(
                "/api/v1/imports?kind=leads",
                "text/csv",
                b"Last Name\nMatrix\n",
            )
            .await;
        return reply.status.as_u16();
    }
    let (path, body) = if kind == "activities"
        && method == Method::POST
        && !template.contains("{id}")
    {
        // A new activity is about a record the caller can see: an account of their own.
        let about = account_of(t, f, &caller.map(|c| c.id.to_string())).await;
        let body = json!({ "kind": "task", "subject": "Created", "related_type": "account", "related_id": about });
        (template.to_string(), Some(body))
    } else if template == "/api/v1/settings/qualification" && method == Method::PUT {
        let (settings, version) = t.app.qualification_settings().await.unwrap();
        let body = json!({ "settings": settings, "version": version });
        (template.to_string(), Some(body))
    } else if template == "/api/v1/settings/assignment" && method == Method::PUT {
        let (settings, version): (salesflow_domain::assignment::AssignmentRules, i64) =
            t.app.settings_doc("assignment").await.unwrap();
        let body = json!({ "settings": settings, "version": version });
        (template.to_string(), Some(body))
    } else if template == "/api/v1/me/preferences" {
        (
            template.to_string(),
            Some(json!({ "time_zone": "Europe/Berlin" })),
        )
    } else if template == "/api/v1/notifications/email" {
        (template.to_string(), Some(json!({ "enabled": true })))
    } else if !template.contains("{id}") {
        (
            template.to_string(),
            (method == Method::POST).then(|| create_body(kind)),
        )
    } else if kind == "tokens" {
        let (token, _) = t
            .app
            .create_token(&TestApp::actor(&owner), owner.id, "victim", None)
            .await
            .unwrap();
        (
            template.replace("{id}", &token.id.to_string()),
            Some(json!({})),
        )
    } else {
        let (id, mut version) = record(t, f, kind, &owner).await;
        if template.ends_with("/convert") {
            // Only a qualified lead converts.
            let request = LeadTransition {
                action: LeadAction::Qualify,
                reason: None,
                version,
            };
            let lead = t
                .app
                .transition_lead(&f.admin, id.parse().unwrap(), &request)
                .await
                .unwrap();
            version = lead.meta.version;
        }
        let body = match template.rsplit('/').next().unwrap() {
            "transitions" => Some(json!({ "action": "work", "version": version })),
            "move" => Some(json!({ "stage_id": QUALIFICATION, "version": version })),
            "complete" => Some(json!({ "outcome": "reached", "version": version })),
            "merge" => {
                let (other_id, other_version) = record(t, f, kind, &owner).await;
                Some(
                    json!({ "other_id": other_id, "version": version, "other_version": other_version }),
                )
            }
            "convert" => Some(json!({ "version": version })),
            "criteria" => Some(json!({ "answers": { "budget": true }, "version": version })),
            "handoff" => Some(
                json!({ "owner_id": f.target.id.to_string(), "reason": "matrix", "version": version }),
            ),
            _ if method == Method::PUT => Some(pipeline_body("Renamed", Some(version))),
            "archive" | "restore" => Some(json!({ "version": version })),
            _ if method == Method::PATCH && kind == "web-forms" => {
                Some(json!({ "thank_you": "changed by the matrix", "version": version }))
            }
            _ if method == Method::PATCH => {
                Some(json!({ "notes": "changed by the matrix", "version": version }))
            }
            _ => None,
        };
        (template.replace("{id}", &id), body)
    };
    api.call(method, &path, body.as_ref()).await.status.as_u16()
}

#[tokio::test]
async fn role_by_route_matrix() {
    let t = TestApp::spawn().await;
    let north = t.team("North").await;
    let south = t.team("South").await;
    let admin_user = t.user(Role::Admin, None).await;
    let other = t.user(Role::SalesRep, Some(south)).await;
    let target = t.user(Role::SalesManager, Some(south)).await;
    let f = Fixtures {
        admin: TestApp::actor(&admin_user),
        other,
        target,
    };
    let mut failures = Vec::new();
    for (column, role) in ROLES.iter().enumerate() {
        let user = match role {
            Some(role) => Some(t.user(*role, Some(north)).await),
            None => None,
        };
        let api = match &user {
            Some(u) => t.api_as(u).await,
            None => t.anonymous(),
        };
        for (route, expected) in MATRIX {
            let got = check(&t, &f, route, user.as_ref(), &api).await;
            if got != expected[column] {
                failures.push(format!(
                    "{route} as {}: expected {}, got {got}",
                    role.map(|r| r.as_str()).unwrap_or("anonymous"),
                    expected[column]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix mismatches:\n{}",
        failures.join("\n")
    );
    t.shutdown().await;
}
