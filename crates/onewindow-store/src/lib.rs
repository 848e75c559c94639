//! Persistence of onewindow: one [`Store`] with two backends, embedded SQLite (one district
//! on one machine) and PostgreSQL (a province, several server processes).
//!
//! Both backends run the same query texts: placeholders are `$1…$n` (SQLite reads them as
//! numbered parameters), instants are BIGINT microseconds, structured content is JSON text.
//! Each method is written once inside [`with_writer!`]/[`with_reader!`], which expand the body
//! for each backend's concrete pool type; where the dialects differ the code branches on
//! [`Backend`]. Every write that changes state appends to the hash-chained audit trail in the
//! same transaction.
//!
//! Architecture invariant: the store decides nothing about the domain; it persists what
//! onewindow-core has validated and refuses only what would break integrity (uniqueness,
//! foreign keys, lost updates).

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Runs `$body` with `$pool` bound to the pool that takes writes (SQLite's single writer
/// connection, or the PostgreSQL pool).
macro_rules! with_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match &*$store.db {
            $crate::Db::Sqlite { writer: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$pool` bound to a pool for reads (SQLite's reader pool, or the
/// PostgreSQL pool).
macro_rules! with_reader {
    ($store:expr, $pool:ident => $body:expr) => {
        match &*$store.db {
            $crate::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

mod audit;
mod bench;
mod calendar;
mod case_cache;
#[macro_use]
mod cases;
mod cases_pg;
mod cases_read;
mod catalogue;
mod group;
mod lite;
mod migrate;
mod numbers;
mod org;
mod supervision;
mod time;

pub use audit::{AuditEntry, AuditVerification, GENESIS_HASH, entry_hash};
pub use calendar::StoredDay;
pub use cases::{
    Acted, CASE_PAGE_MAX, CaseEvent, CaseFilter, CaseMaterial, CaseRecord, CaseSummary, CommandContext, CommandError, InspectionRecord,
    MaterialMeta, NewCase, NewMaterial, Submitted, TaskRecord, event_hash, task_kind_code,
};
pub use cases_read::{CaseChainCheck, CasePage};
pub use catalogue::{ImportSummary, StoredItem, StoredTransfer, VersionSummary};
pub use org::{NewUser, Region, ServicePoint, SessionKind, User};
pub use supervision::{AccountabilityRecord, DashboardCell, SupervisedCase, SupervisionFilter, TICK_BATCH, TickReport};
pub use time::{beijing, beijing_midnight, from_micros, to_micros};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (WAL, `synchronous=FULL`, foreign keys on).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`, as reported by the health endpoint.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

pub(crate) enum Db {
    Sqlite { writer: SqlitePool, reader: SqlitePool, group: group::GroupCommitter },
    Postgres(PgPool),
}

/// Item versions never change once saved: their parsed specs are kept here. Cheap to clone
/// (shared).
#[derive(Clone, Default)]
pub(crate) struct SpecCache(std::sync::Arc<std::sync::Mutex<SpecsByVersion>>);

type SpecsByVersion = std::collections::HashMap<(String, u32), std::sync::Arc<onewindow_core::catalogue::ItemSpec>>;

impl SpecCache {
    /// The spec of `code` at `version`, if read before.
    pub(crate) fn get(&self, code: &str, version: u32) -> Option<std::sync::Arc<onewindow_core::catalogue::ItemSpec>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&(code.to_string(), version)).cloned()
    }

    /// Keeps the spec of `code` at `version`.
    pub(crate) fn keep(
        &self,
        code: &str,
        version: u32,
        spec: onewindow_core::catalogue::ItemSpec,
    ) -> std::sync::Arc<onewindow_core::catalogue::ItemSpec> {
        let spec = std::sync::Arc::new(spec);
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert((code.to_string(), version), spec.clone());
        spec
    }
}

/// The database. Cheap to clone (pools are shared).
#[derive(Clone)]
pub struct Store {
    db: std::sync::Arc<Db>,
    specs: SpecCache,
    sessions: std::sync::Arc<org::SessionCache>,
    numbers: std::sync::Arc<numbers::NumberBlocks>,
    /// Service points seen (they never change once created): [`Store::service_point`].
    points: std::sync::Arc<std::sync::RwLock<Vec<ServicePoint>>>,
    /// Case files this process wrote last (PostgreSQL commands): `case_cache`.
    files: std::sync::Arc<case_cache::CaseFiles>,
    /// Tasks' cases and kinds (they never change): [`Store::task_owner`].
    owners: std::sync::Arc<case_cache::TaskOwners>,
}

/// Who did something, in which role, and when: recorded with every change.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Username, or `system` for workers and start-up.
    pub username: String,
    /// Role code under which the change was made.
    pub role: String,
    /// When.
    pub at: jiff::Timestamp,
}

