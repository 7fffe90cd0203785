//! Stage 1, `load`: find the YAML files under the data folder, parse them and
//! deserialise every record, collecting every problem with its position.
//!
//! serde_yaml does the parsing and typing; it keeps no positions once a value
//! is parsed, so a second, event-level pass (yaml-rust2) records where every
//! key and value starts. Later stages use that [`SourceMap`] to point at the
//! exact field a problem is about.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod deferred;
pub mod table;

pub use deferred::Deferred;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{Diagnostic, FileId, Places, Problems, Sources};
use crate::model::{
    Agreement, Cluster, Issuer, Membership, Order, Organization, RECORD_KINDS, Roadmap,
    TextDocument,
};

/// Record files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Where a record came from: its file and its path inside the file
/// (`organizations[3]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub path: String,
}

impl Origin {
    /// The path of a field of this record: `organizations[3].inn`.
    pub fn field(&self, field: &str) -> String {
        join_path(&self.path, field)
    }
}

#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub record: T,
    pub origin: Origin,
    /// A digest of the record's content, for incremental builds.
    pub digest: String,
}

/// Everything read from the data folder.
#[derive(Debug, Default)]
pub struct Dataset {
    pub root: PathBuf,
    pub sources: Sources,
    /// Where each key and value of a file starts, built the first time a
    /// problem points into the file: most files never need one, and at
    /// thousands of files they would be most of the memory a build holds.
    maps: Mutex<HashMap<FileId, Arc<SourceMap>>>,
    pub organizations: Vec<Loaded<Organization>>,
    pub issuers: Vec<Loaded<Issuer>>,
    pub clusters: Vec<Loaded<Cluster>>,
    pub agreements: Vec<Loaded<Agreement>>,
    pub roadmaps: Vec<Deferred<Roadmap>>,
    pub orders: Vec<Deferred<Order>>,
    pub documents: Vec<Deferred<TextDocument>>,
    /// Participants written as records of their own (rows of participants
    /// tables); `validate` adds them to their clusters.
    pub memberships: Vec<Loaded<Membership>>,
    /// Ids of records that failed to load: references to them are not
    /// reported again, the record's own error says what is wrong.
    pub broken_ids: std::collections::HashSet<String>,
    /// The path of each record file, by its id in `sources` (kept for a
    /// session that keeps its files parsed).
    pub paths: HashMap<FileId, PathBuf>,
    /// Files whose texts an earlier check found printable and whose bytes
    /// have not changed since: `validate::text` need not look at them again.
    pub printable: std::collections::HashSet<FileId>,
}

impl Dataset {
    /// A diagnostic pointing at a field (or, if the field is absent, the
    /// nearest enclosing node) of a record.
    pub fn error_at(&self, origin: &Origin, field: &str, message: impl Into<String>) -> Diagnostic {
        self.error_near(origin, field, false, message)
    }

    /// Like [`Dataset::error_at`], but pointing at the field's key (for
    /// problems with the key itself, such as an unknown field).
    pub fn error_at_key(
        &self,
        origin: &Origin,
        field: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.error_near(origin, field, true, message)
    }

    fn error_near(
        &self,
        origin: &Origin,
        field: &str,
        key: bool,
        message: impl Into<String>,
    ) -> Diagnostic {
        let path = origin.field(field);
        let offset = self.source_map(origin.file).find(&path, key);
        let d = Diagnostic::error(message);
        match offset {
            Some(offset) => d.at(origin.file, self.sources.token_at(origin.file, offset)),
            None => d.at(origin.file, 0..0),
        }
    }

    /// A diagnostic pointing at `needle` inside the value of a field: the
    /// first place it is written literally between the value's start and the
    /// next key or value of the file. A needle written otherwise (an escape
    /// such as `\a` in a quoted string, a line joined by folding) points at
    /// the value's start.
    pub fn error_in_value(
        &self,
        origin: &Origin,
        field: &str,
        needle: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let map = self.source_map(origin.file);
        let Some(start) = map.find(&origin.field(field), false) else {
            return self.error_at(origin, field, message);
        };
        let text = self.sources.text(origin.file);
        let end = map.next_after(start).unwrap_or(text.len());
        match text[start..end].find(needle) {
            Some(i) if !needle.is_empty() => {
                Diagnostic::error(message).at(origin.file, start + i..start + i + needle.len())
            }
            _ => self.error_at(origin, field, message),
        }
    }

