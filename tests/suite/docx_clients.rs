//! Every DOCX the sample data produces, read back by independent clients:
//! xmllint (well-formed parts), openxml-audit (OOXML schema), python-docx
//! (margins, fonts, numbering, header rows, table shapes), LibreOffice
//! (converts it to PDF whose text matches our own PDF's).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::{
    files_with, flat, pdftotext, root, run, sample_out, snapshot, stderr, tool, word_recall, words,
};

fn docx_files() -> Vec<PathBuf> {
    let files = files_with(sample_out(), "docx");
    assert!(files.len() >= 10, "{files:?}");
    files
}

fn probe(docx: &Path) -> Value {
    let script = root().join("tests/tools/docx_probe.py");
    let out = tool(
        "python3",
        &[script.to_str().unwrap(), docx.to_str().unwrap()],
    );
    serde_json::from_str(&out).expect("the probe prints JSON")
}

fn model(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(sample_out().join(rel)).unwrap()).unwrap()
}

/// Every DOCX converted by LibreOffice in one call, once per test run.
fn libreoffice_pdfs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("libreoffice");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let profile = format!("file://{}", dir.join("profile").display());
        let mut cmd = Command::new("soffice");
        cmd.arg(format!("-env:UserInstallation={profile}"))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&dir)
            .args(docx_files());
        let o = cmd
            .output()
            .expect("LibreOffice (soffice) is needed: tests/run.sh installs it");
        assert!(
            o.status.success(),
            "soffice failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        dir
    })
}

