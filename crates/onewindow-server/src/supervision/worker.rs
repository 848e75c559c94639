//! The supervision worker: every few seconds, reload the calendar if an administrator changed
//! it, then let the store handle the alarms that are due. Several server processes may run it
//! on one PostgreSQL database; the store claims due cases with `SKIP LOCKED`.

use crate::state::AppState;
use onewindow_store::TickReport;

/// One pass: refresh the calendar, handle due alarms at the clock's "now".
pub async fn tick(state: &AppState) -> onewindow_store::Result<TickReport> {
    state.calendar.refresh(&state.store).await?;
    let report = state.store.supervision_tick(state.clock.now(), &state.calendar.get()).await?;
    if report.examined > 0 {
        tracing::info!(
            examined = report.examined,
            yellow = report.yellow,
            red = report.red,
            overdue = report.overdue,
            accountability = report.accountability,
            "Supervision tick handled {} due alarms",
            report.examined
        );
    }
    Ok(report)
}

/// Runs [`tick`] every `settings.supervision_every` until aborted (never when zero).
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    let every = state.settings.supervision_every;
    tokio::spawn(async move {
        if every.is_zero() {
            return;
        }
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(e) = tick(&state).await {
                tracing::error!(error = %e, "Supervision tick failed; retrying at the next one");
            }
        }
    })
}

/// Reloads the calendar and recomputes the due dates and alarms of every running case, after
/// an administrator changed the calendar; returns how many cases it updated.
pub async fn recompute(state: &AppState) -> onewindow_store::Result<u64> {
    state.calendar.refresh(&state.store).await?;
    let n = state.store.recompute_clocks(&state.calendar.get(), state.clock.today()).await?;
    tracing::info!(cases = n, "Recomputed the time limits of {n} running cases after a calendar change");
    Ok(n)
}
