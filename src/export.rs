//! Stage 6, `export`: one dated package for the archive — every document as
//! PDF/A with its DOCX working copy, an inventory (опись) as CSV and as a
//! PDF document, `SHA256SUMS` that `sha256sum -c` accepts, and a
//! machine-readable `manifest.json`; and `verify`, which re-checks a package.
//!
//! A package is assembled in a temporary folder beside its destination and
//! moved into place only when complete, so an interrupted export leaves the
//! previous package as it was.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::dates::Date;
use crate::diag::Diagnostic;
use crate::digest::hex;
use crate::engine::{Engine, RenderedJob};
use crate::ir::{Lang, Meta};
use crate::plan::Job;
use crate::progress::Progress;

/// Folder of the documents inside a package.
pub const DOCUMENTS: &str = "documents";
pub const CHECKSUMS: &str = "SHA256SUMS";
pub const MANIFEST: &str = "manifest.json";
pub const INVENTORY_CSV: &str = "opis.csv";
pub const INVENTORY_STEM: &str = "opis";

/// Where a package goes.
#[derive(Debug, Clone)]
pub enum Destination {
    Folder(PathBuf),
    Zip(PathBuf),
}

/// One row of the inventory (опись); its texts are the rendered
/// document's metadata, borrowed (an export of 20 000 documents would
/// otherwise hold every title twice until the manifest is written).
#[derive(Debug, Clone, Serialize)]
pub struct InventoryRow<'a> {
    pub number: usize,
    pub registration: &'a str,
    pub date: String,
    pub title: &'a str,
    pub kind: &'a str,
    pub sheets: usize,
    pub file: String,
    pub sha256: String,
}

/// Files of a package, by path inside it, with their bytes' digests.
#[derive(Debug, Default)]
struct Contents {
    files: BTreeMap<String, Sha256Digest>,
}

/// A SHA-256 digest, written as 64 hex digits; kept as its 32 bytes (a
/// package lists one per file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sha256Digest([u8; 32]);

impl std::fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(format!("cannot {what} {}: {e}", path.display()))
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A package being assembled in a temporary folder.
struct Assembly {
    dir: tempfile::TempDir,
    contents: std::sync::Mutex<Contents>,
}

impl Assembly {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.write_with(rel, |w| w.write_all(bytes))
    }

    /// Writes a file as `write` produces it, hashing it on the way, so that
    /// a file as long as the package's list of documents (the manifest,
    /// `SHA256SUMS`) never has to be whole in memory.
    fn write_with(
        &self,
        rel: &str,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), Diagnostic> {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
        }
        let file = fs::File::create(&path).map_err(|e| io("write", &path, e))?;
        let mut out = HashingWriter {
            inner: std::io::BufWriter::new(file),
            hasher: Sha256::new(),
        };
        write(&mut out)
            .and_then(|()| out.inner.flush())
            .map_err(|e| io("write", &path, e))?;
        self.contents
            .lock()
            .expect("no writer panicked")
            .files
            .insert(rel.to_owned(), Sha256Digest(out.hasher.finalize().into()));
        Ok(())
    }
}

/// Passes bytes on and hashes them.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The temporary folder a package is assembled in: beside the destination,
/// so that moving it into place is a rename on the same file system.
fn assembly_beside(dest: &Path) -> Result<Assembly, Diagnostic> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
    let dir = tempfile::Builder::new()
        .prefix(".clusterdoc-tmp-")
        .tempdir_in(parent)
        .map_err(|e| io("write to", parent, e))?;
    Ok(Assembly {
        dir,
        contents: Default::default(),
    })
}

/// What an export made.
#[derive(Debug)]
pub struct Package {
    pub documents: usize,
    pub files: usize,
    pub sheets: usize,
}

/// How a package is made.
pub struct ExportOptions<'a> {
    pub threads: usize,
    pub package_date: Date,
    /// `1b`, `2b` or `3b`, as recorded in the manifest.
    pub pdfa: &'a str,
    /// Digests of the records, by `kind:id`.
    pub source_digests: &'a BTreeMap<String, String>,
    /// The participants register (`participants.xlsx`).
    pub participants: &'a [u8],
    pub dest: &'a Destination,
}

