//! The operator's command line, run as a real process against SQLite and PostgreSQL.

use onewindow_store::Backend;
use onewindow_store::testing::{fresh_postgres_url, temp_dir};
use std::path::{Path, PathBuf};
use std::process::Output;

const BIN: &str = env!("CARGO_BIN_EXE_onewindow");

fn demo_catalogue() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/catalogue.json")
}

/// The database flags for a fresh database on `backend`.
async fn db_args(backend: Backend) -> Vec<String> {
    match backend {
        Backend::Sqlite => vec!["--data-dir".into(), temp_dir("onewindow_cli").display().to_string()],
        Backend::Postgres => vec!["--database-url".into(), fresh_postgres_url().await],
    }
}

fn run(args: &[&str], db: &[String]) -> Output {
    onewindow_store::testing::command_at_test_clock(BIN).args(args).args(db).env("ONEWINDOW_LOG", "warn").output().expect("run onewindow")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

onewindow_store::per_backend! {
    async fn import_export_and_verify(backend) {
        let db = db_args(backend).await;
        let demo = demo_catalogue();
        let out = run(&["import", "catalogue", demo.to_str().unwrap(), "--dry-run"], &db);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("nothing imported"));

        let out = run(&["import", "catalogue", demo.to_str().unwrap()], &db);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("180 created") || text(&out.stdout).contains("created"), "{}", text(&out.stdout));

        // A CSV with one bad row: non-zero exit, the line and field named, nothing imported.
        let dir = temp_dir("onewindow_cli_csv");
        let bad = dir.join("bad.csv");
        std::fs::write(
            &bad,
            "事项编码,事项名称,事项类型,主管部门,设定依据,法定时限,承诺时限,办件类型,办理层级,全程网办\n\
             010099900000,测试事项甲,行政许可,示范区林业局,《森林法》,20,5,承诺件,区,是\n\
             010099900001,测试事项乙,行政许可,示范区林业局,《森林法》,20,30,承诺件,区,是\n",
        )
        .unwrap();
        let out = run(&["import", "catalogue", bad.to_str().unwrap()], &db);
        assert!(!out.status.success());
        let err = text(&out.stderr);
        assert!(err.contains("line 3: promised_limit_days"), "{err}");
        assert!(err.lines().last().unwrap().starts_with("onewindow: "), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");

        let out = run(&["export", "catalogue", "--format", "csv"], &db);
        assert!(out.status.success());
        let csv = text(&out.stdout);
        assert!(csv.starts_with("code,name,kind"));
        assert!(!csv.contains("测试事项甲"), "the failed import applied nothing");
        assert_eq!(csv.lines().count(), 1 + 180, "header and every demo item");

        let out = run(&["verify-audit"], &db);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("audit chain intact"));
    }
}

#[tokio::test]
async fn verify_audit_names_the_first_broken_entry() {
    use sqlx::Connection;
    let dir = temp_dir("onewindow_cli_tamper");
    let db = vec!["--data-dir".to_string(), dir.display().to_string()];
    let demo = demo_catalogue();
    assert!(run(&["import", "catalogue", demo.to_str().unwrap()], &db).status.success());
    assert!(run(&["export", "catalogue"], &db).status.success());
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.join("onewindow.db").display())).await.unwrap();
    sqlx::raw_sql("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 1").execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    let out = run(&["verify-audit"], &db);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim(), "onewindow: audit chain broken at entry 2 (after 0 intact entries)");
}

#[test]
fn bad_usage_is_one_line_and_a_failure() {
    let out = onewindow_store::testing::command_at_test_clock(BIN)
        .args(["import", "catalogue", "/no/such/file.json", "--data-dir", "/tmp/onewindow-cli-none"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("onewindow: cannot read /no/such/file.json"), "{err}");
}

onewindow_store::per_backend! {
    /// `bench cases` drives whole lifecycles through the store and over HTTP and prints every
    /// figure the cases issue asks for (no timing is asserted); on PostgreSQL the cases it leaves
    /// pass `verify-audit`, and a second run on the same database is refused in one line.
    async fn bench_cases_prints_its_figures_and_leaves_a_sound_audit_trail(backend) {
        let db = match backend {
            Backend::Sqlite => Vec::new(),
            Backend::Postgres => db_args(backend).await,
        };
        let out = run(&["bench", "cases", "--lifecycles", "24", "--clients", "4"], &db);
        let printed = text(&out.stdout);
        assert!(out.status.success(), "{backend:?}: {}{printed}", text(&out.stderr));
        for line in [
            "store: 24 lifecycles in",
            "HTTP: 24 lifecycles in",
            "  submit   p50 ",
            "  deliver  p50 ",
            "  all      p50 ",
            "GET /api/v1/cases/{number} under load: p50 ",
            "GET /api/v1/cases/{number} alone:      p50 ",
        ] {
            assert!(printed.contains(line), "{backend:?}: no {line:?} in\n{printed}");
        }
        assert_eq!(printed.matches(" lifecycles/s (").count(), 2, "{printed}");
        if backend == Backend::Postgres {
            let out = run(&["verify-audit"], &db);
            assert!(out.status.success(), "{}", text(&out.stderr));
            let out = run(&["bench", "cases", "--lifecycles", "1"], &db);
            assert!(!out.status.success());
            assert_eq!(text(&out.stderr).trim(), "onewindow: the benchmark needs an empty database");
        }
    }
}
