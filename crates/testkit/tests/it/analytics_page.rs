//! The analytics page: the heatmap, the drill-down of a node, the exports, and what a rep and
//! a warehouse clerk get.

use salesflow_domain::role::Role;

use super::analytics::world;

#[tokio::test]
async fn the_page_shows_the_heatmap_and_a_node_lists_its_deals() {
    let w = world().await;
    let admin = w.t.session_as(&w.admin_user).await;
    let (status, page) = admin.get("/analytics").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"process-diagram\""));
    // Headlines: O3 and O4 open (2,000.00, weighted 800.00), one won of two closed, O4 stuck.
    let headlines =
        &page[page.find("id=\"headlines\"").unwrap()..page.find("id=\"process-flow\"").unwrap()];
    for figure in ["2,000.00 EUR", "800.00 EUR", "50.0 %", ">1<"] {
        assert!(headlines.contains(figure), "{figure} in {headlines}");
    }
    assert!(page.contains("data-step=\"Proposal\""));
    assert!(page.contains("data-step=\"Quote sent\""));
    // Qualification is the slowest step measured (median 3 h to the next): the red node.
    let node = |step: &str| {
        let from = page.split(&format!("data-step=\"{step}\"")).nth(1).unwrap();
        from[..from.find("</a>").unwrap()].to_string()
    };
    assert!(node("Qualification").contains("hsl(0, 70%, 72%)"));
    assert!(node("Prospecting").contains("hsl(40, 70%, 72%)"));
    assert!(page.contains("id=\"stuck\"") && page.contains(">Four<"));
    let (_, p90) = admin.get("/analytics?heat=p90&by=rep").await;
    assert!(p90.contains("<option value=\"p90\" selected>"));
    let pipeline = "0190a000-0000-7000-8000-000000000001";
    let href = format!("/analytics/stages/proposal?pipeline_id={pipeline}");
    assert!(page.contains(&href), "the node links to its deals");
    let (status, deals) = admin.get(&href).await;
    assert_eq!(status, 200, "{deals}");
    assert!(deals.contains(">Four<") && !deals.contains(">One<"));
    // The dashboard's charts, each linking to its detail.
    for chart in ["chart-pipeline", "chart-forecast", "chart-cycles"] {
        assert!(page.contains(&format!("id=\"{chart}\"")), "{chart}");
    }
    assert!(page.contains(&format!("href=\"/pipeline?pipeline={pipeline}\"")));
    assert!(page.contains("aria-label=\"Open pipeline by stage\""));
    // A document step lists the documents in that state.
    assert!(
        page.contains("href=\"/quotes?status=sent\""),
        "quote node link"
    );
    let (status, _) = admin.get("/quotes?status=sent").await;
    assert_eq!(status, 200);
    let (status, csv) = admin.get("/analytics/event-log.csv").await;
    assert_eq!(status, 200);
    assert!(csv.starts_with("case_id,activity,timestamp"));
    let (status, ocel) = admin.get("/analytics/event-log.ocel.json").await;
    assert_eq!(status, 200);
    assert!(ocel.contains("\"objectTypes\""));
    assert!(page.contains("id=\"skipped\"") && page.contains("id=\"rework\""));
    assert!(
        page.contains("id=\"forecast-months\"") && page.contains("2,000.00 EUR"),
        "{page}"
    );

    // Every table of the page comes as CSV with the page's filters.
    let (status, funnel) = admin.get("/analytics/tables/funnel.csv").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = funnel.lines().collect();
    assert_eq!(
        lines[0],
        "group,stage,reached,to_next_percent,to_won_percent"
    );
    assert_eq!(lines[1], "All,Prospecting,4,100.0,25.0");
    assert_eq!(lines.len(), 7);
    let (_, stuck) = admin.get("/analytics/tables/stuck.csv").await;
    assert!(stuck.lines().nth(1).unwrap().contains("Four"), "{stuck}");
    assert_eq!(admin.get("/analytics/tables/nothing.csv").await.0, 404);

    let rep = w.t.session_as(&w.rep_a_user).await;
    let (_, own_stuck) = rep.get("/analytics/tables/stuck.csv").await;
    assert_eq!(own_stuck.lines().count(), 1, "only the header: {own_stuck}");
    let (status, own) = rep.get("/analytics").await;
    assert_eq!(status, 200);
    assert!(own.contains("id=\"no-stuck\""), "rep A has no open deal");
    let (_, none) = rep.get(&href).await;
    assert!(none.contains("id=\"no-deals\"") && !none.contains(">Four<"));
    let clerk = w.t.session_as(&w.t.user(Role::Warehouse, None).await).await;
    assert_eq!(clerk.get("/analytics").await.0, 403);
    w.t.shutdown().await;
}
