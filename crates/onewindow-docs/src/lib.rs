//! Documents a window clerk prints — notices and decisions — as A4 PDFs in Chinese.
//!
//! A [`Notice`] is plain data; [`Renderer::render_pdf`] lays it out with typst using the
//! Noto CJK fonts from Debian's `fonts-noto-cjk` when installed and otherwise the Noto CJK SC
//! subsets compiled into the crate (`fonts/`), with a QR code linking to the case's tracking
//! page. Build one [`Renderer`] at start-up (loading the fonts is the slow part) and share
//! it: it is `Send + Sync`.
//!
//! **Invariant:** user text never becomes typst markup. The template reads every field
//! from a JSON file in the renderer's virtual file system and inserts it as a string, so
//! `#`, `*`, `[` and the like print as themselves.

#![warn(missing_docs)]

mod error;
mod notice;
mod qr;
mod render;
mod wording;

pub use error::DocsError;
pub use notice::{DocumentKind, Notice};
pub use render::{Rendered, Renderer};
