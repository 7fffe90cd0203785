//! Docmark: the text content templates produce — CommonMark with GFM tables,
//! plus component placeholders — parsed into the document model.
//!
//! Conventions: `#` is the title to the text (centred, bold), `##` a section
//! heading (centred, in the table of contents), `###` a subsection (left);
//! an ordered list is numbered clauses (nested lists number «5.1.»); a bullet
//! list is a dash list; `---` is a page break; `<span class="spaced">…</span>`
//! is a letter-spaced run; a fenced block ```` ```component ```` holds the
//! index of a block a component function produced.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::ir::{Align, Block, Cell, Clause, Inline, List, ListItem, Paragraph, Row, Table};

/// The info string of a component placeholder's fenced block.
pub const COMPONENT_FENCE: &str = "clusterdoc-component";

/// The marker printed before dash-list items.
pub const LIST_MARKER: &str = "–";

/// Parses docmark into blocks, substituting component placeholders with the
/// blocks the components produced.
pub fn parse_docmark(text: &str, components: &[Block]) -> Result<Vec<Block>, String> {
    let mut parser = DocParser {
        events: Parser::new_ext(text, Options::ENABLE_TABLES).collect(),
        pos: 0,
        components,
    };
    parser.blocks(None)
}

struct DocParser<'a> {
    events: Vec<Event<'a>>,
    pos: usize,
    components: &'a [Block],
}

#[derive(Default, Clone, Copy)]
struct Style {
    bold: bool,
    italic: bool,
    spaced: bool,
}

