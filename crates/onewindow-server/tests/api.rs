//! The API driven over HTTP against a running server, on SQLite and on PostgreSQL.

mod common;

use common::{PASSWORD, TestApp, assert_problem, spawn_app};
use serde_json::{Value, json};

onewindow_store::per_backend! {
    async fn health_names_the_database(backend) {
        let app = spawn_app(backend).await;
        let r = app.http.get(app.url("/api/v1/health")).send().await.unwrap();
        assert!(r.headers().get("x-request-id").is_some(), "request id on every response");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], backend.name());
        assert!(body["version"].as_str().is_some());
    }
}

onewindow_store::per_backend! {
    async fn chinese_search_finds_the_right_items(backend) {
        let app = spawn_app(backend).await;
        for (q, expect) in [("食品", "食品"), ("卫生许可", "卫生许可"), ("林木采伐", "林木采伐")] {
            let first = app.first_item(q).await;
            assert!(first["name"].as_str().unwrap().contains(expect), "{q}: first hit {first}");
        }
        // Every hit for 食品 mentions it somewhere in the name (no noise from single characters).
        let (_, body) = app.get_json(&format!("/api/v1/items?q={}&limit=100", urlencoding::encode("食品"))).await;
        let names: Vec<&str> = body["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert!(names.len() >= 2, "{names:?}");
        assert!(names.iter().take(2).all(|n| n.contains("食品")), "{names:?}");

        // A department's name finds its items; the filter by department agrees.
        let (_, by_name) = app.get_json(&format!("/api/v1/items?q={}&limit=100", urlencoding::encode("示范区林业局"))).await;
        let (_, by_filter) = app.get_json("/api/v1/items?department=lyj&limit=100").await;
        assert!(by_filter["total"].as_u64().unwrap() >= 26, "{}", by_filter["total"]);
        assert!(by_name["total"].as_u64().unwrap() >= by_filter["total"].as_u64().unwrap());

        // Either code finds the item: the implementation code and the basic code.
        let item = app.first_item("林木采伐").await;
        let code = item["code"].as_str().unwrap();
        let basic = code.split('-').next().unwrap();
        assert_eq!(app.first_item(code).await["code"], code);
        assert_eq!(app.first_item(basic).await["code"], code);

        // Filters by kind and level.
        let (_, public) = app.get_json("/api/v1/items?kind=public_service&limit=100").await;
        assert!(public["items"].as_array().unwrap().iter().all(|i| i["kind"] == "public_service"));
        assert!(public["total"].as_u64().unwrap() >= 1);
        let (status, _) = app.get_json("/api/v1/items?kind=nonsense").await;
        assert_eq!(status, 400);
    }
}

#[tokio::test]
async fn pagination_by_cursor_covers_every_hit_once() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    let total;
    loop {
        let (status, page) = app.get_json(&format!("/api/v1/items?q={}&limit=7&cursor={cursor}", urlencoding::encode("许可"))).await;
        assert_eq!(status, 200);
        let page_total = page["total"].as_u64().unwrap();
        for i in page["items"].as_array().unwrap() {
            assert!(seen.insert(i["code"].as_str().unwrap().to_string()), "duplicate {}", i["code"]);
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => {
                total = page_total;
                break;
            }
        }
    }
    assert_eq!(seen.len() as u64, total);
    assert!(total > 50, "{total}");
    let r = app.http.get(app.url("/api/v1/items?cursor=bogus")).send().await.unwrap();
    assert_problem(r, 400, "bad-request").await;
}

#[tokio::test]
async fn an_item_reads_with_every_guide_field() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    let code = app.first_item("食品经营许可").await["code"].as_str().unwrap().to_string();
    let (status, item) = app.get_json(&format!("/api/v1/items/{code}")).await;
    assert_eq!(status, 200);
    for field in [
        "code",
        "name",
        "kind",
        "department",
        "handling_department",
        "legal_basis",
        "legal_limit_days",
        "promised_limit_days",
        "mode",
        "visits",
        "fully_online",
        "levels",
        "materials",
        "fees",
        "inspection_required",
        "steps",
        "version",
        "handling_type",
        "status",
        "seal_model",
        "sub_items",
    ] {
        assert!(item.get(field).is_some(), "{field} missing: {item}");
    }
    // The demo's first transfer moved food licensing to the bureau: version 2, single seal.
    assert_eq!(item["handling_department"], "spj");
    assert_eq!(item["seal_model"], "bureau");
    assert_eq!(item["version"], 2);
    let (_, v1) = app.get_json(&format!("/api/v1/items/{code}?version=1")).await;
    assert_eq!(v1["seal_model"], "department_then_bureau");
    assert_eq!(v1["current"], false);

    let r = app.http.get(app.url("/api/v1/items/000000000000")).send().await.unwrap();
    assert_problem(r, 404, "not-found").await;
    let r = app.http.get(app.url(&format!("/api/v1/items/{code}?version=99"))).send().await.unwrap();
    assert_problem(r, 404, "not-found").await;
}