impl Actor {
    /// The platform itself (start-up seeding, workers).
    pub fn system(at: jiff::Timestamp) -> Actor {
        Actor { username: "system".into(), role: "system".into(), at }
    }
}

/// Errors of the store, in terms the server maps to HTTP statuses.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A unique value is taken (item code, username).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("changed by someone else: {0}")]
    Stale(String),
    /// The change breaks a domain rule checked at write time (e.g. a transfer that no
    /// longer applies); the message is Chinese for users.
    #[error("rejected: {0}")]
    Rejected(String),
    /// A stored JSON document cannot be read: data corruption or a bug.
    #[error("corrupt record {0}: {1}")]
    Corrupt(String, String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite failed on the case committer's connection.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A batch of commands could not be committed, or the writer stopped.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

const SQLITE_READERS_MAX: u32 = 8;
const PG_CONNECTIONS_MAX: u32 = 16;

impl Store {
    /// Opens (creating if missing) the SQLite database at `path`, durable: WAL with
    /// `synchronous=FULL`, so that a commit survives power loss. Runs migrations.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // One writer connection: SQLite takes one writer at a time anyway, and a single
        // connection avoids busy-waiting between our own writers.
        // An embedded connection cannot drop: no ping (a round trip to sqlx's worker thread)
        // before each use.
        let writer =
            SqlitePoolOptions::new().max_connections(1).min_connections(1).test_before_acquire(false).connect_with(options.clone()).await?;
        let group = group::GroupCommitter::spawn(writer.clone(), path)?;
        let store = Store::over(Db::Sqlite { writer: writer.clone(), reader: writer.clone(), group: group.clone() });
        store.migrate().await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(SQLITE_READERS_MAX)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Store::over(Db::Sqlite { writer, reader, group }))
    }

    /// Connects to PostgreSQL at `url` and runs migrations.
    pub async fn open_postgres(url: &str) -> Result<Store> {
        // Every statement here is prepared once per connection and run many times with
        // parameters that do not change the best plan (lookups by key, lists whose indexes
        // match their filters and order exactly). By default PostgreSQL may plan such a
        // statement afresh on every run, and measured it did: planning took more time than
        // executing the case read. Plan each statement once.
        let options = PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_generic_plan")]);
        let pool =
            // No ping before each use (a network round trip per transaction): a connection the
            // server dropped fails its one request and is replaced; idle ones are recycled.
            PgPoolOptions::new()
                .max_connections(PG_CONNECTIONS_MAX)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .idle_timeout(Duration::from_secs(300))
                .max_lifetime(Duration::from_secs(1800))
                .connect_with(options)
                .await?;
        let store = Store::over(Db::Postgres(pool));
        store.migrate().await?;
        Ok(store)
    }

    fn over(db: Db) -> Store {
        Store {
            db: std::sync::Arc::new(db),
            specs: SpecCache::default(),
            sessions: std::sync::Arc::default(),
            numbers: std::sync::Arc::default(),
            points: std::sync::Arc::default(),
            files: std::sync::Arc::default(),
            owners: std::sync::Arc::default(),
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match &*self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        with_reader!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Connections currently open and idle, for the metrics endpoint.
    pub fn pool_stats(&self) -> (u32, usize) {
        match &*self.db {
            Db::Sqlite { writer, reader, .. } => (writer.size() + reader.size(), writer.num_idle() + reader.num_idle()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }

    /// Closes every connection (at shutdown, after in-flight requests finished).
    pub async fn close(&self) {
        match &*self.db {
            Db::Sqlite { writer, reader, .. } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Maps a unique-violation to [`StoreError::Conflict`], other errors unchanged.
pub(crate) fn conflict_on_unique(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what()),
        _ => StoreError::Database(e),
    }
}

#[cfg(feature = "testing")]
pub mod testing;
