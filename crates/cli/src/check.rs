//! `salesflow check`: the database file checked (SQLite), stock balances and invoices' paid
//! amounts re-derived from their ledgers, documents stored by halves looked for; every finding
//! is printed, and the command fails when there is one.

use anyhow::{Result, bail};
use salesflow_store::SqlStore;

pub async fn run(store: &SqlStore) -> Result<()> {
    let found = store.consistency().await?;
    println!(
        "database file problems (SQLite integrity check): {}",
        found.integrity_problems.len()
    );
    for p in &found.integrity_problems {
        println!("  {p}");
    }
    println!(
        "stock balances differing from their moves: {}",
        found.stock_mismatches
    );
    println!(
        "posted invoices whose paid amount differs from their payments: {}",
        found.invoice_mismatches.len()
    );
    for m in &found.invoice_mismatches {
        println!(
            "  {}: paid {} (minor units) stored, {} from payments",
            m.number, m.stored_minor, m.from_payments_minor
        );
    }
    println!(
        "accepted quotes without their sales order: {}",
        found.accepted_quotes_without_order
    );
    println!(
        "shipped deliveries missing from the stock ledger: {}",
        found.shipped_deliveries_without_moves
    );
    if !found.is_sound() {
        bail!("the database is not consistent with its ledgers");
    }
    println!("consistent");
    Ok(())
}
