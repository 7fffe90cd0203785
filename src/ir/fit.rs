//! Table columns fitted to their longest word, once, for both renderers.
//!
//! Nothing is hyphenated, so a column narrower than its longest word forces
//! a break inside the word. Columns are widened to their longest unbreakable
//! piece (measured with the embedded fonts' metrics) and the others share
//! the rest by their shares. A piece wider than [`MAX_WORD_SHARE`] of the
//! text (an address, a code) widens its column only that far: it gets break
//! places of its own (`breaks.rs`) rather than squeezing every other column.

use super::measure::{text_width, unbreakable_pieces};
use super::{Block, Cell, Document, Inline, Table};

/// Left plus right cell margin, mm (Word's default 1.9 mm each side; the
/// PDF layout uses the same), plus a little for differences in measuring.
const CELL_MARGINS_MM: f32 = 2.0 * 1.9 + 1.0;

/// The widest piece of a cell's text that cannot be broken; no-break runs
/// whole.
fn widest_piece(cell: &Cell, size: f32) -> f32 {
    let mut widest = 0.0f32;
    let mut runs = Vec::new();
    collect_runs(&cell.blocks, &mut runs);
    for r in runs {
        let Inline::Text {
            text,
            bold,
            nobreak,
            ..
        } = r
        else {
            continue;
        };
        let bold = *bold || cell.bold;
        if *nobreak {
            widest = widest.max(text_width(text, bold, size));
            continue;
        }
        for p in unbreakable_pieces(text) {
            widest = widest.max(text_width(p, bold, size));
        }
    }
    widest
}

fn collect_runs<'a>(blocks: &'a [Block], out: &mut Vec<&'a Inline>) {
    for b in blocks {
        match b {
            Block::Paragraph(p) => out.extend(&p.runs),
            Block::Heading { runs, .. } => out.extend(runs),
            Block::List(l) => {
                let mut stack: Vec<&super::ListItem> = l.items.iter().collect();
                while let Some(i) = stack.pop() {
                    out.extend(&i.runs);
                    stack.extend(&i.children);
                }
            }
            Block::Clauses { items } => {
                let mut stack: Vec<&super::Clause> = items.iter().collect();
                while let Some(c) = stack.pop() {
                    out.extend(&c.runs);
                    c.more.iter().for_each(|m| out.extend(m));
                    stack.extend(&c.children);
                }
            }
            _ => {}
        }
    }
}

/// The widest a column grows for one word, as a share of the text width.
pub const MAX_WORD_SHARE: f32 = 0.4;

/// The smallest type a table may be set in to fit its words (GOST allows
/// 10–12 pt in tables).
const SMALLEST_TABLE_SIZE: f32 = 10.0;

/// Widens the columns of every table of the document to their longest word,
/// setting the table in smaller type (down to 10 pt) when the longest words
/// of all columns together are wider than the page.
pub fn fit_tables(doc: &mut Document) {
    let width = doc.profile.text_width();
    let size = doc.profile.font.table_size;
    for b in &mut doc.blocks {
        if let Block::Table(t) = b {
            let start = t.font_size.unwrap_or(size);
            let mut s = start;
            loop {
                let least = least_widths(t, s, width);
                if least.iter().sum::<f32>() <= width || s <= SMALLEST_TABLE_SIZE {
                    if s != start {
                        t.font_size = Some(s);
                    }
                    fit_columns(t, &least, width);
                    break;
                }
                s -= 0.5;
            }
        }
    }
}

/// The widest unbreakable piece of each column, with the cell margins, mm.
fn least_widths(t: &Table, size: f32, width: f32) -> Vec<f32> {
    let longest = MAX_WORD_SHARE * width;
    let n = t.columns.len();
    let mut least = vec![0.0f32; n];
    // Place cells on the grid (row spans take positions in later rows).
    let mut taken = vec![0usize; n];
    for row in &t.rows {
        let mut col = 0;
        for cell in &row.cells {
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
            if span == 1 {
                least[col] =
                    least[col].max(widest_piece(cell, size).min(longest) + CELL_MARGINS_MM);
            }
            col += span;
        }
        for t in &mut taken {
            *t = t.saturating_sub(1);
        }
    }
    least
}

/// The width `c` at which the columns, each `min(least, c)`, fill `width`.
fn common_width(least: &[f32], width: f32) -> f32 {
    let mut sorted = least.to_vec();
    sorted.sort_by(f32::total_cmp);
    let mut rest = width;
    for (i, l) in sorted.iter().enumerate() {
        let share = rest / (sorted.len() - i) as f32;
        if *l > share {
            return share;
        }
        rest -= l;
    }
    f32::INFINITY
}