/// Builds a package of every job and moves it to the destination.
pub fn export_package(
    engine: &Engine,
    jobs: &[Job],
    options: &ExportOptions,
    progress: &Progress,
) -> Result<Package, Vec<Diagnostic>> {
    let ExportOptions {
        threads,
        package_date,
        pdfa,
        source_digests,
        participants,
        dest,
    } = *options;
    let dest_path = match dest {
        Destination::Folder(p) | Destination::Zip(p) => p,
    };
    let asm = assembly_beside(dest_path).map_err(|d| vec![d])?;
    let job_refs: Vec<&Job> = jobs.iter().collect();
    let rendered = engine.render_all(
        &job_refs,
        threads,
        &|rel, bytes| asm.write(&packed(rel), bytes),
        progress,
        true,
    )?;
    // The inventory shares nothing with the documents: the memoized layouts
    // of the last ones would otherwise stay through the first volume.
    crate::render::pdf::forget_layouts();

    let rows = inventory_rows(
        &rendered,
        &asm.contents.lock().expect("no writer panicked").files,
    );
    let sheets: usize = rows.iter().map(|r| r.sheets).sum();
    let one = |d: Diagnostic| vec![d];
    asm.write(INVENTORY_CSV, &inventory_csv(&rows))
        .map_err(one)?;
    let workbook = inventory_workbook(&rows, package_date, asm.dir.path()).map_err(one)?;
    asm.write(crate::register::INVENTORY_XLSX, &workbook)
        .map_err(one)?;
    asm.write(crate::register::PARTICIPANTS_XLSX, participants)
        .map_err(one)?;
    let volumes = write_inventory_volumes(engine, &asm, &rows, package_date).map_err(one)?;
    // The files so far, taken out while the manifest and `SHA256SUMS` are
    // written from them (writing a file records its digest under the same
    // lock).
    let take_listed =
        || std::mem::take(&mut asm.contents.lock().expect("no writer panicked").files);
    let mut listed = take_listed();
    let manifest = Manifest {
        jobs,
        rendered: &rendered,
        rows: &rows,
        digests: &listed,
        package_date,
        pdfa,
        source_digests,
        volumes: &volumes,
    };
    asm.write_with(MANIFEST, |w| manifest.write(w))
        .map_err(one)?;
    listed.append(&mut take_listed());
    asm.write_with(CHECKSUMS, |w| write_checksums(&listed, w))
        .map_err(one)?;
    asm.contents
        .lock()
        .expect("no writer panicked")
        .files
        .extend(listed);
    let files = asm.contents.lock().expect("no writer panicked").files.len();

    match dest {
        Destination::Folder(path) => move_folder_into_place(asm.dir, path).map_err(one)?,
        Destination::Zip(path) => write_zip(&asm, path, package_date).map_err(one)?,
    }
    Ok(Package {
        documents: rendered.len(),
        files,
        sheets,
    })
}

/// A rendered document's metadata, which an export asks `render_all` to keep.
fn meta(r: &RenderedJob) -> &Meta {
    r.meta
        .as_ref()
        .expect("an export keeps each document's metadata")
}

/// A document's file's path inside the package.
fn packed(rel: &Path) -> String {
    format!("{DOCUMENTS}/{}", rel.to_string_lossy().replace('\\', "/"))
}

