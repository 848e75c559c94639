//! Reading and writing whole catalogues as JSON and CSV.
//!
//! Import is two-phase so that nothing of a failed import is half-applied: this module parses
//! and checks every row and returns either the complete list of errors (each with its line
//! number and field) or a checked catalogue that the store then writes in one transaction.
//! CSV headers and values may be English codes or Chinese labels, since real catalogues are
//! kept in Chinese spreadsheets; nested lists are JSON arrays or simple `；`-separated lists.

use super::{
    HandlingMode, HandlingType, ItemKind, ItemSpec, ItemStatus, Material, SealModel, Step, SubItem, TransferBatch, ValidationContext,
    validate,
};
use crate::region::Level;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A department as catalogue files carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentRecord {
    /// Short stable code used in item records and URLs (e.g. `scjgj`).
    pub code: String,
    /// Full name (e.g. 区市场监督管理局).
    pub name: String,
    /// Unified social credit code of the department, if known.
    #[serde(default)]
    pub credit_code: String,
    /// Whether this is the approval bureau (行政审批服务局). Exactly one department is.
    #[serde(default)]
    pub is_bureau: bool,
}

/// A whole catalogue file: departments, items and transfer history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueFile {
    /// Departments referred to by the items.
    #[serde(default)]
    pub departments: Vec<DepartmentRecord>,
    /// Items, each as its current version.
    #[serde(default)]
    pub items: Vec<ItemSpec>,
    /// Transfer batches, applied in order after the items.
    #[serde(default)]
    pub transfers: Vec<TransferBatch>,
    /// Source line of each item (CSV) for error reports; empty for JSON.
    #[serde(skip)]
    pub item_lines: Vec<usize>,
}

/// A problem that refuses the import: where, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportError {
    /// Line of the file (1-based), when known.
    pub line: Option<usize>,
    /// Index of the item in the file (0-based), when the problem is in an item.
    pub item: Option<usize>,
    /// Field or column.
    pub field: String,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
}

/// A deviation the import accepted, reported with its place.
pub type ImportWarning = ImportError;

/// The outcome of checking a catalogue file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Errors: when any, nothing is applied.
    pub errors: Vec<ImportError>,
    /// Warnings of accepted rows.
    pub warnings: Vec<ImportWarning>,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        } else if let Some(item) = self.item {
            write!(f, "items[{item}]: ")?;
        }
        write!(f, "{}: {} ({})", self.field, self.message_en, self.message_zh)
    }
}

fn file_error(line: Option<usize>, field: &str, zh: String, en: String) -> ImportError {
    ImportError { line, item: None, field: field.into(), message_zh: zh, message_en: en }
}

/// Parses a JSON catalogue file.
pub fn parse_json(text: &str) -> Result<CatalogueFile, Vec<ImportError>> {
    let text = text.trim_start_matches('\u{FEFF}');
    serde_json::from_str::<CatalogueFile>(text)
        .map_err(|e| vec![file_error(Some(e.line()), "", format!("JSON格式错误：{e}"), format!("invalid JSON: {e}"))])
}

/// The CSV columns: English code and Chinese header, in export order.
const COLUMNS: [(&str, &str); 25] = [
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("kind", "事项类型"),
    ("department", "主管部门"),
    ("handling_department", "实施机关"),
    ("legal_basis", "设定依据"),
    ("legal_limit_days", "法定时限"),
    ("promised_limit_days", "承诺时限"),
    ("mode", "办件类型"),
    ("visits", "跑动次数"),
    ("fully_online", "全程网办"),
    ("not_online_reason", "未网办原因"),
    ("levels", "办理层级"),
    ("materials", "申请材料"),
    ("fees", "收费"),
    ("inspection_required", "现场核查"),
    ("deficiency_pauses_clock", "容缺暂停计时"),
    ("steps", "办理流程"),
    ("handling_type", "办理方式"),
    ("status", "事项状态"),
    ("seal_model", "印章模式"),
    ("sub_items", "子项"),
    ("joint_departments", "联审部门"),
    ("location", "办理地点"),
    ("phone", "咨询电话"),
];

