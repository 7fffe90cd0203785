//! The pass over a `word/` part. Markup is copied through as docx-rs wrote
//! it, each element's output following the one before, and the fixes are
//! made on the way: the children of a property element (`w:pPr`, `w:rPr`,
//! `w:tblPr`, …) put into the schema's order by moving the pieces of
//! output they were written to, only when they are out of it; paragraph
//! ids given out again; header rows marked; soft hyphens turned into
//! Word's; what the schema lacks dropped; an element with nothing inside
//! written as `<name/>`. No tree of the part is built: a document's text is
//! a few thousand elements, and building, reordering and dropping a tree
//! of them was most of the post-processing's work.

use std::sync::LazyLock;

use memchr::memmem;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::Error;
use super::fixes::give_para_id;
use super::schema::{is_invalid_attr, is_invalid_empty, order_of, rank};
use super::xml::{element, tag_name, write_tag_open};

/// What only the document's main part gets.
pub(super) struct Body<'f> {
    /// Header rows of each table, in document order.
    pub(super) header_rows: &'f [usize],
}

/// An element not yet closed.
struct Open<'a> {
    name: &'a str,
    /// The schema's order of its children, if it has one.
    order: Option<&'static [&'static str]>,
    /// Where its start tag's `>` goes in the output.
    tag_end: usize,
    /// Where its children's pieces of output start in `Pass::children`.
    children_from: usize,
    /// It has text (or a comment) among its children: left as it is.
    mixed: bool,
    /// A table: how many of its rows are still to be marked as header rows.
    header_rows_left: usize,
    /// A header row whose `w:trPr` has not been met or written yet, or a
    /// header row's `w:trPr` without a `w:tblHeader` yet.
    header_pending: bool,
}

/// The part's fixes, in one pass; `para_ids` is the counter of paragraph
/// ids across the package.
pub(super) fn rewrite(
    part: &str,
    xml: &str,
    body: Option<&Body>,
    para_ids: &mut u32,
) -> Result<String, Error> {
    let mut pass = Pass {
        part,
        xml,
        body,
        para_ids,
        out: String::with_capacity(xml.len() + xml.len() / 16),
        open: Vec::new(),
        children: Vec::new(),
        scratch: String::new(),
        unclosed: false,
        text: None,
        tables: 0,
    };
    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.trim_text(false);
    // The pass matches end tags itself.
    config.check_end_names = false;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| pass.error(format!("at byte {}: {e}", reader.error_position())))?;
        if matches!(event, Event::Eof) {
            break;
        }
        pass.event(&event, start..reader.buffer_position() as usize)?;
    }
    if !pass.open.is_empty() || pass.text.is_some() {
        return Err(pass.error("unclosed element at end of part".into()));
    }
    if let Some(body) = pass.body
        && pass.tables != body.header_rows.len()
    {
        return Err(Error::Tables {
            expected: body.header_rows.len(),
            found: pass.tables,
        });
    }
    Ok(pass.out)
}

struct Pass<'a, 'f> {
    part: &'f str,
    xml: &'a str,
    body: Option<&'f Body<'f>>,
    para_ids: &'f mut u32,
    out: String,
    open: Vec<Open<'a>>,
    /// The children of the open elements with a schema order: each one's
    /// rank and where its output starts in `out`.
    children: Vec<(usize, usize)>,
    scratch: String,
    /// The last start tag written still lacks its `>`: an end tag right
    /// after it makes it `/>`.
    unclosed: bool,
    /// A run's `w:t`: its start tag (without `<` and `>`) and where its
    /// text begins; written when it ends.
    text: Option<(&'a str, usize)>,
    /// Tables met.
    tables: usize,
}

const HEADER_ROW_PROPS: &str = "<w:trPr><w:tblHeader/></w:trPr>";

impl<'a> Pass<'a, '_> {
    fn error(&self, message: String) -> Error {
        Error::Xml {
            part: self.part.to_owned(),
            message,
        }
    }

