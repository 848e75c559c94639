//! The `onewindow` command: run the platform and operate it.

mod bench;
mod bench_cases;
mod bench_supervision;
mod cli;

use anyhow::{Context, bail};
use clap::Parser;
use cli::{Cli, Command, DbArgs};
use onewindow_core::catalogue::{parse_csv, parse_json};
use onewindow_server::{AppState, Clock, Settings};
use onewindow_store::{Actor, Store};
use std::path::Path;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_json, cli.log_filter());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("start the async runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // One line saying what is wrong; the chain of causes joined with colons.
            eprintln!("onewindow: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to standard error, filtered by `command_filter` (the command's own), else
/// `ONEWINDOW_LOG`, else info.
fn init_logging(json: bool, command_filter: Option<&str>) {
    let filter = match command_filter {
        Some(f) => tracing_subscriber::EnvFilter::new(f),
        None => tracing_subscriber::EnvFilter::try_from_env("ONEWINDOW_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Opens the store the flags name: PostgreSQL when `--database-url` is a postgres URL, else
/// SQLite (the URL's path, or `onewindow.db` in the data directory).
pub async fn open_store(db: &DbArgs) -> anyhow::Result<Store> {
    match db.database_url.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Store::open_postgres(url).await.with_context(|| format!("cannot open PostgreSQL at {}", redact(url)))
        }
        Some(url) => {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Store::open_sqlite(Path::new(path)).await.with_context(|| format!("cannot open SQLite database {path}"))
        }
        None => {
            std::fs::create_dir_all(&db.data_dir).with_context(|| format!("cannot create data directory {}", db.data_dir.display()))?;
            let path = db.data_dir.join("onewindow.db");
            Store::open_sqlite(&path).await.with_context(|| format!("cannot open SQLite database {}", path.display()))
        }
    }
}

/// Hides the password of a database URL in messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn operator() -> Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    Actor { username: format!("cli:{who}"), role: "operator".into(), at: jiff::Timestamp::now() }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate { db } => {
            open_store(&db).await?;
            println!("migrations applied");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Import { what: cli::ImportWhat::Catalogue { file, dry_run, db } } => import(&file, dry_run, &db).await,
        Command::Export { what: cli::ExportWhat::Catalogue { format, output, db } } => {
            let store = open_store(&db).await?;
            let text = onewindow_server::catalogue::service::export_text(&store, format == cli::Format::Csv).await?;
            store
                .record(&operator(), "catalogue.export", "catalogue", serde_json::json!({"format": format!("{format:?}").to_lowercase()}))
                .await?;
            match output {
                Some(path) => std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::VerifyAudit { db } => {
            let store = open_store(&db).await?;
            let check = store.verify_audit().await?;
            if let Some(id) = check.first_broken {
                bail!("audit chain broken at entry {id} (after {} intact entries)", check.entries);
            }
            let cases = store.verify_case_chains().await?;
            if let Some((number, seq)) = cases.first_broken {
                bail!("case {number}: event log broken at event {seq}");
            }
            println!(
                "audit chain intact: {} entries verified; {} case logs with {} events verified",
                check.entries, cases.cases, cases.events
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Bench { what, server_log } => bench::run(what, &server_log).await,
    }
}

async fn serve(args: cli::ServeArgs) -> anyhow::Result<std::process::ExitCode> {
    let store = open_store(&args.db).await?;
    if !args.no_demo {
        let (password, generated) = demo_password(&args.db.data_dir)?;
        if onewindow_server::demo::seed(&store, &password, jiff::Timestamp::now()).await? {
            println!("Loaded the demo district: catalogue, service points and one user per role.");
            let calendar = onewindow_core::calendar::Calendar::china();
            let cases = onewindow_server::demo::cases::seed_cases(&store, &calendar, jiff::Timestamp::now()).await?;
            println!("Demo cases at every time-limit warning level: {}", cases.join(", "));
            println!(
                "Demo log-ins (password {}): applicant, clerk, reviewer, leader, supervisor, officer, cataloguer, sysadmin, auditor",
                if generated {
                    format!("{password}, saved in {}", args.db.data_dir.join("demo-password.txt").display())
                } else {
                    "from ONEWINDOW_DEMO_PASSWORD".into()
                }
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let settings = Settings {
        secure_cookies: args.secure_cookies,
        supervision_every: std::time::Duration::from_secs(args.supervision_every),
        session_hours: 12,
        public_url: args.public_url.unwrap_or_else(|| format!("http://{addr}")),
    };
    let state = AppState::new(store.clone(), Clock::System, settings);
    println!("onewindow is serving on http://{addr} ({} database)", store.backend().name());
    tracing::info!(%addr, database = store.backend().name(), "Listening on {addr}");
    onewindow_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("Stopped");
    Ok(std::process::ExitCode::SUCCESS)
}

/// The demo password: `ONEWINDOW_DEMO_PASSWORD`, else one generated on first start and kept
/// in the data directory so that later starts print the same.
fn demo_password(data_dir: &Path) -> anyhow::Result<(String, bool)> {
    if let Ok(p) = std::env::var("ONEWINDOW_DEMO_PASSWORD")
        && !p.is_empty()
    {
        return Ok((p, false));
    }
    let file = data_dir.join("demo-password.txt");
    if let Ok(p) = std::fs::read_to_string(&file) {
        return Ok((p.trim().to_string(), true));
    }
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let password: String = (0..14).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(&file, format!("{password}\n")).with_context(|| format!("cannot write {}", file.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok((password, true))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("Shutting down: finishing requests in flight");
}

async fn import(file: &Path, dry_run: bool, db: &DbArgs) -> anyhow::Result<std::process::ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let Ok(text) = String::from_utf8(bytes) else { bail!("{} is not UTF-8; save it as \"CSV UTF-8\" and try again", file.display()) };
    let store = open_store(db).await?;
    let stored = store.departments().await?;
    let csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let checked = if csv { parse_csv(&text, &stored) } else { parse_json(&text) }.and_then(|f| f.check(&stored));
    let (catalogue, warnings) = match checked {
        Ok(ok) => ok,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}: {e}", file.display());
            }
            bail!("{} has {} error(s); nothing was imported", file.display(), errors.len());
        }
    };
    for w in &warnings {
        eprintln!("{}: warning: {w}", file.display());
    }
    if dry_run {
        println!("{}: {} items checked, {} warnings; nothing imported (dry run)", file.display(), catalogue.items.len(), warnings.len());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let note = format!("命令行导入：{}", file.display());
    let s = store.import_catalogue(&catalogue, &note, &operator()).await?;
    println!(
        "{}: imported — {} created, {} updated, {} unchanged, {} departments, {} transfer batches",
        file.display(),
        s.created,
        s.updated,
        s.unchanged,
        s.departments,
        s.transfers
    );
    Ok(std::process::ExitCode::SUCCESS)
}
