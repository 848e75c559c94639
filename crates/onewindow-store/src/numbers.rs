//! Case numbers on PostgreSQL, reserved in blocks.
//!
//! A number is region + date + the day's sequence. Taking the next one inside each submission's
//! transaction locks the day's `case_sequence` row until that transaction commits, so every
//! submission of the day waits for the one before it (figures in `docs/performance.md`).
//! Instead each server process reserves [`BLOCK`] numbers at a time in a
//! statement of its own, committed at once, and hands them out in order. Numbers stay unique, readable and sorted
//! by date; within a process they rise with time; a block left unused when a process stops,
//! or a number taken by a submission whose write then fails or meets a retry with the same
//! idempotency key committed in between (the earlier case is returned), leaves a gap. The
//! block is reserved on the submission's own connection. SQLite's single committer
//! has no such contention and takes each number in the submission's transaction.

use crate::Result;
use sqlx::PgConnection;
use std::collections::HashMap;

/// Numbers reserved per round trip.
pub(crate) const BLOCK: i64 = 20;

/// The unused rest of each (region, day) block of this process: next, last.
#[derive(Default)]
pub(crate) struct NumberBlocks(tokio::sync::Mutex<HashMap<(String, jiff::civil::Date), (i64, i64)>>);

impl NumberBlocks {
    /// The next sequence number of `region` on `day`; a new block is reserved on `conn` (the
    /// caller's, so that a submission never waits for a second connection of the pool).
    pub(crate) async fn next(&self, conn: &mut PgConnection, region: &str, day: jiff::civil::Date) -> Result<i64> {
        let mut blocks = self.0.lock().await;
        let key = (region.to_string(), day);
        if let Some((next, last)) = blocks.get_mut(&key)
            && *next <= *last
        {
            *next += 1;
            return Ok(*next - 1);
        }
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO case_sequence (region_code, day, last) VALUES ($1, $2, $3) \
             ON CONFLICT (region_code, day) DO UPDATE SET last = case_sequence.last + $3 RETURNING last",
        )
        .bind(region)
        .bind(day.to_string())
        .bind(BLOCK)
        .fetch_one(conn)
        .await?;
        blocks.retain(|(_, d), _| *d >= day);
        blocks.insert(key, (last - BLOCK + 2, last));
        Ok(last - BLOCK + 1)
    }
}
