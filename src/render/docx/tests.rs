use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use super::*;
use crate::assets::Assets;
use crate::ir::sample::sample_document;

fn sample(profile: &str, rows: usize) -> Document {
    let profile = Assets::builtin()
        .profile(profile)
        .expect("built-in profile");
    sample_document(profile, rows)
}

fn render(doc: &Document) -> Vec<u8> {
    DocxRenderer::new(DocxOptions::default())
        .render(doc)
        .expect("renders")
        .bytes
}

fn parts(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("utf-8 part");
        out.insert(f.name().expect("name").into_owned(), s);
    }
    out
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn sample_renders_the_same_bytes_twice() {
    let doc = sample("gost-2025", 20);
    let a = render(&doc);
    let b = render(&doc);
    assert!(a.len() > 1000);
    assert_eq!(a, b, "same document, same bytes");
    // Also from another thread, where docx-rs's paragraph counter starts anew.
    let c = std::thread::spawn(move || render(&doc))
        .join()
        .expect("thread");
    assert_eq!(a, c);
}

#[test]
fn a_document_is_the_same_after_others_in_one_session() {
    // Shared parts are taken from what earlier documents left: a document
    // must not depend on them (other font, language, length before it).
    let renderer = DocxRenderer::new(DocxOptions::default());
    let last = sample("gost-2025", 20);
    let mut other_font = sample("gost-2025", 5);
    other_font.profile.font.docx_family = "PT Serif".into();
    let mut kazakh = sample("kz", 3);
    kazakh.meta.lang = ir::Lang::Kk;
    for earlier in [other_font, kazakh, sample("gost-2025", 60)] {
        renderer.render(&earlier).expect("renders");
    }
    let after_others = renderer.render(&last).expect("renders").bytes;
    assert_eq!(after_others, render(&last), "same bytes as rendered alone");
    let again = renderer.render(&last).expect("renders").bytes;
    assert_eq!(again, after_others);
}

#[test]
fn every_part_is_well_formed_xml() {
    let bytes = render(&sample("gost-2016", 20));
    let parts = parts(&bytes);
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/styles.xml",
        "word/numbering.xml",
        "docProps/core.xml",
    ] {
        assert!(parts.contains_key(name), "{name} missing");
    }
    for (name, xml) in &parts {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut depth = 0i64;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{name}: {e}"),
            }
        }
        assert_eq!(depth, 0, "{name} is balanced");
    }
}

