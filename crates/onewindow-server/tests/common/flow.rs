//! The steps of a case over HTTP, shared by the case and supervision suites.

use super::TestApp;
use serde_json::{Value, json};

pub const PERSON: (&str, &str) = ("张三丰", "11010519491231002X");

pub struct Actors {
    pub applicant: String,
    pub clerk: String,
    pub reviewer: String,
    pub leader: String,
}

pub async fn actors(app: &TestApp) -> Actors {
    Actors {
        applicant: app.token("applicant").await,
        clerk: app.token("clerk").await,
        reviewer: app.token("reviewer").await,
        leader: app.token("leader").await,
    }
}

pub async fn item_named(app: &TestApp, name: &str) -> Value {
    let code = app.first_item(name).await["code"].as_str().unwrap().to_string();
    let (_, item) = app.get_json(&format!("/api/v1/items/{code}")).await;
    assert_eq!(item["name"], name);
    item
}

/// Uploads a small PDF for `requirement` and returns the attachment.
pub async fn upload(app: &TestApp, token: &str, requirement: &str, kind: &str) -> Value {
    let pdf = format!("%PDF-1.4\n% {requirement} {}\n", rand::random::<u64>()).into_bytes();
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_string())
        .part("file", reqwest::multipart::Part::bytes(pdf).file_name("scan.pdf"));
    let r = app.http.post(app.url("/api/v1/materials")).bearer_auth(token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201, "upload {requirement}");
    let body: Value = r.json().await.unwrap();
    json!({"requirement": requirement, "material_id": body["id"]})
}

/// Submits an application for `item` with every required material except those in `leave_out`.
pub async fn submit(app: &TestApp, token: &str, item: &Value, leave_out: &[&str], extra_form: Value) -> Value {
    let mut materials = Vec::new();
    for m in item["materials"].as_array().unwrap() {
        let name = m["name"].as_str().unwrap();
        if m["required"].as_bool().unwrap() && !leave_out.contains(&name) {
            materials.push(upload(app, token, name, m.get("kind").and_then(|k| k.as_str()).unwrap_or("")).await);
        }
    }
    let body = json!({
        "item_code": item["code"],
        "applicant": {"kind": "person", "name": PERSON.0, "id_number": PERSON.1, "phone": "13800000000", "address": "示范区人民路1号"},
        "form": extra_form,
        "materials": materials,
    });
    let r = app.http.post(app.url("/api/v1/cases")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["state"], "submitted");
    v
}

pub async fn act(app: &TestApp, token: &str, number: &str, action: &str, body: Value) -> reqwest::Response {
    app.http.post(app.url(&format!("/api/v1/cases/{number}/{action}"))).bearer_auth(token).json(&body).send().await.unwrap()
}

pub async fn ok(app: &TestApp, token: &str, number: &str, action: &str, body: Value) -> Value {
    let r = act(app, token, number, action, body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{action}: {v}");
    v
}

pub async fn case(app: &TestApp, token: &str, number: &str) -> Value {
    let r = app.http.get(app.url(&format!("/api/v1/cases/{number}"))).bearer_auth(token).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Orders an inspection of the case and records that the site meets the conditions, as the
/// reviewer.
pub async fn inspect(app: &TestApp, reviewer: &str, number: &str) {
    ok(app, reviewer, number, "inspections", json!({"kind": "independent", "note": "核查现场"})).await;
    let c = case(app, reviewer, number).await;
    let id = c["inspections"].as_array().unwrap().iter().find(|i| i["state"] == "open").unwrap()["id"].as_i64().unwrap();
    let r = app
        .http
        .post(app.url(&format!("/api/v1/inspections/{id}/complete")))
        .bearer_auth(reviewer)
        .json(&json!({"findings": "现场符合条件", "passed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// Completes every open task of the case with `approve`, as the reviewer, recording a site
/// inspection first where a step needs one.
pub async fn complete_open_tasks(app: &TestApp, reviewer: &str, number: &str) -> usize {
    let mut done = 0;
    loop {
        let c = case(app, reviewer, number).await;
        let open: Vec<&Value> =
            c["tasks"].as_array().unwrap().iter().filter(|t| t["state"] == "open" && t["kind"] != "post_check").collect();
        if open.is_empty() {
            return done;
        }
        let inspected = c["inspections"].as_array().unwrap().iter().any(|i| i["state"] == "done");
        if !inspected && open.iter().any(|t| t["kind"] == "step" && onewindow_core::case::needs_inspection(t["name"].as_str().unwrap())) {
            inspect(app, reviewer, number).await;
        }
        for id in open.iter().map(|t| t["id"].as_i64().unwrap()) {
            let r = app
                .http
                .post(app.url(&format!("/api/v1/tasks/{id}/complete")))
                .bearer_auth(reviewer)
                .json(&json!({"opinion": "approve", "comment": "符合条件"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            done += 1;
        }
    }
}

/// Sends every `(token, path, body, idempotency key)` POST at the same moment; answers each
/// with its status and JSON body, in the order given.
pub async fn post_at_once(app: &TestApp, posts: Vec<(String, String, Value, Option<&'static str>)>) -> Vec<(u16, Value)> {
    let calls: Vec<_> = posts
        .into_iter()
        .map(|(token, path, body, key)| {
            let mut r = app.http.post(app.url(&path)).bearer_auth(token).json(&body);
            if let Some(key) = key {
                r = r.header("Idempotency-Key", key);
            }
            tokio::spawn(async move {
                let r = r.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(calls.len());
    for call in calls {
        answers.push(call.await.unwrap());
    }
    answers
}
