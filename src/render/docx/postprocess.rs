//! One pass over the package docx-rs writes, fixing what docx-rs lacks or
//! writes wrongly:
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
//! - re-zipped with deflate, entries in a fixed order with fixed timestamps;
//!   every part but the document's text and properties is fixed and
//!   deflated once a session and then copied ([`super::shared_parts`]).
//!
//! The parts are parsed into a small tree of raw (still escaped) strings, so
//! text and attribute values are written back exactly as docx-rs wrote them.

use std::borrow::Cow;
use std::fmt;
use std::io::{Cursor, Read, Write};
use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::Event;

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

/// Reads the package, fixes its parts and writes it again; parts met
/// before in this session come from `shared`.
pub fn postprocess(package: &[u8], fixes: &Fixes, shared: &SharedParts) -> Result<Vec<u8>, Error> {
    let mut archive = zip::ZipArchive::new(Cursor::new(package))?;
    let mut parts = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        if file.is_dir() {
            // OPC packages have no folder entries.
            continue;
        }
        let name = file.name()?.into_owned();
        let mut bytes = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut bytes)?;
        parts.push((name, bytes));
    }
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
    let mut nodes = parse(text).map_err(xml_err)?;
    if name == "docProps/custom.xml" {
        sort_custom_properties(&mut nodes);
    } else {
        if name == "word/document.xml" {
            mark_header_rows(&mut nodes, fixes.header_rows)?;
            soft_hyphens(&mut nodes);
        }
        if name == "word/styles.xml" {
            set_default_lang(&mut nodes, fixes.lang);
        }
        renumber_para_ids(&mut nodes, para_ids);
        drop_invalid(&mut nodes);
        reorder(&mut nodes);
    }
    Ok(Some(serialize(&nodes).into_bytes()))
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

fn w3cdtf(timestamp: i64) -> String {
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

// ----- a minimal tree of raw XML ------------------------------------------------

/// Names, values and text are slices of the part as docx-rs wrote it where
/// possible: parsing a part then allocates little more than the lists of
/// children, and dropping the tree frees little else.
#[derive(Debug, Clone, PartialEq)]
enum Node<'a> {
    Element(Element<'a>),
    /// Character data exactly as in the source (escaped).
    Text(Cow<'a, str>),
    /// Declaration, comment, processing instruction…, with its delimiters.
    Raw(Cow<'a, str>),
}

#[derive(Debug, Clone, PartialEq)]
struct Element<'a> {
    name: Cow<'a, str>,
    /// Names and raw (escaped) values.
    attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    children: Vec<Node<'a>>,
}

impl<'a> Element<'a> {
    fn new(name: impl Into<Cow<'a, str>>) -> Self {
        Element {
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    fn local(&self) -> &str {
        local(&self.name)
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }

    fn set_attr(&mut self, name: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = Cow::Owned(value.to_owned()),
            None => self
                .attrs
                .push((Cow::Owned(name.to_owned()), Cow::Owned(value.to_owned()))),
        }
    }

    fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element<'a>> {
        self.children.iter_mut().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this qualified name, created (appended
    /// or at `at`) when missing.
    fn child_or_insert(&mut self, name: &'a str, at: Option<usize>) -> &mut Element<'a> {
        let pos = self
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.name == name));
        let pos = match pos {
            Some(p) => p,
            None => {
                let p = at.unwrap_or(self.children.len()).min(self.children.len());
                self.children.insert(p, Node::Element(Element::new(name)));
                p
            }
        };
        match &mut self.children[pos] {
            Node::Element(e) => e,
            _ => unreachable!("position() found an element"),
        }
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn parse(xml: &str) -> Result<Vec<Node<'_>>, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut top: Vec<Node> = Vec::new();
    fn push<'a>(stack: &mut [Element<'a>], top: &mut Vec<Node<'a>>, node: Node<'a>) {
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => top.push(node),
        }
    }
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.error_position()))?;
        let end = reader.buffer_position() as usize;
        // The event's markup exactly as in the part.
        let raw = &xml[start..end];
        match event {
            Event::Start(_) => stack.push(element(&raw[1..raw.len() - 1])?),
            Event::Empty(_) => {
                let el = element(&raw[1..raw.len() - 2])?;
                push(&mut stack, &mut top, Node::Element(el));
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("unbalanced end tag")?;
                push(&mut stack, &mut top, Node::Element(el));
            }
            // Text and the references in it, adjacent in the part, are one
            // text node.
            Event::Text(_) | Event::GeneralRef(_) => {
                let siblings = match stack.last_mut() {
                    Some(parent) => &mut parent.children,
                    None => &mut top,
                };
                match siblings.last_mut() {
                    Some(Node::Text(Cow::Borrowed(t)))
                        if t.as_ptr() as usize + t.len() == raw.as_ptr() as usize =>
                    {
                        let from = t.as_ptr() as usize - xml.as_ptr() as usize;
                        *t = &xml[from..end];
                    }
                    _ => siblings.push(Node::Text(Cow::Borrowed(raw))),
                }
            }
            Event::CData(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => push(&mut stack, &mut top, Node::Raw(Cow::Borrowed(raw))),
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("unclosed element at end of part".into());
    }
    Ok(top)
}

