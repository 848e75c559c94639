//! `onewindow bench …`: benchmarks that print figures. Never run by tests; their numbers go
//! into issue notes.

use crate::cli::BenchWhat;
use anyhow::Context;
use axum::body::Body;
use indicatif::{ProgressBar, ProgressStyle};
use onewindow_core::catalogue::{CatalogueFile, ItemSpec, parse_json};
use onewindow_server::{AppState, Clock, Settings};
use onewindow_store::{Actor, Store};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const QUERIES: [&str; 8] = ["食品", "卫生许可", "林木采伐", "营业执照", "示范区市场监督管理局", "许可证核发", "0100", "民办学校设立"];
const VARIANTS: [&str; 10] =
    ["", "（新办）", "（变更）", "（延续）", "（注销）", "（补证）", "（迁移）", "（分支机构）", "（临时）", "（年度报告）"];
const SCOPES: [&str; 8] = ["", "城关街道", "东关镇", "高新区", "经开区", "农业园区", "文旅园区", "物流园区"];

/// Runs a benchmark; `server_log` is the log filter of the servers it starts.
pub async fn run(what: BenchWhat, server_log: &str) -> anyhow::Result<std::process::ExitCode> {
    match what {
        BenchWhat::Search { items, rounds, db } => search(items, rounds, db.database_url).await,
        BenchWhat::Cases { lifecycles, clients, fill, servers, db } => {
            let servers = crate::bench_cases::Servers { count: usize::from(servers), log: server_log.to_string() };
            crate::bench_cases::run(lifecycles, clients, fill, servers, db.database_url).await
        }
        BenchWhat::Supervision { open, due, db } => crate::bench_supervision::run(open, due, db.database_url).await,
    }
}

/// A catalogue of `n` items: the demo catalogue's items in named variants, with unique codes.
fn synthetic_catalogue(n: usize) -> anyhow::Result<CatalogueFile> {
    let demo = parse_json(onewindow_server::demo::CATALOGUE_JSON).map_err(|e| anyhow::anyhow!("demo catalogue: {e:?}"))?;
    let base: Vec<&ItemSpec> = demo.items.iter().collect();
    anyhow::ensure!(!base.is_empty(), "the demo catalogue is empty");
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        let mut item = base[i % base.len()].clone();
        let round = i / base.len();
        let variant = VARIANTS[round % VARIANTS.len()];
        let scope = SCOPES[(round / VARIANTS.len()) % SCOPES.len()];
        item.name = format!("{scope}{}{variant}", item.name);
        item.code = format!("{:02}{:010}", 1 + round / 1000, i);
        items.push(item);
    }
    Ok(CatalogueFile { departments: demo.departments, items, transfers: vec![], item_lines: vec![] })
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// A benchmark's own SQLite directory under the temporary directory, removed when the
/// benchmark ends (a case benchmark leaves ~50 MB).
pub(crate) struct Scratch(Option<std::path::PathBuf>);

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The store a benchmark runs on: PostgreSQL at `database_url`, or a new SQLite file in a
/// scratch directory named `name`.
pub(crate) async fn open_store(database_url: &Option<String>, name: &str) -> anyhow::Result<(Store, Scratch)> {
    Ok(match database_url {
        Some(url) => (Store::open_postgres(url).await.context("open PostgreSQL")?, Scratch(None)),
        None => {
            let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            let scratch = Scratch(Some(dir.clone()));
            (Store::open_sqlite(&dir.join("bench.db")).await.context("open SQLite")?, scratch)
        }
    })
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// "p50 … ms  p99 … ms" of sorted durations.
pub(crate) fn p50_p99(sorted: &[Duration]) -> String {
    format!("p50 {}  p99 {}", ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.99)))
}

async fn search(n: usize, rounds: usize, database_url: Option<String>) -> anyhow::Result<std::process::ExitCode> {
    let (store, _scratch) = open_store(&database_url, "onewindow-bench").await?;
    anyhow::ensure!(store.current_items().await?.is_empty(), "the benchmark needs an empty database");
    println!("catalogue search benchmark: {n} items, {rounds} requests per query, {} database", store.backend().name());

    let file = synthetic_catalogue(n)?;
    let (file, _) = file.check(&[]).map_err(|e| anyhow::anyhow!("synthetic catalogue invalid: {}", e[0]))?;
    let t = Instant::now();
    store.import_catalogue(&file, "benchmark", &Actor::system(jiff::Timestamp::now())).await?;
    println!("import of {n} items (one transaction):     {}", ms(t.elapsed()));

    let state = AppState::new(store.clone(), Clock::System, Settings::default());
    let app = onewindow_server::app(state.clone());
    let t = Instant::now();
    state.catalogue.get(&store).await?;
    println!("index build (load + bigram index):          {}", ms(t.elapsed()));

    let bar = ProgressBar::new((QUERIES.len() * rounds) as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} requests").expect("static template"));
    let mut all = Vec::new();
    let mut lines = Vec::new();
    for q in QUERIES {
        let uri = format!("/api/v1/items?q={}&limit=20", urlencode(q));
        let mut times = Vec::with_capacity(rounds);
        let mut total = 0u64;
        for _ in 0..rounds {
            let req = axum::http::Request::get(&uri).body(Body::empty())?;
            let t = Instant::now();
            let resp = app.clone().oneshot(req).await?;
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
            times.push(t.elapsed());
            let v: serde_json::Value = serde_json::from_slice(&body)?;
            total = v["total"].as_u64().unwrap_or(0);
            bar.inc(1);
        }
        times.sort();
        lines.push(format!(
            "  {q:<12} {total:>6} hits   p50 {}   p99 {}   max {}",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().expect("rounds > 0"))
        ));
        all.extend(times);
    }
    bar.finish_and_clear();
    all.sort();
    println!("GET /api/v1/items?q=… through the full router (generation check, search, JSON):");
    for l in lines {
        println!("{l}");
    }
    println!("  all queries  p50 {}   p99 {}", ms(percentile(&all, 0.5)), ms(percentile(&all, 0.99)));
    store.close().await;
    Ok(std::process::ExitCode::SUCCESS)
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
