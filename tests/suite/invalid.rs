//! Bad input: one fixture folder per kind of mistake under
//! `tests/fixtures/invalid/<case>/data` (with `templates/` beside it when
//! the mistake is in a template or layout file), with `expected.txt` listing
//! the exit code and every problem with the file, line and column it must
//! point at. A first line `# command: build` runs `build` rather than
//! `check` (template and layout mistakes show only when rendering).
//! Inputs too big to commit are generated into a temporary copy.

use std::path::{Path, PathBuf};

use crate::common::{fixtures, problems, run, snapshot, stderr};

struct Expected {
    build: bool,
    exit: i32,
    problems: Vec<(String, Option<String>)>,
}

fn expected(case: &Path) -> Expected {
    let text = std::fs::read_to_string(case.join("expected.txt")).expect("expected.txt");
    let build = text.lines().next() == Some("# command: build");
    let mut exit = None;
    let mut problems: Vec<(String, Option<String>)> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        if let Some(code) = line.strip_prefix("exit: ") {
            exit = Some(code.trim().parse().expect("exit code"));
        } else if let Some(at) = line.strip_prefix("at: ") {
            problems.last_mut().expect("`at:` follows a problem").1 = Some(at.trim().to_owned());
        } else {
            problems.push((line.to_owned(), None));
        }
    }
    Expected {
        build,
        exit: exit.expect("expected.txt names the exit code"),
        problems,
    }
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.txt").exists())
        .collect();
    cases.sort();
    cases
}

/// Runs a case's command: `check`, or `build` into `out`.
fn run_case(case: &Path, build: bool, out: &Path) -> std::process::Output {
    if build {
        run(
            case,
            &["--data", "data", "--out", out.to_str().unwrap(), "build"],
        )
    } else {
        run(case, &["--data", "data", "check"])
    }
}

#[test]
fn every_invalid_case_reports_its_problems_at_their_place() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy();
        let want = expected(case);
        assert!(
            want.exit == 1 && !want.problems.is_empty(),
            "{name}: a bad input fails with exit 1 and names its problems"
        );
        assert!(
            want.problems.iter().all(|(_, at)| at.is_some()),
            "{name}: every problem names its file, line and column"
        );
        let out = run_case(case, want.build, &tmp.path().join(&*name));
        let err = stderr(&out);
        let got = problems(&err);
        if out.status.code() != Some(want.exit) || got != want.problems {
            failures.push(format!(
                "{name}: exit {:?} (want {}), problems\n  {:?}\nwant\n  {:?}\nstderr:\n{err}",
                out.status.code(),
                want.exit,
                got,
                want.problems
            ));
        }
        assert!(
            !err.contains("panicked"),
            "{name}: clusterdoc panicked:\n{err}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every entry under `dir` (folders too) whose name marks a temporary file.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("clusterdoc-tmp"))
        .map(|e| e.into_path())
        .collect()
}

/// Folders under `dir`, so that a leftover empty folder is noticed too.
fn folders(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect()
}

/// A previous build's output folder: one file, one subfolder.
fn previous_output(out_dir: &Path) {
    std::fs::create_dir_all(out_dir.join("orders")).unwrap();
    std::fs::write(
        out_dir.join("orders/order-old.pdf"),
        b"%PDF-1.7 previous build",
    )
    .unwrap();
}

/// `build` on every case, even those whose mistake only shows while
/// rendering (templates, layout): staging is discarded, nothing moves.
#[test]
fn invalid_input_leaves_the_output_folder_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    previous_output(&out_dir);
    let before = snapshot(&out_dir);
    let before_folders = folders(&out_dir);
    for case in cases() {
        let out = run_case(&case, true, &out_dir);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {}",
            case.display(),
            stderr(&out)
        );
        assert_eq!(
            snapshot(&out_dir),
            before,
            "{} changed the output folder",
            case.display()
        );
        assert_eq!(folders(&out_dir), before_folders, "{}", case.display());
        assert!(
            temporaries(&out_dir).is_empty(),
            "{} left {:?}",
            case.display(),
            temporaries(&out_dir)
        );
    }
    // A fresh output folder is not even created, whether the records or a
    // template fail.
    for case in [
        "bad-inn",
        "template-undefined-variable",
        "typst-layout-error",
    ] {
        let fresh = tmp.path().join(format!("fresh-{case}"));
        let o = run_case(&fixtures().join("invalid").join(case), true, &fresh);
        assert_eq!(o.status.code(), Some(1), "{case}: {}", stderr(&o));
        assert!(!fresh.exists(), "{case} created the output folder");
    }
}

/// A copy of a fixture case's folder to add generated files to.
fn copy_case(case: &str, to: &Path) {
    let from = fixtures().join("invalid").join(case);
    for e in walkdir::WalkDir::new(&from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(&from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A 50 MB record file (generated, not committed): refused by its size
/// before it is parsed, pointing at the file; nothing is written.
#[test]
fn a_50_mb_record_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    copy_case("duplicate-id", &case);
    std::fs::remove_file(case.join("data/more.yaml")).unwrap();
    let mut text = String::from("organizations:\n");
    let record = "  - id: school-000000\n    name: Муниципальное бюджетное общеобразовательное учреждение\n    kind: school\n";
    let mut i = 0;
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&record.replace("000000", &format!("{i:06}")));
        i += 1;
    }
    std::fs::write(case.join("data/big.yaml"), &text).unwrap();
    drop(text);
    let out_dir = tmp.path().join("out");
    previous_output(&out_dir);
    let before = snapshot(&out_dir);
    for build in [false, true] {
        let started = std::time::Instant::now();
        let o = run_case(&case, build, &out_dir);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert_eq!(
            problems(&err),
            vec![(
                "error: data/big.yaml is 50.0 MB; record files are limited to 10 MB".to_owned(),
                Some("data/big.yaml:1:1".to_owned())
            )],
            "{err}"
        );
        assert!(
            started.elapsed().as_secs() < 5,
            "refused by its size, not parsed"
        );
        assert_eq!(snapshot(&out_dir), before);
        assert!(temporaries(&out_dir).is_empty());
    }
}
