//! Places to break words too long for their line, marked once in the
//! document model so that the PDF and the DOCX break them alike.
//!
//! Nothing else is hyphenated: ordinary words keep to their lines as the
//! seeds do. But a word wider than the line it stands in (an e-mail address,
//! a URL, a registration code, a long compound in a narrow column) would run
//! past the margin and be cut off on paper. Such a word gets, in this order:
//!
//! 1. a zero-width space after each `/ . @ _ -` inside it (addresses, codes);
//! 2. in a Russian document, soft hyphens where the Russian hyphenation
//!    patterns Typst uses (hypher) allow a break, in pieces still too wide;
//! 3. zero-width spaces between letters, where a piece is still too wide
//!    (Kazakh words — Typst has no Kazakh patterns — and codes without any
//!    of the characters above).
//!
//! Word and LibreOffice break at a zero-width space and at a soft hyphen
//! (`w:softHyphen`). The PDF layout turns a zero-width space into an empty
//! box, a place to break that copies as nothing, and lets Typst hyphenate
//! a word marked with soft hyphens, so the copied text has only the hyphen
//! of an actual break.

use super::measure::{text_width, unbreakable_pieces};
use super::{Block, Clause, Document, Inline, ListItem, Table};
use crate::ir::Lang;

/// A break with no hyphen.
pub const ZWSP: char = '\u{200b}';
/// A break that shows a hyphen when taken.
pub const SHY: char = '\u{ad}';

/// Characters a long word may break after.
const BREAK_AFTER: &[char] = &['/', '.', '@', '_', '-'];

/// Left plus right cell margin, mm, as the table layouts use (Word's
/// default), plus a little for differences in measuring.
const CELL_MARGINS_MM: f32 = 2.0 * 1.9 + 1.0;

/// Gap between the position and the name of a signature, mm (2 em).
const SIGNATURE_GUTTER_MM: f32 = 10.0;

/// Gap between parties set side by side, mm (`lib.typ`, `parties`).
const PARTY_GUTTER_MM: f32 = 10.0;

/// The line a text is set in: its width and type size.
#[derive(Debug, Clone, Copy)]
struct Line {
    width_mm: f32,
    size: f32,
    lang: Lang,
}

/// Marks break places in every word of the document too long for its line.
pub fn break_long_words(doc: &mut Document) {
    let p = &doc.profile;
    let text = p.text_width();
    let body = Line {
        width_mm: text - p.first_line_indent,
        size: p.font.size,
        lang: doc.meta.lang,
    };
    let small = Line {
        size: p.font.small_size,
        ..body
    };
    let table_size = p.font.table_size;
    for b in &mut doc.blocks {
        block(b, body, small, table_size, text);
    }
}

fn block(b: &mut Block, body: Line, small: Line, table_size: f32, text_width: f32) {
    match b {
        Block::Paragraph(p) => runs(&mut p.runs, body),
        Block::Heading { runs: r, .. } => runs(r, body),
        Block::Clauses { items } => items.iter_mut().for_each(|c| clause(c, body)),
        Block::List(l) => l.items.iter_mut().for_each(|i| item(i, body)),
        Block::Table(t) => table(t, text_width, body.lang, small.size, table_size),
        Block::Letterhead(l) => {
            l.body.iter_mut().for_each(|s| string(s, body, true));
            let third = Line {
                width_mm: text_width / 3.0,
                ..body
            };
            for s in [&mut l.date, &mut l.place, &mut l.number] {
                string(s, third, false);
            }
        }
        Block::Stamp(s) => {
            let line = Line {
                width_mm: s.width,
                ..small
            };
            s.lines.iter_mut().for_each(|l| runs(l, line));
        }
        Block::Signature(s) => {
            // Position and name share the width 3 : 2 (`lib.typ`, `signature`).
            let column = |share: f32| Line {
                width_mm: (text_width - SIGNATURE_GUTTER_MM) * share,
                ..body
            };
            let (position, name) = (column(0.6), column(0.4));
            s.position
                .iter_mut()
                .for_each(|l| string(l, position, false));
            string(&mut s.name, name, false);
        }
        Block::Parties(ps) => {
            let n = ps.columns.max(1) as f32;
            let cell = Line {
                width_mm: (text_width - PARTY_GUTTER_MM * (n - 1.0)) / n,
                ..body
            };
            // The signer's name follows a signing line of 55 % of the cell.
            let after_line = Line {
                width_mm: cell.width_mm * 0.45 - 2.0,
                ..cell
            };
            for party in &mut ps.parties {
                string(&mut party.name, cell, true);
                party.lines.iter_mut().for_each(|l| string(l, cell, false));
                string(&mut party.signer_position, cell, false);
                string(&mut party.signer_name, after_line, false);
            }
        }
        Block::Contents { title } => string(title, body, true),
        Block::PageBreak => {}
    }
}

