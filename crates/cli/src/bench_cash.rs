//! `salesflow bench --suite cash`: the whole order-to-cash flow through the real HTTP server,
//! as a client would run it — opportunity → quote → send → accept on the portal → find the
//! order → confirm → pick release → ship → post the invoice → pay — by concurrent clients.
//! Reports flows per second, the HTTP requests, write transactions and database commits per
//! flow, and the raw commit ceiling of the database (SQLite, or PostgreSQL with
//! `--target-database`) measured in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Result;
use reqwest::Client;
use salesflow_app::clock::SystemClock;
use salesflow_app::entity::Origin;
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::role::Role;
use salesflow_domain::stock::{MoveKind, StockEntry};
use serde_json::{Value, json};

use crate::bench::drive;

/// Customers the flows are spread over.
const ACCOUNTS: usize = 200;

/// One client's view of the server: base address, token, and a request counter.
#[derive(Clone)]
struct Caller {
    client: Client,
    base: String,
    token: String,
    requests: Arc<AtomicU64>,
}

impl Caller {
    async fn send(&self, request: reqwest::RequestBuilder) -> Option<reqwest::Response> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.ok()?;
        let status = response.status();
        (status.is_success() || status.is_redirection()).then_some(response)
    }

    /// POSTs JSON; the reply's body.
    async fn post(&self, path: &str, body: Value) -> Option<Value> {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body);
        self.send(request).await?.json().await.ok()
    }

    async fn get(&self, path: &str) -> Option<Value> {
        let request = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        self.send(request).await?.json().await.ok()
    }
}

fn id(v: &Value) -> Option<&str> {
    v["id"].as_str()
}

/// One order-to-cash flow for `account`; `Some` when every step succeeded.
async fn flow(c: &Caller, account: &str, n: u64) -> Option<()> {
    // A unique title finds the order again by search after the portal acceptance.
    let title = format!("cash{n}x{}", uuid::Uuid::now_v7().simple());
    let opp = c
        .post(
            "/api/v1/opportunities",
            json!({ "name": title, "account_id": account, "amount": "500.00" }),
        )
        .await?;
    let quote = c
        .post(
            "/api/v1/quotes",
            json!({ "opportunity_id": id(&opp["opportunity"])?, "valid_until": "2099-12-31",
                    "lines": [{ "sku": "BENCH-CRATE", "quantity": "2" }, { "sku": "BENCH-SETUP" }] }),
        )
        .await?;
    let quote = &quote["quote"];
    let quote_id = id(quote)?;
    let sent = c
        .post(
            &format!("/api/v1/quotes/{quote_id}/send"),
            json!({ "version": quote["version"] }),
        )
        .await?;
    let url = sent["portal_url"].as_str()?;
    let portal = &url[url.find("/portal/")?..];
    let accept = c
        .client
        .post(format!("{}{portal}/accept", c.base))
        .form(&[("signed_name", "Bench Buyer")]);
    c.send(accept).await?;
    let found = c.get(&format!("/api/v1/orders?q={title}")).await?;
    let order = &found["orders"][0];
    let order_id = id(order)?;
    let confirmed = c
        .post(
            &format!("/api/v1/orders/{order_id}/confirm"),
            json!({ "version": order["version"] }),
        )
        .await?;
    let delivery = c
        .post(
            &format!("/api/v1/orders/{order_id}/releases"),
            json!({ "version": confirmed["order"]["version"] }),
        )
        .await?;
    let delivery = &delivery["delivery"];
    c.post(
        &format!("/api/v1/deliveries/{}/ship", id(delivery)?),
        json!({ "carrier": "Bench Freight", "version": delivery["version"] }),
    )
    .await?;
    let draft = &confirmed["invoice"];
    let posted = c
        .post(
            &format!("/api/v1/invoices/{}/post", id(draft)?),
            json!({ "version": draft["version"] }),
        )
        .await?;
    let invoice = &posted["invoice"];
    let paid = c
        .post(
            "/api/v1/payments",
            json!({ "account_id": account, "amount": invoice["total"],
                    "invoices": [{ "invoice_id": id(invoice)? }] }),
        )
        .await?;
    let settled = paid["payment"]["credit_minor"].as_i64() == Some(0);
    settled.then_some(())
}

