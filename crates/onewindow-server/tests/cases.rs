//! Cases end to end over HTTP, on SQLite and PostgreSQL: every branch of acceptance,
//! examination, decision and delivery, the rules the core enforces, and the audit chain.

mod common;

use common::flow::*;
use common::{assert_problem, spawn_app, spawn_app_with_url, spawn_second};
use serde_json::{Value, json};

/// The text of a PDF, by poppler's pdftotext.
fn pdf_text(pdf: &[u8]) -> String {
    let path = onewindow_store::testing::temp_dir("onewindow_pdf").join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils) is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

onewindow_store::per_backend! {
    async fn apply_accept_examine_decide_deliver_track(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "林木采伐许可证核发").await;
        let sub = submit(&app, &a.applicant, &item, &[], json!({"purpose": "自留山采伐"})).await;
        let number = sub["number"].as_str().unwrap().to_string();
        assert_eq!(number.len(), 19);
        assert!(sub["missing"].as_array().unwrap().is_empty());

        // The window's queue lists it; the clerk accepts.
        let (_, queue) = {
            let r = app.http.get(app.url("/api/v1/cases?state=submitted")).bearer_auth(&a.clerk).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        };
        assert!(queue["cases"].as_array().unwrap().iter().any(|c| c["number"] == number.as_str()));
        let accepted = ok(&app, &a.clerk, &number, "accept", json!({"comment": "材料齐全"})).await;
        assert_eq!(accepted["state"], "in_review");
        assert!(accepted["due_date"].as_str().is_some());
        // Applied online, it had no first responsible until the clerk handled it (首问负责).
        assert_eq!(case(&app, &a.clerk, &number).await["first_clerk"], "clerk");
        // The receipt lists what came in.
        let r = app.http.get(app.url(&format!("/api/v1/cases/{number}/documents/intake-receipt.pdf"))).bearer_auth(&a.clerk).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let text = pdf_text(&r.bytes().await.unwrap());
        for needle in ["收件凭证", "林木采伐申请表", "电子件", "不表示申请已被受理"] {
            assert!(text.contains(needle), "{needle} missing from the receipt: {text}");
        }

        // Two review steps (审查, 现场核查), then the leader decides.
        let r = act(&app, &a.leader, &number, "decide", json!({"outcome": "approved"})).await;
        assert_problem(r, 409, "conflict").await;
        assert_eq!(complete_open_tasks(&app, &a.reviewer, &number).await, 2);
        let decided = ok(&app, &a.leader, &number, "decide", json!({"outcome": "approved", "reason": "符合条件"})).await;
        assert_eq!(decided["state"], "approved");
        // The acceptance notice is a real PDF with the case number, the item and the query code.
        let r = app
            .http
            .get(app.url(&format!("/api/v1/cases/{number}/documents/acceptance-notice.pdf")))
            .bearer_auth(&a.clerk)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let text = pdf_text(&pdf);
        for needle in ["受理通知书", number.as_str(), "林木采伐许可证核发", sub["query_code"].as_str().unwrap()] {
            assert!(text.contains(needle), "{needle} missing from the notice: {text}");
        }
        let r = app
            .http
            .get(app.url(&format!("/api/v1/cases/{number}/documents/refusal-decision.pdf")))
            .bearer_auth(&a.clerk)
            .send()
            .await
            .unwrap();
        assert_problem(r, 404, "not-found").await;
        let closed = ok(&app, &a.clerk, &number, "deliver", json!({"method": "window"})).await;
        assert_eq!(closed["state"], "closed");

        // Tracking shows the whole path to anyone with the number and code, masked.
        let (status, t) = app.get_json(&format!("/api/v1/track?number={number}&code={}", sub["query_code"].as_str().unwrap())).await;
        assert_eq!(status, 200);
        assert_eq!(t["state"], "closed");
        assert_eq!(t["applicant"], "张*丰");
        assert!(!t.to_string().contains(PERSON.1), "no identity number in public tracking");
        let labels: Vec<&str> = t["steps"].as_array().unwrap().iter().map(|s| s["label"].as_str().unwrap()).collect();
        assert_eq!(labels.first(), Some(&"提交申请"));
        assert!(labels.contains(&"受理") && labels.contains(&"准予许可") && labels.contains(&"送达"), "{labels:?}");
        // Every step has ended; the one that closed the case takes no further time.
        let steps = t["steps"].as_array().unwrap();
        assert!(steps.iter().all(|s| s["ended_at"].is_string()), "{steps:?}");
        let last = steps.last().unwrap();
        assert_eq!((last["label"].as_str(), last["ended_at"].as_str()), (Some("送达"), last["started_at"].as_str()));
        assert!(last["expected_days"].is_null(), "{last}");
        assert_eq!(steps[1]["label"], "受理");
        assert!(steps[1]["expected_days"].as_u64().is_some(), "a step of the item's guide shows its expected days: {}", steps[1]);
        let (status, _) = app.get_json(&format!("/api/v1/track?number={number}&code=ZZZZZZ")).await;
        assert_eq!(status, 404);

        // The log: who, role, when, action, item version; hash-chained; verified.
        let events: Value = app
            .http
            .get(app.url(&format!("/api/v1/cases/{number}/events")))
            .bearer_auth(&a.clerk)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = events.as_array().unwrap();
        assert_eq!(events[0]["action"], "submit");
        assert!(events.iter().all(|e| e["item_version"] == item["version"]));
        for w in events.windows(2) {
            assert_eq!(w[1]["prev_hash"], w[0]["hash"]);
        }
        assert_eq!(app.store.verify_case_chains().await.unwrap().first_broken, None);
        // Applicants do not read the internal log.
        let r = app.http.get(app.url(&format!("/api/v1/cases/{number}/events"))).bearer_auth(&a.applicant).send().await.unwrap();
        assert_problem(r, 403, "forbidden").await;
        // The applicant sees the case among theirs.
        let mine: Value = app.http.get(app.url("/api/v1/cases")).bearer_auth(&a.applicant).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["cases"].as_array().unwrap().len(), 1);
    }
}

