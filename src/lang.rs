//! The language a document is written in. Dates, profiles and the
//! document model all speak of it, so it stands apart from each.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ru,
    Kk,
}

impl Lang {
    /// ISO 639-1 code, as Typst's `text(lang:)` wants it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Kk => "kk",
        }
    }

    /// BCP 47 tag, as OOXML's `w:lang` wants it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ru => "ru-RU",
            Lang::Kk => "kk-KZ",
        }
    }
}
