//! `onewindow bench cases`: full case lifecycles through the store and over HTTP with
//! concurrent clients, per-transition latencies, reads, and list queries at scale.

use crate::bench::{Scratch, open_store, p50_p99};
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use onewindow_core::calendar::Calendar;
use onewindow_core::case::{Applicant, ApplicantKind, Attachment, Channel, Command, DeliveryMethod, InspectionKind, Opinion, Outcome};
use onewindow_core::role::Role;
use onewindow_server::{AppState, Clock, Settings};
use onewindow_store::{Actor, CaseFilter, CommandContext, NewCase, NewMaterial, Store};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const PASSWORD: &str = "bench-password-2026";
const ITEM: &str = "林木采伐许可证核发";
const TRANSITIONS: [&str; 6] = ["submit", "accept", "task 1", "task 2", "decide", "deliver"];

type Timings = Arc<Mutex<BTreeMap<&'static str, Vec<Duration>>>>;

/// The store to run on, seeded with the demo; SQLite's scratch directory goes when the
/// returned guard is dropped.
pub(crate) async fn open(database_url: &Option<String>) -> anyhow::Result<(Store, Scratch)> {
    let (store, scratch) = open_store(database_url, "onewindow-bench-cases").await?;
    if store.user_count().await? > 0 {
        bail!("the benchmark needs an empty database");
    }
    onewindow_server::demo::seed(&store, PASSWORD, jiff::Timestamp::now()).await?;
    Ok((store, scratch))
}

fn bar(len: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    pb.set_style(ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what}")).expect("static template"));
    pb
}

fn report(label: &str, n: usize, elapsed: Duration, timings: &BTreeMap<&'static str, Vec<Duration>>) {
    println!(
        "{label}: {n} lifecycles in {:.2} s = {:.0} lifecycles/s ({:.0} transitions/s)",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        6.0 * n as f64 / elapsed.as_secs_f64()
    );
    let mut all = Vec::new();
    for t in TRANSITIONS {
        let mut v = timings.get(t).cloned().unwrap_or_default();
        v.sort();
        if !v.is_empty() {
            println!("  {t:<8} {}", p50_p99(&v));
        }
        all.extend(v);
    }
    all.sort();
    if !all.is_empty() {
        println!("  all      {}", p50_p99(&all));
    }
}

/// The servers of the HTTP part: how many, and their log filter.
pub(crate) struct Servers {
    /// 1: in this process; more: `onewindow serve` processes.
    pub count: usize,
    /// Log filter (`ONEWINDOW_LOG`) of the server processes.
    pub log: String,
}

/// How long a server process may take to say where it listens.
const SERVER_START_SECS_MAX: u64 = 60;

/// The servers the HTTP part runs against, and how to stop them.
struct HttpServers {
    /// Base URLs, one per server.
    bases: Vec<String>,
    in_process: Option<(tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>)>,
    processes: Processes,
}

