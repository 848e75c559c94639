//! Group commit for SQLite: case commands and submissions wait in a queue; one task takes every
//! command waiting (up to [`BATCH_MAX`]), runs each under its own savepoint in one transaction,
//! commits once (one fsync for the batch) and only then answers each caller. A command that
//! fails rolls back to its savepoint and leaves the others alone. Nothing is acknowledged before
//! the commit is durable, so a crash loses only unanswered work.

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

/// Work on the writer connection inside the batch's transaction: returns whether to keep its
/// writes, and how to answer the caller after the commit.
pub(crate) type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> Pin<Box<dyn Future<Output = (bool, Reply)> + Send + 'c>> + Send>;

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
        let (queue, mut jobs) = mpsc::channel::<Job>(QUEUE_MAX);
        tokio::spawn(async move {
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
        });
        GroupCommitter { queue }
    }

    /// Queues a job; errs when the committer has stopped.
    pub(crate) async fn submit(&self, job: Job) -> Result<(), String> {
        self.queue.send(job).await.map_err(|_| "the database writer has stopped".to_string())
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
        if let Err(e) = sqlx::query("SAVEPOINT command").execute(&mut *conn).await {
            tracing::error!(error = %e, "Cannot set a savepoint");
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return;
        }
        let (keep, reply) = job(&mut conn).await;
        let end = if keep { "RELEASE command" } else { "ROLLBACK TO command; RELEASE command" };
        if let Err(e) = sqlx::raw_sql(end).execute(&mut *conn).await {
            tracing::error!(error = %e, "Cannot end a savepoint; the batch is rolled back");
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            reply(Err(e.to_string()));
            for r in replies {
                r(Err(e.to_string()));
            }
            return;
        }
        replies.push(reply);
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