/// The inventory's rows: each document with its PDF's path and digest (as
/// the package's writer recorded it in `digests`).
fn inventory_rows<'a>(
    rendered: &'a [RenderedJob],
    digests: &BTreeMap<String, Sha256Digest>,
) -> Vec<InventoryRow<'a>> {
    rendered
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (pdf, digest) = r
                .files
                .iter()
                .find(|(p, _)| p.extension().is_some_and(|e| e == "pdf"))
                .map(|(p, _)| {
                    let path = packed(p);
                    let digest = digests[&path].to_string();
                    (path, digest)
                })
                .unwrap_or_default();
            InventoryRow {
                number: i + 1,
                registration: meta(r).number.as_deref().unwrap_or("б/н"),
                date: meta(r).date.map_or_else(|| "—".into(), |d| d.to_string()),
                title: &meta(r).title,
                kind: &meta(r).kind_title,
                sheets: r.pages,
                file: pdf,
                sha256: digest,
            }
        })
        .collect()
}

/// The inventory as a workbook: one sheet, a row per document, dates as
/// date cells; its rows go through a scratch file in `scratch`.
fn inventory_workbook(
    rows: &[InventoryRow],
    date: Date,
    scratch: &Path,
) -> Result<Vec<u8>, Diagnostic> {
    use crate::register::Cell;
    let cells = rows.iter().map(|r| {
        vec![
            Cell::Number(r.number as f64),
            Cell::Text(r.registration),
            Cell::Date(Date::parse(&r.date).ok()),
            Cell::Text(r.title),
            Cell::Text(r.kind),
            Cell::Number(r.sheets as f64),
            Cell::Text(&r.file),
            Cell::Text(&r.sha256),
        ]
    });
    crate::register::one_sheet(
        "Опись",
        &INVENTORY_HEADER,
        cells,
        "Опись документов",
        date,
        scratch,
    )
}

/// The inventory's columns, in the CSV and the workbook.
const INVENTORY_HEADER: [&str; 8] = [
    "№",
    "Регистрационный номер",
    "Дата",
    "Заголовок",
    "Вид документа",
    "Листов",
    "Файл",
    "SHA-256",
];

/// The inventory as CSV (RFC 4180, UTF-8 with a byte-order mark so that
/// spreadsheet programs read Cyrillic correctly).
pub fn inventory_csv(rows: &[InventoryRow]) -> Vec<u8> {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = format!("\u{feff}{}\r\n", INVENTORY_HEADER.join(","));
    for r in rows {
        let (number, sheets) = (r.number.to_string(), r.sheets.to_string());
        let cols = [
            &number,
            r.registration,
            &r.date,
            r.title,
            r.kind,
            &sheets,
            &r.file,
            &r.sha256,
        ];
        let line: Vec<String> = cols.iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// Entries per volume of the inventory as a document. Archival practice
/// binds an опись in volumes; a volume is also what one Typst document
/// holds without its memory growing with the package.
pub const VOLUME_ENTRIES: usize = 100;

/// One volume of the inventory document as written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Volume {
    /// The volume's number (1 when the inventory is one volume).
    pub number: usize,
    /// Its files: `opis.pdf`, or `opis-2.pdf` when there are several.
    pub pdf: String,
    pub docx: String,
    /// The first and last entry it lists (numbering runs through).
    pub first: usize,
    pub last: usize,
    /// Sheets of the documents it lists.
    pub listed_sheets: usize,
    /// Its own sheets.
    pub sheets: usize,
}

/// The inventory as documents of their own (PDF/A and DOCX), from the
/// `inventory.md.j2` template: one, or volumes of [`VOLUME_ENTRIES`]
/// entries typeset one after another, each with the totals of the volume
/// and the last with those of the whole inventory.
fn write_inventory_volumes(
    engine: &Engine,
    asm: &Assembly,
    rows: &[InventoryRow],
    package_date: Date,
) -> Result<Vec<Volume>, Diagnostic> {
    let parts: Vec<&[InventoryRow]> = if rows.len() > VOLUME_ENTRIES {
        rows.chunks(VOLUME_ENTRIES).collect()
    } else {
        vec![rows]
    };
    let count = parts.len();
    let total_sheets: usize = rows.iter().map(|r| r.sheets).sum();
    let mut volumes = Vec::with_capacity(count);
    for (i, part) in parts.into_iter().enumerate() {
        let number = i + 1;
        let stem = if count > 1 {
            format!("{INVENTORY_STEM}-{number}")
        } else {
            INVENTORY_STEM.to_owned()
        };
        let listed_sheets: usize = part.iter().map(|r| r.sheets).sum();
        let (first, last) = (
            part.first().map_or(0, |r| r.number),
            part.last().map_or(0, |r| r.number),
        );
        let context = minijinja::Value::from(minijinja::value::Serde(json!({
            "rows": part,
            "date": package_date,
            "documents": rows.len(),
            "sheets": total_sheets,
            "volume": (count > 1).then(|| json!({
                "number": number,
                "of": count,
                "first": first,
                "last": last,
                "documents": part.len(),
                "sheets": listed_sheets,
            })),
        })));
        let meta = Meta {
            kind: "inventory".into(),
            kind_title: "Опись".into(),
            title: if count > 1 {
                format!("Опись документов, том {number}")
            } else {
                "Опись документов".into()
            },
            number: None,
            date: Some(package_date),
            lang: Lang::Ru,
            author: "clusterdoc".into(),
        };
        let doc = engine.compose(
            "inventory.md.j2",
            context,
            meta,
            crate::profile::DEFAULT_PROFILE,
        )?;
        let mut sheets = 0;
        for (format, rendered) in engine.render_document(&doc)? {
            sheets = sheets.max(rendered.pages.unwrap_or(0));
            asm.write(&format!("{stem}.{}", format.extension()), &rendered.bytes)?;
        }
        crate::render::pdf::forget_layouts();
        volumes.push(Volume {
            number,
            pdf: format!("{stem}.pdf"),
            docx: format!("{stem}.docx"),
            first,
            last,
            listed_sheets,
            sheets,
        });
    }
    Ok(volumes)
}

/// `manifest.json`: the package, each document with its files and the
/// records it was made from.
struct Manifest<'a> {
    jobs: &'a [Job],
    rendered: &'a [RenderedJob],
    rows: &'a [InventoryRow<'a>],
    /// Digests of the files written so far, by path in the package.
    digests: &'a BTreeMap<String, Sha256Digest>,
    package_date: Date,
    pdfa: &'a str,
    source_digests: &'a BTreeMap<String, String>,
    volumes: &'a [Volume],
}

