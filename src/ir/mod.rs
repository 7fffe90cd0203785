//! The intermediate document model: what a document says and how it is
//! structured, independent of PDF or DOCX. Both renderers consume only this.
//!
//! Lengths are millimetres (`f32`), type sizes points. The model is serialised
//! to JSON for the Typst layout library (`templates/typst/`), so field names
//! here are part of that library's contract.

use serde::Serialize;

use crate::dates::Date;
pub use crate::lang::Lang;
use crate::profile::Profile;

/// One output document: an order with its appendices, a passport, an agreement…
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub meta: Meta,
    pub profile: Profile,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// Document kind as a slug: `order`, `passport`, `agreement`, …
    pub kind: String,
    /// The human name of the kind for inventories: «Приказ», «Паспорт кластера».
    pub kind_title: String,
    /// Title to the text, used for metadata and inventories.
    pub title: String,
    /// Registration number; `None` for a draft.
    pub number: Option<String>,
    /// Registration date; `None` for a draft.
    pub date: Option<Date>,
    pub lang: Lang,
    /// Issuing body or author, for the document properties.
    pub author: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Justified, with the profile's first-line indent.
    #[default]
    Justify,
    Left,
    Center,
    Right,
}

/// A run of text with one style. Text is final: typography (no-break spaces,
/// quotes) has been applied, and both renderers print it as is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Inline {
    Text {
        text: String,
        #[serde(skip_serializing_if = "is_false")]
        bold: bool,
        #[serde(skip_serializing_if = "is_false")]
        italic: bool,
        /// Letter-spaced («п р и к а з ы в а ю»). The text already carries the
        /// spaces between letters, so copying from either format gives the same.
        #[serde(skip_serializing_if = "is_false")]
        spaced: bool,
        /// No line break inside this run («№ 1064-а», «Э. В. Шамонова»).
        #[serde(skip_serializing_if = "is_false")]
        nobreak: bool,
    },
    /// A forced line break inside a paragraph.
    Break,
}

impl Inline {
    pub fn plain(text: impl Into<String>) -> Self {
        Inline::Text {
            text: text.into(),
            bold: false,
            italic: false,
            spaced: false,
            nobreak: false,
        }
    }

    /// A run kept on one line («№ 663а»).
    pub fn nobreak(text: impl Into<String>) -> Self {
        Inline::Text {
            text: text.into(),
            bold: false,
            italic: false,
            spaced: false,
            nobreak: true,
        }
    }

