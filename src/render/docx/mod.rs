//! IR → DOCX with docx-rs, driven by the document's formatting profile.
//!
//! docx-rs builds the package; [`postprocess`] then fixes what it lacks or
//! writes wrongly (repeating header rows, schema order of properties,
//! language, metadata, compression and byte-for-byte determinism).
//!
//! Layout choices a clerk would recognise from Word-made orders: clauses are
//! real Word numbering with the number at the first-line indent followed by a
//! space; the date / place / number line, the signature and the parties'
//! requisites are borderless fixed tables; corner requisites are paragraphs
//! indented to the corner width; the contents lists the outlined headings
//! with live PAGEREF page numbers.

mod numbering;
pub mod postprocess;
mod shared_parts;

use std::sync::Arc;

use docx_rs as dx;
use dx::{
    AlignmentType, BorderType, BreakType, FieldCharType, IndentLevel, InstrText, LevelSuffixType,
    LineSpacing, LineSpacingType, NumberingId, SpecialIndentType, TabLeaderType, TabValueType,
    TableBorder, TableBorderPosition, TableCellBorder, TableCellBorderPosition, TableCellMargins,
    TableLayoutType, VAlignType, VMergeType, WidthType,
};

use self::numbering::{ClauseNumber, Planner};
use self::shared_parts::SharedParts;
use crate::diag::Diagnostic;
use crate::ir::{self, Align, Block, Document, Inline};
use crate::render::{Format, Rendered, Renderer};

/// Options of the DOCX renderer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocxOptions {
    /// Creation and modification time written into the package, unix
    /// seconds. `None`: the document's date at 00:00 UTC, else 1980-01-01.
    pub timestamp: Option<i64>,
}

/// Renders the IR as a Word document.
#[derive(Debug, Clone, Default)]
pub struct DocxRenderer {
    options: DocxOptions,
    /// Package parts the documents of this session have in common.
    shared: Arc<SharedParts>,
}

impl DocxRenderer {
    pub fn new(options: DocxOptions) -> Self {
        DocxRenderer {
            options,
            shared: Arc::default(),
        }
    }
}

impl Renderer for DocxRenderer {
    fn format(&self) -> Format {
        Format::Docx
    }

    fn render(&self, doc: &Document) -> Result<Rendered, Diagnostic> {
        let bytes = render_docx(doc, &self.options, &self.shared).map_err(|e| {
            Diagnostic::error(format!("cannot write the DOCX file: {e}"))
                .context(format!("document «{}»", doc.meta.title))
        })?;
        Ok(Rendered { bytes, pages: None })
    }
}

/// 1980-01-01T00:00:00Z, the earliest time a ZIP entry can carry.
const EPOCH_1980: i64 = 315_532_800;

fn timestamp(doc: &Document, options: &DocxOptions) -> i64 {
    options
        .timestamp
        .or_else(|| doc.meta.date.map(|d| d.unix_seconds()))
        .unwrap_or(EPOCH_1980)
}

fn render_docx(
    doc: &Document,
    options: &DocxOptions,
    shared: &SharedParts,
) -> Result<Vec<u8>, String> {
    let ts = timestamp(doc, options);
    let mut b = Builder::new(doc);
    b.blocks(&doc.blocks);
    let header_rows = std::mem::take(&mut b.header_rows);
    let docx = b.finish(ts);

    // The parts as docx-rs builds them, handed to the post-processing step
    // as they are: it writes the only package.
    let parts = package_parts(docx.build());
    let fixes = postprocess::Fixes {
        lang: doc.meta.lang.tag(),
        font: &doc.profile.font.docx_family,
        title: &doc.meta.title,
        creator: &doc.meta.author,
        timestamp: ts,
        header_rows: &header_rows,
    };
    postprocess::postprocess(parts, &fixes, shared).map_err(|e| e.to_string())
}

