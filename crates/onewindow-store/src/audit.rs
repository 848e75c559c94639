//! The audit trail (全程留痕): every state change is an entry, appended in the same
//! transaction as the change, each entry holding the hash of the one before, so that an edit
//! or a deletion anywhere breaks the chain. The database refuses updates and deletes
//! (triggers); [`Store::verify_audit`] recomputes the chain.

use crate::{Actor, Result, Store, time};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Key of the advisory lock that serialises appends to the chain on PostgreSQL; SQLite has a
/// single writer connection and needs none.
pub(crate) const PG_AUDIT_LOCK: i64 = 0x6f77_6175_6469_7400; // "owaudit"

/// One entry of the audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Position in the chain.
    pub id: i64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who.
    pub actor: String,
    /// In which role.
    pub role: String,
    /// What (`item.create`, `item.update`, `item.transfer`, `user.create`, `session.create`, …).
    pub action: String,
    /// On what (an item code, a username, a batch id).
    pub subject: String,
    /// Details as JSON.
    pub detail: serde_json::Value,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: u64,
    /// The first entry whose hash or link is wrong, if any.
    pub first_broken: Option<i64>,
}

/// SHA-256 of an entry's content and its predecessor's hash, hex-encoded. Every field is
/// length-prefixed so that no two different entries serialise alike.
pub fn entry_hash(prev_hash: &str, at_us: i64, actor: &str, role: &str, action: &str, subject: &str, detail: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev_hash, &at_us.to_string(), actor, role, action, subject, detail] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry inside the caller's transaction `$tx`; evaluates to `Result<(), sqlx::Error>`.
macro_rules! audit_append {
    ($tx:expr, $backend:expr, $actor:expr, $action:expr, $subject:expr, $detail:expr) => {
        async {
            let actor: &$crate::Actor = $actor;
            let detail: String = serde_json::to_string(&$detail).expect("audit detail serialises");
            if $backend == $crate::Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind($crate::audit::PG_AUDIT_LOCK).execute(&mut *$tx).await?;
            }
            let prev: Option<String> =
                sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(&mut *$tx).await?;
            let prev = prev.unwrap_or_else(|| $crate::audit::GENESIS_HASH.to_string());
            let at = $crate::time::to_micros(actor.at);
            let subject: &str = $subject;
            let action: &str = $action;
            let hash = $crate::audit::entry_hash(&prev, at, &actor.username, &actor.role, action, subject, &detail);
            sqlx::query(
                "INSERT INTO audit_log (at, actor, role, action, subject, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(at)
            .bind(&actor.username)
            .bind(&actor.role)
            .bind(action)
            .bind(subject)
            .bind(&detail)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), sqlx::Error>(())
        }
    };
}
pub(crate) use audit_append;

const VERIFY_BATCH: i64 = 5000;

/// `id, at, actor, role, action, subject, detail, prev_hash, hash` of an entry.
type AuditRow = (i64, i64, String, String, String, String, String, String, String);

impl Store {
    /// Records an event that changes no other table (a log-in, an export) in the trail.
    pub async fn record(&self, actor: &Actor, action: &str, subject: &str, detail: serde_json::Value) -> Result<()> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            audit_append!(tx, backend, actor, action, subject, detail).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Audit entries after `after_id`, oldest first, at most `limit`; optionally only those
    /// about `subject`.
    pub async fn audit_entries(&self, after_id: i64, limit: i64, subject: Option<&str>) -> Result<Vec<AuditEntry>> {
        let rows = with_reader!(self, pool => {
            sqlx::query(
                "SELECT id, at, actor, role, action, subject, detail, prev_hash, hash FROM audit_log \
                 WHERE id > $1 AND ($2 = '' OR subject = $2) ORDER BY id LIMIT $3",
            )
            .bind(after_id)
            .bind(subject.unwrap_or(""))
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| -> Result<AuditEntry, sqlx::Error> {
                let detail: String = r.try_get("detail")?;
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: time::from_micros(r.try_get("at")?).to_string(),
                    actor: r.try_get("actor")?,
                    role: r.try_get("role")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Recomputes the whole chain in batches and reports the first broken entry.
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        let mut prev = GENESIS_HASH.to_string();
        let mut last_id = 0i64;
        let mut entries = 0u64;
        loop {
            let batch: Vec<AuditRow> = with_reader!(self, pool => {
                sqlx::query_as(
                    "SELECT id, at, actor, role, action, subject, detail, prev_hash, hash FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(last_id)
                .bind(VERIFY_BATCH)
                .fetch_all(pool)
                .await?
            });
            if batch.is_empty() {
                return Ok(AuditVerification { entries, first_broken: None });
            }
            for (id, at, actor, role, action, subject, detail, prev_hash, hash) in batch {
                let expected = entry_hash(&prev, at, &actor, &role, &action, &subject, &detail);
                if prev_hash != prev || hash != expected {
                    return Ok(AuditVerification { entries, first_broken: Some(id) });
                }
                entries += 1;
                prev = hash;
                last_id = id;
            }
        }
    }
}