impl<'a> DocParser<'a> {
    fn next(&mut self) -> Option<Event<'a>> {
        let e = self.events.get(self.pos).cloned();
        self.pos += 1;
        e
    }

    /// Blocks until the end tag `until` (or the end of input).
    fn blocks(&mut self, until: Option<TagEnd>) -> Result<Vec<Block>, String> {
        let mut out = Vec::new();
        while let Some(ev) = self.next() {
            match ev {
                Event::End(end) if Some(end) == until => return Ok(out),
                Event::Start(tag) => self.block(tag, &mut out)?,
                Event::Rule => out.push(Block::PageBreak),
                Event::Html(html) | Event::Text(html) => {
                    out.push(paragraph(vec![Inline::plain(html.trim())]))
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn block(&mut self, tag: Tag<'a>, out: &mut Vec<Block>) -> Result<(), String> {
        match tag {
            Tag::Paragraph => {
                let runs = self.inlines(TagEnd::Paragraph)?;
                if !runs.is_empty() {
                    out.push(paragraph(runs));
                }
            }
            Tag::Heading { level, .. } => {
                let runs = self.inlines(TagEnd::Heading(level))?;
                let (lvl, align, outlined) = match level {
                    HeadingLevel::H1 => (1, Align::Center, false),
                    HeadingLevel::H2 => (2, Align::Center, true),
                    _ => (3, Align::Left, true),
                };
                out.push(Block::Heading {
                    level: lvl,
                    runs,
                    align,
                    outlined,
                });
            }
            Tag::List(Some(start)) => {
                let clauses = self.clauses(start, "")?;
                out.push(Block::Clauses { items: clauses });
            }
            Tag::List(None) => {
                let items = self.list_items()?;
                out.push(Block::List(List {
                    marker: LIST_MARKER.into(),
                    items,
                }));
            }
            Tag::Table(_) => out.push(self.table()?),
            Tag::CodeBlock(kind) => {
                let mut text = String::new();
                while let Some(ev) = self.next() {
                    match ev {
                        Event::End(TagEnd::CodeBlock) => break,
                        Event::Text(t) => text.push_str(&t),
                        _ => {}
                    }
                }
                match kind {
                    CodeBlockKind::Fenced(info) if info.as_ref() == COMPONENT_FENCE => {
                        let index: usize = text
                            .trim()
                            .parse()
                            .map_err(|_| format!("bad component placeholder «{}»", text.trim()))?;
                        let block = self
                            .components
                            .get(index)
                            .ok_or_else(|| format!("no component number {index}"))?;
                        out.push(block.clone());
                    }
                    _ => {
                        for line in text.lines().filter(|l| !l.trim().is_empty()) {
                            out.push(paragraph(vec![Inline::plain(line)]));
                        }
                    }
                }
            }
            Tag::BlockQuote(_) => {
                let inner = self.blocks(Some(TagEnd::BlockQuote(None)))?;
                out.extend(inner);
            }
            Tag::HtmlBlock => {
                let mut text = String::new();
                while let Some(ev) = self.next() {
                    match ev {
                        Event::End(TagEnd::HtmlBlock) => break,
                        Event::Html(t) | Event::Text(t) => text.push_str(&t),
                        _ => {}
                    }
                }
                if !text.trim().is_empty() {
                    out.push(paragraph(vec![Inline::plain(text.trim())]));
                }
            }
            other => {
                // Anything else (footnotes, definition lists) is not enabled;
                // keep its text rather than lose it.
                let end = other.to_end();
                let runs = self.inlines(end)?;
                if !runs.is_empty() {
                    out.push(paragraph(runs));
                }
            }
        }
        Ok(())
    }

    /// Inline runs until `end`.
    fn inlines(&mut self, end: TagEnd) -> Result<Vec<Inline>, String> {
        let mut runs = Vec::new();
        let mut stack = vec![Style::default()];
        let mut links = Vec::new();
        while let Some(ev) = self.next() {
            let style = *stack.last().expect("style stack is never empty");
            match ev {
                Event::End(e) if e == end => break,
                Event::Start(Tag::Link { dest_url, .. }) => {
                    links.push((dest_url.to_string(), text_len(&runs)))
                }
                Event::End(TagEnd::Link) => {
                    if let Some(address) = links.pop().and_then(|l| link_address(&runs, l)) {
                        push_text(&mut runs, &address, style);
                    }
                }
                Event::Text(t) | Event::Code(t) => push_text(&mut runs, &t, style),
                Event::SoftBreak => push_text(&mut runs, " ", style),
                Event::HardBreak => runs.push(Inline::Break),
                Event::Start(Tag::Strong) => stack.push(Style {
                    bold: true,
                    ..style
                }),
                Event::Start(Tag::Emphasis) => stack.push(Style {
                    italic: true,
                    ..style
                }),
                Event::End(TagEnd::Strong | TagEnd::Emphasis) if stack.len() > 1 => {
                    stack.pop();
                }
                Event::InlineHtml(html) => match html.trim() {
                    "<span class=\"spaced\">" => stack.push(Style {
                        spaced: true,
                        ..style
                    }),
                    "</span>" if stack.len() > 1 => {
                        stack.pop();
                    }
                    "<br>" | "<br/>" | "<br />" => runs.push(Inline::Break),
                    other => push_text(&mut runs, other, style),
                },
                _ => {}
            }
        }
        Ok(runs)
    }

    /// Items of an ordered list as clauses labelled `prefix` + number + «.».
    fn clauses(&mut self, start: u64, prefix: &str) -> Result<Vec<Clause>, String> {
        let mut clauses = Vec::new();
        let mut number = start;
        while let Some(ev) = self.next() {
            match ev {
                Event::End(TagEnd::List(_)) => break,
                Event::Start(Tag::Item) => {
                    let label = format!("{prefix}{number}.");
                    let item = self.item()?;
                    let mut clause = Clause {
                        label: label.clone(),
                        runs: Vec::new(),
                        more: Vec::new(),
                        children: Vec::new(),
                    };
                    let mut paragraphs = item.paragraphs.into_iter();
                    clause.runs = paragraphs.next().unwrap_or_default();
                    clause.more.extend(paragraphs);
                    for sub in item.sublists {
                        match sub {
                            SubList::Ordered(start, pos) => {
                                let saved = self.pos;
                                self.pos = pos;
                                clause.children.extend(self.clauses(start, &label)?);
                                self.pos = saved;
                            }
                            SubList::Bullets(items) => {
                                for it in flatten_items(&items) {
                                    let mut runs = vec![Inline::plain(format!("{LIST_MARKER} "))];
                                    runs.extend(it);
                                    clause.more.push(runs);
                                }
                            }
                        }
                    }
                    clauses.push(clause);
                    number += 1;
                }
                _ => {}
            }
        }
        Ok(clauses)
    }

    fn list_items(&mut self) -> Result<Vec<ListItem>, String> {
        let mut items = Vec::new();
        while let Some(ev) = self.next() {
            match ev {
                Event::End(TagEnd::List(_)) => break,
                Event::Start(Tag::Item) => {
                    let item = self.item()?;
                    let mut paragraphs = item.paragraphs.into_iter();
                    let mut li = ListItem {
                        runs: paragraphs.next().unwrap_or_default(),
                        children: Vec::new(),
                    };
                    for p in paragraphs {
                        li.runs.push(Inline::Break);
                        li.runs.extend(p);
                    }
                    for sub in item.sublists {
                        match sub {
                            SubList::Bullets(children) => li.children.extend(children),
                            SubList::Ordered(start, pos) => {
                                let saved = self.pos;
                                self.pos = pos;
                                let numbered = self.clauses(start, "")?;
                                self.pos = saved;
                                li.children.extend(numbered.into_iter().map(|c| {
                                    let mut runs = vec![Inline::plain(format!("{} ", c.label))];
                                    runs.extend(c.runs);
                                    ListItem {
                                        runs,
                                        children: Vec::new(),
                                    }
                                }));
                            }
                        }
                    }
                    items.push(li);
                }
                _ => {}
            }
        }
        Ok(items)
    }

    /// One list item: its paragraphs and nested lists. Nested ordered lists
    /// are recorded by position and parsed by the caller, which knows the
    /// label prefix.
    fn item(&mut self) -> Result<ItemContent, String> {
        let mut content = ItemContent::default();
        let mut loose: Vec<Inline> = Vec::new();
        let mut style = Style::default();
        let mut links = Vec::new();
        while let Some(ev) = self.next() {
            match ev {
                Event::End(TagEnd::Item) => break,
                Event::Start(Tag::Link { dest_url, .. }) => {
                    links.push((dest_url.to_string(), text_len(&loose)))
                }
                Event::End(TagEnd::Link) => {
                    if let Some(address) = links.pop().and_then(|l| link_address(&loose, l)) {
                        push_text(&mut loose, &address, style);
                    }
                }
                Event::Start(Tag::Paragraph) => {
                    flush(&mut loose, &mut content.paragraphs);
                    content.paragraphs.push(self.inlines(TagEnd::Paragraph)?);
                }
                Event::Start(Tag::List(Some(start))) => {
                    flush(&mut loose, &mut content.paragraphs);
                    content.sublists.push(SubList::Ordered(start, self.pos));
                    self.skip_list();
                }
                Event::Start(Tag::List(None)) => {
                    flush(&mut loose, &mut content.paragraphs);
                    let items = self.list_items()?;
                    content.sublists.push(SubList::Bullets(items));
                }
                Event::Text(t) | Event::Code(t) => push_text(&mut loose, &t, style),
                Event::SoftBreak => push_text(&mut loose, " ", style),
                Event::HardBreak => loose.push(Inline::Break),
                Event::Start(Tag::Strong) => style.bold = true,
                Event::End(TagEnd::Strong) => style.bold = false,
                Event::Start(Tag::Emphasis) => style.italic = true,
                Event::End(TagEnd::Emphasis) => style.italic = false,
                Event::InlineHtml(html) => match html.trim() {
                    "<span class=\"spaced\">" => style.spaced = true,
                    "</span>" => style.spaced = false,
                    "<br>" | "<br/>" | "<br />" => loose.push(Inline::Break),
                    other => push_text(&mut loose, other, style),
                },
                _ => {}
            }
        }
        flush(&mut loose, &mut content.paragraphs);
        Ok(content)
    }

    /// Skips to the end of the list that just started.
    fn skip_list(&mut self) {
        let mut depth = 1;
        while let Some(ev) = self.next() {
            match ev {
                Event::Start(Tag::List(_)) => depth += 1,
                Event::End(TagEnd::List(_)) => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    fn table(&mut self) -> Result<Block, String> {
        let mut rows = Vec::new();
        let mut header_rows = 0;
        let mut current: Vec<Cell> = Vec::new();
        let mut in_head = false;
        while let Some(ev) = self.next() {
            match ev {
                Event::End(TagEnd::Table) => break,
                Event::Start(Tag::TableHead) => in_head = true,
                Event::End(TagEnd::TableHead) => {
                    in_head = false;
                    header_rows += 1;
                    rows.push(Row {
                        cells: std::mem::take(&mut current),
                        cant_split: true,
                    });
                }
                Event::End(TagEnd::TableRow) => rows.push(Row {
                    cells: std::mem::take(&mut current),
                    cant_split: true,
                }),
                Event::Start(Tag::TableCell) => {
                    let runs = self.inlines(TagEnd::TableCell)?;
                    current.push(Cell {
                        bold: in_head,
                        ..Cell::text(runs)
                    });
                }
                _ => {}
            }
        }
        let columns = column_shares(&rows);
        Ok(Block::Table(Table {
            columns,
            header_rows,
            rows,
            font_size: None,
            borders: true,
        }))
    }
}

#[derive(Default)]
struct ItemContent {
    paragraphs: Vec<Vec<Inline>>,
    sublists: Vec<SubList>,
}

enum SubList {
    /// An ordered list starting at the number, its events from the position.
    Ordered(u64, usize),
    Bullets(Vec<ListItem>),
}

fn flush(loose: &mut Vec<Inline>, paragraphs: &mut Vec<Vec<Inline>>) {
    if !loose.is_empty() {
        paragraphs.push(std::mem::take(loose));
    }
}

/// Nested bullet items flattened in reading order (for clauses, which have
/// no nested dash lists).
fn flatten_items(items: &[ListItem]) -> Vec<Vec<Inline>> {
    let mut out = Vec::new();
    for it in items {
        out.push(it.runs.clone());
        out.extend(flatten_items(&it.children));
    }
    out
}

fn paragraph(runs: Vec<Inline>) -> Block {
    Block::Paragraph(Paragraph {
        runs,
        align: Align::Justify,
        indent: true,
        ..Paragraph::default()
    })
}

/// Appends text, merging with the previous run when the style is the same.
fn text_len(runs: &[Inline]) -> usize {
    runs.iter().map(|r| r.text().len()).sum()
}

/// What follows a link's text: its address in brackets, since a printed
/// page cannot be clicked — unless the text is the address already
/// (`<https://…>`, `<mail@example.ru>`).
fn link_address(runs: &[Inline], (dest, start): (String, usize)) -> Option<String> {
    let all: String = runs.iter().map(Inline::text).collect();
    let text = all.get(start..).unwrap_or("").trim();
    let bare = dest.strip_prefix("mailto:").unwrap_or(&dest);
    (!dest.is_empty() && text != bare).then(|| format!(" ({bare})"))
}

fn push_text(runs: &mut Vec<Inline>, text: &str, style: Style) {
    if let Some(Inline::Text {
        text: prev,
        bold,
        italic,
        spaced,
        nobreak: false,
    }) = runs.last_mut()
        && *bold == style.bold
        && *italic == style.italic
        && *spaced == style.spaced
    {
        prev.push_str(text);
        return;
    }
    runs.push(Inline::Text {
        text: text.to_owned(),
        bold: style.bold,
        italic: style.italic,
        spaced: style.spaced,
        nobreak: false,
    });
}

/// Column shares of a GFM table from the longest text in each column,
/// clamped so that short columns stay readable and long ones do not crowd
/// the rest out.
fn column_shares(rows: &[Row]) -> Vec<f32> {
    let cols = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    (0..cols)
        .map(|c| {
            let longest = rows
                .iter()
                .filter_map(|r| r.cells.get(c))
                .map(|cell| crate::ir::plain_text(&cell.blocks).chars().count())
                .max()
                .unwrap_or(1);
            (longest as f32).clamp(4.0, 40.0)
        })
        .collect()
}

/// Escapes a data value for docmark: every ASCII punctuation character is
/// backslash-escaped (CommonMark makes any of them literal that way) and
/// line breaks and tabs become spaces, so a value can never change the
/// structure of the text it is inserted into.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut last_space = false;
    for ch in value.chars() {
        if ch.is_ascii_whitespace() || ch.is_control() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if ch.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::plain_text;

    fn parse(text: &str) -> Vec<Block> {
        parse_docmark(text, &[]).unwrap()
    }

    #[test]
    fn links_print_their_address() {
        let blocks = parse(
            "См. [сайт ЦОПП](https://copp.example.ru), <https://a.example.ru> и <info@example.ru>.\n\n- [реестр](https://r.example.ru/1)\n",
        );
        assert_eq!(
            plain_text(&blocks[..1]),
            "См. сайт ЦОПП (https://copp.example.ru), https://a.example.ru и info@example.ru."
        );
        assert!(plain_text(&blocks).contains("реестр (https://r.example.ru/1)"));
    }

    #[test]
    fn nested_ordered_lists_are_labelled_clauses() {
        let blocks = parse("1. Первый.\n2. Второй:\n   1. под один;\n   2. под два.\n3. Третий.\n");
        let Block::Clauses { items: c } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].label, "2.");
        assert_eq!(c[1].children[1].label, "2.2.");
        assert_eq!(
            plain_text(&blocks),
            "1. Первый.\n2. Второй:\n2.1. под один;\n2.2. под два.\n3. Третий."
        );
    }

    #[test]
    fn ordered_list_keeps_its_start() {
        let blocks = parse("5. Пятый.\n6. Шестой.\n");
        let Block::Clauses { items: c } = &blocks[0] else {
            panic!()
        };
        assert_eq!(c[0].label, "5.");
        assert_eq!(c[1].label, "6.");
    }

    #[test]
    fn headings_lists_tables_and_breaks() {
        let blocks = parse(
            "# Заголовок\n\nТекст **жирный** и *курсив*.\n\n- один\n- два\n\n---\n\n| A | Б |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(matches!(
            &blocks[0],
            Block::Heading {
                level: 1,
                align: Align::Center,
                ..
            }
        ));
        let Block::Paragraph(p) = &blocks[1] else {
            panic!()
        };
        assert!(
            p.runs
                .iter()
                .any(|r| matches!(r, Inline::Text { bold: true, text, .. } if text == "жирный"))
        );
        assert!(matches!(&blocks[2], Block::List(l) if l.items.len() == 2));
        assert!(matches!(&blocks[3], Block::PageBreak));
        let Block::Table(t) = &blocks[4] else {
            panic!()
        };
        assert_eq!((t.header_rows, t.rows.len(), t.columns.len()), (1, 2, 2));
    }

    #[test]
    fn spaced_span_marks_runs() {
        let blocks = parse("Текст <span class=\"spaced\">п р и к а з ы в а ю :</span>\n");
        let Block::Paragraph(p) = &blocks[0] else {
            panic!()
        };
        assert!(
            matches!(&p.runs[1], Inline::Text { spaced: true, text, .. } if text == "п р и к а з ы в а ю :")
        );
    }

    #[test]
    fn components_are_substituted() {
        let comp = Block::PageBreak;
        let text = format!("До\n\n```{COMPONENT_FENCE}\n0\n```\n\nПосле\n");
        let blocks = parse_docmark(&text, &[comp]).unwrap();
        assert!(matches!(blocks[1], Block::PageBreak));
        assert!(parse_docmark(&format!("```{COMPONENT_FENCE}\n3\n```\n"), &[]).is_err());
    }

    #[test]
    fn escaped_values_stay_text() {
        for hostile in [
            "*звёздочки* и _подчёркивания_",
            "# не заголовок",
            "| не | таблица |",
            "---",
            "1. не пункт",
            "<w:p>&amp; <span class=\"spaced\">x</span>",
            "{{ 7*7 }} {% include \"x\" %}",
            "#read(\"/etc/passwd\") #panic()",
            "[ссылка](http://x) ![img](y) `код`",
            "\\ обратная косая \\\\",
        ] {
            let blocks = parse(&format!("Текст: {}\n", escape(hostile)));
            assert_eq!(blocks.len(), 1, "{hostile}: {blocks:?}");
            assert_eq!(
                plain_text(&blocks),
                format!("Текст: {hostile}"),
                "{hostile}"
            );
        }
    }

    mod fuzz {
        use proptest::prelude::*;

        use crate::docmark::{escape, parse_docmark};
        use crate::ir::plain_text;

        /// A value as a reader sees it once escaped: each run of white space
        /// and control characters (line breaks too) is one space.
        fn as_read(value: &str) -> String {
            let mut out = String::with_capacity(value.len());
            let mut space = false;
            for c in value.chars() {
                if c.is_ascii_whitespace() || c.is_control() {
                    if !space {
                        out.push(' ');
                    }
                    space = true;
                } else {
                    out.push(c);
                    space = false;
                }
            }
            out
        }

        /// An escaped value inserted into a line of docmark reads back as
        /// exactly the value: one paragraph, the same text.
        fn reads_back(value: &str) {
            let blocks = parse_docmark(&format!("Текст: {}\n", escape(value)), &[]).unwrap();
            let want = format!("Текст: {}", as_read(value));
            assert_eq!(blocks.len(), 1, "{value:?}: {blocks:?}");
            assert_eq!(plain_text(&blocks), want.trim_end_matches(' '), "{value:?}");
        }

        /// Text made of the structure of every layer a value passes:
        /// Markdown, HTML, minijinja, Typst, XML.
        fn markup() -> impl Strategy<Value = String> {
            let token = prop_oneof![
                3 => prop::sample::select(vec![
                    "*", "**", "_", "__", "#", "## ", "|", "---", "***", "1. ", "1) ", "- ", "+ ",
                    "\n", "\r\n", "\n\n", "    ", "\t", "> ", "<", ">", "&", "&amp;", "&#x41;",
                    "&nbsp;", "[", "]", "](http://x)", "![", "`", "```", "~~~", "~", "\\", "<br>",
                    "<span class=\"spaced\">", "</span>", "<!--", "-->", "<w:p>", "]]>", "$",
                    "{{ 7*7 }}", "{%", "%}", "#{", "#panic()", "#read(\"/etc/passwd\")", "@x",
                    "```clusterdoc-component\n0\n```", "| a | b |\n|---|---|", "[^1]", "\u{a0}",
                    "\u{2028}", "\u{feff}", "\u{0}",
                ])
                .prop_map(str::to_owned),
                2 => "[a-zA-Zа-яё0-9]{1,8}",
                1 => any::<char>().prop_map(String::from),
            ];
            prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
        }

        proptest! {
            #![proptest_config(crate::fuzz::config(500))]

            #[test]
            fn any_text_reads_back_the_same(value in any::<String>()) {
                reads_back(&value);
            }

            #[test]
            fn markup_reads_back_the_same(value in markup()) {
                reads_back(&value);
            }
        }
    }

    #[test]
    fn escape_turns_line_breaks_into_spaces() {
        let blocks = parse(&format!("{}\n", escape("строка\n\n# вторая\n  - третья")));
        assert_eq!(plain_text(&blocks), "строка # вторая - третья");
    }
}
