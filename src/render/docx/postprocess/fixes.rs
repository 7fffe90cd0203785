//! The fixes of a part's tree: optional hyphens, header rows, the default
//! language, paragraph ids, custom properties.

use std::borrow::Cow;

use super::Error;
use super::xml::{Element, Node};

/// A soft hyphen in a run's text becomes Word's own optional hyphen
/// (`w:softHyphen`), which Word and LibreOffice both break at with a hyphen;
/// docx-rs can write only text.
pub(super) fn soft_hyphens(nodes: &mut [Node]) {
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
pub(super) fn mark_header_rows(nodes: &mut [Node], header_rows: &[usize]) -> Result<(), Error> {
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
pub(super) fn set_default_lang(nodes: &mut [Node], lang: &str) {
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
pub(super) fn renumber_para_ids(nodes: &mut [Node], next: &mut u32) {
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
pub(super) fn sort_custom_properties(nodes: &mut [Node]) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::docx::postprocess::schema::reorder;
    use crate::render::docx::postprocess::xml::{parse, round};

    #[test]
    fn soft_hyphens_become_word_optional_hyphens() {
        let xml = "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">сверх\u{ad}длин\u{ad}ное</w:t></w:r><w:r><w:t>a\u{200b}b</w:t></w:r></w:p>";
        assert_eq!(
            round(xml, |n| soft_hyphens(n)),
            "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">сверх</w:t><w:softHyphen/><w:t xml:space=\"preserve\">длин</w:t><w:softHyphen/><w:t xml:space=\"preserve\">ное</w:t></w:r><w:r><w:t>a\u{200b}b</w:t></w:r></w:p>"
        );
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
}
