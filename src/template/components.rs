//! Components: minijinja functions that content templates call for what
//! Markdown cannot say (letterhead, stamp, signature, requisites, data-fed
//! tables, page breaks). Each builds a block of the document model from
//! data, stores it for the render, and leaves a placeholder in the text.
//!
//! | call | block |
//! |---|---|
//! | `letterhead(body=[…], title="П Р И К А З", date=…, place=…, number=…)` | body name, type, date / place / number line; a missing date or number prints blanks |
//! | `stamp(lines=[…], width=None)` | approval stamp or appendix mark, top right |
//! | `signature(position=[…], name="Э. В. Шамонова")` | position left, name right |
//! | `requisites(parties=[{name, lines, signer_position, signer_name}], columns=2)` | requisites and signatures of the parties |
//! | `table(columns=[shares], header=[cells], rows=[[cells]], font_size=None, borders=true, split_rows=false)` | a table; a cell is a text, a list of paragraphs, or `{text, items, rowspan, colspan, bold, align}`; header rows repeat on every page; rows stay on one page unless `split_rows` |
//! | `paragraph(text, align="justify", bold=false, italic=false, indent=true, space_before=None)` | one paragraph with explicit layout (lines of a list become line breaks) |
//! | `contents(title="Содержание")` | table of contents |
//! | `pagebreak()` | page break |
//! | `spaced("приказываю:")` | letter-spaced inline text: «п р и к а з ы в а ю :» |

use std::sync::Mutex;

use minijinja::value::{Kwargs, Object, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use crate::docmark::{COMPONENT_FENCE, LIST_MARKER, escape};
use crate::ir::{
    Align, Block, Cell, Inline, Letterhead, List, ListItem, Paragraph, Parties, Party, Row,
    Signature, Stamp, Table,
};

/// The name under which the render's [`Collector`] is passed in the context.
pub const COLLECTOR: &str = "__components";

/// The blocks components produced during one render, by placeholder index.
#[derive(Debug, Default)]
pub struct Collector {
    blocks: Mutex<Vec<Block>>,
}

impl Object for Collector {}

impl Collector {
    pub fn take(&self) -> Vec<Block> {
        std::mem::take(&mut *self.blocks.lock().expect("collector lock"))
    }
}

/// Blanks a draft prints where its date and number will go.
pub const BLANK_DATE: &str = "__________";
pub const BLANK_NUMBER: &str = "_____";

pub fn register(env: &mut Environment<'static>) {
    env.add_function("letterhead", letterhead);
    env.add_function("stamp", stamp);
    env.add_function("signature", signature);
    env.add_function("requisites", requisites);
    env.add_function("table", table);
    env.add_function("paragraph", paragraph);
    env.add_function("contents", contents);
    env.add_function("pagebreak", pagebreak);
    env.add_function("spaced", spaced);
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// Stores a block for this render and returns its placeholder.
fn emit(state: &State, block: Block) -> Result<Value, Error> {
    let collector = state
        .lookup(COLLECTOR)
        .ok_or_else(|| invalid("components are only available while rendering a document"))?;
    let collector = collector
        .downcast_object_ref::<Collector>()
        .ok_or_else(|| invalid("components are only available while rendering a document"))?;
    let mut blocks = collector.blocks.lock().expect("collector lock");
    blocks.push(block);
    let index = blocks.len() - 1;
    Ok(Value::from_safe_string(format!(
        "\n\n```{COMPONENT_FENCE}\n{index}\n```\n\n"
    )))
}

/// A value as text: strings as they are, none as empty, numbers printed.
fn text(v: &Value) -> String {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        _ => v.as_str().map_or_else(|| v.to_string(), str::to_owned),
    }
}

/// A text or a list of texts as lines.
fn lines(v: &Value) -> Result<Vec<String>, Error> {
    match v.kind() {
        ValueKind::Seq | ValueKind::Iterable => Ok(v.try_iter()?.map(|x| text(&x)).collect()),
        ValueKind::Undefined | ValueKind::None => Ok(Vec::new()),
        _ => Ok(vec![text(v)]),
    }
}

/// Lines joined by line breaks as runs.
fn runs_of(lines: &[String], bold: bool) -> Vec<Inline> {
    let mut runs = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            runs.push(Inline::Break);
        }
        runs.push(Inline::Text {
            text: l.clone(),
            bold,
            italic: false,
            spaced: false,
            nobreak: false,
        });
    }
    runs
}

fn opt(kwargs: &Kwargs, key: &str) -> Result<Value, Error> {
    Ok(kwargs.get::<Option<Value>>(key)?.unwrap_or(Value::from(())))
}