#[test]
fn every_part_is_well_formed_xml() {
    let tmp = tempfile::tempdir().unwrap();
    for docx in docx_files() {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().expect("a part name").into_owned();
            if !(name.ends_with(".xml") || name.ends_with(".rels")) {
                continue;
            }
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            let path = tmp.path().join("part.xml");
            std::fs::write(&path, &bytes).unwrap();
            let o = Command::new("xmllint")
                .arg("--noout")
                .arg(&path)
                .output()
                .expect("xmllint");
            assert!(
                o.status.success(),
                "{} {name}: {}",
                docx.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn openxml_audit_finds_no_schema_errors() {
    for docx in docx_files() {
        let o = Command::new("openxml-audit")
            .arg(&docx)
            .output()
            .expect("openxml-audit is needed: tests/run.sh installs it");
        let report = String::from_utf8_lossy(&o.stdout);
        assert!(
            report.contains("Errors: 0"),
            "{}:\n{report}",
            docx.display()
        );
    }
}

#[test]
fn python_docx_reads_back_the_layout_the_model_asked_for() {
    let p = probe(&sample_out().join("orders/order-1064-a.docx"));
    let m = &p["sections"][0]["margins_mm"];
    for (side, mm) in [
        ("left", 30.0),
        ("right", 10.0),
        ("top", 20.0),
        ("bottom", 20.0),
    ] {
        assert!((m[side].as_f64().unwrap() - mm).abs() < 0.1, "{side}: {m}");
    }
    assert_eq!(
        p["sections"][0]["different_first_page"], true,
        "no page number on page 1"
    );
    let f = &p["default_font"];
    for slot in ["ascii", "hAnsi", "eastAsia", "cs"] {
        assert_eq!(f[slot], "Times New Roman", "{slot}");
    }
    assert_eq!(f["size_pt"], 14.0);
    assert_eq!(f["lang"], "ru-RU");

    // The clauses are real Word numbering, showing the model's labels.
    let labels: Vec<&str> = p["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["numbered"] == true)
        .map(|x| x["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["1.", "2.", "3.", "4.", "5.", "5.1.", "5.2.", "6."]);

    // Every table of the model comes out with its shape and header rows.
    let doc = model("orders/order-1064-a.json");
    let tables: Vec<&Value> = doc["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "table")
        .collect();
    assert_eq!(tables.len(), 2);
    for t in tables {
        let rows = t["rows"].as_array().unwrap().len();
        let cols = t["columns"].as_array().unwrap().len();
        let first = t["rows"][0]["cells"][0]["blocks"][0]["runs"][0]["text"]
            .as_str()
            .unwrap();
        let found = p["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["cells"][0][0]["text"] == first && x["cols"] == cols)
            .unwrap_or_else(|| panic!("no DOCX table starting with {first}"));
        assert_eq!(
            found["rows"], rows,
            "rows of the table starting with {first}"
        );
        assert_eq!(
            found["header_rows"],
            serde_json::json!([0]),
            "header row repeats"
        );
        assert!(found["fixed_layout"].as_bool().unwrap());
    }
}

/// Words of every table header row of a document model.
fn header_words(model: &Path) -> std::collections::HashSet<String> {
    let doc: Value = serde_json::from_slice(&std::fs::read(model).unwrap()).unwrap();
    let mut out = std::collections::HashSet::new();
    for t in doc["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "table")
    {
        let n = t["header_rows"].as_u64().unwrap_or(0) as usize;
        let text = serde_json::to_string(&t["rows"].as_array().unwrap()[..n]).unwrap();
        // The texts of the runs are what matters; JSON keys are not words of
        // the document and are harmless in the set.
        out.extend(words(
            &text
                .replace(['{', '}', '[', ']', ':', ','], " ")
                .replace('"', " "),
        ));
    }
    out
}

#[test]
fn libreoffice_converts_every_docx_to_the_text_of_our_pdf() {
    let lo = libreoffice_pdfs();
    let mut report = Vec::new();
    for docx in docx_files() {
        let stem = docx.file_stem().unwrap().to_string_lossy().into_owned();
        let theirs = lo.join(format!("{stem}.pdf"));
        assert!(
            theirs.exists(),
            "LibreOffice made no PDF of {}",
            docx.display()
        );
        // Header rows repeat on every page and the pages break differently
        // in the two clients: their words are left out of the comparison.
        let headers = header_words(&docx.with_extension("json"));
        let keep = |w: &String| !headers.contains(w);
        let ours: Vec<String> = words(&pdftotext(&docx.with_extension("pdf")))
            .into_iter()
            .filter(keep)
            .collect();
        let lo_words: Vec<String> = words(&pdftotext(&theirs))
            .into_iter()
            .filter(keep)
            .collect();
        let (recall, missing) = word_recall(&ours, &lo_words);
        let (precision, extra) = word_recall(&lo_words, &ours);
        if recall < 0.99 || precision < 0.99 {
            report.push(format!(
                "{stem}: {:.2} % of our words in LibreOffice's PDF (missing {missing:?}), {:.2} % of its words in ours (extra {extra:?})",
                recall * 100.0,
                precision * 100.0
            ));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn kazakh_letters_survive_into_docx_and_libreoffice() {
    let docx = sample_out().join("passports/passport-pavlodar-energy-kk.docx");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let lo_text = flat(&pdftotext(
        &libreoffice_pdfs().join("passport-pavlodar-energy-kk.pdf"),
    ));
    let model =
        std::fs::read_to_string(sample_out().join("passports/passport-pavlodar-energy-kk.json"))
            .unwrap();
    let mut seen = 0;
    for letter in "әғқңөұүһіӘҒҚҢӨҰҮҺІ".chars() {
        if model.contains(letter) {
            seen += 1;
            assert!(xml.contains(letter), "«{letter}» lost in the DOCX");
            assert!(
                lo_text.contains(letter),
                "«{letter}» lost in LibreOffice's PDF"
            );
        }
    }
    assert!(seen >= 12, "the Kazakh edition uses {seen} Kazakh letters");
    let mut styles = String::new();
    zip.by_name("word/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(
        styles.contains("w:val=\"kk-KZ\""),
        "document language kk-KZ"
    );
}

#[test]
fn building_twice_gives_identical_bytes() {
    let again = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sample-out-again");
    let _ = std::fs::remove_dir_all(&again);
    let o = run(
        &root(),
        &[
            "--out",
            again.to_str().unwrap(),
            "build",
            "--format",
            "pdf,docx,json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (a, b) = (snapshot(sample_out()), snapshot(&again));
    let differing: Vec<&String> = a.keys().filter(|k| a.get(*k) != b.get(*k)).collect();
    assert!(
        differing.is_empty(),
        "differ between two builds: {differing:?}"
    );
    assert_eq!(a.len(), b.len());
}

/// With `SOURCE_DATE_EPOCH=1700000000` every date embedded in the files is
/// 14.11.2023 22:13:20 UTC — the PDF's info dictionary and XMP metadata,
/// the DOCX's core properties and the dates of its ZIP entries — and two
/// such builds are byte-identical.
#[test]
fn source_date_epoch_fixes_every_embedded_date() {
    let tmp = tempfile::tempdir().unwrap();
    let build = |name: &str| {
        let out = tmp.path().join(name);
        let o = Command::new(crate::common::bin())
            .current_dir(root())
            .args(["--out", out.to_str().unwrap(), "--quiet", "build"])
            .env("NO_COLOR", "1")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        out
    };
    let (one, two) = (build("one"), build("two"));
    let (a, b) = (snapshot(&one), snapshot(&two));
    assert!(a.len() >= 20);
    let differing: Vec<&String> = a.keys().filter(|k| a.get(*k) != b.get(*k)).collect();
    assert!(
        differing.is_empty(),
        "differ between two builds: {differing:?}"
    );

    for pdf in files_with(&one, "pdf") {
        let path = pdf.to_str().unwrap();
        let info = tool("pdfinfo", &["-isodates", path]);
        for key in ["CreationDate", "ModDate"] {
            let line = info
                .lines()
                .find(|l| l.starts_with(&format!("{key}:")))
                .unwrap_or_else(|| panic!("{path}: no {key}:\n{info}"));
            assert!(line.ends_with(" 2023-11-14T22:13:20Z"), "{path}: {line}");
        }
        let xmp = tool("pdfinfo", &["-meta", path]);
        let dates: Vec<&str> = xmp
            .split("Date>")
            .skip(1)
            .step_by(2)
            .map(|d| d.split('<').next().unwrap())
            .collect();
        assert!(dates.len() >= 2, "{path}: {xmp}");
        assert!(
            dates.iter().all(|d| *d == "2023-11-14T22:13:20+00:00"),
            "{path}: {dates:?}"
        );
    }
    for docx in files_with(&one, "docx") {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
        let mut core = String::new();
        zip.by_name("docProps/core.xml")
            .unwrap()
            .read_to_string(&mut core)
            .unwrap();
        for tag in ["dcterms:created", "dcterms:modified"] {
            let value = core
                .split(&format!("<{tag}"))
                .nth(1)
                .and_then(|s| s.split('>').nth(1))
                .and_then(|s| s.split('<').next())
                .unwrap_or_else(|| panic!("{}: no {tag}: {core}", docx.display()));
            assert_eq!(value, "2023-11-14T22:13:20Z", "{}: {tag}", docx.display());
        }
        for i in 0..zip.len() {
            let entry = zip.by_index(i).unwrap();
            let t = entry.last_modified().expect("a ZIP entry date");
            assert_eq!(
                (
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                ),
                (2023, 11, 14, 22, 13, 20),
                "{} {:?}",
                docx.display(),
                entry.name()
            );
        }
    }
}