#[test]
fn header_rows_repeat_and_rows_do_not_split() {
    let doc = sample("gost-2025", 20);
    let xml = &parts(&render(&doc))["word/document.xml"];
    assert_eq!(
        count(xml, "<w:tblHeader/>"),
        1,
        "one header row in the roadmap"
    );
    // The header row is the first row of the roadmap (the table with 5 columns).
    let roadmap = xml
        .split("<w:tbl>")
        .find(|t| count(t.split("</w:tblGrid>").next().unwrap_or(""), "<w:gridCol") == 5)
        .expect("roadmap table");
    let first_row = roadmap.split("</w:tr>").next().expect("a row");
    assert!(first_row.contains("<w:tblHeader/>"));
    assert!(first_row.contains("№ п/п"));
    assert!(count(roadmap, "<w:cantSplit/>") >= 22);
    assert!(roadmap.contains(r#"<w:tblLayout w:type="fixed"/>"#));
    assert!(roadmap.contains(r#"<w:vMerge w:val="restart"/>"#));
    assert!(roadmap.contains(r#"<w:vMerge w:val="continue"/>"#));
    assert!(roadmap.contains(r#"<w:gridSpan w:val="5"/>"#));
}

#[test]
fn clauses_are_real_numbering_equal_to_the_labels() {
    let doc = sample("gost-2025", 3);
    let parts = parts(&render(&doc));
    let numbering = &parts["word/numbering.xml"];
    assert!(numbering.contains(r#"<w:abstractNum w:abstractNumId="2""#));
    assert!(numbering.contains(r#"<w:lvlText w:val="%1."/>"#));
    assert!(numbering.contains(r#"<w:lvlText w:val="%1.%2."/>"#));
    assert!(numbering.contains(r#"<w:lvlText w:val="%1.%2.%3."/>"#));
    assert!(numbering.contains(r#"<w:suff w:val="space"/>"#));
    assert!(numbering.contains(r#"<w:num w:numId="2"><w:abstractNumId w:val="2"/>"#));
    let rels = &parts["word/_rels/document.xml.rels"];
    assert!(rels.contains("numbering.xml"));
    let xml = &parts["word/document.xml"];
    let levels: Vec<&str> = xml
        .split("<w:numPr>")
        .skip(1)
        .map(|s| {
            s.split("w:ilvl w:val=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .expect("ilvl")
        })
        .collect();
    assert_eq!(levels, ["0", "0", "1", "1"], "1., 2., 2.1., 2.2.");
    assert!(!xml.contains(">1. "), "numbers are not typed into the text");
}

#[test]
fn kazakh_letters_language_and_metadata() {
    let mut doc = sample("kz", 2);
    doc.meta.lang = ir::Lang::Kk;
    let parts = parts(&render(&doc));
    let xml = &parts["word/document.xml"];
    assert!(xml.contains("әғқңөұүһі ӘҒҚҢӨҰҮҺІ"));
    assert!(xml.contains("№\u{a0}1064-а"), "no-break spaces kept");
    assert!(parts["word/styles.xml"].contains(r#"<w:lang w:val="kk-KZ""#));
    assert!(parts["word/styles.xml"].contains(r#"w:ascii="Times New Roman""#));
    let core = &parts["docProps/core.xml"];
    assert!(
        core.contains("<dc:title>Об организации работы общеобразовательных организаций</dc:title>")
    );
    assert!(core.contains("<dc:creator>Министерство образования Приморского края</dc:creator>"));
    assert!(
        core.contains(">2022-09-26T00:00:00Z<"),
        "date of the document"
    );
}

#[test]
fn timestamp_option_and_draft_fallback() {
    let mut doc = sample("gost-2025", 1);
    let fixed = DocxRenderer::new(DocxOptions {
        timestamp: Some(1_700_000_000),
    })
    .render(&doc)
    .expect("renders");
    assert!(parts(&fixed.bytes)["docProps/core.xml"].contains(">2023-11-14T22:13:20Z<"));
    doc.meta.date = None;
    assert!(parts(&render(&doc))["docProps/core.xml"].contains(">1980-01-01T00:00:00Z<"));
}

#[test]
fn page_setup_and_page_numbers_from_page_two() {
    let doc = sample("gost-2025", 1);
    let parts = parts(&render(&doc));
    let xml = &parts["word/document.xml"];
    assert!(xml.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    assert!(xml.contains(r#"w:top="1134""#) && xml.contains(r#"w:left="1701""#));
    assert!(xml.contains(r#"w:right="567""#));
    assert!(xml.contains("<w:titlePg/>"));
    assert!(xml.contains(r#"w:type="first""#));
    let headers: Vec<&String> = parts
        .iter()
        .filter(|(k, _)| k.starts_with("word/header"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(headers.len(), 2);
    assert_eq!(headers.iter().filter(|h| h.contains("PAGE")).count(), 1);
    // Justified body with the first-line indent (12.5 mm).
    assert!(xml.contains(r#"<w:jc w:val="both"/>"#));
    assert!(xml.contains(r#"w:firstLine="709""#));
    assert!(!xml.contains("distribute") && !xml.contains(r#"w:val="justified""#));
}

#[test]
fn layout_adds_continuation_cells_and_pads_rows() {
    let c = |rowspan, colspan| ir::Cell {
        rowspan,
        colspan,
        ..ir::Cell::text(vec![Inline::plain("x")])
    };
    let rows = vec![
        ir::Row {
            cells: vec![c(3, 1), c(1, 1), c(2, 1)],
            cant_split: false,
        },
        ir::Row {
            cells: vec![c(1, 1)],
            cant_split: false,
        },
        ir::Row {
            cells: vec![c(1, 2)],
            cant_split: false,
        },
        ir::Row {
            cells: vec![c(1, 1)],
            cant_split: false,
        },
    ];
    let (slots, ncols) = layout_rows(&rows, 3);
    assert_eq!(ncols, 3);
    let kinds = |r: usize| -> Vec<(char, usize, usize)> {
        slots[r]
            .iter()
            .map(|s| {
                let k = match s.kind {
                    SlotKind::Cell(_) => 'c',
                    SlotKind::Continue => 'v',
                    SlotKind::Empty => 'e',
                };
                (k, s.col, s.span)
            })
            .collect()
    };
    assert_eq!(kinds(0), [('c', 0, 1), ('c', 1, 1), ('c', 2, 1)]);
    assert_eq!(kinds(1), [('v', 0, 1), ('c', 1, 1), ('v', 2, 1)]);
    assert_eq!(kinds(2), [('v', 0, 1), ('c', 1, 2)]);
    assert_eq!(kinds(3), [('c', 0, 1), ('e', 1, 2)]);
}

#[test]
fn grid_widths_fill_the_text_width() {
    let w = grid_widths(&[0.6, 3.0, 3.2, 1.6, 1.8], 5, 9638);
    assert_eq!(w.iter().sum::<i32>(), 9638);
    assert_eq!(w.len(), 5);
    let w = grid_widths(&[1.0], 3, 9000);
    assert_eq!(w, [3000, 3000, 3000]);
    let w = grid_widths(&[], 2, 9001);
    assert_eq!(w.iter().sum::<i32>(), 9001);
}

#[test]
fn text_labels_and_restarts_of_clauses() {
    let mut doc = sample("gost-2025", 1);
    let clause = |label: &str| ir::Clause {
        label: label.into(),
        runs: vec![Inline::plain("текст")],
        more: vec![],
        children: vec![],
    };
    doc.blocks = vec![
        Block::Clauses {
            items: vec![clause("1."), clause("2.")],
        },
        Block::Clauses {
            items: vec![clause("3."), clause("а)")],
        },
        Block::Clauses {
            items: vec![clause("1.")],
        },
    ];
    let parts = parts(&render(&doc));
    let xml = &parts["word/document.xml"];
    assert_eq!(count(xml, r#"<w:numId w:val="2"/>"#), 3);
    assert_eq!(count(xml, r#"<w:numId w:val="3"/>"#), 1);
    assert!(xml.contains(">а) </w:t>"));
    assert!(parts["word/numbering.xml"].contains(r#"<w:num w:numId="3">"#));
}

/// Every text the IR prints, in document order (labels and markers included).
fn ir_strings(doc: &Document) -> Vec<String> {
    // One string per paragraph: runs join without spaces («663а» + «,»).
    fn runs(out: &mut Vec<String>, runs: &[Inline]) {
        let mut s = String::new();
        for r in runs {
            match r {
                Inline::Text { text, .. } => s.push_str(text),
                Inline::Break => s.push('\n'),
            }
        }
        out.push(s);
    }
    fn items(out: &mut Vec<String>, marker: &str, items: &[ir::ListItem]) {
        for item in items {
            out.push(marker.to_owned());
            runs(out, &item.runs);
            items_(out, marker, &item.children);
        }
    }
    fn items_(out: &mut Vec<String>, marker: &str, list: &[ir::ListItem]) {
        items(out, marker, list)
    }
    fn clauses(out: &mut Vec<String>, list: &[ir::Clause]) {
        for c in list {
            out.push(c.label.clone());
            runs(out, &c.runs);
            for m in &c.more {
                runs(out, m);
            }
            clauses(out, &c.children);
        }
    }
    fn blocks(out: &mut Vec<String>, list: &[Block]) {
        for b in list {
            match b {
                Block::Paragraph(p) => runs(out, &p.runs),
                Block::Heading { runs: r, .. } => runs(out, r),
                Block::Clauses { items: c } => clauses(out, c),
                Block::List(l) => items(out, &l.marker, &l.items),
                Block::Table(t) => {
                    for row in &t.rows {
                        for cell in &row.cells {
                            blocks(out, &cell.blocks);
                        }
                    }
                }
                Block::Letterhead(l) => {
                    out.extend(l.body.iter().cloned());
                    out.extend([l.doc_type.clone(), l.date.clone(), l.place.clone()]);
                    out.push(l.number.clone());
                }
                Block::Stamp(s) => s.lines.iter().for_each(|l| runs(out, l)),
                Block::Signature(s) => {
                    out.extend(s.position.iter().cloned());
                    out.push(s.name.clone());
                }
                Block::Parties(p) => {
                    for party in &p.parties {
                        out.push(party.name.clone());
                        out.extend(party.lines.iter().cloned());
                        out.push(party.signer_position.clone());
                        out.push(party.signer_name.clone());
                    }
                }
                Block::Contents { title } => out.push(title.clone()),
                Block::PageBreak => {}
            }
        }
    }
    let mut out = Vec::new();
    blocks(&mut out, &doc.blocks);
    out
}

/// Words of a text, as `pdftotext` and Word's search see them.
fn words(texts: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for t in texts {
        for w in t.replace('\u{a0}', " ").split_whitespace() {
            *out.entry(w.to_owned()).or_default() += 1;
        }
    }
    out
}

#[test]
fn the_document_carries_every_word_of_the_ir() {
    let doc = sample("gost-2025", 5);
    let xml = &parts(&render(&doc))["word/document.xml"];
    // Text of each paragraph (runs joined), numbers from labels excluded.
    let mut texts = Vec::new();
    for p in xml.split("</w:p>") {
        let mut text = String::new();
        for piece in p.split("<w:t xml:space=\"preserve\">").skip(1) {
            text.push_str(piece.split("</w:t>").next().unwrap_or(""));
        }
        texts.push(
            text.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">"),
        );
    }
    let have = words(texts);
    let mut want = words(ir_strings(&doc));
    // Clause labels are Word numbering, not text.
    for label in ["1.", "2.", "2.1.", "2.2."] {
        let n = want.get_mut(label).expect("label");
        *n -= 1;
        if *n == 0 {
            want.remove(label);
        }
    }
    let heading = "Региональная дорожная карта по организации работы образовательных кластеров";
    for (w, n) in &want {
        let got = have.get(w).copied().unwrap_or(0);
        // The contents repeats the outlined heading.
        let extra = usize::from(heading.split(' ').any(|h| h == w));
        assert!(got >= *n, "{w}: {got} < {n}");
        assert!(got <= n + extra, "{w}: {got} > {n}");
    }
    for w in have.keys() {
        assert!(want.contains_key(w), "{w} is not in the IR");
    }
}

/// Odd but legal input: empty blocks, nested tables and lists, breaks in a
/// row, a table without columns, parties without parties.
fn odd_document() -> Document {
    let mut doc = sample("gost-2016", 1);
    doc.profile.page_numbers_from = 1;
    let p = |t: &str| {
        Block::Paragraph(ir::Paragraph {
            runs: vec![
                Inline::plain(t),
                Inline::Break,
                Inline::Text {
                    text: "курсив".into(),
                    bold: false,
                    italic: true,
                    spaced: false,
                    nobreak: false,
                },
            ],
            space_before: Some(5.0),
            keep_with_next: true,
            ..ir::Paragraph::default()
        })
    };
    let inner = ir::Table {
        columns: vec![],
        header_rows: 1,
        rows: vec![ir::Row {
            cells: vec![ir::Cell::text(vec![Inline::plain("вложенная")])],
            cant_split: false,
        }],
        font_size: Some(10.0),
        borders: true,
    };
    let item = |t: &str, children| ir::ListItem {
        runs: vec![Inline::plain(t)],
        children,
    };
    doc.blocks = vec![
        Block::PageBreak,
        Block::Contents {
            title: "Оглавление".into(),
        },
        Block::Heading {
            level: 1,
            runs: vec![Inline::bold("Раздел")],
            align: Align::Left,
            outlined: true,
        },
        Block::Heading {
            level: 3,
            runs: vec![Inline::plain("Подраздел")],
            align: Align::Justify,
            outlined: true,
        },
        p("Абзац"),
        Block::Clauses { items: vec![] },
        Block::List(ir::List {
            marker: String::new(),
            items: vec![item("без маркера", vec![item("вложенный", vec![])])],
        }),
        Block::PageBreak,
        Block::PageBreak,
        Block::Table(ir::Table {
            columns: vec![],
            header_rows: 3,
            rows: vec![
                ir::Row {
                    cells: vec![ir::Cell {
                        blocks: vec![Block::Table(inner), p("после")],
                        ..ir::Cell::text(vec![])
                    }],
                    cant_split: true,
                },
                ir::Row {
                    cells: vec![],
                    cant_split: false,
                },
            ],
            font_size: None,
            borders: false,
        }),
        Block::Table(ir::Table {
            columns: vec![1.0],
            header_rows: 0,
            rows: vec![],
            font_size: None,
            borders: true,
        }),
        Block::Parties(ir::Parties {
            columns: 0,
            parties: vec![],
        }),
        Block::Stamp(ir::Stamp {
            lines: vec![],
            width: 500.0,
        }),
        Block::Signature(ir::Signature {
            position: vec![],
            name: String::new(),
        }),
        Block::PageBreak,
    ];
    doc
}

#[test]
fn control_characters_are_dropped() {
    assert_eq!(xml_safe("a\u{1}b\u{b}c\td"), "abc\td");
    assert!(matches!(
        xml_safe("№\u{a0}1"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn odd_input_still_gives_a_valid_package() {
    let parts = parts(&render(&odd_document()));
    let xml = &parts["word/document.xml"];
    assert!(xml.contains("вложенная"));
    assert!(!xml.contains("<w:titlePg/>"), "numbers from page 1");
    assert_eq!(count(xml, "PAGEREF"), 2);
    assert_eq!(count(xml, "<w:bookmarkStart"), 2);
    for (name, part) in &parts {
        parse_check(name, part);
    }
}

fn parse_check(name: &str, xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

/// Writes the sample documents for inspection with real clients:
/// `DOCX_SAMPLE_DIR=dir cargo test --release --lib write_samples -- --ignored`.
#[test]
#[ignore]
fn write_samples() {
    let dir = std::env::var("DOCX_SAMPLE_DIR").expect("DOCX_SAMPLE_DIR");
    for (profile, rows) in [("gost-2025", 20), ("gost-2016", 3), ("kz", 5)] {
        let mut doc = sample(profile, rows);
        if profile == "kz" {
            doc.meta.lang = ir::Lang::Kk;
        }
        let path = std::path::Path::new(&dir).join(format!("sample-{profile}-{rows}.docx"));
        std::fs::write(&path, render(&doc)).expect("write");
        std::fs::write(path.with_extension("txt"), ir_strings(&doc).join("\n")).expect("write");
    }
    let path = std::path::Path::new(&dir).join("odd.docx");
    std::fs::write(&path, render(&odd_document())).expect("write");
}

/// Render time per document:
/// `cargo test --release --lib docx_render_time -- --ignored --nocapture`.
#[test]
#[ignore]
fn docx_render_time() {
    let doc = sample("gost-2025", 20);
    let renderer = DocxRenderer::new(DocxOptions::default());
    renderer.render(&doc).expect("warm-up");
    let n = 200;
    let start = std::time::Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += renderer.render(&doc).expect("renders").bytes.len();
    }
    let per_doc = start.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
    println!(
        "DOCX, sample with 20 rows: {per_doc:.2} ms/doc, {} bytes",
        bytes / n as usize
    );
}

/// Random text (any characters, line breaks included), escaped and parsed
/// like a template value, comes out of the DOCX as the document model's
/// text, less the characters XML cannot carry.
mod fuzz {
    use proptest::prelude::*;
    use quick_xml::events::Event;

    use super::{parts, render, sample, xml_safe};
    use crate::docmark::{escape, parse_docmark};
    use crate::ir::plain_text;

    fn flat(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The text of `w:t` elements, paragraphs on lines of their own.
    fn body_text(xml: &str) -> String {
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut out, mut in_text) = (String::new(), false);
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) if e.name().as_ref() == "w:t" => in_text = true,
                Event::End(e) if e.name().as_ref() == "w:t" => in_text = false,
                Event::End(e) if e.name().as_ref() == "w:p" => out.push('\n'),
                Event::Text(t) if in_text => out.push_str(&t),
                Event::GeneralRef(r) if in_text => {
                    let entity = format!("&{};", &*r);
                    out.push_str(&quick_xml::escape::unescape(&entity).unwrap());
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    proptest! {
        #![proptest_config(crate::fuzz::config(32))]

        #[test]
        fn escaped_text_comes_out_of_the_docx(value in "(?s).{1,60}") {
            let blocks = parse_docmark(&format!("{}\n", escape(&value)), &[]).unwrap();
            let want = flat(&xml_safe(&plain_text(&blocks)));
            let mut doc = sample("gost-2025", 1);
            doc.blocks = blocks;
            let xml = &parts(&render(&doc))["word/document.xml"];
            let text = flat(&body_text(xml));
            prop_assert!(text.contains(&want), "{value:?}: model «{want}», DOCX «{text}»");
        }
    }
}