fn clause(c: &mut Clause, line: Line) {
    runs(&mut c.runs, line);
    c.more.iter_mut().for_each(|m| runs(m, line));
    c.children.iter_mut().for_each(|ch| clause(ch, line));
}

fn item(i: &mut ListItem, line: Line) {
    runs(&mut i.runs, line);
    i.children.iter_mut().for_each(|ch| item(ch, line));
}

/// Cells are as wide as the columns they span, less the cell margins.
fn table(t: &mut Table, width_mm: f32, lang: Lang, small_size: f32, table_size: f32) {
    let total: f32 = t.columns.iter().sum();
    let size = t.font_size.unwrap_or(table_size);
    let n = t.columns.len();
    let mut taken = vec![0usize; n];
    for row in &mut t.rows {
        let mut col = 0;
        for cell in &mut row.cells {
            while col < n && taken[col] > 0 {
                col += 1;
            }
            if col >= n {
                break;
            }
            let span = cell.colspan.max(1).min(n - col);
            for t in &mut taken[col..col + span] {
                *t = cell.rowspan.max(1);
            }
            let share: f32 = t.columns[col..col + span].iter().sum();
            let inner = if total > 0.0 {
                share / total * width_mm - CELL_MARGINS_MM
            } else {
                0.0
            };
            let line = Line {
                width_mm: inner,
                size,
                lang,
            };
            let small = Line {
                size: small_size,
                ..line
            };
            for b in &mut cell.blocks {
                block(b, line, small, size, inner);
            }
            col += span;
        }
        for t in &mut taken {
            *t = t.saturating_sub(1);
        }
    }
}

fn runs(rs: &mut Vec<Inline>, line: Line) {
    if !rs.iter().any(|r| too_long(r, line)) {
        return;
    }
    let mut out = Vec::with_capacity(rs.len() + 2);
    for r in rs.drain(..) {
        match r {
            Inline::Text {
                text,
                bold,
                italic,
                spaced,
                nobreak,
            } => {
                let fits = text_width(&text, bold, line.size) <= line.width_mm;
                // A no-break run («№ 1064-а») wider than the line must break.
                let nobreak = nobreak && fits;
                let text = if nobreak {
                    text
                } else {
                    break_words(&text, bold, line)
                };
                out.push(Inline::Text {
                    text,
                    bold,
                    italic,
                    spaced,
                    nobreak,
                });
            }
            Inline::Break => out.push(Inline::Break),
        }
    }
    *rs = out;
}

fn too_long(r: &Inline, line: Line) -> bool {
    let Inline::Text {
        text,
        bold,
        nobreak,
        ..
    } = r
    else {
        return false;
    };
    if *nobreak {
        return text_width(text, *bold, line.size) > line.width_mm;
    }
    words(text).any(|w| text_width(w, *bold, line.size) > line.width_mm)
}

/// A string field (a name, a requisite line) with its long words broken.
fn string(s: &mut String, line: Line, bold: bool) {
    if words(s).any(|w| text_width(w, bold, line.size) > line.width_mm) {
        *s = break_words(s, bold, line);
    }
}

/// What cannot break already (see [`unbreakable_pieces`]).
fn words(text: &str) -> impl Iterator<Item = &str> {
    unbreakable_pieces(text)
}