    fn source_map(&self, file: FileId) -> Arc<SourceMap> {
        let mut maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            maps.entry(file)
                .or_insert_with(|| Arc::new(SourceMap::build(self.sources.text(file)))),
        )
    }

    /// The file a record was read from, relative to the data folder's parent.
    pub fn file_name(&self, origin: &Origin) -> &str {
        self.sources.name(origin.file)
    }

    /// Counts of each record kind, for the summary line.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("organizations", self.organizations.len()),
            ("issuers", self.issuers.len()),
            ("clusters", self.clusters.len()),
            ("agreements", self.agreements.len()),
            ("roadmaps", self.roadmaps.len()),
            ("orders", self.orders.len()),
            ("documents", self.documents.len()),
            ("memberships", self.memberships.len()),
        ]
    }
}

/// One record of any kind, as a data file holds it. (Records are moved
/// once into the dataset; the variants' sizes do not matter.)
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Record {
    Organization(Organization),
    Issuer(Issuer),
    Cluster(Cluster),
    Agreement(Agreement),
    Roadmap(Roadmap),
    Order(Order),
    Document(TextDocument),
    Membership(Membership),
}

impl Record {
    /// The record's content as JSON, which its digest is made of.
    fn json(&self) -> String {
        match self {
            Record::Organization(r) => record_json(r),
            Record::Issuer(r) => record_json(r),
            Record::Cluster(r) => record_json(r),
            Record::Agreement(r) => record_json(r),
            Record::Roadmap(r) => record_json(r),
            Record::Order(r) => record_json(r),
            Record::Document(r) => record_json(r),
            Record::Membership(r) => record_json(r),
        }
    }
}

fn record_json(record: &impl serde::Serialize) -> String {
    serde_json::to_string(record).expect("records serialise")
}

/// A digest of a record's content (as the state of a build keeps it).
pub fn record_digest(record: &impl serde::Serialize) -> String {
    json_digest(&record_json(record))
}

fn json_digest(json: &str) -> String {
    crate::digest::input_digest(json.as_bytes())
}

impl Dataset {
    /// Adds a record; the body of an order, roadmap or text document is
    /// kept only with `keep_body` (see [`Deferred`]).
    fn push(&mut self, record: Record, origin: Origin, digest: String, keep_body: bool) {
        match record {
            Record::Organization(record) => self.organizations.push(Loaded {
                record,
                origin,
                digest,
            }),
            Record::Issuer(record) => self.issuers.push(Loaded {
                record,
                origin,
                digest,
            }),
            Record::Cluster(record) => self.clusters.push(Loaded {
                record,
                origin,
                digest,
            }),
            Record::Agreement(record) => self.agreements.push(Loaded {
                record,
                origin,
                digest,
            }),
            Record::Roadmap(r) => self.roadmaps.push(Deferred::new(
                r.id.clone(),
                origin,
                digest,
                keep_body.then_some(r),
            )),
            Record::Order(r) => self.orders.push(Deferred::new(
                r.id.clone(),
                origin,
                digest,
                keep_body.then_some(r),
            )),
            Record::Membership(record) => self.memberships.push(Loaded {
                record,
                origin,
                digest,
            }),
            Record::Document(r) => self.documents.push(Deferred::new(
                r.id.clone(),
                origin,
                digest,
                keep_body.then_some(r),
            )),
        }
    }
}

/// The record files as last read, so that a long-lived session parses again
/// only the files whose bytes changed. Files with problems are not kept:
/// they are read again until they load cleanly.
#[derive(Debug, Default)]
pub struct LoadCache {
    /// Whether parsed files are kept at all (a one-shot command reads each
    /// file once: keeping them would only double its memory).
    keep: bool,
    /// The checks of a roadmap that need no other record, run while its
    /// body is in hand when the body is not kept.
    precheck: Option<Precheck>,
    files: HashMap<PathBuf, CachedFile>,
}