/// An element from the text between `<` and `>` (or `/>`) of its tag.
fn element(tag: &str) -> Result<Element<'_>, String> {
    let name_len = tag
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(tag.len());
    let mut el = Element::new(&tag[..name_len]);
    for attr in quick_xml::events::attributes::Attributes::new(tag, name_len) {
        let attr = attr.map_err(|err| err.to_string())?;
        el.attrs.push((Cow::Borrowed(attr.key.0), attr.value));
    }
    Ok(el)
}

fn serialize(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        write_node(&mut out, node);
    }
    out
}

fn write_node(out: &mut String, node: &Node) {
    match node {
        Node::Text(t) | Node::Raw(t) => out.push_str(t),
        Node::Element(e) => {
            out.push('<');
            out.push_str(&e.name);
            for (k, v) in &e.attrs {
                // Raw values came from double quotes unless they hold one.
                let q = if v.contains('"') { '\'' } else { '"' };
                out.push(' ');
                out.push_str(k);
                out.push('=');
                out.push(q);
                out.push_str(v);
                out.push(q);
            }
            if e.children.is_empty() {
                out.push_str("/>");
            } else {
                out.push('>');
                for child in &e.children {
                    write_node(out, child);
                }
                out.push_str("</");
                out.push_str(&e.name);
                out.push('>');
            }
        }
    }
}

// ----- the fixes ------------------------------------------------------------------

/// A soft hyphen in a run's text becomes Word's own optional hyphen
/// (`w:softHyphen`), which Word and LibreOffice both break at with a hyphen;
/// docx-rs can write only text.
fn soft_hyphens(nodes: &mut [Node]) {
    for node in nodes {
        let Node::Element(el) = node else { continue };
        if el.name != "w:r" {
            soft_hyphens(&mut el.children);
            continue;
        }
        let mut children = Vec::with_capacity(el.children.len());
        for child in el.children.drain(..) {
            match child {
                Node::Element(t) if t.name == "w:t" && has_soft_hyphen(&t) => {
                    let text: String = t
                        .children
                        .iter()
                        .map(|c| match c {
                            Node::Text(s) => s.as_ref(),
                            _ => "",
                        })
                        .collect();
                    for (i, part) in text.split('\u{ad}').enumerate() {
                        if i > 0 {
                            children.push(Node::Element(Element::new("w:softHyphen")));
                        }
                        if !part.is_empty() {
                            let mut piece = Element::new("w:t");
                            piece.attrs = t.attrs.clone();
                            piece.children.push(Node::Text(Cow::Owned(part.to_owned())));
                            children.push(Node::Element(piece));
                        }
                    }
                }
                other => children.push(other),
            }
        }
        el.children = children;
    }
}

