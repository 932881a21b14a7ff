//! `salesflow admin …`: operator commands that work without a browser.

use std::io::Read;

use anyhow::{Result, anyhow, bail};
use salesflow_app::users::NewUser;
use salesflow_app::{Actor, App};
use salesflow_domain::role::Role;

/// Reads a password from standard input (first line), so scripts can pipe it in.
pub fn read_password() -> Result<String> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let password = input.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        bail!(
            "no password on standard input (e.g. `echo \"$PASSWORD\" | salesflow admin create-user …`)"
        );
    }
    Ok(password)
}

pub async fn create_user(
    app: &App,
    email: &str,
    name: &str,
    role: &str,
    team: Option<&str>,
    password: String,
) -> Result<()> {
    let role: Role = role.parse().map_err(|e: String| anyhow!(e))?;
    let team_id = match team {
        None => None,
        Some(name) => Some(
            match app.list_teams().await?.into_iter().find(|t| t.name == name) {
                Some(team) => team.id,
                None => app.create_team(None, name).await?.id,
            },
        ),
    };
    let user = app
        .create_user(
            None,
            NewUser {
                email: email.into(),
                name: name.into(),
                role,
                team_id,
                password,
            },
        )
        .await
        .map_err(describe)?;
    println!(
        "created user {} <{}> with role {}",
        user.name, user.email, user.role
    );
    Ok(())
}

pub async fn create_token(
    app: &App,
    email: &str,
    name: &str,
    expires_in_days: Option<i64>,
) -> Result<()> {
    let user = app
        .store
        .user_by_email(&email.trim().to_lowercase())
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| anyhow!("no active user with e-mail {email}"))?;
    // The operator acts as the user here; the event log records the token's creation.
    let actor = Actor::of(&user);
    let (_, secret) = app
        .create_token(&actor, user.id, name, expires_in_days)
        .await
        .map_err(describe)?;
    println!("{secret}");
    Ok(())
}

/// Application errors with their field messages, for the terminal.
pub fn describe(error: salesflow_app::AppError) -> anyhow::Error {
    match error {
        salesflow_app::AppError::Invalid(errors) => anyhow!(
            errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow!(other.to_string()),
    }
}