fn letterhead(state: &State, kwargs: Kwargs) -> Result<Value, Error> {
    let body = lines(&kwargs.get::<Value>("body")?)?;
    let doc_type: String = kwargs.get("title")?;
    let date = text(&opt(&kwargs, "date")?);
    let place: String = kwargs.get("place")?;
    let number = text(&opt(&kwargs, "number")?);
    kwargs.assert_all_used()?;
    emit(
        state,
        Block::Letterhead(Letterhead {
            body,
            doc_type,
            date: if date.is_empty() {
                BLANK_DATE.into()
            } else {
                date
            },
            place,
            number: format!(
                "№ {}",
                if number.is_empty() {
                    BLANK_NUMBER.into()
                } else {
                    number
                }
            ),
        }),
    )
}

fn stamp(state: &State, kwargs: Kwargs) -> Result<Value, Error> {
    let lines = lines(&kwargs.get::<Value>("lines")?)?;
    let width = match kwargs.get::<Option<f32>>("width")? {
        Some(w) => w,
        None => profile_number(state, "corner_width")?,
    };
    kwargs.assert_all_used()?;
    emit(
        state,
        Block::Stamp(Stamp {
            lines: lines.into_iter().map(|l| vec![Inline::plain(l)]).collect(),
            width,
        }),
    )
}

fn profile_number(state: &State, key: &str) -> Result<f32, Error> {
    let v = state
        .lookup("profile")
        .ok_or_else(|| invalid("no profile in the context"))?
        .get_attr(key)?;
    f64::try_from(v)
        .map(|f| f as f32)
        .map_err(|_| invalid(format!("profile.{key} is not a number")))
}

fn signature(state: &State, kwargs: Kwargs) -> Result<Value, Error> {
    let position = lines(&kwargs.get::<Value>("position")?)?;
    let name: String = kwargs.get("name")?;
    kwargs.assert_all_used()?;
    emit(state, Block::Signature(Signature { position, name }))
}

fn requisites(state: &State, kwargs: Kwargs) -> Result<Value, Error> {
    let list: Value = kwargs.get("parties")?;
    let columns = kwargs
        .get::<Option<usize>>("columns")?
        .unwrap_or(2)
        .clamp(1, 2);
    kwargs.assert_all_used()?;
    let mut parties = Vec::new();
    for p in list.try_iter()? {
        parties.push(Party {
            name: text(&p.get_attr("name")?),
            lines: lines(&p.get_attr("lines")?)?,
            signer_position: text(&p.get_attr("signer_position")?),
            signer_name: text(&p.get_attr("signer_name")?),
        });
    }
    emit(state, Block::Parties(Parties { columns, parties }))
}

fn align_of(v: &Value, default: Align) -> Result<Align, Error> {
    Ok(match text(v).as_str() {
        "" => default,
        "justify" => Align::Justify,
        "left" => Align::Left,
        "center" => Align::Center,
        "right" => Align::Right,
        other => {
            return Err(invalid(format!(
                "unknown alignment «{other}»: justify, left, center or right"
            )));
        }
    })
}

/// A table cell from a text, a list of paragraphs, or a mapping.
fn cell(v: &Value) -> Result<Cell, Error> {
    if v.kind() != ValueKind::Map {
        let paragraphs = lines(v)?;
        let blocks = paragraphs
            .into_iter()
            .map(|t| {
                Block::Paragraph(Paragraph {
                    runs: runs_of(&t.split('\n').map(str::to_owned).collect::<Vec<_>>(), false),
                    align: Align::Left,
                    ..Paragraph::default()
                })
            })
            .collect();
        return Ok(Cell {
            blocks,
            ..Cell::text(Vec::new())
        });
    }
    let get = |k: &str| v.get_attr(k);
    let bold = get("bold")?.is_true();
    let align = align_of(&get("align")?, Align::Left)?;
    let mut blocks: Vec<Block> = lines(&get("text")?)?
        .into_iter()
        .map(|t| {
            Block::Paragraph(Paragraph {
                runs: runs_of(&t.split('\n').map(str::to_owned).collect::<Vec<_>>(), false),
                align,
                ..Paragraph::default()
            })
        })
        .collect();
    let items = lines(&get("items")?)?;
    if !items.is_empty() {
        blocks.push(Block::List(List {
            marker: LIST_MARKER.into(),
            items: items
                .into_iter()
                .map(|t| ListItem {
                    runs: vec![Inline::plain(t)],
                    children: Vec::new(),
                })
                .collect(),
        }));
    }
    let span = |k: &str| -> Result<usize, Error> {
        let x = get(k)?;
        if x.is_undefined() || x.is_none() {
            Ok(1)
        } else {
            usize::try_from(x).map_err(|_| invalid(format!("{k} must be a whole number")))
        }
    };
    Ok(Cell {
        blocks,
        colspan: span("colspan")?.max(1),
        rowspan: span("rowspan")?.max(1),
        bold,
    })
}

fn row(v: &Value, bold: bool) -> Result<Row, Error> {
    let mut cells = Vec::new();
    for c in v.try_iter()? {
        let mut c = cell(&c)?;
        c.bold |= bold;
        cells.push(c);
    }
    Ok(Row {
        cells,
        cant_split: true,
    })
}

