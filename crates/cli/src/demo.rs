//! `salesflow demo`: fills an empty database with a realistic, deterministic demo company —
//! users in every role, accounts, contacts and a year of lead history — through the same use
//! cases the UI and API call, so every screen shows real events.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Result, bail};
use jiff::{SignedDuration, Timestamp};
use salesflow_app::clock::FixedClock;
use salesflow_app::entity::Origin;
use salesflow_app::leads::LeadTransition;
use salesflow_app::users::NewUser;
use salesflow_app::{Actor, App};
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::contact::{Contact, ContactInput};
use salesflow_domain::ids::ContactId;
use salesflow_domain::lead::{Lead, LeadAction, LeadInput};
use salesflow_domain::role::Role;

use crate::admin::describe;

/// A small deterministic generator (SplitMix64): the same seed gives the same company.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "John",
    "Hedy",
    "Tim",
    "Radia",
    "Edsger",
    "Katherine",
    "Niklaus",
    "Sophie",
    "Bjarne",
    "Anita",
    "Guido",
    "Lena",
    "Marek",
    "Ines",
    "Tomas",
    "Yuki",
    "Omar",
    "Priya",
    "Lars",
];
pub const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Backus",
    "Lamarr",
    "Berners",
    "Perlman",
    "Dijkstra",
    "Johnson",
    "Wirth",
    "Wilson",
    "Stroustrup",
    "Borg",
    "Rossum",
    "Keller",
    "Novak",
    "Silva",
    "Berg",
    "Tanaka",
    "Haddad",
    "Sharma",
    "Nilsson",
    "Fischer",
    "Moreau",
];
const COMPANY_A: &[&str] = &[
    "Nordic", "Blue", "Alpine", "Harbor", "Granite", "Silver", "Bright", "Summit", "Cedar",
    "Atlas", "Polar", "Vertex", "Copper", "Orbit",
];
const COMPANY_B: &[&str] = &[
    "Foods",
    "Logistics",
    "Machines",
    "Health",
    "Textiles",
    "Energy",
    "Software",
    "Retail",
    "Pharma",
    "Tools",
    "Labs",
    "Motors",
];
const INDUSTRIES: &[&str] = &[
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Logistics",
    "Energy",
    "Software",
    "Food & beverage",
    "Automotive",
];
const CITIES: &[(&str, &str)] = &[
    ("Berlin", "Germany"),
    ("Hamburg", "Germany"),
    ("Vienna", "Austria"),
    ("Zurich", "Switzerland"),
    ("Lyon", "France"),
    ("Milan", "Italy"),
    ("Madrid", "Spain"),
    ("Oslo", "Norway"),
    ("Warsaw", "Poland"),
    ("Lisbon", "Portugal"),
];
const TITLES: &[&str] = &[
    "CEO",
    "Head of Purchasing",
    "Operations Manager",
    "CFO",
    "IT Director",
    "Plant Manager",
    "Buyer",
    "Office Manager",
];
const SOURCES: &[&str] = &[
    "web_form",
    "web_form",
    "referral",
    "event",
    "cold_call",
    "partner",
    "advertising",
    "import",
    "manual",
];
const CAMPAIGNS: &[&str] = &[
    "Spring trade fair",
    "Newsletter Q2",
    "Webinar: lean logistics",
    "Partner week",
    "Search ads",
];
const DISQUALIFY: &[&str] = &[
    "No budget this year",
    "Chose a competitor",
    "Not the decision maker",
    "No need",
    "Unreachable",
];

pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.salesflow.test";

pub struct Summary {
    pub password: String,
    pub users: usize,
    pub accounts: usize,
    pub contacts: usize,
    pub leads: usize,
    pub opportunities: usize,
    pub activities: usize,
    pub quotes: usize,
    pub orders: usize,
    pub invoices: usize,
}

