//! Process analytics from a synthetic event log with known timestamps: exact funnel counts and
//! conversions, medians and p90s per stage, stuck deals, directly-follows edges and variants;
//! the exported CSV log re-read and compared; record visibility; bad input.

use jiff::SignedDuration;
use salesflow_app::ports::UserRecord;
use salesflow_domain::analytics::mining::{Step, directly_follows};
use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

const QUALIFICATION: &str = "0190a000-0000-7000-8000-000000000102";
const NEEDS_ANALYSIS: &str = "0190a000-0000-7000-8000-000000000103";
const PROPOSAL: &str = "0190a000-0000-7000-8000-000000000104";
pub(super) const WON: &str = "0190a000-0000-7000-8000-000000000106";
pub(super) const LOST: &str = "0190a000-0000-7000-8000-000000000107";
pub(super) const HOUR: i64 = 3600;

pub(super) struct Deal {
    pub(super) id: String,
    version: i64,
}

pub(super) async fn deal(api: &Api, name: &str, close_date: &str) -> Deal {
    let account = api
        .post(
            "/api/v1/accounts",
            &json!({ "name": format!("{name} Ltd") }),
        )
        .await;
    let account_id = account.json["account"]["id"].as_str().unwrap().to_string();
    let contact = api
        .post(
            "/api/v1/contacts",
            &json!({ "last_name": name, "account_id": account_id }),
        )
        .await;
    let opp = api
        .post(
            "/api/v1/opportunities",
            &json!({
                "name": name, "account_id": account_id,
                "contact_id": contact.json["contact"]["id"], "amount": "1000.00",
                "close_date": close_date
            }),
        )
        .await;
    assert_eq!(opp.status, 201, "{}", opp.text);
    Deal {
        id: opp.json["opportunity"]["id"].as_str().unwrap().to_string(),
        version: 1,
    }
}

pub(super) async fn move_to(api: &Api, deal: &mut Deal, stage: &str) {
    let mut body = json!({ "stage_id": stage, "version": deal.version });
    if stage == LOST {
        body["lost_reason"] = json!("Price");
    }
    let reply = api
        .post(&format!("/api/v1/opportunities/{}/move", deal.id), &body)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    deal.version = reply.json["opportunity"]["version"].as_i64().unwrap();
}

/// Moves the clock to the second day of the next quarter, so the hours the tests add stay in
/// one day and one quarter.
pub(super) fn early_in_a_quarter(t: &TestApp) {
    let today = t.app.today();
    let first_month = (today.month() - 1) / 3 * 3 + 1;
    let next = jiff::civil::Date::new(today.year(), first_month, 2)
        .unwrap()
        .checked_add(jiff::Span::new().months(3))
        .unwrap();
    let target = next.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    t.clock.advance(target.duration_since(t.app.now()));
}

pub(super) struct World {
    pub(super) t: TestApp,
    pub(super) admin_user: UserRecord,
    pub(super) rep_a_user: UserRecord,
    pub(super) admin: Api,
    rep_a: Api,
    rep_b: Api,
    pub(super) ids: [String; 4],
}

/// Four deals, all created at hour 0, then (hours): 1 O1 → qualification, 2 O2 → qualification,
/// 3 O2 → lost, 4 O1 → proposal and O3 → qualification, 6 O1 → won and O4 → proposal (skipping
/// two stages), 9 O3 → needs analysis, 10 O3 → back to qualification. O1, O2 are rep A's.
pub(super) async fn world() -> World {
    let t = TestApp::spawn().await;
    early_in_a_quarter(&t);
    let team = t.team("North").await;
    let admin_user = t.user(Role::Admin, None).await;
    let rep_a_user = t.user(Role::SalesRep, Some(team)).await;
    let admin = t.api_as(&admin_user).await;
    let rep_a = t.api_as(&rep_a_user).await;
    let rep_b = t.api_as(&t.user(Role::SalesRep, Some(team)).await).await;
    let close = t.app.today().to_string();
    let mut o1 = deal(&rep_a, "One", &close).await;
    let mut o2 = deal(&rep_a, "Two", &close).await;
    let mut o3 = deal(&rep_b, "Three", &close).await;
    let mut o4 = deal(&rep_b, "Four", &close).await;
    let hours = |h: i64| t.clock.advance(SignedDuration::from_hours(h));
    hours(1);
    move_to(&rep_a, &mut o1, QUALIFICATION).await;
    hours(1);
    move_to(&rep_a, &mut o2, QUALIFICATION).await;
    hours(1);
    move_to(&rep_a, &mut o2, LOST).await;
    hours(1);
    move_to(&rep_a, &mut o1, PROPOSAL).await;
    move_to(&rep_b, &mut o3, QUALIFICATION).await;
    hours(2);
    move_to(&rep_a, &mut o1, WON).await;
    move_to(&rep_b, &mut o4, PROPOSAL).await;
    hours(3);
    move_to(&rep_b, &mut o3, NEEDS_ANALYSIS).await;
    hours(1);
    move_to(&rep_b, &mut o3, QUALIFICATION).await;
    let ids = [o1.id, o2.id, o3.id, o4.id];
    World {
        t,
        admin_user,
        rep_a_user,
        admin,
        rep_a,
        rep_b,
        ids,
    }
}

