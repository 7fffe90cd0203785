//! PDF renderer tests. Text and fonts are checked with poppler's `pdftotext`
//! and `pdffonts`, which CI installs.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::diag::Location;
use crate::ir::sample::sample_document;
use crate::ir::{Align, Block, Inline, Paragraph, Parties, Party};

const PROFILES: [&str; 3] = ["gost-2016", "gost-2025", "kz"];

fn sample(profile: &str, rows: usize) -> Document {
    sample_document(Assets::builtin().profile(profile).unwrap(), rows)
}

fn renderer(options: PdfOptions) -> PdfRenderer {
    PdfRenderer::new(&Assets::builtin(), options).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn render(r: &PdfRenderer, doc: &Document) -> Rendered {
    r.render(doc).unwrap_or_else(|d| panic!("{d:#?}"))
}

/// Runs a poppler tool on the PDF and returns its standard output.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed by this test: {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An asset set whose `typst/<name>` is `text`.
fn assets_with(dir: &Path, name: &str, text: &str) -> Assets {
    std::fs::create_dir_all(dir.join("typst")).unwrap();
    std::fs::write(dir.join("typst").join(name), text).unwrap();
    Assets::with_overrides(Some(dir)).unwrap()
}

fn builtin_lib() -> String {
    Assets::builtin()
        .text("typst/lib.typ")
        .unwrap()
        .0
        .to_owned()
}

#[test]
fn every_profile_renders_the_sample_deterministically() {
    let r = renderer(PdfOptions::default());
    for profile in PROFILES {
        let doc = sample(profile, 20);
        let (first, warnings) = r
            .render_with_warnings(&doc)
            .unwrap_or_else(|d| panic!("{d:#?}"));
        assert!(warnings.is_empty(), "{profile}: {warnings:#?}");
        assert!(first.bytes.starts_with(b"%PDF"), "{profile}");
        let pages = first.pages.unwrap();
        assert!(pages >= 2, "{profile}: {pages} pages");
        let info = poppler("pdfinfo", &first.bytes, &[]);
        let counted = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .map(str::trim);
        assert_eq!(
            counted,
            Some(pages.to_string().as_str()),
            "{profile}: {info}"
        );
        // Again, after the cache has been emptied, and with a fresh renderer.
        forget_layouts();
        assert!(
            render(&r, &doc).bytes == first.bytes,
            "{profile}: second render differs"
        );
        assert!(
            render(&renderer(PdfOptions::default()), &doc).bytes == first.bytes,
            "{profile}"
        );
    }
}

#[test]
fn text_is_extractable_with_quotes_kazakh_letters_and_spaced_words() {
    let r = renderer(PdfOptions::default());
    for profile in PROFILES {
        let pdf = render(&r, &sample(profile, 5)).bytes;
        let text = poppler("pdftotext", &pdf, &["-enc", "UTF-8"]);
        // poppler gives no-break spaces as plain ones.
        for needle in [
            "«кавычки»",
            "әғқңөұүһі ӘҒҚҢӨҰҮҺІ",
            "п р и к а з ы в а ю",
            "№ 1064-а",
            "Э. В. Шамонова",
        ] {
            assert!(text.contains(needle), "{profile}: no «{needle}» in\n{text}");
        }
        assert!(
            !text.contains('\u{ad}'),
            "{profile}: soft hyphens in the text"
        );
    }
}

#[test]
fn every_font_is_embedded() {
    let pdf = render(&renderer(PdfOptions::default()), &sample("gost-2025", 5)).bytes;
    let fonts = poppler("pdffonts", &pdf, &[]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        // name, type, encoding, emb, sub, uni, object, id
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(
            n >= 7 && cols[n - 5] == "yes",
            "not embedded: {row}\n{fonts}"
        );
        assert!(cols[0].contains("LiberationSerif"), "{row}");
    }
}

#[test]
fn pdfa_files_declare_their_part() {
    for (pdfa, part) in [(PdfA::A1b, "1"), (PdfA::A2b, "2"), (PdfA::A3b, "3")] {
        let r = renderer(PdfOptions {
            pdfa: Some(pdfa),
            timestamp: None,
        });
        let pdf = render(&r, &sample("gost-2025", 3)).bytes;
        let text = String::from_utf8_lossy(&pdf);
        let declared = text.contains(&format!("<pdfaid:part>{part}</pdfaid:part>"))
            || text.contains(&format!("pdfaid:part=\"{part}\""));
        assert!(declared, "{pdfa:?}: no pdfaid:part {part} in the XMP");
        assert!(text.contains("pdfaid:conformance"), "{pdfa:?}");
    }
}

#[test]
fn timestamp_sets_the_creation_date() {
    let doc = sample("gost-2025", 2);
    let dated = render(&renderer(PdfOptions::default()), &doc).bytes;
    assert!(String::from_utf8_lossy(&dated).contains("D:20220926000000"));
    // 2024-01-02 03:04:05 UTC
    let r = renderer(PdfOptions {
        pdfa: None,
        timestamp: Some(1_704_164_645),
    });
    let stamped = render(&r, &doc).bytes;
    assert!(String::from_utf8_lossy(&stamped).contains("D:20240102030405"));
    // A draft has no date of its own: the file is still reproducible.
    let mut draft = doc.clone();
    draft.meta.date = None;
    draft.meta.number = None;
    let plain = renderer(PdfOptions::default());
    let a = render(&plain, &draft).bytes;
    assert!(String::from_utf8_lossy(&a).contains("D:19800101000000"));
    assert!(a == render(&plain, &draft).bytes);
}

#[test]
fn renders_from_several_threads_at_once() {
    let r = renderer(PdfOptions::default());
    let docs: Vec<Document> = (0..6).map(|i| sample("gost-2025", 3 + i % 3)).collect();
    let alone: Vec<Vec<u8>> = docs.iter().map(|d| render(&r, d).bytes).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .iter()
            .map(|d| s.spawn(|| render(&r, d).bytes))
            .collect();
        for (h, expected) in handles.into_iter().zip(&alone) {
            assert!(h.join().unwrap() == *expected);
        }
    });
}

