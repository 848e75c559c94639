//! Group commit for SQLite: case commands and submissions wait in a queue; the committer takes
//! every command waiting (up to [`BATCH_MAX`]), runs them one after the other in one
//! transaction on its own connection ([`crate::lite`]), commits once (one fsync for the batch)
//! and only then answers each caller. Nothing is acknowledged before the commit is durable, so a
//! crash loses only unanswered work.
//!
//! Each command runs under its own savepoint: one refused by the rules, or whose writes fail (a
//! disk or constraint error), is rolled back to it alone and answered with its error; the others
//! in the batch are unaffected. The batch holds the sqlx writer connection meanwhile, so that
//! the platform's other writes take turns with it instead of competing for SQLite's lock.

use crate::lite::Lite;
use sqlx::sqlite::SqlitePool;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Most commands in one commit.
pub(crate) const BATCH_MAX: usize = 64;
const QUEUE_MAX: usize = 4096;

/// What a job tells its caller once the batch's commit is known: `Err` with the reason when
/// the commit failed.
pub(crate) type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

/// Work on the committer's connection inside the batch's transaction: whether to keep its
/// writes, and how to answer the caller once the commit is known.
pub(crate) type Job = Box<dyn FnOnce(&mut Lite) -> (bool, Reply) + Send>;

/// The queue into the committer. Dropping a job unanswered (e.g. when the database is gone)
/// closes its caller's reply channel.
#[derive(Clone)]
pub(crate) struct GroupCommitter {
    queue: mpsc::Sender<Job>,
}

impl GroupCommitter {
    /// Opens the committer's connection to the database at `path` and starts it; `writer` is
    /// the sqlx writer pool (one connection) it takes turns with.
    pub(crate) fn spawn(writer: SqlitePool, path: &Path) -> crate::Result<GroupCommitter> {
        let lite = Lite::open(path)?;
        let (queue, jobs) = mpsc::channel::<Job>(QUEUE_MAX);
        tokio::spawn(commit_loop(writer, lite, path.to_path_buf(), jobs));
        Ok(GroupCommitter { queue })
    }

    /// Queues a job; errs when the committer has stopped.
    pub(crate) async fn submit(&self, job: Job) -> Result<(), String> {
        self.queue.send(job).await.map_err(|_| "the database writer has stopped".to_string())
    }
}

async fn commit_loop(writer: SqlitePool, lite: Lite, path: PathBuf, mut jobs: mpsc::Receiver<Job>) {
    let mut lite = Some(lite);
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let size = batch.len();
        let Ok(turn) = writer.acquire().await else {
            tracing::error!(size, "The database writer is closed; a batch of commands is refused");
            continue;
        };
        let conn = match lite.take() {
            Some(conn) => conn,
            None => match Lite::open(&path) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::error!(error = %e, size, "Cannot reopen the database; a batch of commands is refused");
                    continue;
                }
            },
        };
        // A panic inside a command drops the connection with the batch's transaction open,
        // which rolls it back (its callers were never answered); the next batch reopens it.
        let ran = tokio::task::spawn_blocking(move || {
            let mut conn = conn;
            run_batch(&mut conn, batch);
            conn
        })
        .await
        .map_err(|_| ());
        match ran {
            Ok(conn) => lite = Some(conn),
            Err(()) => tracing::error!(size, "A command panicked in the group committer; its batch is rolled back"),
        }
        drop(turn);
    }
}

/// Runs fixed statements, prepared once per connection.
fn run(lite: &Lite, statements: &[&str]) -> rusqlite::Result<()> {
    for sql in statements {
        lite.conn.prepare_cached(sql)?.execute([])?;
    }
    Ok(())
}

fn run_batch(lite: &mut Lite, batch: Vec<Job>) {
    let size = batch.len();
    if let Err(e) = run(lite, &["BEGIN IMMEDIATE"]) {
        tracing::error!(error = %e, size, "Cannot begin a transaction; a batch of commands is refused");
        return;
    }
    let mut replies: Vec<Reply> = Vec::with_capacity(size);
    let mut broken = None;
    for job in batch {
        if let Err(e) = run(lite, &["SAVEPOINT command"]) {
            broken = Some(e.to_string());
            break;
        }
        let (keep, reply) = job(lite);
        replies.push(reply);
        let end: &[&str] = if keep { &["RELEASE command"] } else { &["ROLLBACK TO command", "RELEASE command"] };
        if let Err(e) = run(lite, end) {
            broken = Some(e.to_string());
            break;
        }
    }
    let commit = match broken {
        None => run(lite, &["COMMIT"]).map_err(|e| e.to_string()),
        Some(e) => Err(e),
    };
    if let Err(e) = &commit {
        tracing::error!(error = %e, size, "A batch failed to commit; its commands are refused");
        let _ = lite.conn.execute_batch("ROLLBACK");
    }
    for r in replies {
        r(commit.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn job(name: &'static str, keep: bool, answers: &Arc<Mutex<Vec<(&'static str, bool)>>>) -> Job {
        let answers = answers.clone();
        Box::new(move |lite: &mut Lite| {
            lite.conn.execute("INSERT INTO t (name) VALUES (?1)", [name]).unwrap();
            let reply: Reply = Box::new(move |commit| answers.lock().unwrap().push((name, commit.is_ok())));
            (keep, reply)
        })
    }

    #[test]
    fn a_command_not_kept_is_rolled_back_alone_and_all_are_answered_after_the_commit() {
        let dir = std::env::temp_dir().join(format!("onewindow-group-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g.db");
        let _ = std::fs::remove_file(&path);
        let mut lite = Lite::open(&path).unwrap();
        lite.conn.execute_batch("CREATE TABLE t (name TEXT NOT NULL)").unwrap();
        let answers = Arc::new(Mutex::new(Vec::new()));
        run_batch(&mut lite, vec![job("a", true, &answers), job("b", false, &answers), job("c", true, &answers)]);
        let kept: Vec<String> = lite
            .conn
            .prepare("SELECT name FROM t ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(kept, ["a", "c"]);
        assert_eq!(*answers.lock().unwrap(), [("a", true), ("b", true), ("c", true)]);
        // The batch is durable: another connection sees it.
        let other = rusqlite::Connection::open(&path).unwrap();
        assert_eq!(other.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
