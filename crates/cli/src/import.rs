//! `salesflow import`: CSV import from the command line, streamed from disk with a progress
//! bar, as a given user (their visibility and ownership apply).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use salesflow_app::import::ImportOptions;
use salesflow_app::{Actor, App};
use salesflow_domain::import::{ImportKind, Preset};

use crate::admin::describe;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// leads, contacts or accounts.
    pub kind: String,
    /// The CSV file (with a header row).
    pub file: PathBuf,
    /// The user the records belong to and whose rights apply (e-mail).
    #[arg(long = "as")]
    pub user: String,
    /// auto, salesforce, hubspot or salesflow.
    #[arg(long, default_value = "auto")]
    pub preset: String,
    /// Check every row and report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Give new leads to the owners the assignment rules name (otherwise to --as).
    #[arg(long)]
    pub assign: bool,
    /// Write the rejected rows (with their reasons) to this CSV file.
    #[arg(long)]
    pub rejected: Option<PathBuf>,
}

pub async fn run(app: &App, args: ImportArgs) -> Result<()> {
    let kind: ImportKind = args.kind.parse().map_err(anyhow::Error::msg)?;
    let preset: Preset = args.preset.parse().map_err(anyhow::Error::msg)?;
    let user = app
        .store
        .user_by_email(&args.user.trim().to_lowercase())
        .await?
        .filter(|u| u.active);
    let Some(user) = user else {
        bail!("no active user {}", args.user);
    };
    let actor = Actor::of(&user);
    let file =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}%  {msg}  {elapsed} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = ImportOptions {
        kind,
        preset,
        mapping: None,
        dry_run: args.dry_run,
        assign: args.assign,
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let started = std::time::Instant::now();
    let report = app
        .import_csv(
            &actor,
            BufReader::with_capacity(1 << 20, file),
            &options,
            &|p| {
                bar.set_position(p.bytes);
                bar.set_message(format!("{} rows", p.rows));
            },
        )
        .await
        .map_err(describe)?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}: {} rows read, {} {}, {} rejected ({} duplicates) in {seconds:.1} s ({:.0} rows/s)",
        if report.dry_run { "dry run" } else { "import" },
        report.total,
        report.imported,
        if report.dry_run {
            "would be imported"
        } else {
            "imported"
        },
        report.rejected,
        report.duplicates,
        report.total as f64 / seconds.max(1e-9),
    );
    for e in report.errors.iter().take(20) {
        println!("  line {}: {}", e.line, e.reason);
    }
    if report.rejected as usize > report.errors.len().min(20) {
        println!("  … see the rejected rows file for all");
    }
    if let Some(path) = args.rejected {
        let run = app
            .rejected_rows(&actor, report.run_id)
            .await
            .map_err(describe)?;
        std::fs::write(&path, run.rejected_csv)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("rejected rows written to {}", path.display());
    }
    Ok(())
}
