//! Diagnostics: every problem names its file, line and column, and a run
//! reports all of them at once, printed like a compiler's.

use std::borrow::Cow;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use codespan_reporting::term::{self, Config, Styles, StylesWriter};

/// Index of a source in [`Sources`].
pub type FileId = usize;

/// All texts a run has read (records, templates, layout files), kept so that
/// diagnostics can show the offending line.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// Shared: a report or a failure hands the sources on without copying
    /// thousands of entries.
    files: Arc<Vec<Source>>,
}

#[derive(Debug, Clone)]
struct Source {
    name: String,
    /// The name as printed, if that differs from `name`: see [`printable`].
    shown: Option<String>,
    /// The text, unless it was let go after parsing ([`Sources::release`]):
    /// then it is read again from `file` the first time a diagnostic
    /// points into it.
    text: OnceLock<String>,
    line_starts: OnceLock<Vec<usize>>,
    /// The file a released text is read again from, and the digest the
    /// text had when it was parsed.
    file: Option<(PathBuf, u128)>,
    /// For a table read as records: the cell each part of `text` came from.
    places: Option<Arc<Places>>,
}

impl Source {
    fn shown(&self) -> &str {
        self.shown.as_deref().unwrap_or(&self.name)
    }

    fn text(&self) -> &str {
        self.text
            .get_or_init(|| self.reread().map(Cow::into_owned).unwrap_or_default())
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text().match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The text as parsed: kept, or read again from the file if its bytes
    /// have not changed since.
    fn reread(&self) -> Result<Cow<'_, str>, Diagnostic> {
        if let Some(text) = self.text.get() {
            return Ok(Cow::Borrowed(text));
        }
        let Some((path, digest)) = &self.file else {
            return Ok(Cow::Borrowed(""));
        };
        let changed = || {
            Diagnostic::error(format!("{} changed while it was being used", self.name))
                .note("run the command again")
        };
        let bytes = std::fs::read(path).map_err(|_| changed())?;
        if xxhash_rust::xxh3::xxh3_128(&bytes) != *digest {
            return Err(changed());
        }
        String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|_| changed())
    }
}

/// Where the parts of a text translated from a table came from: spans of
/// the text, in order, each with the place a spreadsheet user finds it at
/// («лист «Школы», ячейка D14»).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Places {
    spans: Vec<(usize, String)>,
}

impl Places {
    /// Notes that the text from `start` on came from `place` (spans are
    /// added in the order of the text).
    pub fn push(&mut self, start: usize, place: impl Into<String>) {
        self.spans.push((start, place.into()));
    }

    /// Adds the places of a text appended at `offset`.
    pub fn append(&mut self, other: &Places, offset: usize) {
        self.spans.extend(
            other
                .spans
                .iter()
                .map(|(start, place)| (start + offset, place.clone())),
        );
    }

