//! The process flow diagram in headless Chromium: the heatmap renders, and clicking a stage's
//! node lists the deals in it.

use fantoccini::Locator;
use salesflow_testkit::PASSWORD;
use salesflow_testkit::browser::Browser;

use super::analytics::world;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_a_diagram_node_lists_its_deals() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let w = world().await;
    let c = &browser.client;
    let result = async {
        browser
            .sign_in(&w.t.base_url, &w.admin_user.email, PASSWORD)
            .await?;
        c.goto(&w.t.url("/analytics")).await?;
        let diagram = c
            .wait()
            .for_element(Locator::Css("#process-diagram"))
            .await?;
        let nodes = diagram.find_all(Locator::Css("a.node")).await?.len();
        c.find(Locator::Css("a.node[data-step='Proposal'] rect"))
            .await?
            .click()
            .await?;
        let deals = browser
            .wait_for_text("#stage-deals", |t| t.contains("Four"))
            .await?;
        Ok::<_, fantoccini::error::CmdError>((nodes, deals, c.current_url().await?))
    }
    .await;
    browser.close().await;
    let (nodes, deals, url) = result.expect("browser flow");
    // Three lead steps, the pipeline's five open stages and won, ten document steps.
    assert_eq!(nodes, 19);
    assert!(!deals.contains("One"), "{deals}");
    assert!(url.path().ends_with("/analytics/stages/proposal"), "{url}");
    w.t.shutdown().await;
}
