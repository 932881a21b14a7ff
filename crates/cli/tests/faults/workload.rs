//! The write load: workers each take documents through the whole order-to-cash chain — quote,
//! sending, the customer's acceptance, confirmation, release and shipment, invoice posting,
//! payment — and remember every write the server acknowledged.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::client::{Answer, Api};
use crate::server::{Database, Server, cli};

pub const PRODUCTS: [&str; 2] = ["CRASH-A", "CRASH-B"];
/// The admin `prepare` signs up with the command-line tools.
pub const ADMIN_EMAIL: &str = "ops@faults.example";
pub const ADMIN_PASSWORD: &str = "canary-admin-password-5120";

/// A write the server acknowledged: what must still be there after any failure.
#[derive(Debug, Clone)]
pub enum Fact {
    Quote {
        id: String,
    },
    Accepted {
        quote: String,
    },
    Confirmed {
        order: String,
    },
    Shipped {
        delivery: String,
    },
    Posted {
        invoice: String,
        number: String,
    },
    Paid {
        reference: String,
        amount_minor: i64,
    },
}

/// A keyed request whose answer never came (or said "try again"): retried with the same key
/// once the server is back, it must take effect exactly once.
#[derive(Debug, Clone)]
pub struct Retry {
    pub path: String,
    pub body: Value,
    pub key: String,
    pub reference: String,
    pub amount_minor: i64,
}

#[derive(Default, Debug)]
pub struct Outcome {
    pub facts: Vec<Fact>,
    pub retries: Vec<Retry>,
    /// 5xx answers other than 503 (which says "try again"): never expected.
    pub server_errors: Vec<String>,
    pub answers: u64,
}

impl Outcome {
    pub fn merge(&mut self, other: Outcome) {
        self.facts.extend(other.facts);
        self.retries.extend(other.retries);
        self.server_errors.extend(other.server_errors);
        self.answers += other.answers;
    }
}

/// The company the load works for: an admin's token, stocked products and one customer per
/// worker.
pub struct Company {
    pub api: Api,
    pub customers: Vec<String>,
}