    /// The place the text at `offset` came from.
    pub fn at(&self, offset: usize) -> &str {
        let i = self.spans.partition_point(|(start, _)| *start <= offset);
        self.spans
            .get(i.saturating_sub(1))
            .map_or("", |(_, place)| place.as_str())
    }
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let name = name.into();
        Arc::make_mut(&mut self.files).push(Source {
            shown: match printable(&name) {
                Cow::Owned(shown) => Some(shown),
                Cow::Borrowed(_) => None,
            },
            name,
            text: OnceLock::from(text.into()),
            line_starts: OnceLock::new(),
            file: None,
            places: None,
        });
        self.files.len() - 1
    }

    /// Lets go of a text read from `path` once it is parsed: a diagnostic
    /// that points into it later reads the file again (and gets no text if
    /// the file changed since). A build of thousands of files keeps none of
    /// their texts this way.
    pub fn release(&mut self, id: FileId, path: PathBuf) {
        let source = &mut Arc::make_mut(&mut self.files)[id];
        if let Some(text) = source.text.take() {
            source.file = Some((path, xxhash_rust::xxh3::xxh3_128(text.as_bytes())));
            source.line_starts.take();
        }
    }

    /// The text of a source as it was parsed, read again from its file if
    /// it was released; an error if the file changed since.
    pub fn text_as_parsed(&self, id: FileId) -> Result<Cow<'_, str>, Diagnostic> {
        self.files[id].reread()
    }

    /// Adds the text a table was translated into, with where its parts
    /// came from: problems in it are shown at their cell.
    pub fn add_table(
        &mut self,
        name: impl Into<String>,
        text: impl Into<String>,
        places: Arc<Places>,
    ) -> FileId {
        let id = self.add(name, text);
        Arc::make_mut(&mut self.files)[id].places = Some(places);
        id
    }

    /// Where a table's text came from, if the source is a table.
    pub fn places(&self, id: FileId) -> Option<&Arc<Places>> {
        self.files[id].places.as_ref()
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.files[id].name
    }

    pub fn text(&self, id: FileId) -> &str {
        self.files[id].text()
    }

    /// Byte offset of a 1-based line and a 1-based column counted in characters.
    pub fn offset(&self, id: FileId, line: usize, col: usize) -> usize {
        let src = &self.files[id];
        let Some(&start) = src.line_starts().get(line.saturating_sub(1)) else {
            return src.text().len();
        };
        let rest = &src.text()[start..];
        let in_line = rest
            .char_indices()
            .take_while(|&(_, c)| c != '\n')
            .nth(col.saturating_sub(1))
            .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
        start + in_line
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let src = &self.files[id];
        let (text, starts) = (src.text(), src.line_starts());
        let offset = offset.min(text.len());
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let col = text[starts[line]..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The span of the rest of the line at `offset`, at most to the line's end
    /// (used to underline a YAML value or key).
    pub fn token_at(&self, id: FileId, offset: usize) -> Range<usize> {
        let text = self.files[id].text();
        let offset = offset.min(text.len());
        let rest = &text[offset..];
        let len = rest
            .find(['\n', '#'])
            .unwrap_or(rest.len())
            .min(rest.find(": ").map_or(usize::MAX, |i| i))
            .min(rest.trim_end_matches(':').len());
        let token = rest[..len].trim_end();
        let len = if token.is_empty() {
            rest.chars().next().map_or(0, char::len_utf8)
        } else {
            token.len()
        };
        offset..offset + len
    }
}

impl<'a> Files<'a> for Sources {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        self.files
            .get(id)
            .map(Source::shown)
            .ok_or(files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        self.files
            .get(id)
            .map(Source::text)
            .ok_or(files::Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let f = self.files.get(id).ok_or(files::Error::FileMissing)?;
        Ok(f.line_starts().partition_point(|&s| s <= byte_index) - 1)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let f = self.files.get(id).ok_or(files::Error::FileMissing)?;
        let starts = f.line_starts();
        let start = *starts.get(line_index).ok_or(files::Error::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(f.text().len());
        Ok(start..end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// Where a problem is: a span in a known source, or a file that could not
/// be read as text at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Span {
        file: FileId,
        span: Range<usize>,
    },
    /// A file that is not in [`Sources`] (a template, a layout file, or a
    /// record file that could not be read as text), with a 1-based line and
    /// column, and the file's text when it is worth showing.
    Path {
        path: String,
        line: usize,
        col: usize,
        text: Option<Arc<str>>,
        /// Length of the offending text in bytes, where known.
        len: Option<usize>,
    },
    /// A cell of a table: `data/schools.xlsx` and `лист «Школы», ячейка D14`.
    Cell {
        path: String,
        place: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    /// What the label under the marked spot says.
    pub label: String,
    /// `organization «school-1»`, `field participants[2].joined`…
    pub context: Option<String>,
    /// Hints: «did you mean `name`?».
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            label: String::new(),
            context: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, file: FileId, span: Range<usize>) -> Self {
        self.location = Some(Location::Span { file, span });
        self
    }

    pub fn at_path(mut self, path: impl Into<String>, line: usize, col: usize) -> Self {
        self.location = Some(Location::Path {
            path: path.into(),
            line,
            col,
            text: None,
            len: None,
        });
        self
    }

    pub fn at_cell(mut self, path: impl Into<String>, place: impl Into<String>) -> Self {
        self.location = Some(Location::Cell {
            path: path.into(),
            place: place.into(),
        });
        self
    }

    /// The diagnostic with a span in a table's text turned into the cell
    /// it came from.
    fn in_cell(&self, sources: &Sources) -> Option<(String, String)> {
        match self.location.as_ref()? {
            Location::Cell { path, place } => {
                Some((printable(path).into_owned(), printable(place).into_owned()))
            }
            Location::Span { file, span } => {
                let places = sources.files.get(*file)?.places.as_ref()?;
                Some((
                    sources.files[*file].shown().to_owned(),
                    printable(places.at(span.start)).into_owned(),
                ))
            }
            Location::Path { .. } => None,
        }
    }

    /// A problem in a table as the terminal shows it: no source lines
    /// (a spreadsheet has none), the file and the cell where codespan
    /// names file, line and column.
    fn cell_text(&self, path: &str, place: &str) -> String {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!(
            "{word}: {}\n  ┌─ {path}, {place}\n  │\n",
            printable(&self.message)
        );
        // «record organizations[3], field inn»: the record's path is the
        // translation's, not the table's; the field is worth naming.
        let context = self
            .context
            .iter()
            .filter_map(|c| match c.split_once(", field ") {
                Some((_, field)) => Some(format!("field {}", printable(field))),
                None if c.starts_with("record ") => None,
                None => Some(format!("in {}", printable(c))),
            });
        for note in context.chain(self.notes.iter().map(|n| printable(n).into_owned())) {
            out.push_str(&format!("  = {note}\n"));
        }
        out.push('\n');
        out
    }

    /// Sets the length of the marked text of a [`Location::Path`].
    pub fn with_len(mut self, n: usize) -> Self {
        if let Some(Location::Path { len, .. }) = &mut self.location {
            *len = Some(n);
        }
        self
    }

    /// Attaches the text of a [`Location::Path`] file, so the printed
    /// diagnostic shows the offending line.
    pub fn with_source(mut self, source: Arc<str>) -> Self {
        if let Some(Location::Path { text, .. }) = &mut self.location {
            *text = Some(source);
        }
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col` of the problem, if it has a location.
    pub fn position(&self, sources: &Sources) -> Option<String> {
        if let Some((path, place)) = self.in_cell(sources) {
            return Some(format!("{path}, {place}"));
        }
        match self.location.as_ref()? {
            Location::Span { file, span } => {
                let (line, col) = sources.line_col(*file, span.start);
                Some(format!("{}:{line}:{col}", sources.files[*file].shown()))
            }
            Location::Path {
                path, line, col, ..
            } => Some(format!("{}:{line}:{col}", printable(path))),
            // Handled above.
            Location::Cell { .. } => None,
        }
    }

    /// The sources to print against: the run's, or a single file of its own
    /// for a [`Location::Path`] that carries its text.
    fn printable<'a>(
        &'a self,
        sources: &'a Sources,
    ) -> (std::borrow::Cow<'a, Sources>, Diagnostic) {
        if let Some(Location::Path {
            path,
            line,
            col,
            text: Some(text),
            len,
        }) = &self.location
        {
            let mut own = Sources::default();
            let id = own.add(path.clone(), text.to_string());
            let start = own.offset(id, *line, *col);
            let span = match len {
                Some(n) => start..(start + n).min(text.len()),
                None => own.token_at(id, start),
            };
            let d = Diagnostic {
                location: Some(Location::Span { file: id, span }),
                ..self.clone()
            };
            return crop_long_line(std::borrow::Cow::Owned(own), d);
        }
        crop_long_line(std::borrow::Cow::Borrowed(sources), self.clone())
    }

    fn to_codespan(&self) -> CsDiagnostic<FileId> {
        let severity = match self.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
        };
        let mut d = CsDiagnostic::new(severity).with_message(printable(&self.message));
        if let Some(Location::Span { file, span }) = &self.location {
            d = d.with_labels(vec![
                Label::primary(*file, span.clone()).with_message(printable(&self.label)),
            ]);
        }
        let mut notes = Vec::new();
        if let Some(Location::Path {
            path, line, col, ..
        }) = &self.location
        {
            notes.push(format!("in {}:{line}:{col}", printable(path)));
        }
        if let Some(context) = &self.context {
            notes.push(format!("in {}", printable(context)));
        }
        notes.extend(self.notes.iter().map(|n| printable(n).into_owned()));
        d.with_notes(notes)
    }

    /// The diagnostic as plain text, as it is printed without colour.
    pub fn render(&self, sources: &Sources) -> String {
        if let Some((path, place)) = self.in_cell(sources) {
            return self.cell_text(&path, &place);
        }
        let (sources, d) = self.printable(sources);
        term::emit_into_string(&Config::default(), sources.as_ref(), &d.to_codespan())
            .unwrap_or_else(|_| format!("error: {}\n", printable(&self.message)))
    }
}

/// Text safe to print on a terminal: control characters (line breaks
/// too: every message is one line) and the bidirectional controls written as
/// `\u{1b}` escapes, so a value or file name in the records can neither drive
/// the terminal nor reorder or split what it shows.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if unsafe_char(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Lines longer than this (in characters) are cut a little after the
/// marked text when printed: a 20,000-character line of `[` says nothing more.
const SHOWN_LINE: usize = 160;

/// The diagnostic with the marked line cut after the mark if it is very
/// long. What precedes the mark is kept, so the line and column stay right.
fn crop_long_line<'a>(
    sources: std::borrow::Cow<'a, Sources>,
    d: Diagnostic,
) -> (std::borrow::Cow<'a, Sources>, Diagnostic) {
    let Some(Location::Span { file, span }) = &d.location else {
        return (sources, d);
    };
    let text = sources.text(*file);
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if text[line_start..line_end].chars().count() <= SHOWN_LINE {
        return (sources, d);
    }
    let end = span.end.clamp(start, line_end);
    let keep = text[end..line_end]
        .char_indices()
        .nth(40)
        .map_or(line_end, |(i, _)| end + i);
    let mut own = Sources::default();
    let id = own.add(sources.name(*file), format!("{} …", &text[..keep]));
    let d = Diagnostic {
        location: Some(Location::Span {
            file: id,
            span: start..end.min(keep),
        }),
        ..d
    };
    (std::borrow::Cow::Owned(own), d)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Prints diagnostics to standard error, in colour on a terminal.
pub fn print_diagnostics(sources: &Sources, diagnostics: &[Diagnostic]) {
    let choice = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let stream = StandardStream::stderr(choice);
    let mut lock = stream.lock();
    let styles = Styles::default();
    let config = Config::default();
    for d in diagnostics {
        if let Some((path, place)) = d.in_cell(sources) {
            let _ = write!(lock, "{}", d.cell_text(&path, &place));
            continue;
        }
        let (sources, shown) = d.printable(sources);
        let mut writer = StylesWriter::new(&mut lock, &styles);
        if term::emit_to_write_style(&mut writer, &config, sources.as_ref(), &shown.to_codespan())
            .is_err()
        {
            let _ = writeln!(lock, "error: {}", printable(&d.message));
        }
    }
}

/// The outcome of a stage that reports problems rather than stopping at the first.
pub type Problems = Vec<Diagnostic>;

/// Whether any of the diagnostics is an error (warnings do not fail a run).
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_round_trip_with_cyrillic() {
        let mut s = Sources::default();
        let id = s.add("a.yaml", "id: x\nname: Школа № 1\n  kind: school\n");
        let off = s.offset(id, 2, 7);
        assert_eq!(&s.text(id)[off..off + 2], "Ш");
        assert_eq!(s.line_col(id, off), (2, 7));
        assert_eq!(
            s.token_at(id, s.offset(id, 3, 3)),
            s.offset(id, 3, 3)..s.offset(id, 3, 7)
        );
    }

    #[test]
    fn rendered_text_names_file_line_and_column() {
        let mut s = Sources::default();
        let id = s.add("data/a.yaml", "id: x\nnmae: y\n");
        let d = Diagnostic::error("unknown field `nmae`")
            .at(id, 6..10)
            .label("not a field of organization")
            .note("did you mean `name`?");
        let text = d.render(&s);
        assert!(text.contains("data/a.yaml:2:1"), "{text}");
        assert!(text.contains("did you mean `name`?"), "{text}");
        assert_eq!(d.position(&s).unwrap(), "data/a.yaml:2:1");
    }
}

/// Why a command failed: the problems and the sources they point into.
#[derive(Debug, Default)]
pub struct Failure {
    pub sources: Sources,
    pub problems: Vec<Diagnostic>,
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Failure {
        Failure {
            sources: Sources::default(),
            problems: vec![d],
        }
    }
}
