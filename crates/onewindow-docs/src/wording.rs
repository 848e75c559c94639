//! The formal Chinese wording of each document, and the data the typst template reads.
//!
//! Sentences are composed here, in Rust, and handed to the template as plain strings, so
//! the template only lays text out and user text can never be read as markup.

use serde::Serialize;

use crate::{DocumentKind, Notice};

/// What `notice.typ` reads from `/data.json`. Field names are the template's contract.
#[derive(Debug, Serialize)]
pub(crate) struct TemplateData<'a> {
    pub kind: &'static str,
    pub title: &'static str,
    pub issuer: &'a str,
    pub document_no: &'a str,
    pub salutation: &'a str,
    /// Body paragraphs before the table, each set with a two-character first-line indent.
    pub before: Vec<String>,
    pub table: Option<MaterialTable>,
    /// Body paragraphs after the table.
    pub after: Vec<String>,
    pub closing: Option<&'static str>,
    pub facts: Facts<'a>,
    pub issued_date: &'a str,
    pub tracking_url: &'a str,
    pub qr_svg: String,
}

/// A numbered table of materials: 序号 plus two text columns.
#[derive(Debug, Serialize)]
pub(crate) struct MaterialTable {
    pub columns: [&'static str; 3],
    /// Relative widths of the two text columns (typst `fr`).
    pub fr: [f64; 2],
    pub rows: Vec<[String; 3]>,
}

/// The case facts printed in the table under the body.
#[derive(Debug, Serialize)]
pub(crate) struct Facts<'a> {
    pub case_number: &'a str,
    pub query_code: &'a str,
    pub item_name: &'a str,
    pub item_code: &'a str,
    pub department: &'a str,
    pub received_date: &'a str,
    pub person: &'a str,
    pub phone: &'a str,
}

/// Everything the template needs for `notice`; `qr_svg` is the tracking URL's QR code.
pub(crate) fn template_data(notice: &Notice, qr_svg: String) -> TemplateData<'_> {
    let body = match notice.kind {
        DocumentKind::AcceptanceNotice => acceptance(notice),
        DocumentKind::DeficiencyNotice => deficiency(notice),
        DocumentKind::CorrectionNotice => correction(notice),
        DocumentKind::RefusalDecision => refusal(notice),
        DocumentKind::DenialDecision => denial(notice),
        DocumentKind::IntakeReceipt => receipt(notice),
    };
    let keep = |paragraphs: Vec<String>| -> Vec<String> { paragraphs.into_iter().filter(|p| !p.is_empty()).collect() };
    TemplateData {
        kind: notice.kind.code(),
        title: notice.kind.title(),
        issuer: &notice.issuer,
        document_no: &notice.document_no,
        salutation: &notice.applicant_name,
        before: keep(body.before),
        table: body.table,
        after: keep(body.after),
        closing: body.closing,
        facts: Facts {
            case_number: &notice.case_number,
            query_code: &notice.query_code,
            item_name: &notice.item_name,
            item_code: &notice.item_code,
            department: &notice.handling_department,
            received_date: &notice.received_date,
            person: &notice.person_responsible,
            phone: &notice.phone,
        },
        issued_date: &notice.issued_date,
        tracking_url: &notice.tracking_url,
        qr_svg,
    }
}

struct Body {
    before: Vec<String>,
    table: Option<MaterialTable>,
    after: Vec<String>,
    closing: Option<&'static str>,
}

/// "你（单位）于…提交的…申请" — how every document refers to the application.
fn application(notice: &Notice) -> String {
    format!("你（单位）于{}提交的{}申请", notice.received_date, notice.item_name)
}

/// The promised time limit sentence, or the statutory fallback when the item has none; a due
/// date counted before its year's holiday schedule is published says so.
fn time_limit(notice: &Notice) -> String {
    let sentence = promised(notice);
    match (notice.due_date.as_ref(), notice.due_date_provisional_year) {
        (Some(_), Some(year)) => {
            format!("{sentence}因{year}年节假日安排尚未发布，办结日期暂按法定节假日计算，安排发布后如有调整，以办件查询结果为准。")
        }
        _ => sentence,
    }
}