#[test]
fn user_text_is_printed_not_executed() {
    let mut doc = sample("gost-2025", 1);
    let nasty = "#panic(\"boom\") *звёзды* $x$ [скобки] \\ <метка> @ссылка // комментарий";
    doc.blocks.insert(
        2,
        Block::Paragraph(Paragraph {
            runs: vec![Inline::plain(nasty)],
            indent: true,
            ..Paragraph::default()
        }),
    );
    let pdf = render(&renderer(PdfOptions::default()), &doc).bytes;
    let text = poppler("pdftotext", &pdf, &["-enc", "UTF-8"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(nasty), "{text}");
}

#[test]
fn a_layout_error_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let lib = builtin_lib();
    let at = lib
        .lines()
        .position(|l| l.starts_with("#let letterhead("))
        .expect("lib.typ lays out letterheads");
    let mut lines: Vec<&str> = lib.lines().collect();
    lines.insert(at + 1, "  let broken = 1 + \"one\"");
    let assets = assets_with(dir.path(), "lib.typ", &lines.join("\n"));
    let r = PdfRenderer::new(&assets, PdfOptions::default()).unwrap();
    let d = r.render(&sample("gost-2025", 2)).unwrap_err();
    assert!(d.is_error());
    assert!(d.message.contains("cannot add"), "{d:#?}");
    match &d.location {
        Some(Location::Path {
            path, line, col, ..
        }) => {
            assert!(path.ends_with("typst/lib.typ"), "{path}");
            assert_eq!(*line, at + 2, "{d:#?}");
            assert_eq!(*col, 16, "{d:#?}");
        }
        other => panic!("no file position: {other:?}"),
    }
    // The call chain leads from the document to the failing line.
    assert!(d.notes.iter().any(|n| n.contains("letterhead")), "{d:#?}");
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let main = "// a comment\n#import \"/lib.typ\": render\n#render(json(\"/data.json\")\n";
    let assets = assets_with(dir.path(), "main.typ", main);
    let d = PdfRenderer::new(&assets, PdfOptions::default())
        .unwrap()
        .render(&sample("gost-2025", 2))
        .unwrap_err();
    match &d.location {
        Some(Location::Path { path, line, .. }) => {
            assert!(path.ends_with("typst/main.typ"), "{path}");
            assert_eq!(*line, 3, "{d:#?}");
        }
        other => panic!("no file position: {other:?}"),
    }
}

