//! Who may use which route, walked from the router itself: every route of the application ×
//! every demo role (and no log-in). Wherever core's table says no, the route answers 401 (no
//! log-in), the log-in page, or 403 naming what the role may not do — before it reads the
//! body; wherever it says yes, the route does not refuse for the role. A route added without
//! an access rule fails to start (`Rules::add_openapi`), and the rules below are taken from
//! the same router that serves the requests, so no route can be left out.

mod common;

use common::spawn_app;
use onewindow_core::role::Role;
use onewindow_server::web::access::Access;
use onewindow_store::Backend;

/// A path template with its parameters filled by values that exist or harmlessly do not.
fn concrete(path: &str) -> String {
    path.replace("{number}", "20261123000000")
        .replace("{action}", "accept")
        .replace("{code}", "nosuchitem")
        .replace("{file}", "acceptance-notice.pdf")
        .replace("{username}", "nobody")
        .replace("{id}", "999999")
        .replace("{year}", "2027")
        .replace("{date}", "2027-01-01")
        .replace("{*path}", "app.css")
}

/// Whether a response is the access layer's refusal of `access` (for a reader who has no
/// session: 401 or the log-in page; otherwise 403 naming the permission).
async fn refused(r: reqwest::Response, access: Access, logged_in: bool) -> (bool, String) {
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = r.text().await.unwrap_or_default();
    let shown = format!("{status} {location} {}", body.chars().take(160).collect::<String>());
    if !logged_in {
        return (status == 401 || (status == 303 && location.starts_with("/login?next=")), shown);
    }
    let what = match access {
        Access::Needs(p) => p.what().0,
        _ => return (status == 401, shown),
    };
    (status == 403 && body.contains(what), shown)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_exactly_the_roles_the_table_refuses() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, _, rules) = onewindow_server::app::parts();
    let mut readers: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
    for role in Role::ALL {
        readers.push((Some(role), Some(app.token(role.code()).await)));
    }
    // Routes that end the session go last, so that the others still see every reader logged in.
    let mut all = rules.all();
    all.sort_by_key(|(m, p, _)| (p == "/api/v1/session" && m == "DELETE") || p == "/logout");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (method, path, access) in &all {
        for (role, token) in &readers {
            let url = app.url(&concrete(path));
            let mut request = app.http.request(method.clone(), &url).header("content-type", "application/json").body("{}");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let r = request.send().await.unwrap();
            let expected_refusal = !access.admits(role.map(|r| vec![r]).as_deref());
            let (was_refused, shown) = refused(r, *access, role.is_some()).await;
            if was_refused != expected_refusal {
                failures.push(format!("{method} {path} as {role:?}: table says {access:?}, got {shown}"));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 600, "walked {checked} route × reader pairs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_posting_a_malformed_item_is_refused_before_the_body_is_read() {
    let app = spawn_app(Backend::Sqlite).await;
    let clerk = app.token("clerk").await;
    let r = app
        .http
        .post(app.url("/api/v1/items"))
        .bearer_auth(&clerk)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let body = common::assert_problem(r, 403, "forbidden").await;
    assert!(body["detail"].as_str().unwrap().contains("维护事项目录"), "{body}");
    // A reviewer sending any body to the window's acceptance is refused for the role, too.
    let reviewer = app.token("reviewer").await;
    let r = app
        .http
        .post(app.url("/api/v1/cases/20261123000000/accept"))
        .bearer_auth(&reviewer)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    common::assert_problem(r, 403, "forbidden").await;
}

#[test]
fn every_api_operation_states_its_access_in_the_openapi_document() {
    let (_, doc, rules) = onewindow_server::app::parts();
    let value = serde_json::to_value(&doc).unwrap();
    let mut operations = 0;
    for (path, item) in value["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"].as_array().unwrap_or_else(|| panic!("{method} {path} has no security"));
            assert!(!security.is_empty(), "{method} {path}");
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            assert!(rules.get(&m, path).is_some(), "{method} {path} has no access rule");
            operations += 1;
        }
    }
    assert!(operations > 40, "{operations} operations");
}
