//! Time limits over HTTP with a test clock, on SQLite and PostgreSQL: the due date and its
//! explanation, pause and resume, the one statutory extension, warnings raised once per level
//! by the supervision worker, accountability and its review, the supervision API and CSV,
//! calendar administration, and two workers running at once.

mod common;

use common::flow::*;
use common::{TestApp, assert_problem, spawn_app_at, test_start};
use onewindow_server::Clock;
use onewindow_server::supervision::tick;
use serde_json::{Value, json};

/// 5 promised and 20 legal working days, handled by 发改局, no joint review.
const ITEM: &str = "固定资产投资项目节能审查";

/// Moves the test clock to `day` at 10:00 Beijing time.
fn set_day(app: &TestApp, day: &str) {
    let target: jiff::Timestamp = format!("{day}T02:00:00Z").parse().unwrap();
    let now = app.state.clock.now();
    app.state.clock.advance(target.duration_since(now));
    assert_eq!(app.state.clock.today().to_string(), day);
}

async fn accepted_case(app: &TestApp, a: &Actors) -> String {
    let item = item_named(app, ITEM).await;
    assert_eq!((item["promised_limit_days"].as_u64(), item["legal_limit_days"].as_u64()), (Some(5), Some(20)));
    let sub = submit(app, &a.applicant, &item, &[], json!({})).await;
    let number = sub["number"].as_str().unwrap().to_string();
    ok(app, &a.clerk, &number, "accept", json!({})).await;
    number
}

