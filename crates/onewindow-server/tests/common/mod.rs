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
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let (store, _) = fresh_store(backend).await;
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    assert!(
        onewindow_server::demo::seed(&store, PASSWORD, now)
            .await
            .unwrap()
    );
    let state = AppState::new(store.clone(), Clock::System, Settings::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(onewindow_server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base,
        store,
        backend,
        http,
        _shutdown: tx,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "log in as {username}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The first item the public search returns for `q`.
    pub async fn first_item(&self, q: &str) -> Value {
        let (status, body) = self
            .get_json(&format!("/api/v1/items?q={}", urlencoding::encode(q)))
            .await;
        assert_eq!(status, 200);
        body["items"][0].clone()
    }
}

/// Asserts a problem document: status, content type, Chinese and English text, instance.
pub async fn assert_problem(r: reqwest::Response, status: u16, kind: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let path = r.url().path().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], format!("/problems/{kind}"), "{body}");
    assert_eq!(body["status"], status);
    for f in ["title", "detail", "title_en", "detail_en"] {
        assert!(
            body[f].as_str().is_some_and(|s| !s.is_empty()),
            "{f} missing in {body}"
        );
    }
    assert_eq!(body["instance"], path);
    body
}
