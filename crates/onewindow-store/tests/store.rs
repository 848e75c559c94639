//! The store's behaviour, run on SQLite and on PostgreSQL alike.

use onewindow_core::catalogue::{CatalogueFile, DepartmentRecord, ItemSpec, KeptItem, SealModel, TransferBatch, TransferError};
use onewindow_core::role::Role;
use onewindow_store::testing::fresh_store;
use onewindow_store::{Actor, Backend, NewUser, SessionKind, Store, StoreError};

fn actor(at_s: i64) -> Actor {
    Actor { username: "cataloguer".into(), role: "cataloguer".into(), at: jiff::Timestamp::from_second(1_764_000_000 + at_s).unwrap() }
}

fn departments() -> Vec<DepartmentRecord> {
    [("spj", "示范区行政审批服务局", true), ("scjgj", "示范区市场监督管理局", false), ("wjj", "示范区卫生健康局", false)]
        .into_iter()
        .map(|(c, n, b)| DepartmentRecord { code: c.into(), name: n.into(), credit_code: String::new(), is_bureau: b })
        .collect()
}

/// A plain licensing item of `dept` (`onewindow_core::testing::item`).
fn item(code: &str, name: &str, dept: &str) -> ItemSpec {
    onewindow_core::testing::item(code, name, dept)
}

async fn seeded(backend: Backend) -> Store {
    let (store, _) = fresh_store(backend).await;
    let file = CatalogueFile {
        departments: departments(),
        items: vec![item("010010010000", "食品经营许可", "scjgj"), item("010010020000", "公共场所卫生许可", "wjj")],
        ..Default::default()
    };
    let summary = store.import_catalogue(&file, "初始导入", &actor(0)).await.unwrap();
    assert_eq!((summary.departments, summary.created), (3, 2));
    store
}

onewindow_store::per_backend! {
    async fn migrations_are_idempotent(backend) {
        let (store, _) = fresh_store(backend).await;
        store.migrate().await.unwrap();
        store.ping().await.unwrap();
        assert_eq!(store.backend(), backend);
        assert_eq!(store.user_count().await.unwrap(), 0);
    }
}

onewindow_store::per_backend! {
    async fn every_edit_is_a_new_version_and_old_ones_stay_readable(backend) {
        let store = seeded(backend).await;
        let gen1 = store.catalogue_generation().await.unwrap();
        let mut spec = store.item("010010010000", None).await.unwrap().unwrap().spec;
        spec.promised_limit_days = 3;
        let saved = store.update_item(&spec, Some(1), "压缩承诺时限", &actor(10)).await.unwrap();
        assert_eq!((saved.version, saved.current, saved.spec.promised_limit_days), (2, true, 3));
        assert!(store.catalogue_generation().await.unwrap() > gen1);

        let old = store.item("010010010000", Some(1)).await.unwrap().unwrap();
        assert_eq!((old.version, old.current, old.spec.promised_limit_days), (1, false, 5));
        assert!(store.item("010010010000", Some(9)).await.unwrap().is_none());

        // A save based on version 1 after version 2 exists is refused: no lost update.
        let stale = store.update_item(&spec, Some(1), "旧页面提交", &actor(20)).await;
        assert!(matches!(stale, Err(StoreError::Stale(_))), "{backend:?}: {stale:?}");
        let versions = store.item_versions("010010010000").await.unwrap();
        assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(versions[0].change_note, "压缩承诺时限");

        let dup = store.create_item(&spec, "", &actor(30)).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        let missing = store.update_item(&item("999999999999", "无", "wjj"), None, "", &actor(30)).await;
        assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    }
}

onewindow_store::per_backend! {
    async fn transfer_moves_items_to_the_bureau_in_one_step(backend) {
        let store = seeded(backend).await;
        let batch = TransferBatch {
            title: "第一批划转".into(),
            document_no: "示政发〔2019〕12号".into(),
            effective_date: jiff::civil::date(2019, 6, 15),
            items: vec!["010010010000".into()],
            kept: vec![KeptItem { code: "010010020000".into(), reason: "工作量大，人员不足".into() }],
        };
        let id = store.apply_transfer(&batch, &actor(5)).await.unwrap().unwrap();
        let moved = store.item("010010010000", None).await.unwrap().unwrap();
        assert_eq!((moved.version, moved.spec.handling_department.as_str(), moved.spec.seal_model), (2, "spj", SealModel::Bureau));
        assert_eq!(moved.spec.department, "scjgj");
        let kept = store.item("010010020000", None).await.unwrap().unwrap();
        assert_eq!((kept.version, kept.spec.handling_department.as_str()), (1, "wjj"));
        let history = store.transfers().await.unwrap();
        assert_eq!((history.len(), history[0].id, history[0].batch.kept[0].reason.as_str()), (1, id, "工作量大，人员不足"));

        // The same batch again: the item is already with the bureau; nothing changes.
        let again = store.apply_transfer(&batch, &actor(6)).await.unwrap().unwrap_err();
        assert_eq!(again, vec![TransferError::AlreadyWithBureau("010010010000".into())]);
        assert_eq!(store.transfers().await.unwrap().len(), 1);
        assert_eq!(store.item("010010010000", None).await.unwrap().unwrap().version, 2);
    }
}

