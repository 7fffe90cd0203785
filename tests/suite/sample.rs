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

#[test]
fn dumped_templates_override_the_built_in_ones_file_by_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("templates");
    let o = run(&root(), &["templates", "--dump", dump.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in [
        "documents/order.md.j2",
        "typst/lib.typ",
        "typst/main.typ",
        "profiles/gost-2025.yaml",
    ] {
        assert!(dump.join(f).exists(), "{f} dumped");
    }
    // Keep only the order template, changed: the rest stays built in.
    let order = std::fs::read_to_string(dump.join("documents/order.md.j2")).unwrap();
    std::fs::remove_dir_all(&dump).unwrap();
    std::fs::create_dir_all(dump.join("documents")).unwrap();
    std::fs::write(
        dump.join("documents/order.md.j2"),
        order.replace(
            "{{ signature(",
            "Исполнитель: отдел общего образования.\n\n{{ signature(",
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = run(
        &root(),
        &[
            "--templates",
            dump.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "build",
            "data/primorsky/orders/1064-a-draft.yaml",
            "--format",
            "pdf",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = crate::common::pdftotext(&out.join("orders/order-1064-a-draft.pdf"));
    assert!(
        text.contains("Исполнитель: отдел общего образования."),
        "{text}"
    );
    assert!(
        text.contains("МИНИСТЕРСТВО ОБРАЗОВАНИЯ"),
        "the built-in layout still applies"
    );
}
