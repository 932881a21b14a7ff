//! `salesflow check`: stock balances and invoices' paid amounts re-derived from their ledgers;
//! every difference is printed, and the command fails when there is one.

use anyhow::{Result, bail};
use salesflow_store::SqlStore;

pub async fn run(store: &SqlStore) -> Result<()> {
    let found = store.consistency().await?;
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
    if !found.is_sound() {
        bail!("the database is not consistent with its ledgers");
    }
    println!("consistent");
    Ok(())
}