const REQUIRED_COLUMNS: [&str; 9] =
    ["code", "name", "kind", "department", "legal_basis", "legal_limit_days", "promised_limit_days", "mode", "levels"];

/// The CSV header row onewindow writes.
pub fn csv_header() -> Vec<&'static str> {
    COLUMNS.iter().map(|(en, _)| *en).collect()
}

/// Parses a CSV catalogue (items only; departments must exist or come from a JSON file).
/// Department columns may hold a department's code or its full name; `departments` maps
/// names to codes for that.
pub fn parse_csv(text: &str, departments: &[DepartmentRecord]) -> Result<CatalogueFile, Vec<ImportError>> {
    let text = text.trim_start_matches('\u{FEFF}');
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| vec![file_error(Some(1), "", format!("无法读取表头：{e}"), format!("cannot read the header: {e}"))])?
        .clone();
    let mut index: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = crate::text::fold_width(h);
        match COLUMNS.iter().find(|(en, zh)| *en == h || *zh == h) {
            Some((en, _)) => {
                index.insert(en, i);
            }
            None => errors.push(file_error(Some(1), &h, format!("未知的列“{h}”"), format!("unknown column {h:?}"))),
        }
    }
    for col in REQUIRED_COLUMNS {
        if !index.contains_key(col) {
            let zh = COLUMNS.iter().find(|(en, _)| *en == col).map(|(_, zh)| *zh).unwrap_or(col);
            errors.push(file_error(Some(1), col, format!("缺少必需的列“{zh}”"), format!("required column {col:?} is missing")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let names: BTreeMap<&str, &str> = departments.iter().map(|d| (d.name.as_str(), d.code.as_str())).collect();
    let mut file = CatalogueFile::default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                errors.push(file_error(line, "", format!("CSV格式错误：{e}"), format!("invalid CSV: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |col: &str| index.get(col).and_then(|&i| record.get(i)).map(str::trim).unwrap_or("");
        let mut row = RowReader { line, item: file.items.len(), errors: &mut errors };
        let department = |raw: &str| names.get(raw).map(|c| c.to_string()).unwrap_or_else(|| raw.to_string());
        let spec = ItemSpec {
            code: cell("code").to_string(),
            name: cell("name").to_string(),
            kind: row.enumerated("kind", cell("kind"), ItemKind::parse_any, ItemKind::Licensing),
            department: department(cell("department")),
            handling_department: department(match cell("handling_department") {
                "" => cell("department"),
                v => v,
            }),
            legal_basis: cell("legal_basis").to_string(),
            legal_limit_days: row.number("legal_limit_days", cell("legal_limit_days")),
            promised_limit_days: row.number("promised_limit_days", cell("promised_limit_days")),
            mode: row.enumerated("mode", cell("mode"), HandlingMode::parse_any, HandlingMode::Promised),
            visits: if cell("visits").is_empty() { 1 } else { row.number("visits", cell("visits")) },
            fully_online: row.boolean("fully_online", cell("fully_online"), false),
            not_online_reason: Some(cell("not_online_reason").to_string()).filter(|s| !s.is_empty()),
            levels: row.levels(cell("levels")),
            materials: row.materials(cell("materials")),
            fees: row.json_list("fees", cell("fees"), |_| None),
            inspection_required: row.boolean("inspection_required", cell("inspection_required"), false),
            deficiency_pauses_clock: row.boolean("deficiency_pauses_clock", cell("deficiency_pauses_clock"), false),
            steps: row.json_list("steps", cell("steps"), |name| Some(Step { name: name.into(), actor: String::new(), days: 0 })),
            handling_type: row.enumerated("handling_type", cell("handling_type"), HandlingType::parse_any, HandlingType::Approval),
            status: row.enumerated("status", cell("status"), ItemStatus::parse_any, ItemStatus::InForce),
            seal_model: row.enumerated("seal_model", cell("seal_model"), SealModel::parse_any, SealModel::DepartmentThenBureau),
            sub_items: row.json_list("sub_items", cell("sub_items"), |entry| {
                let (code, name) = entry.split_once([':', '：', ' '])?;
                Some(SubItem { code: code.trim().into(), name: name.trim().into() })
            }),
            joint_departments: split_list(cell("joint_departments")).map(department).collect(),
            location: cell("location").to_string(),
            phone: cell("phone").to_string(),
        };
        file.items.push(spec);
        file.item_lines.push(line);
    }
    if errors.is_empty() { Ok(file) } else { Err(errors) }
}

fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(['；', ';', '\n', '、']).map(str::trim).filter(|s| !s.is_empty())
}

struct RowReader<'a> {
    line: usize,
    item: usize,
    errors: &'a mut Vec<ImportError>,
}

impl RowReader<'_> {
    fn error(&mut self, field: &str, zh: String, en: String) {
        self.errors.push(ImportError { line: Some(self.line), item: Some(self.item), field: field.into(), message_zh: zh, message_en: en });
    }

    fn enumerated<T>(&mut self, field: &str, raw: &str, parse: fn(&str) -> Option<T>, default: T) -> T {
        if raw.is_empty() {
            return default;
        }
        parse(raw).unwrap_or_else(|| {
            self.error(field, format!("无法识别的值“{raw}”"), format!("unknown value {raw:?}"));
            default
        })
    }

    fn number(&mut self, field: &str, raw: &str) -> u32 {
        let digits = crate::text::fold_width(raw);
        let digits = digits.trim_end_matches("个工作日").trim_end_matches("工作日").trim_end_matches(['天', '日']);
        digits.trim().parse().unwrap_or_else(|_| {
            self.error(field, format!("“{raw}”不是非负整数"), format!("{raw:?} is not a whole number"));
            0
        })
    }

    fn boolean(&mut self, field: &str, raw: &str, default: bool) -> bool {
        match crate::text::fold_width(raw).to_ascii_lowercase().as_str() {
            "" => default,
            "1" | "true" | "yes" | "y" | "是" | "需要" => true,
            "0" | "false" | "no" | "n" | "否" | "不需要" => false,
            _ => {
                self.error(field, format!("“{raw}”应为“是”或“否”"), format!("{raw:?} is not yes or no"));
                default
            }
        }
    }

    fn levels(&mut self, raw: &str) -> Vec<Level> {
        let mut out = Vec::new();
        for part in split_list(raw).flat_map(|p| p.split([',', '，', '/'])) {
            match Level::parse_any(part) {
                Some(l) => out.push(l),
                None => self.error("levels", format!("无法识别的层级“{part}”"), format!("unknown level {part:?}")),
            }
        }
        out
    }

    fn materials(&mut self, raw: &str) -> Vec<Material> {
        self.json_list("materials", raw, |entry| {
            let optional = ["（非必要）", "(非必要)", "（可选）", "(可选)"].iter().find(|s| entry.ends_with(*s));
            let name = optional.map(|s| entry.trim_end_matches(*s)).unwrap_or(entry);
            Some(Material {
                name: name.trim().into(),
                required: optional.is_none(),
                originals: 1,
                copies: 0,
                kind: String::new(),
                note: String::new(),
            })
        })
    }

    /// A JSON array of records, or a `；`-separated list where `simple` turns each entry into a record.
    fn json_list<T: for<'de> Deserialize<'de>>(&mut self, field: &str, raw: &str, simple: fn(&str) -> Option<T>) -> Vec<T> {
        if raw.is_empty() || raw == "无" || raw == "不收费" {
            return Vec::new();
        }
        if raw.starts_with('[') {
            return serde_json::from_str(raw).unwrap_or_else(|e| {
                self.error(field, format!("JSON列表格式错误：{e}"), format!("invalid JSON list: {e}"));
                Vec::new()
            });
        }
        let mut out = Vec::new();
        for entry in split_list(raw) {
            match simple(entry) {
                Some(v) => out.push(v),
                None => {
                    self.error(field, format!("无法识别“{entry}”，请使用JSON列表"), format!("cannot read {entry:?}; use a JSON list"));
                    break;
                }
            }
        }
        out
    }
}

/// Writes items as CSV with onewindow's header; nested lists as JSON.
pub fn to_csv(items: &[ItemSpec]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(csv_header()).expect("writing to memory");
    let json = |v: &dyn erased::Json| v.to_json();
    for i in items {
        let levels: Vec<&str> = i.levels.iter().map(|l| l.code()).collect();
        w.write_record([
            i.code.as_str(),
            &i.name,
            i.kind.code(),
            &i.department,
            &i.handling_department,
            &i.legal_basis,
            &i.legal_limit_days.to_string(),
            &i.promised_limit_days.to_string(),
            i.mode.code(),
            &i.visits.to_string(),
            if i.fully_online { "true" } else { "false" },
            i.not_online_reason.as_deref().unwrap_or(""),
            &levels.join(";"),
            &json(&i.materials),
            &json(&i.fees),
            if i.inspection_required { "true" } else { "false" },
            if i.deficiency_pauses_clock { "true" } else { "false" },
            &json(&i.steps),
            i.handling_type.code(),
            i.status.code(),
            i.seal_model.code(),
            &json(&i.sub_items),
            &i.joint_departments.join(";"),
            &i.location,
            &i.phone,
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("csv of UTF-8 fields is UTF-8")
}

mod erased {
    /// Serialises a list to compact JSON, or an empty cell for an empty list.
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for Vec<T> {
        fn to_json(&self) -> String {
            if self.is_empty() { String::new() } else { serde_json::to_string(self).expect("plain data serialises") }
        }
    }
}

impl CatalogueFile {
    /// Checks every item against the rules and the known departments (those already stored
    /// plus those in the file). Returns the normalised items and the warnings, or every error.
    pub fn check(mut self, stored: &[DepartmentRecord]) -> Result<(CatalogueFile, Vec<ImportWarning>), Vec<ImportError>> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let all: Vec<&DepartmentRecord> = stored.iter().chain(self.departments.iter()).collect();
        let codes: BTreeSet<String> = all.iter().map(|d| d.code.clone()).collect();
        let bureaus: BTreeSet<&str> = all.iter().filter(|d| d.is_bureau).map(|d| d.code.as_str()).collect();
        let bureau = match bureaus.len() {
            1 => bureaus.into_iter().next().unwrap_or_default().to_string(),
            n => {
                errors.push(file_error(
                    None,
                    "departments",
                    format!("须有且只有一个行政审批服务局，现有{n}个"),
                    format!("exactly one approval bureau is needed, found {n}"),
                ));
                String::new()
            }
        };
        for (i, d) in self.departments.iter().enumerate() {
            if d.code.trim().is_empty() || d.name.trim().is_empty() {
                errors.push(file_error(
                    None,
                    &format!("departments[{i}]"),
                    "部门须有代码和名称".into(),
                    "a department needs a code and a name".into(),
                ));
            }
        }
        let ctx = ValidationContext { bureau: &bureau, departments: &codes };
        let mut seen = BTreeSet::new();
        let lines = std::mem::take(&mut self.item_lines);
        let items = std::mem::take(&mut self.items);
        for (i, spec) in items.into_iter().enumerate() {
            let line = lines.get(i).copied();
            let place = |field: String, zh: String, en: String| ImportError { line, item: Some(i), field, message_zh: zh, message_en: en };
            match validate(spec, &ctx) {
                Ok((spec, ws)) => {
                    warnings.extend(ws.into_iter().map(|w| place(w.field, w.message_zh, w.message_en)));
                    if !seen.insert(spec.code.clone()) {
                        errors.push(place(
                            "code".into(),
                            format!("事项编码{}重复", spec.code),
                            format!("item code {} appears twice", spec.code),
                        ));
                    }
                    self.items.push(spec);
                }
                Err(es) => errors.extend(es.into_iter().map(|e| place(e.field, e.message_zh, e.message_en))),
            }
        }
        self.item_lines = lines;
        if errors.is_empty() { Ok((self, warnings)) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Fee;
    use crate::catalogue::tests::sample;

    fn departments() -> Vec<DepartmentRecord> {
        [("spj", "区行政审批服务局", true), ("scjgj", "区市场监督管理局", false), ("wjj", "区卫生健康局", false)]
            .into_iter()
            .map(|(c, n, b)| DepartmentRecord { code: c.into(), name: n.into(), credit_code: String::new(), is_bureau: b })
            .collect()
    }

    #[test]
    fn csv_round_trip() {
        let mut second = sample();
        second.code = "010010020000".into();
        second.name = "公共场所卫生许可".into();
        second.fees = vec![Fee { name: "工本费".into(), amount_fen: 1000, basis: "某文件".into() }];
        second.levels = vec![Level::District, Level::Town];
        let items = vec![sample(), second];
        let text = to_csv(&items);
        let parsed = parse_csv(&text, &departments()).unwrap();
        assert_eq!(parsed.items, items);
        assert_eq!(parsed.item_lines, vec![2, 3]);
        let (checked, warnings) = parsed.check(&departments()).unwrap();
        assert_eq!(checked.items.len(), 2);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn chinese_spreadsheet_is_read() {
        let text = "\u{FEFF}事项编码,事项名称,事项类型,主管部门,实施机关,设定依据,法定时限,承诺时限,办件类型,办理层级,全程网办,未网办原因,申请材料,办理流程,印章模式\n\
                    0100100300001,林木采伐许可证核发,行政许可,区市场监督管理局,区行政审批服务局,《森林法》第五十六条,20个工作日,5,承诺件,区；镇街,否,需现场查验,申请书；身份证复印件（非必要）,受理；审查；决定,一枚印章\n";
        let file = parse_csv(text, &departments()).unwrap();
        let item = &file.items[0];
        assert_eq!(item.department, "scjgj");
        assert_eq!(item.handling_department, "spj");
        assert_eq!(item.legal_limit_days, 20);
        assert_eq!(item.levels, vec![Level::District, Level::Town]);
        assert_eq!(item.materials.len(), 2);
        assert!(!item.materials[1].required);
        assert_eq!(item.steps.len(), 3);
        let (checked, warnings) = file.check(&departments()).unwrap();
        assert_eq!(checked.items[0].code, "0100100300001");
        // The 13-character basic code is accepted with a warning that names the line.
        assert!(warnings.iter().any(|w| w.field == "code" && w.line == Some(2)), "{warnings:?}");
    }

    #[test]
    fn bad_rows_are_reported_with_line_and_field() {
        let mut text = to_csv(&[sample()]);
        text.push_str("010010040000,某许可,行政许可,scjgj,spj,依据,十,5,承诺件,1,true,,district,,,,,,approval,in_force,bureau,,,,\n");
        text.push_str("010010050000,另一许可,行政处罚,scjgj,spj,依据,20,5,承诺件,1,true,,district,,,,,,approval,in_force,bureau,,,,\n");
        let errors = parse_csv(&text, &departments()).unwrap_err();
        let places: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(places, vec![(Some(3), "legal_limit_days"), (Some(4), "kind")]);
        assert!(errors[0].to_string().starts_with("line 3: legal_limit_days"));
    }

    #[test]
    fn rule_violations_are_reported_per_line() {
        let mut bad = sample();
        bad.promised_limit_days = 30;
        let mut dup = sample();
        dup.name = "重复".into();
        let text = to_csv(&[sample(), bad, dup]);
        let errors = parse_csv(&text, &departments()).unwrap().check(&departments()).unwrap_err();
        let places: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(places, vec![(Some(3), "promised_limit_days"), (Some(4), "code")]);
    }

    #[test]
    fn missing_columns_and_unknown_columns() {
        let errors = parse_csv("name,colour\nx,red\n", &departments()).unwrap_err();
        assert!(errors.iter().any(|e| e.field == "colour"));
        assert!(errors.iter().any(|e| e.field == "code"));
    }

    #[test]
    fn json_round_trip_and_errors() {
        let file = CatalogueFile { departments: departments(), items: vec![sample()], ..Default::default() };
        let text = serde_json::to_string_pretty(&file).unwrap();
        assert_eq!(parse_json(&text).unwrap(), file);
        let errors = parse_json("{\n \"items\": [ {\"code\": 1} ]\n}").unwrap_err();
        assert_eq!(errors[0].line, Some(2));
        let two_bureaus = CatalogueFile {
            departments: departments()
                .into_iter()
                .map(|mut d| {
                    d.is_bureau = true;
                    d
                })
                .collect(),
            ..Default::default()
        };
        assert!(two_bureaus.check(&[]).is_err());
    }
}
