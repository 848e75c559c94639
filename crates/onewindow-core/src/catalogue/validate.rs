//! Validation of an item edit: parse the code, normalise text, check the rules of the reform
//! documents. Errors refuse the edit; warnings are shown and kept in import reports.

use super::{HandlingMode, ItemCode, ItemSpec, SealModel};
use crate::text::{char_count, normalize_name};
use serde::Serialize;
use std::collections::BTreeSet;

const NAME_CHARS_MAX: usize = 200;
const TEXT_CHARS_MAX: usize = 4000;
const LIMIT_DAYS_MAX: u32 = 365;
const VISITS_MAX: u32 = 9;
/// Seed 000 §三.2: promised limits at least 75% shorter than the legal limit.
const COMPRESSION_PERCENT_TARGET: u32 = 75;

/// What is wrong with one field; the edit is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// JSON name of the field (`promised_limit_days`, `materials[2].name`).
    pub field: String,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
}

/// Something worth a look that does not refuse the edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    /// JSON name of the field.
    pub field: String,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
}

/// Facts from outside the item that validation needs.
pub struct ValidationContext<'a> {
    /// Code of the approval bureau (行政审批服务局).
    pub bureau: &'a str,
    /// Codes of every department that exists.
    pub departments: &'a BTreeSet<String>,
}

struct Report {
    errors: Vec<FieldError>,
    warnings: Vec<Warning>,
}

impl Report {
    fn error(&mut self, field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) {
        self.errors.push(FieldError { field: field.into(), message_zh: zh.into(), message_en: en.into() });
    }
    fn warn(&mut self, field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) {
        self.warnings.push(Warning { field: field.into(), message_zh: zh.into(), message_en: en.into() });
    }
}

/// Validates and normalises an item edit. On success returns the normalised item (canonical
/// code, trimmed text, sorted levels) and the warnings; otherwise every field error at once,
/// so that a form or an import report can show them all.
pub fn validate(mut spec: ItemSpec, ctx: &ValidationContext<'_>) -> Result<(ItemSpec, Vec<Warning>), Vec<FieldError>> {
    let mut r = Report { errors: Vec::new(), warnings: Vec::new() };
    match ItemCode::parse(&spec.code) {
        Ok((code, warnings)) => {
            spec.code = code.canonical();
            for w in warnings {
                r.warn("code", w.message_zh(), w.message_en());
            }
        }
        Err(e) => r.error("code", format!("事项编码无法识别：{e}"), format!("item code cannot be read: {e}")),
    }
    normalise_text(&mut spec);
    check_text(&spec, &mut r);
    check_limits(&spec, &mut r);
    check_departments(&spec, ctx, &mut r);
    check_lists(&mut spec, &mut r);
    if r.errors.is_empty() { Ok((spec, r.warnings)) } else { Err(r.errors) }
}

fn normalise_text(spec: &mut ItemSpec) {
    spec.name = normalize_name(&spec.name);
    spec.department = spec.department.trim().to_string();
    spec.handling_department = spec.handling_department.trim().to_string();
    spec.legal_basis = spec.legal_basis.trim().to_string();
    spec.location = spec.location.trim().to_string();
    spec.phone = spec.phone.trim().to_string();
    spec.not_online_reason = spec.not_online_reason.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    for m in &mut spec.materials {
        m.name = normalize_name(&m.name);
        m.kind = m.kind.trim().to_string();
        m.note = m.note.trim().to_string();
    }
    for s in &mut spec.steps {
        s.name = normalize_name(&s.name);
        s.actor = s.actor.trim().to_string();
    }
    spec.levels.sort();
    spec.levels.dedup();
}

fn check_text(spec: &ItemSpec, r: &mut Report) {
    if spec.name.is_empty() {
        r.error("name", "事项名称不能为空", "name is empty");
    } else if char_count(&spec.name) > NAME_CHARS_MAX {
        r.error("name", format!("事项名称不能超过{NAME_CHARS_MAX}字"), format!("name is longer than {NAME_CHARS_MAX} characters"));
    }
    if spec.legal_basis.is_empty() {
        r.error("legal_basis", "设定依据不能为空", "legal basis is empty");
    }
    for (field, value) in [("legal_basis", &spec.legal_basis), ("location", &spec.location)] {
        if char_count(value) > TEXT_CHARS_MAX {
            r.error(field, format!("内容不能超过{TEXT_CHARS_MAX}字"), format!("longer than {TEXT_CHARS_MAX} characters"));
        }
    }
    if !spec.fully_online && spec.not_online_reason.is_none() {
        r.error("not_online_reason", "未实现全程网办的事项须说明原因", "an item that is not fully online must state why");
    }
    if spec.fully_online && spec.not_online_reason.is_some() {
        r.warn("not_online_reason", "事项已全程网办，未网办原因将不显示", "item is fully online; the reason is not shown");
    }
    if spec.location.is_empty() {
        r.warn("location", "未填写办理地点", "no place of handling given");
    }
}

