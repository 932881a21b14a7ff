//! The catalogue and the quote-to-order documents as owned records.

use salesflow_domain::ValidationErrors;
use salesflow_domain::authz::Resource;
use salesflow_domain::delivery::{Delivery, DeliveryInput};
use salesflow_domain::event::{Change, EntityType};
use salesflow_domain::ids::{PriceListId, ProductId, QuoteId};
use salesflow_domain::invoice::{Invoice, InvoiceInput};
use salesflow_domain::money::Currency;
use salesflow_domain::payment::{Payment, PaymentInput};
use salesflow_domain::price_list::{PriceList, PriceListDetails, PriceListInput};
use salesflow_domain::product::{Product, ProductDetails, ProductInput};
use salesflow_domain::quote::lines::{Catalogue, LineDraft};
use salesflow_domain::quote::{Quote, QuoteDetails, QuoteInput, QuoteStart};
use salesflow_domain::record::{Owned, Owner, RecordMeta};
use salesflow_domain::sales_order::{SalesOrder, SalesOrderInput};
use uuid::Uuid;

use super::{Entity, Origin};
use crate::error::{AppError, AppResult};
use crate::ports::{RecordStore, Store};
use crate::{Actor, App};

impl Entity for Product {
    type Input = ProductInput;
    const ENTITY: EntityType = EntityType::Product;
    const RESOURCE: Resource = Resource::Product;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "sku"];
    /// The company's currency and tax category keys.
    type Context = (Currency, Vec<String>);

    common_entity_methods!(ProductInput);
    async fn context(app: &App, _: &Actor, _: &ProductInput) -> AppResult<(Currency, Vec<String>)> {
        Ok((app.config.default_currency, app.tax_keys().await?))
    }
    fn display_name(&self) -> String {
        format!("{} · {}", self.details.sku, self.details.name)
    }
    fn create(
        id: Uuid,
        input: &ProductInput,
        meta: RecordMeta,
        _: Origin,
        (currency, keys): &(Currency, Vec<String>),
    ) -> Result<(Self, Change), ValidationErrors> {
        let details = ProductDetails::parse(input, None, *currency, keys)?;
        Ok(Product::new(ProductId(id), details, meta))
    }
    type EditContext = Vec<String>;
    async fn edit_context(
        app: &App,
        _: &Actor,
        _: &Self,
        _: &ProductInput,
    ) -> AppResult<Vec<String>> {
        app.tax_keys().await
    }
    fn apply(
        &self,
        input: &ProductInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        keys: &Vec<String>,
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let details =
            ProductDetails::parse(input, Some(&self.details), self.details.currency, keys)?;
        Ok(self.edit(details, owner, now))
    }
    fn duplicate_keys(&self) -> Vec<(&'static str, String)> {
        vec![("sku", self.details.sku.clone())]
    }
}

/// What creating or editing a quote needs: where it starts from, its lines before pricing
/// (when given) and the catalogue they are priced from.
pub struct QuoteContext {
    pub start: QuoteStart,
    pub drafts: Option<Vec<LineDraft>>,
    pub catalogue: Catalogue,
}

