//! Export for the archive: a dated package of PDF/A and DOCX with an
//! inventory, checksums and a manifest; `verify`; an interrupted export
//! leaves the previous package as it was.

use std::path::Path;

use crate::common::{read_xlsx, root, run, snapshot, stderr, stdout, tool};

fn export(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--out", out.to_str().unwrap(), "export"];
    args.extend(extra);
    run(&root(), &args)
}

#[test]
fn a_package_is_complete_verifiable_and_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for dir in [&a, &b] {
        let o = export(tmp.path(), &["--to", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let sums = std::fs::read_to_string(a.join("SHA256SUMS")).unwrap();
    assert_eq!(
        sums,
        std::fs::read_to_string(b.join("SHA256SUMS")).unwrap(),
        "two exports, same checksums"
    );
    assert_eq!(snapshot(&a), snapshot(&b), "two exports, same bytes");

    // sha256sum accepts the list; every file is listed.
    assert_sha256sum_accepts(&a);
    let files = snapshot(&a);
    assert_eq!(
        sums.lines().count(),
        files.len() - 1,
        "every file but SHA256SUMS is listed"
    );

    // Every document as PDF/A-2b and DOCX; the inventory as CSV, PDF and DOCX.
    let pdfs: Vec<&String> = files
        .keys()
        .filter(|k| k.starts_with("documents/") && k.ends_with(".pdf"))
        .collect();
    let docx = files
        .keys()
        .filter(|k| k.starts_with("documents/") && k.ends_with(".docx"))
        .count();
    assert_eq!(pdfs.len(), 12);
    assert_eq!(docx, 12);
    for f in [
        "opis.csv",
        "opis.pdf",
        "opis.docx",
        "opis.xlsx",
        "participants.xlsx",
        "manifest.json",
    ] {
        assert!(files.contains_key(f), "{f}");
    }
    for (name, bytes) in files.iter().filter(|(k, _)| k.ends_with(".pdf")) {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            text.contains("<pdfaid:part>2</pdfaid:part>"),
            "{name} declares PDF/A-2"
        );
        assert!(
            text.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{name} declares conformance B"
        );
        let check = tool("qpdf", &["--check", a.join(name).to_str().unwrap()]);
        assert!(
            check.contains("No syntax or stream encoding errors"),
            "{name}: {check}"
        );
    }

    // The inventory: one row per document, sheets counted from the PDF.
    let csv = String::from_utf8(files["opis.csv"].clone()).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 12);
    let order = rows
        .iter()
        .find(|r| r.contains("order-1064-a.pdf"))
        .unwrap();
    assert!(order.starts_with("2,1064-а,26.09.2022,"), "{order}");
    let pages = tool(
        "pdfinfo",
        &[a.join("documents/orders/order-1064-a.pdf")
            .to_str()
            .unwrap()],
    );
    let pages = pages
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim();
    assert!(
        order.contains(&format!(
            ",Приказ,{pages},documents/orders/order-1064-a.pdf,"
        )),
        "{order} ({pages} pages)"
    );
    let digest = sums
        .lines()
        .find(|l| l.ends_with("  documents/orders/order-1064-a.pdf"))
        .unwrap();
    assert!(
        order.ends_with(digest.split_whitespace().next().unwrap()),
        "the inventory's digest is the file's"
    );
    // The workbook holds the CSV's rows, read back by openpyxl: dates as
    // date cells, numbers as numbers, columns fitted to their values.
    let book = read_xlsx(&a.join("opis.xlsx"));
    let sheet = &book["sheets"][0];
    assert_eq!(sheet["name"], "Опись");
    assert_eq!(sheet["freeze"], "A2");
    let read = sheet["rows"].as_array().unwrap();
    assert_eq!(
        read.len(),
        rows.len() + 1,
        "a header and a row per document"
    );
    for (csv_row, xlsx_row) in rows.iter().zip(&read[1..]) {
        let cells: Vec<String> = xlsx_row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) if s.contains([',', '"']) => {
                    format!("\"{}\"", s.replace('"', "\"\""))
                }
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                // A document without a date: an empty cell, «—» in the CSV.
                _ => "—".into(),
            })
            .collect();
        assert_eq!(cells.join(","), *csv_row, "the workbook's row is the CSV's");
    }
    let order_types = &sheet["types"][read.iter().position(|r| r[1] == "1064-а").unwrap()];
    assert_eq!(
        order_types,
        &serde_json::json!(["n", "s", "d", "s", "s", "n", "s", "s"])
    );
    assert_eq!(
        sheet["widths"]["H"]
            .as_f64()
            .expect("column H has a width")
            .round(),
        66.0,
        "the SHA-256 column is as wide as a digest"
    );
    let opis = tool("pdftotext", &[a.join("opis.pdf").to_str().unwrap(), "-"]);
    assert!(opis.contains("ОПИСЬ") && opis.contains("1064-а"), "{opis}");

    // The manifest names the product, the records and their digests.
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert!(
        manifest["product"]
            .as_str()
            .unwrap()
            .starts_with("clusterdoc ")
    );
    let doc = &manifest["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "order-1064-a")
        .unwrap()
        .clone();
    assert!(
        doc["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["record"] == "order:1064-a" && s["sha256"].is_string())
    );
    // Each document's files with the digest SHA256SUMS gives them and
    // their size.
    for document in manifest["documents"].as_array().unwrap() {
        for file in document["files"].as_array().unwrap() {
            let path = file["path"].as_str().unwrap();
            let listed = format!("{}  {path}", file["sha256"].as_str().unwrap());
            assert!(sums.lines().any(|l| l == listed), "{listed}");
            assert_eq!(file["size"], files[path].len(), "{path}");
        }
    }

    // verify: intact, then one flipped byte, one deleted file, one extra file.
    let o = run(&root(), &["verify", a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("all intact"));
    let victim = a.join("documents/orders/order-1064-a.docx");
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&victim, bytes).unwrap();
    std::fs::remove_file(a.join("documents/orders/order-663a.pdf")).unwrap();
    std::fs::write(a.join("documents/notes.txt"), "not archived").unwrap();
    let o = run(&root(), &["verify", a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error: documents/orders/order-1064-a.docx: altered"),
        "{err}"
    );
    assert!(
        err.contains("error: documents/orders/order-663a.pdf: missing"),
        "{err}"
    );
    assert!(
        err.contains("error: documents/notes.txt: not listed in SHA256SUMS"),
        "{err}"
    );
}

#[test]
fn a_zip_package_verifies_and_unpacks_to_the_same_checksums() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("archive.zip");
    let o = export(
        tmp.path(),
        &["--zip", zip.to_str().unwrap(), "--pdfa", "1b"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&root(), &["verify", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let unpacked = tmp.path().join("unpacked");
    archive.extract(&unpacked).unwrap();
    assert_sha256sum_accepts(&unpacked);
    let pdf = std::fs::read(unpacked.join("documents/orders/order-1064-a.pdf")).unwrap();
    assert!(
        String::from_utf8_lossy(&pdf).contains("<pdfaid:part>1</pdfaid:part>"),
        "--pdfa 1b"
    );
}

#[test]
fn a_failed_export_leaves_the_previous_package_and_no_partial_one() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("archive/package");
    let o = export(tmp.path(), &["--to", pkg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = snapshot(&pkg);

    // A layout that fails on one document of the batch (the program),
    // after others have been written into the assembly.
    let templates = tmp.path().join("templates");
    let main = std::fs::read_to_string(root().join("templates/typst/main.typ")).unwrap();
    std::fs::create_dir_all(templates.join("typst")).unwrap();
    std::fs::write(
        templates.join("typst/main.typ"),
        main.replace(
            "#render(json(\"/data.json\"))",
            "#let doc = json(\"/data.json\")\n#if doc.meta.kind == \"program\" { panic(\"simulated failure\") }\n#render(doc)",
        ),
    )
    .unwrap();
    let o = run(
        &root(),
        &[
            "--out",
            tmp.path().to_str().unwrap(),
            "--templates",
            templates.to_str().unwrap(),
            "--jobs",
            "1",
            "export",
            "--to",
            pkg.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("simulated failure"), "{}", stderr(&o));
    assert_eq!(snapshot(&pkg), before, "the previous package is untouched");
    let leftovers: Vec<String> = std::fs::read_dir(pkg.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "package")
        .collect();
    assert!(leftovers.is_empty(), "no partial package: {leftovers:?}");
}

/// `sha256sum -c SHA256SUMS` inside the package succeeds.
fn assert_sha256sum_accepts(package: &std::path::Path) {
    let checked = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(package)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}

/// An inventory longer than a volume is bound in volumes: numbering runs
/// through, every page repeats the header row, each volume totals its own
/// entries, the last the whole, and the package still verifies.
#[test]
fn a_long_inventory_is_bound_in_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["bench-data", "--docs", "130", "corpus"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let package = dir.path().join("package");
    let o = run(
        dir.path(),
        &[
            "--data",
            "corpus",
            "export",
            "--to",
            package.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!package.join("opis.pdf").exists());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(package.join("manifest.json")).unwrap()).unwrap();
    let volumes = manifest["inventory"]["volumes"].as_array().unwrap();
    assert_eq!(volumes.len(), 2, "{volumes:?}");
    assert_eq!(
        (&volumes[0]["first"], &volumes[0]["last"]),
        (&1.into(), &100.into())
    );
    assert_eq!(
        (&volumes[1]["first"], &volumes[1]["last"]),
        (&101.into(), &130.into())
    );
    let listed: u64 = volumes
        .iter()
        .map(|v| v["listed_sheets"].as_u64().unwrap())
        .sum();
    let documents: u64 = manifest["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sheets"].as_u64().unwrap())
        .sum();
    assert_eq!(listed, documents, "the volumes' sheet counts add up");

    for (i, v) in volumes.iter().enumerate() {
        let pdf = package.join(v["pdf"].as_str().unwrap());
        assert!(package.join(v["docx"].as_str().unwrap()).is_file());
        tool("qpdf", &["--check", pdf.to_str().unwrap()]);
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains("<pdfaid:part>2</pdfaid:part>"));
        let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
        let pages: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert_eq!(pages.len() as u64, v["sheets"].as_u64().unwrap());
        for (n, page) in pages.iter().enumerate() {
            assert!(
                page.contains("№ п/п"),
                "volume {} page {} lacks the header row",
                i + 1,
                n + 1
            );
        }
        let flat = crate::common::flat(&text);
        let first = v["first"].as_u64().unwrap();
        assert!(flat.contains(&format!("Том {} из 2", i + 1)), "{flat}");
        assert!(
            flat.contains(&format!("{first}. ")),
            "entry {first} in volume {}",
            i + 1
        );
        assert!(
            flat.contains(&format!(
                "Всего в томе {}: {} документов",
                i + 1,
                v["last"].as_u64().unwrap() - first + 1
            )),
            "{flat}"
        );
    }
    let last = tool(
        "pdftotext",
        &[package.join("opis-2.pdf").to_str().unwrap(), "-"],
    );
    assert!(
        crate::common::flat(&last).contains(&format!(
            "Всего в описи 130 документов на {documents} листах (томов: 2)."
        )),
        "{last}"
    );
    let o = run(dir.path(), &["verify", package.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_sha256sum_accepts(&package);
}
