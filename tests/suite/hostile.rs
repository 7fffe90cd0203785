//! Hostile input: ids meant to escape the output folder, values that look
//! like code or markup of every layer text passes through (Typst, minijinja,
//! Markdown, XML), and template overrides that try to read files outside
//! the template set.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{fixtures, flat, problems, root, run, snapshot, stderr, tool};

/// A temporary folder with a copy of a fixture's records under `data/`.
fn workspace(fixture: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = fixtures().join(fixture);
    let from = if from.join("data").is_dir() {
        from.join("data")
    } else {
        from
    };
    std::fs::create_dir_all(tmp.path().join("data")).unwrap();
    for e in std::fs::read_dir(&from).unwrap().flatten() {
        std::fs::copy(e.path(), tmp.path().join("data").join(e.file_name())).unwrap();
    }
    tmp
}

/// No raw control or bidirectional characters reach the terminal.
fn assert_printable(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "raw characters {bad:?} printed:\n{text}");
}

/// Ids become file names (`order-<id>.pdf`); every id that is not a slug is
/// refused by `check` with its position, and `build` writes nothing at all —
/// not in the output folder, not beside it, not where the id points.
#[test]
fn ids_that_are_not_slugs_are_refused_and_nothing_is_written() {
    let escape = std::env::temp_dir().join(format!("clusterdoc-escape-{}", std::process::id()));
    let escape = escape.to_str().unwrap().to_owned();
    let long = "a".repeat(300);
    // As YAML double-quoted scalars (escapes for the control characters).
    let hostile = [
        "../../evil".to_owned(),
        "../out/evil".to_owned(),
        escape.clone(),
        "a/b".to_owned(),
        "evil\\0nul".to_owned(),
        "evil\\e[31mred".to_owned(),
        "evil\\nline".to_owned(),
        "evil\\u202Efdp.exe".to_owned(),
        long,
        ".hidden".to_owned(),
        "-dash".to_owned(),
        "Upper".to_owned(),
        "кириллица".to_owned(),
        String::new(),
    ];
    // The order id names the order's files; the cluster id names the passport's.
    let records = [
        ("order.yaml", "id: o-1", "21:9"),
        ("orgs.yaml", "id: ped", "8:7"),
    ];
    for id in &hostile {
        for (file, line, at) in records {
            let ws = workspace("mini");
            let path = ws.path().join("data").join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            let edited = text.replacen(line, &format!("id: \"{id}\""), 1);
            assert_ne!(text, edited);
            std::fs::write(&path, edited).unwrap();
            let before = snapshot(ws.path());
            let o = run(ws.path(), &["check"]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{id}: {err}");
            assert_printable(&err);
            let slug = problems(&err)
                .into_iter()
                .find(|(m, _)| m.contains("is not a slug"))
                .unwrap_or_else(|| panic!("{id} in {file}: no slug error:\n{err}"));
            assert_eq!(
                slug.1.as_deref(),
                Some(format!("data/{file}:{at}").as_str()),
                "{id}: {err}"
            );
            let o = run(ws.path(), &["build"]);
            assert_eq!(o.status.code(), Some(1), "{id}: {}", stderr(&o));
            assert_eq!(snapshot(ws.path()), before, "{id} in {file} wrote files");
            assert!(!ws.path().join("out").exists());
            assert!(!Path::new(&escape).exists() && !Path::new(&format!("{escape}.pdf")).exists());
        }
    }
}

/// A record file whose name carries control characters is named in
/// messages with those characters escaped.
#[test]
fn file_names_with_control_characters_are_printed_escaped() {
    let ws = workspace("mini");
    std::fs::write(
        ws.path().join("data/evil\x1b[31m\u{202e}.yaml"),
        "organization:\n  id: x\n  nmae: y\n",
    )
    .unwrap();
    let o = run(ws.path(), &["check"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_printable(&err);
    assert!(err.contains("evil\\u{1b}[31m\\u{202e}.yaml:3:3"), "{err}");
}

/// Text as compared: typography turns straight double quotes into « » (and
/// „ “ nested); everything else must come out exactly as written.
fn unquoted(text: &str) -> String {
    flat(&text.replace(['«', '»', '„', '“'], "\""))
}

/// Every string value of a YAML file, line breaks as spaces (a value's line
/// break becomes a space in the document).
fn values_of(yaml: &Path) -> Vec<String> {
    fn walk(v: &serde_yaml::Value, out: &mut Vec<String>) {
        match v {
            serde_yaml::Value::String(s) => out.push(flat(s)),
            serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| walk(i, out)),
            serde_yaml::Value::Mapping(m) => m.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let v: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(yaml).unwrap()).unwrap();
    let mut out = Vec::new();
    walk(&v, &mut out);
    out
}

/// Values that look like Typst (`#read("/etc/passwd")`, `#panic()`, `$x$`),
/// minijinja (`{{ 7*7 }}`, `{% include "x" %}`), Markdown (`*`, `#`, `|`,
/// `---`, `1.` at a line start) and XML (`<w:p>`, `&`, `&amp;`, `]]>`), in
/// names, titles, clauses, table cells and the letterhead, come out of the
/// PDF and the DOCX as the same text, and change nothing of the structure.
#[test]
fn values_that_look_like_code_come_out_as_text_in_pdf_and_docx() {
    let fixture = fixtures().join("hostile");
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let o = run(
        &fixture,
        &[
            "--data",
            "data",
            "--out",
            out_dir.to_str().unwrap(),
            "build",
            "--format",
            "pdf,docx,json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stem = out_dir.join("orders/order-hostile");

    // The structure is the template's alone: one title, 14 clauses, one
    // page break before the appendix, one table.
    let model: Value =
        serde_json::from_slice(&std::fs::read(stem.with_extension("json")).unwrap()).unwrap();
    let types: Vec<&str> = model["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "letterhead",
            "heading",
            "paragraph",
            "clauses",
            "signature",
            "page_break",
            "stamp",
            "heading",
            "table"
        ]
    );
    assert_eq!(model["blocks"][3]["items"].as_array().unwrap().len(), 14);

    let pdf = stem.with_extension("pdf");
    tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    // In content order: the reading-order mode would join «---» at a line
    // end with the next line, taking it for a hyphenated word.
    let pdf_text = unquoted(&tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]));

    let docx = stem.with_extension("docx");
    let probe = tool(
        "python3",
        &[
            root().join("tests/tools/docx_probe.py").to_str().unwrap(),
            docx.to_str().unwrap(),
        ],
    );
    let probe: Value = serde_json::from_str(&probe).unwrap();
    let docx_text = unquoted(
        &probe["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut xml = String::new();
    zip::ZipArchive::new(std::fs::File::open(&docx).unwrap())
        .unwrap()
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains("&lt;w:p&gt;&amp;amp;"),
        "XML in text is escaped"
    );

    let mut checked = 0;
    for file in ["order.yaml", "orgs.yaml", "issuer.yaml"] {
        for value in values_of(&fixture.join("data").join(file)) {
            // Ids, dates and kinds are not printed as written.
            if !value.chars().any(|c| "#{}<>&*|$@\\_`".contains(c)) && !value.contains("---") {
                continue;
            }
            let want = unquoted(&value);
            // A long letterhead, stamp or signature line may wrap (at a
            // space, or after a slash); a table cell does.
            let squeezed = |t: &str| t.split_whitespace().collect::<String>();
            let found = |text: &str| {
                text.contains(&want)
                    || flat(text).contains(&flat(&want))
                    || squeezed(text).contains(&squeezed(&want))
            };
            assert!(found(&pdf_text), "PDF lacks «{want}»:\n{pdf_text}");
            assert!(found(&docx_text), "DOCX lacks «{want}»:\n{docx_text}");
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} values checked");
    for text in [&pdf_text, &docx_text] {
        assert!(!text.contains("49"), "{{{{ 7*7 }}}} was evaluated");
        assert!(!text.contains("root:"), "a file was read");
    }
}

/// Builds the mini records with one template file overridden; returns the
/// exit code, standard error and whether an output folder appeared.
fn build_with_template(rel: &str, text: &str, link: Option<(&str, &Path)>) -> (i32, String, bool) {
    let ws = workspace("mini");
    let path = ws.path().join("templates").join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    if let Some((name, target)) = link {
        std::os::unix::fs::symlink(target, path.parent().unwrap().join(name)).unwrap();
    }
    let o = run(ws.path(), &["build"]);
    let made = ws.path().join("out").exists();
    (o.status.code().unwrap_or(-1), stderr(&o), made)
}

/// Typst's world is the template set's `typst/` folder and the document
/// data: absolute paths, `..`, symbolic links out and packages all fail
/// with an error at the line of the layout file.
#[test]
fn the_layout_cannot_read_outside_its_folder() {
    let passwd = Path::new("/etc/passwd");
    let profile = root().join("templates/profiles/gost-2025.yaml");
    let attempts: [(&str, Option<(&str, &Path)>); 8] = [
        ("#read(\"/etc/passwd\")", None),
        ("#read(\"../profiles/gost-2025.yaml\")", None),
        ("#read(\"../../Cargo.toml\")", None),
        ("#read(\"/../../../../etc/passwd\")", None),
        ("#image(\"/etc/passwd\")", None),
        ("#read(\"/passwd\")", Some(("passwd", passwd))),
        ("#read(\"/profile.yaml\")", Some(("profile.yaml", &profile))),
        ("#import \"@preview/cetz:0.2.2\": canvas", None),
    ];
    for (line, link) in attempts {
        let main =
            format!("#import \"/lib.typ\": render\n\n{line}\n#render(json(\"/data.json\"))\n");
        let (code, err, made) = build_with_template("typst/main.typ", &main, link);
        assert_eq!(code, 1, "{line}: {err}");
        let got = problems(&err);
        assert!(
            got.iter().any(|(_, at)| at
                .as_deref()
                .is_some_and(|a| a.starts_with("templates/typst/main.typ:3:"))),
            "{line}: the error points at the line: {err}"
        );
        assert!(!err.contains("root:x:0"), "{line} read /etc/passwd: {err}");
        assert!(!made, "{line}: an output folder appeared");
    }
    // The document data stays readable: the same layout works.
    let (code, err, made) = build_with_template(
        "typst/main.typ",
        "#import \"/lib.typ\": render\n#render(json(\"/data.json\"))\n",
        None,
    );
    assert_eq!((code, made), (0, true), "{err}");
}

/// Content templates can include only templates of the set's `documents/`
/// folder, by plain names; anything else is «template not found» at the line.
#[test]
fn templates_cannot_include_outside_their_folder() {
    let passwd = Path::new("/etc/passwd");
    let cargo = root().join("Cargo.toml");
    let original = std::fs::read_to_string(root().join("templates/documents/order.md.j2")).unwrap();
    let attempts: [(&str, Option<(&str, &Path)>); 7] = [
        ("{% include \"../../Cargo.toml\" %}", None),
        ("{% include \"/etc/passwd\" %}", None),
        ("{% include \"../profiles/gost-2025.yaml\" %}", None),
        ("{% include \"../../../../../../etc/passwd\" %}", None),
        ("{% import \"../typst/lib.typ\" as lib %}", None),
        (
            "{% include \"passwd.md.j2\" %}",
            Some(("passwd.md.j2", passwd)),
        ),
        (
            "{% include \"cargo.md.j2\" %}",
            Some(("cargo.md.j2", &cargo)),
        ),
    ];
    for (line, link) in attempts {
        let text = format!("{line}\n{original}");
        let (code, err, made) = build_with_template("documents/order.md.j2", &text, link);
        assert_eq!(code, 1, "{line}: {err}");
        let got = problems(&err);
        assert!(
            got.iter().any(|(m, at)| m.contains("template not found")
                && at
                    .as_deref()
                    .is_some_and(|a| a.starts_with("templates/documents/order.md.j2:1:"))),
            "{line}: {err}"
        );
        assert!(
            !err.contains("root:x:0") && !err.contains("[package]"),
            "{line}: {err}"
        );
        assert!(!made, "{line}: an output folder appeared");
    }
}

/// The output module refuses paths outside the output folder whatever the
/// plan asks (a last line of defence behind the slug check).
#[test]
fn stems_of_planned_documents_are_plain_relative_paths() {
    let out: PathBuf = crate::common::sample_out().to_path_buf();
    for rel in snapshot(&out).keys() {
        assert!(
            Path::new(rel)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "{rel}"
        );
        assert!(rel.is_ascii() && !rel.contains(".."), "{rel}");
    }
}