onewindow_store::per_backend! {
    async fn retries_with_the_same_key_make_one_case_and_bad_ids_are_refused(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "乡村兽医登记许可").await;
        let body =
            json!({"item_code": item["code"], "applicant": {"kind": "person", "name": PERSON.0, "id_number": PERSON.1}, "materials": []});
        let send = |key: &'static str| {
            app.http.post(app.url("/api/v1/cases")).bearer_auth(&a.applicant).header("Idempotency-Key", key).json(&body).send()
        };
        let first = send("retry-1").await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let again = send("retry-1").await.unwrap();
        assert_eq!(again.status(), 200);
        let again: Value = again.json().await.unwrap();
        assert_eq!(first["number"], again["number"]);
        assert_eq!(first["missing"].as_array().unwrap().len(), 3, "missing materials are listed, not refused");
        let other = send("retry-2").await.unwrap();
        assert_eq!(other.status(), 201);

        let bad = json!({"item_code": item["code"], "applicant": {"kind": "person", "name": PERSON.0, "id_number": "110105194912310021"}});
        let r = app.http.post(app.url("/api/v1/cases")).bearer_auth(&a.applicant).json(&bad).send().await.unwrap();
        let p = assert_problem(r, 422, "validation").await;
        assert!(p["errors"][0]["message_zh"].as_str().unwrap().contains("校验位"), "{p}");
        let bad =
            json!({"item_code": item["code"], "applicant": {"kind": "organisation", "name": "某公司", "id_number": "91350100M000100Y44"}});
        let r = app.http.post(app.url("/api/v1/cases")).bearer_auth(&a.applicant).json(&bad).send().await.unwrap();
        assert_problem(r, 422, "validation").await;
        // Reviewers do not submit applications.
        let r = app.http.post(app.url("/api/v1/cases")).bearer_auth(&a.reviewer).json(&body).send().await.unwrap();
        assert_problem(r, 403, "forbidden").await;
    }
}

onewindow_store::per_backend! {
    async fn deficiency_acceptance_blocks_approval_until_supplied(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "乡村兽医登记许可").await;
        let required: Vec<String> = item["materials"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["required"] == true)
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect();
        let form =
            required.iter().find(|n| n.contains("申请表") || n.contains("申请书")).expect("the item has an application form").clone();
        let missing = required.iter().find(|n| **n != form).unwrap().clone();
        // The application form itself cannot be accepted as missing.
        let sub = submit(&app, &a.applicant, &item, &[&form], json!({})).await;
        let r = act(
            &app,
            &a.clerk,
            sub["number"].as_str().unwrap(),
            "accept-with-deficiency",
            json!({"missing": [{"material": form, "deadline_days": 2}]}),
        )
        .await;
        let p = assert_problem(r, 422, "validation").await;
        assert!(p["errors"][0]["message_zh"].as_str().unwrap().contains("不能容缺受理"), "{p}");
        let sub = submit(&app, &a.applicant, &item, &[&missing], json!({})).await;
        let number = sub["number"].as_str().unwrap();
        assert_eq!(sub["missing"], json!([missing]));
        let r = act(&app, &a.clerk, number, "accept", json!({})).await;
        let p = assert_problem(r, 422, "validation").await;
        assert!(p["errors"][0]["message_zh"].as_str().unwrap().contains(&missing));
        let v = ok(&app, &a.clerk, number, "accept-with-deficiency", json!({"missing": [{"material": missing, "deadline_days": 2}]})).await;
        assert_eq!(v["state"], "in_review");
        complete_open_tasks(&app, &a.reviewer, number).await;
        let r = act(&app, &a.leader, number, "decide", json!({"outcome": "approved"})).await;
        let p = assert_problem(r, 409, "conflict").await;
        assert!(p["detail"].as_str().unwrap().contains("容缺材料"), "{p}");
        let m = upload(&app, &a.applicant, &missing, "").await;
        ok(&app, &a.applicant, number, "resubmit", json!({"materials": [m]})).await;
        let c = case(&app, &a.clerk, number).await;
        assert_eq!(c["deficiencies"][0]["supplied"], true);
        assert!(c["documents"].as_array().unwrap().contains(&json!("deficiency-notice")));
        ok(&app, &a.leader, number, "decide", json!({"outcome": "approved"})).await;
    }
}

