//! The input of rendering: which document, and the facts printed on it.

use serde::{Deserialize, Serialize};

/// Which document a clerk prints. Each kind has its own title and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// 受理通知书: the application is complete and accepted.
    AcceptanceNotice,
    /// 容缺受理通知书: accepted on condition that listed secondary materials follow.
    DeficiencyNotice,
    /// 补正材料通知书（一次性告知）: every correction needed, told once; the clock stops.
    CorrectionNotice,
    /// 不予受理决定书: the application is not accepted.
    RefusalDecision,
    /// 不予许可决定书: the application was examined and the licence is denied.
    DenialDecision,
    /// 收件凭证: the window received these materials (electronic and paper), before acceptance.
    IntakeReceipt,
}

impl DocumentKind {
    /// Every kind, in the order a case meets them.
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::IntakeReceipt,
        DocumentKind::AcceptanceNotice,
        DocumentKind::DeficiencyNotice,
        DocumentKind::CorrectionNotice,
        DocumentKind::RefusalDecision,
        DocumentKind::DenialDecision,
    ];

    /// The stable English code used in URLs and file names, e.g. `acceptance-notice`.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::AcceptanceNotice => "acceptance-notice",
            DocumentKind::DeficiencyNotice => "deficiency-notice",
            DocumentKind::CorrectionNotice => "correction-notice",
            DocumentKind::RefusalDecision => "refusal-decision",
            DocumentKind::DenialDecision => "denial-decision",
            DocumentKind::IntakeReceipt => "intake-receipt",
        }
    }

    /// The kind whose [`code`](Self::code) is `code`, if any.
    pub fn from_code(code: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// The Chinese title printed at the top of the document.
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::AcceptanceNotice => "受理通知书",
            DocumentKind::DeficiencyNotice => "容缺受理通知书",
            DocumentKind::CorrectionNotice => "补正材料通知书（一次性告知）",
            DocumentKind::RefusalDecision => "不予受理决定书",
            DocumentKind::DenialDecision => "不予许可决定书",
            DocumentKind::IntakeReceipt => "收件凭证",
        }
    }
}

/// Everything printed on one notice or decision. Plain, already formatted data: the caller
/// formats dates ("2026年11月25日") and chooses the wording of reasons and deadlines.
///
/// Fields a kind does not use are ignored (e.g. `missing` on an acceptance notice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Which document this is.
    pub kind: DocumentKind,
    /// The document number, e.g. "示审受字〔2026〕第000123号".
    pub document_no: String,
    /// The issuing authority, e.g. "示范区行政审批服务局".
    pub issuer: String,
    /// The case number (办件编号), e.g. "6199012026112500001".
    pub case_number: String,
    /// The 6-character query code the applicant uses with the case number to track the case.
    pub query_code: String,
    /// The applicant the document is addressed to.
    pub applicant_name: String,
    /// The catalogue item's name (事项名称).
    pub item_name: String,
    /// The catalogue item's code (事项编码).
    pub item_code: String,
    /// The department that handles the case (实施机关).
    pub handling_department: String,
    /// The date the application was received, formatted, e.g. "2026年11月25日".
    pub received_date: String,
    /// The date the document is issued, formatted.
    pub issued_date: String,
    /// The promised time limit in working days, when the item has one.
    pub promised_limit_days: Option<u32>,
    /// The promised due date, formatted, when known.
    pub due_date: Option<String>,
    /// When the due date is counted provisionally: the first year whose holiday schedule is
    /// not published yet (the notice then says 暂按法定节假日计算).
    #[serde(default)]
    pub due_date_provisional_year: Option<i16>,
    /// The clerk responsible (承办人).
    pub person_responsible: String,
    /// The contact telephone number.
    pub phone: String,
    /// Deficiency notice: the missing materials, each with its deadline text.
    pub missing: Vec<(String, String)>,
    /// Correction notice: each material and what to correct in it.
    pub corrections: Vec<(String, String)>,
    /// Intake receipt and acceptance notice: each material received and how (electronic file,
    /// reused verified copy, paper originals returned or kept, copies).
    #[serde(default)]
    pub received: Vec<(String, String)>,
    /// Refusal or denial: the reason, one or more sentences.
    pub reason: String,
    /// Refusal or denial: the legal basis, e.g. "《中华人民共和国行政许可法》第三十二条第一款第二项".
    pub legal_basis: String,
    /// Refusal or denial: how to seek review or sue, printed as its own paragraph.
    pub remedy: String,
    /// The public tracking URL, encoded in the QR code and printed beneath it.
    pub tracking_url: String,
}

