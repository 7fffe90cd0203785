//! IR → DOCX with docx-rs. (Placeholder until the renderer lands.)

use crate::diag::Diagnostic;
use crate::ir::Document;
use crate::render::{Format, Rendered, Renderer};

#[derive(Debug, Clone, Default)]
pub struct DocxOptions {
    pub timestamp: Option<i64>,
}

pub struct DocxRenderer;

impl DocxRenderer {
    pub fn new(_options: DocxOptions) -> DocxRenderer {
        DocxRenderer
    }
}

impl Renderer for DocxRenderer {
    fn format(&self) -> Format {
        Format::Docx
    }

    fn render(&self, _doc: &Document) -> Result<Rendered, Diagnostic> {
        Err(Diagnostic::error("the DOCX renderer is not available yet"))
    }
}