/// One step of the year of history, replayed in time order.
enum Step {
    Work(usize),
    Nurture(usize),
    Qualify(usize),
    Disqualify(usize, &'static str),
    AddPhone(usize, String),
}

/// Fills the demo company into an empty database (no users yet).
pub async fn fill(app: &App, seed: u64, now: Timestamp) -> Result<Summary> {
    if app.store.count_users().await? > 0 {
        bail!("the database already has users; the demo only fills an empty database");
    }
    let mut rng = Rng::new(seed);
    let start = now.checked_sub(SignedDuration::from_hours(24 * 365))?;
    let clock = Arc::new(FixedClock::new(start));
    let demo = App::new(app.store.clone(), clock.clone(), app.config.clone());
    let password = salesflow_app::secret::new_secret("")[..20].to_string();

    // People: two sales teams and one user in every other role.
    let north = demo
        .create_team(None, "Team North")
        .await
        .map_err(describe)?;
    let south = demo
        .create_team(None, "Team South")
        .await
        .map_err(describe)?;
    let people = [
        ("Ada Admin", DEMO_ADMIN_EMAIL.to_string(), Role::Admin, None),
        (
            "Maria Manager",
            "maria@demo.salesflow.test".into(),
            Role::SalesManager,
            Some(north.id),
        ),
        (
            "Sven Manager",
            "sven@demo.salesflow.test".into(),
            Role::SalesManager,
            Some(south.id),
        ),
        (
            "Rita Rep",
            "rita@demo.salesflow.test".into(),
            Role::SalesRep,
            Some(north.id),
        ),
        (
            "Noah Rep",
            "noah@demo.salesflow.test".into(),
            Role::SalesRep,
            Some(north.id),
        ),
        (
            "Lena Rep",
            "lena@demo.salesflow.test".into(),
            Role::SalesRep,
            Some(north.id),
        ),
        (
            "Omar Rep",
            "omar@demo.salesflow.test".into(),
            Role::SalesRep,
            Some(south.id),
        ),
        (
            "Yuki Rep",
            "yuki@demo.salesflow.test".into(),
            Role::SalesRep,
            Some(south.id),
        ),
        (
            "Lars Rep",
            "lars@demo.salesflow.test".into(),
            Role::SalesRep,
            Some(south.id),
        ),
        (
            "Mia Marketing",
            "mia@demo.salesflow.test".into(),
            Role::Marketing,
            None,
        ),
        (
            "Walt Warehouse",
            "walt@demo.salesflow.test".into(),
            Role::Warehouse,
            None,
        ),
        (
            "Fiona Finance",
            "fiona@demo.salesflow.test".into(),
            Role::Finance,
            None,
        ),
        (
            "Sam Support",
            "sam@demo.salesflow.test".into(),
            Role::Support,
            None,
        ),
    ];
    let mut users = Vec::new();
    for (name, email, role, team_id) in people {
        users.push(
            demo.create_user(
                None,
                NewUser {
                    email,
                    name: name.into(),
                    role,
                    team_id,
                    password: password.clone(),
                },
            )
            .await
            .map_err(describe)?,
        );
    }
    let reps: Vec<Actor> = users
        .iter()
        .filter(|u| u.role == Role::SalesRep)
        .map(Actor::of)
        .collect();
    let marketing = users
        .iter()
        .find(|u| u.role == Role::Marketing)
        .map(Actor::of)
        .expect("marketing user");
    let campaigns = crate::demo_capture::campaigns(&demo, &marketing, CAMPAIGNS).await?;
    crate::demo_capture::web_form(&demo, &marketing, campaigns.get(CAMPAIGNS[0]).copied()).await?;

    // Customers: accounts with their contacts, owned by the reps, created over the year.
    let mut accounts: Vec<(Account, usize, Vec<ContactId>)> = Vec::new();
    for i in 0..200 {
        clock.advance(SignedDuration::from_mins(60 + rng.below(120) as i64));
        let rep = rng.below(reps.len() as u64) as usize;
        let name = format!("{} {} {}", rng.pick(COMPANY_A), rng.pick(COMPANY_B), i + 1);
        let (city, country) = *rng.pick(CITIES);
        let input = AccountInput {
            domain: Some(format!("{}.example", name.to_lowercase().replace(' ', "-"))),
            name: Some(name),
            industry: Some(rng.pick(INDUSTRIES).to_string()),
            phone: Some(format!("+49 30 {:07}", rng.below(10_000_000))),
            street: Some(format!(
                "{} Street {}",
                rng.pick(LAST_NAMES),
                1 + rng.below(200)
            )),
            postal_code: Some(format!("{:05}", rng.below(100_000))),
            city: Some(city.into()),
            country: Some(country.into()),
            ..Default::default()
        };
        accounts.push((
            demo.create::<Account>(&reps[rep], &input, Origin::Ui)
                .await
                .map_err(describe)?,
            rep,
            Vec::new(),
        ));
    }
    for i in 0..500 {
        clock.advance(SignedDuration::from_mins(20 + rng.below(40) as i64));
        let (account, rep, _) = &accounts[i % accounts.len()];
        let (first, last) = (*rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES));
        let input = ContactInput {
            account_id: Some(account.id.to_string()),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            title: Some(rng.pick(TITLES).to_string()),
            email: Some(format!(
                "{}.{}{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                i,
                account.details.domain.clone().unwrap_or_default()
            )),
            phone: Some(format!("+49 40 {:07}", rng.below(10_000_000))),
            ..Default::default()
        };
        let contact = demo
            .create::<Contact>(&reps[*rep], &input, Origin::Ui)
            .await
            .map_err(describe)?;
        let index = i % accounts.len();
        accounts[index].2.push(contact.id);
    }