onewindow_store::per_backend! {
    async fn every_write_route_checks_the_role(backend) {
        let app = spawn_app(backend).await;
        let code = app.first_item("林木采伐").await["code"].as_str().unwrap().to_string();
        let (_, item) = app.get_json(&format!("/api/v1/items/{code}")).await;
        let routes: Vec<(reqwest::Method, String, Option<Value>, &[&str])> = vec![
            (reqwest::Method::POST, "/api/v1/items".into(), Some(item.clone()), &["cataloguer"]),
            (reqwest::Method::PUT, format!("/api/v1/items/{code}"), Some(item.clone()), &["cataloguer"]),
            (
                reqwest::Method::POST,
                "/api/v1/items/transfers".into(),
                Some(json!({"title": "x", "effective_date": "2026-01-01", "items": []})),
                &["cataloguer"],
            ),
            (reqwest::Method::POST, "/api/v1/catalogue/import?dry_run=true".into(), Some(json!({"items": []})), &["cataloguer"]),
            (reqwest::Method::GET, "/api/v1/catalogue/export".into(), None, &["cataloguer", "sysadmin", "auditor"]),
            (reqwest::Method::GET, "/api/v1/users".into(), None, &["sysadmin"]),
            (
                reqwest::Method::POST,
                "/api/v1/users".into(),
                Some(json!({"username": "x", "display_name": "x", "password": "x", "roles": []})),
                &["sysadmin"],
            ),
            // 三员分立: the audit trail is the audit administrator's alone.
            (reqwest::Method::GET, "/api/v1/audit".into(), None, &["auditor"]),
            (reqwest::Method::GET, "/api/v1/audit/verify".into(), None, &["auditor"]),
        ];
        let mut tokens = std::collections::HashMap::new();
        for role in ["applicant", "clerk", "reviewer", "leader", "supervisor", "officer", "cataloguer", "sysadmin", "auditor"] {
            tokens.insert(role, app.token(role).await);
        }
        for (method, path, body, allowed) in &routes {
            let send = |token: Option<&str>| {
                let mut req = app.http.request(method.clone(), app.url(path));
                if let Some(b) = body {
                    req = req.json(b);
                }
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                req.send()
            };
            assert_problem(send(None).await.unwrap(), 401, "unauthenticated").await;
            for (role, token) in &tokens {
                let status = send(Some(token)).await.unwrap().status().as_u16();
                if allowed.contains(role) {
                    assert!(status != 401 && status != 403, "{method} {path} as {role}: {status}");
                } else {
                    assert_eq!(status, 403, "{method} {path} as {role}");
                }
            }
        }
    }
}

async fn put_item(app: &TestApp, token: &str, code: &str, item: &Value) -> reqwest::Response {
    app.http.put(app.url(&format!("/api/v1/items/{code}"))).bearer_auth(token).json(item).send().await.unwrap()
}

