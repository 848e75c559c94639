//! Crash safety, with the real binary on SQLite and PostgreSQL: concurrent submissions and
//! transitions against a running `onewindow serve`, SIGKILL mid-load, a restart on the same
//! database, then every request that was answered 2xx must be there with its whole event log,
//! nothing half-done may be visible, and `onewindow verify-audit` must pass.

use onewindow_store::Backend;
use onewindow_store::testing::{fresh_postgres_url, temp_dir};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_onewindow");
const PASSWORD: &str = "crash-test-password-2026";
/// An item with one review step (审查), decided by the leader, delivered at the window.
const ITEM: &str = "乡村兽医登记许可";
const PERSON: (&str, &str) = ("张三丰", "11010519491231002X");
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const WORKERS: usize = 12;
/// Load runs until this many answers were 2xx and at least `LOAD_MIN` plus up to `LOAD_JITTER_MS`
/// (random, so that runs kill at different points of the cases' paths) passed, or `LOAD_MAX`.
const KILL_AFTER_ACKS: usize = 80;
const LOAD_MIN: Duration = Duration::from_millis(1500);
const LOAD_JITTER_MS: u64 = 1500;
const LOAD_MAX: Duration = Duration::from_secs(20);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// The event log of a case that went the whole way.
const FULL_LOG: [&str; 6] = ["submit", "accept", "start_review", "complete_task", "approve", "deliver"];

// ---------------------------------------------------------------------------------------------
// The server process.