/// A roadmap's checks that need no other record, given the roadmap and
/// its JSON (made for its digest anyway): `Some` with the ids it names
/// that other records must resolve if they all pass, `None` if any fails. A roadmap whose body is not kept is otherwise parsed again for
/// its checks (a roadmap is most of a data folder's bytes); one that passed
/// them here, and whose ids resolve, is not. The checks themselves are
/// `validate`'s, handed in by the session.
pub type Precheck = fn(&Dataset, &Origin, &Roadmap, &str) -> Option<Box<[crate::model::Id]>>;

#[derive(Debug)]
struct CachedFile {
    /// Length and modification time when read: a file with both unchanged
    /// is not read again.
    stamp: Option<(u64, std::time::SystemTime)>,
    /// A check found every text of the file printable.
    printable: bool,
    text: String,
    /// For a table: the cell each part of `text` came from.
    places: Option<Arc<Places>>,
    /// Each record with its path inside the file and its digest.
    records: Vec<(String, Record, String)>,
}

impl LoadCache {
    pub fn new(keep: bool) -> LoadCache {
        LoadCache {
            keep,
            precheck: None,
            files: HashMap::new(),
        }
    }

    /// Runs a roadmap's own checks while it is loaded (see [`Precheck`]).
    pub fn with_precheck(mut self, precheck: Precheck) -> LoadCache {
        self.precheck = Some(precheck);
        self
    }

    /// Remembers which files of a checked dataset have only printable texts
    /// (all but `unprintable`), so that the next check skips them.
    pub fn remember_printable(
        &mut self,
        dataset: &Dataset,
        unprintable: &std::collections::HashSet<FileId>,
    ) {
        for (file, path) in &dataset.paths {
            if let Some(cached) = self.files.get_mut(path) {
                cached.printable = !unprintable.contains(file);
            }
        }
    }
}

/// Loads every `*.yaml` / `*.yml` file under `root` (hidden entries skipped),
/// in path order so that runs are reproducible.
pub fn load_dataset(root: &Path) -> (Dataset, Problems) {
    load_dataset_with(root, &mut LoadCache::default())
}

/// [`load_dataset`], parsing only the files whose bytes differ from the
/// cache's (and keeping the newly parsed ones there).
pub fn load_dataset_with(root: &Path, cache: &mut LoadCache) -> (Dataset, Problems) {
    let mut dataset = Dataset {
        root: root.to_path_buf(),
        ..Dataset::default()
    };
    let mut problems = Vec::new();
    if !root.is_dir() {
        problems.push(Diagnostic::error(format!(
            "data folder {} does not exist",
            root.display()
        )));
        return (dataset, problems);
    }
    let files = find_record_files(root, &mut problems);
    let present: std::collections::HashSet<&PathBuf> = files.iter().collect();
    cache.files.retain(|path, _| present.contains(path));
    for path in files {
        load_file(&mut dataset, &path, &mut problems, cache);
    }
    (dataset, problems)
}

/// The record files under `root`, sorted by path.
pub fn find_record_files(root: &Path, problems: &mut Problems) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let ext = e.path().extension().and_then(|x| x.to_str());
                if matches!(ext, Some("yaml" | "yml")) || table::is_table(e.path()) {
                    files.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => problems.push(Diagnostic::error(format!("cannot read data folder: {err}"))),
        }
    }
    files
}

