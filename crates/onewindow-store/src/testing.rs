//! Fresh databases for tests of this crate and the crates above it: a SQLite file in a new
//! temporary directory, or a new database in the throwaway PostgreSQL cluster that
//! `scripts/test` starts and names in `ONEWINDOW_TEST_PG_URL`.

use crate::{Backend, Store};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Every backend a test should run on.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A new empty directory under the system temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name(prefix));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// The URL of the throwaway PostgreSQL cluster's maintenance database.
///
/// # Panics
/// When `ONEWINDOW_TEST_PG_URL` is not set: run the tests with `scripts/test`, which starts
/// the cluster, or set it to a server you may create databases on.
pub fn pg_admin_url() -> String {
    std::env::var("ONEWINDOW_TEST_PG_URL")
        .expect("ONEWINDOW_TEST_PG_URL is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL")
}

/// Creates a new database in the test cluster and returns its URL.
pub async fn fresh_postgres_url() -> String {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let name = unique_name("t");
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the test PostgreSQL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create a test database");
    let (base, _) = admin.rsplit_once('/').expect("the URL names a database");
    format!("{base}/{name}")
}

/// A migrated, empty store on the given backend, and the URL or path it lives at.
pub async fn fresh_store(backend: Backend) -> (Store, String) {
    match backend {
        Backend::Sqlite => {
            let path = temp_dir("onewindow_store").join("onewindow.db");
            let store = Store::open_sqlite(&path).await.expect("open SQLite");
            (store, path.display().to_string())
        }
        Backend::Postgres => {
            let url = fresh_postgres_url().await;
            let store = Store::open_postgres(&url).await.expect("open PostgreSQL");
            (store, url)
        }
    }
}
