//! The ports of the quote-to-order documents: catalogue look-ups, product costs, portal links,
//! and the transactional write that numbers a document and saves everything a step changes.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_domain::ids::{ProductId, QuoteId};
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::price_list::PriceList;
use salesflow_domain::product::Product;
use salesflow_domain::quote::Quote;
use salesflow_domain::sales_order::SalesOrder;
use uuid::Uuid;

use super::{EventRecord, NewJob, StoreResult};

/// A record written by a document step.
#[derive(Debug, Clone)]
pub enum Doc {
    Quote(Box<Quote>),
    Opportunity(Box<Opportunity>),
    Order(Box<SalesOrder>),
    Delivery(Box<salesflow_domain::delivery::Delivery>),
    Invoice(Box<salesflow_domain::invoice::Invoice>),
    Payment(Box<salesflow_domain::payment::Payment>),
}

/// A portal link as stored: only the token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLink {
    pub token_hash: String,
    pub document_type: String,
    pub document_id: Uuid,
    pub purpose: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Everything one document step writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct DocumentWrite {
    /// Changed records with the version each was read at; the first is written first, so a
    /// concurrent step on the same document loses before anything else happens.
    pub updates: Vec<(Doc, i64)>,
    pub inserts: Vec<Doc>,
    /// Rows that must still be at the version they were read at (table, id, version); their
    /// version moves on, so two steps that read the same row cannot both succeed.
    pub guards: Vec<(&'static str, Uuid, i64)>,
    /// A new portal link; the document's earlier links of the same purpose are revoked.
    pub portal_link: Option<PortalLink>,
    /// The document has never had a link (first send, posting): nothing to revoke.
    pub first_link: bool,
    pub events: Vec<EventRecord>,
    pub jobs: Vec<NewJob>,
    /// Stock moves (shipments, releases); each is checked against its balance.
    pub stock_moves: Vec<salesflow_domain::stock::StockMove>,
}

/// Builds the write once the document number is known.
pub type BuildWrite<'a> = &'a (dyn Fn(Option<String>) -> DocumentWrite + Send + Sync);

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Products by id or SKU (archived and inactive ones included: lines name them).
    async fn products_by_refs(
        &self,
        ids: &[ProductId],
        skus: &[String],
    ) -> StoreResult<Vec<Product>>;
    /// Price lists that are not archived (any currency and validity).
    async fn active_price_lists(&self) -> StoreResult<Vec<PriceList>>;
    async fn product_cost(&self, id: ProductId) -> StoreResult<Option<i64>>;
    async fn set_product_cost(
        &self,
        id: ProductId,
        cost_minor: Option<i64>,
        event: &EventRecord,
    ) -> StoreResult<()>;
    /// In one transaction: takes the next number of `series` (when given), builds the write
    /// with it and saves it. A failed write gives the number back, so series have no gaps.
    async fn write_documents(
        &self,
        series: Option<&'static str>,
        build: BuildWrite<'_>,
    ) -> StoreResult<DocumentWrite>;
    async fn portal_link(&self, token_hash: &str) -> StoreResult<Option<PortalLink>>;
    async fn revoke_portal_links(
        &self,
        document_id: Uuid,
        now: Timestamp,
        event: &EventRecord,
    ) -> StoreResult<u64>;
    /// The quotes of an opportunity, newest first (any owner: superseding needs them all).
    async fn quotes_of_opportunity(&self, id: Uuid) -> StoreResult<Vec<Quote>>;
    async fn order_of_quote(&self, id: QuoteId) -> StoreResult<Option<SalesOrder>>;
    /// An order's deliveries, oldest first.
    async fn deliveries_of_order(
        &self,
        id: salesflow_domain::ids::SalesOrderId,
    ) -> StoreResult<Vec<salesflow_domain::delivery::Delivery>>;
    /// An order's invoices and credit notes, oldest first.
    async fn invoices_of_order(
        &self,
        id: salesflow_domain::ids::SalesOrderId,
    ) -> StoreResult<Vec<salesflow_domain::invoice::Invoice>>;
    /// An account's posted invoices and credit notes, newest first.
    async fn posted_invoices_of_account(
        &self,
        account: salesflow_domain::ids::AccountId,
        limit: u32,
    ) -> StoreResult<Vec<salesflow_domain::invoice::Invoice>>;
    /// Confirmed and partially shipped orders, oldest first.
    async fn orders_in_fulfilment(&self, limit: u32) -> StoreResult<Vec<SalesOrder>>;
    /// Delivery notes released for picking and not yet shipped, oldest first.
    async fn released_deliveries(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<salesflow_domain::delivery::Delivery>>;
    /// Orders whose invoices may settle them (shipped or invoiced), by id after `after`.
    async fn orders_to_settle(
        &self,
        after: Option<salesflow_domain::ids::SalesOrderId>,
        limit: u32,
    ) -> StoreResult<Vec<SalesOrder>>;
    /// Open quotes whose validity date is before `today`, oldest first.
    async fn quotes_past_validity(
        &self,
        today: jiff::civil::Date,
        limit: u32,
    ) -> StoreResult<Vec<Quote>>;
}
