//! The demo company's catalogue, company details and quotes: drafts, one waiting for
//! approval, sent ones, a negotiated one in its second revision and accepted ones that became
//! sales orders — made through the same use cases as the UI and the portal.

use anyhow::Result;
use salesflow_app::entity::Origin;
use salesflow_app::list::ListParams;
use salesflow_app::portal::PortalAnswer;
use salesflow_app::quote_document::CompanySettings;
use salesflow_app::quotes::{QuoteDecision, SendQuote};
use salesflow_app::{Actor, App};
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::quote::lines::LinesInput;
use salesflow_domain::quote::{Quote, QuoteInput};

use crate::admin::describe;
use crate::demo::Rng;

/// SKU, name, unit, list price, tax category, stockable, cost.
const CATALOGUE: &[(&str, &str, &str, &str, &str, bool, &str)] = &[
    (
        "PLAT-LIC",
        "Platform licence (year)",
        "licence",
        "12000.00",
        "standard",
        false,
        "2100.00",
    ),
    (
        "SEAT",
        "User seat (year)",
        "seat",
        "480.00",
        "standard",
        false,
        "60.00",
    ),
    (
        "ROLLOUT",
        "Rollout service",
        "day",
        "1100.00",
        "standard",
        false,
        "640.00",
    ),
    (
        "SUPPORT",
        "Premium support (year)",
        "plan",
        "2400.00",
        "standard",
        false,
        "900.00",
    ),
    (
        "SENSOR",
        "IoT sensor kit",
        "pc",
        "149.00",
        "standard",
        true,
        "71.50",
    ),
    (
        "HANDBOOK",
        "Administrator handbook",
        "pc",
        "39.00",
        "reduced",
        true,
        "12.00",
    ),
];

/// Lines for the n-th demo quote, as the browser form writes them.
fn lines(rng: &mut Rng, discount: u64) -> String {
    let mut rows = vec![format!("1 x PLAT-LIC -{discount}%")];
    rows.push(format!("{} x SEAT", 5 + rng.below(40)));
    if rng.chance(60) {
        rows.push(format!("{} x ROLLOUT", 2 + rng.below(8)));
    }
    if rng.chance(40) {
        rows.push(format!("{} x SENSOR", 10 + rng.below(90)));
    }
    if rng.chance(30) {
        rows.push("2 x HANDBOOK".into());
    }
    rows.join("\n")
}

/// The customer's change: ten more seats and one more rollout day.
fn ten_more_seats(lines: &str) -> String {
    let more = |l: &str, sku: &str, by: u64| {
        let n = l.strip_suffix(&format!(" x {sku}"))?.parse::<u64>().ok()?;
        Some(format!("{} x {sku}", n + by))
    };
    let mut rows: Vec<String> = lines
        .lines()
        .map(|l| {
            more(l, "SEAT", 10)
                .or_else(|| more(l, "ROLLOUT", 1))
                .unwrap_or_else(|| l.to_string())
        })
        .collect();
    if !rows.iter().any(|r| r.ends_with(" x ROLLOUT")) {
        rows.push("1 x ROLLOUT".into());
    }
    rows.join("\n")
}

fn token_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or_default()
}

async fn send(app: &App, actor: &Actor, quote: &Quote) -> Result<salesflow_app::quotes::Sent> {
    let request = SendQuote {
        version: quote.meta.version,
    };
    app.send_quote(actor, quote.id.0, &request)
        .await
        .map_err(describe)
}