impl Notice {
    /// A filled-in notice of `kind` with realistic data, for previews, demos and tests.
    pub fn sample(kind: DocumentKind) -> Notice {
        let case_number = "6199012026112500001";
        let query_code = "K7Q2M9";
        let (missing, corrections) = match kind {
            DocumentKind::DeficiencyNotice => (
                vec![
                    ("食品安全管理制度文本".into(), "2026年12月9日前".into()),
                    ("食品安全管理人员健康证明复印件".into(), "2026年12月9日前".into()),
                ],
                Vec::new(),
            ),
            DocumentKind::CorrectionNotice => (
                Vec::new(),
                vec![
                    ("营业执照复印件".into(), "复印件不清晰，请提供清晰完整的复印件并加盖公章".into()),
                    ("经营场所平面布局图".into(), "未标注各功能区面积及设备布局，请补充标注".into()),
                    ("法定代表人身份证明".into(), "身份证已过有效期，请提供有效期内的身份证复印件".into()),
                ],
            ),
            _ => (Vec::new(), Vec::new()),
        };
        let received = match kind {
            DocumentKind::IntakeReceipt | DocumentKind::AcceptanceNotice => vec![
                ("食品经营许可申请书".into(), "电子件；原件1份（留存）".into()),
                ("营业执照".into(), "复用已核验的电子证照".into()),
                ("法定代表人身份证明".into(), "电子件；原件1份（核验后已退还）；复印件1份（留存）".into()),
            ],
            _ => Vec::new(),
        };
        let (reason, legal_basis) = match kind {
            DocumentKind::RefusalDecision => (
                "你（单位）申请的事项依法不属于本机关职权范围，应当向示范区市场监督管理局提出申请。",
                "《中华人民共和国行政许可法》第三十二条第一款第二项",
            ),
            DocumentKind::DenialDecision => (
                "经现场核查，经营场所与污染源距离不足25米，不符合《食品经营许可和备案管理办法》规定的场所条件。",
                "《中华人民共和国行政许可法》第三十八条第二款、《食品经营许可和备案管理办法》第十二条",
            ),
            _ => ("", ""),
        };
        Notice {
            kind,
            document_no: "示审受字〔2026〕第000123号".into(),
            issuer: "示范区行政审批服务局".into(),
            case_number: case_number.into(),
            query_code: query_code.into(),
            applicant_name: "示范区百味餐饮管理有限公司".into(),
            item_name: "食品经营许可（新办）".into(),
            item_code: "11610100MB0000000X4000117014000".into(),
            handling_department: "示范区行政审批服务局（食品药品审批科）".into(),
            received_date: "2026年11月25日".into(),
            issued_date: "2026年11月25日".into(),
            promised_limit_days: Some(10),
            due_date: Some("2026年12月9日".into()),
            due_date_provisional_year: None,
            person_responsible: "李晓华".into(),
            phone: "029-86001234".into(),
            missing,
            corrections,
            received,
            reason: reason.into(),
            legal_basis: legal_basis.into(),
            remedy: "如不服本决定，可在收到本决定书之日起六十日内向示范区人民政府申请行政复议，\
                     或者在六个月内向示范区人民法院提起行政诉讼。"
                .into(),
            tracking_url: format!("http://127.0.0.1:8080/track?number={case_number}&code={query_code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_round_trip() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_code(kind.code()), Some(kind), "{kind:?}");
            let json = serde_json::to_string(&kind).expect("serialises");
            assert_eq!(json, format!("\"{}\"", kind.code()));
        }
        assert_eq!(DocumentKind::from_code("licence"), None);
    }
}