fn promised(notice: &Notice) -> String {
    match (notice.promised_limit_days, notice.due_date.as_deref()) {
        (Some(days), Some(due)) => format!(
            "本事项承诺办结时限为{days}个工作日（自受理之日起计算，依法需要听证、检验、检测、\
             鉴定、专家评审和现场核查的时间不计算在内），预计于{due}前办结。"
        ),
        (Some(days), None) => format!(
            "本事项承诺办结时限为{days}个工作日（自受理之日起计算，依法需要听证、检验、检测、\
             鉴定、专家评审和现场核查的时间不计算在内）。"
        ),
        (None, Some(due)) => format!("本事项预计于{due}前办结。"),
        (None, None) => "本机关将在法定期限内办结本事项。".to_owned(),
    }
}

const TRACKING: &str = "你（单位）可凭办件编号和查询码，扫描本通知书下方二维码或登录政务服务网查询办理进度。\
                        如有疑问，请与承办人联系。";

fn acceptance(notice: &Notice) -> Body {
    Body {
        before: vec![
            format!(
                "{}，经审查，申请材料齐全、符合法定形式。根据《中华人民共和国行政许可法》\
                 第三十二条第一款第五项的规定，决定予以受理。",
                application(notice)
            ),
            time_limit(notice),
            TRACKING.to_owned(),
        ],
        table: received_table(notice),
        after: Vec::new(),
        closing: Some("特此通知。"),
    }
}

/// The materials received, when any are listed.
fn received_table(notice: &Notice) -> Option<MaterialTable> {
    let rows = numbered(&notice.received);
    (!rows.is_empty()).then_some(MaterialTable { columns: ["序号", "收到的材料", "收取情况"], fr: [1.0, 1.4], rows })
}

fn receipt(notice: &Notice) -> Body {
    Body {
        before: vec![format!(
            "{}，本窗口已收到你（单位）提交的下列申请材料（共{}项），特出具此凭证：",
            application(notice),
            notice.received.len()
        )],
        table: received_table(notice),
        after: vec![
            "本凭证仅证明本窗口已收到上述材料，不表示申请已被受理。本机关将当场或者在五日内作出受理、\
             一次性告知补正或者不予受理的决定；逾期不告知的，自收到申请材料之日起即为受理\
             （《中华人民共和国行政许可法》第三十二条）。已退还的原件请当场核对。"
                .to_owned(),
            TRACKING.to_owned(),
        ],
        closing: None,
    }
}

fn deficiency(notice: &Notice) -> Body {
    let rows = numbered(&notice.missing);
    Body {
        before: vec![format!(
            "{}，经审查，主要申请材料齐全、符合法定形式，但尚缺部分非关键材料。根据容缺受理\
                 有关规定，决定予以容缺受理。请你（单位）在下表所列期限内补交以下{}项材料：",
            application(notice),
            rows.len()
        )],
        table: Some(MaterialTable { columns: ["序号", "容缺材料名称", "补交期限"], fr: [2.0, 1.0], rows }),
        after: vec![
            "本次受理以你（单位）按期补齐上述材料为条件。材料补齐前，本机关不作出审批决定；\
             逾期未补齐的，容缺受理自动失效，本事项终止办理。"
                .to_owned(),
            time_limit(notice),
            TRACKING.to_owned(),
        ],
        closing: Some("特此通知。"),
    }
}