async fn deadline(app: &TestApp, token: &str, number: &str) -> Value {
    let (status, body) = app.get_json_as(token, &format!("/api/v1/cases/{number}/deadline")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn warn_levels(app: &TestApp, number: &str) -> Vec<String> {
    app.store
        .case_events(number)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "warn")
        .map(|e| {
            assert_eq!((e.actor.as_str(), e.role.as_str()), ("system", "system"));
            e.detail["level"].as_str().unwrap().to_string()
        })
        .collect()
}

onewindow_store::per_backend! {
    async fn a_case_walks_through_pause_extension_warnings_and_accountability(backend) {
        let (app, _) = spawn_app_at(backend, Clock::fixed(test_start())).await;
        let a = actors(&app).await;
        let officer = app.token("officer").await;
        // Monday 23 November 2026, 10:00: day 1 is Tuesday 24, day 5 Monday 30 November.
        let number = accepted_case(&app, &a).await;
        let d = deadline(&app, &a.applicant, &number).await;
        assert_eq!(d["due_date"], "2026-11-30");
        assert_eq!(d["legal_due_date"], "2026-12-21");
        assert_eq!(d["counting_from"], "2026-11-24");
        assert_eq!((d["used"].as_u64(), d["remaining"].as_u64(), d["level"].as_str()), (Some(0), Some(5), Some("none")));
        let text = d["lines_zh"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>().join("\n");
        assert!(text.contains("2026年11月28日至2026年11月29日为周末，不计入"), "{text}");
        assert!(text.contains("承诺办结日期为2026年11月30日"), "{text}");
        let c = case(&app, &a.reviewer, &number).await;
        assert_eq!(c["due_date"], "2026-11-30");
        assert_eq!(c["time_limit"]["remaining"], 5);
        assert!(c["next_alarm_at"].as_str().is_some(), "a running case knows its next alarm");

        // The clock pauses on Tuesday for an expert review and resumes on Thursday: two working
        // days (25 and 26 November) do not count.
        set_day(&app, "2026-11-24");
        let r = act(&app, &a.applicant, &number, "pause", json!({"kind": "hearing", "reason": "x"})).await;
        assert_problem(r, 403, "forbidden").await;
        let r = act(&app, &a.reviewer, &number, "pause", json!({"kind": "hearing", "reason": ""})).await;
        assert_problem(r, 422, "validation").await;
        ok(&app, &a.reviewer, &number, "pause", json!({"kind": "expert_review", "reason": "组织专家评审节能报告"})).await;
        let c = case(&app, &a.reviewer, &number).await;
        assert!(c["next_alarm_at"].is_null(), "a paused clock raises no alarm");
        let r = act(&app, &a.reviewer, &number, "pause", json!({"kind": "hearing", "reason": "再次暂停"})).await;
        assert_problem(r, 409, "conflict").await;
        set_day(&app, "2026-11-26");
        assert!(deadline(&app, &a.reviewer, &number).await["paused"].as_bool().unwrap());
        ok(&app, &a.reviewer, &number, "resume", json!({"reason": "专家评审结束"})).await;
        let d = deadline(&app, &a.reviewer, &number).await;
        assert_eq!(d["due_date"], "2026-12-02");
        assert_eq!(d["pauses"][0]["working_days"], 2);
        assert_eq!(d["pauses"][0]["kind"], "expert_review");
        let r = act(&app, &a.reviewer, &number, "resume", json!({})).await;
        assert_problem(r, 409, "conflict").await;

        // The statutory extension: the leader only, within the legal limit, once.
        let r = act(&app, &a.reviewer, &number, "extend", json!({"days": 3, "reason": "需补充论证"})).await;
        assert_problem(r, 403, "forbidden").await;
        let r = act(&app, &a.leader, &number, "extend", json!({"days": 16, "reason": "需补充论证"})).await;
        let body = assert_problem(r, 409, "conflict").await;
        assert!(body["detail"].as_str().unwrap().contains("最多可延期15个工作日"), "{body}");
        let v = ok(&app, &a.leader, &number, "extend", json!({"days": 3, "reason": "需补充论证"})).await;
        assert_eq!(v["due_date"], "2026-12-07");
        let r = act(&app, &a.leader, &number, "extend", json!({"days": 1, "reason": "再延"})).await;
        assert_problem(r, 409, "conflict").await;
        let (_, track) = app.get_json(&format!("/api/v1/track?number={number}&code={}", c["query_code"].as_str().unwrap())).await;
        assert!(track.to_string().contains("需补充论证"), "the extension shows on the public tracking page: {track}");

        // Nothing is due before Friday 4 December (7 of 8 days used: yellow).
        assert_eq!(tick(&app.state).await.unwrap().examined, 0);
        set_day(&app, "2026-12-03");
        assert_eq!(tick(&app.state).await.unwrap().examined, 0);
        set_day(&app, "2026-12-04");
        let t = tick(&app.state).await.unwrap();
        assert_eq!((t.examined, t.yellow), (1, 1));
        assert_eq!(tick(&app.state).await.unwrap().examined, 0, "raised once");
        set_day(&app, "2026-12-07");
        assert_eq!(tick(&app.state).await.unwrap().red, 1);
        set_day(&app, "2026-12-08");
        let t = tick(&app.state).await.unwrap();
        assert_eq!((t.overdue, t.accountability), (1, 1));
        set_day(&app, "2026-12-09");
        assert_eq!(tick(&app.state).await.unwrap().examined, 0, "overdue is the last alarm");
        assert_eq!(warn_levels(&app, &number).await, vec!["yellow", "red", "overdue"]);
        let c = case(&app, &a.reviewer, &number).await;
        assert_eq!(c["warning_level"], "overdue");
        assert_eq!(c["time_limit"]["level"], "overdue");

        // The supervision centre: officers and leaders only.
        for who in [&a.clerk, &a.applicant, &a.reviewer] {
            let r = app.http.get(app.url("/api/v1/supervision/warnings")).bearer_auth(who).send().await.unwrap();
            assert_problem(r, 403, "forbidden").await;
        }
        let (status, w) = app.get_json_as(&officer, "/api/v1/supervision/warnings?level=overdue").await;
        assert_eq!(status, 200);
        assert_eq!(w["cases"][0]["number"], number.as_str());
        assert_eq!(w["cases"][0]["extended_days"], 3);
        let department = c["handling_department"].as_str().unwrap();
        let (status, mine) =
            app.get_json_as(&a.leader, &format!("/api/v1/supervision/warnings?level=overdue&department={department}")).await;
        assert_eq!((status, mine["cases"].as_array().unwrap().len()), (200, 1));
        let (_, none) = app.get_json_as(&officer, "/api/v1/supervision/warnings?level=overdue&department=jtj").await;
        assert!(none["cases"].as_array().unwrap().is_empty());
        let r = app.http.get(app.url("/api/v1/supervision/warnings?level=purple")).bearer_auth(&officer).send().await.unwrap();
        assert_problem(r, 422, "validation").await;

        // One accountability record, naming department, step and holder; reviewed once.
        let (_, records) = app.get_json_as(&officer, "/api/v1/supervision/accountability?state=open").await;
        let records = records.as_array().unwrap().clone();
        assert_eq!(records.len(), 1);
        let rec = &records[0];
        assert_eq!(rec["case_number"], number.as_str());
        assert_eq!(rec["department"], c["handling_department"]);
        assert_eq!(rec["due_date"], "2026-12-07");
        assert_eq!(rec["holder"], "leader", "the last staff member who acted on it");
        assert!(!rec["step"].as_str().unwrap().is_empty());
        let id = rec["id"].as_i64().unwrap();
        let review = |token: &str, verdict: &str, reason: &str| {
            app.http
                .post(app.url(&format!("/api/v1/supervision/accountability/{id}/{verdict}")))
                .bearer_auth(token.to_string())
                .json(&json!({"reason": reason}))
                .send()
        };
        assert_problem(review(&a.leader, "confirm", "超期").await.unwrap(), 403, "forbidden").await;
        assert_problem(review(&officer, "confirm", " ").await.unwrap(), 422, "validation").await;
        let r = review(&officer, "confirm", "审查环节超期3个工作日，无正当理由").await.unwrap();
        assert_eq!(r.status(), 200);
        let confirmed: Value = r.json().await.unwrap();
        assert_eq!((confirmed["state"].as_str(), confirmed["reviewed_by"].as_str()), (Some("confirmed"), Some("officer")));
        assert_problem(review(&officer, "excuse", "改判").await.unwrap(), 409, "conflict").await;
        let (_, open) = app.get_json_as(&officer, "/api/v1/supervision/accountability?state=open").await;
        assert!(open.as_array().unwrap().is_empty());

        // The CSV export opens in a spreadsheet: BOM, Chinese headers, the case and its level.
        let r = app.http.get(app.url("/api/v1/supervision/dashboard.csv")).bearer_auth(&officer).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with("\u{feff}办件编号,"), "{csv}");
        let line = csv.lines().find(|l| l.starts_with(&number)).unwrap_or_else(|| panic!("{number} not in {csv}"));
        assert!(line.contains("已超期") && line.contains("2026-12-07"), "{line}");

        // The decision stops the clock: no more alarms; the log verifies.
        complete_open_tasks(&app, &a.reviewer, &number).await;
        ok(&app, &a.leader, &number, "decide", json!({"outcome": "approved"})).await;
        let d = deadline(&app, &a.reviewer, &number).await;
        assert_eq!(d["stopped_on"], "2026-12-09");
        assert_eq!(d["used"], 10, "eight days promised and extended, two more overdue");
        let (_, w) = app.get_json_as(&officer, "/api/v1/supervision/warnings").await;
        assert!(w["cases"].as_array().unwrap().is_empty(), "a decided case is no longer running: {w}");
        assert!(app.store.verify_case_chains().await.unwrap().first_broken.is_none());
    }
}

onewindow_store::per_backend! {
    async fn administrators_set_calendar_days_and_due_dates_follow(backend) {
        let (app, _) = spawn_app_at(backend, Clock::fixed(test_start())).await;
        let a = actors(&app).await;
        let sysadmin = app.token("sysadmin").await;
        let number = accepted_case(&app, &a).await;
        assert_eq!(case(&app, &a.reviewer, &number).await["due_date"], "2026-11-30");

        let put = |token: &str, path: &str, body: Value| app.http.put(app.url(path)).bearer_auth(token.to_string()).json(&body).send();
        let closure = json!({"kind": "holiday", "reason": "台风停工", "source": "示范区政府通告〔2026〕5号"});
        assert_problem(put(&a.clerk, "/api/v1/calendar/days/2026-11-25", closure.clone()).await.unwrap(), 403, "forbidden").await;
        let r = put(&sysadmin, "/api/v1/calendar/days/2026-11-25", json!({"kind": "working", "reason": "补班"})).await.unwrap();
        assert_problem(r, 422, "validation").await;
        let r = put(&sysadmin, "/api/v1/calendar/days/2026-11-25", json!({"kind": "sunny", "reason": "x"})).await.unwrap();
        assert_problem(r, 422, "validation").await;
        let r = put(&sysadmin, "/api/v1/calendar/days/2026-11-31", closure.clone()).await.unwrap();
        assert_problem(r, 400, "bad-request").await;
        let r = put(&sysadmin, "/api/v1/calendar/days/2026-11-25", closure.clone()).await.unwrap();
        assert_eq!(r.status(), 200);
        let set: Value = r.json().await.unwrap();
        assert_eq!(set["recomputed"], 1);

        // The running case's due date moves by the closed day, in the list and the explanation.
        assert_eq!(case(&app, &a.reviewer, &number).await["due_date"], "2026-12-01");
        let d = deadline(&app, &a.applicant, &number).await;
        assert_eq!(d["due_date"], "2026-12-01");
        assert!(d["special_days"].as_array().unwrap().iter().any(|s| s["date"] == "2026-11-25" && s["name"] == "台风停工"), "{d}");
        let (_, days) = app.get_json("/api/v1/calendar/days?year=2026").await;
        assert!(days.as_array().unwrap().iter().any(|s| s["date"] == "2026-11-25" && s["source"] == "示范区政府通告〔2026〕5号"));
        let (_, n) = app.get_json("/api/v1/calendar/add-working-days?from=2026-11-24&days=1").await;
        assert_eq!(n["date"], "2026-11-26");

        // Next year: counted provisionally from the statutory holidays until declared complete.
        let (status, n) = app.get_json("/api/v1/calendar/add-working-days?from=2026-12-30&days=5").await;
        assert_eq!((status, n["date"].as_str(), n["provisional"].as_bool()), (200, Some("2027-01-07"), Some(true)), "{n}");
        let (_, days) = app.get_json("/api/v1/calendar/days?year=2027").await;
        assert!(days.as_array().unwrap().iter().any(|s| s["date"] == "2027-02-05" && s["name"] == "春节" && s["provisional"] == true), "{days}");
        let (status, _) = app.get_json("/api/v1/calendar/add-working-days?from=2028-12-29&days=1").await;
        assert_eq!(status, 422, "two years ahead at most");
        let r = put(&sysadmin, "/api/v1/calendar/days/2027-01-01", json!({"kind": "holiday", "reason": "元旦"})).await.unwrap();
        assert_eq!(r.status(), 200);
        let r = app.http.put(app.url("/api/v1/calendar/years/2027")).bearer_auth(&sysadmin).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let y: Value = r.json().await.unwrap();
        assert!(y["years_published"].as_array().unwrap().contains(&json!(2027)));
        let (status, n) = app.get_json("/api/v1/calendar/add-working-days?from=2026-12-30&days=2").await;
        assert_eq!((status, n["date"].as_str(), n["provisional"].as_bool()), (200, Some("2027-01-04"), Some(false)), "{n}");

        // Every change is in the audit trail.
        let entries = app.store.audit_entries(0, 1000, None).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "calendar.set_day" && e.subject == "2026-11-25"));
        assert!(entries.iter().any(|e| e.action == "calendar.publish_year" && e.subject == "2027"));
    }
}