/// The package's parts under the names docx-rs gives them when it writes
/// a package itself (`XMLDocx::pack`).
fn package_parts(xml: docx_rs::XMLDocx) -> Vec<(String, Vec<u8>)> {
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), xml.content_type),
        ("_rels/.rels".into(), xml.rels),
        ("docProps/app.xml".into(), xml.doc_props.app),
        ("docProps/core.xml".into(), xml.doc_props.core),
        ("docProps/custom.xml".into(), xml.doc_props.custom),
        ("word/_rels/document.xml.rels".into(), xml.document_rels),
        ("word/document.xml".into(), xml.document),
        ("word/styles.xml".into(), xml.styles),
        ("word/settings.xml".into(), xml.settings),
        ("word/fontTable.xml".into(), xml.font_table),
        ("word/comments.xml".into(), xml.comments),
        ("word/numbering.xml".into(), xml.numberings),
        ("word/commentsExtended.xml".into(), xml.comments_extended),
        ("word/footnotes.xml".into(), xml.footnotes),
    ];
    for (kind, bodies, mut rels) in [
        ("header", xml.headers, xml.header_rels.into_iter()),
        ("footer", xml.footers, xml.footer_rels.into_iter()),
    ] {
        for (i, body) in bodies.into_iter().enumerate() {
            parts.push((format!("word/{kind}{}.xml", i + 1), body));
            if let Some(rels) = rels.next() {
                parts.push((format!("word/_rels/{kind}{}.xml.rels", i + 1), rels));
            }
        }
    }
    for (name, image) in xml.media {
        parts.push((format!("word/media/{name}.png"), image));
    }
    if let Some(taskpanes) = xml.taskpanes {
        parts.push(("word/webextensions/taskpanes.xml".into(), taskpanes));
        parts.push((
            "word/webextensions/_rels/taskpanes.xml.rels".into(),
            xml.taskpanes_rels,
        ));
        for (i, ext) in xml.web_extensions.into_iter().enumerate() {
            parts.push((format!("word/webextensions/webextension{}.xml", i + 1), ext));
        }
    }
    let items = xml.custom_items.into_iter().zip(xml.custom_item_rels);
    for (i, ((item, rels), props)) in items.zip(xml.custom_item_props).enumerate() {
        let n = i + 1;
        parts.push((format!("customXml/_rels/item{n}.xml.rels"), rels));
        parts.push((format!("customXml/item{n}.xml"), item));
        parts.push((format!("customXml/itemProps{n}.xml"), props));
    }
    parts
}

fn twips(mm: f32) -> i32 {
    (mm * 1440.0 / 25.4).round() as i32
}

fn half_points(pt: f32) -> usize {
    (pt * 2.0).round().max(2.0) as usize
}

/// Profile values in Word's units.
#[derive(Debug, Clone, Copy)]
struct Metrics {
    text_width: i32,
    indent: i32,
    body: usize,
    table: usize,
    small: usize,
    /// Line pitch in 240ths of a line.
    line: i32,
    /// Space after body paragraphs, twips.
    after: u32,
}

/// One space-ish line of 12 pt between blocks, in twips.
const GAP: u32 = 240;

/// Where a block is being written.
#[derive(Debug, Clone, Copy)]
struct Flow {
    /// Inside a table cell: no first-line indents, single spacing.
    cell: bool,
    /// Type size in half-points when not the document default.
    size: Option<usize>,
    /// Every run bold (header cells).
    bold: bool,
}

const BODY: Flow = Flow {
    cell: false,
    size: None,
    bold: false,
};

enum Item {
    P(Box<dx::Paragraph>),
    T(Box<dx::Table>),
}

impl Item {
    fn p(p: dx::Paragraph) -> Self {
        Item::P(Box::new(p))
    }

    fn t(t: dx::Table) -> Self {
        Item::T(Box::new(t))
    }
}

struct TocEntry {
    level: u8,
    text: String,
    bookmark: String,
}

struct Builder<'a> {
    doc: &'a Document,
    m: Metrics,
    numbering: Planner,
    /// Header rows of every table in document (pre-)order, for postprocess.
    header_rows: Vec<usize>,
    body: Vec<Item>,
    pending_break: bool,
    /// Outlined headings, collected up front so a contents block can precede them.
    toc: Vec<TocEntry>,
    next_heading: usize,
    next_bookmark: usize,
}

impl<'a> Builder<'a> {
    fn new(doc: &'a Document) -> Self {
        let p = &doc.profile;
        let m = Metrics {
            text_width: twips(p.text_width()).max(567),
            indent: twips(p.first_line_indent),
            body: half_points(p.font.size),
            table: half_points(p.font.table_size),
            small: half_points(p.font.small_size),
            line: (240.0 * p.line_spacing).round().max(24.0) as i32,
            after: (p.paragraph_spacing * 20.0).round().max(0.0) as u32,
        };
        let mut toc = Vec::new();
        collect_headings(&doc.blocks, &mut toc);
        Builder {
            doc,
            m,
            numbering: Planner::default(),
            header_rows: Vec::new(),
            body: Vec::new(),
            pending_break: false,
            toc,
            next_heading: 0,
            next_bookmark: 1,
        }
    }

    fn blocks(&mut self, blocks: &[Block]) {
        for block in blocks {
            if matches!(block, Block::PageBreak) {
                if self.pending_break {
                    // Two breaks in a row: an empty page between them.
                    self.body.push(Item::p(page_break_paragraph()));
                }
                self.pending_break = true;
                continue;
            }
            let items = self.block(block, BODY);
            for item in items {
                let item = if std::mem::take(&mut self.pending_break) {
                    match item {
                        Item::P(p) => Item::p(p.page_break_before(true)),
                        Item::T(t) => {
                            // A table cannot break the page itself.
                            self.body.push(Item::p(page_break_paragraph()));
                            Item::T(t)
                        }
                    }
                } else {
                    item
                };
                self.body.push(item);
            }
        }
    }

