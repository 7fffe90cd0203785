//! IR → PDF with Typst used as a library. (Placeholder until the layout lands.)

use crate::assets::Assets;
use crate::diag::Diagnostic;
use crate::ir::Document;
use crate::render::{Format, Rendered, Renderer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfA {
    A1b,
    A2b,
    A3b,
}

#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    pub pdfa: Option<PdfA>,
    pub timestamp: Option<i64>,
}

pub struct PdfRenderer;

impl PdfRenderer {
    pub fn new(_assets: &Assets, _options: PdfOptions) -> Result<PdfRenderer, Diagnostic> {
        Ok(PdfRenderer)
    }
}

impl Renderer for PdfRenderer {
    fn format(&self) -> Format {
        Format::Pdf
    }

    fn render(&self, _doc: &Document) -> Result<Rendered, Diagnostic> {
        Err(Diagnostic::error("the PDF renderer is not available yet"))
    }
}
