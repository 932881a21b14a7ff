//! `salesflow backup FILE`: an online copy of the SQLite database, checked before it is
//! reported good (integrity, and every stock balance against its ledger).

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use salesflow_app::ports::StockStore;
use salesflow_store::SqlStore;

pub async fn run(store: &SqlStore, file: &Path) -> Result<()> {
    let bytes = store
        .backup_to(file)
        .await
        .map_err(|e| anyhow!("backup failed: {e}"))?;
    let copy = crate::server::open_store(&format!("sqlite://{}", file.display()), 1).await?;
    let problems = copy.integrity_problems().await?;
    let mismatches = copy.ledger_mismatches().await?;
    copy.close().await;
    if !problems.is_empty() {
        bail!(
            "the backup {} is damaged: {}",
            file.display(),
            problems.join("; ")
        );
    }
    if mismatches > 0 {
        bail!(
            "the backup {}: {mismatches} stock balances differ from their ledger",
            file.display()
        );
    }
    println!(
        "backup written to {} ({} KiB); integrity ok, stock balances match their ledger",
        file.display(),
        bytes / 1024
    );
    Ok(())
}
