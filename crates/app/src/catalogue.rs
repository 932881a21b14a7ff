//! Catalogue use cases beyond the generic record ones: tax categories, cost prices (kept
//! from reps and customers), and loading the products a quote's lines name.

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::changes::FieldChange;
use salesflow_domain::event::Change;
use salesflow_domain::ids::ProductId;
use salesflow_domain::money::Money;
use salesflow_domain::product::{Product, parse_price};
use salesflow_domain::quote::lines::{Catalogue, LineDraft};
use salesflow_domain::tax::TaxSettings;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppResult;
use crate::{Actor, App};

pub const TAXES: &str = "taxes";

/// A product's cost price as its own resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductCost {
    /// Decimal in the product's currency; null when not recorded.
    pub cost: Option<String>,
    /// Margin on the list price in percent (one decimal), when both are known.
    #[serde(default)]
    pub margin_percent: Option<String>,
}

impl App {
    pub async fn tax_settings(&self) -> AppResult<(TaxSettings, i64)> {
        self.settings_doc(TAXES).await
    }

    pub async fn tax_keys(&self) -> AppResult<Vec<String>> {
        let (taxes, _) = self.tax_settings().await?;
        Ok(taxes.categories.into_iter().map(|c| c.key).collect())
    }

    /// Replaces the tax categories after checking them.
    pub async fn save_tax_settings(
        &self,
        actor: &Actor,
        taxes: &TaxSettings,
        version: i64,
    ) -> AppResult<i64> {
        taxes.validate()?;
        self.save_settings_doc(actor, TAXES, Resource::CompanySettings, taxes, version)
            .await
    }

    pub async fn product_cost(&self, actor: &Actor, id: Uuid) -> AppResult<ProductCost> {
        actor.require(Resource::ProductCost, Action::Read)?;
        let product: Product = self.get(actor, id).await?;
        let cost = self.store.product_cost(product.id).await?;
        Ok(cost_view(&product, cost))
    }

    pub async fn set_product_cost(
        &self,
        actor: &Actor,
        id: Uuid,
        cost: &ProductCost,
    ) -> AppResult<ProductCost> {
        actor.require(Resource::ProductCost, Action::Update)?;
        let product: Product = self.get(actor, id).await?;
        let minor = match cost.cost.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(parse_price("cost", raw, product.details.currency)?),
        };
        let old = self.store.product_cost(product.id).await?;
        let text = |m: Option<i64>| m.map(|m| Money::new(m, product.details.currency).to_string());
        // The event names the change but not the amounts: the log is readable more widely.
        let change = Change::new(
            "cost_changed",
            vec![FieldChange {
                field: "cost".into(),
                old: old.map(|_| "set".into()),
                new: text(minor).map(|_| "set".into()),
            }],
        );
        let event = self.event_for(actor, &product, change);
        self.store
            .set_product_cost(product.id, minor, &event)
            .await?;
        Ok(cost_view(&product, minor))
    }

    /// The names of the products with these ids (to name figures broken down by product).
    pub async fn product_names(&self, ids: &[ProductId]) -> AppResult<Vec<(ProductId, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .products_by_refs(ids, &[])
            .await?
            .into_iter()
            .map(|p| (p.id, p.details.name.as_str().to_string()))
            .collect())
    }

    /// The products, price lists and tax categories `drafts` are priced from, for a customer
    /// of `customer_group`.
    pub async fn catalogue_for(
        &self,
        drafts: &[LineDraft],
        customer_group: Option<String>,
    ) -> AppResult<Catalogue> {
        let ids: Vec<ProductId> = drafts.iter().filter_map(|d| d.product_id).collect();
        let skus: Vec<String> = drafts
            .iter()
            .filter_map(|d| {
                d.sku
                    .clone()
                    .or_else(|| d.guess.as_ref().map(|g| g.to_ascii_uppercase()))
            })
            .collect();
        let products = if ids.is_empty() && skus.is_empty() {
            Vec::new()
        } else {
            self.store.products_by_refs(&ids, &skus).await?
        };
        let (taxes, _) = self.tax_settings().await?;
        Ok(Catalogue {
            products,
            price_lists: self.store.active_price_lists().await?,
            customer_group,
            today: Some(self.today()),
            taxes,
        })
    }
}

fn cost_view(product: &Product, cost: Option<i64>) -> ProductCost {
    let list = product.details.list_price_minor;
    let margin = cost.filter(|_| list > 0).map(|c| {
        let tenths = (i128::from(list - c) * 1000) / i128::from(list);
        let sign = if tenths < 0 { "-" } else { "" };
        format!("{sign}{}.{}", (tenths / 10).abs(), (tenths % 10).abs())
    });
    ProductCost {
        cost: cost.map(|c| Money::new(c, product.details.currency).amount_text()),
        margin_percent: margin,
    }
}
