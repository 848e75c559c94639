//! The web UI over HTTP: pages render in Chinese, staff pages are guarded, forms save.

mod common;

use common::{PASSWORD, spawn_app};
use onewindow_store::Backend;

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn login(app: &common::TestApp, c: &reqwest::Client, username: &str) {
    let r = c.post(app.url("/login")).form(&[("username", username), ("password", PASSWORD), ("next", "")]).send().await.unwrap();
    assert_eq!(r.status(), 303, "log in as {username}");
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn public_pages_render_in_chinese() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = client();
    let home = c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("<html lang=\"zh-CN\">"));
    assert!(home.contains("按部门查找"));
    let results = c.get(app.url(&format!("/?q={}", urlencoding::encode("食品")))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("class=\"item-link\""));
    let code = app.first_item("食品经营许可").await["code"].as_str().unwrap().to_string();
    let guide = c.get(app.url(&format!("/items/{code}"))).send().await.unwrap().text().await.unwrap();
    for text in
        ["法定时限", "承诺时限", "申请材料", "办理流程", "收费标准", "办理地点", "打印", "受理当日不计入", "data-testid=\"promised-limit\""]
    {
        assert!(guide.contains(text), "{text} missing from the guide");
    }
    let r = c.get(app.url("/items/000000000000")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let css = c.get(app.url("/static/app.css")).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn staff_pages_need_the_role() {
    let app = spawn_app(Backend::Sqlite).await;
    let anonymous = client();
    let r = anonymous.get(app.url("/admin/items")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
    let clerk = client();
    login(&app, &clerk, "clerk").await;
    assert_eq!(clerk.get(app.url("/admin/items")).send().await.unwrap().status(), 403);
    assert_eq!(clerk.get(app.url("/audit")).send().await.unwrap().status(), 403);
    let auditor = client();
    login(&app, &auditor, "auditor").await;
    let audit = auditor.get(app.url("/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("哈希链校验通过"), "{audit}");
    let r = c_wrong_login(&app).await;
    assert_eq!(r, 401);
}

async fn c_wrong_login(app: &common::TestApp) -> u16 {
    client()
        .post(app.url("/login"))
        .form(&[("username", "clerk"), ("password", "wrong"), ("next", "")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

onewindow_store::per_backend! {
    async fn the_edit_form_saves_a_version_and_shows_errors(backend) {
        let app = spawn_app(backend).await;
        let c = client();
        login(&app, &c, "cataloguer").await;
        let code = app.first_item("林木采伐").await["code"].as_str().unwrap().to_string();
        let edit_url = app.url(&format!("/admin/items/{code}/edit"));
        let page = c.get(&edit_url).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page);
        let (_, item) = app.get_json(&format!("/api/v1/items/{code}")).await;
        let version = item["version"].as_u64().unwrap();

        // Build the post from the item as the form shows it.
        let mut form: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("expected_version".into(), version.to_string()),
            ("name".into(), item["name"].as_str().unwrap().into()),
            ("kind".into(), item["kind"].as_str().unwrap().into()),
            ("handling_type".into(), item["handling_type"].as_str().unwrap().into()),
            ("status".into(), item["status"].as_str().unwrap().into()),
            ("department".into(), item["department"].as_str().unwrap().into()),
            ("handling_department".into(), item["handling_department"].as_str().unwrap().into()),
            ("legal_basis".into(), item["legal_basis"].as_str().unwrap().into()),
            ("legal_limit_days".into(), item["legal_limit_days"].to_string()),
            ("promised_limit_days".into(), "1".into()),
            ("mode".into(), "promised".into()),
            ("visits".into(), "0".into()),
            ("fully_online".into(), "1".into()),
            ("location".into(), item["location"].as_str().unwrap().into()),
            ("levels".into(), "district".into()),
            ("levels".into(), "town".into()),
            ("material_name_0".into(), "林木采伐申请表".into()),
            ("material_required_0".into(), "1".into()),
            ("material_originals_0".into(), "1".into()),
            ("fee_name_0".into(), "".into()),
            ("step_name_0".into(), "受理".into()),
            ("step_days_0".into(), "1".into()),
        ];
        // Without a change note: refused, the form comes back with the message.
        let r = c.post(&edit_url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("请填写修改说明"));

        form.push(("change_note".into(), "压缩为1个工作日，镇街可办".into()));
        let r = c.post(&edit_url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
        let (_, saved) = app.get_json(&format!("/api/v1/items/{code}")).await;
        assert_eq!(saved["version"], version + 1);
        assert_eq!(saved["promised_limit_days"], 1);
        assert_eq!(saved["levels"], serde_json::json!(["district", "town"]));
        assert_eq!(saved["materials"][0]["name"], "林木采伐申请表");

        // A stale form (based on the old version) is refused, nothing saved.
        let r = c.post(&edit_url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("已被他人修改"));
        // A forged post without the CSRF token is refused.
        let forged: Vec<(String, String)> = form.iter().filter(|(k, _)| k != "csrf").cloned().collect();
        assert_eq!(c.post(&edit_url).form(&forged).send().await.unwrap().status(), 403);
        assert_eq!(app.get_json(&format!("/api/v1/items/{code}")).await.1["version"], version + 1);
    }
}

#[tokio::test]
async fn the_case_page_names_people_not_accounts() {
    let app = spawn_app(Backend::Sqlite).await;
    let a = common::flow::actors(&app).await;
    // Registered at the window by the clerk, who is then the first responsible (首问负责).
    let item = common::flow::item_named(&app, "林木采伐许可证核发").await;
    // The clerk logs the paper handed over: the originals checked and given back.
    let paper = serde_json::json!({"paper": [{"material": "林木权属证明", "originals": 1, "originals_returned": true, "copies": 2}]});
    let number = common::flow::submit(&app, &a.clerk, &item, &[], paper).await["number"].as_str().unwrap().to_string();
    common::flow::ok(&app, &a.clerk, &number, "accept", serde_json::json!({})).await;
    let r =
        app.http.get(app.url(&format!("/api/v1/cases/{number}/documents/intake-receipt.pdf"))).bearer_auth(&a.clerk).send().await.unwrap();
    let pdf = r.bytes().await.unwrap();
    let path = onewindow_store::testing::temp_dir("onewindow_receipt").join("receipt.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = String::from_utf8_lossy(&std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap().stdout).into_owned();
    assert!(text.contains("核验后已退还") && text.contains("复印件"), "{text}");
    assert!(text.contains("李芳"), "the receipt names the clerk: {text}");
    let clerk = client();
    login(&app, &clerk, "clerk").await;
    let page = clerk.get(app.url(&format!("/cases/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("首问负责：李芳（综合窗口）"), "{page}");
    assert!(!page.contains("首问负责：clerk"));
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {name} field")) + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn task_form(csrf: &str, version: &str, task: i64, opinion: &str, comment: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("version", version.to_string())
        .text("action", "complete-task")
        .text("task_id", task.to_string())
        .text("opinion", opinion.to_string())
        .text("comment", comment.to_string())
}

#[tokio::test]
async fn review_cannot_be_skipped_by_accident() {
    let app = spawn_app(Backend::Sqlite).await;
    let a = common::flow::actors(&app).await;
    // 审查, then 现场核查.
    let item = common::flow::item_named(&app, "林木采伐许可证核发").await;
    let number = common::flow::submit(&app, &a.clerk, &item, &[], serde_json::json!({})).await["number"].as_str().unwrap().to_string();
    common::flow::ok(&app, &a.clerk, &number, "accept", serde_json::json!({})).await;
    let reviewer = client();
    login(&app, &reviewer, "reviewer").await;
    let url = app.url(&format!("/cases/{number}"));
    let work = app.url(&format!("/cases/{number}/work"));
    let page = reviewer.get(&url).send().await.unwrap().text().await.unwrap();
    let (csrf, version) = (csrf_of(&page), hidden(&page, "version"));
    assert!(!page.contains("value=\"approve\" checked"), "同意 is preselected");
    let open = |c: &serde_json::Value| {
        c["tasks"].as_array().unwrap().iter().filter(|t| t["state"] == "open").map(|t| t["id"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    let first = open(&common::flow::case(&app, &a.reviewer, &number).await)[0];

    // No conclusion, or no text: refused, said beside the form, nothing done.
    for (opinion, comment, says) in [("", "符合条件", "请选择审查结论"), ("approve", "", "请填写审查意见")] {
        let r = reviewer.post(&work).multipart(task_form(&csrf, &version, first, opinion, comment)).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains(says), "{opinion:?} {comment:?}");
    }
    assert_eq!(open(&common::flow::case(&app, &a.reviewer, &number).await), vec![first]);

    // Submitted once; the same form again is recognised and does nothing.
    let r = reviewer.post(&work).multipart(task_form(&csrf, &version, first, "approve", "材料齐全，符合条件")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let events = |c: &serde_json::Value| c["last_event_seq"].as_i64().unwrap();
    let after_first = common::flow::case(&app, &a.reviewer, &number).await;
    let inspection_step = open(&after_first)[0];
    let r = reviewer.post(&work).multipart(task_form(&csrf, &version, first, "approve", "材料齐全，符合条件")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/cases/{number}?done=already"));
    let page = reviewer.get(app.url(&format!("/cases/{number}?done=already"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("该表单已经提交过"));
    // Even aimed at the next step, a form drawn before the reviewer's own action is stale.
    let r = reviewer.post(&work).multipart(task_form(&csrf, &version, inspection_step, "approve", "现场良好")).send().await.unwrap();
    assert_eq!(r.headers()["location"], format!("/cases/{number}?done=already"));
    assert_eq!(events(&common::flow::case(&app, &a.reviewer, &number).await), events(&after_first));

    // The fresh page: the 现场核查 step waits for an inspection on record.
    let page = reviewer.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"needs-inspection\""));
    let version = hidden(&page, "version");
    let r = reviewer.post(&work).multipart(task_form(&csrf, &version, inspection_step, "approve", "现场良好")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("须先安排并记录现场核查"));
    common::flow::inspect(&app, &a.reviewer, &number).await;
    let page = reviewer.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("data-testid=\"needs-inspection\""));
    let version = hidden(&page, "version");
    let r = reviewer.post(&work).multipart(task_form(&csrf, &version, inspection_step, "approve", "现场良好")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(open(&common::flow::case(&app, &a.reviewer, &number).await).is_empty());

    // The decision is chosen and confirmed on purpose.
    let leader = client();
    login(&app, &leader, "leader").await;
    let page = leader.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("value=\"approved\" checked"), "准予许可 is preselected");
    let decide = |confirm: bool| {
        let f = reqwest::multipart::Form::new()
            .text("csrf", csrf_of(&page))
            .text("version", hidden(&page, "version"))
            .text("action", "decide")
            .text("outcome", "approved")
            .text("reason", "符合条件");
        if confirm { f.text("confirm", "1") } else { f }
    };
    let r = leader.post(&url).multipart(decide(false)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("确认作出此决定"));
    assert_eq!(leader.post(&url).multipart(decide(true)).send().await.unwrap().status(), 303);
    assert_eq!(common::flow::case(&app, &a.reviewer, &number).await["state"], "approved");
}