/// Server processes, killed and reaped when dropped (also when the benchmark fails).
struct Processes(Vec<std::process::Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl HttpServers {
    async fn start(state: &AppState, servers: &Servers, database_url: &Option<String>) -> anyhow::Result<HttpServers> {
        if servers.count == 1 {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(onewindow_server::serve(listener, state.clone(), async move {
                let _ = stopped.await;
            }));
            return Ok(HttpServers { bases: vec![base], in_process: Some((stop, task)), processes: Processes(Vec::new()) });
        }
        // `run` refuses several processes on SQLite before it seeds anything.
        let url = database_url.as_ref().context("several server processes need PostgreSQL")?;
        let mut processes = Processes(Vec::with_capacity(servers.count));
        let mut bases = Vec::with_capacity(servers.count);
        for _ in 0..servers.count {
            let (child, base) = spawn_server(url.clone(), servers.log.clone()).await?;
            processes.0.push(child);
            bases.push(base);
        }
        println!("HTTP over {} server processes, each request to the next in turn", servers.count);
        Ok(HttpServers { bases, in_process: None, processes })
    }

    async fn stop(self) {
        if let Some((stop, task)) = self.in_process {
            let _ = stop.send(());
            let _ = task.await;
        }
        drop(self.processes);
    }
}

/// Starts `onewindow serve` on `url` (no demo, no supervision worker) on a free loopback port and
/// waits for the line that names it.
async fn spawn_server(url: String, log: String) -> anyhow::Result<(std::process::Child, String)> {
    use std::io::BufRead;
    let exe = std::env::current_exe().context("find the onewindow binary")?;
    let started = tokio::task::spawn_blocking(move || -> anyhow::Result<(std::process::Child, String)> {
        let mut child = std::process::Command::new(exe)
            .args(["serve", "--no-demo", "--listen", "127.0.0.1:0", "--supervision-every", "0", "--database-url", &url])
            .env("ONEWINDOW_LOG", &log)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("start a server process")?;
        let mut lines = std::io::BufReader::new(child.stdout.take().context("server stdout")?).lines();
        let base = loop {
            let Some(line) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the server process ended before it listened");
            };
            if let Some(rest) = line?.strip_prefix("onewindow is serving on ") {
                break rest.split_whitespace().next().unwrap_or_default().to_string();
            }
        };
        // Whatever it prints later is read and dropped, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok((child, base))
    });
    tokio::time::timeout(Duration::from_secs(SERVER_START_SECS_MAX), started)
        .await
        .context("a server process did not start listening in time")??
}

/// The servers of the HTTP part, taken in turn by every request of every client.
struct Next {
    bases: Arc<Vec<String>>,
    turn: Arc<AtomicUsize>,
}

impl Next {
    fn base(&self) -> &str {
        &self.bases[self.turn.fetch_add(1, Ordering::Relaxed) % self.bases.len()]
    }
}

/// Runs `lifecycles` lifecycles spread over `clients` concurrent tasks under a progress bar;
/// returns the wall time they took.
async fn fan_out<F, Fut>(clients: usize, lifecycles: usize, what: &str, lifecycle: F) -> anyhow::Result<Duration>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let lifecycle = Arc::new(lifecycle);
    let pb = bar(lifecycles, what);
    let start = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let (lifecycle, pb) = (lifecycle.clone(), pb.clone());
        let n = lifecycles / clients + usize::from(c < lifecycles % clients);
        handles.push(tokio::spawn(async move {
            for _ in 0..n {
                lifecycle().await?;
                pb.inc(1);
            }
            anyhow::Ok(())
        }));
    }
    for h in handles {
        h.await??;
    }
    let elapsed = start.elapsed();
    pb.finish_and_clear();
    Ok(elapsed)
}