/// Signs up an admin with the command-line tools, then enters the company, products, stock and
/// customers through the API.
pub async fn prepare(db: &Database, server: &Server, workers: usize) -> Company {
    let email = ADMIN_EMAIL;
    let made = cli(
        &db.url,
        &[
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            "Ops",
            "--role",
            "admin",
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert!(made.status.success(), "{made:?}");
    let token = cli(&db.url, &["admin", "create-token", "--email", email], "");
    assert!(token.status.success(), "{token:?}");
    let token = String::from_utf8_lossy(&token.stdout).trim().to_string();
    let api = Api::new(&server.base, &token);
    let company = json!({ "version": 0, "settings": {
        "name": "Crash Test GmbH", "address": "Teststraße 1\n10115 Berlin", "email": "",
        "phone": "", "vat_id": "DE123456789", "registration_id": "HRB 1", "footer": "",
        "country_code": "DE" } });
    expect_ok(
        api.put("/api/v1/settings/company", &company).await,
        "company",
    );
    for sku in PRODUCTS {
        let product = expect_ok(
            api.post(
                "/api/v1/products",
                &json!({ "sku": sku, "name": sku, "list_price": "12.50", "stockable": "true" }),
                None,
            )
            .await,
            "product",
        );
        let receipt = json!({ "product_id": product["product"]["id"], "quantity": "100000" });
        expect_ok(
            api.post("/api/v1/stock/receipts", &receipt, None).await,
            "receipt",
        );
    }
    let mut customers = Vec::new();
    for w in 0..workers {
        let account = expect_ok(
            api.post(
                "/api/v1/accounts",
                &json!({ "name": format!("Customer {w}"), "street": "Ring 5",
                         "postal_code": "20095", "city": "Hamburg", "country": "Germany" }),
                None,
            )
            .await,
            "account",
        );
        customers.push(id(&account["account"]));
    }
    Company { api, customers }
}

fn expect_ok(answer: Answer, what: &str) -> Value {
    assert!(answer.acknowledged(), "{what}: {answer:?}");
    answer.body
}

fn id(record: &Value) -> String {
    record["id"].as_str().unwrap_or_default().to_string()
}

fn version(record: &Value) -> i64 {
    record["version"].as_i64().unwrap_or_default()
}

/// Unique payment amounts and references across all workers and cycles.
pub static PAYMENTS: AtomicU64 = AtomicU64::new(0);

/// One worker: chains until `stop`, or until the server stops answering.
async fn worker(
    api: Api,
    db: sqlx::AnyPool,
    customer: String,
    worker: usize,
    stop: Arc<AtomicBool>,
) -> Outcome {
    let mut out = Outcome::default();
    let mut chain = 0;
    while !stop.load(Ordering::Relaxed) {
        chain += 1;
        let mut run = Chain {
            api: &api,
            db: &db,
            customer: &customer,
            name: format!("Chain {worker}-{chain}-{}", uuid::Uuid::now_v7().simple()),
            out: &mut out,
        };
        if run.go().await.is_none() && stop.load(Ordering::Relaxed) {
            break;
        }
        if out.answers == 0 {
            // Not a single answer yet: the server is gone.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    out
}

struct Chain<'a> {
    api: &'a Api,
    db: &'a sqlx::AnyPool,
    customer: &'a str,
    name: String,
    out: &'a mut Outcome,
}

impl Chain<'_> {
    /// Each step returns the record it acknowledged, or `None` when the chain stops there.
    fn seen(&mut self, what: &str, answer: &Answer) -> Option<Value> {
        if answer.status.is_some() {
            self.out.answers += 1;
        }
        if answer.is_server_error() && answer.status != Some(503) {
            self.out
                .server_errors
                .push(format!("{what}: {:?} {}", answer.status, answer.body));
        }
        answer.acknowledged().then(|| answer.body.clone())
    }

    async fn go(&mut self) -> Option<()> {
        // A payment first too (customer credit): more payments in flight when the kill comes.
        self.pay().await?;
        let api = self.api;
        let lines = format!("2 x {}\n1 x {}", PRODUCTS[0], PRODUCTS[1]);
        let body = json!({ "title": self.name, "account_id": self.customer, "lines": lines });
        let created = api.post("/api/v1/quotes", &body, None).await;
        let quote = self.seen("quote", &created)?["quote"].clone();
        let quote_id = id(&quote);
        self.out.facts.push(Fact::Quote {
            id: quote_id.clone(),
        });

        let path = format!("/api/v1/quotes/{quote_id}/send");
        let answer = api
            .post(&path, &json!({ "version": version(&quote) }), None)
            .await;
        let sent = self.seen("send", &answer)?;
        let portal = sent["portal_url"].as_str()?.to_string();
        let answer = api
            .portal_form(&format!("{portal}/accept"), &[("signed_name", "Buyer")])
            .await;
        if answer.status != Some(303) {
            self.seen("accept", &answer);
            return None;
        }
        self.out.facts.push(Fact::Accepted {
            quote: quote_id.clone(),
        });

        let (order_id, order_version) = self.order_of(&quote_id).await?;
        let key = uuid::Uuid::now_v7().to_string();
        let path = format!("/api/v1/orders/{order_id}/confirm");
        let body = json!({ "version": order_version });
        let answer = api.post(&path, &body, Some(&key)).await;
        let order = self.seen("confirm", &answer)?["order"].clone();
        self.out.facts.push(Fact::Confirmed {
            order: order_id.clone(),
        });

        let path = format!("/api/v1/orders/{order_id}/releases");
        let answer = api
            .post(&path, &json!({ "version": version(&order) }), None)
            .await;
        let delivery = self.seen("release", &answer)?["delivery"].clone();
        let delivery_id = id(&delivery);
        let path = format!("/api/v1/deliveries/{delivery_id}/ship");
        let body = json!({ "version": version(&delivery) });
        let answer = api.post(&path, &body, Some(&key)).await;
        self.seen("ship", &answer)?;
        self.out.facts.push(Fact::Shipped {
            delivery: delivery_id,
        });

        let (invoice_id, invoice_version) = self.draft_invoice_of(&order_id).await?;
        let path = format!("/api/v1/invoices/{invoice_id}/post");
        let body = json!({ "version": invoice_version });
        let answer = api.post(&path, &body, Some(&key)).await;
        let invoice = self.seen("post", &answer)?["invoice"].clone();
        self.out.facts.push(Fact::Posted {
            invoice: invoice_id,
            number: invoice["number"].as_str().unwrap_or_default().to_string(),
        });
        self.pay().await
    }

    /// A payment with a reference and amount of its own (so a duplicate would show).
    async fn pay(&mut self) -> Option<()> {
        let n = PAYMENTS.fetch_add(1, Ordering::Relaxed);
        let amount_minor = 100 + i64::try_from(n).unwrap_or_default();
        let reference = format!("PAY-{}", uuid::Uuid::now_v7().simple());
        let retry = Retry {
            path: "/api/v1/payments".into(),
            body: json!({ "account_id": self.customer, "reference": reference,
                          "amount": format!("{}.{:02}", amount_minor / 100, amount_minor % 100) }),
            key: uuid::Uuid::now_v7().to_string(),
            reference,
            amount_minor,
        };
        let answer = self
            .api
            .post(&retry.path, &retry.body, Some(&retry.key))
            .await;
        if self.seen("payment", &answer).is_some() {
            self.out.facts.push(Fact::Paid {
                reference: retry.reference,
                amount_minor,
            });
            return Some(());
        }
        if answer.status.is_none() || answer.status == Some(503) {
            self.out.retries.push(retry);
        }
        None
    }

    async fn order_of(&self, quote: &str) -> Option<(String, i64)> {
        sqlx::query_as("SELECT id, version FROM sales_orders WHERE quote_id = $1")
            .bind(quote)
            .fetch_optional(self.db)
            .await
            .ok()
            .flatten()
    }

    async fn draft_invoice_of(&self, order: &str) -> Option<(String, i64)> {
        sqlx::query_as(
            "SELECT id, version FROM invoices WHERE order_id = $1 AND number IS NULL LIMIT 1",
        )
        .bind(order)
        .fetch_optional(self.db)
        .await
        .ok()
        .flatten()
    }
}

/// One worker per customer of `company`, writing through `api` until stopped.
pub struct Load {
    stop: Arc<AtomicBool>,
    handles: Vec<tokio::task::JoinHandle<Outcome>>,
}

impl Load {
    pub fn start(company: &Company, api: &Api, db: &sqlx::AnyPool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = company
            .customers
            .iter()
            .enumerate()
            .map(|(w, customer)| {
                let run = worker(api.clone(), db.clone(), customer.clone(), w, stop.clone());
                tokio::spawn(run)
            })
            .collect();
        Self { stop, handles }
    }

    /// Stops the workers and gathers what they saw.
    pub async fn stop(self) -> Outcome {
        self.stop.store(true, Ordering::Relaxed);
        let mut outcome = Outcome::default();
        for handle in self.handles {
            outcome.merge(handle.await.expect("worker"));
        }
        outcome
    }
}

/// Retries every keyed request that got no answer, all at once, each until it is answered: run
/// (nothing of the first was stored), replayed, or refused as applied (the first was stored).
/// Either way the payment must then exist exactly once: each becomes a fact.
pub async fn retry_all(api: &Api, retries: Vec<Retry>) -> Vec<Fact> {
    let handles: Vec<_> = retries
        .into_iter()
        .map(|r| {
            let api = api.clone();
            tokio::spawn(async move {
                retry_until_answered(&api, &r).await;
                Fact::Paid {
                    reference: r.reference,
                    amount_minor: r.amount_minor,
                }
            })
        })
        .collect();
    let mut facts = Vec::new();
    for handle in handles {
        facts.push(handle.await.expect("retry"));
    }
    facts
}

async fn retry_until_answered(api: &Api, r: &Retry) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let answer = api.post(&r.path, &r.body, Some(&r.key)).await;
        let code = answer.body["errors"][0]["code"]
            .as_str()
            .unwrap_or_default();
        if answer.acknowledged() || code == "idempotency_key_applied" {
            return;
        }
        let waiting = code == "idempotency_in_progress" || answer.status == Some(503);
        assert!(
            waiting && std::time::Instant::now() < deadline,
            "retry of {}: {answer:?}",
            r.reference
        );
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}