    fn block(&mut self, block: &Block, flow: Flow) -> Vec<Item> {
        match block {
            Block::Paragraph(p) => vec![Item::p(self.paragraph(p, flow))],
            Block::Heading {
                level,
                runs,
                align,
                outlined,
            } => vec![Item::p(self.heading(*level, runs, *align, *outlined, flow))],
            Block::Clauses { items: clauses } => {
                self.numbering
                    .begin_block(clauses.first().map(|c| c.label.as_str()));
                let mut out = Vec::new();
                self.clauses(clauses, flow, &mut out);
                out
            }
            Block::List(list) => {
                let mut out = Vec::new();
                self.list(&list.marker, &list.items, 0, flow, &mut out);
                out
            }
            // Word rejects a table without rows.
            Block::Table(t) if t.rows.is_empty() => Vec::new(),
            Block::Table(t) => vec![Item::t(self.table(t))],
            Block::Letterhead(l) => self.letterhead(l),
            Block::Stamp(s) => self.stamp(s),
            Block::Signature(s) => vec![Item::t(self.signature(s))],
            Block::Parties(p) => vec![Item::t(self.parties(p))],
            Block::Contents { title } => self.contents(title),
            // Only meaningful in the body; inside a cell a break means nothing.
            Block::PageBreak => Vec::new(),
        }
    }

    // ----- paragraphs -------------------------------------------------

    /// A paragraph with alignment, indent, spacing and the paragraph mark's
    /// size (which also sizes a list number and an empty line).
    fn base(&self, align: Align, first_line: bool, flow: Flow) -> dx::Paragraph {
        let mut p = dx::Paragraph::new().align(alignment(align));
        if first_line && !flow.cell {
            p = p.indent(
                Some(0),
                Some(SpecialIndentType::FirstLine(self.m.indent)),
                None,
                None,
            );
        }
        if flow.cell {
            p = p.line_spacing(single(0, 0));
        } else {
            // Word's default without a style says otherwise.
            p = p.widow_control(true);
        }
        if let Some(size) = flow.size {
            p = p.size(size);
        }
        if flow.bold {
            p = p.bold();
        }
        p
    }

    /// Spacing with explicit before/after, keeping the profile's line pitch.
    fn spacing(&self, flow: Flow, before: u32, after: u32) -> LineSpacing {
        if flow.cell {
            single(before, after)
        } else {
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(self.m.line)
                .before(before)
                .after(after)
        }
    }

    fn paragraph(&self, p: &ir::Paragraph, flow: Flow) -> dx::Paragraph {
        let mut out = self.base(p.align, p.indent, flow);
        if p.keep_with_next {
            out = out.keep_next(true);
        }
        if let Some(mm) = p.space_before {
            let after = if flow.cell { 0 } else { self.m.after };
            out = out.line_spacing(self.spacing(flow, twips(mm).max(0) as u32, after));
        }
        inlines(out, &p.runs, flow)
    }

    fn heading(
        &mut self,
        level: u8,
        runs: &[Inline],
        align: Align,
        outlined: bool,
        flow: Flow,
    ) -> dx::Paragraph {
        let flow = Flow { bold: true, ..flow };
        let before = if level <= 1 { GAP } else { GAP / 2 };
        let mut p = self
            .base(align, false, flow)
            .keep_next(true)
            .keep_lines(true)
            .line_spacing(self.spacing(flow, before, GAP));
        if !outlined {
            return inlines(p, runs, flow);
        }
        p = p.outline_lvl(usize::from(level.clamp(1, 9)) - 1);
        let entry = self.toc.get(self.next_heading);
        self.next_heading += 1;
        match entry {
            Some(entry) => {
                let id = self.next_bookmark;
                self.next_bookmark += 1;
                let name = entry.bookmark.clone();
                p = p.add_bookmark_start(id, name);
                inlines(p, runs, flow).add_bookmark_end(id)
            }
            None => inlines(p, runs, flow),
        }
    }

    // ----- clauses and lists --------------------------------------------

    fn clauses(&mut self, clauses: &[ir::Clause], flow: Flow, out: &mut Vec<Item>) {
        let align = if flow.cell {
            Align::Left
        } else {
            Align::Justify
        };
        for clause in clauses {
            let mut p = self.base(align, true, flow);
            match self.numbering.number(&clause.label) {
                ClauseNumber::List { num_id, level } => {
                    // The level's indent puts the number at the first-line
                    // indent; restate it so cells (no indent) override it.
                    let first = if flow.cell { 0 } else { self.m.indent };
                    p = p
                        .numbering(NumberingId::new(num_id), IndentLevel::new(level))
                        .indent(
                            Some(0),
                            Some(SpecialIndentType::FirstLine(first)),
                            None,
                            None,
                        );
                }
                ClauseNumber::Text => {
                    p = p.add_run(run(
                        &format!("{} ", clause.label.trim()),
                        false,
                        false,
                        flow,
                    ));
                }
            }
            out.push(Item::p(inlines(p, &clause.runs, flow)));
            for more in &clause.more {
                out.push(Item::p(inlines(self.base(align, true, flow), more, flow)));
            }
            self.clauses(&clause.children, flow, out);
        }
    }

