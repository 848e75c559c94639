//! Errors of document rendering.

use std::path::PathBuf;

/// Why a document could not be rendered, or a [`crate::Renderer`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// A font file exists but could not be read.
    #[error("could not read font file {path}: {source}")]
    FontRead {
        /// The font file.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The tracking URL could not be encoded as a QR code (for example, it is too long).
    #[error("could not encode the tracking URL as a QR code: {0}")]
    QrCode(#[from] qrcode::types::QrError),
    /// The notice could not be serialised into the JSON the template reads.
    #[error("could not serialise the notice data for the template: {0}")]
    Data(#[from] serde_json::Error),
    /// Typst rejected the template or the data; this is a bug in this crate.
    #[error("typst could not lay out the {kind} document: {message}")]
    Compile {
        /// The document kind code, e.g. `acceptance-notice`.
        kind: &'static str,
        /// The typst diagnostics, one per line.
        message: String,
    },
    /// Typst laid the document out but could not write it as PDF.
    #[error("typst could not export the {kind} document as PDF: {message}")]
    Pdf {
        /// The document kind code, e.g. `acceptance-notice`.
        kind: &'static str,
        /// The typst diagnostics, one per line.
        message: String,
    },
    /// A path inside the renderer's virtual file system was rejected by typst; a bug.
    #[error("invalid virtual path {path}: {message}")]
    VirtualPath {
        /// The virtual path.
        path: &'static str,
        /// Typst's reason.
        message: String,
    },
}