#[test]
fn templates_cannot_read_outside_the_layout_folder() {
    for (read, expect) in [
        ("read(\"/etc/passwd\")", "not found"),
        ("read(\"../../../../etc/passwd\")", ""),
        ("read(\"/profiles/gost-2025.yaml\")", "not found"),
        ("read(\"/typst/lib.typ\")", "not found"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let lib = format!("{}\n#let leak = {read}\n", builtin_lib());
        let assets = assets_with(dir.path(), "lib.typ", &lib);
        let r = PdfRenderer::new(&assets, PdfOptions::default()).unwrap();
        let d = r.render(&sample("gost-2025", 1)).unwrap_err();
        assert!(d.message.contains(expect), "{read}: {d:#?}");
        assert!(!d.message.contains("root:"), "{read}: {d:#?}");
        let Some(Location::Path { path, .. }) = &d.location else {
            panic!("{read}: no position: {d:#?}")
        };
        assert!(path.ends_with("typst/lib.typ"), "{path}");
    }
}

#[test]
fn packages_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let main = "#import \"@preview/example:0.1.0\": *\n#import \"/lib.typ\": render\n#render(json(\"/data.json\"))\n";
    let assets = assets_with(dir.path(), "main.typ", main);
    let d = PdfRenderer::new(&assets, PdfOptions::default())
        .unwrap()
        .render(&sample("gost-2025", 1))
        .unwrap_err();
    assert!(d.message.contains("packages are not available"), "{d:#?}");
}

#[test]
fn an_unembedded_font_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let assets = assets_with(dir.path(), "lib.typ", &builtin_lib());
    assert!(PdfRenderer::new(&assets, PdfOptions::default()).is_ok());
    let mut doc = sample("gost-2025", 1);
    doc.profile.font.pdf_family = "Times New Roman".into();
    let d = renderer(PdfOptions::default()).render(&doc).unwrap_err();
    assert!(d.message.contains("Times New Roman"), "{d:#?}");
    assert!(
        d.notes.iter().any(|n| n.contains("Liberation Serif")),
        "{d:#?}"
    );
}

/// A party block is one unit: its name and its signature are on one page.
#[test]
fn parties_are_never_split_across_pages() {
    for columns in [1, 2] {
        let mut doc = sample("gost-2025", 1);
        doc.blocks = vec![Block::Parties(Parties {
            columns,
            parties: (1..=40)
                .map(|i| Party {
                    name: format!("Сторона-{i:02} (полное наименование организации)"),
                    lines: (0..(i % 4 + 2))
                        .map(|k| format!("Реквизит {k}: ИНН 71070000{i:02}"))
                        .collect(),
                    signer_position: "Директор".into(),
                    signer_name: format!("Подписант-{i:02}"),
                })
                .collect(),
        })];
        let out = render(&renderer(PdfOptions::default()), &doc);
        let pages = out.pages.unwrap();
        assert!(pages >= 3, "{columns} columns: {pages} pages");
        let texts: Vec<String> = (1..=pages)
            .map(|p| {
                let n = p.to_string();
                poppler(
                    "pdftotext",
                    &out.bytes,
                    &["-enc", "UTF-8", "-f", &n, "-l", &n],
                )
            })
            .collect();
        for i in 1..=40 {
            let name = format!("Сторона-{i:02}");
            let sign = format!("Подписант-{i:02}");
            let on = |needle: &str| -> Vec<usize> {
                (0..pages).filter(|&p| texts[p].contains(needle)).collect()
            };
            let (a, b) = (on(&name), on(&sign));
            assert!(
                a.len() == 1 && a == b,
                "{columns} columns: party {i} on pages {a:?} and {b:?}"
            );
        }
    }
}

#[test]
fn clauses_reach_the_layout_as_data() {
    let json = serde_json::to_vec(&sample("gost-2025", 1)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let clauses = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "clauses")
        .unwrap();
    assert_eq!(clauses["items"][1]["children"][0]["label"], "2.1.");
}

/// Punctuation right after a no-break run («№ 663а,») never starts a line.
#[test]
fn no_line_starts_with_the_comma_after_a_nobreak_run() {
    let mut doc = sample("gost-2025", 1);
    doc.blocks = (0..60)
        .map(|k| {
            Block::Paragraph(Paragraph {
                runs: vec![
                    Inline::plain(format!(
                        "{}утвержденной приказом от 23.06.2022 (",
                        "слово ".repeat(k)
                    )),
                    Inline::nobreak("№\u{a0}663а"),
                    Inline::plain("), организации деятельности"),
                ],
                indent: true,
                ..Paragraph::default()
            })
        })
        .collect();
    let pdf = render(&renderer(PdfOptions::default()), &doc).bytes;
    let text = poppler("pdftotext", &pdf, &["-enc", "UTF-8"]);
    for line in text.lines() {
        assert!(
            !line.starts_with(')') && !line.starts_with(','),
            "a line starts with punctuation: {line}"
        );
        if line.contains("663а") {
            assert!(line.contains("(№ 663а),"), "{line}");
        }
    }
}

