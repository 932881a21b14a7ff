//! Stored cross-site scripting (RELIABILITY goal 25): fifty hostile strings stored in the text
//! fields of leads, accounts, contacts, opportunities, activities, campaigns, products, a pipeline
//! and a quote (including what the customer typed on the portal) are opened on every page that
//! shows them in headless Chromium. No script of theirs runs, no element or attribute of theirs
//! reaches the page, and the detail pages show them as the text that was typed.

use std::time::Duration;

use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_app::portal::PortalAnswer;
use salesflow_app::quotes::SendQuote;
use salesflow_domain::quote::lines::LinesInput;
use salesflow_domain::quote::{Quote, QuoteInput};
use salesflow_domain::role::Role;
use salesflow_testkit::browser::Browser;
use salesflow_testkit::http::Api;
use salesflow_testkit::orders::{customer, stocked_product};
use salesflow_testkit::{PASSWORD, TestApp};
use serde_json::{Value, json};

/// Each runs `xss=N` (N = its number) if it ever executes; `{n}` is replaced by the number.
const ATTACKS: [&str; 50] = [
    "<script>xss={n}</script>",
    "<img src=x onerror=xss={n}>",
    "<svg onload=xss={n}>",
    "\"><script>xss={n}</script>",
    "'><img src=x onerror=xss={n}>",
    "\" autofocus onfocus=xss={n} x=\"",
    "' autofocus onfocus=xss={n} x='",
    "<body onload=xss={n}>",
    "<iframe srcdoc=\"<script>parent.xss={n}</script>\"></iframe>",
    "<details open ontoggle=xss={n}>",
    "<input autofocus onfocus=xss={n}>",
    "<svg><script>xss={n}</script></svg>",
    "</title><script>xss={n}</script>",
    "</textarea><script>xss={n}</script>",
    "</script><script>xss={n}</script>",
    "<a href=\"javascript:xss={n}\" id=xss{n}>click</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=xss={n}>",
    "<style>@import 'javascript:xss={n}'</style>",
    "<object data=\"javascript:xss={n}\"></object>",
    "<embed src=\"javascript:xss={n}\">",
    "<video><source onerror=xss={n}></video>",
    "<audio src=x onerror=xss={n}>",
    "<marquee onstart=xss={n}>m</marquee>",
    "<select autofocus onfocus=xss={n}></select>",
    "<textarea autofocus onfocus=xss={n}></textarea>",
    "<div style=\"background:url(javascript:xss={n})\" id=xss{n}>",
    "{{constructor.constructor('xss={n}')()}}",
    "${xss={n}}",
    "<img src=\"x` `<script>xss={n}</script>\"` `>",
    "<IMG SRC=x OnErRoR=xss={n}>",
    "<scr<script>ipt>xss={n}</scr</script>ipt>",
    "&lt;script&gt;xss={n}&lt;/script&gt;",
    "%3Cscript%3Exss={n}%3C/script%3E",
    "<svg/onload=xss={n}>",
    "<img src=x onerror=\"xss={n}\">",
    "<form><button formaction=javascript:xss={n} id=xss{n}>go</button></form>",
    "<base href=\"javascript:xss={n}//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:xss={n}\">",
    "<div hx-get=\"/logout\" hx-trigger=\"load\" hx-on::before-request=\"xss={n}\" id=xss{n}>",
    "<div hx-on:htmx:load=\"xss={n}\" id=xss{n}>",
    "javascript:xss={n}",
    "<img src=x:x onerror=xss={n}>",
    "\\\"><img src=x onerror=xss={n}>",
    "</div></td></tr></table><img src=x onerror=xss={n}>",
    "<!--<img src=\"--><img src=x onerror=xss={n}//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=xss={n}>\">",
    "<x contenteditable autofocus onfocus=xss={n}>x</x>",
    "<svg><animate onbegin=xss={n} attributeName=x dur=1s>",
    "\u{2028}<img src=x onerror=xss={n}>\u{2029}",
    "<img src=x onerror=xss={n} alt=\"Ümlaut & € 'quote'\">",
];

fn attack(n: usize) -> String {
    ATTACKS[n].replace("{n}", &n.to_string())
}

/// What a page shows of the attacks: the number of any that ran, and any element one made.
const PROBE: &str = r#"
const injected = [...document.querySelectorAll('*')].filter(e =>
    e.id.startsWith('xss') ||
    (e.tagName === 'SCRIPT' && !e.src) ||
    [...e.attributes].some(a => a.name.startsWith('on') || a.name.startsWith('hx-on')
        || a.name === 'srcdoc' || a.name === 'formaction'));