    pub fn bold(text: impl Into<String>) -> Self {
        Inline::Text {
            text: text.into(),
            bold: true,
            italic: false,
            spaced: false,
            nobreak: false,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Paragraph {
    pub runs: Vec<Inline>,
    pub align: Align,
    /// First-line indent of the profile (on for body text, off in tables and
    /// requisite blocks).
    pub indent: bool,
    /// Keep on the same page as the next block (titles, table captions).
    #[serde(skip_serializing_if = "is_false")]
    pub keep_with_next: bool,
    /// Extra space above, in mm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space_before: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph(Paragraph),
    /// A title to the text or a section heading; level 1 is the document's
    /// title («Об утверждении …»), centred and bold.
    Heading {
        level: u8,
        runs: Vec<Inline>,
        align: Align,
        /// Included in the table of contents.
        #[serde(skip_serializing_if = "is_false")]
        outlined: bool,
    },
    /// Numbered clauses of an order or agreement: «1.», «5.1.».
    Clauses {
        items: Vec<Clause>,
    },
    /// A bulleted or dash list («- …»).
    List(List),
    Table(Table),
    Letterhead(Letterhead),
    /// Approval stamp («УТВЕРЖДЕНО приказом …») or appendix mark
    /// («Приложение 1 к приказу …»): a block in the top right corner.
    Stamp(Stamp),
    Signature(Signature),
    /// Requisites and signatures of the parties of an agreement.
    Parties(Parties),
    /// Table of contents built from the outlined headings.
    Contents {
        title: String,
    },
    PageBreak,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    /// The full label as printed: «5.1.».
    pub label: String,
    pub runs: Vec<Inline>,
    /// Paragraphs that continue the clause's text (no label).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<Vec<Inline>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Clause>,
}

impl Clause {
    /// Nesting depth of this clause's label («5.1.» is 1).
    pub fn depth(&self) -> usize {
        self.label.trim_end_matches('.').matches('.').count()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct List {
    /// The marker printed before each item: «–», «•», or «» for none.
    pub marker: String,
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListItem {
    pub runs: Vec<Inline>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ListItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Column widths as shares of the text width (they need not add up to 1;
    /// renderers normalise).
    pub columns: Vec<f32>,
    /// How many leading rows are the header, repeated on every page.
    #[serde(skip_serializing_if = "is_zero")]
    pub header_rows: usize,
    pub rows: Vec<Row>,
    /// Type size in the table, in points (`None` = the profile's table size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_size: Option<f32>,
    /// Draw cell borders (off for layout tables).
    pub borders: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// The row is never split across pages.
    #[serde(skip_serializing_if = "is_false")]
    pub cant_split: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// Paragraphs and lists inside the cell.
    pub blocks: Vec<Block>,
    #[serde(skip_serializing_if = "is_one")]
    pub colspan: usize,
    #[serde(skip_serializing_if = "is_one")]
    pub rowspan: usize,
    #[serde(skip_serializing_if = "is_false")]
    pub bold: bool,
}

impl Cell {
    /// A cell with one left-aligned paragraph.
    pub fn text(runs: Vec<Inline>) -> Self {
        Cell {
            blocks: vec![Block::Paragraph(Paragraph {
                runs,
                align: Align::Left,
                ..Paragraph::default()
            })],
            colspan: 1,
            rowspan: 1,
            bold: false,
        }
    }
}

/// The head of an order: body name, document type, and the date / place /
/// number line. A draft has no date and no number and shows blanks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Letterhead {
    /// Lines of the issuing body's name, printed in capitals as given.
    pub body: Vec<String>,
    /// «П Р И К А З» — as printed.
    pub doc_type: String,
    /// «26.09.2022» or the blank «__________» of a draft.
    pub date: String,
    pub place: String,
    /// «№ 1064-а» or «№ _____».
    pub number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stamp {
    /// Lines as printed, top to bottom; the first is often «УТВЕРЖДЕНО».
    pub lines: Vec<Vec<Inline>>,
    /// Width of the block in mm (the corner requisite width of the profile).
    pub width: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signature {
    /// Lines of the position, on the left.
    pub position: Vec<String>,
    /// Initials and surname, on the right: «Э. В. Шамонова».
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parties {
    /// How many party blocks go side by side in one row (1 or 2).
    pub columns: usize,
    pub parties: Vec<Party>,
}

/// One party's requisites and signature; never split across pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Party {
    /// The party's full name.
    pub name: String,
    /// Requisite lines («ИНН 2536000000», «Адрес: …»).
    pub lines: Vec<String>,
    pub signer_position: String,
    pub signer_name: String,
}

pub mod breaks;
pub mod fit;
pub mod measure;
pub mod sample;

/// Fits a document to its page, once for both renderers: table columns to
/// their longest words, then break places in words still too long for
/// their line.
pub fn fit_to_page(doc: &mut Document) {
    fit::fit_tables(doc);
    breaks::break_long_words(doc);
}

impl Inline {
    /// The run's text; a line break reads as a newline.
    pub fn text(&self) -> &str {
        match self {
            Inline::Text { text, .. } => text,
            Inline::Break => "\n",
        }
    }
}

/// The text of runs, concatenated.
pub fn runs_text(runs: &[Inline]) -> String {
    runs.iter().map(Inline::text).collect()
}

/// The text of blocks as a reader sees it, one line per paragraph, labels
/// and markers included; used to compare renderings and in tests.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut lines = Vec::new();
    for b in blocks {
        block_lines(b, &mut lines);
    }
    lines.join("\n")
}

fn clause_lines(c: &Clause, lines: &mut Vec<String>) {
    lines.push(format!("{} {}", c.label, runs_text(&c.runs)));
    lines.extend(c.more.iter().map(|m| runs_text(m)));
    for child in &c.children {
        clause_lines(child, lines);
    }
}

fn item_lines(marker: &str, items: &[ListItem], lines: &mut Vec<String>) {
    for it in items {
        let text = runs_text(&it.runs);
        lines.push(if marker.is_empty() {
            text
        } else {
            format!("{marker} {text}")
        });
        item_lines(marker, &it.children, lines);
    }
}

fn block_lines(b: &Block, lines: &mut Vec<String>) {
    match b {
        Block::Paragraph(p) => lines.push(runs_text(&p.runs)),
        Block::Heading { runs, .. } => lines.push(runs_text(runs)),
        Block::Clauses { items: cs } => cs.iter().for_each(|c| clause_lines(c, lines)),
        Block::List(l) => item_lines(&l.marker, &l.items, lines),
        Block::Table(t) => {
            for row in &t.rows {
                for cell in &row.cells {
                    cell.blocks.iter().for_each(|b| block_lines(b, lines));
                }
            }
        }
        Block::Letterhead(l) => {
            lines.extend(l.body.iter().cloned());
            lines.push(l.doc_type.clone());
            lines.extend([l.date.clone(), l.place.clone(), l.number.clone()]);
        }
        Block::Stamp(s) => lines.extend(s.lines.iter().map(|l| runs_text(l))),
        Block::Signature(s) => {
            lines.extend(s.position.iter().cloned());
            lines.push(s.name.clone());
        }
        Block::Parties(p) => {
            for party in &p.parties {
                lines.push(party.name.clone());
                lines.extend(party.lines.iter().cloned());
                lines.push(party.signer_position.clone());
                lines.push(party.signer_name.clone());
            }
        }
        Block::Contents { title } => lines.push(title.clone()),
        Block::PageBreak => {}
    }
}
