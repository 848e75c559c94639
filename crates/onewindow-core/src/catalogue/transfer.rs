//! Batch transfer of items to the approval bureau (划转, seed 001 §四.2): from the effective
//! date the bureau decides them under its single approval seal and the former department
//! stops approving them. Items a department keeps are recorded with the reason.

use super::{ItemSpec, SealModel};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// An item a department keeps in this batch, with the reason (e.g. 就近办, 专业技术性强).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeptItem {
    /// Item code.
    pub code: String,
    /// Why it is not transferred.
    pub reason: String,
}

/// One transfer decision, as the district government adopted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferBatch {
    /// Title of the notice (e.g. 关于向区行政审批服务局划转第一批行政审批事项的通知).
    pub title: String,
    /// Document number of the notice, if any.
    #[serde(default)]
    pub document_no: String,
    /// Date from which the bureau decides the items.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub effective_date: jiff::civil::Date,
    /// Items transferred, by code.
    pub items: Vec<String>,
    /// Items kept by their department, with reasons.
    #[serde(default)]
    pub kept: Vec<KeptItem>,
}

/// Why a batch cannot be applied. All problems are reported together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The batch names no item at all.
    #[error("the batch transfers no item")]
    Empty,
    /// No title.
    #[error("the batch has no title")]
    Title,
    /// A code that is not in the catalogue.
    #[error("item {0} is not in the catalogue")]
    UnknownItem(String),
    /// An item already handled by the bureau.
    #[error("item {0} is already handled by the approval bureau")]
    AlreadyWithBureau(String),
    /// A cancelled item cannot be transferred.
    #[error("item {0} is cancelled")]
    Cancelled(String),
    /// An item named twice, or both transferred and kept.
    #[error("item {0} is named twice in the batch")]
    Duplicate(String),
    /// A kept item without a reason.
    #[error("item {0} is kept without a reason")]
    KeptWithoutReason(String),
}

impl TransferError {
    /// A Chinese sentence for the UI.
    pub fn message_zh(&self) -> String {
        match self {
            TransferError::Empty => "本批次未列出任何划转事项".into(),
            TransferError::Title => "请填写划转文件名称".into(),
            TransferError::UnknownItem(c) => format!("事项{c}不在事项清单中"),
            TransferError::AlreadyWithBureau(c) => format!("事项{c}已由行政审批服务局实施"),
            TransferError::Cancelled(c) => format!("事项{c}已取消，不能划转"),
            TransferError::Duplicate(c) => format!("事项{c}在本批次中重复出现"),
            TransferError::KeptWithoutReason(c) => format!("暂不划转事项{c}须说明原因"),
        }
    }
}

/// What applying a batch changes: the new version of each transferred item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferPlan {
    /// The transferred items as they will read from the effective date.
    pub changed: Vec<ItemSpec>,
    /// The kept items, unchanged, with reasons.
    pub kept: Vec<KeptItem>,
}

/// Plans a batch against the current catalogue. Pure: the store applies the plan in one
/// transaction with one new version per item and an audit entry.
pub fn plan_transfer(
    batch: &TransferBatch,
    current: &BTreeMap<String, ItemSpec>,
    bureau: &str,
) -> Result<TransferPlan, Vec<TransferError>> {
    let mut errors = Vec::new();
    if batch.title.trim().is_empty() {
        errors.push(TransferError::Title);
    }
    if batch.items.is_empty() {
        errors.push(TransferError::Empty);
    }
    let mut seen = BTreeSet::new();
    let mut changed = Vec::new();
    for code in &batch.items {
        if !seen.insert(code.as_str()) {
            errors.push(TransferError::Duplicate(code.clone()));
            continue;
        }
        match current.get(code) {
            None => errors.push(TransferError::UnknownItem(code.clone())),
            Some(item) if item.handling_department == bureau => errors.push(TransferError::AlreadyWithBureau(code.clone())),
            Some(item) if !item.takes_applications() => errors.push(TransferError::Cancelled(code.clone())),
            Some(item) => {
                let mut next = item.clone();
                next.handling_department = bureau.to_string();
                next.seal_model = SealModel::Bureau;
                changed.push(next);
            }
        }
    }
    for kept in &batch.kept {
        if !seen.insert(kept.code.as_str()) {
            errors.push(TransferError::Duplicate(kept.code.clone()));
        } else if !current.contains_key(&kept.code) {
            errors.push(TransferError::UnknownItem(kept.code.clone()));
        }
        if kept.reason.trim().is_empty() {
            errors.push(TransferError::KeptWithoutReason(kept.code.clone()));
        }
    }
    if errors.is_empty() { Ok(TransferPlan { changed, kept: batch.kept.clone() }) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::tests::sample;

    fn catalogue() -> BTreeMap<String, ItemSpec> {
        let mut a = sample();
        a.code = "A".into();
        a.handling_department = "wjj".into();
        a.seal_model = SealModel::DepartmentThenBureau;
        let mut b = a.clone();
        b.code = "B".into();
        let mut c = sample();
        c.code = "C".into();
        [a, b, c].into_iter().map(|i| (i.code.clone(), i)).collect()
    }

    fn batch(items: &[&str], kept: &[(&str, &str)]) -> TransferBatch {
        TransferBatch {
            title: "第一批划转".into(),
            document_no: String::new(),
            effective_date: jiff::civil::date(2019, 6, 15),
            items: items.iter().map(|s| s.to_string()).collect(),
            kept: kept.iter().map(|(c, r)| KeptItem { code: c.to_string(), reason: r.to_string() }).collect(),
        }
    }

    #[test]
    fn transfer_sets_bureau_and_single_seal() {
        let plan = plan_transfer(&batch(&["A"], &[("B", "就近办")]), &catalogue(), "spj").unwrap();
        assert_eq!(plan.changed.len(), 1);
        assert_eq!(plan.changed[0].handling_department, "spj");
        assert_eq!(plan.changed[0].seal_model, SealModel::Bureau);
        assert_eq!(plan.changed[0].department, "scjgj", "the owning department stays");
        assert_eq!(plan.kept.len(), 1);
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = plan_transfer(&batch(&["A", "A", "C", "Z"], &[("B", " ")]), &catalogue(), "spj").unwrap_err();
        assert_eq!(
            errors,
            vec![
                TransferError::Duplicate("A".into()),
                TransferError::AlreadyWithBureau("C".into()),
                TransferError::UnknownItem("Z".into()),
                TransferError::KeptWithoutReason("B".into()),
            ]
        );
        assert!(errors.iter().all(|e| !e.message_zh().is_empty()));
        let mut empty = batch(&[], &[]);
        empty.title.clear();
        assert_eq!(plan_transfer(&empty, &catalogue(), "spj").unwrap_err(), vec![TransferError::Title, TransferError::Empty]);
    }
}