fn display_name(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A file's length and modification time, if the file system keeps them.
fn stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

fn load_file(dataset: &mut Dataset, path: &Path, problems: &mut Problems, cache: &mut LoadCache) {
    let name = display_name(path);
    let stamp = stamp(path);
    if let Some(cached) = cache
        .files
        .get(path)
        .filter(|c| c.stamp.is_some() && c.stamp == stamp)
    {
        let file = add_source(
            &mut dataset.sources,
            name,
            cached.text.clone(),
            &cached.places,
        );
        dataset.paths.insert(file, path.to_path_buf());
        if cached.printable {
            dataset.printable.insert(file);
        }
        for (record_path, record, digest) in &cached.records {
            let origin = Origin {
                file,
                path: record_path.clone(),
            };
            dataset.push(record.clone(), origin, digest.clone(), true);
        }
        return;
    }
    let (text, places) = match read_source(path, &name) {
        Ok(source) => source,
        Err(ds) => {
            cache.files.remove(path);
            problems.extend(ds);
            return;
        }
    };
    if let Some(cached) = cache.files.get_mut(path).filter(|c| c.text == text) {
        cached.stamp = stamp;
        let file = add_source(&mut dataset.sources, name, text, &places);
        dataset.paths.insert(file, path.to_path_buf());
        if cached.printable {
            dataset.printable.insert(file);
        }
        for (record_path, record, digest) in &cached.records {
            let origin = Origin {
                file,
                path: record_path.clone(),
            };
            dataset.push(record.clone(), origin, digest.clone(), true);
        }
        return;
    }
    let file = add_source(&mut dataset.sources, name.clone(), text, &places);
    if cache.keep {
        dataset.paths.insert(file, path.to_path_buf());
    }
    let before = problems.len();
    let records = parse_file(dataset, file, problems);
    if problems.len() == before && cache.keep {
        let records: Vec<(String, Record, String)> = records
            .into_iter()
            .map(|(path, record)| {
                let digest = json_digest(&record.json());
                (path, record, digest)
            })
            .collect();
        for (record_path, record, digest) in &records {
            let origin = Origin {
                file,
                path: record_path.clone(),
            };
            dataset.push(record.clone(), origin, digest.clone(), true);
        }
        let text = dataset.sources.text(file).to_owned();
        cache.files.insert(
            path.to_path_buf(),
            CachedFile {
                stamp,
                printable: false,
                text,
                places,
                records,
            },
        );
    } else {
        cache.files.remove(path);
        // A clean YAML file's text and bodies are read again when needed
        // (a table's text is its translation, kept).
        let release = problems.len() == before && places.is_none();
        for (record_path, record) in records {
            let origin = Origin {
                file,
                path: record_path,
            };
            let json = record.json();
            let prechecked = match (&record, cache.precheck) {
                (Record::Roadmap(r), Some(precheck)) if release => {
                    precheck(dataset, &origin, r, &json)
                }
                _ => None,
            };
            dataset.push(record, origin, json_digest(&json), !release);
            if let Some(refs) = prechecked {
                let last = dataset
                    .roadmaps
                    .last_mut()
                    .expect("the roadmap was just added");
                last.set_prechecked(refs);
            }
        }
        if release {
            dataset.sources.release(file, path.to_path_buf());
        }
    }
}

/// The records of one file already added to the dataset's sources, each
/// with its path inside the file.
fn parse_file(
    dataset: &mut Dataset,
    file: FileId,
    problems: &mut Problems,
) -> Vec<(String, Record)> {
    let mut out = Vec::new();
    let text = dataset.sources.text(file);

    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(err) => {
            problems.push(yaml_syntax_error(&dataset.sources, file, &err));
            return out;
        }
    };
    let top = match value {
        serde_yaml::Value::Mapping(m) => m,
        serde_yaml::Value::Null => {
            problems.push(
                Diagnostic::error("the file holds no records")
                    .at(file, 0..0)
                    .note(
                        "a data file is a mapping such as `organizations: [...]` or `order: {...}`",
                    ),
            );
            return out;
        }
        _ => {
            problems.push(
                Diagnostic::error("a data file must be a mapping of record kinds to records")
                    .at(file, dataset.sources.token_at(file, 0))
                    .note(kinds_note()),
            );
            return out;
        }
    };

    for (key, value) in top {
        let Some(key) = key.as_str().map(str::to_owned) else {
            problems.push(Diagnostic::error("record kinds are named by text keys").at(file, 0..0));
            continue;
        };
        let Some(kind) = RECORD_KINDS
            .iter()
            .find(|(one, many)| *one == key || *many == key)
            .map(|(one, _)| *one)
        else {
            let offset = dataset.source_map(file).find_key(&key).unwrap_or(0);
            let mut d = Diagnostic::error(format!("unknown record kind `{key}`"))
                .at(file, dataset.sources.token_at(file, offset))
                .label("not a record kind")
                .note(kinds_note());
            let all: Vec<&str> = RECORD_KINDS.iter().flat_map(|(a, b)| [*a, *b]).collect();
            if let Some(best) = did_you_mean(&key, &all) {
                d = d.note(format!("did you mean `{best}`?"));
            }
            problems.push(d);
            continue;
        };
        let records: Vec<(String, serde_yaml::Value)> = match value {
            serde_yaml::Value::Sequence(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("{key}[{i}]"), v))
                .collect(),
            other => vec![(key.clone(), other)],
        };
        for (path, value) in records {
            let origin = Origin { file, path };
            let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
            let d = &*dataset;
            let record = match kind {
                "organization" => typed(d, value, &origin).map(Record::Organization),
                "issuer" => typed(d, value, &origin).map(Record::Issuer),
                "cluster" => typed(d, value, &origin).map(Record::Cluster),
                "agreement" => typed(d, value, &origin).map(Record::Agreement),
                "roadmap" => typed(d, value, &origin).map(Record::Roadmap),
                "order" => typed(d, value, &origin).map(Record::Order),
                "document" => typed(d, value, &origin).map(Record::Document),
                "membership" => typed(d, value, &origin).map(Record::Membership),
                _ => unreachable!("every kind of RECORD_KINDS is handled"),
            };
            match record {
                Ok(record) => out.push((origin.path, record)),
                Err(d) => {
                    dataset.broken_ids.extend(id);
                    problems.push(d);
                }
            }
        }
    }
    out
}

