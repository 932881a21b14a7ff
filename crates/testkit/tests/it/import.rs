//! CSV import: presets for Salesforce and HubSpot files, contacts linked to accounts, bad
//! rows in a dry run and a real run with the rejected rows as CSV, duplicates, visibility,
//! and a property test that no input crashes the importer.

use proptest::prelude::*;
use salesflow_app::import::ImportOptions;
use salesflow_domain::import::{ImportKind, Preset};
use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::json;

async fn import(api: &Api, query: &str, csv: &str) -> salesflow_testkit::http::Reply {
    api.post_raw(
        &format!("/api/v1/imports?{query}"),
        "text/csv",
        csv.as_bytes(),
    )
    .await
}

const SALESFORCE_LEADS: &str = "\
First Name,Last Name,Company,Title,Email,Phone,Lead Source,Rating
Ada,Lovelace,Analytical Engines,Countess,ada@engines.example,+44 20 7946 0000,Partner Referral,Hot
Grace,,Navy,Rear Admiral,grace@navy.example,,Web,Warm
Alan,Turing,Bletchley,,not-an-email,,Trade Show,Cold
Katherine,Johnson,NASA,Mathematician,kj@nasa.example,,,Hot
Dorothy,Vaughan,NASA,,kj@nasa.example,,Web,Hot
\"Mary, Jr.\",\"Jackson\",NASA,Engineer,mary@nasa.example,,Employee Referral,Hot
";