/// Right edges of the words on the pages (pdftotext -bbox), in mm.
fn word_right_edges(pdf: &[u8]) -> Vec<(String, f32)> {
    let html = poppler("pdftotext", pdf, &["-bbox", "-enc", "UTF-8"]);
    html.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("<word ")?;
            let x = rest
                .split("xMax=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse::<f32>()
                .ok()?;
            let word = rest.split('>').nth(1)?.split('<').next()?.to_owned();
            Some((word, x * 25.4 / 72.0))
        })
        .collect()
}

/// No word sticks out of the text area, not even a long bold word in a
/// column the template made too narrow.
#[test]
fn nothing_sticks_out_of_the_text_area() {
    let r = renderer(PdfOptions::default());
    for profile in PROFILES {
        let mut doc = sample(profile, 3);
        if let Some(Block::Table(t)) = doc.blocks.iter_mut().find(|b| matches!(b, Block::Table(_)))
        {
            // A column far too narrow for «Ответственные» in bold.
            t.columns = vec![0.6, 3.0, 3.2, 1.6, 0.9];
        }
        // Columns are fitted to their longest word before layout.
        crate::ir::fit::fit_tables(&mut doc);
        let pdf = render(&r, &doc).bytes;
        let right = doc.profile.page.width - doc.profile.margins.right;
        let edges = word_right_edges(&pdf);
        assert!(edges.iter().any(|(w, _)| w == "Ответственные"), "{profile}");
        for (word, x) in edges {
            assert!(
                x <= right + 0.2,
                "{profile}: «{word}» ends at {x:.1} mm, the text area at {right} mm"
            );
        }
    }
}

/// Degenerate blocks lay out without errors or warnings.
#[test]
fn empty_and_unusual_blocks_lay_out() {
    use crate::ir::{Align, Cell, Clause, List, ListItem, Row, Signature, Stamp, Table};
    let mut doc = sample("kz", 1);
    let empty_cell = Cell {
        blocks: vec![],
        colspan: 1,
        rowspan: 1,
        bold: false,
    };
    doc.blocks = vec![
        Block::Paragraph(Paragraph::default()),
        Block::Paragraph(Paragraph {
            runs: vec![Inline::plain("Ұзақ "), Inline::Break, Inline::bold("жол")],
            align: Align::Right,
            indent: true,
            keep_with_next: true,
            space_before: Some(10.0),
        }),
        Block::Heading {
            level: 7,
            runs: vec![Inline::plain("Терең тақырып")],
            align: Align::Justify,
            outlined: true,
        },
        Block::Clauses { items: vec![] },
        Block::Clauses {
            items: vec![Clause {
                label: "1.".into(),
                runs: vec![],
                more: vec![vec![]],
                children: vec![],
            }],
        },
        Block::List(List {
            marker: String::new(),
            items: vec![ListItem {
                runs: vec![Inline::plain("без маркера")],
                children: vec![ListItem {
                    runs: vec![Inline::plain("вложенный")],
                    children: vec![],
                }],
            }],
        }),
        Block::Table(Table {
            columns: vec![1.0, 2.0],
            header_rows: 0,
            rows: vec![],
            font_size: Some(10.0),
            borders: false,
        }),
        Block::Table(Table {
            columns: vec![1.0],
            header_rows: 2,
            rows: vec![Row {
                cells: vec![empty_cell.clone()],
                cant_split: false,
            }],
            font_size: None,
            borders: true,
        }),
        Block::Table(Table {
            columns: vec![1.0, 1.0],
            header_rows: 0,
            rows: vec![Row {
                cells: vec![Cell {
                    blocks: vec![Block::Table(Table {
                        columns: vec![1.0, 1.0],
                        header_rows: 0,
                        rows: vec![Row {
                            cells: vec![empty_cell.clone(), empty_cell.clone()],
                            cant_split: true,
                        }],
                        font_size: None,
                        borders: true,
                    })],
                    ..empty_cell.clone()
                }],
                cant_split: false,
            }],
            font_size: None,
            borders: true,
        }),
        Block::Stamp(Stamp {
            lines: vec![],
            width: 60.0,
        }),
        Block::Signature(Signature {
            position: vec![],
            name: String::new(),
        }),
        Block::Parties(Parties {
            columns: 0,
            parties: vec![],
        }),
        Block::Parties(Parties {
            columns: 3,
            parties: vec![Party {
                name: "Жалғыз тарап".into(),
                lines: vec![],
                signer_position: String::new(),
                signer_name: String::new(),
            }],
        }),
        Block::Contents {
            title: String::new(),
        },
        Block::PageBreak,
        Block::PageBreak,
    ];
    let (out, warnings) = renderer(PdfOptions::default())
        .render_with_warnings(&doc)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(warnings.is_empty(), "{warnings:#?}");
    let text = poppler("pdftotext", &out.bytes, &["-enc", "UTF-8"]);
    for needle in [
        "Ұзақ",
        "жол",
        "Терең тақырып",
        "без маркера",
        "вложенный",
        "Жалғыз тарап",
    ] {
        assert!(text.contains(needle), "no «{needle}» in\n{text}");
    }
}

