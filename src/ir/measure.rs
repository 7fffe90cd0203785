//! Widths of text in the embedded fonts, for fitting table columns and
//! finding words too long for their line before either renderer runs.

use std::sync::OnceLock;

use crate::fonts::FONTS;

const PT_PER_MM: f32 = 72.0 / 25.4;

struct Metrics {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics {
        regular: ttf_parser::Face::parse(FONTS[0], 0).expect("the embedded regular face parses"),
        bold: ttf_parser::Face::parse(FONTS[1], 0).expect("the embedded bold face parses"),
    })
}

/// Width of a text in mm at `size` pt. Characters the face lacks (set in
/// the fallback font) count as half an em; invisible ones as nothing.
pub fn text_width(text: &str, bold: bool, size: f32) -> f32 {
    let face = if bold {
        &metrics().bold
    } else {
        &metrics().regular
    };
    let units: u32 = text
        .chars()
        .filter(|c| !matches!(c, '\u{ad}' | '\u{200b}'))
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(u32::from(face.units_per_em()) / 2, u32::from)
        })
        .sum();
    units as f32 / f32::from(face.units_per_em()) * size / PT_PER_MM
}

/// The pieces of a text that cannot break: runs between ordinary spaces (a
/// no-break space joins), cut after a hyphen or slash that is not followed
/// by a digit — where Unicode line breaking, and so Typst and Word, break.
pub fn unbreakable_pieces(text: &str) -> impl Iterator<Item = &str> {
    text.split([' ', '\n', '\t'])
        .flat_map(|word| {
            let mut pieces = Vec::new();
            let mut start = 0;
            let mut chars = word.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                let next = chars.peek().map(|&(_, n)| n);
                if matches!(c, '-' | '/') && next.is_some_and(|n| !n.is_ascii_digit()) {
                    pieces.push(&word[start..i + c.len_utf8()]);
                    start = i + c.len_utf8();
                }
            }
            pieces.push(&word[start..]);
            pieces
        })
        .filter(|piece| !piece.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

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