pub(crate) async fn run(
    lifecycles: usize,
    clients: usize,
    fill: i64,
    servers: Servers,
    database_url: Option<String>,
) -> anyhow::Result<std::process::ExitCode> {
    if servers.count > 1 && database_url.is_none() {
        bail!("--servers {} needs a PostgreSQL database (--database-url): SQLite serves one process", servers.count);
    }
    let (store, _scratch) = open(&database_url).await?;
    println!("case lifecycle benchmark: {lifecycles} lifecycles, {clients} clients, {} database (durable commits)", store.backend().name());
    let state = AppState::new(store.clone(), Clock::System, Settings::default());
    let snap = state.catalogue.get(&store).await?;
    let item = snap.items.iter().find(|i| i.spec.name == ITEM).context("demo item missing")?.clone();
    let users = store.users().await?;
    let uid = |name: &str| users.iter().find(|u| u.username == name).map(|u| u.id).expect("demo user");
    // One set of materials, attached to every case.
    let mut materials = Vec::new();
    for m in item.spec.materials.iter().filter(|m| m.required) {
        let content = format!("%PDF-1.4 bench {}", m.name);
        let nm = NewMaterial {
            uploaded_by: uid("clerk"),
            kind: &m.kind,
            file_name: "bench.pdf",
            content_type: "application/pdf",
            content: content.as_bytes(),
        };
        let stored = store.store_material(&nm, jiff::Timestamp::now()).await?;
        materials.push(Attachment { requirement: m.name.clone(), material_id: stored.id });
    }

    // 1. Through the store, as the server's handlers call it.
    let timings: Timings = Arc::default();
    let calendar = Arc::new(Calendar::china());
    let ids = [uid("clerk"), uid("reviewer"), uid("leader")];
    let elapsed = fan_out(clients, lifecycles, "lifecycles (store)", {
        let (store, item, materials, timings, calendar) =
            (store.clone(), Arc::new(item.clone()), Arc::new(materials.clone()), timings.clone(), calendar.clone());
        move || {
            let (store, item, materials, timings, calendar) =
                (store.clone(), item.clone(), materials.clone(), timings.clone(), calendar.clone());
            async move { store_lifecycle(&store, &item, &materials, &timings, &calendar, ids).await }
        }
    })
    .await?;
    report("store", lifecycles, elapsed, &*timings.lock().await);

    // 2. Over HTTP, against the real server on a loopback port (or several, as processes).
    let servers = HttpServers::start(&state, &servers, &database_url).await?;
    let bases = Arc::new(servers.bases.clone());
    let base = bases[0].clone();
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients * 2).build()?;
    let mut tokens = BTreeMap::new();
    for u in ["clerk", "reviewer", "leader"] {
        let r: serde_json::Value = http
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": u, "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        tokens.insert(u, r["token"].as_str().context("log-in")?.to_string());
    }
    let tokens = Arc::new(tokens);
    let materials_json: Vec<serde_json::Value> =
        materials.iter().map(|m| serde_json::json!({"requirement": m.requirement, "material_id": m.material_id})).collect();
    let timings: Timings = Arc::default();
    let reads: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let submit = Arc::new(
        serde_json::json!({"item_code": item.spec.code, "applicant": {"kind": "person", "name": "基准测试", "id_number": "11010519491231002X", "address": "示范大道1号"}, "materials": materials_json}),
    );
    let next = Arc::new(Next { bases: bases.clone(), turn: Arc::new(AtomicUsize::new(0)) });
    let elapsed = fan_out(clients, lifecycles, "lifecycles (HTTP)", {
        let (http, tokens, timings, reads) = (http.clone(), tokens.clone(), timings.clone(), reads.clone());
        move || {
            let (http, next, tokens, submit, timings, reads) =
                (http.clone(), next.clone(), tokens.clone(), submit.clone(), timings.clone(), reads.clone());
            async move { http_lifecycle(&http, &next, &tokens, &submit, &timings, &reads).await }
        }
    })
    .await?;
    report("HTTP", lifecycles, elapsed, &*timings.lock().await);
    let mut r = reads.lock().await.clone();
    r.sort();
    if !r.is_empty() {
        println!("  GET /api/v1/cases/{{number}} under load: {}", p50_p99(&r));
    }
    read_alone(&store, &http, &base, &tokens["clerk"]).await?;

    if fill > 0 {
        lists(&store, &http, &base, &tokens["clerk"], fill).await?;
    }
    servers.stop().await;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The case page read by one client on an otherwise idle server: what a read costs, apart from