onewindow_store::per_backend! {
    async fn two_workers_at_once_raise_each_warning_once(backend) {
        let (app, url) = spawn_app_at(backend, Clock::fixed(test_start())).await;
        let a = actors(&app).await;
        let mut numbers = Vec::new();
        for _ in 0..12 {
            numbers.push(accepted_case(&app, &a).await);
        }
        // A second server process: its own connections to the same database.
        let other = common::reopen(backend, &url).await;
        set_day(&app, "2026-12-10");
        let now = app.state.clock.now();
        let calendar = app.state.calendar.get();
        let (one, two) = tokio::join!(app.store.supervision_tick(now, &calendar), other.supervision_tick(now, &calendar));
        let (one, two) = (one.unwrap(), two.unwrap());
        assert_eq!(one.overdue + two.overdue, 12, "{one:?} {two:?}");
        assert_eq!(one.accountability + two.accountability, 12);
        assert_eq!(one.yellow + one.red + two.yellow + two.red, 0, "only the level reached is raised");
        for n in &numbers {
            assert_eq!(warn_levels(&app, n).await, vec!["overdue"], "{n}");
        }
        let (again_one, again_two) = tokio::join!(app.store.supervision_tick(now, &calendar), other.supervision_tick(now, &calendar));
        assert_eq!(again_one.unwrap().examined + again_two.unwrap().examined, 0);
        assert_eq!(app.store.accountability(Some("open"), None, None, 200).await.unwrap().len(), 12);
        other.close().await;
    }
}