fn kinds_note() -> String {
    let kinds: Vec<String> = RECORD_KINDS
        .iter()
        .map(|(one, many)| format!("`{one}`/`{many}`"))
        .collect();
    format!("record kinds: {}", kinds.join(", "))
}

/// Reads a file as UTF-8 text, refusing very large files and pointing at the
/// first byte that is not UTF-8.
/// A record file's text: a YAML file's own, or the text a table is
/// translated into with the cells its parts came from.
fn read_source(path: &Path, name: &str) -> Result<(String, Option<Arc<Places>>), Vec<Diagnostic>> {
    if !table::is_table(path) {
        return read_text(path, name)
            .map(|text| (text, None))
            .map_err(|d| vec![d]);
    }
    let cannot = |e: std::io::Error| vec![Diagnostic::error(format!("cannot read {name}: {e}"))];
    let len = std::fs::metadata(path).map_err(cannot)?.len();
    if len > MAX_FILE_BYTES {
        return Err(vec![
            Diagnostic::error(format!(
                "{name} is {:.1} MB; record files are limited to {} MB",
                len as f64 / 1_048_576.0,
                MAX_FILE_BYTES / 1_048_576
            ))
            .at_cell(name, "лист 1, ячейка A1")
            .note("split the records into several files"),
        ]);
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    let t = table::translate(name, path, &bytes)?;
    Ok((t.text, Some(t.places)))
}

fn add_source(
    sources: &mut Sources,
    name: String,
    text: String,
    places: &Option<Arc<Places>>,
) -> FileId {
    match places {
        Some(places) => sources.add_table(name, text, Arc::clone(places)),
        None => sources.add(name, text),
    }
}

fn read_text(path: &Path, name: &str) -> Result<String, Diagnostic> {
    let cannot = |err: std::io::Error| Diagnostic::error(format!("cannot read {name}: {err}"));
    let len = std::fs::metadata(path).map_err(cannot)?.len();
    if len > MAX_FILE_BYTES {
        return Err(Diagnostic::error(format!(
            "{name} is {:.1} MB; record files are limited to {} MB",
            len as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        ))
        .at_path(name, 1, 1)
        .with_source(first_line(path).into())
        .label("the file starts here")
        .note("split the records into several files"));
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let col = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
        Diagnostic::error(format!("{name} is not UTF-8 text"))
            .at_path(name, line, col)
            .with_source(lossy.into())
            .label("the first byte that is not UTF-8")
            .note("save the file in UTF-8 encoding")
    })
}

