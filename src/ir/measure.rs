//! Widths of text in the embedded fonts, for fitting table columns and
//! finding words too long for their line before either renderer runs.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, Ordering};

use crate::fonts::FONTS;

const PT_PER_MM: f32 = 72.0 / 25.4;

struct Metrics {
    regular: Face,
    bold: Face,
}

/// A face with the advances of the characters below [`TABLE_END`] kept
/// once looked up: a column is fitted to every word of every cell, and a
/// lookup in the font's character map costs more than the rest of the
/// measuring. They are looked up on first use, not all at the start: the
/// records use a few hundred of the table's characters, and filling all of
/// it cost a run more than measuring the tables of twenty documents.
struct Face {
    face: ttf_parser::Face<'static>,
    /// Advance of each character below `TABLE_END` in font units;
    /// [`MISSING`] where the face has no glyph, [`UNKNOWN`] until asked.
    /// Threads that look up the same character store the same value.
    advances: Vec<AtomicU16>,
}

/// Latin, Cyrillic, and the punctuation block (dashes, «№», «…»).
const TABLE_END: u32 = 0x2200;
const MISSING: u16 = u16::MAX;
/// No face has a glyph this wide (their em is 2048 units).
const UNKNOWN: u16 = u16::MAX - 1;

impl Face {
    fn new(data: &'static [u8], what: &str) -> Face {
        let face = ttf_parser::Face::parse(data, 0)
            .unwrap_or_else(|e| panic!("the embedded {what} face parses: {e}"));
        let advances = (0..TABLE_END).map(|_| AtomicU16::new(UNKNOWN)).collect();
        Face { face, advances }
    }

    /// Characters the face lacks (set in the fallback font) count as half
    /// an em.
    fn advance(&self, c: char) -> u32 {
        let known = match self.advances.get(c as usize) {
            Some(slot) => match slot.load(Ordering::Relaxed) {
                MISSING => None,
                UNKNOWN => {
                    let found = lookup(&self.face, c);
                    slot.store(found.unwrap_or(MISSING), Ordering::Relaxed);
                    found
                }
                units => Some(units),
            },
            None => lookup(&self.face, c),
        };
        known.map_or(u32::from(self.face.units_per_em()) / 2, u32::from)
    }
}

fn lookup(face: &ttf_parser::Face, c: char) -> Option<u16> {
    face.glyph_index(c)
        .and_then(|g| face.glyph_hor_advance(g))
        .filter(|&units| units < UNKNOWN)
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics {
        regular: Face::new(FONTS[0], "regular"),
        bold: Face::new(FONTS[1], "bold"),
    })
}

/// Width of a text in mm at `size` pt. Characters the face lacks count as
/// half an em; invisible ones as nothing.
pub fn text_width(text: &str, bold: bool, size: f32) -> f32 {
    let face = if bold {
        &metrics().bold
    } else {
        &metrics().regular
    };
    let units: u32 = text
        .chars()
        .filter(|c| !matches!(c, '\u{ad}' | '\u{200b}'))
        .map(|c| face.advance(c))
        .sum();
    units as f32 / f32::from(face.face.units_per_em()) * size / PT_PER_MM
}

/// The pieces of a text that cannot break: runs between ordinary spaces (a
/// no-break space joins), cut after a hyphen or slash that is not followed
/// by a digit — where Unicode line breaking, and so Typst and Word, break.
pub fn unbreakable_pieces(text: &str) -> impl Iterator<Item = &str> {
    text.split([' ', '\n', '\t'])
        .flat_map(|word| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest.is_empty() {
                    return None;
                }
                let mut chars = rest.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    let next = chars.peek().map(|&(_, n)| n);
                    if matches!(c, '-' | '/') && next.is_some_and(|n| !n.is_ascii_digit()) {
                        let (piece, after) = rest.split_at(i + c.len_utf8());
                        rest = after;
                        return Some(piece);
                    }
                }
                Some(std::mem::take(&mut rest))
            })
        })
        .filter(|piece| !piece.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_from_the_table_are_the_fonts_own() {
        for bold in [false, true] {
            let face = if bold {
                &metrics().bold
            } else {
                &metrics().regular
            };
            let units_per_em = u32::from(face.face.units_per_em());
            // Inside the table, past it, and a character the face lacks.
            for c in "Аязё«»№—…AZ09 \u{a0}\u{2116}\u{2212}\u{4e2d}\u{1f600}".chars() {
                let expected = lookup(&face.face, c).map_or(units_per_em / 2, u32::from);
                assert_eq!(face.advance(c), expected, "{c:?} bold={bold}");
            }
        }
    }

    #[test]
    fn a_character_is_looked_up_once_and_kept() {
        let face = Face::new(FONTS[0], "regular");
        let slot = |c: char| face.advances[c as usize].load(Ordering::Relaxed);
        assert_eq!(slot('Ж'), UNKNOWN);
        let first = face.advance('Ж');
        assert_eq!(u32::from(slot('Ж')), first);
        assert_eq!(face.advance('Ж'), first);
        // A character the face lacks is remembered as missing.
        face.advance('\u{1fff}');
        assert_eq!(slot('\u{1fff}'), MISSING);
    }

    #[test]
    fn pieces_break_after_hyphens_and_slashes_but_not_before_digits() {
        let pieces: Vec<&str> =
            unbreakable_pieces("индустриальный-партнер п/п 2022-2023 a/1 №\u{a0}1064-а").collect();
        assert_eq!(
            pieces,
            [
                "индустриальный-",
                "партнер",
                "п/",
                "п",
                "2022-2023",
                "a/1",
                "№\u{a0}1064-",
                "а"
            ]
        );
    }
}