/// Top of the first occurrence of a word on page 1 (pdftotext -bbox), in pt.
fn word_top(pdf: &[u8], word: &str) -> f32 {
    let html = poppler(
        "pdftotext",
        pdf,
        &["-bbox", "-enc", "UTF-8", "-f", "1", "-l", "1"],
    );
    html.lines()
        .find(|l| l.trim_end().ends_with(&format!(">{word}</word>")))
        .and_then(|l| l.split("yMin=\"").nth(1)?.split('"').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no «{word}» on page 1"))
}

/// Single spacing is Word's (1.15 em for Times metrics), scaled by the profile.
#[test]
fn line_pitch_follows_the_profile() {
    let r = renderer(PdfOptions::default());
    for spacing in [1.0, 1.5] {
        let mut doc = sample("gost-2025", 1);
        doc.profile.line_spacing = spacing;
        let pdf = render(&r, &doc).bytes;
        // Clauses 1 and 2 are consecutive one-line paragraphs.
        let pitch = word_top(&pdf, "Руководителям") - word_top(&pdf, "Утвердить");
        let expected = doc.profile.font.size * 1.15 * spacing;
        assert!(
            (pitch - expected).abs() < 0.1,
            "spacing {spacing}: {pitch} pt, expected {expected}"
        );
    }
}

/// Centred headings are centred (the document title, section headings).
#[test]
fn centred_headings_are_centred() {
    let r = renderer(PdfOptions::default());
    let mut doc = sample("gost-2025", 1);
    doc.blocks = vec![Block::Heading {
        level: 1,
        runs: vec![Inline::plain("СОГЛАШЕНИЕ")],
        align: Align::Center,
        outlined: false,
    }];
    let pdf = render(&r, &doc).bytes;
    let (_, right) = word_right_edges(&pdf)
        .into_iter()
        .find(|(w, _)| w == "СОГЛАШЕНИЕ")
        .unwrap();
    // The text area is 30–200 mm: a centred word ends well right of 115 mm.
    assert!(right > 125.0, "ends at {right} mm");
}

/// Random text (letters the embedded fonts have, ASCII punctuation, line
/// breaks), escaped and parsed like a template value, comes out of the PDF
/// as the document model's text. Few cases: each is a Typst run and a
/// `pdftotext`.
mod fuzz {
    use proptest::prelude::*;

    use super::{poppler, renderer, sample};
    use crate::docmark::{escape, parse_docmark};
    use crate::ir::plain_text;
    use crate::render::Renderer;
    use crate::render::pdf::PdfOptions;

    fn flat(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    proptest! {
        #![proptest_config(crate::fuzz::config(32))]

        #[test]
        fn escaped_text_comes_out_of_the_pdf(
            value in "[a-zA-Zа-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ0-9 \n!-/:-@\\[-`{-~«»№–—…]{1,40}"
        ) {
            let blocks = parse_docmark(&format!("{}\n", escape(&value)), &[]).unwrap();
            let want = flat(&plain_text(&blocks));
            let mut doc = sample("gost-2025", 1);
            doc.blocks = blocks;
            let pdf = renderer(PdfOptions::default()).render(&doc).unwrap().bytes;
            let text = flat(&poppler("pdftotext", &pdf, &["-raw", "-enc", "UTF-8"]));
            prop_assert!(text.contains(&want), "{value:?}: model «{want}», PDF «{text}»");
        }
    }
}
