//! Sample items, case files and contexts for tests (this crate's, and the store's and server's
//! through the `testing` feature), so that no test builds an `ItemSpec` field by field.

use crate::calendar::Calendar;
use crate::case::clock::WarningLevel;
use crate::case::{Attachment, CaseFile, CaseState, Command, Context, execute};
use crate::catalogue::{ItemSpec, Material, SealModel, Step};
use crate::role::Role;

/// A plain licensing item of the district, in force: 20 legal and 5 promised working days, no
/// materials, no process steps, handled by the department that owns it.
pub fn item(code: &str, name: &str, department: &str) -> ItemSpec {
    ItemSpec {
        code: code.into(),
        name: name.into(),
        legal_basis: "《中华人民共和国行政许可法》".into(),
        seal_model: SealModel::DepartmentThenBureau,
        location: "示范区政务服务中心".into(),
        ..ItemSpec::draft(department)
    }
}

/// A required material of `kind` (a type key; empty for an item-specific one).
pub fn material(name: &str, kind: &str) -> Material {
    Material { name: name.into(), required: true, originals: 1, copies: 0, kind: kind.into(), note: String::new() }
}

/// 食品经营许可 of the market regulator (`scjgj`), handled at the approval bureau (`spj`): two
/// required materials (the application form, untyped, and the business licence,
/// `business_licence`) and five steps (受理, 审查, 核准, 决定, 送达: two review tasks).
pub fn food_licence() -> ItemSpec {
    ItemSpec {
        handling_department: "spj".into(),
        legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
        materials: vec![
            material("食品经营许可申请书", ""),
            Material { originals: 0, copies: 1, ..material("营业执照", "business_licence") },
        ],
        inspection_required: true,
        steps: ["受理", "审查", "核准", "决定", "送达"].map(|n| Step { name: n.into(), actor: String::new(), days: 1 }).to_vec(),
        seal_model: SealModel::Bureau,
        location: "区政务服务中心一楼综合窗口".into(),
        ..item("010010010000", "食品经营许可", "scjgj")
    }
}

/// A case of [`food_licence`] in `state`, both materials given (ids 1 and 2), nothing open, no
/// clock.
pub fn case_file(state: CaseState) -> CaseFile {
    CaseFile {
        state,
        item: food_licence(),
        materials: vec![
            Attachment { requirement: "食品经营许可申请书".into(), material_id: 1 },
            Attachment { requirement: "营业执照".into(), material_id: 2 },
        ],
        deficiencies: vec![],
        correction_rounds: 0,
        open_tasks: vec![],
        opinion_tasks_opened: 0,
        open_inspection: None,
        inspections_done: 0,
        commitment_signed: false,
        clock: None,
        warning: WarningLevel::None,
    }
}

/// Acting in `role` on Friday 27 September 2024 at 10:00 (the National Day holiday starts the
/// next Tuesday), with delegated authority, in no department.
pub fn context(role: Role, calendar: &Calendar) -> Context<'_> {
    Context {
        role,
        today: jiff::civil::date(2024, 9, 27),
        time: jiff::civil::time(10, 0, 0, 0),
        calendar,
        may_decide: true,
        department: None,
    }
}

/// [`case_file`] accepted on [`context`]'s day by a clerk: in review, its clock running (the
/// review task the acceptance opens is not in the file).
pub fn accepted_file(calendar: &Calendar) -> CaseFile {
    let mut file = case_file(CaseState::Submitted);
    let change =
        execute(&file, &Command::Accept { comment: String::new() }, &context(Role::Clerk, calendar)).expect("the sample is acceptable");
    file.state = change.state().expect("acceptance moves the case");
    file.clock = change.clock;
    file
}
