//! The benchmark corpus: `bench-data` writes valid, distinct orders that
//! build like the real ones (a roadmap table of 15–25 rows, several pages).

use crate::common::{files_with, pdftotext, run, stderr, stdout};

#[test]
fn bench_data_is_valid_and_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["bench-data", "--docs", "12", "corpus"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(dir.path(), &["--data", "corpus", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = run(
        dir.path(),
        &["--data", "corpus", "build", "--format", "pdf"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("12 of 12 documents rendered"),
        "{}",
        stdout(&o)
    );
    let pdfs = files_with(&dir.path().join("out"), "pdf");
    assert_eq!(pdfs.len(), 12);
    let texts: Vec<String> = pdfs.iter().map(|p| pdftotext(p)).collect();
    for (pdf, text) in pdfs.iter().zip(&texts) {
        let pages = text.matches('\u{c}').count();
        assert!((3..=6).contains(&pages), "{}: {pages} pages", pdf.display());
        assert!(
            text.contains("ПРИКАЗ") || text.contains("П Р И К А З"),
            "{text}"
        );
        assert!(text.contains("Дорожная карта"), "{text}");
    }
    let mut unique = texts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), texts.len(), "every order differs");

    // The same N gives the same folder.
    let o = run(dir.path(), &["bench-data", "--docs", "12", "again"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for e in walkdir::WalkDir::new(dir.path().join("corpus")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir.path().join("corpus")).unwrap();
            assert_eq!(
                std::fs::read(e.path()).unwrap(),
                std::fs::read(dir.path().join("again").join(rel)).unwrap(),
                "{}",
                rel.display()
            );
        }
    }
    let o = run(dir.path(), &["bench-data", "--docs", "1", "corpus"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("corpus is not empty"), "{}", stderr(&o));
}
