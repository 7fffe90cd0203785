//! Loading and checking arbitrary bytes: whatever a record file holds,
//! `load` and `validate` report problems with a position, and never panic.

use proptest::prelude::*;

use crate::load::load_dataset;
use crate::validate::validate;

/// Loads and validates a data folder holding the sample's issuer and
/// organizations and `order.yaml` with these bytes, and prints every
/// problem: none of it may panic, and every problem names its file,
/// line and column.
fn load_and_report(order: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let mini = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    for f in ["issuer.yaml", "orgs.yaml"] {
        std::fs::copy(mini.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("order.yaml"), order).unwrap();
    let (dataset, mut problems) = load_dataset(dir.path());
    let (catalog, more) = validate(dataset, &["gost-2025".to_owned()]);
    problems.extend(more);
    for d in &problems {
        let text = d.render(&catalog.dataset.sources);
        let at = d.position(&catalog.dataset.sources);
        assert!(at.is_some(), "no position: {text}");
    }
}

/// Text made of YAML's structural pieces, record keys and words.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => prop::sample::select(vec![
            "orders:", "order:", "organizations:", "cluster:", "\n", "\n  ", "\n    ",
            "\n  - ", "- ", "id: ", "o-1", "issuer: minobr", "title: ", "clauses:",
            "signatory: shamonova", "number: ", "date: 01.02.2024", "date: 30.02.2024",
            "appendices:", "roadmap: rm", "participants: [ped]", "draft_of: o-1",
            "[", "]", "{", "}", ", ", ": ", "&a ", "*a", "<<: *a", "!!str ", "!!binary ",
            "\"", "'", "\t", "# ", "---\n", "...\n", "|\n", ">-\n", "? ", "\\", "%YAML 1.2\n",
            "\u{feff}", "\r\n", "~", "null", "123", "-1.5e3", "0x1F",
        ])
        .prop_map(str::to_owned),
        2 => "[a-zа-яё0-9 .-]{0,12}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

/// The sample order file with a few characters inserted, removed or replaced.
fn edited() -> impl Strategy<Value = String> {
    let base: Vec<char> = include_str!("../../tests/fixtures/mini/order.yaml")
        .chars()
        .collect();
    let ch = prop_oneof![
        prop::sample::select(" \n\t-:[]{}\"'#&*!|>?,%@`\\".chars().collect::<Vec<_>>()),
        any::<char>(),
    ];
    let edit = (any::<prop::sample::Index>(), 0u8..3, ch);
    prop::collection::vec(edit, 1..6).prop_map(move |edits| {
        let mut text = base.clone();
        for (at, op, c) in edits {
            let i = at.index(text.len() + 1);
            match op {
                0 => text.insert(i, c),
                1 if i < text.len() => {
                    text.remove(i);
                }
                _ if i < text.len() => text[i] = c,
                _ => {}
            }
        }
        text.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(crate::fuzz::config(200))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        load_and_report(&bytes);
    }

    #[test]
    fn random_ascii_never_panics(bytes in prop::collection::vec(0u8..128, 0..400)) {
        load_and_report(&bytes);
    }

    #[test]
    fn yaml_like_text_never_panics(text in yamlish()) {
        load_and_report(text.as_bytes());
    }

    #[test]
    fn edited_records_never_panic(text in edited()) {
        load_and_report(text.as_bytes());
    }
}