/// The first line of a file (at most 4 KB of it), to show beside a
/// problem with the whole file.
fn first_line(path: &Path) -> String {
    use std::io::Read;
    let mut head = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(4096).read_to_end(&mut head);
    }
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line).into_owned()
}

fn yaml_syntax_error(sources: &Sources, file: FileId, err: &serde_yaml::Error) -> Diagnostic {
    let text = sources.text(file);
    let full = err.to_string();
    // libyaml's messages read «PROBLEM at line L column C, while CONTEXT at
    // line L column C»: the context names the construct being read and
    // where it starts.
    let (problem, context) = match full.split_once(", while ") {
        Some((p, c)) => (p, Some(c)),
        None => (full.as_str(), None),
    };
    let message = strip_yaml_location(problem);
    let context_at = context.and_then(|c| Some((strip_yaml_location(c), line_col_in(c)?)));
    let mut offset = match err.location() {
        // Line and column count characters; the index may be off a character boundary.
        Some(loc) if loc.line() > 1 || loc.column() > 1 => {
            sources.offset(file, loc.line(), loc.column())
        }
        _ => position_in(problem).map_or(0, |o| floor_char_boundary(text, o)),
    };
    let mut message = format!("invalid YAML: {message}");
    let mut label = "here".to_owned();
    let mut notes = Vec::new();
    match &context_at {
        // The end of the file says nothing; where the unclosed construct
        // starts does («'Школа» with no closing quote).
        Some((what, (line, col))) if message.ends_with("found unexpected end of stream") => {
            let what = what
                .trim_start_matches("while ")
                .trim_start_matches("scanning ")
                .trim_start_matches("parsing ");
            message = format!("invalid YAML: the file ends inside {what} that is never closed");
            offset = sources.offset(file, *line, *col);
            label = "starts here".into();
        }
        Some((what, (line, col))) => {
            notes.push(format!(
                "while {what} that starts at line {line}, column {col}"
            ));
        }
        None => {}
    }
    if full.contains("duplicate entry with key") {
        if let Some(&dup) = SourceMap::build(text).duplicates.first() {
            offset = dup;
            label = "the same key again".into();
            notes.push(
                "a key appears once in a mapping; the second would silently replace the first"
                    .into(),
            );
        }
    } else if full.contains("more than one document") {
        if let Some(second) = event_marks(text, |e| matches!(e, Event::DocumentStart)).get(1) {
            offset = *second;
            label = "a second document".into();
            notes.push(
                "a data file is one YAML document: remove the `---` line, or split the file".into(),
            );
        }
    } else if full.contains("repetition limit") {
        if let Some(first) = event_marks(text, |e| matches!(e, Event::Alias(_))).first() {
            offset = *first;
            label = "aliases such as this one".into();
        }
        notes.push("the file expands aliases (`*name`) to an excessive size".into());
    } else if full.contains("recursion limit") {
        notes.push("records are never nested this deeply".into());
    } else if full.contains("control characters are not allowed")
        && let Some(c) = text[offset..].chars().next()
    {
        label = format!("U+{:04X}", c as u32);
        notes.push("remove the character, or write it as an escape inside double quotes".into());
    }
    let line_text = text[..offset.min(text.len())]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .to_owned()
        + text[offset.min(text.len())..]
            .split('\n')
            .next()
            .unwrap_or("");
    if line_text.starts_with(' ') && line_text.trim_start_matches(' ').starts_with('\t')
        || line_text.starts_with('\t')
    {
        notes.push("YAML indentation must use spaces, not tabs".into());
    }
    let mut d = Diagnostic::error(message)
        .at(file, offset..offset)
        .label(label);
    for n in notes {
        d = d.note(n);
    }
    d
}

