//! A running server for tests: a fresh database (SQLite file or a new PostgreSQL database),
//! the demo district loaded, listening on a random loopback port.

#![allow(dead_code)]

use onewindow_server::{AppState, Clock, Settings};
use onewindow_store::testing::fresh_store;
use onewindow_store::{Backend, Store};
use serde_json::Value;

pub const PASSWORD: &str = "test-password-2026";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub backend: Backend,
    /// A client without a cookie store (bearer tokens only).
    pub http: reqwest::Client,
    /// The server's state (its clock can be moved: tests never sleep).
    pub state: AppState,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with_url(backend).await.0
}

/// Monday 23 November 2026, 10:00 in Beijing: the time every test server starts at, so that
/// due dates do not depend on the day the tests run.
pub fn test_start() -> jiff::Timestamp {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

/// A running app and the path or URL of its database.
pub async fn spawn_app_with_url(backend: Backend) -> (TestApp, String) {
    spawn_app_at(backend, Clock::fixed(test_start())).await
}

/// A running app on `clock`, and the path or URL of its database. The supervision worker
/// does not run by itself: tests call `onewindow_server::supervision::tick`.
pub async fn spawn_app_at(backend: Backend, clock: Clock) -> (TestApp, String) {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt().with_env_filter("info").with_test_writer().try_init();
    }
    let (store, url) = fresh_store(backend).await;
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    assert!(onewindow_server::demo::seed(&store, PASSWORD, now).await.unwrap());
    (serve(store, backend, clock).await, url)
}

/// A second server process on the first one's database (`url`): its own connections and
/// caches, the same clock.
pub async fn spawn_second(first: &TestApp, url: &str) -> TestApp {
    serve(reopen(first.backend, url).await, first.backend, first.state.clock.clone()).await
}

/// The database at `url` (a SQLite path or a PostgreSQL URL) opened once more, with
/// connections of its own, the way a second server process opens it.
pub async fn reopen(backend: Backend, url: &str) -> Store {
    match backend {
        Backend::Sqlite => Store::open_sqlite(std::path::Path::new(url)).await.unwrap(),
        Backend::Postgres => Store::open_postgres(url).await.unwrap(),
    }
}

/// A server over `store` on a random loopback port.
async fn serve(store: Store, backend: Backend, clock: Clock) -> TestApp {
    // Sessions outlast the test clock's moves (weeks, in the supervision suite).
    let settings = Settings { supervision_every: std::time::Duration::ZERO, session_hours: 24 * 365, ..Settings::default() };
    let state = AppState::new(store.clone(), clock, settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(onewindow_server::serve(listener, state.clone(), async move {
        let _ = rx.await;
    }));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { base, store, backend, http, state, _shutdown: tx }
}

/// Runs SQL on the database behind the store's back, with the append-only triggers off, the
/// way someone with direct database access would tamper with it.
pub async fn tamper(backend: Backend, url: &str, sql: &str) {
    use sqlx::Connection;
    match backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
            let all = format!("DROP TRIGGER IF EXISTS case_event_no_update; DROP TRIGGER IF EXISTS audit_log_no_update; {sql}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(all)).execute(&mut c).await.unwrap();
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let all = format!("ALTER TABLE case_event DISABLE TRIGGER case_event_no_change; {sql}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(all)).execute(&mut c).await.unwrap();
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn token(&self, username: &str) -> String {
        self.token_with(username, PASSWORD).await
    }

    /// Logs in with a password and returns the bearer token.
    pub async fn token_with(&self, username: &str, password: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "log in as {username}");
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GET with a bearer token: status and JSON body.
    pub async fn get_json_as(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The first item the public search returns for `q`.
    pub async fn first_item(&self, q: &str) -> Value {
        let (status, body) = self.get_json(&format!("/api/v1/items?q={}", urlencoding::encode(q))).await;
        assert_eq!(status, 200);
        body["items"][0].clone()
    }
}

/// Asserts a problem document: status, content type, Chinese and English text, instance.
pub async fn assert_problem(r: reqwest::Response, status: u16, kind: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert_eq!(ct, "application/problem+json");
    let path = r.url().path().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], format!("/problems/{kind}"), "{body}");
    assert_eq!(body["status"], status);
    for f in ["title", "detail", "title_en", "detail_en"] {
        assert!(body[f].as_str().is_some_and(|s| !s.is_empty()), "{f} missing in {body}");
    }
    assert_eq!(body["instance"], path);
    body
}
pub mod flow;