/// Columns as widths in mm: the shares of `width`, except that no column is
/// narrower than its least width. When even the least widths do not fit,
/// they are scaled down together.
fn fit_columns(t: &mut Table, least: &[f32], width: f32) {
    let n = t.columns.len();
    let total: f32 = t.columns.iter().sum();
    if n == 0 || total <= 0.0 {
        return;
    }
    let sum: f32 = least.iter().sum();
    if sum > width {
        // The widest columns give way, down to one common width, and their
        // words get break places (`breaks.rs`); the narrow ones («№») keep
        // what their longest word needs.
        let cap = common_width(least, width);
        t.columns = least.iter().map(|l| l.min(cap)).collect();
        return;
    }
    let mut fixed = vec![false; n];
    loop {
        let rest = width - (0..n).filter(|&i| fixed[i]).map(|i| least[i]).sum::<f32>();
        let rest_shares: f32 = (0..n).filter(|&i| !fixed[i]).map(|i| t.columns[i]).sum();
        let mut grew = false;
        for i in 0..n {
            if !fixed[i] && rest * t.columns[i] / rest_shares < least[i] {
                fixed[i] = true;
                grew = true;
            }
        }
        if !grew {
            let widths: Vec<f32> = (0..n)
                .map(|i| {
                    if fixed[i] {
                        least[i]
                    } else {
                        rest * t.columns[i] / rest_shares
                    }
                })
                .collect();
            t.columns = widths;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Row;

    fn table(columns: Vec<f32>, words: &[&str]) -> Table {
        Table {
            columns,
            header_rows: 0,
            rows: vec![Row {
                cells: words
                    .iter()
                    .map(|w| Cell::text(vec![Inline::plain(*w)]))
                    .collect(),
                cant_split: true,
            }],
            font_size: None,
            borders: true,
        }
    }

    fn fit_table(t: &mut Table, width: f32, size: f32) {
        let least = least_widths(t, size, width);
        fit_columns(t, &least, width);
    }

    #[test]
    fn a_long_word_widens_its_column() {
        let mut t = table(
            vec![1.0, 8.0, 1.0],
            &["№", "коротко", "общеобразовательная"],
        );
        fit_table(&mut t, 170.0, 12.0);
        let need = text_width("общеобразовательная", false, 12.0) + CELL_MARGINS_MM;
        assert!(
            (t.columns[2] - need).abs() < 0.01,
            "{:?} vs {need}",
            t.columns
        );
        assert!((t.columns.iter().sum::<f32>() - 170.0).abs() < 0.01);
        assert!(t.columns[1] > t.columns[2]);
    }

    #[test]
    fn an_address_widens_its_column_only_so_far() {
        let url = "chechurkina_kk.regionalnyi_koordinator@ministerstvo.obrazovaniya.example.ru";
        let mut t = table(vec![1.0, 1.0, 1.0], &["общеобразовательная", url, "б"]);
        fit_table(&mut t, 170.0, 12.0);
        let cap = MAX_WORD_SHARE * 170.0 + CELL_MARGINS_MM;
        assert!((t.columns[1] - cap).abs() < 0.01, "{:?}", t.columns);
        let need = text_width("общеобразовательная", false, 12.0) + CELL_MARGINS_MM;
        assert!(t.columns[0] >= need - 0.01, "{:?}", t.columns);
    }

    #[test]
    fn when_words_do_not_fit_the_widest_columns_give_way() {
        let mut t = table(
            vec![1.0; 3],
            &["№", "общеобразовательная", "профессиональная"],
        );
        fit_table(&mut t, 50.0, 12.0);
        let need = text_width("№", false, 12.0) + CELL_MARGINS_MM;
        assert!((t.columns[0] - need).abs() < 0.01, "{:?}", t.columns);
        assert!(
            (t.columns[1] - t.columns[2]).abs() < 0.01,
            "{:?}",
            t.columns
        );
        assert!(
            (t.columns.iter().sum::<f32>() - 50.0).abs() < 0.01,
            "{:?}",
            t.columns
        );
    }

    #[test]
    fn columns_that_fit_keep_their_shares() {
        let mut t = table(vec![1.0, 1.0], &["а", "б"]);
        fit_table(&mut t, 100.0, 12.0);
        assert_eq!(t.columns, vec![50.0, 50.0]);
    }

    #[test]
    fn too_many_long_words_set_the_table_smaller() {
        let profile = crate::assets::Assets::builtin()
            .profile("gost-2025")
            .unwrap();
        let words = ["общеобразовательных"; 4];
        let mut doc = crate::ir::sample::sample_document(profile, 0);
        doc.blocks = vec![Block::Table(table(vec![1.0; 4], &words))];
        fit_tables(&mut doc);
        let Block::Table(t) = &doc.blocks[0] else {
            unreachable!()
        };
        let size = t.font_size.expect("a smaller size");
        assert!((SMALLEST_TABLE_SIZE..12.0).contains(&size), "{size}");
        assert!(least_widths(t, size, 170.0).iter().sum::<f32>() <= 170.0);
    }

    #[test]
    fn measurements_follow_the_font() {
        // Liberation Serif has Times metrics: «М» is wider than «і».
        assert!(text_width("М", false, 12.0) > text_width("і", false, 12.0));
        assert!(text_width("Слово", true, 12.0) > text_width("Слово", false, 12.0));
    }
}