onewindow_store::per_backend! {
    async fn one_time_correction_then_resubmission_and_refusal(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "乡村兽医登记许可").await;
        let sub = submit(&app, &a.applicant, &item, &[], json!({})).await;
        let number = sub["number"].as_str().unwrap();
        let corrections = json!({"corrections": [{"material": "身份证明", "reason": "复印件不清晰，请提供清晰复印件"}], "reason": ""});
        assert_eq!(ok(&app, &a.clerk, number, "request-correction", corrections.clone()).await["state"], "correction_requested");
        // While waiting for the applicant nothing else happens.
        assert_problem(act(&app, &a.clerk, number, "accept", json!({})).await, 409, "conflict").await;
        ok(&app, &a.applicant, number, "resubmit", json!({"materials": []})).await;
        // A second notice must say why the first was not complete.
        let r = act(&app, &a.clerk, number, "request-correction", corrections).await;
        assert_problem(r, 422, "validation").await;
        let second = json!({"corrections": [{"material": "身份证明", "reason": "需原件核验"}], "reason": "首次告知遗漏了原件核验要求"});
        ok(&app, &a.clerk, number, "request-correction", second).await;
        let c = case(&app, &a.clerk, number).await;
        assert_eq!(c["correction_rounds"], 2);
        ok(&app, &a.applicant, number, "resubmit", json!({})).await;

        // Refusal needs reason and legal basis; afterwards every action is a 409 naming the state.
        assert_problem(act(&app, &a.clerk, number, "refuse", json!({"reason": "不属于本机关职权范围"})).await, 422, "validation").await;
        let refused = ok(
            &app,
            &a.clerk,
            number,
            "refuse",
            json!({"reason": "申请事项不属于本机关职权范围", "legal_basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项"}),
        )
        .await;
        assert_eq!(refused["state"], "refused");
        let p = assert_problem(act(&app, &a.clerk, number, "accept", json!({})).await, 409, "conflict").await;
        assert_eq!(p["errors"]["state"], "refused");
        assert_eq!(p["errors"]["action"], "accept");
        assert!(p["detail"].as_str().unwrap().contains("不予受理"));
        // The state answers before the input: what is wrong with these bodies no longer matters.
        for (token, action, body) in [
            (&a.clerk, "accept-with-deficiency", json!({"missing": []})),
            (&a.clerk, "request-correction", json!({"corrections": [], "reason": ""})),
            (&a.clerk, "refuse", json!({})),
            (&a.leader, "decide", json!({})),
            (&a.clerk, "deliver", json!({})),
        ] {
            let p = assert_problem(act(&app, token, number, action, body).await, 409, "conflict").await;
            assert_eq!(p["errors"]["state"], "refused", "{action}: {p}");
        }
        // And who may comes before both: a reviewer refusing is forbidden, not in conflict.
        assert_problem(act(&app, &a.reviewer, number, "refuse", json!({})).await, 403, "forbidden").await;
        let c = case(&app, &a.clerk, number).await;
        assert!(c["documents"].as_array().unwrap().contains(&json!("refusal-decision")));
    }
}