/// the wait for a CPU that the same read meets under load.
async fn read_alone(store: &Store, http: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<()> {
    let numbers: Vec<String> = store.list_cases(&CaseFilter::default(), 200).await?.into_iter().map(|c| c.number).collect();
    let mut times = Vec::with_capacity(numbers.len() * 5);
    for _ in 0..5 {
        for number in &numbers {
            times.push(timed_get(http, format!("{base}/api/v1/cases/{number}"), token).await?.0);
        }
    }
    times.sort();
    if !times.is_empty() {
        println!("  GET /api/v1/cases/{{number}} alone:      {}", p50_p99(&times));
    }
    Ok(())
}

/// How long a GET takes, its whole body read; an error when it does not succeed.
/// A GET, timed: how long it took and the JSON it answered.
async fn timed_get(http: &reqwest::Client, url: String, token: &str) -> anyhow::Result<(Duration, serde_json::Value)> {
    let t = Instant::now();
    let r = http.get(&url).bearer_auth(token).send().await?;
    if !r.status().is_success() {
        bail!("GET {url}: {}", r.status());
    }
    let body = r.bytes().await?;
    let elapsed = t.elapsed();
    Ok((elapsed, serde_json::from_slice(&body)?))
}

async fn timed<T>(timings: &Timings, what: &'static str, f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let t = Instant::now();
    let out = f.await?;
    timings.lock().await.entry(what).or_default().push(t.elapsed());
    Ok(out)
}

async fn store_lifecycle(
    store: &Store,
    item: &onewindow_store::StoredItem,
    materials: &[Attachment],
    timings: &Timings,
    calendar: &Arc<Calendar>,
    ids: [i64; 3],
) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let today = now.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date();
    let applicant = Applicant::parse(ApplicantKind::Person, "基准测试", "11010519491231002X", "", "示范大道1号")?;
    let actor = |u: &str, r: &str| Actor { username: u.into(), role: r.into(), at: jiff::Timestamp::now() };
    let clerk = actor("clerk", "clerk");
    let form = serde_json::json!({});
    let code = format!("B{:05}", rand::random::<u32>() % 100_000);
    let new = NewCase {
        item: &item.spec,
        item_version: item.version,
        applicant: &applicant,
        applicant_user_id: None,
        channel: Channel::Window,
        agent: "",
        service_point_id: Some(1),
        first_clerk: "clerk",
        form: &form,
        materials,
        idempotency_key: None,
        query_code: &code,
        region_code: "619901",
        today,
        any_material: true,
    };
    let number = timed(timings, "submit", async { Ok(store.submit_case(&new, &clerk).await?.number) }).await?;
    let run = |who: (&'static str, Role, i64), command: Command, what: &'static str| {
        let number = number.clone();
        async move {
            let a = actor(who.0, who.1.code());
            let cx = CommandContext { actor: &a, role: who.1, user_id: who.2, department: Some("spj"), today, calendar: calendar.clone() };
            timed(timings, what, async { Ok(store.run_command(&number, &command, &cx).await?) }).await
        }
    };
    run(("clerk", Role::Clerk, ids[0]), Command::Accept { comment: String::new() }, "accept").await?;
    for what in ["task 1", "task 2"] {
        if what == "task 2" {
            // The item's second step is 现场核查: it passes only on an inspection on record.
            let order = Command::OrderInspection { kind: InspectionKind::Independent, departments: vec![], note: "核查现场".into() };
            run(("reviewer", Role::Reviewer, ids[1]), order, "order inspection").await?;
            let inspection = store.case_inspections(&number).await?.into_iter().find(|i| i.state == "open").context("open inspection")?;
            let record =
                Command::CompleteInspection {
                    inspection_id: inspection.id, findings: "现场符合条件".into(), passed: true, photos: vec![]
                };
            run(("reviewer", Role::Reviewer, ids[1]), record, "record inspection").await?;
        }
        let task = store.case_tasks(&number).await?.into_iter().find(|t| t.state == "open").context("open task")?;
        run(
            ("reviewer", Role::Reviewer, ids[1]),
            Command::CompleteTask { task_id: task.id, opinion: Opinion::Approve, comment: "符合条件".into() },
            what,
        )
        .await?;
    }
    run(
        ("leader", Role::Leader, ids[2]),
        Command::Decide { outcome: Outcome::Approved, reason: String::new(), legal_basis: String::new() },
        "decide",
    )
    .await?;
    run(
        ("clerk", Role::Clerk, ids[0]),
        Command::Deliver { method: DeliveryMethod::Window, courier: String::new(), tracking_number: String::new() },
        "deliver",
    )
    .await?;
    Ok(())
}

async fn post(http: &reqwest::Client, url: String, token: &str, body: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let r = http.post(&url).bearer_auth(token).json(body).send().await?;
    let status = r.status();
    let v: serde_json::Value = r.json().await?;
    if !status.is_success() {
        bail!("{url}: {status} {v}");
    }
    Ok(v)
}

async fn http_lifecycle(
    http: &reqwest::Client,
    servers: &Next,
    tokens: &BTreeMap<&str, String>,
    submit: &serde_json::Value,
    timings: &Timings,
    reads: &Arc<Mutex<Vec<Duration>>>,
) -> anyhow::Result<()> {
    let created = timed(timings, "submit", post(http, format!("{}/api/v1/cases", servers.base()), &tokens["clerk"], submit)).await?;
    let number = created["number"].as_str().context("number")?.to_string();
    let accepted = timed(
        timings,
        "accept",
        post(http, format!("{}/api/v1/cases/{number}/accept", servers.base()), &tokens["clerk"], &serde_json::json!({})),
    )
    .await?;
    let mut open = accepted["open_tasks"].clone();
    for what in ["task 1", "task 2"] {
        if what == "task 2" {
            // The item's second step is 现场核查: it passes only on an inspection on record.
            let base = servers.base();
            let order = serde_json::json!({"kind": "independent", "note": "核查现场"});
            timed(
                timings,
                "order inspection",
                post(http, format!("{base}/api/v1/cases/{number}/inspections"), &tokens["reviewer"], &order),
            )
            .await?;
            let (read, case) = timed_get(http, format!("{base}/api/v1/cases/{number}"), &tokens["clerk"]).await?;
            reads.lock().await.push(read);
            let id = case["inspections"].as_array().and_then(|i| i.iter().find(|i| i["state"] == "open")).context("open inspection")?["id"]
                .as_i64()
                .context("inspection id")?;
            let record = serde_json::json!({"findings": "现场符合条件", "passed": true});
            timed(
                timings,
                "record inspection",
                post(http, format!("{base}/api/v1/inspections/{id}/complete"), &tokens["reviewer"], &record),
            )
            .await?;
        }
        let id = open[0].as_i64().context("an open task")?;
        let done = timed(
            timings,
            what,
            post(
                http,
                format!("{}/api/v1/tasks/{id}/complete", servers.base()),
                &tokens["reviewer"],
                &serde_json::json!({"opinion": "approve", "comment": "符合条件"}),
            ),
        )
        .await?;
        open = done["open_tasks"].clone();
    }
    timed(
        timings,
        "decide",
        post(
            http,
            format!("{}/api/v1/cases/{number}/decide", servers.base()),
            &tokens["leader"],
            &serde_json::json!({"outcome": "approved"}),
        ),
    )
    .await?;
    timed(
        timings,
        "deliver",
        post(http, format!("{}/api/v1/cases/{number}/deliver", servers.base()), &tokens["clerk"], &serde_json::json!({"method": "window"})),
    )
    .await?;
    Ok(())
}

async fn lists(store: &Store, http: &reqwest::Client, base: &str, token: &str, fill: i64) -> anyhow::Result<()> {
    let t = Instant::now();
    store.fill_cases_for_benchmark(fill).await?;
    println!("generated {fill} cases in {:.1} s", t.elapsed().as_secs_f64());
    let queue = CaseFilter {
        state: Some(onewindow_core::case::CaseState::Submitted),
        service_point_id: Some(1),
        oldest_first: true,
        ..Default::default()
    };
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        store.list_cases(&queue, 50).await?;
        times.push(t.elapsed());
    }
    times.sort();
    println!("  window queue (store, 50 rows)          {}", p50_p99(&times));
    for (label, query) in [
        ("by state", "state=in_review"),
        ("by department + state", "department=wjj&state=approved"),
        ("by applicant", "applicant=%E7%94%B3%E8%AF%B7%E4%BA%BA123"),
        ("by item", "item=bench-item-42"),
        ("by date range", "from=2025-03-01&to=2025-03-07"),
        ("newest, no filter", ""),
        ("page 2 by cursor", "cursor=6199012025060102000"),
    ] {
        let mut times = Vec::new();
        for _ in 0..30 {
            times.push(timed_get(http, format!("{base}/api/v1/cases?{query}&limit=50"), token).await?.0);
        }
        times.sort();
        println!("  GET /api/v1/cases {label:<22} {}", p50_p99(&times));
    }
    Ok(())
}
