//! Quote to order in headless Chromium: the rep makes a quote from the opportunity page and
//! sends it; the customer accepts on the portal page and sees the confirmation; the rep sees
//! the order.

use fantoccini::Locator;
use salesflow_domain::role::Role;
use salesflow_testkit::browser::Browser;
use salesflow_testkit::{PASSWORD, TestApp};

use super::quote_to_order::{catalogue, customer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_accepts_on_the_portal_and_the_rep_sees_the_order() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let manager = t.user(Role::SalesManager, None).await;
    catalogue(&t.api_as(&manager).await).await;
    let (_, _, opportunity) = customer(&t.api_as(&rep).await).await;
    let c = &browser.client;
    let result = async {
        browser.sign_in(&t.base_url, &rep.email, PASSWORD).await?;
        c.goto(&t.url(&format!("/opportunities/{opportunity}")))
            .await?;
        c.find(Locator::LinkText("New quote"))
            .await?
            .click()
            .await?;
        let lines = c.wait().for_element(Locator::Css("#f-lines")).await?;
        lines.send_keys("2 x LIC\nEXPORT").await?;
        c.find(Locator::Css("form.record-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let total = browser
            .wait_for_text("#doc-total", |t| !t.is_empty())
            .await?;
        c.find(Locator::Css("#send-quote")).await?.click().await?;
        let link = browser
            .wait_for_text("#portal-link pre", |t| t.contains("/portal/"))
            .await?;
        let path = link[link.find("/portal/").unwrap()..].trim().to_string();

        // The customer, on the portal page.
        c.goto(&t.url(&path)).await?;
        c.wait()
            .for_element(Locator::Css("#signed_name"))
            .await?
            .send_keys("Hank Scorpio")
            .await?;
        c.find(Locator::Css("#accept")).await?.click().await?;
        let confirmation = browser
            .wait_for_text("#accepted", |t| t.contains("SO-"))
            .await?;

        // The rep sees the order.
        c.goto(&t.url("/orders")).await?;
        c.wait()
            .for_element(Locator::XPath("//a[contains(., 'SO-00001')]"))
            .await?
            .click()
            .await?;
        let order = browser
            .wait_for_text("main", |t| t.contains("Hank Scorpio"))
            .await?;
        Ok::<_, fantoccini::error::CmdError>((total, confirmation, order))
    }
    .await;
    browser.close().await;
    let (total, confirmation, order) = result.expect("browser flow");
    // 2 × 1200.00 at 19 % + 300.00 at 0 %: 2400.00 + 456.00 + 300.00.
    assert_eq!(total, "3156.00");
    assert!(
        confirmation.contains("Signed by Hank Scorpio"),
        "{confirmation}"
    );
    assert!(confirmation.contains("SO-00001"), "{confirmation}");
    assert!(
        order.contains("3156.00") && order.contains("Pro licence"),
        "{order}"
    );
    t.shutdown().await;
}
