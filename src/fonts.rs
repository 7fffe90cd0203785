//! The embedded fonts, and which characters they can draw.
//!
//! Liberation Serif (metric-compatible with Times New Roman) sets every
//! document; DejaVu Serif is the fallback Typst turns to for characters
//! Liberation lacks (₸, ₽, ⇒, arrows, more mathematical signs). A character
//! neither has would print as a blank in the PDF, so `check` refuses it
//! (`validate::text`) with the names of the fonts tried.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The embedded fonts: Liberation Serif 2.1 (SIL OFL) in four styles, then
/// DejaVu Serif 2.37 (Bitstream Vera licence) regular and bold. The first two
/// are the regular and bold faces the table columns are measured with.
pub static FONTS: [&[u8]; 6] = [
    include_bytes!("../fonts/liberation/LiberationSerif-Regular.ttf"),
    include_bytes!("../fonts/liberation/LiberationSerif-Bold.ttf"),
    include_bytes!("../fonts/liberation/LiberationSerif-Italic.ttf"),
    include_bytes!("../fonts/liberation/LiberationSerif-BoldItalic.ttf"),
    include_bytes!("../fonts/dejavu/DejaVuSerif.ttf"),
    include_bytes!("../fonts/dejavu/DejaVuSerif-Bold.ttf"),
];

/// Characters that are printed as nothing by design: they need no glyph.
/// Soft hyphen, zero-width space and (non-)joiners, word joiner.
const INVISIBLE: &[char] = &['\u{ad}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}'];

struct Coverage {
    /// One bit per code point of the Basic Multilingual Plane, where nearly
    /// every character of the records is: checking a text is an index each.
    bmp: Vec<u64>,
    /// Code points beyond it.
    astral: HashSet<u32>,
    families: Vec<String>,
}

impl Coverage {
    fn has(&self, c: u32) -> bool {
        match self.bmp.get(c as usize / 64) {
            Some(word) => word & (1 << (c % 64)) != 0,
            None => self.astral.contains(&c),
        }
    }
}

fn coverage() -> &'static Coverage {
    static COVERAGE: OnceLock<Coverage> = OnceLock::new();
    COVERAGE.get_or_init(|| {
        let mut bmp = vec![0u64; 0x10000 / 64];
        let mut astral = HashSet::new();
        let mut families: Vec<String> = Vec::new();
        for data in FONTS {
            let face = ttf_parser::Face::parse(data, 0).expect("an embedded font parses");
            if let Some(cmap) = face.tables().cmap {
                for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                    sub.codepoints(|c| {
                        if sub.glyph_index(c).is_some_and(|g| g.0 != 0) {
                            match bmp.get_mut(c as usize / 64) {
                                Some(word) => *word |= 1 << (c % 64),
                                None => {
                                    astral.insert(c);
                                }
                            }
                        }
                    });
                }
            }
            let family = face
                .names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
                .find_map(|n| n.to_string());
            if let Some(f) = family
                && !families.contains(&f)
            {
                families.push(f);
            }
        }
        Coverage {
            bmp,
            astral,
            families,
        }
    })
}

/// Whether the PDF can print the character: white space, an invisible
/// formatting character, or a character one of the embedded fonts has.
#[inline]
pub fn can_draw(c: char) -> bool {
    coverage().has(c as u32) || matches!(c, ' ' | '\n' | '\t') || INVISIBLE.contains(&c)
}

/// The family names of the embedded fonts, in the order they are tried.
pub fn families() -> &'static [String] {
    &coverage().families
}

/// «U+0627 ARABIC LETTER ALEF»: how a problem names a character.
pub fn char_name(c: char) -> String {
    match unicode_names2::name(c) {
        Some(name) => format!("U+{:04X} {name}", c as u32),
        None if c.is_control() => format!("U+{:04X} (a control character)", c as u32),
        None => format!("U+{:04X}", c as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_kazakh_latin_and_common_signs_are_drawn() {
        let text = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя\
                    ӘәҒғҚқҢңӨөҰұҮүҺһІі ABCxyz 0123456789 №§±≤≥°‰←→↑↓⇒¹²³ ΑΩαω ąčéőşž «»„“–— ₸₽€";
        let missing: Vec<char> = text.chars().filter(|c| !can_draw(*c)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn scripts_without_a_font_and_control_characters_are_not() {
        for c in ['\u{627}', '\u{4e2d}', '\u{7}', '\u{1F600}', '\u{e000}'] {
            assert!(!can_draw(c), "{}", char_name(c));
        }
    }

    #[test]
    fn characters_are_named_with_their_code_point() {
        assert_eq!(char_name('\u{627}'), "U+0627 ARABIC LETTER ALEF");
        assert_eq!(char_name('\u{7}'), "U+0007 (a control character)");
    }

    #[test]
    fn families_are_listed_once_each_in_order() {
        assert_eq!(families(), ["Liberation Serif", "DejaVu Serif"]);
    }
}
