//! After a failure: every acknowledged write is there, nothing is stored by halves, numbers have
//! no gaps, and `salesflow check` finds the database consistent with its ledgers.

use crate::client::Api;
use crate::server::cli;
use crate::workload::Fact;

/// What is wrong, one line per finding; empty when all holds.
pub async fn findings(
    api: &Api,
    db: &sqlx::AnyPool,
    database_url: &str,
    facts: &[Fact],
) -> Vec<String> {
    let mut found = Vec::new();
    for fact in facts {
        if let Some(problem) = missing(api, db, fact).await {
            found.push(problem);
        }
    }
    found.extend(number_gaps(db).await);
    let check = cli(database_url, &["check"], "");
    if !check.status.success() {
        found.push(format!(
            "salesflow check: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        ));
    }
    found
}

async fn missing(api: &Api, db: &sqlx::AnyPool, fact: &Fact) -> Option<String> {
    let (path, field, expected): (String, &str, Vec<&str>) = match fact {
        Fact::Quote { id } => (format!("/api/v1/quotes/{id}"), "", vec![]),
        Fact::Accepted { quote } => (
            format!("/api/v1/quotes/{quote}"),
            "status",
            vec!["accepted"],
        ),
        Fact::Confirmed { order } => (
            format!("/api/v1/orders/{order}"),
            "status",
            vec![
                "confirmed",
                "partially_shipped",
                "shipped",
                "invoiced",
                "paid",
            ],
        ),
        Fact::Shipped { delivery } => (
            format!("/api/v1/deliveries/{delivery}"),
            "status",
            vec!["shipped"],
        ),
        Fact::Posted { invoice, number } => (
            format!("/api/v1/invoices/{invoice}"),
            "number",
            vec![number.as_str()],
        ),
        Fact::Paid {
            reference,
            amount_minor,
        } => {
            let stored: Vec<i64> =
                sqlx::query_scalar("SELECT amount_minor FROM payments WHERE reference = $1")
                    .bind(reference.as_str())
                    .fetch_all(db)
                    .await
                    .ok()?;
            return (stored != [*amount_minor])
                .then(|| format!("payment {reference}: {stored:?}, expected [{amount_minor}]"));
        }
    };
    let answer = api.get(&path).await;
    if answer.status != Some(200) {
        return Some(format!("{fact:?}: {:?}", answer.status));
    }
    if field.is_empty() {
        return None;
    }
    let record = answer
        .body
        .as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .unwrap_or_default();
    let value = record[field].as_str().unwrap_or_default();
    (!expected.contains(&value)).then(|| format!("{fact:?}: {field} is {value:?}"))
}

/// Posted invoice numbers run without gaps (goal 12, also across crashes).
async fn number_gaps(db: &sqlx::AnyPool) -> Vec<String> {
    let numbers: Vec<String> = sqlx::query_scalar(
        "SELECT number FROM invoices WHERE kind = 'invoice' AND number IS NOT NULL",
    )
    .fetch_all(db)
    .await
    .unwrap_or_default();
    let mut series: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for n in &numbers {
        let split = n.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (prefix, digits) = n.split_at(split);
        series
            .entry(prefix.to_string())
            .or_default()
            .push(digits.parse().unwrap_or(0));
    }
    let mut gaps = Vec::new();
    for (prefix, mut numbers) in series {
        numbers.sort_unstable();
        let expected: Vec<u64> = (1..=numbers.len() as u64).collect();
        if numbers != expected {
            gaps.push(format!("invoice numbers {prefix}…: {numbers:?}"));
        }
    }
    gaps
}
