//! `salesflow consumers`: the event feed's consumers with their checkpoints and lag, and
//! replaying one from a position (a rebuild when the position is 0).

use anyhow::{Result, bail};
use salesflow_app::App;
use salesflow_app::ports::ConsumerStatus;

/// What `salesflow consumers` does.
#[derive(clap::Subcommand)]
pub enum ConsumersCommand {
    /// List the consumers: checkpoint, feed head, lag, lease holder and parked events.
    List,
    /// Print the largest lag of any consumer (events not yet handled), for monitoring.
    Lag,
    /// Set a consumer back to a position: it handles every later event again.
    Replay {
        /// The consumer's name, as `list` shows it.
        name: String,
        /// The last position to count as handled; 0 replays the whole feed.
        #[arg(long, default_value_t = 0)]
        from: i64,
    },
}

pub async fn run(app: &App, command: ConsumersCommand) -> Result<()> {
    match command {
        ConsumersCommand::List => {
            let consumers = app.consumers().await.map_err(crate::admin::describe)?;
            println!("{}", table(&consumers));
        }
        ConsumersCommand::Lag => {
            let consumers = app.consumers().await.map_err(crate::admin::describe)?;
            let lag = consumers.iter().map(ConsumerStatus::lag).max().unwrap_or(0);
            println!("{lag}");
        }
        ConsumersCommand::Replay { name, from } => {
            if from < 0 {
                bail!("--from must be 0 or a feed position");
            }
            if !app
                .replay_consumer(&name, from)
                .await
                .map_err(crate::admin::describe)?
            {
                bail!("no consumer named '{name}' (see `salesflow consumers list`)");
            }
            println!("{name} replays from position {from}; the server's follower catches it up");
        }
    }
    Ok(())
}

fn table(consumers: &[ConsumerStatus]) -> String {
    let mut out = format!(
        "{:<24} {:>10} {:>10} {:>8} {:>7}  {}",
        "consumer", "position", "head", "lag", "parked", "held by"
    );
    for c in consumers {
        out.push_str(&format!(
            "\n{:<24} {:>10} {:>10} {:>8} {:>7}  {}",
            c.name,
            c.position,
            c.head,
            c.lag(),
            c.parked,
            c.lease_owner.as_deref().unwrap_or("-")
        ));
    }
    out
}