impl Manifest<'_> {
    /// Written pretty, keys sorted, one document made at a time.
    fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let documents = self
            .jobs
            .iter()
            .zip(self.rendered)
            .zip(self.rows)
            .map(|((job, r), row)| self.document(job, r, row));
        // Fields in the order of their names, as in the objects `json!` makes.
        #[derive(Serialize)]
        struct Top<'a, D: Serialize> {
            documents: D,
            inventory: serde_json::Value,
            package_date: Date,
            participants: &'a str,
            pdfa: &'a str,
            product: String,
        }
        let top = Top {
            documents: Streamed(std::cell::Cell::new(Some(documents))),
            inventory: json!({
                "csv": INVENTORY_CSV,
                "xlsx": crate::register::INVENTORY_XLSX,
                "sheets": self.volumes.iter().map(|v| v.sheets).sum::<usize>(),
                "volumes": self.volumes,
            }),
            package_date: self.package_date,
            participants: crate::register::PARTICIPANTS_XLSX,
            pdfa: self.pdfa,
            product: format!("clusterdoc {}", env!("CARGO_PKG_VERSION")),
        };
        serde_json::to_writer_pretty(&mut *out, &top)?;
        out.write_all(b"\n")
    }

    fn document(&self, job: &Job, r: &RenderedJob, row: &InventoryRow) -> serde_json::Value {
        json!({
            "name": r.name,
            "kind": meta(r).kind,
            "kind_title": meta(r).kind_title,
            "title": meta(r).title,
            "number": meta(r).number,
            "date": meta(r).date,
            "lang": meta(r).lang,
            "sheets": row.sheets,
            "profile": job.profile,
            "files": r.files.iter().map(|(p, f)| {
                let path = packed(p);
                json!({
                    "sha256": self.digests[&path],
                    "size": f.size,
                    "path": path,
                })
            }).collect::<Vec<_>>(),
            "sources": job.inputs.iter().map(|i| json!({
                "record": i,
                "sha256": self.source_digests.get(i),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A sequence serialized as its items are made.
struct Streamed<I>(std::cell::Cell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.take().expect("a manifest is serialized once"))
    }
}

/// `sha256sum`'s format: digest, two spaces, path; sorted by path.
fn write_checksums(
    files: &BTreeMap<String, Sha256Digest>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for (path, digest) in files {
        writeln!(out, "{digest}  {path}")?;
    }
    Ok(())
}

/// Swaps the assembled folder into place; the previous package stays whole
/// until the last rename.
fn move_folder_into_place(dir: tempfile::TempDir, dest: &Path) -> Result<(), Diagnostic> {
    let tmp = dir.keep();
    if dest.exists() {
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let old = tempfile::Builder::new()
            .prefix(".clusterdoc-tmp-old-")
            .tempdir_in(parent)
            .map_err(|e| io("write to", parent, e))?
            .keep();
        let old_pkg = old.join("package");
        fs::rename(dest, &old_pkg).map_err(|e| io("move aside", dest, e))?;
        if let Err(e) = fs::rename(&tmp, dest) {
            let _ = fs::rename(&old_pkg, dest);
            let _ = fs::remove_dir_all(&tmp);
            return Err(io("move into place", dest, e));
        }
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(&tmp, dest).map_err(|e| {
            let _ = fs::remove_dir_all(&tmp);
            io("move into place", dest, e)
        })?;
    }
    Ok(())
}

/// Writes the package as one ZIP file (deflated, entries sorted, fixed
/// timestamps), atomically.
fn write_zip(asm: &Assembly, dest: &Path, date: Date) -> Result<(), Diagnostic> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".clusterdoc-tmp-")
        .tempfile_in(parent)
        .map_err(|e| io("write to", parent, e))?;
    {
        let mut zip = zip::ZipWriter::new(tmp.as_file_mut());
        let time = zip::DateTime::from_date_and_time(
            date.year().clamp(1980, 2107) as u16,
            date.month(),
            date.day(),
            0,
            0,
            0,
        )
        .unwrap_or_default();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(time)
            .unix_permissions(0o644);
        let paths: Vec<String> = asm
            .contents
            .lock()
            .expect("no writer panicked")
            .files
            .keys()
            .cloned()
            .collect();
        for rel in paths {
            let bytes =
                fs::read(asm.dir.path().join(&rel)).map_err(|e| io("read", Path::new(&rel), e))?;
            zip.start_file(rel.as_str(), options)
                .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", dest.display())))?;
            zip.write_all(&bytes).map_err(|e| io("write", dest, e))?;
        }
        zip.finish()
            .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", dest.display())))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(fs::Permissions::from_mode(0o644));
    }
    tmp.persist(dest).map_err(|e| io("write", dest, e.error))?;
    Ok(())
}

/// What `verify` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verification {
    pub checked: usize,
    pub missing: Vec<String>,
    pub altered: Vec<String>,
    pub extra: Vec<String>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.altered.is_empty() && self.extra.is_empty()
    }
}

