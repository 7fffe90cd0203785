//! One pass over the parts docx-rs builds, fixing what docx-rs lacks or
//! writes wrongly, and the package written from them:
//!
//! - `w:tblHeader` on table header rows (docx-rs has no setter);
//! - children of property elements (`w:pPr`, `w:rPr`, `w:tblPr`, `w:tcPr`,
//!   `w:sectPr`, `w:lvl`, …) put into the order the OOXML schema requires;
//! - the document language in the default run properties;
//! - core properties (title, creator, dates; docx-rs has no title setter);
//! - `w14:paraId`s renumbered from a fixed start, the shared parts' first
//!   (docx-rs counts per thread, so the same document got other ids on a
//!   second render), custom properties sorted by name (docx-rs keeps them in
//!   a hash map);
//! - a theme part (Word expects one; its fonts are the document's), and
//!   no empty parts nothing refers to (docx-rs always writes comments and
//!   footnotes);
//! - zipped with deflate, entries in a fixed order with fixed timestamps;
//!   every part but the document's text and properties is fixed and
//!   deflated once a session and then copied ([`super::shared_parts`]).
//!
//! A `word/` part is copied through as docx-rs wrote it, in one streaming
//! pass (`stream.rs`) that makes its fixes on the way, with the schema's
//! order of children from `schema.rs`. The few parts a fix needs whole —
//! the styles (default language), custom properties, relationships and
//! content types — are parsed into a small tree of raw (still escaped)
//! strings (`xml.rs`), so text and attribute values are written back
//! exactly as docx-rs wrote them; the fixes of a tree are in `fixes.rs`.

mod fixes;
mod schema;
mod stream;
mod xml;

use std::fmt;
use std::io::{Cursor, Write};
use std::sync::Arc;

use self::fixes::{set_default_lang, sort_custom_properties};
use self::xml::{Element, Node, parse, serialize};
use super::shared_parts::{Entry, SharedParts, entry_options};

/// What the renderer knows and the package needs.
#[derive(Debug, Clone)]
pub struct Fixes<'a> {
    /// BCP 47 tag: `ru-RU`, `kk-KZ`.
    pub lang: &'a str,
    /// The document's font family, also the theme's fonts.
    pub font: &'a str,
    pub title: &'a str,
    pub creator: &'a str,
    /// Creation and modification time, unix seconds.
    pub timestamp: i64,
    /// Header rows of each table of `word/document.xml`, in document order
    /// (a nested table comes right after the table that holds it).
    pub header_rows: &'a [usize],
}

