//! Settings → Sales process pages: pipelines, qualification and assignment rules edited as
//! forms, with errors shown and roles respected.

use reqwest::StatusCode;
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;

const DEFAULT_PIPELINE: &str = "0190a000-0000-7000-8000-000000000001";

#[tokio::test]
async fn sales_process_settings_as_forms() {
    let t = TestApp::spawn().await;
    let team = t.team("Inside").await;
    let manager = t.user(Role::SalesManager, Some(team)).await;
    let rep = t.user(Role::SalesRep, Some(team)).await;
    let s = t.session_as(&manager).await;
    let api = t.api_as(&manager).await;

    let (status, list) = s.get("/settings/pipelines").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Prospecting → Qualification"), "{list}");

    // Rename a stage and add a gate; the stage ids stay.
    let pipeline = api
        .get(&format!("/api/v1/pipelines/{DEFAULT_PIPELINE}"))
        .await
        .json["pipeline"]
        .clone();
    let stages = pipeline["stages"].as_array().unwrap();
    let mut form: Vec<(String, String)> = vec![
        ("name".into(), "New business".into()),
        ("version".into(), "1".into()),
        ("is_default".into(), "on".into()),
    ];
    for (i, st) in stages.iter().enumerate() {
        let name = if i == 0 {
            "Lead in"
        } else {
            st["name"].as_str().unwrap()
        };
        form.push((format!("stage_{i}_id"), st["id"].as_str().unwrap().into()));
        form.push((format!("stage_{i}_name"), name.into()));
        form.push((
            format!("stage_{i}_probability"),
            st["probability"].to_string(),
        ));
        form.push((
            format!("stage_{i}_kind"),
            st["kind"].as_str().unwrap().into(),
        ));
        for gate in st["required_fields"].as_array().unwrap() {
            form.push((
                format!("stage_{i}_gate_{}", gate.as_str().unwrap()),
                "on".into(),
            ));
        }
        if i == 1 {
            form.push((format!("stage_{i}_gate_contact_id"), "on".into()));
        }
    }
    form.push(("stage_9_name".into(), String::new()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = s
        .post(&format!("/settings/pipelines/{DEFAULT_PIPELINE}"), &pairs)
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let after = api
        .get(&format!("/api/v1/pipelines/{DEFAULT_PIPELINE}"))
        .await
        .json["pipeline"]
        .clone();
    assert_eq!(after["stages"][0]["name"], "Lead in");
    assert_eq!(after["stages"][0]["id"], stages[0]["id"]);
    assert_eq!(
        after["stages"][1]["required_fields"],
        serde_json::json!(["contact_id"])
    );
    assert_eq!(after["version"], 2);

    // A new pipeline without a won stage is refused on the page, with what was typed.
    let bad = s
        .post(
            "/settings/pipelines/00000000-0000-0000-0000-000000000000",
            &[
                ("name", "Renewals"),
                ("version", "0"),
                ("stage_0_name", "Due"),
                ("stage_0_kind", "open"),
                ("stage_0_probability", "50"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("one won stage"), "{page}");
    assert!(page.contains("value=\"Due\""));
    let good = s
        .post(
            "/settings/pipelines/00000000-0000-0000-0000-000000000000",
            &[
                ("name", "Renewals"),
                ("version", "0"),
                ("stage_0_name", "Due"),
                ("stage_0_kind", "open"),
                ("stage_0_probability", "50"),
                ("stage_1_name", "Renewed"),
                ("stage_1_kind", "won"),
                ("stage_2_name", "Churned"),
                ("stage_2_kind", "lost"),
            ],
        )
        .await;
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        api.get("/api/v1/pipelines").await.json["pipelines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Qualification: a criterion more, a source worth more.
    let (status, _) = s.get("/settings/qualification").await;
    assert_eq!(status, StatusCode::OK);
    let saved = s
        .post(
            "/settings/qualification",
            &[
                ("version", "0"),
                ("crit_0_key", "budget"),
                ("crit_0_name", "Budget approved"),
                ("crit_0_points", "20"),
                ("crit_1_name", "Has a champion"),
                ("crit_1_points", "25"),
                ("source_referral", "30"),
                ("points_per_done_activity", "5"),
                ("engagement_cap", "20"),
                ("email_points", "5"),
                ("phone_points", "5"),
                ("company_points", "5"),
                ("senior_title_points", "10"),
                ("senior_titles", "Chief, Director"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let q = api.get("/api/v1/settings/qualification").await;
    let keys: Vec<&str> = q.json["settings"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["budget", "has_a_champion"]);
    assert_eq!(q.json["settings"]["rules"]["source_points"]["referral"], 30);
    assert_eq!(
        q.json["settings"]["rules"]["senior_titles"],
        serde_json::json!(["chief", "director"])
    );

    // Assignment: web leads to the rep.
    let saved = s
        .post(
            "/settings/assignment",
            &[
                ("version", "0"),
                ("rule_0_name", "Web leads"),
                ("rule_0_source", "web_form"),
                ("rule_0_user", &rep.id.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let a = api.get("/api/v1/settings/assignment").await;
    assert_eq!(
        a.json["settings"]["rules"][0]["user_id"],
        rep.id.to_string().as_str()
    );
    let both = s
        .post(
            "/settings/assignment",
            &[
                ("version", "1"),
                ("rule_0_name", "Both"),
                ("rule_0_user", &rep.id.to_string()),
                ("rule_0_team", &team.to_string()),
            ],
        )
        .await;
    assert_eq!(both.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Reps read the pipelines but do not edit them.
    let r = t.session_as(&rep).await;
    assert_eq!(r.get("/settings/pipelines").await.0, StatusCode::OK);
    assert_eq!(
        r.get(&format!("/settings/pipelines/{DEFAULT_PIPELINE}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        r.post("/settings/assignment", &[("version", "1")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    t.shutdown().await;
}
