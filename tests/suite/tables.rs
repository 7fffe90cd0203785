//! Tables as record files: the sample's schools come from a workbook
//! (`data/primorsky/schools.xlsx`); the same rows as YAML, as a CSV, and as
//! XLSX and ODS written by LibreOffice Calc from that CSV build the same
//! documents, byte for byte.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common::{fixtures, run, sample_copy, snapshot, stderr};

const SCHOOLS: &str = "data/primorsky/schools.xlsx";

/// The documents (not the state file) a build of `dir` writes to `out`.
fn documents(dir: &Path, out: &str) -> BTreeMap<String, Vec<u8>> {
    let o = run(dir, &["--out", out, "build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut files = snapshot(&dir.join(out));
    files.remove("clusterdoc-state.json");
    files
}

/// Converts a CSV (`;`, UTF-8, every column text) with LibreOffice Calc.
fn calc(csv: &Path, to: &str, dir: &Path) -> std::path::PathBuf {
    let profile = format!("file://{}", dir.join("profile").display());
    let o = Command::new("soffice")
        .arg(format!("-env:UserInstallation={profile}"))
        .args([
            "--headless",
            "--infilter=CSV:59,34,76,1,1/2/2/2/3/2/4/2/5/2/6/2/7/2/8/2/9/2",
            "--convert-to",
            to,
            "--outdir",
        ])
        .arg(dir)
        .arg(csv)
        .output()
        .expect("LibreOffice Calc (soffice) is needed: tests/run.sh installs it");
    assert!(
        o.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = dir.join(csv.with_extension(to).file_name().unwrap());
    assert!(out.is_file(), "soffice wrote no {}", out.display());
    out
}

#[test]
fn a_table_and_its_yaml_build_the_same_documents() {
    let dir = sample_copy();
    let shipped = documents(dir.path(), "out-xlsx");
    assert_eq!(shipped.len(), 24, "12 documents as PDF and DOCX");
    let tables = fixtures().join("tables");
    let schools = dir.path().join(SCHOOLS);

    // The rows as YAML records.
    std::fs::remove_file(&schools).unwrap();
    std::fs::copy(
        tables.join("schools.yaml"),
        dir.path().join("data/primorsky/schools.yaml"),
    )
    .unwrap();
    assert!(
        shipped == documents(dir.path(), "out-yaml"),
        "YAML and the shipped workbook differ"
    );
    std::fs::remove_file(dir.path().join("data/primorsky/schools.yaml")).unwrap();

    // The CSV itself, and what Calc makes of it.
    let work = tempfile::tempdir().unwrap();
    let csv = work.path().join("Школы.csv");
    std::fs::copy(tables.join("schools.csv"), &csv).unwrap();
    for (form, file) in [
        ("csv", csv.clone()),
        ("xlsx", calc(&csv, "xlsx", work.path())),
        ("ods", calc(&csv, "ods", work.path())),
    ] {
        let into = dir.path().join(format!("data/primorsky/schools.{form}"));
        std::fs::copy(&file, &into).unwrap();
        let built = documents(dir.path(), &format!("out-{form}"));
        std::fs::remove_file(&into).unwrap();
        let differ: Vec<&String> = shipped
            .iter()
            .filter(|(k, v)| built.get(*k) != Some(v))
            .map(|(k, _)| k)
            .collect();
        assert!(
            differ.is_empty(),
            "{form}: {differ:?} differ from the shipped workbook's"
        );
    }
}

#[test]
fn an_edit_to_one_row_rebuilds_only_the_documents_that_read_it() {
    let dir = sample_copy();
    let schools = dir.path().join(SCHOOLS);
    let work = tempfile::tempdir().unwrap();
    let csv = work.path().join("Школы.csv");
    let text = std::fs::read_to_string(fixtures().join("tables/schools.csv")).unwrap();
    std::fs::write(&csv, &text).unwrap();
    std::fs::copy(calc(&csv, "xlsx", work.path()), &schools).unwrap();
    let o = run(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // One school's name changes: the documents that list it (order
    // 1064-а's appendix 2, the amending order 312-а restating it, the
    // consolidated version) are rendered again, nothing else.
    std::fs::write(
        &csv,
        text.replacen(
            "«Средняя общеобразовательная школа № 12» г. Уссурийска",
            "«Средняя общеобразовательная школа № 12 имени А. С. Пушкина» г. Уссурийска",
            1,
        ),
    )
    .unwrap();
    std::fs::copy(calc(&csv, "xlsx", work.path()), &schools).unwrap();
    let o = run(dir.path(), &["build"]);
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(report.contains("3 of 12 documents rendered"), "{report}");
    assert!(
        report.contains("unchanged, skipped: order-1064-a-draft, order-663a-draft, order-663a, passport-pavlodar-energy-ru"),
        "{report}"
    );
}

#[test]
fn the_participants_register_is_a_workbook_spreadsheets_read() {
    let dir = sample_copy();
    let o = run(dir.path(), &["tables", "--to", "reports"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let book = dir.path().join("reports/participants.xlsx");
    let read = crate::common::read_xlsx(&book);
    let sheets = read["sheets"].as_array().unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Сводка",
            "Региональный",
            "Педагогический кластер",
            "Агрокластер",
            "Технологический кластер",
            "Естественнонаучный кластер",
            "Отраслевой кластер среднего"
        ]
    );
    for s in sheets {
        assert_eq!(s["freeze"], "A2", "{}: the header row is frozen", s["name"]);
    }
    // The summary: every cluster with its sheet and counts.
    let summary = &sheets[0]["rows"];
    assert_eq!(summary[0][0], "Кластер");
    let agro = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "Агрокластер")
        .unwrap();
    assert_eq!(
        agro.as_array().unwrap()[1..],
        [
            serde_json::json!("Агрокластер"),
            7.into(),
            7.into(),
            0.into()
        ]
    );
    // A cluster's sheet: the school that joined in 2023, its ИНН as text,
    // its date a date cell.
    let agro = &sheets[3];
    let rows = agro["rows"].as_array().unwrap();
    let (i, school) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| {
            r[1].as_str()
                .is_some_and(|n| n.contains("№ 2» Дальнереченского"))
        })
        .expect("the school that joined on 01.03.2023");
    assert_eq!(school[2], "2506004420");
    assert_eq!(school[4], "01.03.2023");
    assert_eq!(agro["types"][i][2], "s", "ИНН is text");
    assert_eq!(agro["types"][i][4], "d", "joined is a date");
    assert!(
        agro["widths"]["B"].as_f64().unwrap() > 40.0,
        "names get a wide column"
    );

    // LibreOffice reads the same summary (its CSV export of the first sheet).
    let work = tempfile::tempdir().unwrap();
    let profile = format!("file://{}", work.path().join("profile").display());
    let o = Command::new("soffice")
        .arg(format!("-env:UserInstallation={profile}"))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(work.path())
        .arg(&book)
        .output()
        .expect("soffice");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(work.path().join("participants.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), summary.as_array().unwrap().len(), "{csv}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Агрокластер,Агрокластер,7,7,0")),
        "{csv}"
    );

    // The same bytes again for the same records and day.
    let first = std::fs::read(&book).unwrap();
    let o = run(dir.path(), &["tables", "--to", "reports"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(first == std::fs::read(&book).unwrap());
}

#[test]
fn participants_from_sheets_named_after_their_clusters_build_the_same_documents() {
    let dir = sample_copy();
    let shipped = documents(dir.path(), "out-csv");
    // The sample's joiners (data/primorsky/joined-2023.csv, a «Кластер»
    // column) as two workbooks whose sheets are named after the clusters.
    std::fs::remove_file(dir.path().join("data/primorsky/joined-2023.csv")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let header = "ИНН;Роль;Обязательства;Дата вступления\n";
    for (cluster, inn, class) in [
        ("Агрокластер", "2506004420", "агротехнологического"),
        (
            "Технологический кластер",
            "2501007314",
            "инженерно-технологического",
        ),
    ] {
        let csv = work.path().join(format!("{cluster}.csv"));
        std::fs::write(
            &csv,
            format!("{header}{inn};общеобразовательная организация - участник кластера;\"открытие {class} класса и организация его работы\nреализация плана совместных действий с партнерами кластера\";01.03.2023\n"),
        )
        .unwrap();
        let book = calc(&csv, "xlsx", work.path());
        std::fs::copy(
            &book,
            dir.path().join(format!("data/primorsky/{cluster}.xlsx")),
        )
        .unwrap();
    }
    let built = documents(dir.path(), "out-xlsx");
    let differ: Vec<&String> = shipped
        .iter()
        .filter(|(k, v)| built.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(differ.is_empty(), "{differ:?} differ");
}