onewindow_store::per_backend! {
    async fn joint_opinions_inspection_and_denial(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "企业投资项目核准").await;
        let sub = submit(&app, &a.applicant, &item, &[], json!({})).await;
        let number = sub["number"].as_str().unwrap();
        ok(&app, &a.clerk, number, "accept", json!({})).await;

        // An inspection pauses examination until its findings are in.
        ok(&app, &a.reviewer, number, "inspections", json!({"kind": "joint", "departments": ["zrzyfj"], "note": "核查项目选址"})).await;
        let c = case(&app, &a.reviewer, number).await;
        assert_eq!(c["state"], "inspecting");
        let inspection = c["inspections"][0]["id"].as_i64().unwrap();
        let photo = upload(&app, &a.reviewer, "现场照片", "").await["material_id"].as_i64().unwrap();
        let r = app
            .http
            .post(app.url(&format!("/api/v1/inspections/{inspection}/complete")))
            .bearer_auth(&a.reviewer)
            .json(&json!({"findings": "选址与规划一致", "passed": true, "photos": [photo]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(case(&app, &a.reviewer, number).await["inspections"][0]["photos"], json!([photo]));

        // The review step, then parallel opinions of the two joint departments.
        let c = case(&app, &a.reviewer, number).await;
        let step = c["tasks"].as_array().unwrap().iter().find(|t| t["state"] == "open").unwrap()["id"].as_i64().unwrap();
        // An opinion without its text passes nothing, not even as 同意.
        let r = app
            .http
            .post(app.url(&format!("/api/v1/tasks/{step}/complete")))
            .bearer_auth(&a.reviewer)
            .json(&json!({"opinion": "approve", "comment": "  "}))
            .send()
            .await
            .unwrap();
        assert_problem(r, 422, "validation").await;
        assert_eq!(case(&app, &a.reviewer, number).await["state"], "in_review", "the empty opinion moved the case");
        app.http
            .post(app.url(&format!("/api/v1/tasks/{step}/complete")))
            .bearer_auth(&a.reviewer)
            .json(&json!({"opinion": "approve", "comment": "符合规划，同意"}))
            .send()
            .await
            .unwrap();
        let c = case(&app, &a.reviewer, number).await;
        assert_eq!(c["state"], "awaiting_opinions");
        let opinions: Vec<i64> =
            c["tasks"].as_array().unwrap().iter().filter(|t| t["kind"] == "opinion").map(|t| t["id"].as_i64().unwrap()).collect();
        assert_eq!(opinions.len(), 2);
        let inbox: Value =
            app.http.get(app.url("/api/v1/tasks?mine=true")).bearer_auth(&a.reviewer).send().await.unwrap().json().await.unwrap();
        assert!(inbox.as_array().unwrap().iter().any(|t| t["id"] == opinions[0]));
        let r = app
            .http
            .post(app.url(&format!("/api/v1/tasks/{}/complete", opinions[0])))
            .bearer_auth(&a.reviewer)
            .json(&json!({"opinion": "reject", "comment": ""}))
            .send()
            .await
            .unwrap();
        assert_problem(r, 422, "validation").await;
        app.http
            .post(app.url(&format!("/api/v1/tasks/{}/complete", opinions[0])))
            .bearer_auth(&a.reviewer)
            .json(&json!({"opinion": "reject", "comment": "占用基本农田"}))
            .send()
            .await
            .unwrap();
        assert_eq!(case(&app, &a.reviewer, number).await["state"], "awaiting_opinions", "one opinion still out");
        app.http
            .post(app.url(&format!("/api/v1/tasks/{}/complete", opinions[1])))
            .bearer_auth(&a.reviewer)
            .json(&json!({"opinion": "approve", "comment": "同意"}))
            .send()
            .await
            .unwrap();
        assert_eq!(case(&app, &a.reviewer, number).await["state"], "in_review");
        // The case page's one statement reads what the separate reads do.
        let page = app.store.case_page(number).await.unwrap().unwrap();
        let tasks = app.store.case_tasks(number).await.unwrap();
        assert_eq!(serde_json::to_value(&page.tasks).unwrap(), serde_json::to_value(&tasks).unwrap(), "{}", backend.name());
        let materials = app.store.case_materials(number).await.unwrap();
        assert_eq!(serde_json::to_value(&page.materials).unwrap(), serde_json::to_value(&materials).unwrap());
        let inspections = app.store.case_inspections(number).await.unwrap();
        assert_eq!(serde_json::to_value(&page.inspections).unwrap(), serde_json::to_value(&inspections).unwrap());
        assert_eq!(page.inspections[0].passed, Some(true));
        assert_eq!((page.tasks.len(), page.inspections[0].photos.len()), (3, 1));

        // Clerks and reviewers do not decide; a denial needs reasons and legal basis.
        assert_problem(act(&app, &a.clerk, number, "decide", json!({"outcome": "denied"})).await, 403, "forbidden").await;
        assert_problem(act(&app, &a.reviewer, number, "decide", json!({"outcome": "denied"})).await, 403, "forbidden").await;
        assert_problem(
            act(&app, &a.leader, number, "decide", json!({"outcome": "denied", "reason": "项目占用基本农田"})).await,
            422,
            "validation",
        )
        .await;
        let denied = ok(
            &app,
            &a.leader,
            number,
            "decide",
            json!({"outcome": "denied", "reason": "项目占用永久基本农田", "legal_basis": "《中华人民共和国土地管理法》第三十五条"}),
        )
        .await;
        assert_eq!(denied["state"], "denied");
        let c = case(&app, &a.clerk, number).await;
        assert!(c["documents"].as_array().unwrap().contains(&json!("denial-decision")));
        assert_eq!(c["decided_by"], "leader");

        // Express delivery books the local courier; the signature closes the case.
        let sent = ok(&app, &a.clerk, number, "deliver", json!({"method": "express"})).await;
        assert_eq!(sent["state"], "delivered");
        assert!(sent["tracking_number"].as_str().unwrap().starts_with("OW"));
        assert_eq!(ok(&app, &a.clerk, number, "confirm-receipt", json!({})).await["state"], "closed");
    }
}

#[tokio::test]
async fn filing_commitment_and_forwarding_items() {
    let app = spawn_app(onewindow_store::Backend::Sqlite).await;
    let a = actors(&app).await;
    let filing = item_named(&app, "演出场所经营单位备案").await;
    let n = submit(&app, &a.applicant, &filing, &[], json!({})).await["number"].as_str().unwrap().to_string();
    assert_eq!(ok(&app, &a.clerk, &n, "accept", json!({})).await["state"], "approved", "a filing is registered on acceptance");

    let commitment = item_named(&app, "粮食收购资格认定").await;
    let n = submit(&app, &a.applicant, &commitment, &[], json!({})).await["number"].as_str().unwrap().to_string();
    assert_problem(act(&app, &a.clerk, &n, "accept", json!({})).await, 422, "validation").await;
    let n = submit(&app, &a.applicant, &commitment, &[], json!({"commitment": true})).await["number"].as_str().unwrap().to_string();
    let v = ok(&app, &a.clerk, &n, "accept", json!({})).await;
    assert_eq!(v["state"], "approved");
    let c = case(&app, &a.clerk, &n).await;
    assert_eq!(c["tasks"][0]["kind"], "post_check", "a later check is scheduled");

    let forwarding = item_named(&app, "国家二级保护野生植物采集审批（林业类，初审）").await;
    let n = submit(&app, &a.applicant, &forwarding, &[], json!({})).await["number"].as_str().unwrap().to_string();
    ok(&app, &a.clerk, &n, "accept", json!({})).await;
    complete_open_tasks(&app, &a.reviewer, &n).await;
    assert_problem(act(&app, &a.leader, &n, "decide", json!({"outcome": "approved"})).await, 422, "validation").await;
    assert_eq!(
        ok(&app, &a.leader, &n, "forward", json!({"to": "示范市林业局", "reference": "示审转〔2026〕12号"})).await["state"],
        "forwarded"
    );
    assert_eq!(
        ok(&app, &a.reviewer, &n, "record-reply", json!({"outcome": "approved", "reference": "示市林复〔2026〕3号"})).await["state"],
        "approved"
    );
}

onewindow_store::per_backend! {
    async fn withdrawal_materials_reuse_and_privacy(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        // A second applicant account may not touch the first applicant's case.
        let admin = app.token("sysadmin").await;
        let r = app
            .http
            .post(app.url("/api/v1/users"))
            .bearer_auth(&admin)
            .json(&json!({"username": "citizen2", "display_name": "李四", "password": "citizen2-password", "roles": ["applicant"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let other = app.token_with("citizen2", "citizen2-password").await;

        let item = item_named(&app, "狩猎证核发").await;
        let sub = submit(&app, &a.applicant, &item, &[], json!({})).await;
        let number = sub["number"].as_str().unwrap();
        assert_problem(act(&app, &other, number, "withdraw", json!({"reason": "x"})).await, 403, "forbidden").await;
        let r = app.http.get(app.url(&format!("/api/v1/cases/{number}"))).bearer_auth(&other).send().await.unwrap();
        assert_problem(r, 403, "forbidden").await;
        ok(&app, &a.clerk, number, "accept", json!({})).await;

        // The id_card material was verified at acceptance: the next application that needs it reuses it.
        let second_item = item_named(&app, "乡村兽医登记许可").await;
        let sub2 = submit(&app, &a.applicant, &second_item, &["身份证明"], json!({})).await;
        let needs_id = second_item["materials"].as_array().unwrap().iter().any(|m| m["kind"] == "id_card" && m["name"] == "身份证明");
        let c = case(&app, &a.clerk, sub2["number"].as_str().unwrap()).await;
        if needs_id {
            let reused: Vec<&Value> = c["materials"].as_array().unwrap().iter().filter(|m| m["source"] == "reused").collect();
            assert_eq!(reused.len(), 1, "{c}");
            assert!(sub2["missing"].as_array().unwrap().is_empty(), "{sub2}");
        }

        // Withdrawal while open, with a reason; not after.
        assert_problem(act(&app, &a.applicant, number, "withdraw", json!({})).await, 422, "validation").await;
        assert_eq!(ok(&app, &a.applicant, number, "withdraw", json!({"reason": "暂不需要"})).await["state"], "withdrawn");
        assert_problem(act(&app, &a.applicant, number, "withdraw", json!({"reason": "again"})).await, 409, "conflict").await;
        let c = case(&app, &a.clerk, number).await;
        assert!(c["tasks"].as_array().unwrap().iter().all(|t| t["state"] != "open"), "a withdrawn case leaves no open task");

        // Uploads: refused types and empty files say why.
        let form = reqwest::multipart::Form::new()
            .text("kind", "")
            .part("file", reqwest::multipart::Part::bytes(b"MZ\x90\x00 not a document".to_vec()).file_name("virus.exe"));
        let r = app.http.post(app.url("/api/v1/materials")).bearer_auth(&a.applicant).multipart(form).send().await.unwrap();
        let p = assert_problem(r, 422, "validation").await;
        assert!(p["errors"][0]["message_zh"].as_str().unwrap().contains("PDF"));
    }
}

onewindow_store::per_backend! {
    /// Closing a case cancels what is still open — tasks and inspections — but not a later check
    /// that follows an approval on commitment (告知承诺).
    async fn closing_a_case_cancels_what_is_open_but_its_later_check(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "企业投资项目核准").await;
        let number = submit(&app, &a.applicant, &item, &[], json!({})).await["number"].as_str().unwrap().to_string();
        ok(&app, &a.clerk, &number, "accept", json!({})).await;
        ok(&app, &a.reviewer, &number, "inspections", json!({"kind": "independent", "departments": [], "note": "核查项目选址"})).await;
        let c = case(&app, &a.clerk, &number).await;
        assert_eq!((c["inspections"][0]["state"].as_str(), c["tasks"][0]["state"].as_str()), (Some("open"), Some("open")), "{c}");
        ok(&app, &a.applicant, &number, "withdraw", json!({"reason": "项目取消"})).await;
        let c = case(&app, &a.clerk, &number).await;
        assert_eq!(c["inspections"][0]["state"], "cancelled", "{backend:?}: {c}");
        assert!(c["tasks"].as_array().unwrap().iter().all(|t| t["state"] == "cancelled"), "{backend:?}: {c}");

        // A case closed with nothing open leaves its tasks as they were.
        let commitment = item_named(&app, "粮食收购资格认定").await;
        let number =
            submit(&app, &a.applicant, &commitment, &[], json!({"commitment": true})).await["number"].as_str().unwrap().to_string();
        assert_eq!(ok(&app, &a.clerk, &number, "accept", json!({})).await["state"], "approved");
        ok(&app, &a.clerk, &number, "deliver", json!({"method": "window"})).await;
        let c = case(&app, &a.clerk, &number).await;
        assert_eq!(c["state"], "closed", "{c}");
        assert_eq!(
            (c["tasks"][0]["kind"].as_str(), c["tasks"][0]["state"].as_str()),
            (Some("post_check"), Some("open")),
            "{backend:?}: {c}"
        );
    }
}

onewindow_store::per_backend! {
    async fn a_tampered_case_log_is_detected(backend) {
        let (app, url) = common::spawn_app_with_url(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "狩猎证核发").await;
        let number = submit(&app, &a.applicant, &item, &[], json!({})).await["number"].as_str().unwrap().to_string();
        ok(&app, &a.clerk, &number, "accept", json!({})).await;
        assert_eq!(app.store.verify_case_chains().await.unwrap().first_broken, None);
        common::tamper(backend, &url, &format!("UPDATE case_event SET reason = '篡改' WHERE case_number = '{number}' AND seq = 2")).await;
        let check = app.store.verify_case_chains().await.unwrap();
        assert_eq!(check.first_broken, Some((number.clone(), 2)), "{backend:?}");
    }
}

onewindow_store::per_backend! {
    /// Commands that arrive together share one commit on SQLite (group commit) and run side by side
    /// on PostgreSQL: each is answered on its own merits, a refused one leaves nothing behind, and
    /// the others are kept whole.
    async fn commands_arriving_together_are_kept_or_refused_each_on_its_own(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let item = item_named(&app, "林木采伐许可证核发").await;
        let mut numbers = Vec::new();
        for _ in 0..8 {
            let sub = submit(&app, &a.applicant, &item, &[], json!({})).await;
            numbers.push(sub["number"].as_str().unwrap().to_string());
        }
        // Every case at once: a legal acceptance, an illegal decision, and a command on a case
        // that does not exist.
        let mut sent = Vec::new();
        let mut posts = Vec::new();
        for (i, number) in numbers.iter().enumerate() {
            for (what, target, action, token) in [
                ("accept", number.clone(), "accept", a.clerk.clone()),
                ("decide", number.clone(), "decide", a.leader.clone()),
                ("unknown", format!("61990120261123{:05}", 90_000 + i), "accept", a.clerk.clone()),
            ] {
                posts.push((token, format!("/api/v1/cases/{target}/{action}"), json!({"outcome": "approved"}), None));
                sent.push((what, target));
            }
        }
        let mut answered = 0;
        for ((what, target), (status, _)) in sent.into_iter().zip(post_at_once(&app, posts).await) {
            let expected = match what {
                "accept" => 200,
                "decide" => 409,
                _ => 404,
            };
            // A decision may only land after its case's acceptance: then it is 403/409/422 by
            // the rules (not yet examined), never a success.
            if what == "decide" {
                assert!([403, 409, 422].contains(&status), "{what} {target}: {status} on {}", backend.name());
            } else {
                assert_eq!(status, expected, "{what} {target} on {}", backend.name());
            }
            answered += 1;
        }
        assert_eq!(answered, numbers.len() * 3);
        for number in &numbers {
            let (status, case) = app.get_json_as(&a.clerk, &format!("/api/v1/cases/{number}")).await;
            assert_eq!((status, &case["state"]), (200, &json!("in_review")), "{number}");
            let (status, events) = app.get_json_as(&a.clerk, &format!("/api/v1/cases/{number}/events")).await;
            assert_eq!(status, 200);
            let actions: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
            assert_eq!(actions.iter().filter(|a| **a == "accept").count(), 1, "{number}: {actions:?}");
            assert!(
                !actions.iter().any(|a| a.contains("decide") || a.contains("approve")),
                "{number}: nothing of a refused command is stored: {actions:?}"
            );
        }
        let check = app.store.verify_case_chains().await.unwrap();
        assert_eq!(check.first_broken, None);
    }
}

onewindow_store::per_backend! {
    async fn commands_on_one_case_at_once_apply_one_after_the_other(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;

        // Six clerks press "accept" on one application at the same moment: one acceptance.
        let item = item_named(&app, "林木采伐许可证核发").await;
        let number = submit(&app, &a.applicant, &item, &[], json!({})).await["number"].as_str().unwrap().to_string();
        let accepts = (0..6).map(|_| (a.clerk.clone(), format!("/api/v1/cases/{number}/accept"), json!({}), None)).collect();
        let mut statuses: Vec<u16> = post_at_once(&app, accepts).await.into_iter().map(|(status, _)| status).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409, 409, 409, 409, 409], "{}", backend.name());

        // Two departments give their joint opinions at the same moment: both are kept, and the
        // case moves on once, after the second.
        let item = item_named(&app, "企业投资项目核准").await;
        let number = submit(&app, &a.applicant, &item, &[], json!({})).await["number"].as_str().unwrap().to_string();
        ok(&app, &a.clerk, &number, "accept", json!({})).await;
        let c = case(&app, &a.reviewer, &number).await;
        let step = c["tasks"].as_array().unwrap().iter().find(|t| t["state"] == "open").unwrap()["id"].as_i64().unwrap();
        let r =
            app.http.post(app.url(&format!("/api/v1/tasks/{step}/complete"))).bearer_auth(&a.reviewer).json(&json!({"opinion": "approve", "comment": "符合条件"}));
        assert_eq!(r.send().await.unwrap().status(), 200);
        let c = case(&app, &a.reviewer, &number).await;
        assert_eq!(c["state"], "awaiting_opinions");
        let opinions: Vec<i64> =
            c["tasks"].as_array().unwrap().iter().filter(|t| t["kind"] == "opinion").map(|t| t["id"].as_i64().unwrap()).collect();
        assert_eq!(opinions.len(), 2);
        let given = opinions
            .iter()
            .map(|id| (a.reviewer.clone(), format!("/api/v1/tasks/{id}/complete"), json!({"opinion": "approve", "comment": "同意"}), None))
            .collect();
        for (status, body) in post_at_once(&app, given).await {
            assert_eq!(status, 200, "{body} on {}", backend.name());
        }
        let c = case(&app, &a.reviewer, &number).await;
        assert_eq!(c["state"], "in_review", "{}", backend.name());
        for id in &opinions {
            let task = c["tasks"].as_array().unwrap().iter().find(|t| t["id"] == *id).unwrap();
            assert_eq!((&task["state"], &task["opinion"]), (&json!("done"), &json!("approve")), "{task}");
        }
        let (_, events) = app.get_json_as(&a.clerk, &format!("/api/v1/cases/{number}/events")).await;
        let events = events.as_array().unwrap();
        let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "one chain without gaps or forks");
        let opinion_events = events
            .iter()
            .filter(|e| {
                e["detail"].to_string().contains(&opinions[0].to_string()) || e["detail"].to_string().contains(&opinions[1].to_string())
            })
            .count();
        assert!(opinion_events >= 2, "both opinions are in the log: {events:?}");

        // The same submission retried at once with one key: one case, every answer names it.
        let item = item_named(&app, "乡村兽医登记许可").await;
        let body =
            json!({"item_code": item["code"], "applicant": {"kind": "person", "name": PERSON.0, "id_number": PERSON.1}, "materials": []});
        let retries = (0..6).map(|_| (a.applicant.clone(), "/api/v1/cases".to_string(), body.clone(), Some("same-click"))).collect();
        let answers = post_at_once(&app, retries).await;
        let numbers: std::collections::BTreeSet<String> = answers.iter().map(|(_, v)| v["number"].as_str().unwrap().to_string()).collect();
        assert_eq!(numbers.len(), 1, "{answers:?} on {}", backend.name());
        assert_eq!(answers.iter().filter(|(s, _)| *s == 201).count(), 1, "{answers:?}");
        assert!(answers.iter().all(|(s, _)| [200, 201].contains(s)), "{answers:?}");

        let check = app.store.verify_case_chains().await.unwrap();
        assert_eq!(check.first_broken, None);
    }
}

/// POSTs a task's completion; the status and JSON body.
async fn complete_task(app: &common::TestApp, token: &str, task: i64, comment: &str) -> (u16, Value) {
    let r = app.http.post(app.url(&format!("/api/v1/tasks/{task}/complete"))).bearer_auth(token);
    let r = r.json(&json!({"opinion": "approve", "comment": comment})).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

onewindow_store::per_backend! {
    async fn a_case_moved_on_by_another_server_process_is_decided_on_what_that_left(backend) {
        let (one, url) = spawn_app_with_url(backend).await;
        let two = spawn_second(&one, &url).await;
        let a = actors(&one).await;
        let item = item_named(&one, "林木采伐许可证核发").await;
        // Server one takes the application and knows the case as it wrote it; server two
        // accepts it behind one's back.
        let number = submit(&one, &a.applicant, &item, &[], json!({})).await["number"].as_str().unwrap().to_string();
        let accepted = ok(&two, &a.clerk, &number, "accept", json!({})).await;
        let first = accepted["open_tasks"][0].as_i64().unwrap();

        // On one, the first review step: the case as one wrote it has no such task open; the
        // step is done all the same, on the case as two left it.
        let (status, done) = complete_task(&one, &a.reviewer, first, "符合条件").await;
        assert_eq!(status, 200, "{done} on {}", backend.name());
        let second = done["open_tasks"][0].as_i64().unwrap();

        // Two completes the second step; one, which wrote the case last, still has it open: its
        // write finds the case moved on, and the step is refused as done.
        common::flow::inspect(&two, &a.reviewer, &number).await;
        let (status, body) = complete_task(&two, &a.reviewer, second, "现场与平面图一致").await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = complete_task(&one, &a.reviewer, second, "现场与平面图一致").await;
        assert_eq!(status, 409, "{body} on {}", backend.name());
        assert!(body.to_string().contains("该任务不存在或已办结"), "refused as done, not as a lost race: {body}");

        // Whichever server a command reaches, it sees every earlier one.
        let r = act(&one, &a.clerk, &number, "accept", json!({})).await;
        assert_problem(r, 409, "conflict").await;
        ok(&one, &a.leader, &number, "decide", json!({"outcome": "approved", "reason": "符合条件"})).await;
        ok(&two, &a.clerk, &number, "deliver", json!({"method": "window"})).await;
        let r = act(&one, &a.clerk, &number, "deliver", json!({"method": "window"})).await;
        let body = assert_problem(r, 409, "conflict").await;
        assert!(!body.to_string().contains("已被他人修改"), "refused by the case's state, not as a lost race: {body}");

        let (_, events) = one.get_json_as(&a.clerk, &format!("/api/v1/cases/{number}/events")).await;
        let log: Vec<(i64, &str)> =
            events.as_array().unwrap().iter().map(|e| (e["seq"].as_i64().unwrap(), e["action"].as_str().unwrap())).collect();
        let actions: Vec<&str> = log.iter().map(|(_, a)| *a).collect();
        assert_eq!(
            actions,
            ["submit", "accept", "start_review", "complete_task", "order_inspection", "complete_inspection", "complete_task", "approve", "deliver"],
            "{}",
            backend.name()
        );
        assert!(log.iter().enumerate().all(|(i, (seq, _))| *seq == i as i64 + 1), "{log:?}");
        assert_eq!(one.store.verify_case_chains().await.unwrap().first_broken, None);
        two.store.close().await;
    }
}

onewindow_store::per_backend! {
    async fn only_a_leader_with_delegated_authority_decides(backend) {
        let app = spawn_app(backend).await;
        let a = actors(&app).await;
        let users = app.store.users().await.unwrap();
        let leader = users.iter().find(|u| u.username == "leader").unwrap();
        let at = app.state.clock.now();
        let deputy = onewindow_store::NewUser {
            username: "deputy".into(),
            display_name: "副局长".into(),
            password_hash: onewindow_server::web::auth::hash_password(common::PASSWORD),
            roles: vec![onewindow_core::role::Role::Leader],
            department_code: leader.department_code.clone(),
            service_point_id: None,
        };
        let deputy = app.store.create_user(&deputy, &onewindow_store::Actor::system(at)).await.unwrap();
        let deputy_token = app.token("deputy").await;

        // A case ready for decision, last written by this server (it decides on what it wrote).
        let item = item_named(&app, "林木采伐许可证核发").await;
        let number = submit(&app, &a.applicant, &item, &[], json!({})).await["number"].as_str().unwrap().to_string();
        ok(&app, &a.clerk, &number, "accept", json!({})).await;
        complete_open_tasks(&app, &a.reviewer, &number).await;
        let before = case(&app, &a.clerk, &number).await;

        // A leader without a delegation (授权书) is refused, and nothing is written.
        let decide = json!({"outcome": "approved", "reason": "符合条件"});
        let r = act(&app, &deputy_token, &number, "decide", decide.clone()).await;
        let body = assert_problem(r, 409, "conflict").await;
        assert!(body.to_string().contains("授权"), "{body} on {}", backend.name());
        let after = case(&app, &a.clerk, &number).await;
        assert_eq!((&after["state"], &after["last_event_seq"]), (&before["state"], &before["last_event_seq"]), "{}", backend.name());

        // Granted authority over the department from today, the same leader decides.
        let today = app.state.clock.today();
        let department = leader.department_code.as_deref();
        let actor = onewindow_store::Actor::system(at);
        app.store.grant_authority(deputy.id, department, "decide", "授权书〔2026〕1号", today, &actor).await.unwrap();
        let decided = ok(&app, &deputy_token, &number, "decide", decide).await;
        assert_eq!(decided["state"], "approved", "{}", backend.name());
    }
}

onewindow_store::per_backend! {
    /// An application is checked against the catalogue as it is now, whichever server process
    /// changed it: the case records the item's new version; a cancelled item is refused and
    /// nothing is written.
    async fn a_submission_follows_a_catalogue_change_made_by_another_server_process(backend) {
        let (one, url) = spawn_app_with_url(backend).await;
        let two = spawn_second(&one, &url).await;
        let a = actors(&one).await;
        let item = item_named(&one, "林木采伐许可证核发").await;
        let code = item["code"].as_str().unwrap().to_string();
        let version = item["version"].as_u64().unwrap();
        // Server one has its catalogue in memory now.
        let first = submit(&one, &a.applicant, &item, &[], json!({})).await;
        assert_eq!(case(&one, &a.clerk, first["number"].as_str().unwrap()).await["item_version"], version);

        // Server two publishes a new version of the item.
        let cataloguer = two.token("cataloguer").await;
        let (_, mut spec) = two.get_json(&format!("/api/v1/items/{code}")).await;
        spec["expected_version"] = json!(version);
        spec["change_note"] = json!("压缩承诺时限");
        spec["promised_limit_days"] = json!(spec["promised_limit_days"].as_u64().unwrap() - 1);
        let r = two.http.put(two.url(&format!("/api/v1/items/{code}"))).bearer_auth(&cataloguer).json(&spec).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

        // Server one records the next application under it.
        let second = submit(&one, &a.applicant, &item, &[], json!({})).await;
        assert_eq!(case(&one, &a.clerk, second["number"].as_str().unwrap()).await["item_version"], version + 1);

        // Server two cancels the item; server one refuses the next application and writes nothing.
        spec["expected_version"] = json!(version + 1);
        spec["change_note"] = json!("事项取消");
        spec["status"] = json!("cancelled");
        let r = two.http.put(two.url(&format!("/api/v1/items/{code}"))).bearer_auth(&cataloguer).json(&spec).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let before = one.get_json_as(&a.clerk, "/api/v1/cases?limit=100").await.1["cases"].as_array().unwrap().len();
        let body = json!({
            "item_code": code,
            "applicant": {"kind": "person", "name": PERSON.0, "id_number": PERSON.1},
            "form": {},
            "materials": [],
        });
        let r = one.http.post(one.url("/api/v1/cases")).bearer_auth(&a.applicant).json(&body).send().await.unwrap();
        let problem = assert_problem(r, 409, "conflict").await;
        assert!(problem["detail"].as_str().unwrap().contains("已取消"), "{problem}");
        let after = one.get_json_as(&a.clerk, "/api/v1/cases?limit=100").await.1["cases"].as_array().unwrap().len();
        assert_eq!(after, before, "nothing written for the refused application");
    }
}