    fn list(
        &self,
        marker: &str,
        items: &[ir::ListItem],
        depth: i32,
        flow: Flow,
        out: &mut Vec<Item>,
    ) {
        for item in items {
            let p = if flow.cell {
                let p = self.base(Align::Left, false, flow);
                if depth > 0 {
                    p.indent(Some(depth * twips(5.0)), None, None, None)
                } else {
                    p
                }
            } else {
                self.base(Align::Justify, false, flow).indent(
                    Some(depth * self.m.indent),
                    Some(SpecialIndentType::FirstLine(self.m.indent)),
                    None,
                    None,
                )
            };
            let p = if marker.is_empty() {
                p
            } else {
                p.add_run(run(&format!("{marker} "), false, false, flow))
            };
            out.push(Item::p(inlines(p, &item.runs, flow)));
            self.list(marker, &item.children, depth + 1, flow, out);
        }
    }

    // ----- tables ---------------------------------------------------------

    /// Reserves the table's place in the document-order list of header-row
    /// counts; call before building any table nested in it.
    fn register_table(&mut self, header_rows: usize) {
        self.header_rows.push(header_rows);
    }

    fn table(&mut self, t: &ir::Table) -> dx::Table {
        self.register_table(t.header_rows.min(t.rows.len()));
        let (slots, ncols) = layout_rows(&t.rows, t.columns.len());
        let grid = grid_widths(&t.columns, ncols, self.m.text_width);
        let size = t.font_size.map_or(self.m.table, half_points);
        let mut rows = Vec::with_capacity(t.rows.len());
        for (row, row_slots) in t.rows.iter().zip(&slots) {
            let mut cells = Vec::with_capacity(row_slots.len());
            for slot in row_slots {
                let width: i32 = grid[slot.col..slot.col + slot.span].iter().sum();
                let mut cell = dx::TableCell::new().width(width as usize, WidthType::Dxa);
                if slot.span > 1 {
                    cell = cell.grid_span(slot.span);
                }
                let flow = Flow {
                    cell: true,
                    size: Some(size),
                    bold: false,
                };
                cell = match slot.kind {
                    SlotKind::Cell(c) => {
                        if c.rowspan > 1 {
                            cell = cell.vertical_merge(VMergeType::Restart);
                        }
                        let flow = Flow {
                            bold: c.bold,
                            ..flow
                        };
                        self.fill_cell(cell, &c.blocks, flow)
                    }
                    SlotKind::Continue => cell
                        .vertical_merge(VMergeType::Continue)
                        .add_paragraph(self.base(Align::Left, false, flow)),
                    SlotKind::Empty => cell.add_paragraph(self.base(Align::Left, false, flow)),
                };
                cells.push(cell);
            }
            let mut r = dx::TableRow::new(cells);
            if row.cant_split {
                r = r.cant_split();
            }
            rows.push(r);
        }
        let table = dx::Table::new(rows)
            .set_grid(grid.iter().map(|&w| w as usize).collect())
            .layout(TableLayoutType::Fixed)
            .width(self.m.text_width as usize, WidthType::Dxa)
            .margins(TableCellMargins::new().margin(0, 85, 0, 85));
        if t.borders {
            with_borders(table)
        } else {
            table.clear_all_border()
        }
    }

    fn fill_cell(
        &mut self,
        mut cell: dx::TableCell,
        blocks: &[Block],
        flow: Flow,
    ) -> dx::TableCell {
        let mut any = false;
        for block in blocks {
            for item in self.block(block, flow) {
                any = true;
                cell = match item {
                    Item::P(p) => cell.add_paragraph(*p),
                    Item::T(t) => cell.add_table(*t),
                };
            }
        }
        if !any {
            cell = cell.add_paragraph(self.base(Align::Left, false, flow));
        } else if matches!(cell.children.last(), Some(dx::TableCellContent::Table(_))) {
            cell = cell.add_paragraph(cell_end_paragraph());
        }
        cell
    }

    /// A borderless fixed table whose text starts and ends at the margins.
    fn layout_table(&self, rows: Vec<dx::TableRow>, grid: &[i32]) -> dx::Table {
        dx::Table::new(rows)
            .set_grid(grid.iter().map(|&w| w as usize).collect())
            .layout(TableLayoutType::Fixed)
            .width(grid.iter().sum::<i32>() as usize, WidthType::Dxa)
            .margins(TableCellMargins::new().margin(0, 0, 0, 0))
            .clear_all_border()
    }