/// What `verify` reads of a package.
struct PackageDigests {
    /// The SHA-256 of each file's bytes, by path.
    files: BTreeMap<String, String>,
    /// The text of its `SHA256SUMS`, if it has one.
    sums: Option<Vec<u8>>,
}

/// Reads a package's files one at a time, so that checking a package takes
/// the memory of one file, not of the package.
fn read_package(path: &Path) -> Result<PackageDigests, Diagnostic> {
    let mut digests = BTreeMap::new();
    let mut sums = None;
    let mut add = |name: String, reader: &mut dyn Read| -> std::io::Result<()> {
        if name == CHECKSUMS {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            digests.insert(name, sha256(&bytes));
            sums = Some(bytes);
        } else {
            let mut hasher = HashingWriter {
                inner: std::io::sink(),
                hasher: Sha256::new(),
            };
            std::io::copy(reader, &mut hasher)?;
            digests.insert(name, hex(&hasher.hasher.finalize()));
        }
        Ok(())
    };
    if path.is_dir() {
        for e in walkdir::WalkDir::new(path).sort_by_file_name() {
            let e =
                e.map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", path.display())))?;
            if e.file_type().is_file() {
                let rel = e
                    .path()
                    .strip_prefix(path)
                    .expect("under the root")
                    .to_string_lossy()
                    .replace('\\', "/");
                let mut file = fs::File::open(e.path()).map_err(|err| io("read", e.path(), err))?;
                add(rel, &mut file).map_err(|err| io("read", e.path(), err))?;
            }
        }
        return Ok(PackageDigests {
            files: digests,
            sums,
        });
    }
    let file = fs::File::open(path).map_err(|e| io("open", path, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| {
        Diagnostic::error(format!(
            "{} is neither a package folder nor a ZIP: {e}",
            path.display()
        ))
    })?;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", path.display())))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        add(name, &mut entry).map_err(|e| io("read", path, e))?;
    }
    Ok(PackageDigests {
        files: digests,
        sums,
    })
}

