//! The OpenAPI document, built from the same resource descriptions as the routes, and the
//! offline API docs page (Swagger UI, vendored into the binary).

mod documents;
mod sales;
mod schemas;

use crate::api::account::Preferences;
use crate::api::activities::EmailChoice;
use axum::Router;
use salesflow_app::activities::Completion;
use salesflow_app::assignment::AssignmentUpdate;
use salesflow_app::convert::ConvertLead;
use salesflow_app::import::{ImportReport, RowError};
use salesflow_app::leads::LeadTransition;
use salesflow_app::list::ListParams;
use salesflow_app::merge::MergeRequest;
use salesflow_app::opportunities::{BoardParams, StageMove};
use salesflow_app::qualification::{CriteriaAnswers, QualificationUpdate};
use salesflow_app::records::HandOff;
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::activity::{Activity, ActivityInput};
use salesflow_domain::assignment::AssignmentRules;
use salesflow_domain::campaign::{Campaign, CampaignInput};
use salesflow_domain::contact::{Contact, ContactInput};
use salesflow_domain::lead::{Lead, LeadInput};
use salesflow_domain::opportunity::{Opportunity, OpportunityInput};
use salesflow_domain::pipeline::{Pipeline, PipelineInput};
use salesflow_domain::price_list::PriceList;
use salesflow_domain::product::Product;
use salesflow_domain::qualification::{QualificationSettings, Score};
use salesflow_domain::quote::Quote;
use salesflow_domain::sales_order::SalesOrder;
use salesflow_domain::web_form::{WebForm, WebFormInput};
use utoipa::IntoParams;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, Content, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required,
    ResponseBuilder, Schema,
};

use super::account::NewUserBody;
use super::audit::AuditParams;
use super::json::{EventJson, ListMeta, TokenJson, UserJson};
use super::records::VersionBody;
use crate::AppState;
use crate::error::ErrorBody;
use crate::resource::WebResource;

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// An object with one property holding `value`, e.g. `{ "lead": Lead }`.
fn wrapped(key: &str, value: RefOr<Schema>) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .property(key, value)
            .required(key)
            .build(),
    ))
}

fn array_of(name: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Array(
        ArrayBuilder::new().items(schema_ref(name)).build(),
    ))
}

fn path_id() -> Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Uuid,
                )))
                .build(),
        ))))
        .build()
}

struct Endpoint {
    method: HttpMethod,
    path: String,
    tag: &'static str,
    summary: String,
    params: Vec<Parameter>,
    body: Option<RefOr<Schema>>,
    status: &'static str,
    response: Option<(&'static str, RefOr<Schema>)>,
    csv_body: bool,
}

impl Endpoint {
    fn new(
        method: HttpMethod,
        path: impl Into<String>,
        tag: &'static str,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            method,
            path: path.into(),
            tag,
            summary: summary.into(),
            params: vec![],
            body: None,
            status: "200",
            response: None,
            csv_body: false,
        }
    }
    fn id(mut self) -> Self {
        self.params.push(path_id());
        self
    }
    fn params(mut self, params: Vec<Parameter>) -> Self {
        self.params.extend(params);
        self
    }
    fn body(mut self, schema: RefOr<Schema>) -> Self {
        self.body = Some(schema);
        self
    }
    fn returns(
        mut self,
        status: &'static str,
        content_type: &'static str,
        schema: RefOr<Schema>,
    ) -> Self {
        self.status = status;
        self.response = Some((content_type, schema));
        self
    }
    /// The body is a CSV file.
    fn text_body(mut self) -> Self {
        self.csv_body = true;
        self
    }
    fn no_content(mut self) -> Self {
        self.status = "204";
        self
    }