fn has_soft_hyphen(t: &Element) -> bool {
    t.children
        .iter()
        .any(|c| matches!(c, Node::Text(s) if s.contains('\u{ad}')))
}

/// Adds `w:tblHeader` to the first rows of each table, counting tables in
/// document order.
fn mark_header_rows(nodes: &mut [Node], header_rows: &[usize]) -> Result<(), Error> {
    fn walk(el: &mut Element, header_rows: &[usize], seen: &mut usize) {
        if el.name == "w:tbl" {
            let n = header_rows.get(*seen).copied().unwrap_or(0);
            *seen += 1;
            for row in el.elements_mut().filter(|e| e.name == "w:tr").take(n) {
                // trPr follows an optional tblPrEx.
                let at = usize::from(matches!(
                    row.children.first(),
                    Some(Node::Element(e)) if e.name == "w:tblPrEx"
                ));
                let tr_pr = row.child_or_insert("w:trPr", Some(at));
                tr_pr.child_or_insert("w:tblHeader", None);
            }
        }
        for child in el.elements_mut() {
            walk(child, header_rows, seen);
        }
    }
    let mut seen = 0;
    for node in nodes.iter_mut() {
        if let Node::Element(e) = node {
            walk(e, header_rows, &mut seen);
        }
    }
    if seen != header_rows.len() {
        return Err(Error::Tables {
            expected: header_rows.len(),
            found: seen,
        });
    }
    Ok(())
}

/// `w:lang` in `w:docDefaults/w:rPrDefault/w:rPr`.
fn set_default_lang(nodes: &mut [Node], lang: &str) {
    for node in nodes.iter_mut() {
        let Node::Element(styles) = node else {
            continue;
        };
        if styles.name != "w:styles" {
            continue;
        }
        let r_pr = styles
            .child_or_insert("w:docDefaults", Some(0))
            .child_or_insert("w:rPrDefault", Some(0))
            .child_or_insert("w:rPr", None);
        let lang_el = r_pr.child_or_insert("w:lang", None);
        lang_el.set_attr("w:val", lang);
        lang_el.set_attr("w:eastAsia", lang);
        lang_el.set_attr("w:bidi", lang);
    }
}

/// `w14:paraId`s from 1 in package order: unique across parts and the same
/// on every render.
fn renumber_para_ids(nodes: &mut [Node], next: &mut u32) {
    fn walk(el: &mut Element, next: &mut u32) {
        if el.attr("w14:paraId").is_some() {
            *next += 1;
            el.set_attr("w14:paraId", &format!("{:08X}", *next));
        }
        for child in el.elements_mut() {
            walk(child, next);
        }
    }
    for node in nodes.iter_mut() {
        if let Node::Element(e) = node {
            walk(e, next);
        }
    }
}

/// Custom properties by name, with `pid`s from 2 as Word numbers them.
fn sort_custom_properties(nodes: &mut [Node]) {
    for node in nodes.iter_mut() {
        let Node::Element(root) = node else { continue };
        if root.local() != "Properties" {
            continue;
        }
        root.children.sort_by(|a, b| {
            let key = |n: &Node| match n {
                Node::Element(e) => e.attr("name").map(str::to_owned),
                _ => None,
            };
            key(a).cmp(&key(b))
        });
        for (i, prop) in root
            .elements_mut()
            .filter(|e| e.local() == "property")
            .enumerate()
        {
            prop.set_attr("pid", &(i + 2).to_string());
        }
    }
}

