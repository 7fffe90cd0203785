//! The fixes of a tree: the default language, paragraph ids, custom
//! properties.

use super::xml::{Element, Node};

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

/// The next paragraph id, if the element has one: `w14:paraId`s go from 1
/// in package order, unique across parts and the same on every render.
pub(super) fn give_para_id(el: &mut Element, next: &mut u32) {
    if el.attr("w14:paraId").is_some() {
        *next += 1;
        el.set_attr("w14:paraId", &format!("{:08X}", *next));
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
    use crate::render::docx::postprocess::xml::round;

    #[test]
    fn default_language_goes_into_run_defaults() {
        let xml = r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="28"/></w:rPr></w:rPrDefault></w:docDefaults><w:style/></w:styles>"#;
        let fixed = round(xml, |n| set_default_lang(n, "kk-KZ"));
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
    fn custom_properties_are_sorted_and_renumbered() {
        let xml = r#"<Properties xmlns="x"><property fmtid="f" pid="2" name="b"><vt:lpwstr>2</vt:lpwstr></property><property fmtid="f" pid="3" name="a"><vt:lpwstr>1</vt:lpwstr></property></Properties>"#;
        assert_eq!(
            round(xml, |n| sort_custom_properties(n)),
            r#"<Properties xmlns="x"><property fmtid="f" pid="2" name="a"><vt:lpwstr>1</vt:lpwstr></property><property fmtid="f" pid="3" name="b"><vt:lpwstr>2</vt:lpwstr></property></Properties>"#
        );
    }
}