    fn event(&mut self, event: &Event, range: std::ops::Range<usize>) -> Result<(), Error> {
        let raw = &self.xml[range.clone()];
        if let Some((tag, from)) = self.text {
            // What is inside a `w:t` (text) is written whole at its end.
            if matches!(event, Event::End(_)) && tag_name(&raw[2..raw.len() - 1]) == tag_name(tag) {
                self.write_text(&self.xml[from..range.start]);
            }
            return Ok(());
        }
        match event {
            Event::Start(_) | Event::Empty(_) => {
                let empty = matches!(event, Event::Empty(_));
                // docx-rs writes some empty tags as `<name a="v" />`; the
                // space goes, as when a tree is written.
                let tag = raw[1..raw.len() - if empty { 2 } else { 1 }].trim_end();
                self.start(tag, empty, range.end)?;
            }
            Event::End(_) => {
                let name = tag_name(&raw[2..raw.len() - 1]);
                if self.open.last().is_none_or(|o| o.name != name) {
                    return Err(self.error(format!("unexpected end tag `{name}`")));
                }
                self.end();
            }
            _ => {
                self.close_tag();
                if let Some(parent) = self.open.last_mut() {
                    parent.mixed = true;
                }
                self.out.push_str(raw);
            }
        }
        Ok(())
    }

    fn start(&mut self, tag: &'a str, empty: bool, text_from: usize) -> Result<(), Error> {
        let name = tag_name(tag);
        self.close_tag();
        // A header row's own properties get the mark inside; before any
        // other child but `w:tblPrEx`, properties with the mark are added.
        let mut header_row_props = false;
        if self.take_pending_header(|parent| parent == "w:tr" && name != "w:tblPrEx") {
            header_row_props = name == "w:trPr";
            if !header_row_props {
                self.write_child(HEADER_ROW_PROPS, "w:trPr");
            }
        }
        self.take_pending_header(|parent| parent == "w:trPr" && name == "w:tblHeader");
        self.child_starts(name);
        if name == "w:t"
            && !empty
            && self.body.is_some()
            && self.open.last().is_some_and(|o| o.name == "w:r")
        {
            self.text = Some((tag, text_from));
            return Ok(());
        }
        let mut header_rows_left = 0;
        let header_pending = match name {
            "w:tbl" => {
                self.tables += 1;
                header_rows_left = self
                    .body
                    .and_then(|b| b.header_rows.get(self.tables - 1).copied())
                    .unwrap_or(0);
                false
            }
            "w:tr" => self.next_header_row(),
            _ => header_row_props,
        };
        self.write_tag_open(tag, name)?;
        self.open.push(Open {
            name,
            tag_end: self.out.len(),
            order: order_of(name),
            children_from: self.children.len(),
            mixed: false,
            header_rows_left,
            header_pending,
        });
        self.unclosed = true;
        if empty {
            self.end();
        }
        Ok(())
    }

    /// Closes the innermost open element: adds what a header row lacks,
    /// puts its children into the schema's order, writes `</name>` — or
    /// `/>` if nothing came inside, or nothing if the schema lacks it.
    fn end(&mut self) {
        if self.take_pending_header(|parent| parent == "w:tr") {
            self.close_tag();
            self.write_child(HEADER_ROW_PROPS, "w:trPr");
        }
        if self.take_pending_header(|parent| parent == "w:trPr") {
            self.close_tag();
            self.write_child("<w:tblHeader/>", "w:tblHeader");
        }
        let open = self.open.pop().expect("an element is open");
        if open.order.is_some() && !open.mixed {
            self.reorder(open.children_from);
        }
        self.children.truncate(open.children_from);
        let n = self.open.len();
        let parent = n.checked_sub(1).map_or("", |i| self.open[i].name);
        let grandparent = n.checked_sub(2).map_or("", |i| self.open[i].name);
        if self.unclosed && is_invalid_empty(open.name, parent, grandparent) {
            // Its piece of output is the last of its parent's (`w:pPr`,
            // which has a schema order).
            let (_, from) = self.children.pop().expect("the parent has an order");
            self.out.truncate(from);
            // A parent left with nothing inside is written `<name/>`.
            let parent = self.open.last().expect("the parent is open");
            self.unclosed = from == parent.tag_end + 1 && !parent.mixed;
            if self.unclosed {
                self.out.truncate(parent.tag_end);
            }
        } else if std::mem::take(&mut self.unclosed) {
            self.out.push_str("/>");
        } else {
            self.out.push_str("</");
            self.out.push_str(open.name);
            self.out.push('>');
        }
    }

    /// Notes where a child of an element with a schema order starts.
    fn child_starts(&mut self, name: &str) {
        if let Some(Open {
            order: Some(order), ..
        }) = self.open.last()
        {
            let r = rank(order, name);
            self.children.push((r, self.out.len()));
        }
    }