    // ----- requisites -------------------------------------------------------

    fn letterhead(&mut self, l: &ir::Letterhead) -> Vec<Item> {
        let bold = Flow { bold: true, ..BODY };
        let mut out = Vec::new();
        for line in &l.body {
            let p = self.base(Align::Center, false, bold).keep_next(true);
            out.push(Item::p(p.add_run(run(line, true, false, bold))));
        }
        let big = Flow {
            size: Some(self.m.body + 4),
            ..bold
        };
        let before = if l.body.is_empty() { 0 } else { GAP };
        let p = self
            .base(Align::Center, false, big)
            .keep_next(true)
            .line_spacing(self.spacing(big, before, GAP));
        out.push(Item::p(p.add_run(run(&l.doc_type, true, false, big))));

        self.register_table(0);
        let third = self.m.text_width / 3;
        let grid = [third, self.m.text_width - 2 * third, third];
        let cells = [
            (&l.date, Align::Left),
            (&l.place, Align::Center),
            (&l.number, Align::Right),
        ]
        .iter()
        .zip(grid)
        .map(|((text, align), w)| {
            let p = self.base(*align, false, BODY);
            dx::TableCell::new()
                .width(w as usize, WidthType::Dxa)
                .add_paragraph(p.add_run(run(text, false, false, BODY)))
        })
        .collect();
        let row = dx::TableRow::new(cells).cant_split();
        out.push(Item::t(self.layout_table(vec![row], &grid)));
        out
    }

