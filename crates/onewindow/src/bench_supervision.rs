//! `onewindow bench supervision`: the supervision worker's tick over a million running cases:
//! an empty tick (nothing due) and a tick with many alarms due.

use crate::bench::{ms, percentile};
use anyhow::Context;
use onewindow_core::calendar::Calendar;
use onewindow_core::case::clock::CaseClock;
use std::time::{Duration, Instant};

pub async fn run(open_cases: i64, due: i64, database_url: Option<String>) -> anyhow::Result<std::process::ExitCode> {
    let (store, _scratch) = crate::bench_cases::open(&database_url).await?;
    let calendar = Calendar::china();
    let state = onewindow_server::AppState::new(store.clone(), onewindow_server::Clock::System, onewindow_server::Settings::default());
    let snap = state.catalogue.get(&store).await?;
    let item = snap
        .items
        .iter()
        .find(|i| i.spec.promised_limit_days >= 10 && i.spec.mode != onewindow_core::catalogue::HandlingMode::Immediate)
        .context("demo item")?;
    // Accepted on 1 October 2026 with the item's promised limit: overdue by now.
    let accepted = jiff::civil::date(2026, 10, 9).to_datetime(jiff::civil::time(10, 0, 0, 0));
    let clock = CaseClock::start(&calendar, accepted, item.spec.promised_limit_days, item.spec.legal_limit_days)?;
    let now = jiff::Timestamp::now();
    let later = onewindow_store::to_micros(now) + 30 * 86_400_000_000;
    println!("supervision benchmark: {open_cases} running cases, {due} alarms due, {} database", store.backend().name());
    let t = Instant::now();
    store
        .fill_running_cases_for_benchmark(open_cases, &item.spec.code, i64::from(item.version), &serde_json::to_string(&clock)?, later)
        .await?;
    println!("  filled in {:.1} s", t.elapsed().as_secs_f64());

    // Nothing due: the probe of the alarm index is all the database work.
    let mut probes = Vec::new();
    let mut ticks = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        anyhow::ensure!(!store.alarms_due(now).await?, "nothing should be due");
        probes.push(t.elapsed());
        let t = Instant::now();
        let r = store.supervision_tick(now, &calendar).await?;
        ticks.push(t.elapsed());
        anyhow::ensure!(r.examined == 0, "nothing should be due");
    }
    probes.sort();
    ticks.sort();
    println!(
        "  empty tick: probe p50 {} p99 {}; whole tick p50 {} p99 {} (1000 ticks)",
        ms(percentile(&probes, 0.5)),
        ms(percentile(&probes, 0.99)),
        ms(percentile(&ticks, 0.5)),
        ms(percentile(&ticks, 0.99))
    );

    let n = store.make_alarms_due_for_benchmark(due, onewindow_store::to_micros(now) - 1).await?;
    let t = Instant::now();
    let r = store.supervision_tick(now, &calendar).await?;
    let took: Duration = t.elapsed();
    println!(
        "  tick with {n} alarms due: {:.2} s ({:.0} cases/s): {} examined, {} overdue warnings, {} accountability records",
        took.as_secs_f64(),
        r.examined as f64 / took.as_secs_f64(),
        r.examined,
        r.overdue,
        r.accountability
    );
    anyhow::ensure!(r.examined as i64 == due && r.accountability as i64 == due, "every due alarm handled once: {r:?}");
    let t = Instant::now();
    let again = store.supervision_tick(now, &calendar).await?;
    println!("  next tick: {} examined in {}", again.examined, ms(t.elapsed()));
    Ok(std::process::ExitCode::SUCCESS)
}