/// The read models' lag in time, every 50 ms for the run's length.
async fn sample_read_model_lag(
    store: salesflow_store::SqlStore,
    seconds: u64,
) -> Vec<std::time::Duration> {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let mut samples = Vec::new();
    while std::time::Instant::now() < end {
        if let Ok(lag) = store.read_models_delay(jiff::Timestamp::now()).await {
            samples.push(lag);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    samples
}

async fn setup(app: &salesflow_app::App) -> Result<(salesflow_app::Actor, Vec<String>)> {
    let user = app
        .create_user(
            None,
            salesflow_app::users::NewUser {
                email: "cash@bench.salesflow.test".into(),
                name: "Cash Bench".into(),
                role: Role::Admin,
                team_id: None,
                password: salesflow_app::secret::new_secret(""),
            },
        )
        .await
        .map_err(crate::admin::describe)?;
    let admin = salesflow_app::Actor::of(&user);
    // Posting makes an EN 16931 e-invoice: the seller's VAT ID and the buyer's country are needed.
    let (company, version) = app
        .company_settings()
        .await
        .map_err(crate::admin::describe)?;
    let company = salesflow_app::quote_document::CompanySettings {
        name: "Bench Sales GmbH".into(),
        address: "Benchstraße 1\n10115 Berlin".into(),
        vat_id: "DE123456789".into(),
        registration_id: "HRB 12345 B".into(),
        country_code: "DE".into(),
        ..company
    };
    app.save_company_settings(&admin, &company, version)
        .await
        .map_err(crate::admin::describe)?;
    for (sku, price, stockable) in [
        ("BENCH-CRATE", "40.00", true),
        ("BENCH-SETUP", "120.00", false),
    ] {
        let input = ProductInput {
            sku: Some(sku.into()),
            name: Some(format!("{sku} item")),
            list_price: Some(price.into()),
            stockable: Some(stockable.to_string()),
            ..Default::default()
        };
        let product: Product = app
            .create(&admin, &input, Origin::Api)
            .await
            .map_err(crate::admin::describe)?;
        if stockable {
            let receipt = StockEntry {
                product_id: product.id.to_string(),
                warehouse_id: None,
                quantity: "100000000".into(),
                note: None,
            };
            app.stock_entry(&admin, MoveKind::Receipt, &receipt)
                .await
                .map_err(crate::admin::describe)?;
        }
    }
    let mut accounts = Vec::new();
    for i in 0..ACCOUNTS {
        let input = AccountInput {
            name: Some(format!("Bench customer {i}")),
            country: Some("DE".into()),
            ..Default::default()
        };
        let account: Account = app
            .create(&admin, &input, Origin::Api)
            .await
            .map_err(crate::admin::describe)?;
        accounts.push(account.id.to_string());
    }
    Ok((admin, accounts))
}

/// Drives order-to-cash flows on a new SQLite file, or on `target` (an empty database, e.g.
/// `postgres://…`).
pub async fn run(clients: usize, seconds: u64, target: Option<String>) -> Result<()> {
    let path = std::env::temp_dir().join(format!("salesflow-bench-cash-{}.db", std::process::id()));
    let url = target
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", path.display()));
    let store = crate::server::open_store(&url, 16).await?;
    let database = match store.backend_kind() {
        salesflow_store::Backend::Sqlite => "SQLite",
        salesflow_store::Backend::Postgres => "PostgreSQL",
    };
    let app = crate::server::app(store.clone(), Arc::new(SystemClock));
    let (admin, accounts) = setup(&app).await?;
    let (_, token) = app
        .create_token(&admin, admin.user_id, "bench", None)
        .await
        .map_err(crate::admin::describe)?;
    let served = crate::bench::Served::start(&app).await?;
    let base = served.base.clone();
    let caller = Caller {
        // The portal's answer to an acceptance is a redirect to its page, which an API client
        // does not need to load.
        client: Client::builder()
            .pool_max_idle_per_host(clients)
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        base,
        token,
        requests: Arc::new(AtomicU64::new(0)),
    };

    let (writes_before, commits_before) = (store.write_transactions(), store.commits());
    let busy = store.writer_busy();
    let (writing_before, committing_before) = (busy.writing(), busy.committing());
    let requests = caller.requests.clone();
    let accounts = Arc::new(accounts);
    let lag = tokio::spawn(sample_read_model_lag(store.clone(), seconds));
    let flows = drive("order-to-cash flow", clients, seconds, move |n| {
        let (caller, accounts) = (caller.clone(), accounts.clone());
        async move {
            let account = &accounts[n as usize % accounts.len()];
            flow(&caller, account, n).await.is_some()
        }
    })
    .await;
    let writes = store.write_transactions() - writes_before;
    let commits = store.commits() - commits_before;
    let writing = store.writer_busy().writing() - writing_before;
    let committing = store.writer_busy().committing() - committing_before;
    let requests = requests.load(Ordering::Relaxed);
    let mut lags = lag.await?;
    served.stop().await;
    let insert = crate::bench::insert_ceiling(&store, seconds).await?;
    store.close().await;
    if target.is_none() {
        crate::bench::remove_database(&path);
    }
    let done = flows.count.max(1) as f64;
    println!();
    println!(
        "salesflow bench — order to cash, {clients} clients, {seconds} s, {database}, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!("| operation | requests | errors | throughput | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    println!("{}", insert.row());
    println!("{}", flows.row());
    println!();
    println!(
        "per flow: {:.1} HTTP requests, {:.1} write transactions, {:.1} database commits \
         (concurrent writes share a commit)",
        requests as f64 / done,
        writes as f64 / done,
        commits as f64 / done
    );
    lags.sort();
    let rank = |p: usize| lags[(p * lags.len()).div_ceil(100).clamp(1, lags.len()) - 1];
    if !lags.is_empty() {
        println!(
            "read-model lag (oldest unapplied event, sampled every 50 ms): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            rank(50).as_secs_f64() * 1000.0,
            rank(99).as_secs_f64() * 1000.0,
            lags[lags.len() - 1].as_secs_f64() * 1000.0
        );
    }
    // The one SQLite writer is the ceiling: how much of the run it was held, and by what.
    if database != "SQLite" {
        return Ok(());
    }
    let run = seconds as f64;
    println!(
        "writer held {:.0} % of the run: writes {:.0} % ({:.2} ms each), commits {:.0} % \
         ({:.2} ms each)",
        100.0 * (writing + committing).as_secs_f64() / run,
        100.0 * writing.as_secs_f64() / run,
        1000.0 * writing.as_secs_f64() / (writes.max(1) as f64),
        100.0 * committing.as_secs_f64() / run,
        1000.0 * committing.as_secs_f64() / (commits.max(1) as f64),
    );
    Ok(())
}