/// A browser-like client of the pages, logged in as `username`.
async fn page_client(app: &TestApp, username: &str) -> reqwest::Client {
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("username", username), ("password", common::PASSWORD), ("next", "")];
    assert_eq!(c.post(app.url("/login")).form(&form).send().await.unwrap().status(), 303, "log in as {username}");
    c
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    let r = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

onewindow_store::per_backend! {
    async fn an_unpublished_year_never_stops_the_window(backend) {
        // Thursday 3 December 2026, 10:00 in Beijing; the 2027 schedule not entered.
        let (app, _) = spawn_app_at(backend, Clock::fixed("2026-12-03T02:00:00Z".parse().unwrap())).await;
        let a = actors(&app).await;
        let item = item_named(&app, "教师资格认定").await;
        assert_eq!((item["promised_limit_days"].as_u64(), item["legal_limit_days"].as_u64()), (Some(15), Some(30)));
        let sub = submit(&app, &a.applicant, &item, &[], json!({})).await;
        let number = sub["number"].as_str().unwrap().to_string();
        ok(&app, &a.clerk, &number, "accept", json!({})).await;

        // Accepted; the legal due date, 30 working days on, is counted provisionally.
        let c = case(&app, &a.clerk, &number).await;
        assert_eq!(c["state"], "in_review");
        assert_eq!((c["due_date"].as_str(), c["legal_due_date"].as_str()), (Some("2026-12-24"), Some("2027-01-15")), "{c}");
        assert_eq!(c["provisional_year"], 2027);
        let d = deadline(&app, &a.applicant, &number).await;
        assert_eq!(d["provisional_year"], 2027);
        assert!(d["lines_zh"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().starts_with("2027年节假日安排尚未发布")), "{d}");

        // Every reader is told: the case page, the public tracking page, the officer's and the
        // system administrator's pages (with the number of cases concerned).
        let clerk = page_client(&app, "clerk").await;
        let case_page = page(&app, &clerk, &format!("/cases/{number}")).await;
        assert!(case_page.contains("暂按法定节假日计算"), "the legal due date is marked");
        assert!(!case_page.contains("data-testid=\"provisional\""), "the promised due date, in 2026, is not");
        let anonymous = reqwest::Client::new();
        let code = c["query_code"].as_str().unwrap();
        let track = anonymous.get(app.url(&format!("/track?number={number}&code={code}"))).send().await.unwrap().text().await.unwrap();
        assert!(track.contains("暂按法定节假日计算"), "{track}");
        let officer = page_client(&app, "officer").await;
        let centre = page(&app, &officer, "/supervision").await;
        assert!(centre.contains("2027年节假日安排尚未录入。在办办件中有1件的办结日期暂按法定节假日计算"), "{centre}");
        let sysadmin_pages = page_client(&app, "sysadmin").await;
        assert!(page(&app, &sysadmin_pages, "/admin/calendar?year=2027").await.contains("data-testid=\"schedule-warning\""));

        // The administrator enters the notice and confirms the year: the dates are recomputed
        // and the mark goes.
        let sysadmin = app.token("sysadmin").await;
        for day in ["2027-01-01", "2027-01-04"] {
            let body = json!({"kind": "holiday", "reason": "元旦", "source": "国办发明电〔2026〕X号"});
            let r = app.http.put(app.url(&format!("/api/v1/calendar/days/{day}"))).bearer_auth(&sysadmin).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
        let c = case(&app, &a.clerk, &number).await;
        assert_eq!((c["legal_due_date"].as_str(), c["provisional_year"].as_i64()), (Some("2027-01-18"), Some(2027)), "entered days count at once");
        let r = app.http.put(app.url("/api/v1/calendar/years/2027")).bearer_auth(&sysadmin).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let c = case(&app, &a.clerk, &number).await;
        assert_eq!((c["legal_due_date"].as_str(), c["provisional_year"].as_i64()), (Some("2027-01-18"), None), "{c}");
        assert!(!page(&app, &clerk, &format!("/cases/{number}")).await.contains("暂按法定节假日计算"));
        assert!(!page(&app, &officer, "/supervision").await.contains("schedule-warning"));
    }
}