    // Leads arrive all year; each one's later history is planned and replayed in time order.
    let mut arrivals: Vec<(Timestamp, usize, LeadInput, usize)> = Vec::new();
    let mut plan: Vec<(Timestamp, Step)> = Vec::new();
    let year_secs = now.duration_since(start).as_secs();
    for i in 0..2000 {
        let at = start.checked_add(SignedDuration::from_secs(
            rng.below(year_secs as u64 - 3600) as i64,
        ))?;
        let owner = rng.below(reps.len() as u64 + 1) as usize; // == reps.len() means marketing
        let (first, last) = (*rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES));
        let company = format!("{} {}", rng.pick(COMPANY_A), rng.pick(COMPANY_B));
        let input = LeadInput {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            company: Some(company.clone()),
            title: Some(rng.pick(TITLES).to_string()),
            email: Some(format!(
                "{}.{}{}@{}.example",
                first.to_lowercase(),
                last.to_lowercase(),
                i,
                company.to_lowercase().replace(' ', "-")
            )),
            source: Some(rng.pick(SOURCES).to_string()),
            campaign_id: rng
                .chance(40)
                .then(|| campaigns[*rng.pick(CAMPAIGNS)].to_string()),
            ..Default::default()
        };
        arrivals.push((at, owner, input, i));
        let days = |rng: &mut Rng, max: u64| {
            SignedDuration::from_secs(3600 + rng.below(max * 86_400) as i64)
        };
        let mut t = at;
        if rng.chance(70) {
            t = t.checked_add(days(&mut rng, 4))?;
            plan.push((t, Step::Work(i)));
            if rng.chance(30) {
                plan.push((
                    t.checked_add(SignedDuration::from_hours(2))?,
                    Step::AddPhone(i, format!("+49 89 {:07}", rng.below(10_000_000))),
                ));
            }
            t = t.checked_add(days(&mut rng, 30))?;
            match rng.below(100) {
                0..=34 => plan.push((t, Step::Qualify(i))),
                35..=59 => plan.push((
                    t,
                    Step::Disqualify(i, DISQUALIFY[rng.below(DISQUALIFY.len() as u64) as usize]),
                )),
                60..=79 => {
                    plan.push((t, Step::Nurture(i)));
                    if rng.chance(50) {
                        plan.push((t.checked_add(days(&mut rng, 60))?, Step::Qualify(i)));
                    }
                }
                _ => {}
            }
        }
    }
    arrivals.sort_by_key(|(at, _, _, _)| *at);
    plan.sort_by_key(|(at, _)| *at);

    // Replay: arrivals and planned steps merged by time, never beyond `now`.
    let mut leads: HashMap<usize, (Lead, Actor)> = HashMap::new();
    let mut steps = plan.into_iter().filter(|(at, _)| *at < now).peekable();
    let mut arrivals_iter = arrivals.into_iter().peekable();
    loop {
        let next_arrival = arrivals_iter.peek().map(|(at, _, _, _)| *at);
        let next_step = steps.peek().map(|(at, _)| *at);
        match (next_arrival, next_step) {
            (None, None) => break,
            (Some(a), s) if s.is_none_or(|s| a <= s) => {
                let (at, owner, input, index) = arrivals_iter.next().expect("peeked");
                set_clock(&clock, at);
                let actor = if owner == reps.len() {
                    marketing.clone()
                } else {
                    reps[owner].clone()
                };
                let lead = demo
                    .create::<Lead>(&actor, &input, Origin::Import)
                    .await
                    .map_err(describe)?;
                leads.insert(index, (lead, actor));
            }
            _ => {
                let (at, step) = steps.next().expect("peeked");
                set_clock(&clock, at);
                apply_step(&demo, &mut leads, step).await?;
            }
        }
    }
    let opportunities =
        crate::demo_pipeline::fill(&demo, &mut rng, &reps, &accounts, 400, start, now).await?;
    let activities = crate::demo_activities::fill(&demo, &mut rng, &reps, now).await?;
    let role = |r: Role| users.iter().find(|u| u.role == r).map(Actor::of);
    let (admin, manager) = (role(Role::Admin), role(Role::SalesManager));
    let (quotes, orders, invoices) = match (admin, manager) {
        (Some(admin), Some(manager)) => {
            let (quotes, orders) =
                crate::demo_quotes::fill(app, &mut rng, &admin, &manager, &reps, 36).await?;
            let warehouse = role(Role::Warehouse).unwrap_or_else(|| admin.clone());
            let finance = role(Role::Finance).unwrap_or_else(|| admin.clone());
            // The admin confirms: the demo's orders belong to both sales teams.
            let staff = crate::demo_cash::Staff {
                manager: &admin,
                warehouse: &warehouse,
                finance: &finance,
            };
            let invoices = crate::demo_cash::fill(app, &admin, &staff).await?;
            (quotes, orders, invoices)
        }
        _ => (0, 0, 0),
    };
    Ok(Summary {
        quotes,
        orders,
        invoices,
        opportunities,
        activities,
        password,
        users: users.len(),
        accounts: accounts.len(),
        contacts: 500,
        leads: leads.len(),
    })
}

