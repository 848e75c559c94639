//! Personal data (身份证号, phone, address) is shown in full only to readers whom core's table
//! grants it (the window and the case's handlers) and to the applicant; every other reader —
//! the auditor, the system administrator, the supervision officer — sees it masked. This test
//! walks every GET route of the router (API and pages) as every demo role, with the path
//! parameters filled from a real case, and scans each body for the applicant's full identity
//! number and phone.

mod common;

use common::flow::{self, PERSON};
use common::spawn_app;
use onewindow_core::role::{Permission, Role};
use onewindow_store::Backend;

const PHONE: &str = "13800000000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reader_without_the_right_sees_an_unmasked_id_number_or_phone() {
    let app = spawn_app(Backend::Sqlite).await;
    let a = flow::actors(&app).await;
    let item = flow::item_named(&app, "食品经营许可").await;
    let submitted = flow::submit(&app, &a.applicant, &item, &[], serde_json::json!({})).await;
    let number = submitted["number"].as_str().unwrap().to_string();
    let code = submitted["query_code"].as_str().unwrap().to_string();
    let r = app
        .http
        .post(app.url(&format!("/api/v1/cases/{number}/accept")))
        .bearer_auth(&a.clerk)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, tasks) = app.get_json_as(&a.reviewer, "/api/v1/tasks").await;
    let task = tasks.as_array().unwrap().iter().find(|t| t["case_number"] == number.as_str()).expect("the first step")["id"].clone();
    let item_code = item["code"].as_str().unwrap().to_string();

    let (_, _, rules) = onewindow_server::app::parts();
    let fill = |path: &str| {
        path.replace("{number}", &number)
            .replace("{code}", &item_code)
            .replace("{id}", &task.to_string())
            .replace("{file}", "acceptance-notice.pdf")
            .replace("{action}", "accept")
            .replace("{username}", "applicant")
            .replace("{*path}", "app.css")
    };
    let mut seen_in_full_by = Vec::new();
    let mut leaks = Vec::new();
    let mut scanned = 0;
    for role in Role::ALL {
        let token = app.token(role.code()).await;
        let sees = role.grants(Permission::SeePersonalData) || role == Role::Applicant;
        for (method, path, _) in rules.all().into_iter().filter(|(m, _, _)| m == "GET") {
            let mut url = fill(&path);
            if path == "/api/v1/track" || path == "/track" {
                url = format!("{url}?number={number}&code={code}");
            }
            let r = app.http.request(method, app.url(&url)).bearer_auth(&token).send().await.unwrap();
            if !r.status().is_success() {
                continue;
            }
            let body = String::from_utf8_lossy(&r.bytes().await.unwrap()).into_owned();
            scanned += 1;
            let full = body.contains(PERSON.1) || body.contains(PHONE);
            if full && !sees {
                leaks.push(format!("{} reads {url} with the applicant's full id number or phone", role.code()));
            }
            if full {
                seen_in_full_by.push((role, path.clone()));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    // The scan finds what is there: the window clerk and the applicant do see it in full.
    for role in [Role::Clerk, Role::Applicant] {
        assert!(seen_in_full_by.iter().any(|(r, p)| *r == role && p == "/api/v1/cases/{number}"), "{role:?} sees the case in full");
        assert!(seen_in_full_by.iter().any(|(r, p)| *r == role && p == "/cases/{number}"), "{role:?} sees the case page in full");
    }
    assert!(scanned > 50, "scanned {scanned} responses");

    // What the others read instead is the masked form.
    let auditor = app.token("auditor").await;
    let (status, case) = app.get_json_as(&auditor, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(case["applicant"]["id_number"], "110105********002X");
    assert_eq!(case["applicant"]["phone"], "138****0000");
    assert_eq!(case["applicant"]["address"], "示范区****");
    assert_eq!(case["applicant"]["name"], PERSON.0);
}