    /// Writes markup the fixes add as a child of the innermost element.
    fn write_child(&mut self, markup: &str, name: &str) {
        self.child_starts(name);
        self.out.push_str(markup);
    }

    /// The children written since `from` in the schema's order, if they
    /// are not in it already (a stable sort: equal ranks keep their order).
    fn reorder(&mut self, from: usize) {
        let children = &self.children[from..];
        if children.is_sorted_by_key(|c| c.0) {
            return;
        }
        let start = children[0].1;
        let end = self.out.len();
        let mut pieces: Vec<(usize, usize, usize)> = children
            .iter()
            .enumerate()
            .map(|(i, &(r, at))| (r, at, children.get(i + 1).map_or(end, |c| c.1)))
            .collect();
        pieces.sort_by_key(|p| p.0);
        self.scratch.clear();
        for &(_, a, b) in &pieces {
            self.scratch.push_str(&self.out[a..b]);
        }
        self.out.truncate(start);
        self.out.push_str(&self.scratch);
    }

    /// Takes the innermost element's pending header mark if `applies` to
    /// its name.
    fn take_pending_header(&mut self, applies: impl Fn(&str) -> bool) -> bool {
        match self.open.last_mut() {
            Some(o) if o.header_pending && applies(o.name) => {
                o.header_pending = false;
                true
            }
            _ => false,
        }
    }

    /// Whether a row starting now is one of its table's header rows.
    fn next_header_row(&mut self) -> bool {
        match self.open.last_mut() {
            Some(table) if table.name == "w:tbl" && table.header_rows_left > 0 => {
                table.header_rows_left -= 1;
                true
            }
            _ => false,
        }
    }

    fn close_tag(&mut self) {
        if std::mem::take(&mut self.unclosed) {
            self.out.push('>');
        }
    }

    /// A start tag as it was, or with its paragraph id given out again and
    /// what the schema lacks dropped.
    fn write_tag_open(&mut self, tag: &str, name: &str) -> Result<(), Error> {
        static PARA_ID: LazyLock<memmem::Finder> =
            LazyLock::new(|| memmem::Finder::new("w14:paraId"));
        let has_para_id = PARA_ID.find(tag.as_bytes()).is_some();
        if !has_para_id && name != "w:gridCol" {
            self.out.push('<');
            self.out.push_str(tag);
            return Ok(());
        }
        let mut el = element(tag).map_err(|m| self.error(m))?;
        give_para_id(&mut el, self.para_ids);
        el.attrs.retain(|(k, _)| !is_invalid_attr(name, k));
        write_tag_open(&mut self.out, &el);
        Ok(())
    }

