//! Renders every document kind to PDF and reads the text back with poppler's `pdftotext`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use onewindow_docs::{DocumentKind, Notice, Renderer};

/// One renderer for the whole test binary: loading the fonts is the slow part. It uses the
/// system's Noto CJK fonts (Debian fonts-noto-cjk) where installed.
fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| Renderer::new().expect("fonts load"))
}

/// A renderer with no font directories: only the Noto CJK SC subsets compiled into the crate,
/// as on a machine without fonts-noto-cjk.
fn embedded_renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| Renderer::from_font_dirs(&[]).expect("the embedded fonts load"))
}

/// Writes `pdf` to a fresh temporary file, runs `tool` (a poppler utility) on it with
/// `args` before the file name and `after` after it, and returns its standard output.
fn poppler(tool: &str, pdf: &[u8], name: &str, args: &[&str], after: &[&str]) -> String {
    // Tests run in parallel and may render the same kind: number every file.
    static FILE_COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = FILE_COUNT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let path: PathBuf = std::env::temp_dir().join(format!("onewindow-docs-{pid}-{name}-{n}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    let output = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(after)
        .output()
        .unwrap_or_else(|err| panic!("{tool} (Debian poppler-utils) runs: {err}"));
    std::fs::remove_file(&path).expect("remove pdf");
    assert!(output.status.success(), "{tool} failed: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// The text of `pdf` as `pdftotext` extracts it, with all whitespace removed so that line
/// breaks inside table cells do not split what we look for.
fn pdf_text(pdf: &[u8], name: &str) -> String {
    squeeze(&poppler("pdftotext", pdf, name, &["-raw", "-enc", "UTF-8"], &["-"]))
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_contains(text: &str, needle: &str, kind: DocumentKind) {
    assert!(text.contains(&squeeze(needle)), "{kind:?}: {needle:?} not found in PDF text:\n{text}");
}

#[test]
fn every_kind_renders_a_pdf_with_its_facts() {
    every_kind_renders_with(renderer());
}

#[test]
fn every_kind_renders_without_system_fonts() {
    every_kind_renders_with(embedded_renderer());
}

fn every_kind_renders_with(renderer: &Renderer) {
    for kind in DocumentKind::ALL {
        let notice = Notice::sample(kind);
        let pdf = renderer.render_pdf(&notice).expect("renders");
        assert!(pdf.starts_with(b"%PDF"), "{kind:?}");
        let text = pdf_text(&pdf, kind.code());
        for needle in [
            kind.title(),
            notice.issuer.as_str(),
            notice.document_no.as_str(),
            notice.case_number.as_str(),
            notice.query_code.as_str(),
            notice.item_name.as_str(),
            notice.item_code.as_str(),
            notice.person_responsible.as_str(),
            notice.issued_date.as_str(),
            "扫码查询办理进度",
        ] {
            assert_contains(&text, needle, kind);
        }
    }
}

#[test]
fn listed_materials_all_appear() {
    for kind in [DocumentKind::DeficiencyNotice, DocumentKind::CorrectionNotice] {
        let notice = Notice::sample(kind);
        let listed = [&notice.missing, &notice.corrections];
        let listed: Vec<&(String, String)> = listed.into_iter().flatten().collect();
        assert!(listed.len() >= 2, "{kind:?} sample lists materials");
        let text = pdf_text(&renderer().render_pdf(&notice).expect("renders"), kind.code());
        for (material, detail) in listed {
            assert_contains(&text, material, kind);
            assert_contains(&text, detail, kind);
        }
    }
}

#[test]
fn decisions_state_reason_basis_and_remedy() {
    for kind in [DocumentKind::RefusalDecision, DocumentKind::DenialDecision] {
        let notice = Notice::sample(kind);
        let text = pdf_text(&renderer().render_pdf(&notice).expect("renders"), kind.code());
        for needle in [&notice.legal_basis, &notice.remedy] {
            assert_contains(&text, needle, kind);
        }
        assert_contains(&text, notice.reason.trim_end_matches('。'), kind);
    }
}

#[test]
fn acceptance_states_the_promised_limit_and_due_date() {
    let kind = DocumentKind::AcceptanceNotice;
    let notice = Notice::sample(kind);
    let text = pdf_text(&renderer().render_pdf(&notice).expect("renders"), kind.code());
    assert_contains(&text, "决定予以受理", kind);
    assert_contains(&text, "承诺办结时限为10个工作日", kind);
    assert_contains(&text, "预计于2026年12月9日前办结", kind);
}

#[test]
fn typst_special_characters_print_literally() {
    let hostile = r##"#set page(width: 1cm) *粗体* _斜_ $x^2$ [方括号] \ "引号" <label> @ref `raw` // 注释 #"##;
    let kind = DocumentKind::CorrectionNotice;
    let mut notice = Notice::sample(kind);
    notice.applicant_name = format!("申请人{hostile}");
    notice.item_name = format!("事项{hostile}");
    notice.corrections = vec![(format!("材料{hostile}"), "要求\"]\\[#}".to_owned())];
    notice.document_no = "#[〔2026〕] $ * < >".to_owned();
    let pdf = renderer().render_pdf(&notice).expect("renders hostile text");
    let text = pdf_text(&pdf, "hostile");
    for needle in [
        notice.applicant_name.as_str(),
        notice.item_name.as_str(),
        notice.corrections[0].0.as_str(),
        notice.corrections[0].1.as_str(),
        notice.document_no.as_str(),
    ] {
        assert_contains(&text, needle, kind);
    }
}

#[test]
fn renderer_is_shared_between_threads() {
    let renderer = renderer();
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            DocumentKind::ALL.into_iter().map(|kind| scope.spawn(move || renderer.render_pdf(&Notice::sample(kind)))).collect();
        for handle in handles {
            let pdf = handle.join().expect("no panic").expect("renders");
            assert!(pdf.starts_with(b"%PDF"));
        }
    });
}

/// A notice for 王堃 (堃 is outside GB 2312) handled by 李喆, from the embedded fonts alone:
/// the text reads back and the PDF embeds the subset, the only font the renderer has.
#[test]
fn names_beyond_gb2312_print_without_system_fonts() {
    let kind = DocumentKind::AcceptanceNotice;
    let mut notice = Notice::sample(kind);
    notice.applicant_name = "王堃".to_owned();
    notice.person_responsible = "李喆".to_owned();
    notice.item_name = "昇平街道个体工商户设立登记".to_owned();
    let rendered = embedded_renderer().render(&notice).expect("renders");
    assert_eq!(rendered.warnings, Vec::<String>::new());
    let text = pdf_text(&rendered.pdf, "names");
    for needle in ["王堃：", "李喆", "昇平街道个体工商户设立登记", kind.title()] {
        assert_contains(&text, needle, kind);
    }

    let fonts = poppler("pdffonts", &rendered.pdf, "names-fonts", &[], &[]);
    // name, type (two or three words), encoding, emb, sub, uni, object id: check name and flags.
    let rows: Vec<Vec<&str>> = fonts.lines().skip(2).map(|line| line.split_whitespace().collect()).collect();
    // typst names an embedded CID font `XXXXXX+<PostScript name>-Identity-H`.
    fn bare(name: &str) -> &str {
        let name = name.split_once('+').map_or(name, |(_, name)| name);
        name.strip_suffix("-Identity-H").unwrap_or(name)
    }
    let names: Vec<&str> = rows.iter().map(|row| bare(row[0])).collect();
    for face in ["NotoSerifCJKsc-Regular", "NotoSerifCJKsc-Bold", "NotoSansCJKsc-Regular", "NotoSansCJKsc-Bold"] {
        assert!(names.contains(&face), "{face} not in pdffonts:\n{fonts}");
    }
    assert_eq!(names.len(), 4, "only the four embedded faces:\n{fonts}");
    for row in &rows {
        let flags = &row[row.len() - 5..row.len() - 2];
        assert_eq!(flags, ["yes", "yes", "yes"], "embedded, subset, with a ToUnicode map:\n{fonts}");
    }
}
