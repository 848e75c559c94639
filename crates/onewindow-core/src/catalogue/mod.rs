//! The item catalogue (事项清单): what an item is, how an edit is validated, how a catalogue
//! file is read and written, and how a batch transfer (划转) changes items.

mod code;
mod import;
mod labels;
mod transfer;
mod validate;

pub use code::{BASIC_CODE_LEN, CodeError, CodeWarning, ItemCode};
pub use import::{CatalogueFile, DepartmentRecord, ImportError, ImportReport, ImportWarning, csv_header, parse_csv, parse_json, to_csv};
pub use labels::{HandlingMode, HandlingType, ItemKind, ItemStatus, SealModel};
pub use transfer::{KeptItem, TransferBatch, TransferError, TransferPlan, plan_transfer};
pub use validate::{FieldError, ValidationContext, Warning, validate};

use crate::region::Level;
use serde::{Deserialize, Serialize};

/// A material the applicant provides (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    /// Name as printed in the service guide.
    pub name: String,
    /// Whether the application is incomplete without it.
    #[serde(default = "yes")]
    pub required: bool,
    /// Originals to show or hand in.
    #[serde(default)]
    pub originals: u32,
    /// Photocopies to hand in.
    #[serde(default)]
    pub copies: u32,
    /// Type key shared across items so that a material held once is reused (e.g. `id_card`,
    /// `business_licence`); empty when the material is specific to the item.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Notes for the applicant (format, who issues it, when it may be omitted).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn yes() -> bool {
    true
}

/// A fee and its legal basis. An item without fees is free (不收费).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fee {
    /// What the fee is for.
    pub name: String,
    /// Amount in fen (0.01 yuan), so that no float ever holds money.
    pub amount_fen: u64,
    /// The document that sets the fee.
    pub basis: String,
}

/// A step of the process (办理流程), e.g. 受理 → 审查 → 决定 → 送达.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// Name of the step.
    pub name: String,
    /// Who does it (e.g. 综合窗口, 审查科室, 分管领导).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub actor: String,
    /// Working days the step is expected to take.
    #[serde(default)]
    pub days: u32,
}

/// A sub-item (子项) of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubItem {
    /// Code of the sub-item.
    pub code: String,
    /// Name of the sub-item.
    pub name: String,
}

/// Everything a catalogue administrator edits about an item. Every saved edit becomes a new
/// version; a case keeps the version it was accepted under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSpec {
    /// Basic or implementation code (see [`ItemCode`]), in canonical form once validated.
    pub code: String,
    /// Name of the item (事项名称), the same at every level.
    pub name: String,
    /// Item type.
    pub kind: ItemKind,
    /// Code of the department that owns the item (主管部门).
    pub department: String,
    /// Code of the department that handles it (实施机关); the approval bureau after a transfer.
    pub handling_department: String,
    /// Legal basis (设定依据).
    pub legal_basis: String,
    /// Legal time limit (法定时限) in working days.
    pub legal_limit_days: u32,
    /// Promised time limit (承诺时限) in working days; 0 for immediate items.
    pub promised_limit_days: u32,
    /// 即办件 or 承诺件.
    pub mode: HandlingMode,
    /// Visits to the hall needed: 0 = 零跑腿, 1 = 最多跑一次.
    pub visits: u32,
    /// Whether the whole process can be done online (全程网办).
    pub fully_online: bool,
    /// Why it cannot be done fully online; required when `fully_online` is false (seed 002 §三.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_online_reason: Option<String>,
    /// Levels where an application can be made (就近办).
    pub levels: Vec<Level>,
    /// Materials the applicant provides.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// Fees; empty means free.
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// Whether a site inspection (现场核查) is needed.
    #[serde(default)]
    pub inspection_required: bool,
    /// Whether the time limit stops while materials accepted as missing (容缺) are outstanding.
    #[serde(default)]
    pub deficiency_pauses_clock: bool,
    /// Process steps.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// How a case is decided.
    pub handling_type: HandlingType,
    /// Lifecycle status.
    pub status: ItemStatus,
    /// Which seals make a decision valid.
    pub seal_model: SealModel,
    /// Sub-items.
    #[serde(default)]
    pub sub_items: Vec<SubItem>,
    /// Departments that give parallel opinions (联审联办), by code.
    #[serde(default)]
    pub joint_departments: Vec<String>,
    /// Where to go: hall, window, address.
    #[serde(default)]
    pub location: String,
    /// Telephone for enquiries.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
}

