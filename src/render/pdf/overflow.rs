//! The last check before a PDF is written: every line of text lies inside
//! the page's text area and inside the table cell it was laid out in. Typst
//! lets a word longer than its line, or an unbreakable block taller than the
//! page, run past the edge, where it is cut off on paper; this turns that
//! into an error naming the page and the text.

use typst::foundations::Label;
use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::text::TextItem;
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
    let mut x = Abs::zero();
    let mut first: Option<Abs> = None;
    let mut last = Abs::zero();
    for g in &text.glyphs {
        let advance = g.x_advance.at(text.size);
        let blank = text.text[g.range()].chars().all(char::is_whitespace);
        if !blank {
            first.get_or_insert(x);
            last = x + advance;
        }
        x += advance;
    }
    let Some(first) = first else { return };
    let start = Point::with_x(first).transform(ts);
    let end = Point::with_x(last).transform(ts);
    let metrics = text.font.metrics();
    let top = Point::with_y(-metrics.ascender.at(text.size))
        .transform(ts)
        .y;
    let bottom = Point::with_y(metrics.descender.abs().at(text.size))
        .transform(ts)
        .y;
    let line = text.text.trim().to_owned();
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
    *found = Some((line, edge, by));
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
