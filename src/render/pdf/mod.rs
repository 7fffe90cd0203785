//! IR → PDF with Typst used as a library.
//!
//! The layout is the Typst library in the `typst/` folder of the template set
//! (`main.typ` imports `lib.typ`); the document reaches it as the data file
//! `/data.json`, never as Typst source, so no user text can change the layout.
//! Fonts and Typst's standard library are loaded once per process; each
//! document gets a light world of its own, so one renderer serves many threads.

// The crate's error type is `Diagnostic` by design (the `Renderer` trait
// returns it); boxing it in this module alone would buy nothing.
#![allow(clippy::result_large_err)]

mod overflow;
mod world;

use std::collections::HashMap;

use typst::WorldExt;
use typst::diag::{Severity as TypstSeverity, SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{DiagSpan, FileId};
use typst_layout::PagedDocument;
use typst_pdf::{PdfStandard, PdfStandards, Timestamp};

use self::world::{DocWorld, LayoutFile};
use super::{Format, Rendered, Renderer};
use crate::assets::Assets;
use crate::diag::Diagnostic;
use crate::ir::Document;

/// PDF/A conformance levels for archival copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PdfA {
    A1b,
    A2b,
    A3b,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PdfOptions {
    /// Write a PDF/A file.
    pub pdfa: Option<PdfA>,
    /// Creation date of every file, seconds since the Unix epoch
    /// (`SOURCE_DATE_EPOCH`); `None` = the document's own date.
    pub timestamp: Option<i64>,
}

/// Memoized results unused for this many documents are dropped after each
/// document. Typst keeps every layout result otherwise: 2.1 GB after 300
/// distinct documents. Measured over 400 distinct orders (`examples/pdf_bench.rs`):
/// age 1 ≈ 95 MB, 2 ≈ 110 MB, 5 ≈ 155 MB, at the same speed within noise;
/// age 0 forgets the shared layout library too and is a third slower.
pub const DEFAULT_CACHE_AGE: usize = 2;

/// Empties Typst's memoization cache (global to the process). Documents that
/// share nothing — an inventory's volumes, each a long table of its own —
/// would otherwise keep the last few layouts' memoized cells alive.
pub fn forget_layouts() {
    typst::comemo::evict(0);
}

/// The date of files without a date of their own (the ZIP epoch).
const FALLBACK_DATE: (i32, u8, u8) = (1980, 1, 1);

/// A document laid out into pages, kept to write its PDF later.
pub struct LaidOut {
    paged: PagedDocument,
    data: Bytes,
    today: Datetime,
    warnings: Vec<Diagnostic>,
}

/// One page for a preview: the image, and its text (for the image's
/// description, and for finding text on the page).
#[derive(Debug, Clone)]
pub struct PageImage {
    pub svg: String,
    pub text: String,
}

pub struct PdfRenderer {
    files: HashMap<FileId, LayoutFile>,
    main: FileId,
    data_id: FileId,
    options: PdfOptions,
    /// `options.timestamp` as a date and time (UTC).
    timestamp: Option<Datetime>,
    cache_age: Option<usize>,
}

impl PdfRenderer {
    pub fn new(assets: &Assets, options: PdfOptions) -> Result<PdfRenderer, Diagnostic> {
        let files = world::layout_files(assets);
        let main = world::file_id("/main.typ");
        let data_id = world::file_id("/data.json");
        if !files.contains_key(&main) {
            return Err(Diagnostic::error("the layout has no `typst/main.typ`")
                .note("`clusterdoc templates --dump DIR` writes the built-in layout files for editing"));
        }
        let timestamp = options
            .timestamp
            .map(|secs| {
                datetime_of(secs).ok_or_else(|| {
                    Diagnostic::error(format!(
                        "timestamp {secs} is not a date between years 1 and 9999"
                    ))
                })
            })
            .transpose()?;
        // Refuses incompatible settings now rather than on the first document.
        pdf_standards(options.pdfa)?;
        Ok(PdfRenderer {
            files,
            main,
            data_id,
            options,
            timestamp,
            cache_age: Some(DEFAULT_CACHE_AGE),
        })
    }

    /// How many documents an unused memoized layout result survives (`None`:
    /// forever, for re-rendering the same documents, as a watch mode does).
    /// Typst's cache is global, so this acts on the whole process.
    pub fn with_cache_age(mut self, age: Option<usize>) -> PdfRenderer {
        self.cache_age = age;
        self
    }

    /// Renders a document and returns Typst's warnings beside the file
    /// (the [`Renderer`] interface has no place for them).
    pub fn render_with_warnings(
        &self,
        doc: &Document,
    ) -> Result<(Rendered, Vec<Diagnostic>), Diagnostic> {
        let result = self.render_inner(doc);
        if let Some(age) = self.cache_age {
            typst::comemo::evict(age);
        }
        result
    }

    /// A document laid out for a preview: every page as an SVG image
    /// (glyphs as paths, so the page needs no fonts) with its text; the PDF
    /// of exactly these pages is written when asked for ([`Self::pdf_of`]).
    pub fn lay_out(&self, doc: &Document) -> Result<(LaidOut, Vec<PageImage>), Diagnostic> {
        let result = self.layout(doc).map(|(world, paged, warnings)| {
            let pages = paged
                .pages()
                .iter()
                .map(|p| PageImage {
                    svg: typst_svg::svg(p, &typst_svg::SvgOptions::default()),
                    text: overflow::page_text(&p.frame),
                })
                .collect();
            let laid = LaidOut {
                paged,
                data: world.data,
                today: world.today,
                warnings,
            };
            (laid, pages)
        });
        if let Some(age) = self.cache_age {
            typst::comemo::evict(age);
        }
        result
    }

    /// The PDF of a document laid out by [`Self::lay_out`]: the same bytes
    /// [`Renderer::render`] gives.
    pub fn pdf_of(&self, doc: &Document, laid: &LaidOut) -> Result<Vec<u8>, Diagnostic> {
        let world = DocWorld {
            files: &self.files,
            main: self.main,
            data_id: self.data_id,
            data: laid.data.clone(),
            today: laid.today,
        };
        self.write_pdf(doc, &world, &laid.paged, &laid.warnings)
            .map(|r| r.bytes)
    }

    fn render_inner(&self, doc: &Document) -> Result<(Rendered, Vec<Diagnostic>), Diagnostic> {
        let (world, paged, mut warnings) = self.layout(doc)?;
        let rendered = self.write_pdf(doc, &world, &paged, &warnings)?;
        warnings.dedup();
        Ok((rendered, warnings))
    }

    /// The document laid out into pages, checked to stay inside them.
    fn layout<'a>(
        &'a self,
        doc: &Document,
    ) -> Result<(DocWorld<'a>, PagedDocument, Vec<Diagnostic>), Diagnostic> {
        let family = &doc.profile.font.pdf_family;
        if !world::shared().book.contains_family(&family.to_lowercase()) {
            return Err(
                Diagnostic::error(format!("the PDF font `{family}` is not embedded"))
                    .context(format!("formatting profile `{}`", doc.profile.name))
                    .note(format!("embedded fonts: {}", world::families().join(", "))),
            );
        }
        let data = layout_data(doc)?;
        let world = DocWorld {
            files: &self.files,
            main: self.main,
            data_id: self.data_id,
            data: Bytes::new(data),
            today: self.today(doc),
        };
        let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
        let warnings: Vec<Diagnostic> = warnings
            .iter()
            .map(|w| self.diagnostic(&world, w))
            .collect();
        let paged = output.map_err(|errors| self.first_error(&world, &errors, &warnings))?;
        if let Some(o) = overflow::find_overflow(&paged, &doc.profile) {
            return Err(overflow_problem(&o));
        }
        Ok((world, paged, warnings))
    }

    fn write_pdf(
        &self,
        doc: &Document,
        world: &DocWorld,
        paged: &PagedDocument,
        warnings: &[Diagnostic],
    ) -> Result<Rendered, Diagnostic> {
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(ident(doc)),
            creator: Smart::Custom(Some(format!("clusterdoc {}", env!("CARGO_PKG_VERSION")))),
            timestamp: Some(Timestamp::new_utc(self.created(doc))),
            standards: pdf_standards(self.options.pdfa)?,
            ..typst_pdf::PdfOptions::default()
        };
        let bytes = typst_pdf::pdf(paged, &options)
            .map_err(|errors| self.first_error(world, &errors, warnings))?;
        Ok(Rendered {
            bytes,
            pages: Some(paged.pages().len()),
        })
    }

    /// What `datetime.today()` gives: the document's date, else the day of
    /// the fixed timestamp, so that output never depends on the clock.
    fn today(&self, doc: &Document) -> Datetime {
        let date = doc
            .meta
            .date
            .map(|d| (d.year(), d.month(), d.day()))
            .or_else(|| match self.timestamp? {
                Datetime::Datetime(dt) => Some((dt.year(), dt.month() as u8, dt.day())),
                _ => None,
            })
            .unwrap_or(FALLBACK_DATE);
        Datetime::from_ymd(date.0, date.1, date.2).expect("a valid date")
    }

    /// The creation date written into the file.
    fn created(&self, doc: &Document) -> Datetime {
        self.timestamp.unwrap_or_else(|| {
            let (y, m, d) = doc
                .meta
                .date
                .map(|d| (d.year(), d.month(), d.day()))
                .unwrap_or(FALLBACK_DATE);
            Datetime::from_ymd_hms(y, m, d, 0, 0, 0).expect("a valid date")
        })
    }

    /// The first error as the diagnostic; the other errors and the warnings
    /// become its notes, so one run still shows every problem.
    fn first_error(
        &self,
        world: &DocWorld,
        errors: &[SourceDiagnostic],
        warnings: &[Diagnostic],
    ) -> Diagnostic {
        let mut iter = errors.iter();
        let Some(first) = iter.next() else {
            return Diagnostic::error("the layout failed without saying why");
        };
        let mut d = self.diagnostic(world, first);
        for other in iter
            .map(|e| self.diagnostic(world, e))
            .chain(warnings.iter().cloned())
        {
            let kind = if other.is_error() { "error" } else { "warning" };
            let at = match &other.location {
                Some(crate::diag::Location::Path {
                    path, line, col, ..
                }) => {
                    format!("{path}:{line}:{col}: ")
                }
                _ => String::new(),
            };
            d = d.note(format!("also {kind}: {at}{}", other.message));
        }
        d
    }

    fn diagnostic(&self, world: &DocWorld, diag: &SourceDiagnostic) -> Diagnostic {
        let message = diag.message.to_string();
        let mut d = match diag.severity {
            TypstSeverity::Error => Diagnostic::error(message),
            TypstSeverity::Warning => Diagnostic::warning(message),
        };
        // An error raised inside Typst's library may carry no span of its own;
        // then the innermost call in a layout file is where it happened.
        let here = self.locate(world, diag.span).or_else(|| {
            diag.trace
                .iter()
                .find_map(|t| self.locate(world, t.span.into()))
        });
        if let Some((path, line, col)) = here {
            d = d.at_path(path, line, col);
            // Show the offending line of a layout file.
            let span = if self.locate(world, diag.span).is_some() {
                diag.span
            } else {
                diag.trace
                    .iter()
                    .map(|t| t.span.into())
                    .find(|s: &DiagSpan| self.locate(world, *s).is_some())
                    .unwrap_or(diag.span)
            };
            if let (Some(id), Some(range)) = (span.id(), world.range(span))
                && let Some(source) = self.files.get(&id).and_then(|f| f.source.as_ref())
            {
                d = d.with_source(source.text().into()).with_len(range.len());
            }
        }
        for point in &diag.trace {
            let at = self
                .locate(world, point.span.into())
                .map(|(p, l, c)| format!(" ({p}:{l}:{c})"))
                .unwrap_or_default();
            d = d.note(format!("{}{at}", point.v));
        }
        if message_is_file_access(&diag.message) {
            d = d.note("the layout can read only the files of the template set's `typst/` folder (`/` is that folder) and the document, `/data.json`");
        }
        // Hints about the typst CLI's options do not apply here.
        for hint in diag.hints.iter().filter(|h| !h.v.contains("--root")) {
            let at = self
                .locate(world, hint.span)
                .map(|(p, l, c)| format!(" ({p}:{l}:{c})"))
                .unwrap_or_default();
            d = d.note(format!("hint: {}{at}", hint.v));
        }
        d
    }

    /// File (as the template set names it), 1-based line and column of a span.
    fn locate(&self, world: &DocWorld, span: DiagSpan) -> Option<(String, usize, usize)> {
        let id = span.id()?;
        let range = world.range(span)?;
        if id == self.data_id {
            let (line, col) = line_col(world.data.as_slice(), range.start);
            return Some(("the document data (/data.json)".to_owned(), line, col));
        }
        let file = self.files.get(&id)?;
        let (line, col) = match &file.source {
            Some(source) => {
                let (l, c) = source.lines().byte_to_line_column(range.start)?;
                (l + 1, c + 1)
            }
            None => line_col(file.bytes.as_slice(), range.start),
        };
        Some((file.origin.clone(), line, col))
    }
}

