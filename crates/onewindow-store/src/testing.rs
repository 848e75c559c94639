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

/// Declares one test body as two tests, one per backend, named for it: a SQLite failure no
/// longer hides the PostgreSQL run, and `cargo nextest run postgres` picks one backend.
///
/// ```ignore
/// onewindow_store::per_backend! {
///     /// Doc comment of the pair.
///     async fn migrations_are_idempotent(backend) {
///         let (store, _) = fresh_store(backend).await;
///         store.migrate().await.unwrap();
///     }
/// }
/// ```
/// expands to a module `migrations_are_idempotent` with the tests `sqlite` and `postgres`
/// (reported as `migrations_are_idempotent::sqlite` and `…::postgres`). The body sees the
/// enclosing module's items (`use super::*`) and `backend: Backend`.
///
/// The tests run on tokio's multi-thread runtime with two workers. An invocation that needs
/// another runtime names the arguments of `#[tokio::test]` first, for every test in it:
///
/// ```ignore
/// onewindow_store::per_backend! {
///     #![tokio::test(flavor = "current_thread")]
///     async fn on_one_thread(backend) { … }
/// }
/// ```
#[macro_export]
macro_rules! per_backend {
    (#![tokio::test $args:tt] $($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block)+) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn body($backend: $crate::Backend) $body

                #[tokio::test $args]
                async fn sqlite() {
                    body($crate::Backend::Sqlite).await
                }

                #[tokio::test $args]
                async fn postgres() {
                    body($crate::Backend::Postgres).await
                }
            }
        )+
    };
    ($($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block)+) => {
        $crate::per_backend! {
            #![tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $($(#[$meta])* async fn $name($backend) $body)+
        }
    };
}

/// When the binaries that tests start believe they run: Monday 23 November 2026, 10:00 in
/// Beijing (the in-process test servers' start too).
pub const TEST_CLOCK_START_UNIX_S: i64 = 1_795_399_200;

/// libfaketime (Debian package `faketime`, which `scripts/test` installs), preloaded into a
/// binary to move its clock.
pub const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// A command that runs the binary `bin` with its clock moved back to [`TEST_CLOCK_START_UNIX_S`]
/// as this test process began, and running on from there, so that due dates do not depend on
/// the day the tests run (the shipped working-day schedule ends with the last year the State
/// Council published). The offset is the same for every binary a test process starts, so a
/// restarted server's clock goes on where the last one's was. Without libfaketime the binary
/// runs on the real clock.
pub fn command_at_test_clock(bin: &str) -> std::process::Command {
    static OFFSET_S: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let mut c = std::process::Command::new(bin);
    if std::path::Path::new(LIBFAKETIME).exists() {
        let offset = *OFFSET_S.get_or_init(|| jiff::Timestamp::now().as_second() - TEST_CLOCK_START_UNIX_S);
        // Monotonic time stays real: timers and timeouts keep working.
        c.env("LD_PRELOAD", LIBFAKETIME).env("FAKETIME", format!("-{offset}")).env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    }
    c
}
