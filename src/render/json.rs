//! The document model as JSON: what the Typst layout reads as `/data.json`,
//! so the same document can be typeset with the Typst CLI, and a way to see
//! what a template produced.

use crate::diag::Diagnostic;
use crate::ir::Document;
use crate::render::{Format, Rendered, Renderer};

pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn format(&self) -> Format {
        Format::Json
    }

    fn render(&self, doc: &Document) -> Result<Rendered, Diagnostic> {
        let mut bytes = serde_json::to_vec_pretty(doc)
            .map_err(|e| Diagnostic::error(format!("cannot serialise the document: {e}")))?;
        bytes.push(b'\n');
        Ok(Rendered { bytes, pages: None })
    }
}