/// A running `onewindow serve`; killed (SIGKILL) when dropped, so that a failed assertion
/// leaves no process behind.
struct Server {
    child: Option<Child>,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Server {
    /// Starts the server on a free loopback port and waits until its health check answers.
    async fn start(db: &[String], logs: &std::path::Path, run: &str) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let log = logs.join(format!("server-{run}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = onewindow_store::testing::command_at_test_clock(BIN)
            .args(["serve", "--listen", &addr])
            .args(db)
            .env("ONEWINDOW_DEMO_PASSWORD", PASSWORD)
            .env("ONEWINDOW_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start onewindow serve");
        let mut server = Server { child: Some(child), base: format!("http://{addr}"), log };
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("onewindow serve exited ({status}) before answering:\n{}", server.log_text());
            }
            if let Ok(r) = http.get(format!("{}/api/v1/health", server.base)).send().await
                && r.status() == 200
            {
                let h: Value = r.json().await.unwrap();
                assert_eq!(h["status"], "ok", "{h}");
                return server;
            }
            assert!(started.elapsed() < START_TIMEOUT, "the server did not answer /api/v1/health in time:\n{}", server.log_text());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no chance to finish anything.
    fn kill_hard(&mut self) {
        let mut c = self.child.take().expect("running");
        c.kill().expect("SIGKILL the server"); // std: SIGKILL on Unix
        let status = c.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "the server died of SIGKILL: {status}");
    }

    /// SIGTERM, then wait (bounded) for the graceful shutdown.
    async fn stop(&mut self) {
        let mut c = self.child.take().expect("running");
        let ok = Command::new("kill").args(["-TERM", &c.id().to_string()]).status().unwrap().success();
        assert!(ok, "kill -TERM");
        let started = Instant::now();
        loop {
            if let Some(status) = c.try_wait().unwrap() {
                assert!(status.success(), "the server stopped with {status}:\n{}", self.log_text());
                return;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = c.kill();
                let _ = c.wait();
                panic!("the server did not stop within 60 s of SIGTERM:\n{}", self.log_text());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP.

#[derive(Debug)]
#[allow(dead_code)] // the fields are read through Debug, in failure messages
enum Fail {
    /// No answer: refused, reset, timed out.
    Transport(String),
    /// An answer that is not 2xx.
    Status(u16, String),
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(base: &str) -> Api {
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Api { http, base: base.to_string() }
    }

    async fn answer(r: Result<reqwest::Response, reqwest::Error>) -> Result<(u16, Value), Fail> {
        let r = r.map_err(|e| Fail::Transport(format!("{e:?}")))?;
        let status = r.status().as_u16();
        let text = r.text().await.map_err(|e| Fail::Transport(format!("reading the body: {e:?}")))?;
        if !(200..300).contains(&status) {
            return Err(Fail::Status(status, text));
        }
        let v = serde_json::from_str(&text).map_err(|e| Fail::Status(status, format!("not JSON ({e}): {text}")))?;
        Ok((status, v))
    }

    fn auth(rb: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
        if token.is_empty() { rb } else { rb.bearer_auth(token) }
    }

    async fn get(&self, token: &str, path: &str) -> Result<Value, Fail> {
        Ok(Self::answer(Self::auth(self.http.get(format!("{}{path}", self.base)), token).send().await).await?.1)
    }

    async fn post(&self, token: &str, path: &str, body: &Value) -> Result<(u16, Value), Fail> {
        Self::answer(Self::auth(self.http.post(format!("{}{path}", self.base)), token).json(body).send().await).await
    }

    async fn login(&self, user: &str) -> String {
        let (status, v) = self
            .post("", "/api/v1/session", &json!({"username": user, "password": PASSWORD}))
            .await
            .unwrap_or_else(|e| panic!("log in as {user}: {e:?}"));
        assert_eq!(status, 201, "log in as {user}");
        v["token"].as_str().unwrap().to_string()
    }
}

struct Tokens {
    applicant: String,
    clerk: String,
    reviewer: String,
    leader: String,
}

async fn tokens(api: &Api) -> Tokens {
    Tokens {
        applicant: api.login("applicant").await,
        clerk: api.login("clerk").await,
        reviewer: api.login("reviewer").await,
        leader: api.login("leader").await,
    }
}

// ---------------------------------------------------------------------------------------------
// The load.

/// A request of the case's path.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Submit,
    Accept,
    Complete(i64),
    Decide,
    Deliver,
}

impl Op {
    /// The events the request appends to the case's log, all or none.
    fn events(self) -> &'static [&'static str] {
        match self {
            Op::Submit => &["submit"],
            Op::Accept => &["accept", "start_review"],
            Op::Complete(_) => &["complete_task"],
            Op::Decide => &["approve"],
            Op::Deliver => &["deliver"],
        }
    }
}

/// What the client knows about one case: the requests answered 2xx, and the one that got no answer.
#[derive(Debug, Clone)]
struct Track {
    key: String,
    number: Option<String>,
    acked: Vec<Op>,
    in_flight: Option<Op>,
}

/// Shared by the workers.
struct Load {
    api: Api,
    t: Tokens,
    submit_body: Value,
    acked: AtomicUsize,
    killed: AtomicBool,
    /// Things that should not happen while the server is up: non-2xx answers, lost connections.
    anomalies: std::sync::Mutex<Vec<String>>,
}

impl Load {
    fn anomaly(&self, what: String) {
        self.anomalies.lock().unwrap().push(what);
    }

    /// Sends `op` for the case; `Ok` with the answer when 2xx.
    async fn send(&self, track: &mut Track, op: Op) -> Result<Value, Fail> {
        track.in_flight = Some(op);
        let r = match op {
            Op::Submit => {
                let r = self
                    .api
                    .http
                    .post(format!("{}/api/v1/cases", self.api.base))
                    .bearer_auth(&self.t.applicant)
                    .header("Idempotency-Key", &track.key)
                    .json(&self.submit_body)
                    .send()
                    .await;
                Api::answer(r).await
            }
            Op::Accept => {
                let n = track.number.as_deref().unwrap();
                self.api.post(&self.t.clerk, &format!("/api/v1/cases/{n}/accept"), &json!({"comment": "材料齐全"})).await
            }
            Op::Complete(id) => {
                self.api
                    .post(&self.t.reviewer, &format!("/api/v1/tasks/{id}/complete"), &json!({"opinion": "approve", "comment": "符合条件"}))
                    .await
            }
            Op::Decide => {
                let n = track.number.as_deref().unwrap();
                self.api
                    .post(&self.t.leader, &format!("/api/v1/cases/{n}/decide"), &json!({"outcome": "approved", "reason": "符合条件"}))
                    .await
            }
            Op::Deliver => {
                let n = track.number.as_deref().unwrap();
                self.api.post(&self.t.clerk, &format!("/api/v1/cases/{n}/deliver"), &json!({"method": "window"})).await
            }
        };
        match r {
            Ok((status, v)) => {
                if op == Op::Submit {
                    if status != 201 {
                        self.anomaly(format!("{}: first submission answered {status}, not 201: {v}", track.key));
                    }
                    track.number = Some(v["number"].as_str().expect("a case number").to_string());
                }
                track.acked.push(op);
                track.in_flight = None;
                self.acked.fetch_add(1, Ordering::SeqCst);
                Ok(v)
            }
            Err(e) => {
                if !self.killed.load(Ordering::SeqCst) {
                    self.anomaly(format!("{} {op:?} before the kill: {e:?}", track.number.as_deref().unwrap_or(&track.key)));
                }
                if let Fail::Status(..) = e {
                    // A definite answer: nothing was done.
                    track.in_flight = None;
                }
                Err(e)
            }
        }
    }

    /// Takes one case the whole way; stops at the first failure.
    async fn one_case(&self, track: &mut Track) -> Result<(), Fail> {
        self.send(track, Op::Submit).await?;
        let accepted = self.send(track, Op::Accept).await?;
        if accepted["state"] != "in_review" {
            self.anomaly(format!("accept answered {accepted}"));
        }
        let mut open = open_tasks(&accepted);
        let mut rounds = 0;
        while let Some(id) = open.first().copied() {
            rounds += 1;
            if rounds > 5 {
                self.anomaly(format!("{:?}: more than 5 review tasks", track.number));
                break;
            }
            open = open_tasks(&self.send(track, Op::Complete(id)).await?);
        }
        self.send(track, Op::Decide).await?;
        let delivered = self.send(track, Op::Deliver).await?;
        if delivered["state"] != "closed" {
            self.anomaly(format!("deliver answered {delivered}"));
        }
        Ok(())
    }
}

fn open_tasks(v: &Value) -> Vec<i64> {
    v["open_tasks"].as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default()
}

/// One worker: cases one after another until a request gets no answer (the kill).
async fn worker(load: Arc<Load>, w: usize, run: String) -> Vec<Track> {
    let mut tracks = Vec::new();
    for i in 0..10_000 {
        let mut track = Track { key: format!("crash-{run}-{w}-{i}"), number: None, acked: Vec::new(), in_flight: None };
        let result = load.one_case(&mut track).await;
        tracks.push(track);
        match result {
            Ok(()) => {}
            Err(Fail::Transport(_)) => break,
            // Recorded as an anomaly when the server was up; go on with the next case.
            Err(Fail::Status(..)) => {
                if load.killed.load(Ordering::SeqCst) {
                    break;
                }
            }
        }
        if load.killed.load(Ordering::SeqCst) {
            break;
        }
    }
    tracks
}

// ---------------------------------------------------------------------------------------------
// The checks.

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// A case and its log agree with each other, and the log is whole: consecutive, linked,
/// every transition complete. Returns the log's actions.
fn check_case(c: &Value, events: &[Value], required_materials: usize) -> Vec<String> {
    let n = s(&c["number"]);
    assert!(!events.is_empty(), "case {n} exists without events: {c}");
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"].as_i64(), Some(i as i64 + 1), "case {n}: events are not consecutive from 1: {events:?}");
        let prev = if i == 0 { GENESIS } else { s(&events[i - 1]["hash"]) };
        assert_eq!(s(&e["prev_hash"]), prev, "case {n}: event {} does not link to the one before", i + 1);
        assert_eq!(s(&e["hash"]).len(), 64, "case {n}: event {} has no hash", i + 1);
        let from = if i == 0 { "" } else { s(&events[i - 1]["to_state"]) };
        assert_eq!(s(&e["from_state"]), from, "case {n}: event {} starts from another state than the last ended", i + 1);
    }
    let actions: Vec<String> = events.iter().map(|e| s(&e["action"]).to_string()).collect();
    let has = |a: &str| actions.iter().any(|x| x == a);
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(actions[0], "submit", "case {n}");
    assert_eq!(c["last_event_seq"].as_i64(), Some(events.len() as i64), "case {n}: the case row and its log disagree");
    assert_eq!(s(&c["state"]), s(&events.last().unwrap()["to_state"]), "case {n}: the state is not where its log ends: {actions:?}");

    // Every transition whole: the accept with its start of review, the decision with its decider.
    assert_eq!(has("accept"), has("start_review"), "case {n}: half an acceptance: {actions:?}");
    assert_eq!(c["accepted_at"].is_string(), has("accept"), "case {n}: accepted_at vs log {actions:?}: {c}");
    if has("accept") {
        assert_eq!(c["accepted_by"], "clerk", "case {n}");
        assert!(c["due_date"].is_string(), "case {n}: accepted without a due date");
    }
    assert_eq!(has("approve"), c["decided_by"] == "leader", "case {n}: decided_by vs log {actions:?}: {c}");
    assert_eq!(has("approve"), c["outcome"] == "approved", "case {n}: outcome vs log {actions:?}: {c}");
    assert_eq!(has("approve"), c["decided_at"].is_string(), "case {n}: decided_at vs log {actions:?}");
    assert_eq!(has("deliver"), c["delivery_method"] == "window", "case {n}: delivery vs log {actions:?}: {c}");
    assert_eq!(c["state"] == "closed", c["closed_at"].is_string(), "case {n}: closed_at vs state");

    // Tasks: one review step opened by the acceptance, done exactly as often as the log says.
    let tasks = c["tasks"].as_array().unwrap();
    let done = tasks.iter().filter(|t| t["state"] == "done").count();
    let open = tasks.iter().filter(|t| t["state"] == "open").count();
    assert_eq!(tasks.len(), count("start_review"), "case {n}: tasks {tasks:?} vs log {actions:?}");
    assert_eq!(done, count("complete_task"), "case {n}: done tasks vs log {actions:?}: {tasks:?}");
    assert_eq!(open + done, tasks.len(), "case {n}: a task neither open nor done: {tasks:?}");
    for t in tasks.iter().filter(|t| t["state"] == "done") {
        assert_eq!(t["completed_by"], "reviewer", "case {n}: {t}");
        assert_eq!(t["opinion"], "approve", "case {n}: {t}");
    }
    // Materials were attached in the submission's transaction.
    assert_eq!(c["materials"].as_array().map(Vec::len), Some(required_materials), "case {n}: materials {}", c["materials"]);
    assert_eq!(c["missing"], json!([]), "case {n}");
    actions
}

/// The log of a case the client drove: everything answered 2xx, plus at most the whole of the
/// request that got no answer. Returns whether that request was done (committed, unanswered).
fn check_against_track(track: &Track, actions: &[String]) -> bool {
    let n = track.number.as_deref().unwrap();
    let acked: Vec<&str> = track.acked.iter().flat_map(|op| op.events().iter().copied()).collect();
    let with_in_flight: Vec<&str> =
        acked.iter().copied().chain(track.in_flight.map(|op| op.events().iter().copied()).into_iter().flatten()).collect();
    let got: Vec<&str> = actions.iter().map(String::as_str).collect();
    assert!(got == acked || got == with_in_flight, "case {n}: log {got:?}; acknowledged {acked:?}, in flight {:?}", track.in_flight);
    track.in_flight.is_some() && got == with_in_flight
}

/// Every case, newest first, page by page.
async fn all_cases(api: &Api, token: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=200&cursor={c}"),
            None => "/api/v1/cases?limit=200".to_string(),
        };
        let page = api.get(token, &path).await.unwrap_or_else(|e| panic!("list cases: {e:?}"));
        numbers.extend(page["cases"].as_array().unwrap().iter().map(|c| s(&c["number"]).to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return numbers,
        }
    }
    panic!("more than 1000 pages of cases");
}

async fn case_and_log(api: &Api, token: &str, number: &str) -> (Value, Vec<Value>) {
    let c = api.get(token, &format!("/api/v1/cases/{number}")).await.unwrap_or_else(|e| panic!("case {number} after the restart: {e:?}"));
    let events = api
        .get(token, &format!("/api/v1/cases/{number}/events"))
        .await
        .unwrap_or_else(|e| panic!("events of case {number} after the restart: {e:?}"));
    (c, events.as_array().unwrap().clone())
}

/// Takes a case from wherever it is to closed, on the restarted server.
async fn finish(api: &Api, t: &Tokens, number: &str) {
    for _ in 0..10 {
        let c = api.get(&t.clerk, &format!("/api/v1/cases/{number}")).await.unwrap();
        let r = match s(&c["state"]) {
            "closed" => return,
            "submitted" => api.post(&t.clerk, &format!("/api/v1/cases/{number}/accept"), &json!({})).await,
            "in_review" => {
                let open = c["tasks"].as_array().unwrap().iter().find(|t| t["state"] == "open").and_then(|t| t["id"].as_i64());
                match open {
                    Some(id) => {
                        api.post(
                            &t.reviewer,
                            &format!("/api/v1/tasks/{id}/complete"),
                            &json!({"opinion": "approve", "comment": "符合条件"}),
                        )
                        .await
                    }
                    None => api.post(&t.leader, &format!("/api/v1/cases/{number}/decide"), &json!({"outcome": "approved"})).await,
                }
            }
            "approved" => api.post(&t.clerk, &format!("/api/v1/cases/{number}/deliver"), &json!({"method": "window"})).await,
            other => panic!("case {number} in an unexpected state {other}"),
        };
        if let Err(e) = r {
            panic!("case {number} ({}) after the restart: {e:?}", c["state"]);
        }
    }
    panic!("case {number} not closed after 10 steps");
}

fn verify_audit(db: &[String]) -> String {
    let out = onewindow_store::testing::command_at_test_clock(BIN)
        .arg("verify-audit")
        .args(db)
        .env("ONEWINDOW_LOG", "warn")
        .output()
        .expect("run onewindow verify-audit");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "verify-audit failed: {stderr}{stdout}");
    assert!(stdout.contains("audit chain intact"), "{stdout}");
    stdout.trim().to_string()
}

