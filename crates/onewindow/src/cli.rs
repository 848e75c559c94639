//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// onewindow — integrated government-service platform (一窗受理 · 一网通办).
#[derive(Debug, Parser)]
#[command(name = "onewindow", version, about)]
pub struct Cli {
    /// Log as JSON lines instead of text.
    #[arg(long, global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives. SQLite under `--data-dir` unless `--database-url` says otherwise.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Directory for the embedded SQLite database and the demo password.
    #[arg(long, default_value = "data", env = "ONEWINDOW_DATA_DIR")]
    pub data_dir: PathBuf,
    /// `postgres://user:pass@host:port/db` to use PostgreSQL, or `sqlite://path`.
    #[arg(long, env = "ONEWINDOW_DATABASE_URL")]
    pub database_url: Option<String>,
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "ONEWINDOW_LISTEN")]
    pub listen: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Start empty: no demo catalogue, no demo users.
    #[arg(long)]
    pub no_demo: bool,
    /// Mark session cookies Secure (when served over HTTPS).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Public base URL (for links and QR codes); defaults to the listen address.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Seconds between two looks of the supervision worker for due time-limit alarms (0: off,
    /// e.g. when another process runs it).
    #[arg(long, default_value_t = 30, env = "ONEWINDOW_SUPERVISION_EVERY")]
    pub supervision_every: u64,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the platform: web UI and API.
    Serve(ServeArgs),
    /// Create or update the database schema, then exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import data.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export data.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Check the audit trail's hash chain; exits non-zero naming the first broken entry.
    VerifyAudit {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Benchmarks that print figures.
    Bench {
        /// Log filter of the servers and store a benchmark runs (`info` shows every request;
        /// `ONEWINDOW_LOG` when not given): warnings only, so that the figures are not lost
        /// among log lines.
        #[arg(long, global = true, env = "ONEWINDOW_LOG", default_value = "warn")]
        server_log: String,
        #[command(subcommand)]
        what: BenchWhat,
    },
}

/// What to import.
#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// A catalogue file: JSON (departments, items, transfers) or CSV (items). All or nothing.
    Catalogue {
        /// The file (`.csv` is read as CSV, anything else as JSON).
        file: PathBuf,
        /// Check only; import nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Items as CSV.
    Csv,
    /// Departments, items and transfer history as JSON.
    Json,
}

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// The whole catalogue.
    Catalogue {
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Catalogue search: builds a catalogue of N items and measures `GET /api/v1/items?q=…`.
    Search {
        /// Items in the catalogue.
        #[arg(long, default_value_t = 10_000)]
        items: usize,
        /// Searches per query.
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        #[command(flatten)]
        db: BenchDb,
    },
    /// Case lifecycles (submit → accept → 2 tasks → decide → deliver) through the store and
    /// over HTTP with concurrent clients; then list queries over `--fill` generated cases.
    Cases {
        /// Lifecycles per run.
        #[arg(long, default_value_t = 2000)]
        lifecycles: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Cases to generate before measuring list queries (0 skips them).
        #[arg(long, default_value_t = 0)]
        fill: i64,
        /// Server processes for the HTTP part: 1 serves in the benchmark's own process; 2 or
        /// more start `onewindow serve` processes on the same PostgreSQL database and send each
        /// request to the next one in turn, as a round-robin load balancer would.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=8))]
        servers: u16,
        #[command(flatten)]
        db: BenchDb,
    },
    /// The supervision worker's tick over generated running cases: with nothing due, and
    /// with `--due` alarms due (each becomes an overdue warning and an accountability record).
    Supervision {
        /// Running cases to generate.
        #[arg(long, default_value_t = 1_000_000)]
        open: i64,
        /// Alarms due in the second measurement.
        #[arg(long, default_value_t = 10_000)]
        due: i64,
        #[command(flatten)]
        db: BenchDb,
    },
}

impl Cli {
    /// The log filter this command runs with when it sets one itself (benchmarks: `--server-log`),
    /// else `None` (`ONEWINDOW_LOG`, or info).
    pub fn log_filter(&self) -> Option<&str> {
        match &self.command {
            Command::Bench { server_log, .. } => Some(server_log),
            _ => None,
        }
    }
}

/// Where a benchmark runs: a fresh SQLite file in a temporary directory, or a PostgreSQL database you name (it must be empty).
#[derive(Debug, Clone, Args)]
pub struct BenchDb {
    /// PostgreSQL URL of an empty database to run on instead of SQLite.
    #[arg(long)]
    pub database_url: Option<String>,
}
