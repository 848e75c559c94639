//! Schema migrations, embedded in the binary: one ordered list per backend. A migration runs
//! once, in a transaction, and is recorded in `schema_migrations`. Never edit a migration that
//! has been released; add a new one.

use crate::{Backend, Result, Store};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "cases",
        sqlite: include_str!("../migrations/sqlite/0002_cases.sql"),
        postgres: include_str!("../migrations/postgres/0002_cases.sql"),
    },
    Migration {
        version: 3,
        name: "time_limits",
        sqlite: include_str!("../migrations/sqlite/0003_time_limits.sql"),
        postgres: include_str!("../migrations/postgres/0003_time_limits.sql"),
    },
];

/// Key of the PostgreSQL advisory lock that serialises migrations of several processes.
const PG_MIGRATION_LOCK: i64 = 0x6f6e_6577_696e_646f; // "onewindo"

impl Store {
    /// Applies every migration not yet applied. Safe to run from several processes at once on
    /// PostgreSQL (an advisory lock serialises them).
    pub async fn migrate(&self) -> Result<()> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PG_MIGRATION_LOCK).execute(&mut *tx).await?;
            }
            sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
                .execute(&mut *tx)
                .await?;
            for m in MIGRATIONS {
                let applied: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut *tx)
                    .await?;
                if applied.is_some() {
                    continue;
                }
                let sql = match backend { Backend::Sqlite => m.sqlite, Backend::Postgres => m.postgres };
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                    .bind(m.version)
                    .bind(m.name)
                    .execute(&mut *tx)
                    .await?;
                tracing::info!(version = m.version, name = m.name, "Applied migration {} ({})", m.version, m.name);
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
