//! The typst world: fonts loaded once, a fixed template, and per-document data.
//!
//! Fonts: the system's Noto CJK fonts when installed (Debian `fonts-noto-cjk`: every
//! ideograph, extension B included), then the Noto CJK SC subsets compiled into the binary
//! (`fonts/`, see its README: Latin-1, punctuation and all of U+4E00–U+9FFF for the body face),
//! so documents print on a machine without any font installed. The subsets carry the same
//! family names as the system fonts; typst picks the first font of a family in the book, so a
//! system font wins where present and the subset serves families (or, through typst's
//! coverage fallback, characters) the system lacks.

use std::path::{Path, PathBuf};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::wording::template_data;
use crate::{DocsError, Notice, qr};

/// The template every document is laid out with.
const TEMPLATE: &str = include_str!("notice.typ");
const TEMPLATE_PATH: &str = "/notice.typ";
/// The per-document data file the template reads with `json(...)`.
const DATA_PATH: &str = "/data.json";

/// Where Debian's `fonts-noto-cjk` (and other distributions' Noto CJK packages) put the fonts.
const FONT_DIRS_DEFAULT: [&str; 4] = [
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/opentype/noto-cjk",
];

/// The Noto CJK SC subsets made by `fonts/make-subset.sh`, registered after the system fonts.
/// The serif regular face covers what user text needs; the others only the fixed wording.
const EMBEDDED_FONTS: [(&str, &[u8]); 4] = [
    ("NotoSerifCJKsc-Regular.subset.otf", include_bytes!("../fonts/NotoSerifCJKsc-Regular.subset.otf")),
    ("NotoSerifCJKsc-Bold.subset.otf", include_bytes!("../fonts/NotoSerifCJKsc-Bold.subset.otf")),
    ("NotoSansCJKsc-Regular.subset.otf", include_bytes!("../fonts/NotoSansCJKsc-Regular.subset.otf")),
    ("NotoSansCJKsc-Bold.subset.otf", include_bytes!("../fonts/NotoSansCJKsc-Bold.subset.otf")),
];

/// How many compilations typst's global memoisation cache keeps unused entries for. Each
/// document brings new data, so without eviction the cache would grow for ever in a server.
const CACHE_AGE_MAX: usize = 8;

/// Renders [`Notice`]s to PDF. Build it once and share it between threads: it is
/// `Send + Sync` and [`render_pdf`](Self::render_pdf) takes `&self` (~5–10 ms a page).
///
/// Building it parses the fonts: the system's Noto CJK collections if installed (~90 MB:
/// ~0.1 s with the files in the page cache, up to ~1 s from a cold disk), then the subsets
/// compiled into the binary (a few milliseconds). Without system fonts documents still print,
/// from the subsets alone.
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// How many of `fonts` (the first ones) came from font files on disk.
    system_font_count: usize,
    template_id: FileId,
    template: Source,
    data_id: FileId,
}

/// A rendered document and what typst (or the glyph check) warned about while laying it out.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The A4 PDF.
    pub pdf: Vec<u8>,
    /// Human-readable warnings, e.g. a character that no font has a glyph for and that
    /// therefore prints as an empty box. Empty for a clean document; worth logging otherwise.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("font_faces", &self.fonts.len()).field("system_font_faces", &self.system_font_count).finish()
    }
}

impl Renderer {
    /// Loads the Noto CJK fonts from the standard system directories (Debian:
    /// `/usr/share/fonts/opentype/noto`, package `fonts-noto-cjk`) if any are installed,
    /// and the subsets compiled into the binary after them.
    ///
    /// Works without any system font. Fails only with [`DocsError::FontRead`] if a font file
    /// is present but cannot be read.
    pub fn new() -> Result<Renderer, DocsError> {
        let dirs: Vec<PathBuf> = FONT_DIRS_DEFAULT.iter().map(PathBuf::from).collect();
        Renderer::from_font_dirs(&dirs)
    }

