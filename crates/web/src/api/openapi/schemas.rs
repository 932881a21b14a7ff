//! The named schemas of the API document: each type with the types it refers to.

use salesflow_app::catalogue::ProductCost;
use salesflow_app::portal::PortalAnswer;
use salesflow_app::ports::Warehouse;
use salesflow_app::quote_document::CompanySettings;
use salesflow_app::quotes::{QuoteDecision, SendQuote};
use salesflow_app::stock::{ConfirmOrder, WarehouseInput};
use salesflow_domain::approval::ApprovalSettings;
use salesflow_domain::price_list::PriceListInput;
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::quote::diff::RevisionDiff;
use salesflow_domain::quote::{Quote, QuoteInput};
use salesflow_domain::sales_order::FulfilmentSettings;
use salesflow_domain::sales_order::{SalesOrder, SalesOrderInput};
use salesflow_domain::stock::{StockEntry, StockMove};
use salesflow_domain::tax::TaxSettings;
use utoipa::openapi::{RefOr, Schema};

use super::*;

type Named = Vec<(RefOr<Schema>, String)>;
type Nested = Vec<(String, RefOr<Schema>)>;

pub(super) fn all() -> (Named, Nested) {
    let mut schemas = Vec::new();
    let mut nested = Vec::new();
    // Each type with the types it refers to (flattened details, enums, nested items).
    macro_rules! collect {
        ($($t:ty),*) => {$(
            schemas.push((<$t as utoipa::PartialSchema>::schema(), <$t as utoipa::ToSchema>::name().to_string()));
            <$t as utoipa::ToSchema>::schemas(&mut nested);
        )*};
    }
    collect!(
        Account,
        AccountInput,
        Contact,
        ContactInput,
        Lead,
        LeadInput,
        LeadTransition,
        Opportunity,
        OpportunityInput,
        StageMove,
        HandOff,
        Pipeline,
        PipelineInput,
        Activity,
        ActivityInput,
        Completion,
        EmailChoice,
        Preferences,
        ConvertLead,
        MergeRequest,
        AssignmentUpdate,
        AssignmentRules,
        ImportReport,
        RowError,
        Campaign,
        CampaignInput,
        WebForm,
        WebFormInput,
        CriteriaAnswers,
        QualificationUpdate,
        QualificationSettings,
        Score,
        VersionBody,
        ListMeta,
        EventJson,
        TokenJson,
        UserJson,
        NewUserBody,
        ErrorBody,
        Product,
        ProductInput,
        ProductCost,
        Quote,
        QuoteInput,
        SendQuote,
        QuoteDecision,
        RevisionDiff,
        SalesOrder,
        SalesOrderInput,
        TaxSettings,
        ApprovalSettings,
        salesflow_domain::deadline::DeadlineSettings,
        CompanySettings,
        PortalAnswer,
        PriceList,
        PriceListInput,
        Warehouse,
        WarehouseInput,
        StockEntry,
        StockMove,
        ConfirmOrder,
        salesflow_app::cancellation::CancelOrder,
        FulfilmentSettings,
        salesflow_domain::delivery::Delivery,
        salesflow_domain::delivery::DeliveryInput,
        salesflow_domain::delivery::ShipInput,
        salesflow_app::fulfilment::InspectOrder,
        salesflow_app::fulfilment::ReleaseOrder,
        salesflow_domain::invoice::Invoice,
        salesflow_domain::invoice::InvoiceInput,
        salesflow_app::invoices::PostInvoice,
        salesflow_domain::payment::Payment,
        salesflow_domain::payment::PaymentInput,
        salesflow_domain::payment::AllocationInput
    );
    (schemas, nested)
}