fn check_limits(spec: &ItemSpec, r: &mut Report) {
    if spec.legal_limit_days > LIMIT_DAYS_MAX {
        r.error(
            "legal_limit_days",
            format!("法定时限不能超过{LIMIT_DAYS_MAX}个工作日"),
            format!("legal limit above {LIMIT_DAYS_MAX} working days"),
        );
    }
    if spec.promised_limit_days > spec.legal_limit_days {
        r.error(
            "promised_limit_days",
            format!("承诺时限（{}个工作日）不能超过法定时限（{}个工作日）", spec.promised_limit_days, spec.legal_limit_days),
            format!("promised limit ({}) exceeds the legal limit ({})", spec.promised_limit_days, spec.legal_limit_days),
        );
    }
    match spec.mode {
        HandlingMode::Immediate if spec.promised_limit_days != 0 => {
            r.error("promised_limit_days", "即办件的承诺时限应为0（当日办结）", "an immediate item has a promised limit of 0 (same day)");
        }
        HandlingMode::Promised if spec.promised_limit_days == 0 => {
            r.error(
                "promised_limit_days",
                "承诺件的承诺时限至少为1个工作日；当日办结请选择即办件",
                "a promised item needs at least 1 working day; choose immediate for same-day items",
            );
        }
        _ => {}
    }
    if spec.mode == HandlingMode::Promised
        && spec.promised_limit_days <= spec.legal_limit_days
        && let Some(p) = spec.compression_percent()
        && p < COMPRESSION_PERCENT_TARGET
    {
        r.warn(
            "promised_limit_days",
            format!("承诺时限仅比法定时限压缩{p}%，改革目标为压缩75%以上"),
            format!("promise is only {p}% shorter than the legal limit; the target is 75%"),
        );
    }
    if spec.visits > VISITS_MAX {
        r.error("visits", format!("跑动次数不能超过{VISITS_MAX}次"), format!("visits above {VISITS_MAX}"));
    } else if spec.visits > 1 {
        r.warn("visits", "跑动次数超过1次，不符合“最多跑一次”", "more than one visit breaks 'at most one trip'");
    }
}

fn check_departments(spec: &ItemSpec, ctx: &ValidationContext<'_>, r: &mut Report) {
    for (field, code) in [("department", &spec.department), ("handling_department", &spec.handling_department)] {
        if code.is_empty() {
            r.error(field, "部门不能为空", "department is empty");
        } else if !ctx.departments.contains(code.as_str()) {
            r.error(field, format!("部门“{code}”不存在"), format!("department {code:?} does not exist"));
        }
    }
    for (i, code) in spec.joint_departments.iter().enumerate() {
        if !ctx.departments.contains(code.as_str()) {
            r.error(format!("joint_departments[{i}]"), format!("联审部门“{code}”不存在"), format!("department {code:?} does not exist"));
        }
    }
    // The seal model follows who handles the item: the bureau decides under its single seal;
    // a department that keeps an item signs with its own seal and then the bureau's.
    let expected = if spec.handling_department == ctx.bureau { SealModel::Bureau } else { SealModel::DepartmentThenBureau };
    if spec.seal_model != expected {
        r.error(
            "seal_model",
            format!(
                "实施机关为{}时，印章模式应为“{}”",
                if expected == SealModel::Bureau { "行政审批服务局" } else { "业务部门" },
                expected.label_zh()
            ),
            format!("with this handling department the seal model must be {}", expected.code()),
        );
    }
}