    fn into_path_item(self) -> (String, PathItem) {
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(schema_ref("ErrorBody"))),
                )
                .build()
        };
        let mut ok = ResponseBuilder::new().description("success");
        if let Some((content_type, schema)) = self.response {
            ok = ok.content(content_type, Content::new(Some(schema)));
        }
        let mut op = OperationBuilder::new()
            .tag(self.tag)
            .summary(Some(self.summary))
            .parameters(Some(self.params))
            .response(self.status, ok.build())
            .response("401", error("missing or invalid API token"))
            .response("403", error("the role may not do this"))
            .security(SecurityRequirement::new::<&str, [&str; 0], &str>(
                "bearer",
                [],
            ));
        if self.body.is_some() {
            op = op.response("422", error("invalid input, with field-level errors"));
        }
        if self.path.contains("{id}") {
            op = op
                .response("404", error("no such record, or not visible to this user"))
                .response("409", error("stale version or a conflicting state"));
        }
        if self.csv_body {
            op = op
                .response(
                    "422",
                    error("unreadable file, unknown columns or bad options"),
                )
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "text/csv",
                            Content::new(Some(RefOr::T(Schema::Object(
                                ObjectBuilder::new().schema_type(Type::String).build(),
                            )))),
                        )
                        .build(),
                ));
        }
        if let Some(body) = self.body {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content("application/json", Content::new(Some(body)))
                    .build(),
            ));
        }
        (self.path, PathItem::new(self.method, op.build()))
    }
}

fn resource_endpoints<E: WebResource>(input: &str) -> Vec<Endpoint> {
    let base = format!("/api/v1/{}", E::PATH);
    let name = E::name().to_string();
    let list_params = ListParams::into_params(|| Some(ParameterIn::Query));
    let list_body = RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .property(E::MANY, array_of(&name))
            .property("meta", schema_ref("ListMeta"))
            .required(E::MANY)
            .required("meta")
            .build(),
    ));
    let sort_note = format!("Sort keys: {}.", E::SORTABLE.join(", "));
    let all = vec![
        Endpoint::new(
            HttpMethod::Get,
            &base,
            E::PATH,
            format!("List {} (keyset pagination). {sort_note}", E::PATH),
        )
        .params(list_params.clone())
        .returns("200", "application/json", list_body),
        Endpoint::new(
            HttpMethod::Post,
            &base,
            E::PATH,
            format!("Create a {}", E::ONE),
        )
        .body(schema_ref(input))
        .returns(
            "201",
            "application/json",
            wrapped(E::ONE, schema_ref(&name)),
        ),
        Endpoint::new(
            HttpMethod::Get,
            format!("{base}/export"),
            E::PATH,
            format!("Export {} as CSV (same filters as the list)", E::PATH),
        )
        .params(list_params)
        .returns(
            "200",
            "text/csv",
            RefOr::T(Schema::Object(
                ObjectBuilder::new().schema_type(Type::String).build(),
            )),
        ),
        Endpoint::new(
            HttpMethod::Get,
            format!("{base}/counts"),
            E::PATH,
            format!("Count visible {}", E::PATH),
        )
        .returns(
            "200",
            "application/json",
            RefOr::T(Schema::Object(ObjectBuilder::new().build())),
        ),
        Endpoint::new(
            HttpMethod::Get,
            format!("{base}/{{id}}"),
            E::PATH,
            format!("Get a {}", E::ONE),
        )
        .id()
        .returns(
            "200",
            "application/json",
            wrapped(E::ONE, schema_ref(&name)),
        ),
        Endpoint::new(
            HttpMethod::Patch,
            format!("{base}/{{id}}"),
            E::PATH,
            format!(
                "Change a {}: send `version`; missing fields keep their value, \"\" clears",
                E::ONE
            ),
        )
        .id()
        .body(schema_ref(input))
        .returns(
            "200",
            "application/json",
            wrapped(E::ONE, schema_ref(&name)),
        ),
        Endpoint::new(
            HttpMethod::Post,
            format!("{base}/{{id}}/archive"),
            E::PATH,
            format!("Archive a {}", E::ONE),
        )
        .id()
        .body(schema_ref("VersionBody"))
        .returns(
            "200",
            "application/json",
            wrapped(E::ONE, schema_ref(&name)),
        ),
        Endpoint::new(
            HttpMethod::Post,
            format!("{base}/{{id}}/restore"),
            E::PATH,
            format!("Restore an archived {}", E::ONE),
        )
        .id()
        .body(schema_ref("VersionBody"))
        .returns(
            "200",
            "application/json",
            wrapped(E::ONE, schema_ref(&name)),
        ),
        Endpoint::new(
            HttpMethod::Get,
            format!("{base}/{{id}}/events"),
            E::PATH,
            format!("Timeline of a {}: every change, newest first", E::ONE),
        )
        .id()
        .returns(
            "200",
            "application/json",
            wrapped("events", array_of("EventJson")),
        ),
    ];
    // Documents another step makes have no create route.
    all.into_iter()
        .filter(|e| E::CREATABLE || !(e.method == HttpMethod::Post && e.path == base))
        .collect()
}