/// Text past an edge: the document fails rather than print a cut line.
fn overflow_problem(o: &overflow::Overflow) -> Diagnostic {
    const SHOWN: usize = 80;
    let mut text: String = o.text.chars().take(SHOWN).collect();
    if o.text.chars().count() > SHOWN {
        text.push('…');
    }
    Diagnostic::error(format!(
        "page {}: «{text}» runs {} mm past {}; it would be cut off on paper",
        o.page, o.by_mm, o.edge
    ))
    .note("a word longer than its line breaks at «/ . @ _ -» or by hyphenation; a row or block taller than a page cannot break")
}

/// Whether a Typst error is about a file the layout may not read.
fn message_is_file_access(message: &str) -> bool {
    message.starts_with("file not found") || message.contains("escape the project root")
}

/// The document as the layout reads it (`/data.json`): to try a layout
/// change with the typst CLI, write this beside `main.typ`.
pub fn layout_data(doc: &Document) -> Result<Vec<u8>, Diagnostic> {
    serde_json::to_vec(doc)
        .map_err(|e| Diagnostic::error(format!("cannot pass the document to the layout: {e}")))
}

impl Renderer for PdfRenderer {
    fn format(&self) -> Format {
        Format::Pdf
    }

    fn render(&self, doc: &Document) -> Result<Rendered, Diagnostic> {
        self.render_with_warnings(doc).map(|(rendered, _)| rendered)
    }
}

