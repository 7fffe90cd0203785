//! The embedded fonts, and which characters they can draw.
//!
//! Liberation Serif (metric-compatible with Times New Roman) sets every
//! document; DejaVu Serif is the fallback Typst turns to for characters
//! Liberation lacks (₸, ₽, ⇒, arrows, more mathematical signs). A character
//! neither has would print as a blank in the PDF, so `check` refuses it
//! (`validate::text`) with the names of the fonts tried.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Which characters the fonts have, asked of their character maps one
/// character at a time and remembered: the records use a few hundred
/// characters, and reading every map whole cost a run more than checking
/// the texts of twenty documents.
struct Coverage {
    faces: Vec<ttf_parser::Face<'static>>,
    /// One bit per code point of the Basic Multilingual Plane, where nearly
    /// every character of the records is: set once the fonts were asked.
    asked: Vec<AtomicU64>,
    /// And set when one of them has it. Threads asking about the same
    /// character set the same bits.
    has: Vec<AtomicU64>,
    families: Vec<String>,
}

impl Coverage {
    fn has(&self, c: u32) -> bool {
        let (word, bit) = (c as usize / 64, 1u64 << (c % 64));
        let Some(asked) = self.asked.get(word) else {
            return self.any_face_has(c);
        };
        if asked.load(Ordering::Acquire) & bit != 0 {
            return self.has[word].load(Ordering::Relaxed) & bit != 0;
        }
        let has = self.any_face_has(c);
        if has {
            self.has[word].fetch_or(bit, Ordering::Relaxed);
        }
        asked.fetch_or(bit, Ordering::Release);
        has
    }

    /// Whether a Unicode map of one of the fonts gives the character a
    /// glyph other than the "missing" one.
    fn any_face_has(&self, c: u32) -> bool {
        self.faces.iter().any(|face| {
            face.tables().cmap.is_some_and(|cmap| {
                cmap.subtables
                    .into_iter()
                    .filter(|s| s.is_unicode())
                    .any(|s| s.glyph_index(c).is_some_and(|g| g.0 != 0))
            })
        })
    }
}

fn coverage() -> &'static Coverage {
    static COVERAGE: OnceLock<Coverage> = OnceLock::new();
    COVERAGE.get_or_init(|| {
        let faces: Vec<ttf_parser::Face<'static>> = FONTS
            .iter()
            .map(|data| ttf_parser::Face::parse(data, 0).expect("an embedded font parses"))
            .collect();
        let mut families: Vec<String> = Vec::new();
        for face in &faces {
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
        let words = || (0..0x10000 / 64).map(|_| AtomicU64::new(0)).collect();
        Coverage {
            faces,
            asked: words(),
            has: words(),
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
    fn asking_character_by_character_agrees_with_reading_the_maps_whole() {
        let mut whole = std::collections::HashSet::new();
        for data in FONTS {
            let face = ttf_parser::Face::parse(data, 0).unwrap();
            for sub in face.tables().cmap.unwrap().subtables {
                if sub.is_unicode() {
                    sub.codepoints(|c| {
                        if sub.glyph_index(c).is_some_and(|g| g.0 != 0) {
                            whole.insert(c);
                        }
                    });
                }
            }
        }
        assert!(whole.len() > 3000, "{}", whole.len());
        let astral = whole.iter().copied().filter(|&c| c >= 0x10000);
        for c in (0..0x10000).chain(astral).chain([0x1f600, 0x10ffff]) {
            // Twice: asked, then remembered.
            assert_eq!(coverage().has(c), whole.contains(&c), "U+{c:04X}");
            assert_eq!(coverage().has(c), whole.contains(&c), "U+{c:04X}");
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