    /// Loads the Noto CJK font files (`*CJK*.ttc`, `.otf`, `.ttf`) found directly in `dirs`,
    /// then the subsets compiled into the binary. With no directories (or empty ones) the
    /// renderer uses the subsets alone.
    pub fn from_font_dirs(dirs: &[PathBuf]) -> Result<Renderer, DocsError> {
        let files = cjk_font_files(dirs);
        let mut fonts = load_fonts(&files)?;
        let system_font_count = fonts.len();
        fonts.extend(embedded_fonts());
        let template_id = virtual_file(TEMPLATE_PATH)?;
        Ok(Renderer {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            system_font_count,
            template_id,
            template: Source::new(template_id, TEMPLATE.to_owned()),
            data_id: virtual_file(DATA_PATH)?,
        })
    }

    /// Whether system font files were found. Without them characters outside the embedded
    /// subsets (CJK extensions A and beyond, rare symbols) print as empty boxes, with a
    /// warning from [`render`](Self::render); `apt-get install fonts-noto-cjk` covers them.
    pub fn has_system_fonts(&self) -> bool {
        self.system_font_count > 0
    }

    /// Renders `notice` as an A4 PDF. Drops the warnings; [`render`](Self::render) keeps them.
    pub fn render_pdf(&self, notice: &Notice) -> Result<Vec<u8>, DocsError> {
        self.render(notice).map(|rendered| rendered.pdf)
    }

    /// Renders `notice` as an A4 PDF and returns the layout warnings with it. A character no
    /// font covers does not fail the render (the document is still worth printing); it prints
    /// as an empty box and is named in a warning.
    pub fn render(&self, notice: &Notice) -> Result<Rendered, DocsError> {
        let (document, warnings) = self.layout(notice)?;
        let options = PdfOptions { creator: typst::foundations::Smart::Custom(Some("onewindow".to_owned())), ..PdfOptions::default() };
        let pdf = typst_pdf::pdf(&document, &options)
            .map_err(|errors| DocsError::Pdf { kind: notice.kind.code(), message: diagnostics_text(&errors) })?;
        Ok(Rendered { pdf, warnings })
    }

    /// Lays `notice` out into pages; returns typst's warnings too, plus one for every
    /// character that no font has a glyph for (typst draws those silently as `.notdef`
    /// boxes). Tests require the warnings to be empty (a warning usually means a font family
    /// or a glyph was not found).
    pub(crate) fn layout(&self, notice: &Notice) -> Result<(PagedDocument, Vec<String>), DocsError> {
        let qr_svg = qr::qr_svg(&notice.tracking_url)?;
        let data = serde_json::to_vec(&template_data(notice, qr_svg))?;
        let world = NoticeWorld { renderer: self, data: Bytes::new(data) };
        let warned = typst::compile::<PagedDocument>(&world);
        typst::comemo::evict(CACHE_AGE_MAX);
        let mut warnings: Vec<String> = warned.warnings.iter().map(|w| w.message.to_string()).collect();
        let document =
            warned.output.map_err(|errors| DocsError::Compile { kind: notice.kind.code(), message: diagnostics_text(&errors) })?;
        let mut missing = Vec::new();
        for page in document.pages() {
            missing_glyphs(&page.frame, &mut missing);
        }
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let listed: Vec<String> = missing.iter().map(|c| format!("{c} (U+{:04X})", u32::from(*c))).collect();
            let advice = if self.has_system_fonts() { "" } else { "; install fonts-noto-cjk for all CJK characters" };
            warnings.push(format!(
                "no font has a glyph for {}, printed as an empty box in the {} document{advice}",
                listed.join(", "),
                notice.kind.code()
            ));
        }
        Ok((document, warnings))
    }
}

/// The characters of `frame` (and its groups) that were set with a font's `.notdef` glyph,
/// which is what typst does when no font covers a character.
fn missing_glyphs(frame: &Frame, missing: &mut Vec<char>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => missing_glyphs(&group.frame, missing),
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|glyph| glyph.id == 0) {
                    let chars = text.text.get(glyph.range()).unwrap_or_default().chars();
                    missing.extend(chars.filter(|c| !c.is_whitespace()));
                }
            }
            FrameItem::Shape(..) | FrameItem::Image(..) | FrameItem::Link(..) | FrameItem::Tag(_) => {}
        }
    }
}

