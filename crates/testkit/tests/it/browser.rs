//! The main flow clicked through in headless Chromium: sign in, create a lead with the form,
//! find it with the list search, edit it, see the change on its timeline.

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
        c.goto(&t.url("/login")).await?;
        c.find(Locator::Css("input[name=email]"))
            .await?
            .send_keys(&rep.email)
            .await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Css(".tiles")).await?;

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
