//! Group commit for SQLite: case commands and submissions wait in a queue; one task takes every
//! command waiting (up to [`BATCH_MAX`]), runs them one after the other in one transaction,
//! commits once (one fsync for the batch) and only then answers each caller. Nothing is
//! acknowledged before the commit is durable, so a crash loses only unanswered work.
//!
//! A command refused by the rules has written nothing (the core decides before the store
//! writes), so it leaves the batch alone. A command whose writes fail (a disk or constraint
//! error) breaks the batch: it is rolled back, the commands already run in it are answered with
//! an error (their callers retry with the same idempotency key), and the rest run in a new one.

use sqlx::SqliteConnection;
use sqlx::sqlite::SqlitePool;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::mpsc;

/// Most commands in one commit.
pub(crate) const BATCH_MAX: usize = 64;
const QUEUE_MAX: usize = 4096;

/// What a job tells its caller once the batch's commit is known: `Err` with the reason when
/// the commit failed.
pub(crate) type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its writes are part of the batch.
    Done,
    /// Refused before writing anything.
    Refused,
    /// Failed after writing: the batch's transaction must be rolled back.
    Broken,
}

impl Outcome {
    /// The outcome of a job from its result and whether it had started writing.
    pub(crate) fn of<T, E>(result: &Result<T, E>, wrote: bool) -> Outcome {
        match (result.is_ok(), wrote) {
            (true, _) => Outcome::Done,
            (false, false) => Outcome::Refused,
            (false, true) => Outcome::Broken,
        }
    }
}

/// Work on the writer connection inside the batch's transaction: how it ended, and how to
/// answer the caller once the commit is known.
pub(crate) type Job =
    Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> Pin<Box<dyn Future<Output = (Outcome, Reply)> + Send + 'c>> + Send>;

/// The queue into the committer. Dropping a job unanswered (e.g. when the database is gone)
/// closes its caller's reply channel.
#[derive(Clone)]
pub(crate) struct GroupCommitter {
    queue: mpsc::Sender<Job>,
}

impl GroupCommitter {
    /// Starts the committer over the writer pool (one connection, acquired per batch so that
    /// other writes take turns with it).
    pub(crate) fn spawn(writer: SqlitePool) -> GroupCommitter {
        let (queue, jobs) = mpsc::channel::<Job>(QUEUE_MAX);
        let jobs = std::sync::Arc::new(tokio::sync::Mutex::new(jobs));
        // A panic inside a command must not stop every later write: the loop is restarted, and
        // the transaction the panic left open is rolled back (its callers were never answered).
        tokio::spawn(async move {
            loop {
                match tokio::spawn(commit_loop(writer.clone(), jobs.clone())).await {
                    Ok(()) => return,
                    Err(e) if e.is_panic() => {
                        tracing::error!("A command panicked in the group committer; its batch is rolled back and the committer restarts");
                        if let Ok(mut conn) = writer.acquire().await {
                            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                        }
                    }
                    Err(_) => return,
                }
            }
        });
        GroupCommitter { queue }
    }

    /// Queues a job; errs when the committer has stopped.
    pub(crate) async fn submit(&self, job: Job) -> Result<(), String> {
        self.queue.send(job).await.map_err(|_| "the database writer has stopped".to_string())
    }
}

async fn commit_loop(writer: SqlitePool, jobs: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
    let mut jobs = jobs.lock().await;
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&writer, batch).await;
    }
}

async fn run_batch(writer: &SqlitePool, batch: Vec<Job>) {
    let size = batch.len();
    let Ok(mut conn) = writer.acquire().await else {
        tracing::error!(size, "The database writer is unavailable; a batch of commands is refused");
        return;
    };
    if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
        tracing::error!(error = %e, size, "Cannot begin a transaction; a batch of commands is refused");
        return;
    }
    let mut replies: Vec<Reply> = Vec::with_capacity(size);
    for job in batch {
        let (outcome, reply) = job(&mut conn).await;
        if outcome != Outcome::Broken {
            replies.push(reply);
            continue;
        }
        tracing::error!(size, "A command failed while writing; its batch is rolled back");
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        reply(Err("写入失败，请重试 (the write failed; retry)".into()));
        for r in replies.drain(..) {
            r(Err("同批提交失败，请重试 (rolled back with a failed command; retry)".into()));
        }
        if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
            tracing::error!(error = %e, "Cannot begin a transaction; the rest of the batch is refused");
            return;
        }
    }
    let commit = sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| ()).map_err(|e| e.to_string());
    if let Err(e) = &commit {
        tracing::error!(error = %e, size, "A batch failed to commit; its commands are refused");
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    for r in replies {
        r(commit.clone());
    }
}