fn pdf_standards(pdfa: Option<PdfA>) -> Result<PdfStandards, Diagnostic> {
    let list: &[PdfStandard] = match pdfa {
        None => &[],
        Some(PdfA::A1b) => &[PdfStandard::A_1b],
        Some(PdfA::A2b) => &[PdfStandard::A_2b],
        Some(PdfA::A3b) => &[PdfStandard::A_3b],
    };
    PdfStandards::new(list).map_err(|e| {
        let mut d = Diagnostic::error(format!("PDF standard: {}", e.message()));
        for hint in e.hints() {
            d = d.note(format!("hint: {hint}"));
        }
        d
    })
}

fn datetime_of(secs: i64) -> Option<Datetime> {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    if !(1..=9999).contains(&t.year()) {
        return None;
    }
    Datetime::from_ymd_hms(
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
}

/// A stable identifier of the document, hashed into the PDF's file id: the
/// same document gets the same id in every build, two documents differ.
fn ident(doc: &Document) -> String {
    let m = &doc.meta;
    let date = m.date.map(|d| d.to_string()).unwrap_or_default();
    format!(
        "{}|{}|{}|{}|{}",
        m.kind,
        m.number.as_deref().unwrap_or(""),
        date,
        m.lang.code(),
        m.title
    )
}

/// 1-based line and character column of a byte offset in a text file.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let head = &bytes[..offset.min(bytes.len())];
    let line = head.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&head[start..]).chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