/// The text with break places in every word wider than the line.
fn break_words(text: &str, bold: bool, line: Line) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if words(word).any(|w| text_width(w, bold, line.size) > line.width_mm) {
            out.push_str(&break_word(word, bold, line));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in text.chars() {
        if matches!(ch, ' ' | '\n' | '\t') {
            flush(&mut word, &mut out);
            out.push(ch);
        } else {
            word.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// One word too wide for the line, with break places.
fn break_word(word: &str, bold: bool, line: Line) -> String {
    let fits = |piece: &str| text_width(piece, bold, line.size) <= line.width_mm;
    // 1. After the separators of addresses and codes.
    let mut marked = String::with_capacity(word.len() + 8);
    let mut chars = word.chars().peekable();
    while let Some(ch) = chars.next() {
        marked.push(ch);
        // Hyphens and slashes break by themselves, except before a digit.
        let natural = matches!(ch, '-' | '/') && !chars.peek().is_some_and(char::is_ascii_digit);
        if BREAK_AFTER.contains(&ch) && !natural && chars.peek().is_some_and(|n| !is_break(*n)) {
            marked.push(ZWSP);
        }
    }
    let mut out = String::with_capacity(marked.len() + 8);
    for (i, piece) in marked.split(ZWSP).enumerate() {
        if i > 0 {
            out.push(ZWSP);
        }
        if words(piece).all(fits) {
            out.push_str(piece);
            continue;
        }
        // 2. Hyphenation, where there are patterns.
        let piece = match line.lang {
            Lang::Ru => hyphenate(piece),
            Lang::Kk => piece.to_owned(),
        };
        // 3. Between letters, as late in the line as the width allows.
        for (j, syllables) in piece.split(SHY).enumerate() {
            if j > 0 {
                out.push(SHY);
            }
            if fits(syllables) {
                out.push_str(syllables);
            } else {
                out.push_str(&between_letters(syllables, bold, line));
            }
        }
    }
    out
}

fn is_break(c: char) -> bool {
    c == ZWSP || c == SHY
}

/// Soft hyphens at the Russian hyphenation points of each run of letters.
fn hyphenate(piece: &str) -> String {
    let mut out = String::with_capacity(piece.len() + 8);
    let mut letters = String::new();
    let flush = |letters: &mut String, out: &mut String| {
        if !letters.is_empty() {
            let syllables: Vec<&str> = hypher::hyphenate(letters, hypher::Lang::Russian).collect();
            out.push_str(&syllables.join("\u{ad}"));
            letters.clear();
        }
    };
    for ch in piece.chars() {
        if ch.is_alphabetic() {
            letters.push(ch);
        } else {
            flush(&mut letters, &mut out);
            out.push(ch);
        }
    }
    flush(&mut letters, &mut out);
    out
}

/// Zero-width spaces so that every stretch between them fits the line.
fn between_letters(piece: &str, bold: bool, line: Line) -> String {
    let mut out = String::with_capacity(piece.len() + 8);
    let mut current = String::new();
    for ch in piece.chars() {
        current.push(ch);
        if text_width(&current, bold, line.size) > line.width_mm && current.chars().count() > 1 {
            current.pop();
            out.push_str(&current);
            out.push(ZWSP);
            current.clear();
            current.push(ch);
        }
    }
    out.push_str(&current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(width_mm: f32, lang: Lang) -> Line {
        Line {
            width_mm,
            size: 14.0,
            lang,
        }
    }

    fn pieces(s: &str) -> Vec<&str> {
        s.split([ZWSP, SHY]).collect()
    }

    #[test]
    fn words_that_fit_are_left_alone() {
        let l = line(170.0, Lang::Ru);
        let text = "приказ от 26.09.2022 chechurkina_kk@primorsky.ru";
        assert_eq!(break_words(text, false, l), text);
    }

    #[test]
    fn an_address_breaks_after_its_separators() {
        let l = line(40.0, Lang::Ru);
        let broken = break_words("адрес chechurkina_kk@ministerstvo.primorsky.ru", false, l);
        assert_eq!(
            broken,
            "адрес chechurkina_\u{200b}kk@\u{200b}ministerstvo.\u{200b}primorsky.\u{200b}ru"
        );
        assert_eq!(
            broken.replace(ZWSP, ""),
            "адрес chechurkina_kk@ministerstvo.primorsky.ru"
        );
    }

    #[test]
    fn a_long_russian_word_is_hyphenated_by_the_patterns() {
        let l = line(30.0, Lang::Ru);
        let broken = break_words("человеконенавистничество", false, l);
        assert!(broken.contains(SHY), "{broken}");
        assert_eq!(broken.replace(SHY, ""), "человеконенавистничество");
        assert!(
            pieces(&broken)
                .iter()
                .all(|p| text_width(p, false, 14.0) <= 30.0)
        );
    }

    #[test]
    fn kazakh_words_and_codes_break_between_letters() {
        let l = line(20.0, Lang::Kk);
        let broken = break_words("мемлекеттікбағдарламаларынорындау", false, l);
        assert!(!broken.contains(SHY));
        assert!(broken.contains(ZWSP));
        assert_eq!(
            broken.replace(ZWSP, ""),
            "мемлекеттікбағдарламаларынорындау"
        );
        for p in pieces(&broken) {
            assert!(text_width(p, false, 14.0) <= 20.0, "{p}");
        }
        let code = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ";
        let broken = break_words(code, true, line(25.0, Lang::Ru));
        assert_eq!(broken.replace(ZWSP, ""), code);
        assert!(
            pieces(&broken)
                .iter()
                .all(|p| text_width(p, true, 14.0) <= 25.0)
        );
    }

    #[test]
    fn a_no_break_run_wider_than_its_line_may_break() {
        let mut rs = vec![
            Inline::plain("приказ "),
            Inline::nobreak("№\u{a0}1064-а-2022-ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ];
        runs(&mut rs, line(30.0, Lang::Ru));
        let Inline::Text { text, nobreak, .. } = &rs[1] else {
            unreachable!()
        };
        assert!(!nobreak);
        assert!(text.contains(ZWSP));
        let mut short = vec![Inline::nobreak("№\u{a0}1064-а")];
        runs(&mut short, line(30.0, Lang::Ru));
        assert_eq!(short, vec![Inline::nobreak("№\u{a0}1064-а")]);
    }
}