fn correction(notice: &Notice) -> Body {
    let rows = numbered(&notice.corrections);
    Body {
        before: vec![format!(
            "{}，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》\
             第三十二条第一款第四项的规定，现一次性告知你（单位）需要补正的全部内容（共{}项）：",
            application(notice),
            rows.len()
        )],
        table: Some(MaterialTable { columns: ["序号", "材料名称", "补正要求"], fr: [1.0, 1.6], rows }),
        after: vec![
            "请你（单位）按照上述要求一次性补正全部材料后重新提交。本通知为一次性告知，除上述\
             内容外，本机关不再要求补正其他材料。"
                .to_owned(),
            "自本通知书出具之日起，本事项办理时限暂停计算，至本机关收到你（单位）补正的全部材料\
             之日起恢复计算。"
                .to_owned(),
        ],
        closing: Some("特此通知。"),
    }
}

fn refusal(notice: &Notice) -> Body {
    Body {
        before: vec![
            format!("{}，经审查，{}", application(notice), sentence(&notice.reason)),
            format!("根据{}的规定，本机关决定不予受理。", clause(&notice.legal_basis)),
            sentence(&notice.remedy),
        ],
        table: None,
        after: Vec::new(),
        closing: None,
    }
}

fn denial(notice: &Notice) -> Body {
    Body {
        before: vec![
            format!("{}（办件编号：{}），本机关已依法受理。经审查，{}", application(notice), notice.case_number, sentence(&notice.reason)),
            format!("根据{}的规定，本机关决定不予许可。", clause(&notice.legal_basis)),
            sentence(&notice.remedy),
        ],
        table: None,
        after: Vec::new(),
        closing: None,
    }
}

/// Rows "1", "2", … with the two texts of each entry.
fn numbered(entries: &[(String, String)]) -> Vec<[String; 3]> {
    entries.iter().enumerate().map(|(index, (a, b))| [(index + 1).to_string(), a.clone(), b.clone()]).collect()
}

/// `text` as a full sentence: trimmed, ending in exactly one "。" (or its own "！"/"？");
/// empty stays empty.
fn sentence(text: &str) -> String {
    let core = clause(text);
    if core.is_empty() || core.ends_with(['！', '？', '!', '?']) { core.to_owned() } else { format!("{core}。") }
}

/// `text` trimmed of whitespace and of trailing full stops, to be embedded mid-sentence.
fn clause(text: &str) -> &str {
    text.trim().trim_end_matches(['。', '.', '；', ';', '，', ',']).trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_in_one_full_stop() {
        let table = [
            ("不属于本机关职权范围", "不属于本机关职权范围。"),
            ("不属于本机关职权范围。", "不属于本机关职权范围。"),
            ("  不属于本机关职权范围。。 ", "不属于本机关职权范围。"),
            ("是否属实？", "是否属实？"),
            ("", ""),
        ];
        for (input, expected) in table {
            assert_eq!(sentence(input), expected, "{input:?}");
        }
    }

    #[test]
    fn every_kind_has_body_text_naming_the_item() {
        for kind in DocumentKind::ALL {
            let notice = Notice::sample(kind);
            let data = template_data(&notice, String::new());
            assert!(data.before[0].contains(&notice.item_name), "{kind:?}");
            assert!(data.before[0].contains(&notice.received_date), "{kind:?}");
        }
    }

    #[test]
    fn time_limit_without_promise_falls_back_to_statute() {
        let mut notice = Notice::sample(DocumentKind::AcceptanceNotice);
        notice.promised_limit_days = None;
        notice.due_date = None;
        assert_eq!(time_limit(&notice), "本机关将在法定期限内办结本事项。");
    }

    #[test]
    fn a_provisional_due_date_says_so() {
        let mut notice = Notice::sample(DocumentKind::AcceptanceNotice);
        notice.promised_limit_days = Some(30);
        notice.due_date = Some("2027年1月15日".into());
        notice.due_date_provisional_year = Some(2027);
        let text = time_limit(&notice);
        assert!(text.starts_with("本事项承诺办结时限为") && text.contains("预计于2027年1月15日前办结。"), "{text}");
        assert!(
            text.ends_with("因2027年节假日安排尚未发布，办结日期暂按法定节假日计算，安排发布后如有调整，以办件查询结果为准。"),
            "{text}"
        );
    }
}
