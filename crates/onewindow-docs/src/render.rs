//! The typst world: fonts loaded once, a fixed template, and per-document data.

use std::path::{Path, PathBuf};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
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

/// How many compilations typst's global memoisation cache keeps unused entries for. Each
/// document brings new data, so without eviction the cache would grow for ever in a server.
const CACHE_AGE_MAX: usize = 8;

/// Renders [`Notice`]s to PDF. Build it once (it reads ~90 MB of CJK fonts: ~0.1 s with the
/// files in the page cache, up to ~1 s from a cold disk) and share it between threads: it is
/// `Send + Sync` and [`render_pdf`](Self::render_pdf) takes `&self` (~5–10 ms a page).
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    template_id: FileId,
    template: Source,
    data_id: FileId,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("font_faces", &self.fonts.len()).finish()
    }
}

impl Renderer {
    /// Loads the Noto CJK fonts from the standard system directories (Debian:
    /// `/usr/share/fonts/opentype/noto`, package `fonts-noto-cjk`).
    ///
    /// Fails with [`DocsError::NoCjkFont`] if none is installed.
    pub fn new() -> Result<Renderer, DocsError> {
        let dirs: Vec<PathBuf> = FONT_DIRS_DEFAULT.iter().map(PathBuf::from).collect();
        Renderer::from_font_dirs(&dirs)
    }

    /// Loads the Noto CJK font files (`*CJK*.ttc`, `.otf`, `.ttf`) found directly in `dirs`.
    ///
    /// Fails with [`DocsError::NoCjkFont`] if they hold no font with a "CJK SC" face.
    pub fn from_font_dirs(dirs: &[PathBuf]) -> Result<Renderer, DocsError> {
        let files = cjk_font_files(dirs);
        let fonts = load_fonts(&files)?;
        let has_simplified_chinese = fonts.iter().any(|font| font.info().family.contains("CJK SC"));
        if !has_simplified_chinese {
            let searched = dirs.iter().map(|dir| dir.display().to_string());
            return Err(DocsError::NoCjkFont { searched: searched.collect::<Vec<_>>().join(", ") });
        }
        let template_id = virtual_file(TEMPLATE_PATH)?;
        Ok(Renderer {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            template_id,
            template: Source::new(template_id, TEMPLATE.to_owned()),
            data_id: virtual_file(DATA_PATH)?,
        })
    }

    /// Renders `notice` as an A4 PDF.
    pub fn render_pdf(&self, notice: &Notice) -> Result<Vec<u8>, DocsError> {
        let (document, _warnings) = self.layout(notice)?;
        let options = PdfOptions { creator: typst::foundations::Smart::Custom(Some("onewindow".to_owned())), ..PdfOptions::default() };
        typst_pdf::pdf(&document, &options)
            .map_err(|errors| DocsError::Pdf { kind: notice.kind.code(), message: diagnostics_text(&errors) })
    }

    /// Lays `notice` out into pages; returns typst's warnings too, which tests require to be
    /// empty (a warning usually means a font family was not found).
    pub(crate) fn layout(&self, notice: &Notice) -> Result<(PagedDocument, Vec<String>), DocsError> {
        let qr_svg = qr::qr_svg(&notice.tracking_url)?;
        let data = serde_json::to_vec(&template_data(notice, qr_svg))?;
        let world = NoticeWorld { renderer: self, data: Bytes::new(data) };
        let warned = typst::compile::<PagedDocument>(&world);
        typst::comemo::evict(CACHE_AGE_MAX);
        let warnings = warned.warnings.iter().map(|w| w.message.to_string()).collect();
        let document =
            warned.output.map_err(|errors| DocsError::Compile { kind: notice.kind.code(), message: diagnostics_text(&errors) })?;
        Ok((document, warnings))
    }
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

    #[test]
    fn samples_fit_one_page_without_warnings() {
        let renderer = Renderer::new().expect("fonts-noto-cjk is installed");
        for kind in DocumentKind::ALL {
            let (document, warnings) = renderer.layout(&Notice::sample(kind)).expect("lays out");
            assert_eq!(warnings, Vec::<String>::new(), "{kind:?}");
            assert_eq!(document.pages().len(), 1, "{kind:?}");
        }
    }

    #[test]
    fn long_lists_flow_onto_more_pages() {
        let renderer = Renderer::new().expect("fonts-noto-cjk is installed");
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
    fn missing_fonts_name_the_debian_package() {
        let empty = std::env::temp_dir().join("onewindow-docs-no-fonts");
        std::fs::create_dir_all(&empty).expect("temp dir");
        let error = Renderer::from_font_dirs(&[empty]).expect_err("no fonts there");
        assert!(matches!(error, DocsError::NoCjkFont { .. }), "{error:?}");
        assert!(error.to_string().contains("fonts-noto-cjk"), "{error}");
    }
}