onewindow_store::per_backend! {
    async fn a_failed_import_applies_nothing(backend) {
        let (store, _) = fresh_store(backend).await;
        let file = CatalogueFile {
            departments: departments(),
            items: vec![item("010010010000", "食品经营许可", "scjgj")],
            transfers: vec![TransferBatch {
                title: "错误批次".into(),
                document_no: String::new(),
                effective_date: jiff::civil::date(2019, 6, 15),
                items: vec!["no-such-item".into()],
                kept: vec![],
            }],
            item_lines: vec![],
        };
        let err = store.import_catalogue(&file, "导入", &actor(0)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Rejected(m) if m.contains("no-such-item")), "{err:?}");
        assert!(store.current_items().await.unwrap().is_empty());
        assert!(store.departments().await.unwrap().is_empty());
        assert_eq!(store.audit_entries(0, 10, None).await.unwrap().len(), 0);

        // Importing the same good file twice changes nothing the second time.
        let good = CatalogueFile { transfers: vec![], ..file };
        store.import_catalogue(&good, "导入", &actor(1)).await.unwrap();
        let again = store.import_catalogue(&good, "再次导入", &actor(2)).await.unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 1));
    }
}

onewindow_store::per_backend! {
    async fn users_and_sessions(backend) {
        let store = seeded(backend).await;
        let new = NewUser {
            username: "clerk".into(),
            display_name: "王窗口".into(),
            password_hash: "$argon2id$fake".into(),
            roles: vec![Role::Clerk],
            department_code: Some("spj".into()),
            service_point_id: None,
        };
        let user = store.create_user(&new, &actor(0)).await.unwrap();
        assert_eq!(user.roles, vec![Role::Clerk]);
        assert!(matches!(store.create_user(&new, &actor(1)).await, Err(StoreError::Conflict(_))));
        let (found, hash) = store.user_for_login("clerk").await.unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (user.id, "$argon2id$fake"));

        let now = actor(100).at;
        let expires = now.checked_add(jiff::SignedDuration::from_hours(8)).unwrap();
        store.create_session("hash-1", &user, SessionKind::Cookie, expires, &actor(100)).await.unwrap();
        assert_eq!(store.session_user("hash-1", now).await.unwrap().map(|u| u.id), Some(user.id));
        assert!(store.session_user("hash-1", expires).await.unwrap().is_none(), "expired");
        assert!(store.session_user("other", now).await.unwrap().is_none());
        store.delete_session("hash-1", &actor(200)).await.unwrap();
        assert!(store.session_user("hash-1", now).await.unwrap().is_none());
    }
}

onewindow_store::per_backend! {
    async fn the_audit_trail_is_chained_append_only_and_tamper_evident(backend) {
        let (store, url) = fresh_store(backend).await;
        let file =
            CatalogueFile {
                departments: departments(), items: vec![item("010010010000", "食品经营许可", "scjgj")], ..Default::default()
            };
        store.import_catalogue(&file, "导入", &actor(0)).await.unwrap();
        let mut spec = file.items[0].clone();
        spec.visits = 0;
        store.update_item(&spec, Some(1), "零跑腿", &actor(1)).await.unwrap();
        store.record(&actor(2), "catalogue.export", "catalogue", serde_json::json!({"format": "csv"})).await.unwrap();

        let entries = store.audit_entries(0, 100, None).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, vec!["catalogue.import", "item.update", "catalogue.export"]);
        assert_eq!(entries[1].prev_hash, entries[0].hash);
        assert_eq!(store.audit_entries(0, 100, Some("010010010000")).await.unwrap().len(), 1);
        assert_eq!(store.verify_audit().await.unwrap().first_broken, None);

        // The database itself refuses edits and deletions.
        let tampered_id = entries[1].id;
        let sql = format!("UPDATE audit_log SET detail = '{{}}' WHERE id = {tampered_id}");
        let delete = format!("DELETE FROM audit_log WHERE id = {tampered_id}");
        match backend {
            Backend::Sqlite => {
                use sqlx::Connection;
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
                assert!(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut c).await.is_err());
                assert!(sqlx::raw_sql(sqlx::AssertSqlSafe(delete)).execute(&mut c).await.is_err());
                // Someone with the file drops the trigger and edits: the chain shows it.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TRIGGER audit_log_no_update; {sql}"))).execute(&mut c).await.unwrap();
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                assert!(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut c).await.is_err());
                assert!(sqlx::raw_sql(sqlx::AssertSqlSafe(delete)).execute(&mut c).await.is_err());
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; {sql}")))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
        let check = store.verify_audit().await.unwrap();
        assert_eq!(check.first_broken, Some(tampered_id), "{backend:?}");
    }
}

onewindow_store::per_backend! {
    #![tokio::test(flavor = "current_thread")]
    /// A test that needs another runtime than the usual two worker threads names it first.
    async fn a_pair_may_choose_its_runtime(backend) {
        assert_eq!(tokio::runtime::Handle::current().runtime_flavor(), tokio::runtime::RuntimeFlavor::CurrentThread);
        let (store, _) = fresh_store(backend).await;
        assert_eq!(store.backend(), backend);
    }
}