pub(crate) fn set_clock(clock: &FixedClock, at: Timestamp) {
    use salesflow_app::clock::Clock;
    let now = clock.now();
    if at > now {
        clock.advance(at.duration_since(now));
    }
}

async fn apply_step(
    app: &App,
    leads: &mut HashMap<usize, (Lead, Actor)>,
    step: Step,
) -> Result<()> {
    let (index, action, reason) = match step {
        Step::Work(i) => (i, LeadAction::Work, None),
        Step::Nurture(i) => (i, LeadAction::Nurture, None),
        Step::Qualify(i) => (i, LeadAction::Qualify, None),
        Step::Disqualify(i, why) => (i, LeadAction::Disqualify, Some(why.to_string())),
        Step::AddPhone(i, phone) => {
            let Some((lead, actor)) = leads.get(&i) else {
                return Ok(());
            };
            let input = LeadInput {
                phone: Some(phone),
                version: Some(lead.meta.version),
                ..Default::default()
            };
            let updated = app
                .update::<Lead>(actor, lead.id.0, &input)
                .await
                .map_err(describe)?;
            let actor = actor.clone();
            leads.insert(i, (updated, actor));
            return Ok(());
        }
    };
    let Some((lead, actor)) = leads.get(&index) else {
        return Ok(());
    };
    if salesflow_domain::lead::next_status(lead.status, action).is_none() {
        return Ok(());
    }
    let request = LeadTransition {
        action,
        reason,
        version: lead.meta.version,
    };
    let updated = app
        .transition_lead(actor, lead.id.0, &request)
        .await
        .map_err(describe)?;
    let actor = actor.clone();
    leads.insert(index, (updated, actor));
    Ok(())
}

/// `serve --demo`: fills the demo company once, into an empty database.
pub async fn fill_if_empty(app: &App) -> Result<()> {
    if app.store.count_users().await? > 0 {
        tracing::info!("database has users; demo data not added");
        return Ok(());
    }
    println!("Filling the demo company (takes a little while)…");
    let summary = fill(app, 2026, Timestamp::now()).await?;
    print_summary(&summary);
    Ok(())
}

pub fn print_summary(s: &Summary) {
    println!(
        "Demo company ready: {} users, {} accounts, {} contacts, {} leads and {} opportunities with a year of history, {} activities, {} quotes, {} sales orders, {} invoices.",
        s.users,
        s.accounts,
        s.contacts,
        s.leads,
        s.opportunities,
        s.activities,
        s.quotes,
        s.orders,
        s.invoices
    );
    println!(
        "Sign in as {DEMO_ADMIN_EMAIL} (or rita@…, maria@…, mia@… — see README) with password: {}",
        s.password
    );
}