// ---------------------------------------------------------------------------------------------
// The run.

async fn crash_and_recover(backend: Backend) {
    let logs = temp_dir("onewindow_crash");
    let db: Vec<String> = match backend {
        Backend::Sqlite => vec!["--data-dir".into(), logs.join("data").display().to_string()],
        Backend::Postgres => vec!["--database-url".into(), fresh_postgres_url().await],
    };
    let run = format!("{}-{}", backend.name(), std::process::id());
    let mut server = Server::start(&db, &logs, "1").await;
    let api = Api::new(&server.base);
    let t = tokens(&api).await;

    // The item and one PDF per required material, uploaded once and attached to every case.
    let found = api.get("", &format!("/api/v1/items?q={ITEM}")).await.unwrap();
    let code = s(&found["items"][0]["code"]).to_string();
    let item = api.get("", &format!("/api/v1/items/{code}")).await.unwrap();
    assert_eq!(item["name"], ITEM);
    let mut materials = Vec::new();
    for m in item["materials"].as_array().unwrap().iter().filter(|m| m["required"] == true) {
        let name = s(&m["name"]);
        let pdf = format!("%PDF-1.4\n% crash test: {name}\n%%EOF\n").into_bytes();
        let form = reqwest::multipart::Form::new()
            .text("kind", s(&m["kind"]).to_string())
            .part("file", reqwest::multipart::Part::bytes(pdf).file_name("scan.pdf"));
        let r = api.http.post(format!("{}/api/v1/materials", api.base)).bearer_auth(&t.applicant).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), 201, "upload {name}");
        let id = r.json::<Value>().await.unwrap()["id"].clone();
        materials.push(json!({"requirement": name, "material_id": id}));
    }
    let required = materials.len();
    assert!(required > 0);
    let submit_body = json!({
        "item_code": code,
        "applicant": {"kind": "person", "name": PERSON.0, "id_number": PERSON.1, "phone": "13800000000", "address": "示范区人民路1号"},
        "form": {},
        "materials": materials,
    });

    // The demo's own cases, made at the first start, are not part of the load.
    let demo_cases: HashSet<String> = all_cases(&api, &t.clerk).await.into_iter().collect();

    // Load, then SIGKILL while requests are in flight.
    let load = Arc::new(Load {
        api: api.clone(),
        t,
        submit_body: submit_body.clone(),
        acked: AtomicUsize::new(0),
        killed: AtomicBool::new(false),
        anomalies: std::sync::Mutex::new(Vec::new()),
    });
    let workers: Vec<_> = (0..WORKERS).map(|w| tokio::spawn(worker(load.clone(), w, run.clone()))).collect();
    let load_min = LOAD_MIN + Duration::from_millis(rand::random_range(0..=LOAD_JITTER_MS));
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let elapsed = started.elapsed();
        if (load.acked.load(Ordering::SeqCst) >= KILL_AFTER_ACKS && elapsed >= load_min) || elapsed >= LOAD_MAX {
            break;
        }
    }
    load.killed.store(true, Ordering::SeqCst);
    server.kill_hard();
    let load_time = started.elapsed();
    let mut tracks: Vec<Track> = Vec::new();
    for w in workers {
        tracks.extend(tokio::time::timeout(Duration::from_secs(120), w).await.expect("a worker hung after the kill").unwrap());
    }
    let anomalies = load.anomalies.lock().unwrap().clone();
    assert!(anomalies.is_empty(), "{backend:?}: while the server was up:\n{}\nserver log:\n{}", anomalies.join("\n"), server.log_text());
    let acked_submissions = tracks.iter().filter(|t| t.acked.contains(&Op::Submit)).count();
    let acked_transitions: usize = tracks.iter().map(|t| t.acked.iter().filter(|op| **op != Op::Submit).count()).sum();
    let in_flight = tracks.iter().filter(|t| t.in_flight.is_some()).count();
    assert!(acked_submissions > 0 && acked_transitions > 0, "{backend:?}: nothing was acknowledged before the kill");

    // Restart on the same database.
    let mut server = Server::start(&db, &logs, "2").await;
    let api = Api::new(&server.base);
    let t = tokens(&api).await;

    let listed = all_cases(&api, &t.clerk).await;
    let listed_set: HashSet<&str> = listed.iter().map(String::as_str).collect();
    assert_eq!(listed_set.len(), listed.len(), "{backend:?}: a case listed twice");
    let by_number: HashMap<&str, &Track> = tracks.iter().filter_map(|t| t.number.as_deref().map(|n| (n, t))).collect();

    // Every case there is whole; every acknowledged request is in it.
    let mut states: HashMap<String, usize> = HashMap::new();
    let mut done_unanswered = 0;
    for number in listed.iter().filter(|n| !demo_cases.contains(*n)) {
        let (c, events) = case_and_log(&api, &t.clerk, number).await;
        let actions = check_case(&c, &events, required);
        *states.entry(s(&c["state"]).to_string()).or_default() += 1;
        if let Some(track) = by_number.get(number.as_str()) {
            done_unanswered += usize::from(check_against_track(track, &actions));
        } else {
            assert_eq!(actions, ["submit"], "{backend:?}: case {number} nobody was told about went further than its submission");
        }
    }
    for track in &tracks {
        if let Some(n) = &track.number {
            assert!(
                listed_set.contains(n.as_str()),
                "{backend:?}: case {n} was acknowledged ({:?}) but is gone after the restart",
                track.acked
            );
        }
    }

    // The submissions that got no answer: a retry with the same key finds the committed case
    // (200) or makes it now (201); every unacknowledged case is one such submission.
    let unacked: HashSet<&str> =
        listed.iter().map(String::as_str).filter(|n| !by_number.contains_key(n) && !demo_cases.contains(*n)).collect();
    let mut found_by_retry = HashSet::new();
    let mut retried = Vec::new();
    for track in tracks.iter().filter(|t| t.in_flight == Some(Op::Submit)) {
        let r = api
            .http
            .post(format!("{}/api/v1/cases", api.base))
            .bearer_auth(&t.applicant)
            .header("Idempotency-Key", &track.key)
            .json(&submit_body)
            .send()
            .await;
        let (status, v) = Api::answer(r).await.unwrap_or_else(|e| panic!("retry of {}: {e:?}", track.key));
        let n = s(&v["number"]).to_string();
        match status {
            200 => {
                assert!(
                    unacked.contains(n.as_str()),
                    "{backend:?}: retry of {} found {n}, which was not an unanswered submission",
                    track.key
                );
                assert!(found_by_retry.insert(n.clone()), "{backend:?}: two keys found case {n}");
            }
            201 => assert!(!listed_set.contains(n.as_str()), "{backend:?}: a new case reused number {n}"),
            other => panic!("retry answered {other}"),
        }
        retried.push(n);
    }
    assert_eq!(
        found_by_retry.len(),
        unacked.len(),
        "{backend:?}: cases nobody was told about and no retry found: {:?}",
        unacked.iter().filter(|n| !found_by_retry.contains(**n)).collect::<Vec<_>>()
    );

    // The restarted server carries on: every case to the end, each log exactly the full path
    // (no request applied twice, none lost).
    let mut all: Vec<String> = listed.iter().filter(|n| !demo_cases.contains(*n)).cloned().collect();
    all.extend(retried.iter().filter(|n| !listed_set.contains(n.as_str())).cloned());
    let api2 = Arc::new(api.clone());
    let t2 = Arc::new(t);
    let mut jobs = tokio::task::JoinSet::new();
    for chunk in all.chunks(all.len().div_ceil(4).max(1)) {
        let (api2, t2, chunk) = (api2.clone(), t2.clone(), chunk.to_vec());
        jobs.spawn(async move {
            for n in chunk {
                finish(&api2, &t2, &n).await;
            }
        });
    }
    while let Some(j) = jobs.join_next().await {
        j.unwrap();
    }
    for number in &all {
        let (c, events) = case_and_log(&api, &t2.clerk, number).await;
        let actions = check_case(&c, &events, required);
        assert_eq!(actions, FULL_LOG, "{backend:?}: case {number} after finishing");
    }

    server.stop().await;
    let audit = verify_audit(&db);
    println!(
        "crash test {}: {:.1}s of load by {WORKERS} workers; acknowledged before SIGKILL: {acked_submissions} submissions, \
         {acked_transitions} transitions; {in_flight} requests unanswered ({done_unanswered} of them done, the rest not at all); after restart {} cases verified ({}), \
         {} unanswered submissions found by retry, {} made by retry; all {} finished; {audit}",
        backend.name(),
        load_time.as_secs_f64(),
        listed.len(),
        {
            let mut v: Vec<_> = states.iter().map(|(k, v)| format!("{k} {v}")).collect();
            v.sort();
            v.join(", ")
        },
        found_by_retry.len(),
        retried.len() - found_by_retry.len(),
        all.len(),
    );
    // Passed: the servers' logs (and the SQLite database) are not needed; a failure keeps them.
    let _ = std::fs::remove_dir_all(&logs);
}

onewindow_store::per_backend! {
    async fn sigkill_mid_load_loses_nothing_acknowledged_and_leaves_nothing_half_done(backend) {
        crash_and_recover(backend).await;
    }
}