/// Schema (ECMA-376, transitional) order of the children of elements whose
/// content is a sequence, by local name. Unknown children keep their
/// relative order after the known ones.
fn schema_order(parent: &str) -> Option<&'static [&'static str]> {
    Some(match parent {
        "pPr" => &[
            "pStyle",
            "keepNext",
            "keepLines",
            "pageBreakBefore",
            "framePr",
            "widowControl",
            "numPr",
            "suppressLineNumbers",
            "pBdr",
            "shd",
            "tabs",
            "suppressAutoHyphens",
            "kinsoku",
            "wordWrap",
            "overflowPunct",
            "topLinePunct",
            "autoSpaceDE",
            "autoSpaceDN",
            "bidi",
            "adjustRightInd",
            "snapToGrid",
            "spacing",
            "ind",
            "contextualSpacing",
            "mirrorIndents",
            "suppressOverlap",
            "jc",
            "textDirection",
            "textAlignment",
            "textboxTightWrap",
            "outlineLvl",
            "divId",
            "cnfStyle",
            "rPr",
            "sectPr",
            "pPrChange",
        ],
        "rPr" => &[
            // Paragraph-mark run properties start with revision marks.
            "ins",
            "del",
            "moveFrom",
            "moveTo",
            "rStyle",
            "rFonts",
            "b",
            "bCs",
            "i",
            "iCs",
            "caps",
            "smallCaps",
            "strike",
            "dstrike",
            "outline",
            "shadow",
            "emboss",
            "imprint",
            "noProof",
            "snapToGrid",
            "vanish",
            "webHidden",
            "color",
            "spacing",
            "w",
            "kern",
            "position",
            "sz",
            "szCs",
            "highlight",
            "u",
            "effect",
            "bdr",
            "shd",
            "fitText",
            "vertAlign",
            "rtl",
            "cs",
            "em",
            "lang",
            "eastAsianLayout",
            "specVanish",
            "oMath",
            "rPrChange",
        ],
        "tblPr" => &[
            "tblStyle",
            "tblpPr",
            "tblOverlap",
            "bidiVisual",
            "tblStyleRowBandSize",
            "tblStyleColBandSize",
            "tblW",
            "jc",
            "tblCellSpacing",
            "tblInd",
            "tblBorders",
            "shd",
            "tblLayout",
            "tblCellMar",
            "tblLook",
            "tblCaption",
            "tblDescription",
            "tblPrChange",
        ],
        "trPr" => &[
            "cnfStyle",
            "divId",
            "gridBefore",
            "gridAfter",
            "wBefore",
            "wAfter",
            "cantSplit",
            "trHeight",
            "tblHeader",
            "tblCellSpacing",
            "jc",
            "hidden",
            "ins",
            "del",
            "trPrChange",
        ],
        "tcPr" => &[
            "cnfStyle",
            "tcW",
            "gridSpan",
            "hMerge",
            "vMerge",
            "tcBorders",
            "shd",
            "noWrap",
            "tcMar",
            "textDirection",
            "tcFitText",
            "vAlign",
            "hideMark",
            "headers",
            "cellIns",
            "cellDel",
            "cellMerge",
            "tcPrChange",
        ],
        "tblBorders" | "tcBorders" | "pBdr" => &[
            "top", "left", "start", "bottom", "right", "end", "insideH", "insideV", "tl2br",
            "tr2bl", "between", "bar",
        ],
        "tblCellMar" | "tcMar" => &["top", "left", "start", "bottom", "right", "end"],
        "sectPr" => &[
            "headerReference",
            "footerReference",
            "footnotePr",
            "endnotePr",
            "type",
            "pgSz",
            "pgMar",
            "paperSrc",
            "pgBorders",
            "lnNumType",
            "pgNumType",
            "cols",
            "formProt",
            "vAlign",
            "noEndnote",
            "titlePg",
            "textDirection",
            "bidi",
            "rtlGutter",
            "docGrid",
            "printerSettings",
            "sectPrChange",
        ],
        "numPr" => &["ilvl", "numId", "numberingChange", "ins"],
        "lvl" => &[
            "start",
            "numFmt",
            "lvlRestart",
            "pStyle",
            "isLgl",
            "suff",
            "lvlText",
            "lvlPicBulletId",
            "legacy",
            "lvlJc",
            "pPr",
            "rPr",
        ],
        "abstractNum" => &[
            "nsid",
            "multiLevelType",
            "tmpl",
            "name",
            "styleLink",
            "numStyleLink",
            "lvl",
        ],
        "num" => &["abstractNumId", "lvlOverride"],
        "lvlOverride" => &["startOverride", "lvl"],
        "numbering" => &["numPicBullet", "abstractNum", "num", "numIdMacAtCleanup"],
        "style" => &[
            "name",
            "aliases",
            "basedOn",
            "next",
            "link",
            "autoRedefine",
            "hidden",
            "uiPriority",
            "semiHidden",
            "unhideWhenUsed",
            "qFormat",
            "locked",
            "personal",
            "personalCompose",
            "personalReply",
            "rsid",
            "pPr",
            "rPr",
            "tblPr",
            "trPr",
            "tcPr",
            "tblStylePr",
        ],
        "docDefaults" => &["rPrDefault", "pPrDefault"],
        "settings" => &[
            "writeProtection",
            "view",
            "zoom",
            "removePersonalInformation",
            "removeDateAndTime",
            "doNotDisplayPageBoundaries",
            "displayBackgroundShape",
            "printPostScriptOverText",
            "printFractionalCharacterWidth",
            "printFormsData",
            "embedTrueTypeFonts",
            "embedSystemFonts",
            "saveSubsetFonts",
            "saveFormsData",
            "mirrorMargins",
            "alignBordersAndEdges",
            "bordersDoNotSurroundHeader",
            "bordersDoNotSurroundFooter",
            "gutterAtTop",
            "hideSpellingErrors",
            "hideGrammaticalErrors",
            "activeWritingStyle",
            "proofState",
            "formsDesign",
            "attachedTemplate",
            "linkStyles",
            "stylePaneFormatFilter",
            "stylePaneSortMethod",
            "documentType",
            "mailMerge",
            "revisionView",
            "trackRevisions",
            "doNotTrackMoves",
            "doNotTrackFormatting",
            "documentProtection",
            "autoFormatOverride",
            "styleLockTheme",
            "styleLockQFSet",
            "defaultTabStop",
            "autoHyphenation",
            "consecutiveHyphenLimit",
            "hyphenationZone",
            "doNotHyphenateCaps",
            "showEnvelope",
            "summaryLength",
            "clickAndTypeStyle",
            "defaultTableStyle",
            "evenAndOddHeaders",
            "bookFoldRevPrinting",
            "bookFoldPrinting",
            "bookFoldPrintingSheets",
            "drawingGridHorizontalSpacing",
            "drawingGridVerticalSpacing",
            "displayHorizontalDrawingGridEvery",
            "displayVerticalDrawingGridEvery",
            "doNotUseMarginsForDrawingGridOrigin",
            "drawingGridHorizontalOrigin",
            "drawingGridVerticalOrigin",
            "doNotShadeFormData",
            "noPunctuationKerning",
            "characterSpacingControl",
            "printTwoOnOne",
            "strictFirstAndLastChars",
            "noLineBreaksAfter",
            "noLineBreaksBefore",
            "savePreviewPicture",
            "doNotValidateAgainstSchema",
            "saveInvalidXml",
            "ignoreMixedContent",
            "alwaysShowPlaceholderText",
            "doNotDemarcateInvalidXml",
            "saveXmlDataOnly",
            "useXSLTWhenSaving",
            "saveThroughXslt",
            "showXMLTags",
            "alwaysMergeEmptyNamespace",
            "updateFields",
            "hdrShapeDefaults",
            "footnotePr",
            "endnotePr",
            "compat",
            "docVars",
            "rsids",
            "mathPr",
            "attachedSchema",
            "themeFontLang",
            "clrSchemeMapping",
            "doNotIncludeSubdocsInStats",
            "doNotAutoCompressPictures",
            "forceUpgrade",
            "captions",
            "readModeInkLockDown",
            "smartTagType",
            "schemaLibrary",
            "shapeDefaults",
            "doNotEmbedSmartTags",
            "decimalSymbol",
            "listSeparator",
        ],
        "styles" => &["docDefaults", "latentStyles", "style"],
        _ => return None,
    })
}