impl Entity for Quote {
    type Input = QuoteInput;
    const ENTITY: EntityType = EntityType::Quote;
    const RESOURCE: Resource = Resource::Quote;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "title", "valid_until"];
    const STATUSES: &'static [&'static str] = &[
        "draft",
        "pending_approval",
        "sent",
        "changes_requested",
        "accepted",
        "declined",
        "expired",
        "superseded",
    ];
    type Context = QuoteContext;

    common_entity_methods!(QuoteInput);
    async fn context(app: &App, actor: &Actor, input: &QuoteInput) -> AppResult<QuoteContext> {
        app.quote_context(actor, input, None).await
    }
    fn display_name(&self) -> String {
        match &self.number {
            Some(n) => format!("{n} · {}", self.details.title),
            None => format!("Draft · {}", self.details.title),
        }
    }
    fn case_id(&self) -> Uuid {
        self.case_id
    }
    fn create(
        id: Uuid,
        input: &QuoteInput,
        meta: RecordMeta,
        _: Origin,
        context: &QuoteContext,
    ) -> Result<(Self, Change), ValidationErrors> {
        let details = QuoteDetails::parse(
            input,
            None,
            &context.start,
            context.drafts.as_deref(),
            &context.catalogue,
        )?;
        let comment = input.comment.clone().filter(|c| !c.trim().is_empty());
        Ok(Quote::create(
            QuoteId(id),
            details,
            context.start.opportunity.as_ref(),
            comment,
            meta,
        ))
    }
    type EditContext = QuoteContext;
    async fn edit_context(
        app: &App,
        actor: &Actor,
        quote: &Self,
        input: &QuoteInput,
    ) -> AppResult<QuoteContext> {
        if quote.status.closed() {
            return Err(AppError::conflict(
                "quote_closed",
                format!("a {} quote cannot be changed", quote.status.as_str()),
            ));
        }
        if input.opportunity_id.as_deref().is_some_and(|o| {
            !o.trim().is_empty()
                && Some(o.trim()) != quote.opportunity_id.map(|i| i.to_string()).as_deref()
        }) {
            return Err(AppError::invalid(
                "opportunity_id",
                "opportunity_fixed",
                "a quote stays with the opportunity it was made for",
            ));
        }
        app.quote_context(actor, input, Some(quote)).await
    }
    fn apply(
        &self,
        input: &QuoteInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        context: &QuoteContext,
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let details = QuoteDetails::parse(
            input,
            Some(&self.details),
            &context.start,
            context.drafts.as_deref(),
            &context.catalogue,
        )?;
        let comment = input.comment.clone().filter(|c| !c.trim().is_empty());
        self.revise(details, comment, owner, now)
            .map_err(|e| ValidationErrors::single("status", "quote_closed", e.to_string()))
    }
    fn account_ref(&self) -> Option<Uuid> {
        Some(self.details.account_id.0)
    }
    fn contact_ref(&self) -> Option<Uuid> {
        self.details.contact_id.map(|c| c.0)
    }
    fn opportunity_ref(&self) -> Option<Uuid> {
        self.opportunity_id.map(|o| o.0)
    }
}

impl Entity for PriceList {
    type Input = PriceListInput;
    const ENTITY: EntityType = EntityType::PriceList;
    /// Part of the catalogue.
    const RESOURCE: Resource = Resource::Product;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name"];
    /// The company's default currency.
    type Context = Currency;

    common_entity_methods!(PriceListInput);
    no_edit_context!(PriceListInput);
    async fn context(app: &App, _: &Actor, _: &PriceListInput) -> AppResult<Currency> {
        Ok(app.config.default_currency)
    }
    fn display_name(&self) -> String {
        self.details.name.to_string()
    }
    fn create(
        id: Uuid,
        input: &PriceListInput,
        meta: RecordMeta,
        _: Origin,
        currency: &Currency,
    ) -> Result<(Self, Change), ValidationErrors> {
        let details = PriceListDetails::parse(input, None, *currency)?;
        Ok(PriceList::new(PriceListId(id), details, meta))
    }
    fn apply(
        &self,
        input: &PriceListInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        let details = PriceListDetails::parse(input, Some(&self.details), self.details.currency)?;
        Ok(self.edit(details, owner, now))
    }
}

impl Entity for SalesOrder {
    type Input = SalesOrderInput;
    const ENTITY: EntityType = EntityType::SalesOrder;
    const RESOURCE: Resource = Resource::SalesOrder;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "title"];
    const STATUSES: &'static [&'static str] = &["new", "confirmed", "cancelled"];
    const CREATABLE: bool = false;

    common_entity_methods!(SalesOrderInput);
    no_context!(SalesOrderInput);
    no_edit_context!(SalesOrderInput);
    fn display_name(&self) -> String {
        format!("{} · {}", self.number, self.title)
    }
    fn case_id(&self) -> Uuid {
        self.case_id
    }
    fn create(
        _: Uuid,
        _: &SalesOrderInput,
        _: RecordMeta,
        _: Origin,
        _: &(),
    ) -> Result<(Self, Change), ValidationErrors> {
        Err(ValidationErrors::single(
            "quote_id",
            "order_from_quote",
            "sales orders are created when the customer accepts a quote",
        ))
    }
    /// Only the owner changes here (a hand-off); the content is what the customer signed.
    fn apply(
        &self,
        _: &SalesOrderInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        Ok(owner.and_then(|o| salesflow_domain::record::handed_off(self, o, "reassigned", now)))
    }
    fn account_ref(&self) -> Option<Uuid> {
        Some(self.account_id.0)
    }
}