/// serde_yaml appends « at line L column C» (or « at position N») to
/// messages; the diagnostic shows the position itself.
fn strip_yaml_location(message: &str) -> String {
    match message
        .find(" at line ")
        .or_else(|| message.find(" at position "))
    {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// `(line, column)` of «… at line L column C».
fn line_col_in(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.find(" at line ")? + " at line ".len()..];
    let (line, rest) = rest.split_once(" column ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

/// The byte offset of «… at position N».
fn position_in(message: &str) -> Option<usize> {
    let rest = &message[message.find(" at position ")? + " at position ".len()..];
    let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
    n.parse().ok()
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// Byte offsets of the parser events `want` picks, in file order, as far
/// as the file parses.
fn event_marks(text: &str, want: fn(&Event) -> bool) -> Vec<usize> {
    struct Marks<'a> {
        text: &'a str,
        line_starts: Vec<usize>,
        want: fn(&Event) -> bool,
        found: Vec<usize>,
    }
    impl MarkedEventReceiver for Marks<'_> {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            if (self.want)(&ev) {
                self.found
                    .push(char_offset(self.text, &self.line_starts, &mark));
            }
        }
    }
    let mut marks = Marks {
        text,
        line_starts: line_starts(text),
        want,
        found: Vec::new(),
    };
    let _ = Parser::new_from_str(text).load(&mut marks, true);
    marks.found
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte offset of a yaml-rust2 marker (1-based line, 0-based column in
/// characters).
fn char_offset(text: &str, line_starts: &[usize], mark: &Marker) -> usize {
    let Some(&start) = line_starts.get(mark.line().saturating_sub(1)) else {
        return text.len();
    };
    let line = &text[start..];
    start
        + line
            .char_indices()
            .nth(mark.col())
            .map_or(line.len(), |(i, _)| i)
}

/// Deserialises one record, turning a serde error into a diagnostic at the
/// offending field.
pub(crate) fn typed<T: DeserializeOwned>(
    dataset: &Dataset,
    value: serde_yaml::Value,
    origin: &Origin,
) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let field = serde_path(err.path());
        let message = strip_yaml_location(&err.inner().to_string());
        let unknown = parse_unknown(&message);
        let mut d = match &unknown {
            // The path ends at the mapping; point at the unknown key itself.
            Some(Unknown {
                word, is_key: true, ..
            }) => dataset
                .error_at_key(origin, &join_path(&field, word), message.clone())
                .label("unknown here"),
            _ => dataset.error_at(origin, &field, message.clone()),
        };
        if let Some(Unknown {
            word: key,
            expected,
            ..
        }) = &unknown
            && !expected.is_empty()
        {
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            if let Some(best) = did_you_mean(key, &expected) {
                d = d.note(format!("did you mean `{best}`?"));
            }
        }
        if message.starts_with("missing field") {
            d = d.label("this record");
        }
        d.context(record_context(&origin.path, &field))
    })
}

fn record_context(record_path: &str, field: &str) -> String {
    if field.is_empty() {
        format!("record {record_path}")
    } else {
        format!("record {record_path}, field {field}")
    }
}

fn serde_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => out = join_path(&out, key),
            serde_path_to_error::Segment::Enum { variant } => out = join_path(&out, variant),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

fn join_path(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else if child.is_empty() {
        parent.to_owned()
    } else if child.starts_with('[') {
        format!("{parent}{child}")
    } else {
        format!("{parent}.{child}")
    }
}

/// An unknown field (a key) or variant (a value) named by a serde error.
struct Unknown {
    word: String,
    expected: Vec<String>,
    is_key: bool,
}

/// From «unknown field `nmae`, expected one of `id`, `name`» (or «unknown
/// variant …»), the unknown word and the expected ones.
fn parse_unknown(message: &str) -> Option<Unknown> {
    let is_key = message.starts_with("unknown field");
    if !is_key && !message.starts_with("unknown variant") {
        return None;
    }
    let mut ticks = message.split('`').skip(1).step_by(2).map(str::to_owned);
    Some(Unknown {
        word: ticks.next()?,
        expected: ticks.collect(),
        is_key,
    })
}

/// The closest of `candidates` to `word`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Where every key and value of a YAML file starts, by path
/// (`clusters[0].participants[2].joined`).
#[derive(Debug, Default)]
pub struct SourceMap {
    values: HashMap<String, usize>,
    keys: HashMap<String, usize>,
    /// Keys that repeat a key of their mapping, in file order.
    duplicates: Vec<usize>,
}