/// Removes what docx-rs writes outside the schema: an (empty) `w:rPr` in
/// paragraph properties that are not a paragraph's (`w:lvl`, `w:style`,
/// `w:pPrDefault` take `CT_PPrBase`), and `w:type` on `w:gridCol`.
fn drop_invalid(nodes: &mut [Node]) {
    fn walk(el: &mut Element) {
        if el.name == "w:gridCol" {
            el.attrs.retain(|(k, _)| k != "w:type");
        }
        let base_ppr = matches!(el.name.as_ref(), "w:lvl" | "w:style" | "w:pPrDefault");
        for child in el.elements_mut() {
            if base_ppr && child.name == "w:pPr" {
                child.children.retain(|n| {
                    !matches!(n, Node::Element(e) if e.name == "w:rPr" && e.children.is_empty())
                });
            }
            walk(child);
        }
    }
    for node in nodes.iter_mut() {
        if let Node::Element(e) = node {
            walk(e);
        }
    }
}

/// Puts children into schema order, throughout the tree.
fn reorder(nodes: &mut [Node]) {
    for node in nodes.iter_mut() {
        if let Node::Element(e) = node {
            reorder_element(e);
        }
    }
}

fn reorder_element(el: &mut Element) {
    for child in el.elements_mut() {
        reorder_element(child);
    }
    // Only w: elements with element-only content are reordered.
    if el.children.len() < 2
        || !el.name.starts_with("w:")
        || el.children.iter().any(|n| !matches!(n, Node::Element(_)))
    {
        return;
    }
    let Some(order) = schema_order(el.local()) else {
        return;
    };
    let rank = |n: &Node| match n {
        // Extension elements (w14:, w15:) follow the w: sequence.
        Node::Element(e) if e.name.starts_with("w:") => {
            let name = Cow::Borrowed(e.local());
            order
                .iter()
                .position(|k| *k == name)
                // Header and footer references share one slot.
                .map(|p| if name == "footerReference" { 0 } else { p })
                .unwrap_or(order.len())
        }
        _ => order.len(),
    };
    // Most are in order already; each child's rank is looked up once.
    if !el.children.iter().map(rank).is_sorted() {
        el.children.sort_by_cached_key(rank);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(xml: &str, f: impl FnOnce(&mut Vec<Node>)) -> String {
        let mut nodes = parse(xml).expect("parses");
        f(&mut nodes);
        serialize(&nodes)
    }

    #[test]
    fn parse_and_serialize_keep_text_escapes_and_declaration() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="x"><w:t xml:space="preserve">a &amp; b &lt;c&gt; «№ 1»</w:t><w:p/></w:document>"#;
        assert_eq!(round(xml, |_| {}), xml);
    }

    #[test]
    fn soft_hyphens_become_word_optional_hyphens() {
        let xml = "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">сверх\u{ad}длин\u{ad}ное</w:t></w:r><w:r><w:t>a\u{200b}b</w:t></w:r></w:p>";
        assert_eq!(
            round(xml, |n| soft_hyphens(n)),
            "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">сверх</w:t><w:softHyphen/><w:t xml:space=\"preserve\">длин</w:t><w:softHyphen/><w:t xml:space=\"preserve\">ное</w:t></w:r><w:r><w:t>a\u{200b}b</w:t></w:r></w:p>"
        );
    }

    #[test]
    fn paragraph_properties_take_schema_order() {
        let xml = r#"<w:p><w:pPr><w:rPr><w:sz w:val="24"/><w:b/></w:rPr><w:numPr><w:numId w:val="2"/><w:ilvl w:val="0"/></w:numPr><w:jc w:val="both"/><w:ind w:firstLine="709"/><w:spacing w:after="0"/><w:keepNext/></w:pPr><w:r><w:t>x</w:t></w:r></w:p>"#;
        let fixed = round(xml, |n| reorder(n));
        assert_eq!(
            fixed,
            r#"<w:p><w:pPr><w:keepNext/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr><w:spacing w:after="0"/><w:ind w:firstLine="709"/><w:jc w:val="both"/><w:rPr><w:b/><w:sz w:val="24"/></w:rPr></w:pPr><w:r><w:t>x</w:t></w:r></w:p>"#
        );
    }

    #[test]
    fn table_cell_row_and_section_properties_take_schema_order() {
        let xml = r#"<w:body><w:tbl><w:tblPr><w:tblW w:w="1" w:type="dxa"/><w:jc w:val="left"/><w:tblBorders><w:bottom/><w:top/></w:tblBorders><w:tblCellMar><w:right/><w:top/></w:tblCellMar><w:tblLayout w:type="fixed"/><w:tblStyle w:val="a"/></w:tblPr><w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:vAlign w:val="bottom"/><w:vMerge w:val="restart"/><w:gridSpan w:val="2"/><w:tcW w:w="5"/></w:tcPr></w:tc></w:tr></w:tbl><w:sectPr><w:titlePg/><w:pgMar/><w:pgSz/><w:footerReference/><w:headerReference/></w:sectPr></w:body>"#;
        let fixed = round(xml, |n| reorder(n));
        assert_eq!(
            fixed,
            r#"<w:body><w:tbl><w:tblPr><w:tblStyle w:val="a"/><w:tblW w:w="1" w:type="dxa"/><w:jc w:val="left"/><w:tblBorders><w:top/><w:bottom/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top/><w:right/></w:tblCellMar></w:tblPr><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:tcW w:w="5"/><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/><w:vAlign w:val="bottom"/></w:tcPr></w:tc></w:tr></w:tbl><w:sectPr><w:footerReference/><w:headerReference/><w:pgSz/><w:pgMar/><w:titlePg/></w:sectPr></w:body>"#
        );
    }

    #[test]
    fn numbering_levels_take_schema_order() {
        let xml = r#"<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind/></w:pPr><w:rPr/><w:suff w:val="space"/></w:lvl>"#;
        assert_eq!(
            round(xml, |n| reorder(n)),
            r#"<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:suff w:val="space"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind/></w:pPr><w:rPr/></w:lvl>"#
        );
    }

    #[test]
    fn invalid_rpr_in_base_paragraph_properties_and_grid_col_type_are_dropped() {
        let xml = r#"<w:numbering><w:lvl><w:pPr><w:ind/><w:rPr/></w:pPr><w:rPr/></w:lvl><w:p><w:pPr><w:rPr/></w:pPr></w:p><w:tblGrid><w:gridCol w:w="5" w:type="dxa"/></w:tblGrid></w:numbering>"#;
        assert_eq!(
            round(xml, |n| drop_invalid(n)),
            r#"<w:numbering><w:lvl><w:pPr><w:ind/></w:pPr><w:rPr/></w:lvl><w:p><w:pPr><w:rPr/></w:pPr></w:p><w:tblGrid><w:gridCol w:w="5"/></w:tblGrid></w:numbering>"#
        );
    }

    #[test]
    fn settings_take_schema_order_with_extensions_last() {
        let xml = r#"<w:settings><w15:docId/><w:compat/><w:defaultTabStop/><w:zoom/></w:settings>"#;
        assert_eq!(
            round(xml, |n| reorder(n)),
            r#"<w:settings><w:zoom/><w:defaultTabStop/><w:compat/><w15:docId/></w:settings>"#
        );
    }

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
    fn mixed_content_is_left_alone() {
        let xml = r#"<w:pPr><w:jc/> <w:keepNext/></w:pPr>"#;
        assert_eq!(round(xml, |n| reorder(n)), xml);
    }

    #[test]
    fn header_rows_get_tbl_header_counting_nested_tables() {
        let xml = concat!(
            r#"<w:body><w:tbl><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tbl><w:tr/></w:tbl></w:tc></w:tr><w:tr/></w:tbl>"#,
            r#"<w:tbl><w:tr><w:tblPrEx/><w:tc/></w:tr><w:tr><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl></w:body>"#
        );
        let fixed = round(xml, |n| {
            mark_header_rows(n, &[1, 0, 2]).expect("three tables");
            reorder(n);
        });
        assert_eq!(
            fixed,
            concat!(
                r#"<w:body><w:tbl><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr><w:tc><w:tbl><w:tr/></w:tbl></w:tc></w:tr><w:tr/></w:tbl>"#,
                r#"<w:tbl><w:tr><w:tblPrEx/><w:trPr><w:tblHeader/></w:trPr><w:tc/></w:tr><w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl></w:body>"#
            )
        );
        let mut nodes = parse(xml).expect("parses");
        assert!(matches!(
            mark_header_rows(&mut nodes, &[1]),
            Err(Error::Tables {
                expected: 1,
                found: 3
            })
        ));
    }

    #[test]
    fn default_language_goes_into_run_defaults() {
        let xml = r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="28"/></w:rPr></w:rPrDefault></w:docDefaults><w:style/></w:styles>"#;
        let fixed = round(xml, |n| {
            set_default_lang(n, "kk-KZ");
            reorder(n);
        });
        assert_eq!(
            fixed,
            r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="28"/><w:lang w:val="kk-KZ" w:eastAsia="kk-KZ" w:bidi="kk-KZ"/></w:rPr></w:rPrDefault></w:docDefaults><w:style/></w:styles>"#
        );
        let bare = round("<w:styles><w:style/></w:styles>", |n| {
            set_default_lang(n, "ru-RU")
        });
        assert_eq!(
            bare,
            r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="ru-RU" w:eastAsia="ru-RU" w:bidi="ru-RU"/></w:rPr></w:rPrDefault></w:docDefaults><w:style/></w:styles>"#
        );
    }

    #[test]
    fn para_ids_are_renumbered_across_parts() {
        let mut next = 0;
        let a = round(
            r#"<w:body><w:p w14:paraId="0000abcd"/><w:p w14:paraId="00000007"/></w:body>"#,
            |n| renumber_para_ids(n, &mut next),
        );
        let b = round(r#"<w:hdr><w:p w14:paraId="00000001"/></w:hdr>"#, |n| {
            renumber_para_ids(n, &mut next)
        });
        assert_eq!(
            a,
            r#"<w:body><w:p w14:paraId="00000001"/><w:p w14:paraId="00000002"/></w:body>"#
        );
        assert_eq!(b, r#"<w:hdr><w:p w14:paraId="00000003"/></w:hdr>"#);
    }

    #[test]
    fn custom_properties_are_sorted_and_renumbered() {
        let xml = r#"<Properties xmlns="x"><property fmtid="f" pid="2" name="b"><vt:lpwstr>2</vt:lpwstr></property><property fmtid="f" pid="3" name="a"><vt:lpwstr>1</vt:lpwstr></property></Properties>"#;
        assert_eq!(
            round(xml, |n| sort_custom_properties(n)),
            r#"<Properties xmlns="x"><property fmtid="f" pid="2" name="a"><vt:lpwstr>1</vt:lpwstr></property><property fmtid="f" pid="3" name="b"><vt:lpwstr>2</vt:lpwstr></property></Properties>"#
        );
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
        let mut raw = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        raw.add_directory("word/", stored).expect("dir");
        for (name, body) in [
            ("word/document.xml", "<w:document><w:body/></w:document>"),
            ("docProps/core.xml", "<x/>"),
            ("[Content_Types].xml", "<Types/>"),
        ] {
            raw.start_file(name, stored).expect("entry");
            raw.write_all(body.repeat(20).as_bytes()).expect("write");
        }
        let raw = raw.finish().expect("zip").into_inner();
        let fixes = Fixes {
            lang: "ru-RU",
            font: "Times New Roman",
            title: "T",
            creator: "C",
            timestamp: 1_664_150_400,
            header_rows: &[],
        };
        let a = postprocess(&raw, &fixes, &SharedParts::default()).expect("fixed");
        let b = postprocess(&raw, &fixes, &SharedParts::default()).expect("fixed");
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
