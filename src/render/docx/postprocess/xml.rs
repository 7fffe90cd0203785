//! A minimal tree of raw XML: names, attribute values and text kept as
//! docx-rs wrote them (still escaped), so a part comes out byte for byte as
//! it went in except where a fix changed it.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::Event;

/// Names, values and text are slices of the part as docx-rs wrote it where
/// possible: parsing a part then allocates little more than the lists of
/// children, and dropping the tree frees little else.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node<'a> {
    Element(Element<'a>),
    /// Character data exactly as in the source (escaped).
    Text(Cow<'a, str>),
    /// Declaration, comment, processing instruction…, with its delimiters.
    Raw(Cow<'a, str>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Element<'a> {
    pub(super) name: Cow<'a, str>,
    /// Names and raw (escaped) values.
    pub(super) attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub(super) children: Vec<Node<'a>>,
}

impl<'a> Element<'a> {
    pub(super) fn new(name: impl Into<Cow<'a, str>>) -> Self {
        Element {
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    pub(super) fn local(&self) -> &str {
        local(&self.name)
    }

    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }

    pub(super) fn set_attr(&mut self, name: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = Cow::Owned(value.to_owned()),
            None => self
                .attrs
                .push((Cow::Owned(name.to_owned()), Cow::Owned(value.to_owned()))),
        }
    }

    pub(super) fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element<'a>> {
        self.children.iter_mut().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this qualified name, created (appended
    /// or at `at`) when missing.
    pub(super) fn child_or_insert(&mut self, name: &'a str, at: Option<usize>) -> &mut Element<'a> {
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

pub(super) fn parse(xml: &str) -> Result<Vec<Node<'_>>, String> {
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

/// The qualified name at the start of a tag's text.
pub(super) fn tag_name(tag: &str) -> &str {
    let end = tag
        .bytes()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(tag.len());
    &tag[..end]
}

/// An element from the text between `<` and `>` (or `/>`) of its tag.
pub(super) fn element(tag: &str) -> Result<Element<'_>, String> {
    let name = tag_name(tag);
    let name_len = name.len();
    let mut el = Element::new(name);
    for attr in quick_xml::events::attributes::Attributes::new(tag, name_len) {
        let attr = attr.map_err(|err| err.to_string())?;
        el.attrs.push((Cow::Borrowed(attr.key.0), attr.value));
    }
    Ok(el)
}

pub(super) fn serialize(nodes: &[Node]) -> String {
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
            write_tag_open(out, e);
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

/// `<name attr="value" …`, the tag left open.
pub(super) fn write_tag_open(out: &mut String, e: &Element) {
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
}

/// Parses `xml`, lets `f` change the tree, serializes it again.
#[cfg(test)]
pub(super) fn round(xml: &str, f: impl FnOnce(&mut Vec<Node>)) -> String {
    let mut nodes = parse(xml).expect("parses");
    f(&mut nodes);
    serialize(&nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_serialize_keep_text_escapes_and_declaration() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="x"><w:t xml:space="preserve">a &amp; b &lt;c&gt; «№ 1»</w:t><w:p/></w:document>"#;
        assert_eq!(round(xml, |_| {}), xml);
    }
}