    fn stamp(&self, s: &ir::Stamp) -> Vec<Item> {
        let flow = Flow {
            size: Some(self.m.small),
            ..BODY
        };
        let left = (self.m.text_width - twips(s.width)).max(0);
        let n = s.lines.len();
        s.lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let last = i + 1 == n;
                let p = self
                    .base(Align::Left, false, flow)
                    .indent(Some(left), None, None, None)
                    .keep_lines(true)
                    .keep_next(!last)
                    .line_spacing(single(0, if last { GAP } else { 0 }));
                Item::p(inlines(p, line, flow))
            })
            .collect()
    }

    fn signature(&mut self, s: &ir::Signature) -> dx::Table {
        self.register_table(0);
        let left = self.m.text_width * 3 / 5;
        let grid = [left, self.m.text_width - left];
        let mut position = dx::TableCell::new().width(grid[0] as usize, WidthType::Dxa);
        for (i, line) in s.position.iter().enumerate() {
            let before = if i == 0 { 2 * GAP + GAP / 2 } else { 0 };
            let p = self
                .base(Align::Left, false, BODY)
                .line_spacing(self.spacing(BODY, before, 0));
            position = position.add_paragraph(p.add_run(run(line, false, false, BODY)));
        }
        if s.position.is_empty() {
            position = position.add_paragraph(self.base(Align::Left, false, BODY));
        }
        let name = dx::TableCell::new()
            .width(grid[1] as usize, WidthType::Dxa)
            .vertical_align(VAlignType::Bottom)
            .add_paragraph(
                self.base(Align::Right, false, BODY)
                    .line_spacing(self.spacing(BODY, 0, 0))
                    .add_run(run(&s.name, false, false, BODY)),
            );
        let row = dx::TableRow::new(vec![position, name]).cant_split();
        self.layout_table(vec![row], &grid)
    }

    fn parties(&mut self, parties: &ir::Parties) -> dx::Table {
        self.register_table(0);
        let n = parties.columns.clamp(1, 3);
        let width = self.m.text_width / n as i32;
        let mut grid = vec![width; n];
        grid[n - 1] = self.m.text_width - width * (n as i32 - 1);
        let gutter = twips(5.0);
        let mut rows = Vec::new();
        for chunk in parties.parties.chunks(n) {
            let mut cells = Vec::with_capacity(n);
            for (i, &w) in grid.iter().enumerate() {
                let mut cell = dx::TableCell::new().width(w as usize, WidthType::Dxa);
                if i + 1 < n {
                    cell.property = cell.property.margin_right(gutter as usize, WidthType::Dxa);
                }
                cell = match chunk.get(i) {
                    Some(party) => self.party(cell, party, w - if i + 1 < n { gutter } else { 0 }),
                    None => cell.add_paragraph(self.base(Align::Left, false, BODY)),
                };
                cells.push(cell);
            }
            // A party's requisites and signature never split across pages.
            rows.push(dx::TableRow::new(cells).cant_split());
        }
        if rows.is_empty() {
            let cell = dx::TableCell::new()
                .width(self.m.text_width as usize, WidthType::Dxa)
                .add_paragraph(self.base(Align::Left, false, BODY));
            grid = vec![self.m.text_width];
            rows.push(dx::TableRow::new(vec![cell]));
        }
        self.layout_table(rows, &grid)
    }

    fn party(&mut self, mut cell: dx::TableCell, party: &ir::Party, width: i32) -> dx::TableCell {
        let text = Flow { cell: true, ..BODY };
        let bold = Flow { bold: true, ..text };
        cell = cell.add_paragraph(
            self.base(Align::Left, false, bold)
                .line_spacing(single(GAP, 0))
                .keep_next(true)
                .add_run(run(&party.name, true, false, bold)),
        );
        for line in &party.lines {
            cell = cell.add_paragraph(
                self.base(Align::Left, false, text)
                    .keep_next(true)
                    .add_run(run(line, false, false, text)),
            );
        }
        cell = cell.add_paragraph(
            self.base(Align::Left, false, text)
                .line_spacing(single(GAP / 2, GAP))
                .keep_next(true)
                .add_run(run(&party.signer_position, false, false, text)),
        );
        // The signing line: a bottom-bordered empty cell, the name beside it.
        self.register_table(0);
        let line_w = width * 11 / 20;
        let grid = [line_w, width - line_w];
        let line_cell = dx::TableCell::new()
            .width(grid[0] as usize, WidthType::Dxa)
            .set_borders(
                dx::TableCellBorders::with_empty().set(
                    TableCellBorder::new(TableCellBorderPosition::Bottom)
                        .size(4)
                        .border_type(BorderType::Single),
                ),
            )
            .add_paragraph(self.base(Align::Left, false, text));
        let mut name_cell = dx::TableCell::new()
            .width(grid[1] as usize, WidthType::Dxa)
            .vertical_align(VAlignType::Bottom);
        name_cell.property = name_cell.property.margin_left(113, WidthType::Dxa);
        let name_cell = name_cell.add_paragraph(self.base(Align::Left, false, text).add_run(run(
            &party.signer_name,
            false,
            false,
            text,
        )));
        let sign = self.layout_table(
            vec![dx::TableRow::new(vec![line_cell, name_cell]).cant_split()],
            &grid,
        );
        cell.add_table(sign).add_paragraph(cell_end_paragraph())
    }

    // ----- contents -----------------------------------------------------------

    /// The outlined headings as a static list, each with a PAGEREF field to a
    /// bookmark on its heading. Not a TOC field: LibreOffice shows a TOC
    /// field's stored result as plain text, while a bare PAGEREF is a live
    /// reference there; Word refreshes the fields, flagged dirty, on opening.
    fn contents(&mut self, title: &str) -> Vec<Item> {
        let bold = Flow { bold: true, ..BODY };
        let mut out = vec![Item::p(
            self.base(Align::Center, false, bold)
                .keep_next(true)
                .line_spacing(self.spacing(bold, 0, GAP))
                .add_run(run(title, true, false, bold)),
        )];
        // The page number sits at the margin: a right indent would push
        // the tab stop outside the line and LibreOffice drops the number.
        let tab = dx::Tab::new()
            .val(TabValueType::Right)
            .leader(TabLeaderType::Dot)
            .pos(self.m.text_width as usize);
        // The shallowest outlined level sits at the margin.
        let top = self.toc.iter().map(|e| e.level).min().unwrap_or(1);
        for entry in &self.toc {
            let level = i32::from(entry.level.saturating_sub(top).min(8));
            let p = self
                .base(Align::Left, false, BODY)
                .indent(Some(level * twips(5.0)), None, None, None)
                .add_tab(tab.clone())
                .add_run(run(&entry.text, false, false, BODY))
                .add_run(dx::Run::new().add_tab())
                .add_run(
                    dx::Run::new()
                        .add_field_char(FieldCharType::Begin, true)
                        .add_instr_text(InstrText::Unsupported(format!(
                            " PAGEREF {} \\h ",
                            entry.bookmark
                        )))
                        .add_field_char(FieldCharType::Separate, false)
                        .add_field_char(FieldCharType::End, false),
                );
            out.push(Item::p(p));
        }
        out
    }

    // ----- the package --------------------------------------------------------

    fn finish(self, ts: i64) -> dx::Docx {
        let p = &self.doc.profile;
        let family = p.font.docx_family.as_str();
        let iso = postprocess::w3cdtf(ts);
        let header_distance = twips((p.margins.top / 2.0).clamp(10.0, 20.0).min(p.margins.top));
        let footer_distance = twips(
            (p.margins.bottom / 2.0)
                .clamp(5.0, 20.0)
                .min(p.margins.bottom),
        );
        let mut docx = dx::Docx::new()
            .page_size(twips(p.page.width) as u32, twips(p.page.height) as u32)
            .page_margin(dx::PageMargin {
                top: twips(p.margins.top),
                left: twips(p.margins.left),
                bottom: twips(p.margins.bottom),
                right: twips(p.margins.right),
                header: header_distance,
                footer: footer_distance,
                gutter: 0,
            })
            .default_fonts(
                dx::RunFonts::new()
                    .ascii(family)
                    .hi_ansi(family)
                    .east_asia(family)
                    .cs(family),
            )
            .default_size(self.m.body)
            .default_line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Auto)
                    .line(self.m.line)
                    .before(0)
                    .after(self.m.after),
            )
            .default_tab_stop(self.m.indent.max(1) as usize)
            .created_at(&iso)
            .updated_at(&iso);

        let small = Flow {
            size: Some(self.m.small),
            ..BODY
        };
        if p.page_numbers_from >= 1 {
            // docx-rs's PageNum run carries no size; build the field sized.
            let number = self
                .base(Align::Center, false, small)
                .line_spacing(single(0, 0))
                .add_run(
                    dx::Run::new()
                        .size(self.m.small)
                        .add_field_char(FieldCharType::Begin, false)
                        .add_instr_text(InstrText::PAGE(dx::InstrPAGE::new()))
                        .add_field_char(FieldCharType::Separate, false)
                        .add_text("2")
                        .add_field_char(FieldCharType::End, false),
                );
            docx = docx.header(dx::Header::new().add_paragraph(number));
            if p.page_numbers_from >= 2 {
                // An empty first-page header switches on "different first page".
                docx = docx.first_header(dx::Header::new().add_paragraph(self.base(
                    Align::Center,
                    false,
                    small,
                )));
            }
        }

        if !self.numbering.instances.is_empty() {
            docx = docx.add_abstract_numbering(clause_numbering(self.m.indent));
            for inst in &self.numbering.instances {
                let overrides = inst
                    .starts
                    .iter()
                    .enumerate()
                    .map(|(level, &start)| dx::LevelOverride::new(level).start(start))
                    .collect();
                docx = docx.add_numbering(
                    dx::Numbering::new(inst.num_id, CLAUSE_ABSTRACT_ID).overrides(overrides),
                );
            }
        }

        for item in self.body {
            docx = match item {
                Item::P(p) => docx.add_paragraph(*p),
                Item::T(t) => docx.add_table(*t),
            };
        }
        docx
    }
}

