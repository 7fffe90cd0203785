//! The tables people are asked for, as XLSX workbooks (rust_xlsxwriter):
//! the participants register — a summary sheet and one sheet per cluster —
//! and one-sheet tables such as the archive inventory. Header rows are frozen and bold, columns as
//! wide as their longest value, dates are date cells (ДД.ММ.ГГГГ),
//! ИНН/БИН text cells; the workbook's creation time is the given date, so
//! the same records give the same bytes.

use std::path::Path;

use rust_xlsxwriter::utility::cell_autofit_width;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::dates::Date;
use crate::diag::Diagnostic;
use crate::validate::Catalog;

/// The file name of the participants register.
pub const PARTICIPANTS_XLSX: &str = "participants.xlsx";
/// The file name of the inventory as a workbook.
pub const INVENTORY_XLSX: &str = "opis.xlsx";

fn failed(e: XlsxError) -> Diagnostic {
    Diagnostic::error(format!("cannot write the workbook: {e}"))
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month(), d.day())
}

/// A value of a row: text, a number or a date. Text is borrowed from the
/// records, so that a sheet of many rows does not copy them.
pub enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Date(Option<Date>),
}

/// The widest a column gets: a long name wraps at about 80 characters.
const MAX_COLUMN_PIXELS: u32 = 560;

/// The width of a cell's value in pixels as Excel fits a column to it:
/// rust_xlsxwriter's character widths, a line at a time, and its rules
/// for numbers and dates. Computed as rows are written, because a sheet
/// flushed row by row cannot be fitted afterwards.
fn fitted_width(cell: &Cell) -> u32 {
    const PADDING: u32 = 7;
    let pixels = match cell {
        Cell::Text(s) => s
            .lines()
            .map(|line| cell_autofit_width(line) - PADDING)
            .max()
            .unwrap_or(0),
        Cell::Number(n) => 7 * n.to_string().len() as u32,
        // Excel's default date format, as rust_xlsxwriter estimates it.
        Cell::Date(Some(_)) => 68,
        Cell::Date(None) => 0,
    };
    if pixels == 0 {
        0
    } else {
        (pixels + PADDING).min(MAX_COLUMN_PIXELS)
    }
}

/// Writes a frozen bold header row and the rows under it into `ws`, in
/// row order, and fits each column to its widest value.
fn sheet<'a>(
    ws: &mut Worksheet,
    name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell<'a>>>,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_text_wrap();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let text = Format::new().set_num_format("@");
    ws.set_name(name)?;
    let mut widths: Vec<u32> = header
        .iter()
        .map(|title| fitted_width(&Cell::Text(title)))
        .collect();
    for (c, title) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            if widths.len() <= c {
                widths.resize(c + 1, 0);
            }
            widths[c] = widths[c].max(fitted_width(cell));
            let c = c as u16;
            match cell {
                Cell::Text("") => {}
                Cell::Text(s) => {
                    ws.write_string_with_format(r, c, *s, &text)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, c, *n)?;
                }
                Cell::Date(Some(d)) => {
                    ws.write_datetime_with_format(r, c, excel_date(*d)?, &date)?;
                }
                Cell::Date(None) => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    for (c, width) in widths.into_iter().enumerate() {
        if width > 0 {
            ws.set_column_autofit_width(c as u16, width)?;
        }
    }
    Ok(())
}

/// A sheet name Excel accepts (≤ 31 characters, none of `[]:*?/\`),
/// unique in the workbook.
fn sheet_name(name: &str, taken: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    // Whole words up to 28 characters (room for « 2» when names repeat).
    let mut base = String::new();
    for word in clean.split_whitespace() {
        let with = if base.is_empty() {
            word.to_owned()
        } else {
            format!("{base} {word}")
        };
        if with.chars().count() > 28 {
            break;
        }
        base = with;
    }
    if base.is_empty() {
        base = clean.trim().chars().take(28).collect();
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == candidate.to_lowercase())
    {
        candidate = format!("{base} {n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

fn finish(mut book: Workbook, title: &str, date: Date) -> Result<Vec<u8>, Diagnostic> {
    let created = excel_date(date).map_err(failed)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("clusterdoc")
            .set_creation_datetime(&created),
    );
    book.save_to_buffer().map_err(failed)
}

/// The participants register: «Сводка» (each cluster with its members now,
/// joined and left in all), then a sheet per cluster with every
/// participant, current and former.
pub fn participants_workbook(catalog: &Catalog, date: Date) -> Result<Vec<u8>, Diagnostic> {
    let mut book = Workbook::new();
    let mut taken = vec!["Сводка".to_owned()];
    let clusters: Vec<_> = catalog
        .clusters()
        .map(|c| (&c.record, sheet_name(&c.record.name.ru, &mut taken)))
        .collect();
    let summary = clusters.iter().map(|(cluster, name)| {
        let now = cluster
            .participants
            .iter()
            .filter(|p| p.left.is_none())
            .count();
        let left = cluster.participants.len() - now;
        vec![
            Cell::Text(&cluster.name.ru),
            Cell::Text(name),
            Cell::Number(now as f64),
            Cell::Number(cluster.participants.len() as f64),
            Cell::Number(left as f64),
        ]
    });
    sheet(
        book.add_worksheet(),
        "Сводка",
        &[
            "Кластер",
            "Лист",
            "Участников сейчас",
            "Вступило всего",
            "Вышло",
        ],
        summary,
    )
    .map_err(failed)?;
    for (cluster, name) in &clusters {
        let rows = cluster.participants.iter().enumerate().map(|(i, p)| {
            let org = catalog.org(&p.organization);
            vec![
                Cell::Number(i as f64 + 1.0),
                Cell::Text(&org.name.ru),
                Cell::Text(
                    org.inn
                        .as_deref()
                        .or(org.bin.as_deref())
                        .unwrap_or_default(),
                ),
                Cell::Text(&p.role.ru),
                Cell::Date(Some(p.joined)),
                Cell::Date(p.left),
            ]
        });
        sheet(
            book.add_worksheet(),
            name,
            &[
                "№ п/п",
                "Организация",
                "ИНН/БИН",
                "Роль",
                "Вступила",
                "Вышла",
            ],
            rows,
        )
        .map_err(failed)?;
    }
    finish(book, "Реестр участников кластеров", date)
}

/// A workbook of one sheet: its name, header and rows. The rows are
/// flushed to a temporary file in `scratch` as they are written (one per
/// document in an inventory), so memory does not grow with them; such a
/// sheet keeps its strings inline rather than in a shared table.
pub fn one_sheet<'a>(
    name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell<'a>>>,
    title: &str,
    date: Date,
    scratch: &Path,
) -> Result<Vec<u8>, Diagnostic> {
    let mut book = Workbook::new();
    book.set_tempdir(scratch).map_err(failed)?;
    let ws = book.add_worksheet_with_constant_memory().map_err(failed)?;
    sheet(ws, name, header, rows).map_err(failed)?;
    finish(book, title, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = vec!["Сводка".to_owned()];
        assert_eq!(
            sheet_name("Агро/кластер [2024]", &mut taken),
            "Агро кластер 2024"
        );
        assert_eq!(
            sheet_name(
                "Отраслевой кластер среднего профессионального образования",
                &mut taken
            ),
            "Отраслевой кластер среднего"
        );
        let long = "Кластер машиностроения Тульской области и её соседей";
        let first = sheet_name(long, &mut taken);
        assert!(first.chars().count() <= 31);
        let second = sheet_name(long, &mut taken);
        assert_ne!(first, second);
        assert_eq!(sheet_name("сводка", &mut taken), "сводка 2");
    }
}
