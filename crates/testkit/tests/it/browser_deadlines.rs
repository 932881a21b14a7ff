//! Step deadlines clicked through in a real browser at phone width: a deadline is added on
//! Settings → Deadlines (a bad number first, refused beside its field with the input kept), a
//! lead's step starts it, and the lead and the list of deadlines show it — without the page
//! scrolling sideways.

use fantoccini::Locator;
use salesflow_domain::role::Role;
use salesflow_testkit::browser::Browser;
use salesflow_testkit::{PASSWORD, TestApp};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_is_set_up_and_seen_at_phone_width() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let api = t.api_as(&admin).await;
    let c = &browser.client;
    let no_sideways = "return document.documentElement.scrollWidth <= window.innerWidth + 1;";
    let result = async {
        c.set_window_size(390, 844).await?;
        browser.sign_in(&t.base_url, &admin.email, PASSWORD).await?;
        c.goto(&t.url("/settings/deadlines")).await?;
        let fill = |name: &'static str, value: &'static str| async move {
            let field = c.find(Locator::Css(&format!("[name={name}]"))).await?;
            field.clear().await?;
            field.send_keys(value).await
        };
        fill("rule_0_name", "Work new leads").await?;
        fill("rule_0_start", "lead:new").await?;
        fill("rule_0_stop", "lead:working").await?;
        fill("rule_0_hours", "four").await?;
        c.find(Locator::Css("#deadline-settings button.primary"))
            .await?
            .click()
            .await?;
        let refused = browser
            .wait_for_text("tr.row-errors", |s| !s.is_empty())
            .await?;
        let kept = c
            .find(Locator::Css("[name=rule_0_hours]"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        let settings_fit = c.execute(no_sideways, vec![]).await?;
        fill("rule_0_hours", "4").await?;
        c.find(Locator::Css("#deadline-settings button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("#deadline-rules"))
            .await?;
        Ok::<_, fantoccini::error::CmdError>((refused, kept, settings_fit))
    }
    .await;
    let saved = t.app.deadline_settings().await.unwrap().1;
    let lead = api
        .post("/api/v1/leads", &json!({ "last_name": "Phoneman" }))
        .await;
    let lead = lead.json["lead"]["id"].as_str().unwrap().to_string();
    t.settle().await;
    let seen = async {
        c.goto(&t.url(&format!("/leads/{lead}"))).await?;
        let badge = browser
            .wait_for_text("#record-deadlines .badge", |s| !s.is_empty())
            .await?;
        c.goto(&t.url("/deadlines?all=1")).await?;
        let listed = browser
            .wait_for_text("#deadlines tbody", |s| !s.is_empty())
            .await?;
        let list_fits = c.execute(no_sideways, vec![]).await?;
        Ok::<_, fantoccini::error::CmdError>((badge, listed, list_fits))
    }
    .await;
    browser.close().await;
    let (refused, kept, settings_fit) = result.expect("settings in the browser");
    assert!(refused.contains("whole number"), "{refused}");
    assert_eq!(kept, "four", "the typed value is kept beside the problem");
    assert_eq!(saved, 1, "the corrected form is saved");
    let (badge, listed, list_fits) = seen.expect("deadlines in the browser");
    assert_eq!(badge, "On time");
    assert!(
        listed.contains("Work new leads") && listed.contains("Phoneman"),
        "{listed}"
    );
    for fits in [settings_fit, list_fits] {
        assert_eq!(
            fits,
            serde_json::Value::Bool(true),
            "no sideways scrolling at 390 px"
        );
    }
    t.shutdown().await;
}
