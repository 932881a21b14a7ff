//! The main flows clicked through in headless Chromium: sign in, create a lead with the form,
//! find it with the list search, edit it, see the change on its timeline; drag an opportunity
//! across the pipeline board.

use std::time::Duration;

use fantoccini::Locator;
use salesflow_domain::role::Role;
use salesflow_testkit::browser::Browser;
use salesflow_testkit::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_create_search_edit_and_see_the_timeline() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let c = &browser.client;
    let result = async {
        browser.sign_in(&t.base_url, &rep.email, PASSWORD).await?;

        c.goto(&t.url("/leads/new")).await?;
        c.find(Locator::Css("#f-first_name"))
            .await?
            .send_keys("Katherine")
            .await?;
        c.find(Locator::Css("#f-last_name"))
            .await?
            .send_keys("Johnson")
            .await?;
        c.find(Locator::Css("#f-company"))
            .await?
            .send_keys("Langley Research")
            .await?;
        c.find(Locator::Css("form.record-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css(".timeline .event"))
            .await?;

        // The list search filters as you type (htmx), without a page load.
        c.goto(&t.url("/leads")).await?;
        c.find(Locator::Css("input[type=search]"))
            .await?
            .send_keys("johns")
            .await?;
        let link = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::LinkText("Katherine Johnson"))
            .await?;
        link.click().await?;
        c.wait()
            .for_element(Locator::LinkText("Edit"))
            .await?
            .click()
            .await?;
        let title = c.wait().for_element(Locator::Css("#f-title")).await?;
        title.send_keys("Mathematician").await?;
        c.find(Locator::Css("form.record-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css(".timeline .event:nth-child(2)"))
            .await?;
        let timeline = c.find(Locator::Css("#timeline")).await?.text().await?;
        Ok::<String, fantoccini::error::CmdError>(timeline)
    }
    .await;
    browser.close().await;
    let timeline = result.expect("browser flow");
    assert!(timeline.contains("Updated"), "{timeline}");
    assert!(timeline.contains("Mathematician"), "{timeline}");
    assert!(timeline.contains("Created"), "{timeline}");
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drag_an_opportunity_to_another_stage_and_see_the_totals_change() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let qualification = "0190a000-0000-7000-8000-000000000102";
    let prospecting = "0190a000-0000-7000-8000-000000000101";
    let proposal = "0190a000-0000-7000-8000-000000000104";
    let mut ids = Vec::new();
    for (name, amount) in [("Drag me", "1000.00"), ("Gated", "500.00")] {
        let reply = api
            .post(
                "/api/v1/opportunities",
                &serde_json::json!({ "name": name, "amount": amount, "stage_id": qualification }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.push(
            reply.json["opportunity"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let c = &browser.client;
    let result = async {
        browser.sign_in(&t.base_url, &rep.email, PASSWORD).await?;
        c.goto(&t.url("/pipeline")).await?;
        let card = c
            .wait()
            .for_element(Locator::Css(&format!("#card-{}", ids[0])))
            .await?;
        let before = browser
            .wait_for_text(&format!("#totals-{qualification}"), |_| true)
            .await?;
        let target = c
            .find(Locator::Css(&format!("#cards-{prospecting}")))
            .await?;
        browser.drag(card, target).await?;
        let after = browser
            .wait_for_text(&format!("#totals-{prospecting}"), |t| t.starts_with('1'))
            .await?;
        let source_after = browser
            .wait_for_text(&format!("#totals-{qualification}"), |t| t.starts_with('1'))
            .await?;
        let moved = browser
            .wait_for_text("#board-status", |t| !t.is_empty())
            .await?;

        // The Proposal gate refuses the second card: the message shows and the card returns.
        let gated = c.find(Locator::Css(&format!("#card-{}", ids[1]))).await?;
        let target = c.find(Locator::Css(&format!("#cards-{proposal}"))).await?;
        browser.drag(gated, target).await?;
        let refused = browser
            .wait_for_text("#board-status", |t| t.contains("needs"))
            .await?;
        let back = c
            .find(Locator::Css(&format!(
                "#cards-{qualification} #card-{}",
                ids[1]
            )))
            .await
            .is_ok();
        Ok::<_, fantoccini::error::CmdError>((before, after, source_after, moved, refused, back))
    }
    .await;
    browser.close().await;
    let (before, after, source_after, moved, refused, back) = result.expect("browser flow");
    assert_eq!(before, "2 · 1,500.00 EUR · 300.00 EUR weighted");
    assert_eq!(after, "1 · 1,000.00 EUR · 100.00 EUR weighted");
    assert_eq!(source_after, "1 · 500.00 EUR · 100.00 EUR weighted");
    assert_eq!(moved, "Moved to Prospecting.");
    assert_eq!(
        refused,
        "the Proposal stage needs account and expected close date"
    );
    assert!(back, "the refused card went back to its column");
    let stored = api.get(&format!("/api/v1/opportunities/{}", ids[0])).await;
    assert_eq!(stored.json["opportunity"]["stage_key"], "prospecting");
    let gated = api.get(&format!("/api/v1/opportunities/{}", ids[1])).await;
    assert_eq!(gated.json["opportunity"]["stage_key"], "qualification");
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn convert_a_qualified_lead_from_its_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let lead = api
        .post(
            "/api/v1/leads",
            &serde_json::json!({ "first_name": "Joan", "last_name": "Clarke", "company": "Bletchley Park",
                                 "email": "joan@bletchley.example" }),
        )
        .await;
    let id = lead.json["lead"]["id"].as_str().unwrap().to_string();
    let qualified = api
        .post(
            &format!("/api/v1/leads/{id}/transitions"),
            &serde_json::json!({ "action": "qualify", "version": 1 }),
        )
        .await;
    assert_eq!(qualified.status, 200, "{}", qualified.text);
    let c = &browser.client;
    let result = async {
        browser.sign_in(&t.base_url, &rep.email, PASSWORD).await?;
        c.goto(&t.url(&format!("/leads/{id}"))).await?;
        // Tick two criteria first: the score goes up.
        c.find(Locator::Css("input[name=crit_budget]"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("input[name=crit_need]"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("form.criteria button[type=submit]"))
            .await?
            .click()
            .await?;
        let score = browser
            .wait_for_text(".badge.score", |t| t.starts_with("40"))
            .await?;
        c.find(Locator::Css(".convert-form input[name=amount]"))
            .await?
            .send_keys("25000")
            .await?;
        c.find(Locator::Id("convert")).await?.click().await?;
        let heading = browser
            .wait_for_text("h1", |t| t.contains("new business"))
            .await?;
        let stage = c
            .find(Locator::Css(".stage-path li.current"))
            .await?
            .text()
            .await?;
        let url = c.current_url().await?;
        Ok::<_, fantoccini::error::CmdError>((score, heading, stage, url.path().to_string()))
    }
    .await;
    browser.close().await;
    let (score, heading, stage, path) = result.expect("browser flow");
    assert_eq!(
        score, "40 points",
        "30 for two criteria, 10 for the company and e-mail"
    );
    assert!(
        heading.starts_with("Bletchley Park — new business"),
        "{heading}"
    );
    assert_eq!(stage, "Prospecting");
    assert!(path.starts_with("/opportunities/"), "{path}");
    let lead = api.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!(lead.json["lead"]["status"], "converted");
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_the_public_web_form() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let marketing = t.user(Role::Marketing, None).await;
    let api = t.api_as(&marketing).await;
    let form = api
        .post(
            "/api/v1/web-forms",
            &serde_json::json!({ "name": "Request a demo", "fields": "first_name, last_name*, email*, notes",
                                 "thank_you": "Thank you, Katherine will be in touch." }),
        )
        .await;
    assert_eq!(form.status, 201, "{}", form.text);
    let token = form.json["web_form"]["token"].as_str().unwrap().to_string();
    let c = &browser.client;
    let result = async {
        // No sign-in: a visitor arrives from an ad.
        c.goto(&t.url(&format!("/f/{token}?utm_source=ads&utm_medium=cpc")))
            .await?;
        c.find(Locator::Id("f-first_name"))
            .await?
            .send_keys("Dorothy")
            .await?;
        c.find(Locator::Id("f-last_name"))
            .await?
            .send_keys("Vaughan")
            .await?;
        // A bad address first: the form says so and keeps what was typed.
        c.find(Locator::Id("f-email"))
            .await?
            .send_keys("dorothy")
            .await?;
        c.find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        let problem = browser
            .wait_for_text(".field-error", |t| !t.is_empty())
            .await?;
        let email = c.find(Locator::Id("f-email")).await?;
        email.clear().await?;
        email.send_keys("dorothy@langley.example").await?;
        c.find(Locator::Id("f-notes"))
            .await?
            .send_keys("We would like a demo next week.")
            .await?;
        c.find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        let thanks = browser.wait_for_text(".thanks", |t| !t.is_empty()).await?;
        Ok::<_, fantoccini::error::CmdError>((problem, thanks))
    }
    .await;
    browser.close().await;
    let (problem, thanks) = result.expect("browser flow");
    assert!(!problem.is_empty());
    assert_eq!(thanks, "Thank you, Katherine will be in touch.");
    let leads = api.get("/api/v1/leads").await;
    let lead = &leads.json["leads"][0];
    assert_eq!(lead["last_name"], "Vaughan");
    assert_eq!(lead["notes"], "We would like a demo next week.");
    assert_eq!(
        lead["attribution"],
        serde_json::json!({ "utm_medium": "cpc", "utm_source": "ads" })
    );
    t.shutdown().await;
}