return JSON.stringify({
    ran: typeof window.xss === 'undefined' ? null : String(window.xss),
    injected: injected.map(e => e.outerHTML.slice(0, 160)),
    text: document.body ? document.body.innerText : ''
});
"#;

struct Stored {
    /// Pages that show the attacks, and which attacks each detail page must show as text.
    pages: Vec<(String, Vec<usize>)>,
    portal: String,
}

/// Creates `body` at `path` and returns the new record's id.
async fn create(api: &Api, path: &str, key: &str, body: Value) -> String {
    let record = api.ok(path, &body, key).await;
    record["id"].as_str().expect("id").to_string()
}

/// Changes `fields` of the record at `path`, at its current version.
async fn patch(api: &Api, path: &str, mut fields: Value) {
    let current = api.get(path).await;
    let record = current
        .json
        .as_object()
        .and_then(|o| o.values().next())
        .cloned();
    fields["version"] = record.unwrap_or_default()["version"].clone();
    let patched = api.patch(path, &fields).await;
    assert!(patched.status.is_success(), "{path}: {}", patched.text);
}

async fn store_attacks(t: &TestApp, admin: &Actor, api: &Api) -> Stored {
    let a = attack;
    let mut pages: Vec<(String, Vec<usize>)> = Vec::new();
    for lead in 0..4 {
        let n = lead * 4;
        let id = create(
            api,
            "/api/v1/leads",
            "lead",
            json!({"first_name": a(n), "last_name": a(n + 1), "company": a(n + 2),
                   "title": a(n + 3), "notes": a(41 + lead)}),
        )
        .await;
        pages.push((
            format!("/leads/{id}"),
            vec![n, n + 1, n + 2, n + 3, 41 + lead],
        ));
    }
    let activity_on = pages[0].0.trim_start_matches("/leads/").to_string();
    let activity = create(
        api,
        "/api/v1/activities",
        "activity",
        json!({"kind": "call", "subject": a(16), "notes": a(17),
               "related_type": "lead", "related_id": activity_on}),
    )
    .await;
    pages.push((format!("/activities/{activity}"), vec![16, 17]));
    let task = create(
        api,
        "/api/v1/activities",
        "activity",
        json!({"kind": "task", "subject": a(45), "notes": a(46), "due_at": "2027-01-15T09:00:00Z",
               "related_type": "lead", "related_id": activity_on}),
    )
    .await;
    pages.push((format!("/activities/{task}"), vec![45, 46]));

    let account = customer(t, admin, &a(18)).await.id.to_string();
    let fields = json!({"industry": a(19), "notes": a(20)});
    patch(api, &format!("/api/v1/accounts/{account}"), fields).await;
    pages.push((format!("/accounts/{account}"), vec![18, 19, 20]));
    let contact = create(
        api,
        "/api/v1/contacts",
        "contact",
        json!({"account_id": account, "first_name": a(21), "last_name": a(22),
               "title": a(23), "notes": a(24)}),
    )
    .await;
    pages.push((format!("/contacts/{contact}"), vec![21, 22, 23, 24]));

    let pipeline = create(
        api,
        "/api/v1/pipelines",
        "pipeline",
        json!({"name": a(25), "stages": [
            {"name": a(26), "probability": 20}, {"name": a(27), "probability": 60},
            {"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}]}),
    )
    .await;
    let opportunity = create(
        api,
        "/api/v1/opportunities",
        "opportunity",
        json!({"name": a(28), "account_id": account, "competitor": a(29), "notes": a(30),
               "amount": "1200.00", "pipeline_id": pipeline}),
    )
    .await;
    pages.push((format!("/opportunities/{opportunity}"), vec![28, 29, 30]));
    pages.push((format!("/pipeline?pipeline={pipeline}"), vec![]));
    pages.push((format!("/analytics?pipeline={pipeline}"), vec![]));

    let campaign = create(
        api,
        "/api/v1/campaigns",
        "campaign",
        json!({"name": a(31), "channel": "email", "notes": a(32)}),
    )
    .await;
    pages.push((format!("/campaigns/{campaign}"), vec![31, 32]));
    let second = create(
        api,
        "/api/v1/campaigns",
        "campaign",
        json!({"name": a(47), "channel": "event", "notes": a(48)}),
    )
    .await;
    pages.push((format!("/campaigns/{second}"), vec![47, 48]));

    let product = stocked_product(t, admin, "XSS-1", "10.00", "5").await.id;
    let fields = json!({"name": a(33), "description": a(34), "category": a(35)});
    patch(api, &format!("/api/v1/products/{product}"), fields).await;
    pages.push((format!("/products/{product}"), vec![33, 34]));

    t.company_ready().await;
    let quote: Quote = t
        .app
        .create(
            admin,
            &QuoteInput {
                title: Some(a(36)),
                account_id: Some(account.clone()),
                terms: Some(a(37)),
                lines: Some(LinesInput::Text("2 x XSS-1".into())),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .expect("quote");
    let send = SendQuote {
        version: quote.meta.version,
    };
    let sent = t.app.send_quote(admin, quote.id.0, &send).await;
    let portal = sent.expect("sent").portal_url.expect("portal link");
    let token = portal.rsplit('/').next().unwrap_or_default().to_string();
    let answer = PortalAnswer {
        signed_name: Some(a(38)),
        comment: Some(a(39)),
    };
    let order = t
        .app
        .portal_accept(quote.id.0, &token, &answer, None)
        .await
        .expect("accepted")
        .1;
    pages.push((format!("/quotes/{}", quote.id), vec![36, 37]));
    pages.push((format!("/orders/{}", order.id), vec![]));

    for list in [
        "/",
        "/my-day",
        "/leads",
        "/accounts",
        "/contacts",
        "/opportunities",
        "/activities",
        "/campaigns",
        "/products",
        "/quotes",
        "/orders",
        "/invoices",
        "/receivables",
        "/approvals",
        "/stock",
        "/warehouse",
        "/settings/pipelines",
        "/settings/audit",
        "/notifications",
    ] {
        pages.push((list.to_string(), vec![]));
    }
    // Reflected: the attacks as a list search and as unknown filter values.
    for n in [0, 3, 5, 38, 40] {
        let q = urlencoding(&a(n));
        pages.push((format!("/leads?q={q}"), vec![]));
        pages.push((format!("/opportunities?q={q}&sort={q}"), vec![]));
    }
    Stored { pages, portal }
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_stored_attacks_render_as_text_on_every_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let api = t.api_as(&admin_user).await;
    let stored = store_attacks(&t, &admin, &api).await;

    let c = &browser.client;
    let mut findings: Vec<String> = Vec::new();
    let mut shown: Vec<usize> = Vec::new();
    let result = async {
        // The customer's view first, before signing in as the office.
        let mut visits = vec![(stored.portal.clone(), vec![36, 37])];
        visits.extend(stored.pages.iter().cloned());
        for (i, (page, expected)) in visits.iter().enumerate() {
            if i == 1 {
                browser
                    .sign_in(&t.base_url, &admin_user.email, PASSWORD)
                    .await?;
            }
            let url = if page.starts_with("http") {
                page.clone()
            } else {
                t.url(page)
            };
            c.goto(&url).await?;
            // Time for failing images, autofocus and htmx swaps to fire their handlers.
            tokio::time::sleep(Duration::from_millis(250)).await;
            let probe = c.execute(PROBE, vec![]).await?;
            let probe: Value = serde_json::from_str(probe.as_str().unwrap_or("{}")).unwrap();
            if !probe["ran"].is_null() {
                findings.push(format!("{page}: attack {} ran", probe["ran"]));
            }
            for element in probe["injected"].as_array().into_iter().flatten() {
                findings.push(format!("{page}: injected {element}"));
            }
            let text = probe["text"].as_str().unwrap_or_default();
            for &n in expected {
                // The line separators of attack 48 show as line breaks.
                let typed = attack(n);
                if text.contains(typed.trim_matches(['\u{2028}', '\u{2029}'])) {
                    shown.push(n);
                } else {
                    findings.push(format!("{page}: attack {n} not shown as typed"));
                }
            }
            if text.contains("Internal") || text.contains("went wrong") {
                findings.push(format!("{page}: error page"));
            }
        }
        Ok::<usize, fantoccini::error::CmdError>(visits.len())
    }
    .await;
    browser.close().await;
    let visited = result.expect("browser visits");
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    assert!(visited >= 40, "only {visited} pages visited");
    shown.sort_unstable();
    shown.dedup();
    assert!(shown.len() >= 35, "attacks shown as text: {shown:?}");
    t.shutdown().await;
}
