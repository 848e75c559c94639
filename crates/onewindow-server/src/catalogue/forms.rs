//! The item edit form: rendering an item into form fields and reading posted fields back.
//! Repeated rows (materials, fees, steps, sub-items) are numbered fields; blank rows are
//! ignored and a few are always offered for additions.

use crate::catalogue::cache::Snapshot;
use onewindow_core::catalogue::{
    Fee, HandlingMode, HandlingType, ItemKind, ItemSpec, ItemStatus, Material, SealModel, Step, SubItem, format_yuan, parse_yuan,
};
use onewindow_core::region::Level;

const BLANK_ROWS: usize = 3;
const ROWS_MAX: usize = 200;

/// Form fields of an item, ready for the template.
pub struct ItemForm {
    pub code: String,
    pub name: String,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub handling_types: Vec<(&'static str, &'static str, bool)>,
    pub statuses: Vec<(&'static str, &'static str, bool)>,
    pub modes: Vec<(&'static str, &'static str, bool)>,
    pub departments: Vec<(String, String, bool)>,
    pub handling_departments: Vec<(String, String, bool)>,
    pub joint: Vec<(String, String, bool)>,
    pub levels: Vec<(&'static str, &'static str, bool)>,
    pub legal_basis: String,
    pub legal_limit_days: u32,
    pub promised_limit_days: u32,
    pub visits: u32,
    pub fully_online: bool,
    pub not_online_reason: String,
    pub inspection_required: bool,
    pub deficiency_pauses_clock: bool,
    pub location: String,
    pub phone: String,
    pub materials: Vec<Material>,
    pub fees: Vec<(String, String, String)>,
    pub steps: Vec<(String, String, String)>,
    pub sub_items: Vec<(String, String)>,
}

fn options<T: Copy + PartialEq>(
    all: &[T],
    selected: T,
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str, bool)> {
    all.iter().map(|&v| (code(v), label(v), v == selected)).collect()
}

impl ItemForm {
    /// The form for `spec`, with blank rows to add to each list.
    pub fn new(spec: &ItemSpec, snap: &Snapshot) -> ItemForm {
        let dept =
            |selected: &str| snap.departments.iter().map(|d| (d.code.clone(), d.name.clone(), d.code == selected)).collect::<Vec<_>>();
        let blank = Material { name: String::new(), required: true, originals: 1, copies: 0, kind: String::new(), note: String::new() };
        let mut materials = spec.materials.clone();
        materials.extend(std::iter::repeat_n(blank, BLANK_ROWS));
        let mut fees: Vec<_> = spec.fees.iter().map(|f| (f.name.clone(), format_yuan(f.amount_fen), f.basis.clone())).collect();
        fees.extend(std::iter::repeat_n((String::new(), String::new(), String::new()), BLANK_ROWS));
        let mut steps: Vec<_> = spec.steps.iter().map(|s| (s.name.clone(), s.actor.clone(), s.days.to_string())).collect();
        steps.extend(std::iter::repeat_n((String::new(), String::new(), String::new()), BLANK_ROWS));
        let mut sub_items: Vec<_> = spec.sub_items.iter().map(|s| (s.code.clone(), s.name.clone())).collect();
        sub_items.extend(std::iter::repeat_n((String::new(), String::new()), BLANK_ROWS));
        ItemForm {
            code: spec.code.clone(),
            name: spec.name.clone(),
            kinds: options(ItemKind::ALL, spec.kind, ItemKind::code, ItemKind::label_zh),
            handling_types: options(HandlingType::ALL, spec.handling_type, HandlingType::code, HandlingType::label_zh),
            statuses: options(ItemStatus::ALL, spec.status, ItemStatus::code, ItemStatus::label_zh),
            modes: options(HandlingMode::ALL, spec.mode, HandlingMode::code, HandlingMode::label_zh),
            departments: dept(&spec.department),
            handling_departments: dept(&spec.handling_department),
            joint: snap.departments.iter().map(|d| (d.code.clone(), d.name.clone(), spec.joint_departments.contains(&d.code))).collect(),
            levels: Level::ALL.iter().map(|l| (l.code(), l.label_zh(), spec.levels.contains(l))).collect(),
            legal_basis: spec.legal_basis.clone(),
            legal_limit_days: spec.legal_limit_days,
            promised_limit_days: spec.promised_limit_days,
            visits: spec.visits,
            fully_online: spec.fully_online,
            not_online_reason: spec.not_online_reason.clone().unwrap_or_default(),
            inspection_required: spec.inspection_required,
            deficiency_pauses_clock: spec.deficiency_pauses_clock,
            location: spec.location.clone(),
            phone: spec.phone.clone(),
            materials,
            fees,
            steps,
            sub_items,
        }
    }
}

