//! Markdown texts (program sections, text documents): what Markdown can say
//! and a printed document cannot show is refused where it is written, rather
//! than dropped when the text is laid out. A link prints as its text with
//! the address in brackets (`docmark`); a link definition no link uses
//! would print nowhere.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::checker::Checker;
use crate::load::Origin;

/// Checks one Markdown field of a record.
pub(super) fn check_markdown(c: &mut Checker, origin: &Origin, field: &str, text: &str) {
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES);
    let mut problems: Vec<(String, String, &str)> = Vec::new();
    let definitions: Vec<(String, String, String)> = parser
        .reference_definitions()
        .iter()
        .map(|(label, def)| {
            let line = first_line(&text[def.span.clone()]).to_owned();
            (label.to_owned(), def.dest.to_string(), line)
        })
        .collect();
    let mut used: Vec<String> = Vec::new();
    let mut lists = 0usize;
    let mut header_cells = 0usize;
    let mut in_head = false;
    for (event, range) in parser.into_offset_iter() {
        let source = &text[range.clone()];
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => used.push(dest_url.to_string()),
            Event::Start(Tag::List(_)) => lists += 1,
            Event::End(TagEnd::List(_)) => lists = lists.saturating_sub(1),
            Event::Start(Tag::Image { .. }) => problems.push((
                first_line(source).to_owned(),
                "an image cannot be printed in a document made from text".into(),
                "describe it in words, or attach it to the document separately",
            )),
            Event::Start(Tag::Table(_)) => {
                header_cells = 0;
                if lists > 0 {
                    problems.push((
                        first_line(source).to_owned(),
                        "a table inside a list item would lose its rows and columns".into(),
                        "end the list before the table (a blank line and no indent)",
                    ));
                }
            }
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableCell) if in_head => header_cells += 1,
            Event::Start(Tag::TableRow) => {
                let cells = cells_written(source);
                if cells > header_cells {
                    problems.push((
                        first_line(source).to_owned(),
                        format!(
                            "this table row has {cells} cells and the header {header_cells}: the cells past the header's would not be printed"
                        ),
                        "add the columns to the header row, or join the cells",
                    ));
                }
            }
            _ => {}
        }
    }
    // A used definition prints its address where the link is; an unused
    // one nowhere.
    for (label, dest, line) in definitions {
        if !used.contains(&dest) {
            problems.push((
                line,
                format!(
                    "the link definition «[{label}]» is used by no link: it would not be printed"
                ),
                "write the address into the text, or link to it: [text][label]",
            ));
        }
    }
    for (snippet, message, note) in problems {
        let d = c.ds.error_in_value(origin, field, snippet.trim(), message);
        c.push(d, origin, field).notes.push(note.into());
    }
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s)
}

/// Cells of a table row as written: the `|` that are not escaped, less the
/// ones at the start and end of the row.
fn cells_written(row: &str) -> usize {
    let row = row.trim();
    let mut pipes = 0usize;
    let mut escaped = false;
    for ch in row.chars() {
        match ch {
            '\\' if !escaped => {
                escaped = true;
                continue;
            }
            '|' if !escaped => pipes += 1,
            _ => {}
        }
        escaped = false;
    }
    let outer =
        usize::from(row.starts_with('|')) + usize::from(row.ends_with('|') && row.len() > 1);
    (pipes + 1).saturating_sub(outer)
}

#[cfg(test)]
mod tests {
    use super::cells_written;

    #[test]
    fn cells_are_counted_as_written() {
        assert_eq!(cells_written("| a | b | c |"), 3);
        assert_eq!(cells_written("a | b"), 2);
        assert_eq!(cells_written("| a \\| b | c |"), 2);
        assert_eq!(cells_written("| a |"), 1);
    }
}