/// Fills the catalogue and makes `count` quotes on open opportunities; returns
/// (quotes, orders).
pub async fn fill(
    app: &App,
    rng: &mut Rng,
    admin: &Actor,
    manager: &Actor,
    reps: &[Actor],
    count: usize,
) -> Result<(usize, usize)> {
    let company = CompanySettings {
        name: "Demo Sales GmbH".into(),
        address: "Friedrichstraße 68\n10117 Berlin\nGermany".into(),
        email: "sales@demo.salesflow.test".into(),
        phone: "+49 30 1234 5678".into(),
        vat_id: "DE123456789".into(),
        registration_id: "Amtsgericht Berlin HRB 123456".into(),
        footer: "IBAN DE02 1001 0010 0006 8201 01 · Amtsgericht Berlin HRB 123456".into(),
        country_code: "DE".into(),
    };
    app.save_company_settings(admin, &company, 0)
        .await
        .map_err(describe)?;
    for (sku, name, unit, price, tax, stockable, cost) in CATALOGUE {
        let input = ProductInput {
            sku: Some((*sku).into()),
            name: Some((*name).into()),
            unit: Some((*unit).into()),
            list_price: Some((*price).into()),
            tax_category: Some((*tax).into()),
            stockable: Some(stockable.to_string()),
            category: Some(if *stockable { "hardware" } else { "software" }.into()),
            ..Default::default()
        };
        let product: Product = app
            .create(manager, &input, Origin::Ui)
            .await
            .map_err(describe)?;
        let cost = salesflow_app::catalogue::ProductCost {
            cost: Some((*cost).into()),
            margin_percent: None,
        };
        app.set_product_cost(manager, product.id.0, &cost)
            .await
            .map_err(describe)?;
    }
    let params = ListParams {
        status: Some("open".into()),
        sort: Some("updated_at".into()),
        limit: Some(count as u32),
        ..Default::default()
    };
    let open = app
        .list::<Opportunity>(admin, &params)
        .await
        .map_err(describe)?
        .items;
    let (mut quotes, mut orders) = (0, 0);
    for opportunity in open.iter().filter(|o| o.details.account_id.is_some()) {
        let Some(rep) = reps.iter().find(|r| r.user_id == opportunity.meta.owner_id) else {
            continue;
        };
        let i = quotes;
        let case = i % 6;
        let discount = match case {
            2 => 15,
            1 => 5,
            _ => [0, 5, 10][i % 3],
        };
        let first_lines = lines(rng, discount);
        let input = QuoteInput {
            opportunity_id: Some(opportunity.id.to_string()),
            terms: Some("Payment within 30 days of invoice. Prices per year unless stated.".into()),
            lines: Some(LinesInput::Text(first_lines.clone())),
            ..Default::default()
        };
        // Deals handed over to another rep may sit on an account that rep cannot see.
        let quote: Quote = match app.create(rep, &input, Origin::Ui).await {
            Ok(q) => q,
            Err(salesflow_app::AppError::Invalid(_)) => continue,
            Err(e) => return Err(describe(e)),
        };
        quotes += 1;
        match case {
            // Stays a draft.
            0 => {}
            // 5 %: sent.
            1 => {
                send(app, rep, &quote).await?;
            }
            // 15 %: waits for approval (every other one is approved and sent).
            2 => {
                let pending = send(app, rep, &quote).await?.quote;
                if i % 12 == 8 {
                    let decision = QuoteDecision {
                        approve: true,
                        comment: Some("Strategic account".into()),
                        version: pending.meta.version,
                    };
                    // An admin sees every team's quotes (the manager only their own team's).
                    let approved = app
                        .decide_quote(admin, quote.id.0, &decision)
                        .await
                        .map_err(describe)?;
                    send(app, rep, &approved).await?;
                }
            }
            // Negotiated: the customer asks for more seats, revision 2 is sent.
            3 | 4 => {
                let sent = send(app, rep, &quote).await?;
                let url = sent.portal_url.unwrap_or_default();
                let ask = PortalAnswer {
                    comment: Some("Could you quote 10 more seats and add a rollout day?".into()),
                    ..Default::default()
                };
                let asked = app
                    .portal_request_changes(
                        quote.id.0,
                        token_of(&url),
                        &ask,
                        Some("198.51.100.7".into()),
                    )
                    .await
                    .map_err(describe)?;
                let more = QuoteInput {
                    lines: Some(LinesInput::Text(ten_more_seats(&first_lines))),
                    version: Some(asked.meta.version),
                    ..Default::default()
                };
                let revised: Quote = app.update(rep, quote.id.0, &more).await.map_err(describe)?;
                let resent = send(app, rep, &revised).await?;
                if case == 4 {
                    let accept = PortalAnswer {
                        signed_name: Some("Jordan Miller".into()),
                        ..Default::default()
                    };
                    let url = resent.portal_url.unwrap_or_default();
                    app.portal_accept(
                        quote.id.0,
                        token_of(&url),
                        &accept,
                        Some("198.51.100.7".into()),
                    )
                    .await
                    .map_err(describe)?;
                    orders += 1;
                }
            }
            // Accepted straight away.
            _ => {
                let sent = send(app, rep, &quote).await?;
                let url = sent.portal_url.unwrap_or_default();
                let accept = PortalAnswer {
                    signed_name: Some("Alex Chen".into()),
                    ..Default::default()
                };
                app.portal_accept(
                    quote.id.0,
                    token_of(&url),
                    &accept,
                    Some("203.0.113.24".into()),
                )
                .await
                .map_err(describe)?;
                orders += 1;
            }
        }
    }
    Ok((quotes, orders))
}
