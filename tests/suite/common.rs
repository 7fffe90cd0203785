//! Helpers shared by the suite: running the binary, temporary folders,
//! snapshots of output folders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_clusterdoc")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// The text of the seed document whose file name starts with `prefix`.
pub fn seed(prefix: &str) -> String {
    let dir = fixtures().join("seeds");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(prefix))
        .unwrap_or_else(|| panic!("seed {prefix}"));
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// Runs `clusterdoc` in `dir` with the given arguments.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("the clusterdoc binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file under `dir` with its bytes, by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return files;
    }
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.expect("readable");
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    files
}

/// `(message, position)` of every problem `clusterdoc` printed, in order:
/// `error: …` / `warning: …` lines and the `┌─ file:line:col` under them.
pub fn problems(stderr: &str) -> Vec<(String, Option<String>)> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("error: ") || l.starts_with("warning: ") {
            let at = lines
                .iter()
                .skip(i + 1)
                .take(2)
                .find_map(|m| m.split_once("┌─ ").map(|(_, p)| p.trim().to_owned()));
            out.push((l.to_string(), at));
        }
    }
    out
}

/// The sample data built once per test run (PDF, DOCX and the document
/// model as JSON), shared by every test that only reads it.
pub fn sample_out() -> &'static Path {
    static OUT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sample-out");
        let _ = std::fs::remove_dir_all(&out);
        let o = run(
            &root(),
            &[
                "--out",
                out.to_str().unwrap(),
                "build",
                "--format",
                "pdf,docx,json",
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "sample build failed: {}",
            stderr(&o)
        );
        out
    })
}

/// Every file with the extension under a folder, sorted.
pub fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    snapshot(dir)
        .into_keys()
        .filter(|k| k.ends_with(&format!(".{ext}")))
        .map(|k| dir.join(k))
        .collect()
}

/// Runs an external tool, failing the test with its output if it fails.
pub fn tool(program: &str, args: &[&str]) -> String {
    let o = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed by the tests (tests/run.sh installs it): {e}")
        });
    assert!(
        o.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The text of a PDF as poppler extracts it (reading order).
pub fn pdftotext(pdf: &Path) -> String {
    tool("pdftotext", &[pdf.to_str().unwrap(), "-"])
}

/// Words of a text for comparison: conversion artefacts of the seeds
/// dropped (`[bookmark: …]`, `<p>`, `**`), quotes and dashes unified,
/// letter-spaced words («П Р И К А З») and spaced initials («К. К.») joined,
/// hyphens inside words removed (a word broken at its hyphen at a line end
/// comes out of pdftotext without it), punctuation-only tokens dropped.
pub fn words(text: &str) -> Vec<String> {
    let mut t = String::with_capacity(text.len());
    let mut rest = text;
    // Conversion artefacts: [bookmark: …], [image: …], HTML tags.
    while let Some(i) = rest.find(['[', '<']) {
        t.push_str(&rest[..i]);
        let close = if rest[i..].starts_with('[') { ']' } else { '>' };
        let artefact = rest[i..].starts_with("[bookmark:")
            || rest[i..].starts_with("[image:")
            || rest[i..].starts_with("</")
            || rest[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic());
        match (artefact, rest[i..].find(close)) {
            (true, Some(j)) => {
                t.push(' ');
                rest = &rest[i + j + 1..];
            }
            _ => {
                t.push_str(&rest[i..i + 1]);
                rest = &rest[i + 1..];
            }
        }
    }
    t.push_str(rest);
    let t = t
        .replace("**", "")
        .replace(['\u{a0}', '\u{2009}', '\u{202f}'], " ")
        .replace('\u{ad}', "");
    // Leader dots of a table of contents separate words.
    let t = t.split("..").collect::<Vec<_>>().join(" ");
    let split: Vec<&str> = t.split_whitespace().collect();
    // A word broken at its hyphen at a line end («2022-» «2023») is one word.
    let mut joined: Vec<String> = Vec::new();
    for w in split {
        match joined.last_mut() {
            Some(prev) if prev.ends_with('-') && prev.chars().count() > 1 => prev.push_str(w),
            _ => joined.push(w.to_owned()),
        }
    }
    let raw: Vec<&str> = joined.iter().map(String::as_str).collect();
    let single = |w: &str| w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
    let initial = |w: &str| {
        let c: Vec<char> = w.chars().collect();
        c.len() >= 2
            && c[c.len() - 1] == '.'
            && c[c.len() - 2].is_uppercase()
            && (c.len() == 2 || c[c.len() - 3] == '.')
    };
    let mut merged: Vec<String> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        // «п р и к а з ы в а ю» → «приказываю»
        let run = raw[i..].iter().take_while(|w| single(w)).count();
        if run >= 3 {
            merged.push(raw[i..i + run].concat());
            i += run;
            continue;
        }
        // «К. К.» → «К.К.»
        if raw[i].chars().count() == 2
            && initial(raw[i])
            && merged.last().is_some_and(|m| initial(m))
        {
            merged.last_mut().unwrap().push_str(raw[i]);
        } else {
            merged.push(raw[i].to_owned());
        }
        i += 1;
    }
    merged
        .into_iter()
        .map(|w| {
            w.trim_matches(|c: char| ".,;:()\"«»„“”!?".contains(c))
                .chars()
                .filter(|c| !"-–—".contains(*c))
                .collect::<String>()
        })
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect()
}