fn endpoints() -> Vec<Endpoint> {
    let mut all = Vec::new();
    all.extend(resource_endpoints::<Account>("AccountInput"));
    all.extend(resource_endpoints::<Contact>("ContactInput"));
    all.extend(resource_endpoints::<Lead>("LeadInput"));
    all.extend(resource_endpoints::<Opportunity>("OpportunityInput"));
    all.extend(sales::pipeline_endpoints());
    all.extend(resource_endpoints::<Activity>("ActivityInput"));
    all.extend(sales::activity_endpoints());
    all.extend(sales::qualify_endpoints());
    all.extend(resource_endpoints::<Product>("ProductInput"));
    all.extend(resource_endpoints::<Quote>("QuoteInput"));
    all.extend(resource_endpoints::<SalesOrder>("SalesOrderInput"));
    all.extend(resource_endpoints::<PriceList>("PriceListInput"));
    all.extend(resource_endpoints::<salesflow_domain::delivery::Delivery>(
        "DeliveryInput",
    ));
    all.extend(resource_endpoints::<salesflow_domain::invoice::Invoice>(
        "InvoiceInput",
    ));
    all.extend(documents::endpoints());
    for (path, one, name) in [
        ("leads", "lead", "Lead"),
        ("contacts", "contact", "Contact"),
        ("accounts", "account", "Account"),
    ] {
        all.push(
            Endpoint::new(HttpMethod::Get, format!("/api/v1/{path}/{{id}}/duplicates"), path, format!("Likely duplicates of this {one} (same e-mail, phone or web domain) among those you see"))
                .id()
                .returns("200", "application/json", wrapped(path, array_of(name))),
        );
        all.push(
            Endpoint::new(HttpMethod::Post, format!("/api/v1/{path}/{{id}}/merge"), path, format!("Merge another {one} into this one: empty fields are filled from it, its activities and timeline move here, it is archived"))
                .id()
                .body(schema_ref("MergeRequest"))
                .returns("200", "application/json", wrapped(one, schema_ref(name))),
        );
    }
    all.push(
        Endpoint::new(HttpMethod::Post, "/api/v1/imports", "imports", "Import a CSV file (the request body, `text/csv`, up to 50 MiB) of leads, contacts or accounts; `dry_run=true` checks and reports without writing. Columns are recognised from Salesforce, HubSpot or salesflow headers, or given in `mapping`.")
            .params(super::imports::ImportParams::into_params(|| Some(ParameterIn::Query)))
            .text_body()
            .returns("200", "application/json", schema_ref("ImportReport")),
    );
    all.push(
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/imports/{id}/rejected",
            "imports",
            "The rejected rows of an import run as CSV, each with its reason in the `error` column",
        )
        .id()
        .returns(
            "200",
            "text/csv",
            RefOr::T(Schema::Object(
                ObjectBuilder::new().schema_type(Type::String).build(),
            )),
        ),
    );
    all.extend(resource_endpoints::<Campaign>("CampaignInput"));
    all.extend(resource_endpoints::<WebForm>("WebFormInput"));
    all.push(
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/campaigns/{id}/leads",
            "campaigns",
            "A campaign's leads you may see: counts by status and the newest 50",
        )
        .id()
        .returns(
            "200",
            "application/json",
            RefOr::T(Schema::Object(ObjectBuilder::new().build())),
        ),
    );
    all.push(Endpoint::new(HttpMethod::Post, "/api/v1/leads/{id}/transitions", "leads", "Move a lead through its status machine (work, nurture, qualify, disqualify with reason, reopen)").id().body(schema_ref("LeadTransition")).returns("200", "application/json", wrapped("lead", schema_ref("Lead"))));
    all.push(
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/me",
            "account",
            "The user behind the token, with their time zone",
        )
        .returns(
            "200",
            "application/json",
            wrapped(
                "user",
                RefOr::T(Schema::Object(ObjectBuilder::new().build())),
            ),
        ),
    );
    all.push(
        Endpoint::new(
            HttpMethod::Put,
            "/api/v1/me/preferences",
            "account",
            "Change your own preferences: `time_zone` (an IANA name; 422 invalid_time_zone \
             otherwise)",
        )
        .body(schema_ref("Preferences"))
        .returns(
            "200",
            "application/json",
            RefOr::T(Schema::Object(ObjectBuilder::new().build())),
        ),
    );
    all.push(
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/tokens",
            "account",
            "Your API tokens (all tokens for an admin)",
        )
        .returns(
            "200",
            "application/json",
            wrapped("tokens", array_of("TokenJson")),
        ),
    );
    all.push(
        Endpoint::new(
            HttpMethod::Post,
            "/api/v1/tokens/{id}/revoke",
            "account",
            "Revoke an API token",
        )
        .id()
        .no_content(),
    );
    all.push(
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/users",
            "admin",
            "List users (admin)",
        )
        .returns(
            "200",
            "application/json",
            wrapped("users", array_of("UserJson")),
        ),
    );
    all.push(
        Endpoint::new(
            HttpMethod::Post,
            "/api/v1/users",
            "admin",
            "Create a user (admin)",
        )
        .body(schema_ref("NewUserBody"))
        .returns(
            "201",
            "application/json",
            wrapped("user", schema_ref("UserJson")),
        ),
    );
    all.push(
        Endpoint::new(
            HttpMethod::Get,
            "/api/v1/audit",
            "admin",
            "The audit trail across all records, newest first (admin)",
        )
        .params(AuditParams::into_params(|| Some(ParameterIn::Query)))
        .returns(
            "200",
            "application/json",
            RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .property("events", array_of("EventJson"))
                    .property("meta", schema_ref("ListMeta"))
                    .build(),
            )),
        ),
    );
    all
}

/// The API's OpenAPI 3 document.
pub fn openapi_document() -> OpenApi {
    let mut paths: std::collections::BTreeMap<String, PathItem> = std::collections::BTreeMap::new();
    for endpoint in endpoints() {
        let (path, item) = endpoint.into_path_item();
        match paths.get_mut(&path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.insert(path, item);
            }
        }
    }
    let mut builder = utoipa::openapi::PathsBuilder::new();
    for (path, item) in paths {
        builder = builder.path(path, item);
    }
    let (schemas, nested) = schemas::all();
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas.into_iter().map(|(schema, name)| (name, schema)))
        .schemas_from_iter(nested)
        .security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("salesflow API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "JSON API of salesflow. Authenticate with `Authorization: Bearer <token>` (create tokens in Settings or with \
                     `salesflow admin create-token`). Errors are `{\"errors\":[{\"code\",\"detail\",\"field\"}]}` with stable codes. \
                     Lists are keyset-paginated: pass `meta.next_cursor` back as `cursor`.",
                ))
                .build(),
        )
        .paths(builder.build())
        .components(Some(components))
        .build()
}

pub fn docs_routes() -> Router<AppState> {
    let swagger: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", openapi_document())
        .into();
    swagger
}
