//! The shipped sample data: it checks clean and yields every document kind.

use crate::common::{root, run, stderr, stdout};

#[test]
fn sample_data_checks_clean_with_a_summary() {
    let out = run(&root(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("data: "), "{text}");
    for kind in [
        "organizations",
        "issuers",
        "clusters",
        "agreements",
        "roadmaps",
        "orders",
        "documents",
    ] {
        assert!(text.contains(kind), "{text}");
    }
    assert_eq!(text.lines().count(), 1, "one summary line: {text}");
}

#[test]
fn bad_command_line_exits_with_2() {
    let out = run(&root(), &["build", "--format", "odt"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(&root(), &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