impl Entity for Delivery {
    type Input = DeliveryInput;
    const ENTITY: EntityType = EntityType::Delivery;
    const RESOURCE: Resource = Resource::Delivery;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at"];
    const STATUSES: &'static [&'static str] = &["released", "shipped"];
    const CREATABLE: bool = false;

    common_entity_methods!(DeliveryInput);
    no_context!(DeliveryInput);
    no_edit_context!(DeliveryInput);
    fn display_name(&self) -> String {
        format!("{} · order {}", self.number, self.order_number)
    }
    fn case_id(&self) -> Uuid {
        self.case_id
    }
    fn create(
        _: Uuid,
        _: &DeliveryInput,
        _: RecordMeta,
        _: Origin,
        _: &(),
    ) -> Result<(Self, Change), ValidationErrors> {
        Err(ValidationErrors::single(
            "order_id",
            "delivery_from_order",
            "deliveries are made by releasing an order for picking",
        ))
    }
    /// Only the owner changes here; shipping has its own step.
    fn apply(
        &self,
        _: &DeliveryInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        Ok(owner.and_then(|o| salesflow_domain::record::handed_off(self, o, "reassigned", now)))
    }
    fn account_ref(&self) -> Option<Uuid> {
        Some(self.account_id.0)
    }
}

impl Entity for Invoice {
    type Input = InvoiceInput;
    const ENTITY: EntityType = EntityType::Invoice;
    const RESOURCE: Resource = Resource::Invoice;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at"];
    const STATUSES: &'static [&'static str] = &["draft", "posted", "partially_paid", "paid"];
    const CREATABLE: bool = false;

    common_entity_methods!(InvoiceInput);
    no_context!(InvoiceInput);
    no_edit_context!(InvoiceInput);
    fn display_name(&self) -> String {
        let what = match self.kind {
            salesflow_domain::invoice::InvoiceKind::Invoice => "Invoice",
            salesflow_domain::invoice::InvoiceKind::CreditNote => "Credit note",
        };
        match &self.number {
            Some(n) => format!("{what} {n}"),
            None => format!(
                "Draft {} · order {}",
                what.to_lowercase(),
                self.order_number
            ),
        }
    }
    fn case_id(&self) -> Uuid {
        self.case_id
    }
    fn create(
        _: Uuid,
        _: &InvoiceInput,
        _: RecordMeta,
        _: Origin,
        _: &(),
    ) -> Result<(Self, Change), ValidationErrors> {
        Err(ValidationErrors::single(
            "order_id",
            "invoice_from_order",
            "invoices are made from orders (on confirmation or per shipment) and credit notes from invoices",
        ))
    }
    /// Only the owner changes here; the content is fixed by its order and by posting.
    fn apply(
        &self,
        _: &InvoiceInput,
        owner: Option<Owner>,
        now: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        Ok(owner.and_then(|o| salesflow_domain::record::handed_off(self, o, "reassigned", now)))
    }
    fn account_ref(&self) -> Option<Uuid> {
        Some(self.account_id.0)
    }
}

impl Entity for Payment {
    type Input = PaymentInput;
    const ENTITY: EntityType = EntityType::Payment;
    /// Payments are finance's, like invoices.
    const RESOURCE: Resource = Resource::Invoice;
    const SORTABLE: &'static [&'static str] = &["created_at", "updated_at"];

    fn uuid(&self) -> Uuid {
        self.id.0
    }
    fn meta(&self) -> &RecordMeta {
        &self.meta
    }
    fn input_owner(_: &PaymentInput) -> Option<&str> {
        None
    }
    fn input_version(_: &PaymentInput) -> Option<i64> {
        None
    }
    fn store(store: &dyn Store) -> &dyn RecordStore<Self> {
        store
    }
    no_context!(PaymentInput);
    no_edit_context!(PaymentInput);
    fn display_name(&self) -> String {
        format!(
            "Payment {} {} on {}",
            self.currency.code(),
            self.amount,
            self.received_on
        )
    }
    /// Payments are recorded with their allocations (`App::record_payment`).
    fn create(
        _: Uuid,
        _: &PaymentInput,
        _: RecordMeta,
        _: Origin,
        _: &(),
    ) -> Result<(Self, Change), ValidationErrors> {
        Err(ValidationErrors::single(
            "amount",
            "use_record_payment",
            "payments are recorded with their allocations",
        ))
    }
    /// Recorded payments do not change; corrections are new documents.
    fn apply(
        &self,
        _: &PaymentInput,
        _: Option<Owner>,
        _: jiff::Timestamp,
        _: &(),
    ) -> Result<Option<(Self, Change)>, ValidationErrors> {
        Ok(None)
    }
    fn account_ref(&self) -> Option<Uuid> {
        Some(self.account_id.0)
    }
}
