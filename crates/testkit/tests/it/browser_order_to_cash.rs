//! Order to cash in headless Chromium: the office confirms the order on its page, releases it
//! for picking, ships the delivery note, posts the invoice from the order's invoice list and
//! records the customer's payment on the invoice page; the order ends up paid.

use fantoccini::Locator;
use salesflow_domain::role::Role;
use salesflow_testkit::browser::Browser;
use salesflow_testkit::orders::{accepted_order, stocked_product};
use salesflow_testkit::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_confirmed_shipped_invoiced_and_paid_in_the_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    t.company_ready().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    stocked_product(&t, &admin, "CRATE", "40.00", "10").await;
    let order = accepted_order(&t, &admin, "Browser Buyer", "3 x CRATE").await;
    let c = &browser.client;
    let click = |css: &'static str| async move {
        c.wait().for_element(Locator::Css(css)).await?.click().await
    };
    let result = async {
        browser
            .sign_in(&t.base_url, &admin_user.email, PASSWORD)
            .await?;
        c.goto(&t.url(&format!("/orders/{}", order.id))).await?;
        click("#confirm-order").await?;
        let confirmed = browser
            .wait_for_text("#order-status", |s| s == "Confirmed")
            .await?;
        click("#release-order").await?;
        browser
            .wait_for_text("#delivery-status", |s| s == "Released")
            .await?;
        click("#ship").await?;
        let shipped = browser
            .wait_for_text("#delivery-status", |s| s == "Shipped")
            .await?;
        c.goto(&t.url(&format!("/orders/{}", order.id))).await?;
        c.wait()
            .for_element(Locator::Css("#invoices a"))
            .await?
            .click()
            .await?;
        click("#post-invoice").await?;
        let posted = browser
            .wait_for_text("#invoice-status", |s| s == "Posted")
            .await?;
        c.find(Locator::Css("#pay-reference"))
            .await?
            .send_keys("Bank statement 42")
            .await?;
        click("#record-payment").await?;
        let paid = browser
            .wait_for_text("#invoice-status", |s| s == "Paid")
            .await?;
        c.goto(&t.url(&format!("/orders/{}", order.id))).await?;
        let order_status = browser
            .wait_for_text("#order-status", |s| !s.is_empty())
            .await?;
        Ok::<_, fantoccini::error::CmdError>((confirmed, shipped, posted, paid, order_status))
    }
    .await;
    browser.close().await;
    let (confirmed, shipped, posted, paid, order_status) = result.expect("browser flow");
    assert_eq!(
        (
            confirmed.as_str(),
            shipped.as_str(),
            posted.as_str(),
            paid.as_str()
        ),
        ("Confirmed", "Shipped", "Posted", "Paid")
    );
    assert_eq!(order_status, "Paid");
    let payments = t
        .api_as(&admin_user)
        .await
        .get("/api/v1/payments")
        .await
        .json["payments"]
        .clone();
    assert_eq!(payments[0]["reference"], "Bank statement 42");
    // 3 × 40.00 at 19 %.
    assert_eq!(payments[0]["amount_minor"], 14_280);
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_ships_in_two_parts_from_its_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    t.company_ready().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    stocked_product(&t, &admin, "CRATE", "40.00", "10").await;
    stocked_product(&t, &admin, "LID", "5.00", "10").await;
    let order = accepted_order(&t, &admin, "Two Parts Oy", "3 x CRATE\n2 x LID").await;
    let c = &browser.client;
    let click = |css: &'static str| async move {
        c.wait().for_element(Locator::Css(css)).await?.click().await
    };
    let set = |css: &'static str, value: &'static str| async move {
        let field = c.wait().for_element(Locator::Css(css)).await?;
        field.clear().await?;
        field.send_keys(value).await
    };
    let order_page = t.url(&format!("/orders/{}", order.id));
    // Releases what the form says, ships that delivery and goes back to the order.
    let release_and_ship = || async {
        click("#release-order").await?;
        browser
            .wait_for_text("#delivery-status", |s| s == "Released")
            .await?;
        click("#ship").await?;
        browser
            .wait_for_text("#delivery-status", |s| s == "Shipped")
            .await?;
        c.goto(&order_page).await
    };
    let result = async {
        browser
            .sign_in(&t.base_url, &admin_user.email, PASSWORD)
            .await?;
        c.goto(&order_page).await?;
        click("#confirm-order").await?;
        browser
            .wait_for_text("#order-status", |s| s == "Confirmed")
            .await?;
        // At phone width the release table scrolls inside its card.
        c.set_window_size(390, 844).await?;
        // First part: 1 crate, no lids; too many first, which is refused beside the form.
        set("#qty-0", "7").await?;
        set("#qty-1", "0").await?;
        click("#release-order").await?;
        let refused = browser
            .wait_for_text("#release-problem", |s| !s.is_empty())
            .await?;
        let kept = c
            .find(Locator::Css("#qty-0"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        set("#qty-0", "1").await?;
        set("#qty-1", "0").await?;
        release_and_ship().await?;
        let partly = browser
            .wait_for_text("#order-status", |s| !s.is_empty())
            .await?;
        let open = c
            .find(Locator::Css("#qty-0"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        // Second part: everything still open (the form offers it).
        release_and_ship().await?;
        let done = browser
            .wait_for_text("#order-status", |s| !s.is_empty())
            .await?;
        let deliveries = c.find_all(Locator::Css("#deliveries li")).await?.len();
        let scrolls = c
            .execute(
                "const t = document.querySelector('.table-scroll'); \
                 return t ? document.documentElement.scrollWidth <= window.innerWidth + 1 : true;",
                vec![],
            )
            .await?;
        Ok::<_, fantoccini::error::CmdError>((
            refused, kept, partly, open, done, deliveries, scrolls,
        ))
    }
    .await;
    browser.close().await;
    let (refused, kept, partly, open, done, deliveries, scrolls) = result.expect("browser flow");
    assert!(!refused.is_empty());
    assert_eq!(kept, "7", "the typed quantity is kept beside the problem");
    assert_eq!(partly, "Partially shipped");
    assert_eq!(open, "2", "two crates still open");
    assert_eq!(done, "Shipped");
    assert_eq!(deliveries, 2);
    assert_eq!(
        scrolls,
        serde_json::Value::Bool(true),
        "no sideways scrolling of the page at 390 px"
    );
    t.shutdown().await;
}
