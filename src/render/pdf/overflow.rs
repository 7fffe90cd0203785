//! The last check before a PDF is written: every line of text lies inside
//! the page's text area and inside the table cell it was laid out in. Typst
//! lets a word longer than its line, or an unbreakable block taller than the
//! page, run past the edge, where it is cut off on paper; this turns that
//! into an error naming the page and the text.

use typst::foundations::Label;
use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::text::{Glyph, TextItem};
use typst_layout::PagedDocument;

use crate::profile::Profile;

/// The label the layout puts on the box of every table cell
/// (`templates/typst/lib.typ`).
pub const CELL_LABEL: &str = "clusterdoc-cell";

/// The label of the page number, the only text in the top margin.
pub const PAGE_NUMBER_LABEL: &str = "clusterdoc-page-number";

/// How far text may reach past an edge: rounding, and the side bearings of
/// italic letters.
const TOLERANCE_PT: f64 = 0.5;

/// Text found outside its area.
#[derive(Debug, Clone, PartialEq)]
pub struct Overflow {
    /// 1-based page number.
    pub page: usize,
    /// The text of the line (or of the part of it) that overflows.
    pub text: String,
    /// Which edge it crosses: «the right margin», «its table cell», …
    pub edge: &'static str,
    /// By how much, in millimetres.
    pub by_mm: f64,
}

/// The bounds text must keep to, in page coordinates.
#[derive(Clone, Copy)]
struct Area {
    left: Abs,
    right: Abs,
    top: Abs,
    bottom: Abs,
    /// Whether the bounds are a table cell's rather than the page's.
    cell: bool,
}

/// The first text that lies outside its area, page by page.
pub fn find_overflow(doc: &PagedDocument, profile: &Profile) -> Option<Overflow> {
    for (i, page) in doc.pages().iter().enumerate() {
        let size = page.frame.size();
        let m = &profile.margins;
        let page_area = Area {
            left: Abs::mm(m.left.into()),
            right: size.x - Abs::mm(m.right.into()),
            top: Abs::mm(m.top.into()),
            bottom: size.y - Abs::mm(m.bottom.into()),
            cell: false,
        };
        let mut found = None;
        walk(&page.frame, Transform::identity(), page_area, &mut found);
        if let Some((text, edge, by)) = found {
            return Some(Overflow {
                page: i + 1,
                text,
                edge,
                by_mm: (by.to_mm() * 10.0).round() / 10.0,
            });
        }
    }
    None
}

