//! The versioned catalogue: every saved edit of an item is a new row in `item_version`; the
//! `item` row points at the current one and carries the columns lists filter on. Transfers
//! and imports are single transactions.

use crate::audit::audit_append;
use crate::{Actor, Result, Store, StoreError, conflict_on_unique, time};
use onewindow_core::catalogue::{CatalogueFile, ItemSpec, KeptItem, TransferBatch, TransferError, plan_transfer};
use serde::Serialize;
use std::collections::BTreeMap;

/// An item version as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredItem {
    /// The content.
    #[serde(flatten)]
    pub spec: ItemSpec,
    /// Version number, from 1.
    pub version: u32,
    /// Whether this is the current version.
    pub current: bool,
    /// When this version was saved.
    pub saved_at: String,
    /// Who saved it.
    pub saved_by: String,
    /// Why (修改说明).
    pub change_note: String,
}

/// A line of an item's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSummary {
    /// Version number.
    pub version: u32,
    /// When saved.
    pub saved_at: String,
    /// Who saved it.
    pub saved_by: String,
    /// Why.
    pub change_note: String,
}

/// A transfer batch as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTransfer {
    /// Identifier.
    pub id: i64,
    /// The batch as decided.
    #[serde(flatten)]
    pub batch: TransferBatch,
    /// When it was recorded.
    pub recorded_at: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Departments created or updated.
    pub departments: usize,
    /// Items created (version 1).
    pub created: usize,
    /// Items given a new version.
    pub updated: usize,
    /// Items identical to their current version, left alone.
    pub unchanged: usize,
    /// Transfer batches applied.
    pub transfers: usize,
}

/// How many reasons a rejected import lists before summarising.
const REJECTIONS_LISTED_MAX: usize = 10;

/// `spec, version, current_version, created_at, created_by, change_note` of one version.
type VersionRow = (String, i64, i64, i64, String, String);

fn parse_spec(code: &str, version: i64, json: &str) -> Result<ItemSpec> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("item {code} version {version}"), e.to_string()))
}

fn stored(code: &str, (spec, version, current, saved_at, saved_by, change_note): VersionRow) -> Result<StoredItem> {
    Ok(StoredItem {
        spec: parse_spec(code, version, &spec)?,
        version: u32::try_from(version).unwrap_or(0),
        current: current == version,
        saved_at: time::from_micros(saved_at).to_string(),
        saved_by,
        change_note,
    })
}

/// Writes `spec` as version `version` of its item inside `$tx`. The caller has checked that
/// `version` is the successor of the current one (or 1 for a new item).
macro_rules! write_version {
    ($tx:expr, $spec:expr, $version:expr, $note:expr, $actor:expr) => {
        async {
            let spec: &onewindow_core::catalogue::ItemSpec = $spec;
            let version: i64 = $version;
            let actor: &$crate::Actor = $actor;
            let at = $crate::time::to_micros(actor.at);
            let json = serde_json::to_string(spec).expect("item spec serialises");
            sqlx::query(
                "INSERT INTO item (code, current_version, name, department_code, handling_department_code, kind, status, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (code) DO UPDATE SET current_version = excluded.current_version, name = excluded.name, \
                 department_code = excluded.department_code, handling_department_code = excluded.handling_department_code, \
                 kind = excluded.kind, status = excluded.status, updated_at = excluded.updated_at",
            )
            .bind(&spec.code)
            .bind(version)
            .bind(&spec.name)
            .bind(&spec.department)
            .bind(&spec.handling_department)
            .bind(spec.kind.code())
            .bind(spec.status.code())
            .bind(at)
            .execute(&mut *$tx)
            .await?;
            sqlx::query(
                "INSERT INTO item_version (code, version, spec, change_note, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&spec.code)
            .bind(version)
            .bind(&json)
            .bind($note)
            .bind(at)
            .bind(&actor.username)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), sqlx::Error>(())
        }
    };
}

/// Reads the current version number of `$code` inside `$tx`.
macro_rules! current_version {
    ($tx:expr, $code:expr) => {
        sqlx::query_scalar::<_, i64>("SELECT current_version FROM item WHERE code = $1").bind($code).fetch_optional(&mut *$tx)
    };
}

/// Reads every current item inside `$tx`, by code.
macro_rules! current_specs {
    ($tx:expr) => {
        async {
            let rows: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT i.code, i.current_version, v.spec FROM item i JOIN item_version v ON v.code = i.code AND v.version = i.current_version",
            )
            .fetch_all(&mut *$tx)
            .await?;
            let mut map = std::collections::BTreeMap::new();
            for (code, version, json) in rows {
                let spec = parse_spec(&code, version, &json)?;
                map.insert(code, (version, spec));
            }
            Ok::<_, StoreError>(map)
        }
    };
}