/// The subsets compiled into the binary. They are part of the build, so a face that does not
/// parse is a bug caught by the tests, not a condition to handle.
fn embedded_fonts() -> impl Iterator<Item = Font> {
    EMBEDDED_FONTS.into_iter().flat_map(|(_name, data)| Font::iter(Bytes::new(data)))
}

/// The files in `dirs` that look like CJK fonts, sorted so that the font book is stable.
fn cjk_font_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if is_cjk_font_file(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn is_cjk_font_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or_default();
    name.contains("CJK") && matches!(extension.to_ascii_lowercase().as_str(), "ttc" | "otf" | "ttf")
}

/// Reads and parses the font files, one thread per file: parsing a CJK collection's faces
/// (coverage tables of ~65,000 glyphs each) dominates start-up time.
fn load_fonts(files: &[PathBuf]) -> Result<Vec<Font>, DocsError> {
    let per_file: Vec<Result<Vec<Font>, DocsError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files.iter().map(|path| scope.spawn(move || load_font_file(path))).collect();
        handles.into_iter().map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut fonts = Vec::new();
    for result in per_file {
        fonts.extend(result?);
    }
    Ok(fonts)
}

fn load_font_file(path: &Path) -> Result<Vec<Font>, DocsError> {
    let data = std::fs::read(path).map_err(|source| DocsError::FontRead { path: path.to_owned(), source })?;
    Ok(Font::iter(Bytes::new(data)).collect())
}

fn virtual_file(path: &'static str) -> Result<FileId, DocsError> {
    let vpath = VirtualPath::new(path).map_err(|err| DocsError::VirtualPath { path, message: format!("{err:?}") })?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

fn diagnostics_text(diagnostics: &[SourceDiagnostic]) -> String {
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|diagnostic| {
            let hints = diagnostic.hints.iter().map(|hint| format!(" (hint: {})", hint.v));
            format!("{}{}", diagnostic.message, hints.collect::<String>())
        })
        .collect();
    lines.join("\n")
}

/// One compilation: the renderer's fonts and template plus one document's data.
struct NoticeWorld<'a> {
    renderer: &'a Renderer,
    data: Bytes,
}

