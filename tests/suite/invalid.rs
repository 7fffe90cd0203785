//! Bad input: one fixture folder per kind of mistake under
//! `tests/fixtures/invalid/<case>/data`, with `expected.txt` listing the exit
//! code and every problem with the file, line and column it must point at.

use std::path::Path;

use crate::common::{fixtures, problems, run, snapshot, stderr};

struct Expected {
    exit: i32,
    problems: Vec<(String, Option<String>)>,
}

fn expected(case: &Path) -> Expected {
    let text = std::fs::read_to_string(case.join("expected.txt")).expect("expected.txt");
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
        exit: exit.expect("expected.txt names the exit code"),
        problems,
    }
}

fn cases() -> Vec<std::path::PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.txt").exists())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_invalid_case_reports_its_problems_at_their_place() {
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let want = expected(case);
        let out = run(case, &["--data", "data", "check"]);
        let err = stderr(&out);
        let got = problems(&err);
        if out.status.code() != Some(want.exit) || got != want.problems {
            failures.push(format!(
                "{}: exit {:?} (want {}), problems\n  {:?}\nwant\n  {:?}\nstderr:\n{err}",
                case.file_name().unwrap().to_string_lossy(),
                out.status.code(),
                want.exit,
                got,
                want.problems
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_input_leaves_the_output_folder_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(out_dir.join("orders")).unwrap();
    std::fs::write(
        out_dir.join("orders/order-old.pdf"),
        b"%PDF-1.7 previous build",
    )
    .unwrap();
    let before = snapshot(&out_dir);
    for case in cases() {
        let out = run(
            &case,
            &[
                "--data",
                "data",
                "--out",
                out_dir.to_str().unwrap(),
                "build",
            ],
        );
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
    }
    // A fresh output folder is not even created.
    let fresh = tmp.path().join("fresh");
    let case = cases().remove(0);
    run(
        &case,
        &["--data", "data", "--out", fresh.to_str().unwrap(), "build"],
    );
    assert!(!fresh.exists());
}