impl SourceMap {
    fn build(text: &str) -> SourceMap {
        let mut builder = MapBuilder {
            text,
            line_starts: line_starts(text),
            stack: Vec::new(),
            map: SourceMap::default(),
        };
        // Only files serde_yaml accepted get here; a failure just leaves the
        // map partial, and diagnostics fall back to the record's start.
        let _ = Parser::new_from_str(text).load(&mut builder, false);
        builder.map
    }

    /// The start of the value (or its key, if `key`) at `path`, or of the
    /// nearest enclosing node.
    pub fn find(&self, path: &str, key: bool) -> Option<usize> {
        let mut p = path;
        loop {
            let (first, second) = if key {
                (&self.keys, &self.values)
            } else {
                (&self.values, &self.keys)
            };
            if let Some(&o) = first.get(p).or_else(|| second.get(p)) {
                return Some(o);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// The first key or value starting after `offset`.
    fn next_after(&self, offset: usize) -> Option<usize> {
        self.values
            .values()
            .chain(self.keys.values())
            .copied()
            .filter(|&o| o > offset)
            .min()
    }

    /// The start of a key of the top-level mapping.
    fn find_key(&self, key: &str) -> Option<usize> {
        self.keys.get(key).copied()
    }
}

enum Frame {
    /// `first` is true until the first key: block mappings report their start
    /// at the first value indicator, so the first key's position is used.
    Mapping {
        path: String,
        key: Option<String>,
        first: bool,
    },
    Sequence {
        path: String,
        index: usize,
    },
}

struct MapBuilder<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    stack: Vec<Frame>,
    map: SourceMap,
}

impl MapBuilder<'_> {
    fn offset(&self, mark: &Marker) -> usize {
        char_offset(self.text, &self.line_starts, mark)
    }

    /// Registers a node starting at `offset`; returns its path if it is a value.
    fn node(&mut self, offset: usize, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                self.map.values.insert(p.clone(), offset);
                Some(p)
            }
            Some(Frame::Mapping { path, key, first }) => match key.take() {
                None => {
                    let k = scalar.unwrap_or("?").to_owned();
                    if std::mem::take(first) {
                        self.map.values.insert(path.clone(), offset);
                    }
                    if self.map.keys.insert(join_path(path, &k), offset).is_some() {
                        self.map.duplicates.push(offset);
                    }
                    *key = Some(k);
                    None
                }
                Some(k) => {
                    let p = join_path(path, &k);
                    self.map.values.insert(p.clone(), offset);
                    Some(p)
                }
            },
        }
    }
}

impl MarkedEventReceiver for MapBuilder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let offset = self.offset(&mark);
        match ev {
            Event::Scalar(ref s, ..) => {
                self.node(offset, Some(s));
            }
            Event::Alias(_) => {
                self.node(offset, None);
            }
            Event::MappingStart(..) => {
                let path = self.node(offset, None).unwrap_or_default();
                self.stack.push(Frame::Mapping {
                    path,
                    key: None,
                    first: true,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.node(offset, None).unwrap_or_default();
                self.stack.push(Frame::Sequence { path, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_map_finds_nested_fields() {
        let text = "clusters:\n  - id: a\n    participants:\n      - organization: x\n        joined: 01.01.2024\n";
        let map = SourceMap::build(text);
        let at = |p: &str| {
            let o = map.find(p, false).unwrap();
            &text[o..o + 6]
        };
        assert_eq!(at("clusters[0].participants[0].joined"), "01.01.");
        assert_eq!(
            &text[map
                .find("clusters[0].participants[0].joined", true)
                .unwrap()..][..6],
            "joined"
        );
        assert_eq!(at("clusters[0].id"), "a\n    ");
        // A missing field falls back to its record.
        assert_eq!(
            &text[map.find("clusters[0].name", false).unwrap()..][..2],
            "id"
        );
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(did_you_mean("nmae", &["id", "name", "kind"]), Some("name"));
        assert_eq!(did_you_mean("colour", &["id", "name"]), None);
    }
}