impl World for NoticeWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.renderer.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.renderer.book
    }

    fn main(&self) -> FileId {
        self.renderer.template_id
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.renderer.template_id { Ok(self.renderer.template.clone()) } else { Err(not_found(id)) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.renderer.data_id {
            Ok(self.data.clone())
        } else if id == self.renderer.template_id {
            Ok(Bytes::from_string(TEMPLATE))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.renderer.fonts.get(index).cloned()
    }

    /// Documents carry the dates the caller formatted; the template never asks for today.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(format!("{id:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::DocumentKind;

    fn assert_send_sync<T: Send + Sync>() {}

    /// A renderer with the embedded subsets only, as on a machine without `fonts-noto-cjk`.
    fn embedded_only() -> Renderer {
        Renderer::from_font_dirs(&[]).expect("the embedded fonts load")
    }

    #[test]
    fn samples_fit_one_page_without_warnings() {
        for (fonts, renderer) in [("system", Renderer::new().expect("fonts load")), ("embedded", embedded_only())] {
            for kind in DocumentKind::ALL {
                let (document, warnings) = renderer.layout(&Notice::sample(kind)).expect("lays out");
                assert_eq!(warnings, Vec::<String>::new(), "{fonts} fonts, {kind:?}");
                assert_eq!(document.pages().len(), 1, "{fonts} fonts, {kind:?}");
            }
        }
    }

    #[test]
    fn long_lists_flow_onto_more_pages() {
        let renderer = Renderer::new().expect("fonts load");
        let mut notice = Notice::sample(DocumentKind::DeficiencyNotice);
        notice.missing = (1..=40).map(|n| (format!("第{n}项容缺材料"), "2026年12月9日前".to_owned())).collect();
        let (document, warnings) = renderer.layout(&notice).expect("lays out");
        assert_eq!(warnings, Vec::<String>::new());
        assert!(document.pages().len() >= 2, "{} pages", document.pages().len());
    }

    #[test]
    fn renderer_is_send_and_sync() {
        assert_send_sync::<Renderer>();
    }

    #[test]
    fn empty_font_dirs_use_the_embedded_fonts() {
        let empty = std::env::temp_dir().join("onewindow-docs-no-fonts");
        std::fs::create_dir_all(&empty).expect("temp dir");
        let renderer = Renderer::from_font_dirs(&[empty]).expect("the embedded fonts suffice");
        assert!(!renderer.has_system_fonts());
        let families: Vec<(String, u16)> =
            renderer.fonts.iter().map(|font| (font.info().family.clone(), font.info().variant.weight.to_number())).collect();
        let expected = [("Noto Serif CJK SC", 400), ("Noto Serif CJK SC", 700), ("Noto Sans CJK SC", 400), ("Noto Sans CJK SC", 700)];
        assert_eq!(families, expected.map(|(family, weight)| (family.to_owned(), weight)));
    }

    #[test]
    fn system_fonts_come_before_the_embedded_ones() {
        let renderer = Renderer::new().expect("fonts load");
        if !renderer.has_system_fonts() {
            return; // nothing to order on a machine without fonts-noto-cjk
        }
        let embedded = renderer.fonts.len() - EMBEDDED_FONTS.len();
        for family in ["Noto Serif CJK SC", "Noto Sans CJK SC"] {
            for weight in [400, 700] {
                let variant = typst::text::FontVariant {
                    weight: typst::text::FontWeight::from_number(weight),
                    ..typst::text::FontVariant::default()
                };
                let index = renderer.book.select(&family.to_lowercase(), variant).expect("family in the book");
                assert!(index < embedded, "{family} {weight}: font {index} is an embedded subset");
            }
        }
    }

    /// The bold and sans subsets hold only the characters of the fixed wording (see
    /// `fonts/make-subset.sh`): changing the wording needs the script run again.
    #[test]
    fn embedded_fonts_cover_the_fixed_wording() {
        let sources = [include_str!("notice.typ"), include_str!("wording.rs"), include_str!("notice.rs")];
        let body = Font::iter(Bytes::new(EMBEDDED_FONTS[0].1)).next().expect("body face");
        for (name, data) in EMBEDDED_FONTS {
            let font = Font::iter(Bytes::new(data)).next().expect("parses");
            let uncovered: String = sources
                .iter()
                .flat_map(|source| source.chars())
                .filter(|&c| !c.is_ascii() && !c.is_whitespace() && body.info().coverage.contains(c.into()))
                .filter(|&c| !font.info().coverage.contains(c.into()))
                .collect();
            assert!(uncovered.is_empty(), "{name} lacks {uncovered:?}: run crates/onewindow-docs/fonts/make-subset.sh");
        }
    }

    #[test]
    fn the_body_face_covers_names_beyond_gb2312_and_the_usual_symbols() {
        let body = Font::iter(Bytes::new(EMBEDDED_FONTS[0].1)).next().expect("body face");
        // 堃 喆 昇 are outside GB 2312; U+4E00 and U+9FEA bound the ideographs the source has.
        for c in "堃喆昇赟珺\u{4E00}\u{9FA5}\u{9FEA}①※□✓㎡℃€ǎ，。、：；（）〔〕《》“”".chars() {
            assert!(body.info().coverage.contains(c.into()), "{c} (U+{:04X})", u32::from(c));
        }
    }

    #[test]
    fn a_character_no_font_covers_prints_as_a_box_with_a_warning() {
        // U+20BB7 (extension B, a variant of 吉 found in names) is outside the subsets; U+E000
        // is private use, in no font at all.
        let renderer = embedded_only();
        let mut notice = Notice::sample(DocumentKind::AcceptanceNotice);
        notice.applicant_name = "王\u{20BB7}\u{E000}".to_owned();
        let (_, warnings) = renderer.layout(&notice).expect("lays out despite the missing glyphs");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("U+20BB7") && warnings[0].contains("U+E000"), "{}", warnings[0]);
        assert!(warnings[0].contains("fonts-noto-cjk"), "{}", warnings[0]);
        assert!(!warnings[0].contains("U+738B"), "王 has a glyph: {}", warnings[0]);
        let rendered = renderer.render(&notice).expect("renders");
        assert!(rendered.pdf.starts_with(b"%PDF"));
        assert_eq!(rendered.warnings, warnings);
    }
}
