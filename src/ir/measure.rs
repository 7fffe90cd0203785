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