fn table(state: &State, kwargs: Kwargs) -> Result<Value, Error> {
    let columns: Vec<f32> = kwargs.get("columns")?;
    let header = opt(&kwargs, "header")?;
    let rows_v: Value = kwargs.get("rows")?;
    let font_size = kwargs.get::<Option<f32>>("font_size")?;
    let borders = kwargs.get::<Option<bool>>("borders")?.unwrap_or(true);
    // Rows stay on one page unless they may be long (a passport section).
    let split_rows = kwargs.get::<Option<bool>>("split_rows")?.unwrap_or(false);
    kwargs.assert_all_used()?;

    let mut rows = Vec::new();
    let mut header_rows = 0;
    if !header.is_none() && !header.is_undefined() {
        // One header row (a list of cells) or several (a list of lists).
        let nested = header
            .try_iter()?
            .next()
            .is_some_and(|c| c.kind() == ValueKind::Seq);
        if nested {
            for r in header.try_iter()? {
                rows.push(row(&r, true)?);
                header_rows += 1;
            }
        } else {
            rows.push(row(&header, true)?);
            header_rows = 1;
        }
    }
    for r in rows_v.try_iter()? {
        let mut r = row(&r, false)?;
        r.cant_split = !split_rows;
        rows.push(r);
    }
    check_table_shape(&columns, &rows)?;
    emit(
        state,
        Block::Table(Table {
            columns,
            header_rows,
            rows,
            font_size,
            borders,
        }),
    )
}

/// Every row must fill the columns, counting spans and the cells that
/// row spans from above occupy.
fn check_table_shape(columns: &[f32], rows: &[Row]) -> Result<(), Error> {
    let n = columns.len();
    let mut occupied = vec![0usize; n];
    for (i, r) in rows.iter().enumerate() {
        let mut col = 0;
        for c in &r.cells {
            while col < n && occupied[col] > 0 {
                col += 1;
            }
            if col + c.colspan > n {
                return Err(invalid(format!(
                    "table row {} has more cells than the {n} columns",
                    i + 1
                )));
            }
            for o in &mut occupied[col..col + c.colspan] {
                *o = c.rowspan;
            }
            col += c.colspan;
        }
        let filled = occupied.iter().filter(|o| **o > 0).count();
        if filled != n {
            return Err(invalid(format!(
                "table row {} fills {filled} of the {n} columns",
                i + 1
            )));
        }
        for o in &mut occupied {
            *o = o.saturating_sub(1);
        }
    }
    Ok(())
}

fn paragraph(state: &State, content: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let lines = lines(&content)?;
    let align = align_of(&opt(&kwargs, "align")?, Align::Justify)?;
    let bold = kwargs.get::<Option<bool>>("bold")?.unwrap_or(false);
    let italic = kwargs.get::<Option<bool>>("italic")?.unwrap_or(false);
    let indent = kwargs
        .get::<Option<bool>>("indent")?
        .unwrap_or(align == Align::Justify);
    let space_before = kwargs.get::<Option<f32>>("space_before")?;
    kwargs.assert_all_used()?;
    let mut runs = runs_of(&lines, bold);
    if italic {
        for r in &mut runs {
            if let Inline::Text { italic, .. } = r {
                *italic = true;
            }
        }
    }
    emit(
        state,
        Block::Paragraph(Paragraph {
            runs,
            align,
            indent,
            keep_with_next: false,
            space_before,
        }),
    )
}

fn contents(state: &State, kwargs: Kwargs) -> Result<Value, Error> {
    let title = kwargs
        .get::<Option<String>>("title")?
        .unwrap_or_else(|| "Содержание".into());
    kwargs.assert_all_used()?;
    emit(state, Block::Contents { title })
}

fn pagebreak(state: &State) -> Result<Value, Error> {
    emit(state, Block::PageBreak)
}

/// «приказываю:» → «п р и к а з ы в а ю :» as a letter-spaced run.
fn spaced(value: String) -> Value {
    let letters: Vec<String> = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(String::from)
        .collect();
    Value::from_safe_string(format!(
        "<span class=\"spaced\">{}</span>",
        escape(&letters.join(" "))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(n: usize, span: usize) -> Row {
        Row {
            cells: (0..n)
                .map(|_| Cell {
                    rowspan: span,
                    ..Cell::text(vec![])
                })
                .collect(),
            cant_split: true,
        }
    }

    #[test]
    fn table_shape_counts_row_spans() {
        let cols = [1.0; 5];
        // Two cells span two rows, so the next row has three cells.
        let mut first = cells(5, 1);
        first.cells[0].rowspan = 2;
        first.cells[1].rowspan = 2;
        assert!(check_table_shape(&cols, &[first.clone(), cells(3, 1)]).is_ok());
        assert!(check_table_shape(&cols, &[first, cells(5, 1)]).is_err());
        assert!(check_table_shape(&cols, &[cells(4, 1)]).is_err());
    }
}