type Found = Option<(String, &'static str, Abs)>;

fn walk(frame: &Frame, ts: Transform, area: Area, found: &mut Found) {
    for (pos, item) in frame.items() {
        if found.is_some() {
            return;
        }
        let here = ts.pre_concat(Transform::translate(pos.x, pos.y));
        match item {
            FrameItem::Group(group) => {
                let inner = here.pre_concat(group.transform);
                let mut area = area;
                if group.label.is_some_and(|l| is(l, PAGE_NUMBER_LABEL)) {
                    area.top = Abs::zero();
                }
                if group.label.is_some_and(|l| is(l, CELL_LABEL)) {
                    let left = Point::zero().transform(inner).x;
                    let right = Point::with_x(group.frame.width()).transform(inner).x;
                    area = Area {
                        left: left.max(area.left),
                        right: right.min(area.right),
                        cell: true,
                        ..area
                    };
                }
                walk(&group.frame, inner, area, found);
            }
            FrameItem::Text(text) => check_text(text, here, area, found),
            _ => {}
        }
    }
}

fn is(label: Label, name: &str) -> bool {
    label.resolve().as_str() == name
}

/// The inked extent of a text item (leading and trailing spaces left out)
/// against the area.
fn check_text(text: &TextItem, ts: Transform, area: Area, found: &mut Found) {
    let tolerance = Abs::pt(TOLERANCE_PT);
    let Some((first, last)) = ink(&text.glyphs, &text.text, text.size) else {
        return;
    };
    let start = Point::with_x(first).transform(ts);
    let end = Point::with_x(last).transform(ts);
    let metrics = text.font.metrics();
    let top = Point::with_y(-metrics.ascender.at(text.size))
        .transform(ts)
        .y;
    let bottom = Point::with_y(metrics.descender.abs().at(text.size))
        .transform(ts)
        .y;
    let (edge, by) = if end.x > area.right + tolerance {
        let edge = if area.cell {
            "the edge of its table cell"
        } else {
            "the right margin"
        };
        (edge, end.x - area.right)
    } else if start.x < area.left - tolerance {
        let edge = if area.cell {
            "the edge of its table cell"
        } else {
            "the left margin"
        };
        (edge, area.left - start.x)
    } else if bottom > area.bottom + tolerance {
        ("the bottom margin", bottom - area.bottom)
    } else if top < area.top - tolerance {
        ("the top margin", area.top - top)
    } else {
        return;
    };
    *found = Some((text.text.trim().to_owned(), edge, by));
}

/// Where the ink of a line starts and ends from the line's start: its
/// blanks at either end left out; `None` if it is all blank. Only the
/// glyphs at the ends are looked into: every glyph of every line passes
/// here.
fn ink(glyphs: &[Glyph], text: &str, size: Abs) -> Option<(Abs, Abs)> {
    let blank = |g: &Glyph| text[g.range()].chars().all(char::is_whitespace);
    let first_ink = glyphs.iter().position(|g| !blank(g))?;
    let last_ink = glyphs.iter().rposition(|g| !blank(g))?;
    // Added up in the line's order, as its glyphs were placed.
    let advance = |x: Abs, g: &Glyph| x + g.x_advance.at(size);
    let first = glyphs[..first_ink].iter().fold(Abs::zero(), advance);
    Some((
        first,
        glyphs[first_ink..=last_ink].iter().fold(first, advance),
    ))
}

/// The text of a page in layout order, a line break wherever a line starts
/// lower than the last one.
pub fn page_text(frame: &Frame) -> String {
    fn walk(frame: &Frame, ts: Transform, out: &mut String, last_y: &mut Abs) {
        for (pos, item) in frame.items() {
            let here = ts.pre_concat(Transform::translate(pos.x, pos.y));
            match item {
                FrameItem::Group(g) => walk(&g.frame, here.pre_concat(g.transform), out, last_y),
                FrameItem::Text(t) => {
                    let y = Point::zero().transform(here).y;
                    if !out.is_empty() {
                        out.push(if (y - *last_y).abs() > Abs::pt(1.0) {
                            '\n'
                        } else {
                            ' '
                        });
                    }
                    *last_y = y;
                    out.push_str(t.text.trim());
                }
                _ => {}
            }
        }
    }
    let mut out = String::new();
    walk(frame, Transform::identity(), &mut out, &mut Abs::zero());
    out
}

#[cfg(test)]
mod tests {
    use typst::layout::{Abs, Em};
    use typst::syntax::Span;
    use typst::text::Glyph;

    use super::ink;

    /// Glyphs of a text, one a character, of advances 0.5, 0.25, 0.125, …
    fn glyphs(text: &str) -> Vec<Glyph> {
        let mut advance = 1.0;
        text.char_indices()
            .map(|(i, c)| {
                advance /= 2.0;
                Glyph {
                    id: 0,
                    x_advance: Em::new(advance),
                    x_offset: Em::zero(),
                    y_advance: Em::zero(),
                    y_offset: Em::zero(),
                    range: i as u16..(i + c.len_utf8()) as u16,
                    span: (Span::detached(), 0),
                }
            })
            .collect()
    }

    #[test]
    fn the_ink_of_a_line_leaves_out_its_blanks_at_either_end() {
        let size = Abs::pt(64.0);
        let at = |text: &str| ink(&glyphs(text), text, size).map(|(a, b)| (a.to_pt(), b.to_pt()));
        assert_eq!(at("ab"), Some((0.0, 48.0)));
        assert_eq!(at(" ab"), Some((32.0, 56.0)));
        assert_eq!(at("ab "), Some((0.0, 48.0)));
        assert_eq!(at("\u{a0}a b\t"), Some((32.0, 60.0)));
        assert_eq!(at("я"), Some((0.0, 32.0)));
        assert_eq!(at(" \u{a0} "), None);
        assert_eq!(at(""), None);
    }
}