/// Applies a planned transfer inside `$tx`; evaluates to `Result<Result<i64, Vec<TransferError>>, StoreError>`.
/// With `$as_history`, a batch whose items all already sit with the bureau (a catalogue
/// exported after the transfer and imported again) is recorded as history without changing items.
macro_rules! transfer_in_tx {
    ($tx:expr, $backend:expr, $batch:expr, $actor:expr, $as_history:expr) => {
        async {
            let batch: &TransferBatch = $batch;
            let actor: &$crate::Actor = $actor;
            let bureau: Option<String> = sqlx::query_scalar("SELECT code FROM department WHERE is_bureau").fetch_optional(&mut *$tx).await?;
            let Some(bureau) = bureau else {
                return Err(StoreError::Rejected("尚未设置行政审批服务局".into()));
            };
            let current = current_specs!($tx).await?;
            let specs: BTreeMap<String, ItemSpec> = current.iter().map(|(c, (_, s))| (c.clone(), s.clone())).collect();
            let plan = match plan_transfer(batch, &specs, &bureau) {
                Ok(plan) => plan,
                Err(errors) if $as_history && errors.iter().all(|e| matches!(e, TransferError::AlreadyWithBureau(_))) => {
                    onewindow_core::catalogue::TransferPlan { changed: vec![], kept: batch.kept.clone() }
                }
                Err(errors) => return Ok(Err(errors)),
            };
            let note = format!("划转至行政审批服务局：{}", batch.title);
            for spec in &plan.changed {
                let version = current[&spec.code].0 + 1;
                write_version!($tx, spec, version, &note, actor).await?;
            }
            let json = serde_json::to_string(batch).expect("batch serialises");
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO transfer_batch (title, document_no, effective_date, batch, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&batch.title)
            .bind(&batch.document_no)
            .bind(batch.effective_date.to_string())
            .bind(&json)
            .bind($crate::time::to_micros(actor.at))
            .bind(&actor.username)
            .fetch_one(&mut *$tx)
            .await?;
            let detail = serde_json::json!({"title": batch.title, "transferred": plan.changed.len(), "kept": plan.kept.iter().map(|k: &KeptItem| &k.code).collect::<Vec<_>>()});
            audit_append!($tx, $backend, actor, "item.transfer", &id.to_string(), detail).await?;
            Ok(Ok(id))
        }
    };
}