/// docx-rs presets abstract numbering 1.
const CLAUSE_ABSTRACT_ID: usize = 2;

/// Decimal clause numbers «1.», «1.1.», «1.1.1.» …: the number at the
/// first-line indent, a space after it, continuation lines at the margin.
fn clause_numbering(indent: i32) -> dx::AbstractNumbering {
    let mut abs = dx::AbstractNumbering::new(CLAUSE_ABSTRACT_ID);
    for level in 0..numbering::LEVELS {
        let text: String = (1..=level + 1).map(|k| format!("%{k}.")).collect();
        abs = abs.add_level(
            dx::Level::new(
                level,
                dx::Start::new(1),
                dx::NumberFormat::new("decimal"),
                dx::LevelText::new(text),
                dx::LevelJc::new("left"),
            )
            .indent(
                Some(0),
                Some(SpecialIndentType::FirstLine(indent)),
                None,
                None,
            )
            .suffix(LevelSuffixType::Space),
        );
    }
    abs
}

/// A cell ends with a paragraph (a nested table may not end it); keep it
/// as low as possible.
fn cell_end_paragraph() -> dx::Paragraph {
    dx::Paragraph::new().size(2).line_spacing(
        LineSpacing::new()
            .line_rule(LineSpacingType::Exact)
            .line(20)
            .before(0)
            .after(0),
    )
}

fn page_break_paragraph() -> dx::Paragraph {
    dx::Paragraph::new()
        .page_break_before(true)
        .size(2)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(20)
                .before(0)
                .after(0),
        )
}

fn single(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(before)
        .after(after)
}

fn alignment(a: Align) -> AlignmentType {
    match a {
        // `Justified` writes a value outside the schema.
        Align::Justify => AlignmentType::Both,
        Align::Left => AlignmentType::Left,
        Align::Center => AlignmentType::Center,
        Align::Right => AlignmentType::Right,
    }
}

/// Characters XML 1.0 cannot carry: one of them makes Word refuse the file.
fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.chars().any(bad) {
        text.chars().filter(|&c| !bad(c)).collect::<String>().into()
    } else {
        text.into()
    }
}

fn run(text: &str, bold: bool, italic: bool, flow: Flow) -> dx::Run {
    let mut r = dx::Run::new().add_text(xml_safe(text));
    if bold || flow.bold {
        r = r.bold();
    }
    if italic {
        r = r.italic();
    }
    if let Some(size) = flow.size {
        r = r.size(size);
    }
    r
}

/// The IR's text is final (no-break spaces, letter spacing already in it),
/// so runs are written as given.
fn inlines(mut p: dx::Paragraph, runs: &[Inline], flow: Flow) -> dx::Paragraph {
    for inline in runs {
        let r = match inline {
            Inline::Text {
                text, bold, italic, ..
            } => run(text, *bold, *italic, flow),
            Inline::Break => {
                let r = dx::Run::new().add_break(BreakType::TextWrapping);
                match flow.size {
                    Some(size) => r.size(size),
                    None => r,
                }
            }
        };
        p = p.add_run(r);
    }
    p
}