    /// A run's text, split at its soft hyphens into pieces of text with
    /// Word's optional hyphen between them.
    fn write_text(&mut self, text: &str) {
        let (tag, _) = self.text.take().expect("a text is open");
        let out = &mut self.out;
        if text.is_empty() {
            out.push('<');
            out.push_str(tag);
            out.push_str("/>");
            return;
        }
        for (i, piece) in text.split('\u{ad}').enumerate() {
            if i > 0 {
                out.push_str("<w:softHyphen/>");
            }
            if !piece.is_empty() {
                out.push('<');
                out.push_str(tag);
                out.push('>');
                out.push_str(piece);
                out.push_str("</");
                out.push_str(tag_name(tag));
                out.push('>');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(xml: &str, header_rows: &[usize]) -> Result<String, Error> {
        let body = Body { header_rows };
        rewrite("word/document.xml", xml, Some(&body), &mut 0)
    }

    #[test]
    fn soft_hyphens_become_word_optional_hyphens() {
        let xml = "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">сверх\u{ad}длин\u{ad}ное</w:t></w:r><w:r><w:t>\u{ad}a\u{200b}b</w:t><w:t></w:t></w:r></w:p>";
        assert_eq!(
            document(xml, &[]).expect("fixed"),
            "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">сверх</w:t><w:softHyphen/><w:t xml:space=\"preserve\">длин</w:t><w:softHyphen/><w:t xml:space=\"preserve\">ное</w:t></w:r><w:r><w:softHyphen/><w:t>a\u{200b}b</w:t><w:t/></w:r></w:p>"
        );
        // Only the main part's runs.
        let header = "<w:hdr><w:p><w:r><w:t>a\u{ad}b</w:t></w:r></w:p></w:hdr>";
        assert_eq!(
            rewrite("word/header1.xml", header, None, &mut 0).expect("fixed"),
            header
        );
    }

    #[test]
    fn header_rows_get_tbl_header_counting_nested_tables() {
        let xml = concat!(
            r#"<w:body><w:tbl><w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr><w:tc><w:tbl><w:tr/></w:tbl></w:tc></w:tr><w:tr/></w:tbl>"#,
            r#"<w:tbl><w:tr><w:tblPrEx/><w:tc/></w:tr><w:tr><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl>"#,
            r#"<w:tbl><w:tr/><w:tr></w:tr><w:tr><w:trPr><w:cantSplit/></w:trPr></w:tr></w:tbl></w:body>"#
        );
        assert_eq!(
            document(xml, &[1, 0, 2, 3]).expect("four tables"),
            concat!(
                r#"<w:body><w:tbl><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr><w:tc><w:tbl><w:tr/></w:tbl></w:tc></w:tr><w:tr/></w:tbl>"#,
                r#"<w:tbl><w:tr><w:tblPrEx/><w:trPr><w:tblHeader/></w:trPr><w:tc/></w:tr><w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl>"#,
                r#"<w:tbl><w:tr><w:trPr><w:tblHeader/></w:trPr></w:tr><w:tr><w:trPr><w:tblHeader/></w:trPr></w:tr><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr></w:tr></w:tbl></w:body>"#
            )
        );
        assert!(matches!(
            document(xml, &[1]),
            Err(Error::Tables {
                expected: 1,
                found: 4
            })
        ));
    }

    #[test]
    fn markup_is_copied_but_for_what_the_fixes_change() {
        let xml = concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<w:document xmlns:w="w" xmlns:w14="x"><w:body><w:p w14:paraId="0000abcd"><w:pPr><w:jc w:val="both"/><w:keepNext/></w:pPr>"#,
            r#"<w:bookmarkStart w:id="1" w:name="_Toc1" /><w:r><w:t xml:space="preserve">a &amp; b «№ 1»</w:t></w:r><w:r></w:r></w:p>"#,
            r#"<w:tbl><w:tblGrid><w:gridCol w:w="5" w:type="dxa"/></w:tblGrid></w:tbl><w:p w14:paraId="00000007"/></w:body></w:document>"#
        );
        let mut ids = 4;
        let body = Body { header_rows: &[0] };
        assert_eq!(
            rewrite("word/document.xml", xml, Some(&body), &mut ids).expect("fixed"),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<w:document xmlns:w="w" xmlns:w14="x"><w:body><w:p w14:paraId="00000005"><w:pPr><w:keepNext/><w:jc w:val="both"/></w:pPr>"#,
                r#"<w:bookmarkStart w:id="1" w:name="_Toc1"/><w:r><w:t xml:space="preserve">a &amp; b «№ 1»</w:t></w:r><w:r/></w:p>"#,
                r#"<w:tbl><w:tblGrid><w:gridCol w:w="5"/></w:tblGrid></w:tbl><w:p w14:paraId="00000006"/></w:body></w:document>"#
            )
        );
        assert_eq!(ids, 6);
    }

    #[test]
    fn para_ids_are_renumbered_across_parts() {
        let mut next = 0;
        let a = rewrite(
            "word/header1.xml",
            r#"<w:hdr><w:p w14:paraId="0000abcd"/><w:p w14:paraId="00000007"/></w:hdr>"#,
            None,
            &mut next,
        );
        let b = rewrite(
            "word/header2.xml",
            r#"<w:hdr><w:p w14:paraId="00000001"/></w:hdr>"#,
            None,
            &mut next,
        );
        assert_eq!(
            a.expect("fixed"),
            r#"<w:hdr><w:p w14:paraId="00000001"/><w:p w14:paraId="00000002"/></w:hdr>"#
        );
        assert_eq!(
            b.expect("fixed"),
            r#"<w:hdr><w:p w14:paraId="00000003"/></w:hdr>"#
        );
    }

    #[test]
    fn a_part_that_is_not_well_formed_is_refused_with_its_name() {
        for xml in ["<w:body><w:p></w:body>", "<w:body><w:pPr>", "<w:body>"] {
            let err = rewrite("word/footer1.xml", xml, None, &mut 0).unwrap_err();
            assert!(
                matches!(&err, Error::Xml { part, .. } if part == "word/footer1.xml"),
                "{xml}: {err}"
            );
        }
    }
}