fn lines(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn salesforce_leads_dry_run_then_import_with_rejected_rows() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;

    let dry = import(
        &api,
        "kind=leads&preset=salesforce&dry_run=true",
        SALESFORCE_LEADS,
    )
    .await;
    assert_eq!(dry.status, 200, "{}", dry.text);
    let r = &dry.json;
    assert_eq!(
        (
            r["total"].as_u64(),
            r["imported"].as_u64(),
            r["rejected"].as_u64(),
            r["duplicates"].as_u64()
        ),
        (Some(6), Some(3), Some(3), Some(1))
    );
    let errors: Vec<(u64, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (3, "last_name: is required".to_string()),
            (
                4,
                "email: must be an e-mail address like name@example.com".to_string()
            ),
            (
                6,
                "email: kj@nasa.example appears earlier in the file".to_string()
            ),
        ]
    );
    assert_eq!(
        r["mapping"][6],
        json!(["Lead Source", "source"]),
        "the Salesforce lead source column is recognised"
    );
    assert_eq!(r["mapping"][7], json!(["Rating", null]));
    assert_eq!(
        api.get("/api/v1/leads").await.json["leads"],
        json!([]),
        "a dry run writes nothing"
    );

    let run = import(
        &api,
        "kind=leads&preset=salesforce&file_name=sf.csv",
        SALESFORCE_LEADS,
    )
    .await;
    assert_eq!(run.status, 200, "{}", run.text);
    assert_eq!(run.json["imported"], 3);
    let leads = api.get("/api/v1/leads?sort=last_name&dir=asc").await;
    let got: Vec<(String, String, String)> = leads.json["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or("").to_string();
            (s("last_name"), s("source"), s("owner_id"))
        })
        .collect();
    let me = rep.id.to_string();
    assert_eq!(
        got,
        vec![
            ("Jackson".to_string(), "referral".to_string(), me.clone()),
            ("Johnson".to_string(), "import".to_string(), me.clone()),
            ("Lovelace".to_string(), "partner".to_string(), me.clone()),
        ]
    );
    let first = &leads.json["leads"][2];
    let events = api
        .get(&format!(
            "/api/v1/leads/{}/events",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        events.json["events"][0]["activity"], "created",
        "imported records have their event"
    );

    // The rejected rows come back as the original columns plus the reason.
    let run_id = run.json["run_id"].as_str().unwrap();
    let rejected = api.get(&format!("/api/v1/imports/{run_id}/rejected")).await;
    assert_eq!(rejected.status, 200);
    let rows = lines(&rejected.text);
    assert_eq!(rows[0].last(), Some(&"error".to_string()));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1][..3], ["Grace", "", "Navy"]);
    assert_eq!(
        rows[3][rows[3].len() - 1],
        "email: kj@nasa.example appears earlier in the file"
    );
    let stranger = t.api_as(&t.user(Role::SalesRep, None).await).await;
    assert_eq!(
        stranger
            .get(&format!("/api/v1/imports/{run_id}/rejected"))
            .await
            .status,
        404
    );

    // Importing the same file again: everything is a duplicate now.
    let again = import(&api, "kind=leads&preset=salesforce", SALESFORCE_LEADS).await;
    assert_eq!(
        (
            again.json["imported"].as_u64(),
            again.json["duplicates"].as_u64()
        ),
        (Some(0), Some(4))
    );
    assert_eq!(
        again.json["errors"][0]["reason"],
        "email: a lead with ada@engines.example already exists"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn hubspot_companies_and_contacts_with_their_accounts() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let companies = "Company name,Company Domain Name,Industry,City,Country/Region\n\
                     Initech,https://www.initech.example/,Software,Austin,US\n\
                     Globex,globex.example,Energy,Springfield,US\n\
                     ,nameless.example,,,\n";
    let done = import(&api, "kind=accounts&preset=hubspot", companies).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(
        (
            done.json["imported"].as_u64(),
            done.json["rejected"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let accounts = api.get("/api/v1/accounts?sort=name&dir=asc").await;
    assert_eq!(accounts.json["accounts"][1]["domain"], "initech.example");

    let contacts = "First Name,Last Name,Email,Company Name,Job Title\n\
                    Peter,Gibbons,peter@initech.example,Initech,Engineer\n\
                    Hank,Scorpio,hank@globex.example,globex.example,CEO\n\
                    Nobody,Knows,nobody@x.example,Umbrella,\n";
    let done = import(&api, "kind=contacts", contacts).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json["imported"], 2);
    assert_eq!(
        done.json["errors"][0]["reason"],
        "account: no account 'Umbrella' (by id, name or web domain)"
    );
    let list = api.get("/api/v1/contacts?sort=last_name&dir=asc").await;
    let by_account: Vec<(String, String)> = list.json["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["last_name"].as_str().unwrap().into(),
                c["account_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let id_of = |name: &str| -> String {
        accounts.json["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        by_account,
        vec![
            ("Gibbons".to_string(), id_of("Initech")),
            ("Scorpio".to_string(), id_of("Globex"))
        ]
    );

    // Another rep's accounts are not there to link to.
    let other = t.api_as(&t.user(Role::SalesRep, None).await).await;
    let theirs = import(
        &other,
        "kind=contacts",
        "Last Name,Company Name\nLumbergh,Initech\n",
    )
    .await;
    assert_eq!(theirs.json["imported"], 0);

    // Bad requests.
    for (query, body, code) in [
        ("kind=opportunities", "Name\nx\n", "invalid_choice"),
        (
            "kind=leads&preset=pipedrive",
            "Last Name\nx\n",
            "invalid_choice",
        ),
        ("kind=leads", "Rating,Score\nhot,1\n", "required_column"),
        ("kind=leads", "", "empty_file"),
        (
            "kind=leads&mapping=%7B%22Surname%22%3A%22password%22%7D",
            "Surname\nx\n",
            "unknown_field",
        ),
        ("kind=leads&mapping=nope", "Surname\nx\n", "invalid_mapping"),
    ] {
        let reply = import(&api, query, body).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (422, code),
            "{query}: {}",
            reply.text
        );
    }
    let chosen = import(
        &api,
        "kind=leads&mapping=%7B%22Surname%22%3A%22last_name%22%7D",
        "Surname,Other\nCurie,x\n",
    )
    .await;
    assert_eq!(chosen.json["imported"], 1, "{}", chosen.text);
    let finance = t.api_as(&t.user(Role::Finance, None).await).await;
    assert_eq!(
        import(&finance, "kind=leads", "Last Name\nx\n")
            .await
            .status,
        403
    );
    t.shutdown().await;
}

#[test]
fn no_input_crashes_the_importer() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (t, actor) = runtime.block_on(async {
        let t = TestApp::spawn().await;
        let rep = t.user(Role::SalesRep, None).await;
        (t, TestApp::actor(&rep))
    });
    let cells = prop_oneof![
        Just("Last Name".to_string()),
        Just("Email".to_string()),
        Just("\"".to_string()),
        Just("\n".to_string()),
        Just(",".to_string()),
        "[a-z@. ]{0,12}",
        any::<String>(),
    ];
    let files = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        proptest::collection::vec(cells, 0..60).prop_map(|parts| parts.concat().into_bytes()),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(96));
    runner
        .run(&(files, any::<bool>()), |(bytes, contacts)| {
            let options = ImportOptions {
                kind: if contacts {
                    ImportKind::Contacts
                } else {
                    ImportKind::Leads
                },
                preset: Preset::Auto,
                mapping: None,
                dry_run: true,
                file_name: "fuzz.csv".into(),
                assign: false,
            };
            let result = runtime.block_on(t.app.import_csv(&actor, &bytes[..], &options, &|_| {}));
            match result {
                Ok(report) => prop_assert_eq!(report.total, report.imported + report.rejected),
                Err(salesflow_app::AppError::Invalid(_)) => {}
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
            Ok(())
        })
        .unwrap();
    runtime.block_on(t.shutdown());
}