fn check_lists(spec: &mut ItemSpec, r: &mut Report) {
    if spec.levels.is_empty() {
        r.error("levels", "至少选择一个可办理层级", "at least one level is needed");
    }
    let mut seen = BTreeSet::new();
    for (i, m) in spec.materials.iter().enumerate() {
        if m.name.is_empty() {
            r.error(format!("materials[{i}].name"), "材料名称不能为空", "material name is empty");
        } else if !seen.insert(m.name.clone()) {
            r.error(format!("materials[{i}].name"), format!("材料“{}”重复", m.name), format!("material {:?} is listed twice", m.name));
        }
    }
    for (i, f) in spec.fees.iter().enumerate() {
        if f.name.trim().is_empty() || f.basis.trim().is_empty() {
            r.error(format!("fees[{i}]"), "收费项目须写明名称和收费依据", "a fee needs a name and its basis");
        }
    }
    for (i, s) in spec.steps.iter().enumerate() {
        if s.name.is_empty() {
            r.error(format!("steps[{i}].name"), "环节名称不能为空", "step name is empty");
        }
    }
    let step_days: u32 = spec.steps.iter().map(|s| s.days).sum();
    if spec.mode == HandlingMode::Promised && step_days > spec.promised_limit_days {
        r.warn(
            "steps",
            format!("各环节时限合计{step_days}个工作日，超过承诺时限"),
            format!("steps add up to {step_days} working days, above the promised limit"),
        );
    }
    if spec.steps.is_empty() {
        r.warn("steps", "未填写办理流程", "no process steps given");
    }
    for (i, s) in spec.sub_items.iter().enumerate() {
        if s.name.trim().is_empty() {
            r.error(format!("sub_items[{i}].name"), "子项名称不能为空", "sub-item name is empty");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::tests::sample;
    use crate::catalogue::{Fee, Material};

    fn departments() -> BTreeSet<String> {
        ["spj", "scjgj", "wjj"].into_iter().map(String::from).collect()
    }

    fn run(spec: ItemSpec) -> Result<(ItemSpec, Vec<Warning>), Vec<FieldError>> {
        let deps = departments();
        validate(spec, &ValidationContext { bureau: "spj", departments: &deps })
    }

    fn error_fields(spec: ItemSpec) -> Vec<String> {
        run(spec).err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_item_passes_and_is_normalised() {
        let mut s = sample();
        s.name = " 食品经营许可 ".into();
        s.code = "０１００１００１００００".into();
        let (n, w) = run(s).unwrap();
        assert_eq!(n.name, "食品经营许可");
        assert_eq!(n.code, "010010010000");
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn rule_table() {
        type Edit = fn(&mut ItemSpec);
        let table: Vec<(Edit, &str)> = vec![
            (|s| s.promised_limit_days = 21, "promised_limit_days"),
            (|s| s.promised_limit_days = 0, "promised_limit_days"),
            (|s| s.mode = HandlingMode::Immediate, "promised_limit_days"),
            (|s| s.name = String::new(), "name"),
            (|s| s.legal_basis = " ".into(), "legal_basis"),
            (|s| s.fully_online = false, "not_online_reason"),
            (|s| s.department = "nosuch".into(), "department"),
            (|s| s.handling_department = "wjj".into(), "seal_model"),
            (|s| s.levels.clear(), "levels"),
            (|s| s.code = "食品".into(), "code"),
            (|s| s.visits = 10, "visits"),
            (|s| s.legal_limit_days = 400, "legal_limit_days"),
            (|s| s.joint_departments = vec!["nosuch".into()], "joint_departments[0]"),
            (|s| s.fees = vec![Fee { name: "工本费".into(), amount_fen: 1000, basis: String::new() }], "fees[0]"),
            (
                |s| {
                    let m = s.materials[0].clone();
                    s.materials.push(m);
                },
                "materials[1].name",
            ),
        ];
        for (edit, field) in table {
            let mut s = sample();
            edit(&mut s);
            let fields = error_fields(s);
            assert!(fields.iter().any(|f| f == field), "expected error on {field}, got {fields:?}");
        }
    }

    #[test]
    fn all_errors_are_reported_at_once() {
        let mut s = sample();
        s.name.clear();
        s.promised_limit_days = 30;
        s.levels.clear();
        assert_eq!(error_fields(s).len(), 3);
    }

    #[test]
    fn department_items_need_two_seals() {
        let mut s = sample();
        s.handling_department = "wjj".into();
        s.seal_model = SealModel::DepartmentThenBureau;
        assert!(run(s).is_ok());
    }

    #[test]
    fn warnings_do_not_refuse() {
        let mut s = sample();
        s.promised_limit_days = 10; // only 50% shorter
        s.visits = 2;
        s.fully_online = false;
        s.not_online_reason = Some("需现场核验原件".into());
        s.materials.push(Material {
            name: "营业执照".into(),
            required: false,
            originals: 0,
            copies: 1,
            kind: "business_licence".into(),
            note: String::new(),
        });
        let (_, w) = run(s).unwrap();
        let fields: Vec<_> = w.iter().map(|w| w.field.as_str()).collect();
        assert!(fields.contains(&"promised_limit_days"), "{fields:?}");
        assert!(fields.contains(&"visits"), "{fields:?}");
    }

    #[test]
    fn immediate_items_are_due_the_same_day() {
        let mut s = sample();
        s.mode = HandlingMode::Immediate;
        s.promised_limit_days = 0;
        s.steps[0].days = 0;
        assert!(run(s).is_ok());
    }
}
