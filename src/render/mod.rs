//! Stage 5, `render`: the document model to bytes. Both renderers consume
//! only [`Document`]; nothing about a document's content is written per format.

pub mod docx;
pub mod json;
pub mod pdf;

use crate::diag::Diagnostic;
use crate::ir::Document;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Pdf,
    Docx,
    /// The document model itself, as the Typst layout reads it (`/data.json`).
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "docx" => Some(Format::Docx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// A rendered file.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Pages as typeset (PDF only; DOCX pagination is the word processor's).
    pub pages: Option<usize>,
}

/// A renderer: one output format.
pub trait Renderer: Send + Sync {
    fn format(&self) -> Format;
    fn render(&self, doc: &Document) -> Result<Rendered, Diagnostic>;
}
