//! Formatting profiles: page, margins, type, indents, page numbering and date
//! style. One profile drives both renderers, so PDF and DOCX agree.
//!
//! Profiles are YAML files in `templates/profiles/`; the built-in set is
//! compiled into the binary and a project's `templates/` may override them.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The profile's own name (`gost-2025`); filled from the file name.
    #[serde(default)]
    pub name: String,
    pub description: String,
    /// Page width and height, mm.
    pub page: PageSize,
    pub margins: Margins,
    pub font: Font,
    /// First-line indent of body paragraphs, mm.
    pub first_line_indent: f32,
    /// Line spacing as a multiple of single spacing.
    pub line_spacing: f32,
    /// Space after each body paragraph, pt.
    pub paragraph_spacing: f32,
    /// The first page that carries a page number (GOST: 2).
    pub page_numbers_from: u32,
    /// Width of corner requisites (approval stamp, appendix mark), mm.
    pub corner_width: f32,
    /// How dates are printed in requisites.
    pub date_style: DateStyle,
    /// Language of documents that do not choose one.
    pub lang: Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSize {
    pub width: f32,
    pub height: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Margins {
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Font {
    /// The family named in DOCX files (what ministries expect to see).
    pub docx_family: String,
    /// The metric-compatible embedded family the PDF is set in.
    pub pdf_family: String,
    /// Body size, pt.
    pub size: f32,
    /// Size in tables, pt.
    pub table_size: f32,
    /// Size of corner requisites and page numbers, pt.
    pub small_size: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateStyle {
    /// 26.09.2022
    Numeric,
    /// 26 сентября 2022 г.
    Long,
}

impl Profile {
    /// Width of the text block, mm.
    pub fn text_width(&self) -> f32 {
        self.page.width - self.margins.left - self.margins.right
    }

    pub fn format_date(&self, date: crate::dates::Date, lang: Lang) -> String {
        match self.date_style {
            DateStyle::Numeric => date.to_string(),
            DateStyle::Long => date.long(lang),
        }
    }
}

/// The profile used when neither the record nor the command line names one.
pub const DEFAULT_PROFILE: &str = "gost-2025";