impl Store {
    /// A number that changes whenever the catalogue changes (the newest version's id); the
    /// server rebuilds its search index when it moves.
    pub async fn catalogue_generation(&self) -> Result<i64> {
        Ok(with_reader!(self, pool => {
            sqlx::query_scalar("SELECT (SELECT COALESCE(MAX(id), 0) FROM item_version) * 1000 + (SELECT COUNT(*) FROM department)")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Every item at its current version, by code.
    pub async fn current_items(&self) -> Result<Vec<StoredItem>> {
        let rows: Vec<(String, String, i64, i64, i64, String, String)> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT i.code, v.spec, v.version, i.current_version, v.created_at, v.created_by, v.change_note \
                 FROM item i JOIN item_version v ON v.code = i.code AND v.version = i.current_version ORDER BY i.code",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(|(code, spec, v, cur, at, by, note)| stored(&code, (spec, v, cur, at, by, note))).collect()
    }

    /// An item at `version`, or at its current version.
    pub async fn item(&self, code: &str, version: Option<u32>) -> Result<Option<StoredItem>> {
        let row: Option<VersionRow> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT v.spec, v.version, i.current_version, v.created_at, v.created_by, v.change_note \
                 FROM item i JOIN item_version v ON v.code = i.code \
                 WHERE i.code = $1 AND v.version = CASE WHEN $2 > 0 THEN $2 ELSE i.current_version END",
            )
            .bind(code)
            .bind(i64::from(version.unwrap_or(0)))
            .fetch_optional(pool)
            .await?
        });
        row.map(|row| stored(code, row)).transpose()
    }

    /// The spec of an item at a saved version (kept in memory after the first read: a saved
    /// version never changes).
    pub async fn item_spec(&self, code: &str, version: u32) -> Result<Option<std::sync::Arc<onewindow_core::catalogue::ItemSpec>>> {
        if let Some(spec) = self.specs.get(code, version) {
            return Ok(Some(spec));
        }
        if version == 0 {
            return Ok(None);
        }
        Ok(self.item(code, Some(version)).await?.map(|item| self.specs.keep(code, version, item.spec)))
    }

    /// The history of an item, newest first.
    pub async fn item_versions(&self, code: &str) -> Result<Vec<VersionSummary>> {
        let rows: Vec<(i64, i64, String, String)> = with_reader!(self, pool => {
            sqlx::query_as("SELECT version, created_at, created_by, change_note FROM item_version WHERE code = $1 ORDER BY version DESC")
                .bind(code)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(v, at, by, note)| VersionSummary {
                version: u32::try_from(v).unwrap_or(0),
                saved_at: time::from_micros(at).to_string(),
                saved_by: by,
                change_note: note,
            })
            .collect())
    }

    /// Creates an item at version 1. The spec must have been validated by onewindow-core.
    pub async fn create_item(&self, spec: &ItemSpec, note: &str, actor: &Actor) -> Result<StoredItem> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if current_version!(tx, &spec.code).await?.is_some() {
                return Err(StoreError::Conflict(format!("item {}", spec.code)));
            }
            write_version!(tx, spec, 1, note, actor).await.map_err(|e| conflict_on_unique(e, || format!("item {}", spec.code)))?;
            audit_append!(tx, backend, actor, "item.create", &spec.code, serde_json::json!({"version": 1, "name": spec.name, "note": note})).await?;
            tx.commit().await?;
        });
        self.item(&spec.code, None).await?.ok_or_else(|| StoreError::NotFound(spec.code.clone()))
    }

    /// Saves a new version of an existing item. With `expected_version`, refuses with
    /// [`StoreError::Stale`] when someone saved in between (no lost updates).
    pub async fn update_item(&self, spec: &ItemSpec, expected_version: Option<u32>, note: &str, actor: &Actor) -> Result<StoredItem> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let Some(current) = current_version!(tx, &spec.code).await? else {
                return Err(StoreError::NotFound(format!("item {}", spec.code)));
            };
            if let Some(expected) = expected_version
                && i64::from(expected) != current
            {
                return Err(StoreError::Stale(format!("item {} is at version {current}, not {expected}", spec.code)));
            }
            let next = current + 1;
            write_version!(tx, spec, next, note, actor).await.map_err(|e| conflict_on_unique(e, || format!("item {} version {next}", spec.code)))?;
            audit_append!(tx, backend, actor, "item.update", &spec.code, serde_json::json!({"version": next, "note": note})).await?;
            tx.commit().await?;
        });
        self.item(&spec.code, None).await?.ok_or_else(|| StoreError::NotFound(spec.code.clone()))
    }

    /// Applies a transfer batch in one transaction: one new version per transferred item
    /// (handling department the bureau, single seal), the batch recorded, one audit entry.
    /// Returns the batch id, or every reason the batch does not apply.
    pub async fn apply_transfer(&self, batch: &TransferBatch, actor: &Actor) -> Result<Result<i64, Vec<TransferError>>> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let outcome = transfer_in_tx!(tx, backend, batch, actor, false).await?;
            if outcome.is_ok() {
                tx.commit().await?;
            }
            Ok(outcome)
        })
    }

    /// Every transfer batch, oldest first.
    pub async fn transfers(&self) -> Result<Vec<StoredTransfer>> {
        let rows: Vec<(i64, String, i64, String)> = with_reader!(self, pool => {
            sqlx::query_as("SELECT id, batch, created_at, created_by FROM transfer_batch ORDER BY id").fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(id, json, at, by)| {
                let batch = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("transfer {id}"), e.to_string()))?;
                Ok(StoredTransfer { id, batch, recorded_at: time::from_micros(at).to_string(), recorded_by: by })
            })
            .collect()
    }

    /// Imports a checked catalogue in one transaction: departments upserted, new items at
    /// version 1, changed items at a new version, identical items left alone, then the
    /// transfer batches in order. Any failure rolls everything back.
    pub async fn import_catalogue(&self, file: &CatalogueFile, note: &str, actor: &Actor) -> Result<ImportSummary> {
        let backend = self.backend();
        let mut summary = ImportSummary::default();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            for d in &file.departments {
                sqlx::query(
                    "INSERT INTO department (code, name, credit_code, is_bureau) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, credit_code = excluded.credit_code, is_bureau = excluded.is_bureau",
                )
                .bind(&d.code)
                .bind(&d.name)
                .bind(&d.credit_code)
                .bind(d.is_bureau)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("department {} ({}), or a second approval bureau", d.code, d.name)))?;
                summary.departments += 1;
            }
            let current = current_specs!(tx).await?;
            for spec in &file.items {
                match current.get(&spec.code) {
                    None => {
                        write_version!(tx, spec, 1, note, actor).await?;
                        summary.created += 1;
                    }
                    Some((_, existing)) if existing == spec => summary.unchanged += 1,
                    Some((version, _)) => {
                        write_version!(tx, spec, version + 1, note, actor).await?;
                        summary.updated += 1;
                    }
                }
            }
            let detail = serde_json::json!({"note": note, "departments": summary.departments, "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged});
            audit_append!(tx, backend, actor, "catalogue.import", "catalogue", detail).await?;
            for batch in &file.transfers {
                // A batch already recorded (same notice, number and date) is history, not a new transfer.
                let recorded: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM transfer_batch WHERE title = $1 AND document_no = $2 AND effective_date = $3",
                )
                .bind(&batch.title)
                .bind(&batch.document_no)
                .bind(batch.effective_date.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                if recorded.is_some() {
                    continue;
                }
                if let Err(errors) = transfer_in_tx!(tx, backend, batch, actor, true).await? {
                    let mut text: Vec<String> = errors.iter().take(REJECTIONS_LISTED_MAX).map(|e| e.message_zh()).collect();
                    if errors.len() > REJECTIONS_LISTED_MAX {
                        text.push(format!("等共{}处问题", errors.len()));
                    }
                    return Err(StoreError::Rejected(format!("划转批次“{}”无法执行：{}", batch.title, text.join("；"))));
                }
                summary.transfers += 1;
            }
            tx.commit().await?;
        });
        Ok(summary)
    }
}