/// Posted fields as name–value pairs (names repeat for multi-valued fields).
pub struct Posted(pub Vec<(String, String)>);

impl Posted {
    /// The first value of a field, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).collect()
    }

    /// Whether a checkbox is ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    fn number(&self, name: &str, label: &str, errors: &mut Vec<String>) -> u32 {
        let raw = self.get(name);
        if raw.is_empty() {
            return 0;
        }
        raw.parse().unwrap_or_else(|_| {
            errors.push(format!("{label}“{raw}”不是非负整数"));
            0
        })
    }

    /// Reads an item from the form. Unreadable numbers and choices are reported in
    /// `errors` (Chinese), the rest is left to onewindow-core's validation. The seal model
    /// follows the handling department.
    pub fn item(&self, bureau: &str, errors: &mut Vec<String>) -> ItemSpec {
        let choose = |name: &str, label: &str, errors: &mut Vec<String>| {
            let v = self.get(name);
            if v.is_empty() {
                errors.push(format!("请选择{label}"));
            }
            v
        };
        let kind = ItemKind::parse_any(&choose("kind", "事项类型", errors)).unwrap_or(ItemKind::Licensing);
        let handling_type = HandlingType::parse_any(&self.get("handling_type")).unwrap_or(HandlingType::Approval);
        let status = ItemStatus::parse_any(&self.get("status")).unwrap_or(ItemStatus::InForce);
        let mode = HandlingMode::parse_any(&self.get("mode")).unwrap_or(HandlingMode::Promised);
        let handling_department = choose("handling_department", "实施机关", errors);
        let mut materials = Vec::new();
        let mut fees = Vec::new();
        let mut steps = Vec::new();
        let mut sub_items = Vec::new();
        for i in 0..ROWS_MAX {
            let name = self.get(&format!("material_name_{i}"));
            if !name.is_empty() {
                materials.push(Material {
                    name,
                    required: self.checked(&format!("material_required_{i}")),
                    originals: self.number(&format!("material_originals_{i}"), "原件份数", errors),
                    copies: self.number(&format!("material_copies_{i}"), "复印件份数", errors),
                    kind: self.get(&format!("material_kind_{i}")),
                    note: self.get(&format!("material_note_{i}")),
                });
            }
            let fee = self.get(&format!("fee_name_{i}"));
            if !fee.is_empty() {
                let raw = self.get(&format!("fee_amount_{i}"));
                let amount_fen = parse_yuan(&raw).unwrap_or_else(|| {
                    errors.push(format!("收费“{fee}”的金额“{raw}”无法识别，请填写元，最多两位小数"));
                    0
                });
                fees.push(Fee { name: fee, amount_fen, basis: self.get(&format!("fee_basis_{i}")) });
            }
            let step = self.get(&format!("step_name_{i}"));
            if !step.is_empty() {
                steps.push(Step {
                    name: step,
                    actor: self.get(&format!("step_actor_{i}")),
                    days: self.number(&format!("step_days_{i}"), "环节时限", errors),
                });
            }
            let sub = self.get(&format!("sub_name_{i}"));
            if !sub.is_empty() {
                sub_items.push(SubItem { code: self.get(&format!("sub_code_{i}")), name: sub });
            }
        }
        ItemSpec {
            code: self.get("code"),
            name: self.get("name"),
            kind,
            department: choose("department", "主管部门", errors),
            seal_model: if handling_department == bureau { SealModel::Bureau } else { SealModel::DepartmentThenBureau },
            handling_department,
            legal_basis: self.get("legal_basis"),
            legal_limit_days: self.number("legal_limit_days", "法定时限", errors),
            promised_limit_days: self.number("promised_limit_days", "承诺时限", errors),
            mode,
            visits: self.number("visits", "到现场次数", errors),
            fully_online: self.checked("fully_online"),
            not_online_reason: Some(self.get("not_online_reason")).filter(|s| !s.is_empty()),
            levels: self.all("levels").iter().filter_map(|l| Level::parse_any(l)).collect(),
            materials,
            fees,
            inspection_required: self.checked("inspection_required"),
            deficiency_pauses_clock: self.checked("deficiency_pauses_clock"),
            steps,
            handling_type,
            status,
            sub_items,
            joint_departments: self.all("joint_departments"),
            location: self.get("location"),
            phone: self.get("phone"),
        }
    }
}