onewindow_store::per_backend! {
    async fn editing_creates_versions_and_refuses_bad_or_stale_edits(backend) {
        let app = spawn_app(backend).await;
        let token = app.token("cataloguer").await;
        let code = app.first_item("卫生许可").await["code"].as_str().unwrap().to_string();
        let (_, mut item) = app.get_json(&format!("/api/v1/items/{code}")).await;
        let version = item["version"].as_u64().unwrap();
        let promised = item["promised_limit_days"].as_u64().unwrap();
        let new_promised = if promised > 1 { promised - 1 } else { 1 };
        item["promised_limit_days"] = json!(new_promised);
        item["visits"] = json!(0);
        item["change_note"] = json!("压缩承诺时限，实现零跑腿");
        item["expected_version"] = json!(version);
        let r = put_item(&app, &token, &code, &item).await;
        assert_eq!(r.status(), 200);
        let saved: Value = r.json().await.unwrap();
        assert_eq!(saved["item"]["version"], version + 1);
        assert_eq!(saved["item"]["saved_by"], "cataloguer");

        // The old version is still readable, unchanged.
        let (_, old) = app.get_json(&format!("/api/v1/items/{code}?version={version}")).await;
        assert_eq!(old["promised_limit_days"], promised);
        let (_, versions) = app.get_json(&format!("/api/v1/items/{code}/versions")).await;
        assert_eq!(versions[0]["change_note"], "压缩承诺时限，实现零跑腿");

        // Saving again on top of the old version is refused: someone else saved in between.
        item["visits"] = json!(1);
        assert_problem(put_item(&app, &token, &code, &item).await, 409, "conflict").await;

        // Every broken rule is reported at once, with Chinese and English messages.
        item["expected_version"] = json!(version + 1);
        item["promised_limit_days"] = json!(400);
        item["name"] = json!("");
        let body = assert_problem(put_item(&app, &token, &code, &item).await, 422, "validation").await;
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"name") && fields.contains(&"promised_limit_days"), "{fields:?}");
        assert!(body["errors"][0]["message_zh"].as_str().is_some() && body["errors"][0]["message_en"].as_str().is_some());
        let (_, current) = app.get_json(&format!("/api/v1/items/{code}")).await;
        assert_eq!(current["version"], version + 1, "nothing saved by the refused edits");

        // A malformed body is a 400 problem, not plain text.
        let r = app
            .http
            .put(app.url(&format!("/api/v1/items/{code}")))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_problem(r, 400, "bad-request").await;
    }
}

#[tokio::test]
async fn creating_an_item_validates_its_code() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    let token = app.token("cataloguer").await;
    let (_, mut item) = app.get_json(&format!("/api/v1/items/{}", app.first_item("食品经营许可").await["code"].as_str().unwrap())).await;
    item["code"] = json!("食品-1");
    let r = app.http.post(app.url("/api/v1/items")).bearer_auth(&token).json(&item).send().await.unwrap();
    let body = assert_problem(r, 422, "validation").await;
    assert_eq!(body["errors"][0]["field"], "code");
    // A 13-character basic code is a deviation: accepted, with a warning.
    item["code"] = json!("0100999000001");
    item["name"] = json!("测试新增事项");
    let r = app.http.post(app.url("/api/v1/items")).bearer_auth(&token).json(&item).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["item"]["version"], 1);
    assert!(saved["warnings"].as_array().unwrap().iter().any(|w| w["field"] == "code"), "{saved}");
    let r = app.http.post(app.url("/api/v1/items")).bearer_auth(&token).json(&item).send().await.unwrap();
    assert_problem(r, 409, "conflict").await;
}

onewindow_store::per_backend! {
    async fn a_transfer_moves_kept_items_to_the_bureau_all_or_nothing(backend) {
        let app = spawn_app(backend).await;
        let token = app.token("cataloguer").await;
        let (_, transfers) = app.get_json("/api/v1/items/transfers").await;
        assert_eq!(transfers.as_array().unwrap().len(), 1);
        assert_eq!(transfers[0]["kept"].as_array().unwrap().len(), 23);
        let kept: Vec<String> = transfers[0]["kept"].as_array().unwrap().iter().map(|k| k["code"].as_str().unwrap().to_string()).collect();

        // A batch naming an unknown item applies nothing, not even the good item.
        let bad = json!({"title": "第二批", "effective_date": "2026-12-01", "items": [kept[0], "no-such-item"]});
        let r = app.http.post(app.url("/api/v1/items/transfers")).bearer_auth(&token).json(&bad).send().await.unwrap();
        assert_problem(r, 422, "validation").await;
        let (_, still) = app.get_json(&format!("/api/v1/items/{}", kept[0])).await;
        assert_ne!(still["handling_department"], "spj");

        let good = json!({"title": "关于划转第二批行政许可事项的通知", "document_no": "示政发〔2026〕3号", "effective_date": "2026-12-01",
            "items": [kept[0]], "kept": [{"code": kept[1], "reason": "专业技术性强，暂由原部门实施"}]});
        let r = app.http.post(app.url("/api/v1/items/transfers")).bearer_auth(&token).json(&good).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let (_, moved) = app.get_json(&format!("/api/v1/items/{}", kept[0])).await;
        assert_eq!((moved["handling_department"].as_str(), moved["seal_model"].as_str()), (Some("spj"), Some("bureau")));
        let (_, transfers) = app.get_json("/api/v1/items/transfers").await;
        assert_eq!(transfers.as_array().unwrap().len(), 2);
    }
}