/// Re-checks every digest of `SHA256SUMS` and lists what is missing,
/// altered or not listed.
pub fn verify_package(path: &Path) -> Result<Verification, Diagnostic> {
    let PackageDigests { files, sums } = read_package(path)?;
    let sums = sums.ok_or_else(|| {
        Diagnostic::error(format!(
            "{} has no {CHECKSUMS}: not a clusterdoc package",
            path.display()
        ))
    })?;
    let sums = String::from_utf8_lossy(&sums);
    let mut listed = BTreeMap::new();
    for (i, line) in sums
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let (digest, name) =
            line.split_once("  ").ok_or_else(|| {
                Diagnostic::error(format!("{CHECKSUMS} line {} is not «digest  path»", i + 1))
                    .at_path(format!("{}/{CHECKSUMS}", path.display()), i + 1, 1)
            })?;
        listed.insert(name.to_owned(), digest.to_owned());
    }
    let mut v = Verification::default();
    for (name, digest) in &listed {
        match files.get(name) {
            None => v.missing.push(name.clone()),
            Some(actual) => {
                v.checked += 1;
                if actual != digest {
                    v.altered.push(name.clone());
                }
            }
        }
    }
    v.extra = files
        .keys()
        .filter(|f| f.as_str() != CHECKSUMS && !listed.contains_key(*f))
        .cloned()
        .collect();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let rows = vec![InventoryRow {
            number: 1,
            registration: "1064-а",
            date: "26.09.2022".into(),
            title: "Об организации работы, \"кластеров\"",
            kind: "Приказ",
            sheets: 9,
            file: "documents/orders/order-1064-a.pdf".into(),
            sha256: "ab".into(),
        }];
        let csv = String::from_utf8(inventory_csv(&rows)).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(
            csv.contains(
                "1,1064-а,26.09.2022,\"Об организации работы, \"\"кластеров\"\"\",Приказ,9,"
            ),
            "{csv}"
        );
    }

    #[test]
    fn verify_finds_missing_altered_and_extra_files() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path();
        fs::write(p.join("a.pdf"), b"A").unwrap();
        fs::write(p.join("b.pdf"), b"B").unwrap();
        let sums = format!(
            "{}  a.pdf\n{}  b.pdf\n{}  c.pdf\n",
            sha256(b"A"),
            sha256(b"x"),
            sha256(b"C")
        );
        fs::write(p.join(CHECKSUMS), sums).unwrap();
        fs::write(p.join("d.pdf"), b"D").unwrap();
        let v = verify_package(p).unwrap();
        assert_eq!(v.missing, ["c.pdf"]);
        assert_eq!(v.altered, ["b.pdf"]);
        assert_eq!(v.extra, ["d.pdf"]);
        assert!(!v.ok());
    }
}