#[derive(Debug)]
pub enum Error {
    Zip(zip::result::ZipError),
    Io(std::io::Error),
    Xml {
        part: String,
        message: String,
    },
    /// The renderer's table list and the document disagree.
    Tables {
        expected: usize,
        found: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Zip(e) => write!(f, "ZIP: {e}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::Xml { part, message } => write!(f, "{part}: {message}"),
            Error::Tables { expected, found } => write!(
                f,
                "word/document.xml has {found} tables, the renderer made {expected}"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<zip::result::ZipError> for Error {
    fn from(e: zip::result::ZipError) -> Self {
        Error::Zip(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Fixes the parts docx-rs built (named as in the package) and writes the
/// package; parts met before in this session come from `shared`.
pub fn postprocess(
    mut parts: Vec<(String, Vec<u8>)>,
    fixes: &Fixes,
    shared: &SharedParts,
) -> Result<Vec<u8>, Error> {
    complete_package(&mut parts, fixes.font)?;
    parts.sort_by(|a, b| part_order(&a.0).cmp(&part_order(&b.0)));

    // Paragraph ids are given out in the shared parts first, so that theirs
    // do not depend on the length of the document.
    let mut para_ids = 0u32;
    let mut entries: Vec<Option<Arc<Entry>>> = vec![None; parts.len()];
    for (i, (name, bytes)) in parts.iter().enumerate() {
        if !own_part(name) {
            let entry = shared.entry(name, bytes, fixes.lang, para_ids, || {
                let mut next = para_ids;
                let fixed = fix_part(name, bytes, fixes, &mut next)?;
                Ok((fixed.unwrap_or_else(|| bytes.clone()), next))
            })?;
            para_ids = entry.next_para_id();
            entries[i] = Some(entry);
        }
    }
    for (name, bytes) in parts.iter_mut().filter(|(name, _)| own_part(name)) {
        if let Some(fixed) = fix_part(name, bytes, fixes, &mut para_ids)? {
            *bytes = fixed;
        }
    }
    write_zip(&parts, &entries, fixes.timestamp)
}

/// The parts made for each document alone: its text and its properties.
fn own_part(name: &str) -> bool {
    matches!(name, "word/document.xml" | "docProps/core.xml")
}

/// `[Content_Types].xml` first (some readers sniff it), then the package
/// relationships, properties, the main part, and the rest by name.
fn part_order(name: &str) -> (u8, &str) {
    let rank = match name {
        "[Content_Types].xml" => 0,
        "_rels/.rels" => 1,
        n if n.starts_with("docProps/") => 2,
        "word/document.xml" => 3,
        "word/_rels/document.xml.rels" => 4,
        _ => 5,
    };
    (rank, name)
}

const THEME_PART: &str = "word/theme/theme1.xml";
const THEME_TYPE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme";
const THEME_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.theme+xml";

/// Adds the theme and drops `word/*.xml` parts that no relationship names.
fn complete_package(parts: &mut Vec<(String, Vec<u8>)>, font: &str) -> Result<(), Error> {
    // The two parts are copied out: their trees borrow from the copies
    // while the package's list of parts changes.
    let text = |name: &str| -> Result<Option<String>, Error> {
        let Some((_, bytes)) = parts.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        String::from_utf8(bytes.clone())
            .map(Some)
            .map_err(|e| Error::Xml {
                part: name.to_owned(),
                message: e.to_string(),
            })
    };
    const RELS: &str = "word/_rels/document.xml.rels";
    const TYPES: &str = "[Content_Types].xml";
    let (Some(rels_xml), Some(types_xml)) = (text(RELS)?, text(TYPES)?) else {
        return Ok(());
    };
    let tree = |name: &str, xml| {
        parse(xml).map_err(|message| Error::Xml {
            part: name.to_owned(),
            message,
        })
    };
    let (mut rels, mut types) = (tree(RELS, &rels_xml)?, tree(TYPES, &types_xml)?);
    let has_theme = parts.iter().any(|(n, _)| n == THEME_PART);
    if !has_theme {
        parts.push((THEME_PART.to_owned(), theme_xml(font).into_bytes()));
        if let Some(root) = root_mut(&mut rels) {
            let mut rel = Element::new("Relationship");
            rel.set_attr("Id", "rIdTheme1");
            rel.set_attr("Type", THEME_TYPE);
            rel.set_attr("Target", "theme/theme1.xml");
            root.children.push(Node::Element(rel));
        }
        if let Some(root) = root_mut(&mut types) {
            let mut over = Element::new("Override");
            over.set_attr("PartName", &format!("/{THEME_PART}"));
            over.set_attr("ContentType", THEME_CONTENT_TYPE);
            root.children.push(Node::Element(over));
        }
    }
    // Parts directly in word/ that the main part does not refer to.
    let targets: Vec<String> = root_mut(&mut rels)
        .map(|r| {
            r.elements_mut()
                .filter_map(|e| e.attr("Target").map(|t| format!("word/{t}")))
                .collect()
        })
        .unwrap_or_default();
    let orphan = |name: &str| {
        name.starts_with("word/")
            && name.ends_with(".xml")
            && !name["word/".len()..].contains('/')
            && name != "word/document.xml"
            && !targets.iter().any(|t| t == name)
    };
    let dropped: Vec<String> = parts
        .iter()
        .filter(|(n, _)| orphan(n))
        .map(|(n, _)| format!("/{n}"))
        .collect();
    parts.retain(|(n, _)| !orphan(n));
    if let Some(root) = root_mut(&mut types) {
        root.children.retain(|n| {
            !matches!(n, Node::Element(e) if e.attr("PartName").is_some_and(|p| dropped.iter().any(|d| d == p)))
        });
    }
    for (name, nodes) in [(RELS, &rels), (TYPES, &types)] {
        if let Some(part) = parts.iter_mut().find(|(n, _)| n == name) {
            part.1 = serialize(nodes).into_bytes();
        }
    }
    Ok(())
}

fn root_mut<'n, 'a>(nodes: &'n mut [Node<'a>]) -> Option<&'n mut Element<'a>> {
    nodes.iter_mut().find_map(|n| match n {
        Node::Element(e) => Some(e),
        _ => None,
    })
}

/// The smallest theme the schema accepts, with the document's font as both
/// theme fonts so that nothing falls back to Calibri or Cambria.
fn theme_xml(font: &str) -> String {
    let font = quick_xml::escape::escape(font);
    let solid = r#"<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>"#;
    let line = format!(r#"<a:ln w="6350">{solid}</a:ln>"#);
    let effect = "<a:effectStyle><a:effectLst/></a:effectStyle>";
    let colors = [
        ("dk1", r#"<a:sysClr val="windowText" lastClr="000000"/>"#),
        ("lt1", r#"<a:sysClr val="window" lastClr="FFFFFF"/>"#),
        ("dk2", r#"<a:srgbClr val="1F1F1F"/>"#),
        ("lt2", r#"<a:srgbClr val="E7E6E6"/>"#),
        ("accent1", r#"<a:srgbClr val="4472C4"/>"#),
        ("accent2", r#"<a:srgbClr val="ED7D31"/>"#),
        ("accent3", r#"<a:srgbClr val="A5A5A5"/>"#),
        ("accent4", r#"<a:srgbClr val="FFC000"/>"#),
        ("accent5", r#"<a:srgbClr val="5B9BD5"/>"#),
        ("accent6", r#"<a:srgbClr val="70AD47"/>"#),
        ("hlink", r#"<a:srgbClr val="0563C1"/>"#),
        ("folHlink", r#"<a:srgbClr val="954F72"/>"#),
    ]
    .iter()
    .map(|(k, v)| format!("<a:{k}>{v}</a:{k}>"))
    .collect::<String>();
    let fonts = format!(r#"<a:latin typeface="{font}"/><a:ea typeface=""/><a:cs typeface=""/>"#);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="clusterdoc">"#,
            r#"<a:themeElements><a:clrScheme name="clusterdoc">{colors}</a:clrScheme>"#,
            r#"<a:fontScheme name="clusterdoc"><a:majorFont>{fonts}</a:majorFont><a:minorFont>{fonts}</a:minorFont></a:fontScheme>"#,
            r#"<a:fmtScheme name="clusterdoc"><a:fillStyleLst>{s}{s}{s}</a:fillStyleLst>"#,
            r#"<a:lnStyleLst>{l}{l}{l}</a:lnStyleLst><a:effectStyleLst>{e}{e}{e}</a:effectStyleLst>"#,
            r#"<a:bgFillStyleLst>{s}{s}{s}</a:bgFillStyleLst></a:fmtScheme></a:themeElements>"#,
            r#"<a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"#
        ),
        colors = colors,
        fonts = fonts,
        s = solid,
        l = line,
        e = effect,
    )
}

fn fix_part(
    name: &str,
    bytes: &[u8],
    fixes: &Fixes,
    para_ids: &mut u32,
) -> Result<Option<Vec<u8>>, Error> {
    let xml_err = |message: String| Error::Xml {
        part: name.to_owned(),
        message,
    };
    if name == "docProps/core.xml" {
        return Ok(Some(core_xml(fixes).into_bytes()));
    }
    let is_word_xml = name.starts_with("word/") && name.ends_with(".xml");
    if !is_word_xml && name != "docProps/custom.xml" {
        return Ok(None);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| xml_err(e.to_string()))?;
    if name == "docProps/custom.xml" {
        let mut nodes = parse(text).map_err(xml_err)?;
        sort_custom_properties(&mut nodes);
        return Ok(Some(serialize(&nodes).into_bytes()));
    }
    // The default language goes into the styles' tree first, once per
    // session; the pass then orders it with the rest.
    let styles;
    let text = if name == "word/styles.xml" {
        let mut nodes = parse(text).map_err(xml_err)?;
        set_default_lang(&mut nodes, fixes.lang);
        styles = serialize(&nodes);
        &styles
    } else {
        text
    };
    let body = (name == "word/document.xml").then_some(stream::Body {
        header_rows: fixes.header_rows,
    });
    let fixed = stream::rewrite(name, text, body.as_ref(), para_ids)?;
    Ok(Some(fixed.into_bytes()))
}

fn write_zip(
    parts: &[(String, Vec<u8>)],
    shared: &[Option<Arc<Entry>>],
    timestamp: i64,
) -> Result<Vec<u8>, Error> {
    let time = zip_time(timestamp);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for ((name, bytes), entry) in parts.iter().zip(shared) {
        match entry {
            Some(entry) => entry.copy_into(&mut zip, time)?,
            None => {
                zip.start_file(name.as_str(), entry_options(time))?;
                zip.write_all(bytes)?;
            }
        }
    }
    Ok(zip.finish()?.into_inner())
}

/// ZIP keeps local time without a zone, 1980–2107; the UTC time is stored.
fn zip_time(timestamp: i64) -> zip::DateTime {
    let t = time::OffsetDateTime::from_unix_timestamp(timestamp)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or_default()
}

/// A time as W3CDTF in UTC (`2022-09-26T00:00:00Z`), as OOXML properties
/// write it.
pub(super) fn w3cdtf(timestamp: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(timestamp)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// docx-rs cannot set the title, language or creator; write the part whole.
fn core_xml(fixes: &Fixes) -> String {
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let when = w3cdtf(fixes.timestamp);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title>",
            "<dc:creator>{creator}</dc:creator>",
            "<cp:lastModifiedBy>{creator}</cp:lastModifiedBy>",
            "<cp:revision>1</cp:revision>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>"#,
            "<dc:language>{lang}</dc:language>",
            "</cp:coreProperties>"
        ),
        title = esc(fixes.title),
        creator = esc(fixes.creator),
        when = when,
        lang = esc(fixes.lang),
    )
}

#[cfg(test)]
mod tests {
    use super::xml::parse;
    use super::*;

    #[test]
    fn theme_is_added_and_orphan_parts_dropped() {
        let rels = r#"<Relationships xmlns="r"><Relationship Id="rId1" Type="t" Target="styles.xml"/></Relationships>"#;
        let types = r#"<Types xmlns="c"><Override PartName="/word/styles.xml" ContentType="s"/><Override PartName="/word/comments.xml" ContentType="k"/></Types>"#;
        let mut parts: Vec<(String, Vec<u8>)> = [
            ("[Content_Types].xml", types),
            ("word/_rels/document.xml.rels", rels),
            ("word/document.xml", "<w:document/>"),
            ("word/styles.xml", "<w:styles/>"),
            ("word/comments.xml", "<w:comments/>"),
            ("word/footnotes.xml", "<w:footnotes/>"),
        ]
        .iter()
        .map(|(n, b)| (n.to_string(), b.as_bytes().to_vec()))
        .collect();
        complete_package(&mut parts, "Times New Roman").expect("completes");
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "[Content_Types].xml",
                "word/_rels/document.xml.rels",
                "word/document.xml",
                "word/styles.xml",
                "word/theme/theme1.xml"
            ]
        );
        let get = |n: &str| {
            String::from_utf8(parts.iter().find(|p| p.0 == n).unwrap().1.clone()).unwrap()
        };
        assert!(
            get("[Content_Types].xml").contains(r#"<Override PartName="/word/theme/theme1.xml""#)
        );
        assert!(!get("[Content_Types].xml").contains("comments"));
        assert!(get("word/_rels/document.xml.rels").contains(r#"Target="theme/theme1.xml""#));
        let theme = get("word/theme/theme1.xml");
        assert!(theme.contains(r#"<a:latin typeface="Times New Roman"/>"#));
        parse(&theme).expect("well-formed theme");
    }

    #[test]
    fn core_properties_carry_title_creator_language_and_fixed_dates() {
        let fixes = Fixes {
            lang: "ru-RU",
            font: "Times New Roman",
            title: "Об «A & B»",
            creator: "Министерство",
            timestamp: 1_664_150_400,
            header_rows: &[],
        };
        let xml = core_xml(&fixes);
        assert!(xml.contains("<dc:title>Об «A &amp; B»</dc:title>"));
        assert!(xml.contains("<dc:creator>Министерство</dc:creator>"));
        assert!(xml.contains("<dc:language>ru-RU</dc:language>"));
        assert!(xml.contains(">2022-09-26T00:00:00Z</dcterms:created>"));
        parse(&xml).expect("well-formed");
    }

    #[test]
    fn zip_is_deflated_ordered_and_repeatable() {
        let parts: Vec<(String, Vec<u8>)> = [
            ("word/document.xml", "<w:document><w:body/></w:document>"),
            ("docProps/core.xml", "<x/>"),
            ("[Content_Types].xml", "<Types/>"),
        ]
        .iter()
        .map(|(name, body)| (name.to_string(), body.repeat(20).into_bytes()))
        .collect();
        let fixes = Fixes {
            lang: "ru-RU",
            font: "Times New Roman",
            title: "T",
            creator: "C",
            timestamp: 1_664_150_400,
            header_rows: &[],
        };
        let a = postprocess(parts.clone(), &fixes, &SharedParts::default()).expect("fixed");
        let b = postprocess(parts, &fixes, &SharedParts::default()).expect("fixed");
        assert_eq!(a, b);
        let mut archive = zip::ZipArchive::new(Cursor::new(&a)).expect("reads");
        let names: Vec<String> = (0..archive.len())
            .map(|i| {
                let f = archive.by_index(i).expect("entry");
                f.name().expect("name").into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "[Content_Types].xml",
                "docProps/core.xml",
                "word/document.xml"
            ]
        );
        let doc = archive.by_name("word/document.xml").expect("document");
        assert_eq!(doc.compression(), zip::CompressionMethod::Deflated);
        let t = doc.last_modified().expect("time");
        assert_eq!((t.year(), t.month(), t.day()), (2022, 9, 26));
    }
}