impl ItemSpec {
    /// A new item of `department` with the defaults the catalogue editor offers: a licensing
    /// item in force at district level, 20 legal and 5 promised working days, one visit, fully
    /// online, decided by the approval bureau's seal; no code, name, materials or steps yet.
    pub fn draft(department: &str) -> ItemSpec {
        ItemSpec {
            code: String::new(),
            name: String::new(),
            kind: ItemKind::Licensing,
            department: department.into(),
            handling_department: department.into(),
            legal_basis: String::new(),
            legal_limit_days: 20,
            promised_limit_days: 5,
            mode: HandlingMode::Promised,
            visits: 1,
            fully_online: true,
            not_online_reason: None,
            levels: vec![Level::District],
            materials: vec![],
            fees: vec![],
            inspection_required: false,
            deficiency_pauses_clock: false,
            steps: vec![],
            handling_type: HandlingType::Approval,
            status: ItemStatus::InForce,
            seal_model: SealModel::Bureau,
            sub_items: vec![],
            joint_departments: vec![],
            location: String::new(),
            phone: String::new(),
        }
    }

    /// Whether the item accepts applications.
    pub fn takes_applications(&self) -> bool {
        self.status != ItemStatus::Cancelled
    }

    /// Total of all fees in fen.
    pub fn fee_total_fen(&self) -> u64 {
        self.fees.iter().map(|f| f.amount_fen).sum()
    }

    /// How much shorter the promise is than the legal limit, in percent (0–100), or `None`
    /// when the legal limit is zero.
    pub fn compression_percent(&self) -> Option<u32> {
        (self.legal_limit_days > 0).then(|| {
            let saved = self.legal_limit_days.saturating_sub(self.promised_limit_days);
            saved * 100 / self.legal_limit_days
        })
    }
}

/// Formats an amount of fen as yuan with two decimals (`12345` → `123.45`).
pub fn format_yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Parses yuan written by people (`120`, `120.5`, `120.50元`, `￥120`) into fen.
pub fn parse_yuan(raw: &str) -> Option<u64> {
    let s = crate::text::fold_width(raw);
    let s = s.trim_start_matches(['¥', '￥']).trim_end_matches('元').trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid licensing item used by the tests of this module.
    pub fn sample() -> ItemSpec {
        ItemSpec {
            code: "010010010000".into(),
            name: "食品经营许可".into(),
            handling_department: "spj".into(),
            legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
            materials: vec![Material {
                name: "食品经营许可申请书".into(),
                required: true,
                originals: 1,
                copies: 0,
                kind: String::new(),
                note: String::new(),
            }],
            inspection_required: true,
            steps: vec![Step { name: "受理".into(), actor: "综合窗口".into(), days: 1 }],
            location: "区政务服务中心一楼综合窗口".into(),
            ..ItemSpec::draft("scjgj")
        }
    }

    #[test]
    fn money() {
        let table = [
            ("120", Some(12000)),
            ("120.5", Some(12050)),
            ("￥0.05", Some(5)),
            ("12元", Some(1200)),
            ("1.234", None),
            ("abc", None),
            ("", None),
        ];
        for (raw, expected) in table {
            assert_eq!(parse_yuan(raw), expected, "{raw}");
        }
        assert_eq!(format_yuan(12345), "123.45");
        assert_eq!(format_yuan(5), "0.05");
    }

    #[test]
    fn compression() {
        let s = sample();
        assert_eq!(s.compression_percent(), Some(75));
        assert!(s.takes_applications());
    }
}
