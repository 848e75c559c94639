//! Bulk data for benchmarks: a million cases in one statement, so that list queries can be
//! measured at scale. Used by `onewindow bench cases --fill N` on a throwaway database only:
//! the generated cases have no event logs and would fail `verify-audit`.

use crate::{Backend, Result, Store};

const REGION: &str = "619901";

impl Store {
    /// Inserts `n` synthetic cases spread over 365 days of 2025, across five departments,
    /// two service points and the usual mix of states (1% waiting at the window).
    pub async fn fill_cases_for_benchmark(&self, n: i64) -> Result<()> {
        let date = match self.backend() {
            Backend::Sqlite => "date('2025-01-01', '+' || (i % 365) || ' days')",
            Backend::Postgres => "to_char(date '2025-01-01' + (i % 365)::int, 'YYYY-MM-DD')",
        };
        let text = |e: &str| match self.backend() {
            Backend::Sqlite => format!("CAST({e} AS TEXT)"),
            Backend::Postgres => format!("({e})::text"),
        };
        let seq = text("100000 + i / 365");
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO app_case (number, query_code, item_code, item_version, item_name, handling_department, applicant_kind, applicant_name, \
               applicant_id, channel, service_point_id, form, state, submitted_at, submitted_date, last_event_seq, last_event_hash, updated_at) \
             SELECT '{REGION}' || replace({date}, '-', '') || substr({seq}, 2), 'BENCH2', 'bench-item-' || {item}, 1, '基准测试事项' || {item}, \
               CASE i % 5 WHEN 0 THEN 'spj' WHEN 1 THEN 'scjgj' WHEN 2 THEN 'wjj' WHEN 3 THEN 'lyj' ELSE 'nyncj' END, 'person', \
               '申请人' || {name}, 'BENCH' || {name}, 'online', 1 + i % 2, '{{}}', \
               CASE WHEN i % 100 = 0 THEN 'submitted' WHEN i % 100 < 6 THEN 'in_review' WHEN i % 100 < 8 THEN 'approved' ELSE 'closed' END, \
               1735689600000000 + (i % 365) * 86400000000 + i, {date}, 1, '', 1735689600000000 \
             FROM n",
            item = text("i % 200"),
            name = text("i % 50000"),
        );
        with_writer!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(n).execute(pool).await?;
            if self.backend() == Backend::Postgres {
                sqlx::raw_sql("ANALYZE app_case").execute(pool).await?;
            } else {
                sqlx::raw_sql("ANALYZE").execute(pool).await?;
            }
        });
        Ok(())
    }
}

impl Store {
    /// Inserts `n` synthetic running cases of one real item version, each with `clock` (JSON of
    /// a `CaseClock`) and its next alarm at `alarm_at` (microseconds), for the supervision
    /// benchmark. Throwaway databases only (no event logs).
    pub async fn fill_running_cases_for_benchmark(
        &self,
        n: i64,
        item_code: &str,
        item_version: i64,
        clock: &str,
        alarm_at: i64,
    ) -> Result<()> {
        let date = match self.backend() {
            Backend::Sqlite => "date('2026-10-01', '+' || (i % 28) || ' days')",
            Backend::Postgres => "to_char(date '2026-10-01' + (i % 28)::int, 'YYYY-MM-DD')",
        };
        let text = |e: &str| match self.backend() {
            Backend::Sqlite => format!("CAST({e} AS TEXT)"),
            Backend::Postgres => format!("({e})::text"),
        };
        let seq = text("100000 + i / 28");
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO app_case (number, query_code, item_code, item_version, item_name, handling_department, applicant_kind, applicant_name, \
               applicant_id, channel, service_point_id, form, state, submitted_at, submitted_date, accepted_by, due_date, clock, clock_state, \
               warning_level, next_alarm_at, last_event_seq, last_event_hash, updated_at) \
             SELECT '619902' || replace({date}, '-', '') || substr({seq}, 2), 'BENCH3', $2, $3, '基准测试事项', \
               CASE i % 5 WHEN 0 THEN 'spj' WHEN 1 THEN 'scjgj' WHEN 2 THEN 'wjj' WHEN 3 THEN 'lyj' ELSE 'nyncj' END, 'person', \
               '申请人' || {name}, 'BENCH' || {name}, 'online', 1 + i % 2, '{{}}', 'in_review', 1775000000000000 + i, {date}, 'clerk', \
               '2026-10-30', $4, 'running', 'none', $5 + i, 1, '', 1775000000000000 \
             FROM n",
            name = text("i % 50000"),
        );
        with_writer!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(n).bind(item_code).bind(item_version).bind(clock).bind(alarm_at).execute(pool).await?;
            if self.backend() == Backend::Postgres {
                sqlx::raw_sql("ANALYZE app_case").execute(pool).await?;
            } else {
                sqlx::raw_sql("ANALYZE").execute(pool).await?;
            }
        });
        Ok(())
    }

    /// Makes the alarms of `k` running cases due at `at` (microseconds), for the benchmark.
    pub async fn make_alarms_due_for_benchmark(&self, k: i64, at: i64) -> Result<u64> {
        Ok(with_writer!(self, pool => {
            sqlx::query(
                "UPDATE app_case SET next_alarm_at = $1 WHERE number IN \
                 (SELECT number FROM app_case WHERE clock_state = 'running' AND warning_level = 'none' ORDER BY number LIMIT $2)",
            )
            .bind(at)
            .bind(k)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }
}
