//! The current catalogue held in memory with its search index. Each request that needs it
//! asks the store for the catalogue generation (one indexed lookup); when another process or
//! request changed the catalogue, the snapshot is rebuilt once and shared.

use onewindow_core::catalogue::{DepartmentRecord, ItemCode};
use onewindow_core::search::{SearchDoc, SearchIndex};
use onewindow_store::{Store, StoreError, StoredItem};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// An immutable view of the catalogue at one generation.
pub struct Snapshot {
    /// The generation it was built at.
    pub generation: i64,
    /// Every current item, in code order; search hits index into it.
    pub items: Vec<StoredItem>,
    /// Departments, the bureau first.
    pub departments: Vec<DepartmentRecord>,
    /// The search index over `items`.
    pub index: SearchIndex,
    by_code: HashMap<String, usize>,
    dept_names: HashMap<String, String>,
}

impl Snapshot {
    /// Builds the snapshot from stored items and departments.
    pub fn build(generation: i64, items: Vec<StoredItem>, departments: Vec<DepartmentRecord>) -> Snapshot {
        let dept_names: HashMap<String, String> = departments.iter().map(|d| (d.code.clone(), d.name.clone())).collect();
        let docs = items
            .iter()
            .map(|i| {
                let s = &i.spec;
                let basic_code = ItemCode::parse(&s.code).map(|(c, _)| c.basic().to_string()).unwrap_or_else(|_| s.code.clone());
                let mut names = vec![dept_names.get(&s.department).cloned().unwrap_or_default()];
                if s.handling_department != s.department {
                    names.push(dept_names.get(&s.handling_department).cloned().unwrap_or_default());
                }
                let materials: Vec<&str> = s.materials.iter().map(|m| m.name.as_str()).collect();
                SearchDoc {
                    code: s.code.clone(),
                    basic_code,
                    name: s.name.clone(),
                    sub_items: s.sub_items.iter().map(|x| x.name.clone()).collect(),
                    department_codes: vec![s.department.clone(), s.handling_department.clone()],
                    department_names: names,
                    body: format!("{} {}", s.legal_basis, materials.join(" ")),
                    kind: s.kind,
                    levels: s.levels.clone(),
                    status: s.status,
                }
            })
            .collect();
        let by_code = items.iter().enumerate().map(|(i, it)| (it.spec.code.clone(), i)).collect();
        Snapshot { generation, index: SearchIndex::build(docs), items, departments, by_code, dept_names }
    }

    /// The current version of an item.
    pub fn item(&self, code: &str) -> Option<&StoredItem> {
        self.by_code.get(code).map(|&i| &self.items[i])
    }

    /// A department's name, or its code when unknown.
    pub fn department_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.dept_names.get(code).map(String::as_str).unwrap_or(code)
    }

    /// The approval bureau's code.
    pub fn bureau(&self) -> Option<&str> {
        self.departments.iter().find(|d| d.is_bureau).map(|d| d.code.as_str())
    }

    /// Resolves a department filter given as a code or a name.
    pub fn department_code(&self, code_or_name: &str) -> Option<String> {
        self.departments.iter().find(|d| d.code == code_or_name || d.name == code_or_name).map(|d| d.code.clone())
    }
}

/// Holds the newest snapshot.
#[derive(Default)]
pub struct CatalogueCache {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuilding: tokio::sync::Mutex<()>,
}

impl CatalogueCache {
    /// The snapshot at the store's current generation, rebuilt if the catalogue changed.
    pub async fn get(&self, store: &Store) -> Result<Arc<Snapshot>, StoreError> {
        let generation = store.catalogue_generation().await?;
        if let Some(s) = self.fresh(generation) {
            return Ok(s);
        }
        let _guard = self.rebuilding.lock().await;
        if let Some(s) = self.fresh(generation) {
            return Ok(s);
        }
        let (items, departments) = (store.current_items().await?, store.departments().await?);
        let snapshot = Arc::new(Snapshot::build(generation, items, departments));
        tracing::debug!(generation, items = snapshot.items.len(), "Rebuilt the catalogue index");
        *self.current.write().expect("cache lock") = Some(snapshot.clone());
        Ok(snapshot)
    }

    fn fresh(&self, generation: i64) -> Option<Arc<Snapshot>> {
        self.current.read().expect("cache lock").as_ref().filter(|s| s.generation == generation).cloned()
    }
}