fn plain_text(runs: &[Inline]) -> String {
    let mut s = String::new();
    for inline in runs {
        match inline {
            Inline::Text { text, .. } => s.push_str(text),
            Inline::Break => s.push(' '),
        }
    }
    s
}

/// Outlined headings in the order the builder meets them (cells included).
fn collect_headings(blocks: &[Block], out: &mut Vec<TocEntry>) {
    for block in blocks {
        match block {
            Block::Heading {
                level,
                runs,
                outlined: true,
                ..
            } => {
                let n = out.len() + 1;
                out.push(TocEntry {
                    level: *level,
                    text: plain_text(runs),
                    bookmark: format!("_Toc{n:08}"),
                });
            }
            Block::Table(t) => {
                for row in &t.rows {
                    for cell in &row.cells {
                        collect_headings(&cell.blocks, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn with_borders(t: dx::Table) -> dx::Table {
    [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
    .into_iter()
    .fold(t, |t, pos| {
        t.set_border(TableBorder::new(pos).size(4).color("000000"))
    })
}

// ----- table layout ---------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum SlotKind<'c> {
    Cell(&'c ir::Cell),
    /// Under a cell with a rowspan: `vMerge` continue.
    Continue,
    /// Padding for a row with fewer cells than the grid.
    Empty,
}

#[derive(Debug, Clone, Copy)]
struct Slot<'c> {
    kind: SlotKind<'c>,
    col: usize,
    span: usize,
}

/// Places the IR's cells on the grid, adding the continuation cells that
/// Word needs under vertically merged cells and padding short rows.
fn layout_rows(rows: &[ir::Row], min_cols: usize) -> (Vec<Vec<Slot<'_>>>, usize) {
    // Per grid column: (rows still covered, span) of a merge starting there.
    let mut pending: Vec<Option<(usize, usize)>> = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut ncols = min_cols;
    for row in rows {
        let mut slots = Vec::new();
        let mut col = 0;
        let mut cells = row.cells.iter();
        loop {
            if let Some(Some((left, span))) = pending.get(col).copied() {
                slots.push(Slot {
                    kind: SlotKind::Continue,
                    col,
                    span,
                });
                pending[col] = (left > 1).then_some((left - 1, span));
                col += span;
                continue;
            }
            let Some(cell) = cells.next() else { break };
            let span = cell.colspan.max(1);
            if cell.rowspan > 1 {
                if pending.len() < col + 1 {
                    pending.resize(col + 1, None);
                }
                pending[col] = Some((cell.rowspan - 1, span));
            }
            slots.push(Slot {
                kind: SlotKind::Cell(cell),
                col,
                span,
            });
            col += span;
        }
        // Merges to the right of the row's last cell.
        while let Some(next) = (col..pending.len()).find(|&c| pending[c].is_some()) {
            for c in col..next {
                slots.push(Slot {
                    kind: SlotKind::Empty,
                    col: c,
                    span: 1,
                });
            }
            let (left, span) = pending[next].expect("found above");
            slots.push(Slot {
                kind: SlotKind::Continue,
                col: next,
                span,
            });
            pending[next] = (left > 1).then_some((left - 1, span));
            col = next + span;
        }
        ncols = ncols.max(col);
        out.push(slots);
    }
    for slots in &mut out {
        let width = slots.last().map_or(0, |s| s.col + s.span);
        if width < ncols {
            slots.push(Slot {
                kind: SlotKind::Empty,
                col: width,
                span: ncols - width,
            });
        }
    }
    (out, ncols.max(1))
}

/// Column widths in twips from the IR's shares; they add up to the text width.
fn grid_widths(shares: &[f32], ncols: usize, total: i32) -> Vec<i32> {
    let known: Vec<f32> = shares
        .iter()
        .map(|s| if s.is_finite() && *s > 0.0 { *s } else { 0.0 })
        .collect();
    let sum: f32 = known.iter().sum();
    let fallback = if sum > 0.0 && !known.is_empty() {
        sum / known.len() as f32
    } else {
        1.0
    };
    let shares: Vec<f32> = (0..ncols)
        .map(|i| match known.get(i) {
            Some(&s) if s > 0.0 => s,
            _ => fallback,
        })
        .collect();
    let sum: f32 = shares.iter().sum();
    let mut widths: Vec<i32> = shares
        .iter()
        .map(|s| ((s / sum) * total as f32).round() as i32)
        .collect();
    let drift = total - widths.iter().sum::<i32>();
    if let Some(last) = widths.last_mut() {
        *last += drift;
    }
    widths
}

#[cfg(test)]
mod tests;