fn reached(funnel: &Value) -> Vec<i64> {
    funnel["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reached"].as_i64().unwrap())
        .collect()
}

fn stage_time(report: &Value, group: &str, stage: &str) -> (i64, i64, i64) {
    let row = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] == group && r["stage"] == stage)
        .unwrap_or_else(|| panic!("no {stage} in {report}"));
    (
        row["stays"].as_i64().unwrap(),
        row["median_seconds"].as_i64().unwrap() / HOUR,
        row["p90_seconds"].as_i64().unwrap() / HOUR,
    )
}

fn edge_counts(process: &Value) -> Vec<(String, String, i64)> {
    process["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
                e["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn funnel_times_and_mining_of_a_known_log() {
    let w = world().await;
    let funnel = w.admin.get("/api/v1/analytics/funnel").await;
    assert_eq!(funnel.status, 200, "{}", funnel.text);
    let all = &funnel.json["funnel"]["funnels"][0];
    let keys: Vec<&str> = all["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "prospecting",
            "qualification",
            "needs_analysis",
            "proposal",
            "negotiation",
            "won"
        ]
    );
    assert_eq!(reached(all), [4, 4, 3, 2, 1, 1]);
    let to_next: Vec<&str> = all["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["to_next"].as_str())
        .collect();
    assert_eq!(to_next, ["100.0", "75.0", "66.7", "50.0", "100.0"]);
    assert_eq!(all["stages"][0]["to_won"], "25.0");
    assert_eq!(all["stages"][0]["amounts"][0]["minor"], 400_000);
    assert_eq!(
        (&all["open"], &all["won"], &all["lost"], &all["win_rate"]),
        (&json!(2), &json!(1), &json!(1), &json!("50.0"))
    );
    assert_eq!(all["average_won"][0]["minor"], 100_000);
    assert_eq!(
        funnel.json["funnel"]["lost_reasons"],
        json!([{ "reason": "Price", "count": 1 }])
    );

    let by_rep = w.admin.get("/api/v1/analytics/funnel?by=rep").await;
    let mut per_rep: Vec<Vec<i64>> = by_rep.json["funnel"]["funnels"]
        .as_array()
        .unwrap()
        .iter()
        .map(reached)
        .collect();
    per_rep.sort();
    assert_eq!(per_rep, [vec![2, 2, 1, 1, 1, 1], vec![2, 2, 2, 1, 0, 0]]);

    let times = w.admin.get("/api/v1/analytics/stage-times").await;
    assert_eq!(times.status, 200, "{}", times.text);
    let report = &times.json["stage_times"];
    assert_eq!(stage_time(report, "", "prospecting"), (4, 2, 6));
    assert_eq!(stage_time(report, "", "qualification"), (3, 3, 5));
    assert_eq!(stage_time(report, "", "proposal"), (1, 2, 2));
    assert_eq!(stage_time(report, "", "needs_analysis"), (1, 1, 1));
    // O4 has been in proposal 4 h, over that stage's p90 of 2 h; O3 just arrived.
    let stuck: Vec<&str> = report["stuck"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(stuck, [w.ids[3].as_str()]);
    assert_eq!(report["stuck"][0]["seconds_in_stage"], 4 * HOUR);

    let in_stage = w
        .admin
        .get("/api/v1/analytics/in-stage?stage=qualification")
        .await;
    assert_eq!(in_stage.status, 200, "{}", in_stage.text);
    assert_eq!(in_stage.json["opportunities"][0]["id"], w.ids[2]);
    assert_eq!(in_stage.json["opportunities"].as_array().unwrap().len(), 1);

    let process = w.admin.get("/api/v1/analytics/process").await;
    assert_eq!(process.status, 200, "{}", process.text);
    let p = &process.json["process"];
    let e = |from: &str, to: &str, n: i64| {
        (
            format!("opportunity:{from}").replace("opportunity:start", "start"),
            format!("opportunity:{to}").replace("opportunity:end", "end"),
            n,
        )
    };
    let mut expected = vec![
        e("start", "prospecting", 4),
        e("prospecting", "qualification", 3),
        e("prospecting", "proposal", 1),
        e("qualification", "proposal", 1),
        e("qualification", "lost", 1),
        e("qualification", "needs_analysis", 1),
        e("needs_analysis", "qualification", 1),
        e("proposal", "won", 1),
        e("won", "end", 1),
        e("lost", "end", 1),
        e("qualification", "end", 1),
        e("proposal", "end", 1),
    ];
    expected.sort();
    let mut edges = edge_counts(p);
    edges.sort();
    assert_eq!(edges, expected);
    let share = p["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["from"] == "opportunity:prospecting" && e["to"] == "opportunity:qualification")
        .unwrap()["share"]
        .clone();
    assert_eq!(share, "75.0");
    let step = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "opportunity:prospecting")
        .unwrap();
    assert_eq!(
        (
            step["count"].as_i64(),
            step["median_seconds"].as_i64(),
            step["p90_seconds"].as_i64()
        ),
        (Some(4), Some(2 * HOUR), Some(6 * HOUR))
    );
    let variants = p["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 4);
    let won_path = variants
        .iter()
        .find(|v| v["steps"].as_array().unwrap().last().unwrap() == "opportunity:won")
        .unwrap();
    assert_eq!(
        won_path["steps"],
        json!([
            "opportunity:prospecting",
            "opportunity:qualification",
            "opportunity:proposal",
            "opportunity:won"
        ])
    );
    assert_eq!(won_path["cases"], 1);
    assert_eq!(won_path["median_micros"], 6 * HOUR * 1_000_000);
    // O3 went back from needs analysis; O1 jumped needs analysis and negotiation, O4 jumped
    // qualification and needs analysis.
    assert_eq!(
        p["rework"],
        json!([
            { "kind": "quote_revised", "events": 0, "cases": 0 },
            { "kind": "stage_backwards", "events": 1, "cases": 1 }
        ])
    );
    assert_eq!(
        p["skipped"],
        json!([
            { "stage": "needs_analysis", "times": 2 },
            { "stage": "negotiation", "times": 1 },
            { "stage": "qualification", "times": 1 }
        ])
    );
    assert_eq!(p["cycle_times"], json!([]), "no case has a document yet");

    // O3 (qualification, 20 %) and O4 (proposal, 60 %) are open, both closing today. Of the
    // closed deals (O1 won, O2 lost), half of those that reached qualification were won and all
    // that reached proposal.
    let forecast = w.admin.get("/api/v1/analytics/forecast").await;
    assert_eq!(forecast.status, 200, "{}", forecast.text);
    let f = &forecast.json["forecast"];
    let month = &f["months"][0];
    assert_eq!(f["months"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &month["deals"],
            &month["amount_minor"],
            &month["weighted_minor"],
            &month["historical_minor"]
        ),
        (&json!(2), &json!(200_000), &json!(80_000), &json!(150_000))
    );
    let rates: Vec<&str> = f["win_rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["win_rate"].as_str().unwrap())
        .collect();
    assert_eq!(rates, ["50.0", "50.0", "100.0", "100.0", "100.0", "100.0"]);
    let q = &f["quarter"];
    assert_eq!(
        (&q["deals"], &q["weighted_minor"], &q["historical_minor"]),
        (&json!(2), &json!(80_000), &json!(150_000))
    );
    // O4 is always won, O3 half the time: 1,000.00 or 2,000.00.
    assert_eq!(
        (&q["range"]["p10"], &q["range"]["p90"]),
        (&json!(100_000), &json!(200_000))
    );
    w.t.shutdown().await;
}

#[tokio::test]
async fn the_exported_log_gives_the_same_graph() {
    let w = world().await;
    let csv = w.admin.get("/api/v1/analytics/event-log.csv").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "case_id");
    assert_eq!(&headers[1], "activity");
    assert_eq!(&headers[2], "timestamp");
    assert_eq!(&headers[3], "resource");
    let mut cases: std::collections::BTreeMap<String, Vec<Step>> = Default::default();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let at: jiff::Timestamp = record[2].parse().unwrap();
        cases.entry(record[0].to_string()).or_default().push(Step {
            label: record[1].to_string(),
            at: at.as_microsecond(),
        });
        rows += 1;
    }
    assert_eq!(rows, 13, "four creations and nine moves");
    assert_eq!(cases.len(), 4);
    let cases: Vec<Vec<Step>> = cases.into_values().collect();
    let from_csv: Vec<(String, String, i64)> = directly_follows(&cases)
        .into_iter()
        .map(|e| (e.from, e.to, e.count))
        .collect();
    let process = w.admin.get("/api/v1/analytics/process").await;
    let mut from_api = edge_counts(&process.json["process"]);
    from_api.sort();
    assert_eq!(from_csv, from_api);

    // The OCEL 2.0 log: the four opportunities as objects, thirteen events of them.
    let ocel = w.admin.get("/api/v1/analytics/event-log.ocel.json").await;
    assert_eq!(ocel.status, 200, "{}", ocel.text);
    let objects = ocel.json["objects"].as_array().unwrap();
    let mut ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected: Vec<&str> = w.ids.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(objects.iter().all(|o| o["type"] == "opportunity"));
    let types: Vec<&str> = ocel.json["objectTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"opportunity") && types.contains(&"invoice"));
    let events = ocel.json["events"].as_array().unwrap();
    assert_eq!(events.len(), 13);
    let mut by_case: std::collections::BTreeMap<String, Vec<Step>> = Default::default();
    for event in events {
        let related = event["relationships"].as_array().unwrap();
        assert!(
            related
                .iter()
                .all(|r| ids.contains(&r["objectId"].as_str().unwrap()))
        );
        let case = related
            .iter()
            .find(|r| r["qualifier"] == "case")
            .unwrap_or(&related[0])["objectId"]
            .as_str()
            .unwrap()
            .to_string();
        let at: jiff::Timestamp = event["time"].as_str().unwrap().parse().unwrap();
        by_case.entry(case).or_default().push(Step {
            label: event["type"].as_str().unwrap().to_string(),
            at: at.as_microsecond(),
        });
    }
    let cases: Vec<Vec<Step>> = by_case.into_values().collect();
    let from_ocel: Vec<(String, String, i64)> = directly_follows(&cases)
        .into_iter()
        .map(|e| (e.from, e.to, e.count))
        .collect();
    assert_eq!(from_ocel, from_api);
    w.t.shutdown().await;
}

#[tokio::test]
async fn a_rep_sees_figures_of_their_own_records_only() {
    let w = world().await;
    for (rep, own) in [(&w.rep_a, [0, 1]), (&w.rep_b, [2, 3])] {
        let list = rep.get("/api/v1/opportunities").await;
        let listed = list.json["opportunities"].as_array().unwrap().len() as i64;
        assert_eq!(listed, 2);
        let funnel = rep.get("/api/v1/analytics/funnel").await;
        let funnels = funnel.json["funnel"]["funnels"].as_array().unwrap();
        assert_eq!(funnels.len(), 1);
        assert_eq!(funnels[0]["opportunities"], listed);
        assert_eq!(reached(&funnels[0])[0], listed);
        let by_rep = rep.get("/api/v1/analytics/funnel?by=rep").await;
        assert_eq!(
            by_rep.json["funnel"]["funnels"].as_array().unwrap().len(),
            1
        );
        let csv = rep.get("/api/v1/analytics/event-log.csv").await;
        let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
        let case_ids: std::collections::BTreeSet<String> = reader
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        let mine: std::collections::BTreeSet<String> =
            own.iter().map(|i| w.ids[*i].clone()).collect();
        assert_eq!(case_ids, mine);
        let process = rep.get("/api/v1/analytics/process").await;
        let starts: i64 = edge_counts(&process.json["process"])
            .iter()
            .filter(|(from, _, _)| from == "start")
            .map(|(_, _, n)| n)
            .sum();
        assert_eq!(starts, 2);
        let times = rep.get("/api/v1/analytics/stage-times").await;
        let prospecting = stage_time(&times.json["stage_times"], "", "prospecting");
        assert_eq!(prospecting.0, 2);
    }
    // Rep A's prospecting stays took 1 h and 2 h.
    let times = w.rep_a.get("/api/v1/analytics/stage-times").await;
    assert_eq!(
        stage_time(&times.json["stage_times"], "", "prospecting"),
        (2, 1, 2)
    );
    let other = w
        .rep_a
        .get("/api/v1/analytics/in-stage?stage=proposal")
        .await;
    assert_eq!(other.json["opportunities"], json!([]));
    w.t.shutdown().await;
}

#[tokio::test]
async fn bad_filters_are_refused_with_codes() {
    let t = TestApp::spawn().await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    for (query, code) in [
        ("by=colour", "invalid_breakdown"),
        ("from=yesterday", "invalid_date"),
        ("from=2026-05-02&to=2026-05-01", "invalid_period"),
        ("pipeline_id=not-an-id", "invalid_id"),
        (
            "pipeline_id=0190a000-0000-7000-8000-000000000999",
            "unknown_pipeline",
        ),
        ("rep=nobody", "invalid_id"),
    ] {
        for route in ["funnel", "backtest"] {
            let reply = admin
                .get(&format!("/api/v1/analytics/{route}?{query}"))
                .await;
            assert_eq!(
                (reply.status.as_u16(), reply.code()),
                (422, code),
                "{route}?{query}"
            );
        }
    }
    let reply = admin.get("/api/v1/analytics/in-stage?stage=nowhere").await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (422, "unknown_stage")
    );
    t.shutdown().await;
}