/// Share of `reference`'s words (as a multiset) that `candidate` has too.
pub fn word_recall(reference: &[String], candidate: &[String]) -> (f64, Vec<String>) {
    let mut have: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for w in candidate {
        *have.entry(w).or_default() += 1;
    }
    let mut missing = Vec::new();
    for w in reference {
        match have.get_mut(w.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => missing.push(w.clone()),
        }
    }
    let recall = 1.0 - missing.len() as f64 / reference.len().max(1) as f64;
    (recall, missing)
}

/// A text with every run of white space (line breaks included) as one space.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A copy of the sample data (`data/`) in a new temporary folder.
pub fn sample_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new(root().join("data")) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(root()).unwrap();
        let to = dir.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    dir
}

/// PDF text (poppler, in content order) and DOCX text (python-docx) of
/// every document under `out`, by its file stem.
pub fn document_texts(out: &Path) -> BTreeMap<String, (String, String)> {
    let mut pdfs = BTreeMap::new();
    let mut docx = Vec::new();
    for e in walkdir::WalkDir::new(out).sort_by_file_name() {
        let path = e.unwrap().into_path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        match path.extension().and_then(|x| x.to_str()) {
            Some("pdf") => {
                let text = tool("pdftotext", &["-raw", path.to_str().unwrap(), "-"]);
                pdfs.insert(stem, text);
            }
            Some("docx") => docx.push(path),
            _ => {}
        }
    }
    let script = root().join("tests/tools/docx_text.py");
    let mut args = vec![script.to_str().unwrap()];
    args.extend(docx.iter().map(|p| p.to_str().unwrap()));
    let texts: BTreeMap<String, String> =
        serde_json::from_str(&tool("python3", &args)).expect("docx_text.py prints JSON");
    let mut out = BTreeMap::new();
    for (path, text) in texts {
        let stem = Path::new(&path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let pdf = pdfs.remove(&stem).expect("a PDF beside every DOCX");
        out.insert(stem, (pdf, text));
    }
    assert!(pdfs.is_empty(), "PDFs without a DOCX: {pdfs:?}");
    out
}

/// An XLSX workbook read back with openpyxl (`tests/tools/xlsx_read.py`).
pub fn read_xlsx(path: &Path) -> serde_json::Value {
    let script = root().join("tests/tools/xlsx_read.py");
    serde_json::from_str(&tool(
        "python3",
        &[script.to_str().unwrap(), path.to_str().unwrap()],
    ))
    .expect("xlsx_read.py prints JSON")
}