onewindow_store::per_backend! {
    async fn a_bad_import_row_is_reported_by_line_and_nothing_is_applied(backend) {
        let app = spawn_app(backend).await;
        let token = app.token("cataloguer").await;
        let before = app.get_json("/api/v1/items?limit=1").await.1["total"].as_u64().unwrap();
        let csv = "事项编码,事项名称,事项类型,主管部门,设定依据,法定时限,承诺时限,办件类型,办理层级,全程网办\n\
                   0100888000001,新事项甲,行政许可,示范区林业局,《森林法》,20,5,承诺件,区,是\n\
                   0100888000002,新事项乙,行政许可,示范区林业局,《森林法》,二十,5,承诺件,区,是\n";
        let r = app
            .http
            .post(app.url("/api/v1/catalogue/import"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        let body = assert_problem(r, 422, "validation").await;
        assert_eq!(body["errors"][0]["line"], 3, "{body}");
        assert_eq!(body["errors"][0]["field"], "legal_limit_days");
        let after = app.get_json("/api/v1/items?limit=1").await.1["total"].as_u64().unwrap();
        assert_eq!(before, after);

        // Fixed, it imports; the 13-character codes come back as warnings with their lines.
        let fixed = csv.replace(",二十,", ",20,");
        let r = app
            .http
            .post(app.url("/api/v1/catalogue/import"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(fixed)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let outcome: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{outcome}");
        assert_eq!(outcome["summary"]["created"], 2);
        assert!(outcome["warnings"].as_array().unwrap().iter().any(|w| w["line"] == 2 && w["field"] == "code"), "{outcome}");
        let after = app.get_json("/api/v1/items?limit=1").await.1["total"].as_u64().unwrap();
        assert_eq!(before + 2, after);

        // Export and re-import of the whole catalogue changes nothing.
        let exported =
            app.http.get(app.url("/api/v1/catalogue/export?format=json")).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
        let r = app
            .http
            .post(app.url("/api/v1/catalogue/import"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(exported)
            .send()
            .await
            .unwrap();
        let outcome: Value = r.json().await.unwrap();
        assert_eq!(outcome["summary"]["created"], 0, "{outcome}");
        assert_eq!(outcome["summary"]["updated"], 0, "{outcome}");
    }
}

#[tokio::test]
async fn sessions_cookies_and_csrf() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.post(app.url("/api/v1/session")).json(&json!({"username": "cataloguer", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let me: Value = client.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["roles"][0], "cataloguer");

    // A cross-site form cannot write through the browser's cookie.
    let r = client
        .post(app.url("/api/v1/items/transfers"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("title=x")
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;

    let r = client.delete(app.url("/api/v1/session")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_problem(r, 401, "unauthenticated").await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled_and_audited() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    let attempt =
        |password: &'static str| app.http.post(app.url("/api/v1/session")).json(&json!({"username": "clerk", "password": password})).send();
    for _ in 0..5 {
        assert_problem(attempt("wrong").await.unwrap(), 401, "bad-credentials").await;
    }
    // Locked now, even with the right password.
    assert_problem(attempt(PASSWORD).await.unwrap(), 429, "too-many-attempts").await;
    let failures =
        app.store.audit_entries(0, 10_000, Some("clerk")).await.unwrap().into_iter().filter(|e| e.action == "session.failed").count();
    assert_eq!(failures, 5);
    // An unknown user gets the same answer as a wrong password.
    let r = app.http.post(app.url("/api/v1/session")).json(&json!({"username": "nobody", "password": "x"})).send().await.unwrap();
    assert_problem(r, 401, "bad-credentials").await;
}

#[tokio::test]
async fn users_are_created_by_the_system_administrator() {
    let app = spawn_app(onewindow_store::Backend::Postgres).await;
    let token = app.token("sysadmin").await;
    let new =
        json!({"username": "clerk2", "display_name": "孙窗口", "password": "long-enough-pw", "roles": ["clerk"], "department": "spj"});
    let r = app.http.post(app.url("/api/v1/users")).bearer_auth(&token).json(&new).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = app.http.post(app.url("/api/v1/users")).bearer_auth(&token).json(&new).send().await.unwrap();
    assert_problem(r, 409, "conflict").await;
    let bad = json!({"username": "bad name", "display_name": "", "password": "short", "roles": [], "department": "nosuch"});
    let r = app.http.post(app.url("/api/v1/users")).bearer_auth(&token).json(&bad).send().await.unwrap();
    let body = assert_problem(r, 422, "validation").await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 5);
    let r =
        app.http.post(app.url("/api/v1/session")).json(&json!({"username": "clerk2", "password": "long-enough-pw"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
}

onewindow_store::per_backend! {
    async fn the_audit_trail_records_changes_and_verifies(backend) {
        let app = spawn_app(backend).await;
        let token = app.token("auditor").await;
        let (_, check) = {
            let r = app.http.get(app.url("/api/v1/audit/verify")).bearer_auth(&token).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        };
        assert_eq!(check["first_broken"], Value::Null);
        assert!(check["entries"].as_u64().unwrap() > 10);
        let entries: Value =
            app.http.get(app.url("/api/v1/audit?limit=500")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = entries.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for a in ["catalogue.import", "item.transfer", "user.create", "session.create"] {
            assert!(actions.contains(&a), "{a} missing in {actions:?}");
        }
    }
}

#[tokio::test]
async fn openapi_documents_every_api_route() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/health", "get"),
        ("/api/v1/items", "get"),
        ("/api/v1/items", "post"),
        ("/api/v1/items/{code}", "get"),
        ("/api/v1/items/{code}", "put"),
        ("/api/v1/items/{code}/versions", "get"),
        ("/api/v1/items/transfers", "post"),
        ("/api/v1/items/transfers", "get"),
        ("/api/v1/departments", "get"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/catalogue/import", "post"),
        ("/api/v1/catalogue/export", "get"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/audit", "get"),
        ("/api/v1/audit/verify", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from the OpenAPI document");
    }
    // Nothing outside the API is in the document, and nothing in it is undocumented.
    for (path, ops) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (_, op) in ops.as_object().unwrap() {
            assert!(op.get("responses").is_some(), "{path}");
        }
    }
}

#[tokio::test]
async fn metrics_are_exposed() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    app.get_json("/api/v1/health").await;
    let text = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("http_request_duration_seconds"), "{text}");
    assert!(text.contains("db_pool_connections"), "{text}");
}

#[tokio::test]
async fn the_working_day_calendar_is_public() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    // National Day 2024: 1–7 October off, Sunday 29 September and Saturday 12 October worked.
    let (status, r) = app.get_json("/api/v1/calendar/add-working-days?from=2024-09-30&days=1").await;
    assert_eq!(status, 200);
    assert_eq!(r, json!({"from": "2024-09-30", "days": 1, "date": "2024-10-08", "provisional": false}));
    let (_, r) = app.get_json("/api/v1/calendar/working-days-between?from=2024-09-27&to=2024-10-12").await;
    assert_eq!(r["working_days"], 7, "29, 30 Sep and 8–12 Oct");
    let (_, days) = app.get_json("/api/v1/calendar/days?year=2024").await;
    let oct1 = days.as_array().unwrap().iter().find(|d| d["date"] == "2024-10-01").unwrap().clone();
    assert_eq!((oct1["kind"].as_str(), oct1["name"].as_str()), (Some("holiday"), Some("国庆节")));
    assert!(days.as_array().unwrap().iter().any(|d| d["date"] == "2024-09-29" && d["kind"] == "working"));
    let r = app.http.get(app.url("/api/v1/calendar/add-working-days?from=2031-01-01&days=1")).send().await.unwrap();
    assert_problem(r, 422, "validation").await;
    let r = app.http.get(app.url("/api/v1/calendar/add-working-days?from=yesterday&days=1")).send().await.unwrap();
    assert_problem(r, 400, "bad-request").await;
}
