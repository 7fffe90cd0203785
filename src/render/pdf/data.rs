//! The document model as the JSON that `lib.typ` reads.
//!
//! `Block` is an internally tagged enum and `Block::Clauses` holds a bare
//! sequence, which serde cannot tag ("cannot serialize tagged newtype variant
//! containing a sequence"). Until the IR names that field, this wrapper writes
//! clauses as `{"type": "clauses", "items": [...]}` and delegates everything
//! else to the IR's own `Serialize`.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::ir::{Block, Cell, Document, Row, Table};

pub(super) fn to_json(doc: &Document) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Doc(doc))
}

struct Doc<'a>(&'a Document);
struct Blocks<'a>(&'a [Block]);
struct BlockJson<'a>(&'a Block);
struct TableJson<'a>(&'a Table);
struct Rows<'a>(&'a [Row]);
struct RowJson<'a>(&'a Row);
struct Cells<'a>(&'a [Cell]);
struct CellJson<'a>(&'a Cell);

impl Serialize for Doc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("meta", &self.0.meta)?;
        m.serialize_entry("profile", &self.0.profile)?;
        m.serialize_entry("blocks", &Blocks(&self.0.blocks))?;
        m.end()
    }
}

impl Serialize for Blocks<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for b in self.0 {
            seq.serialize_element(&BlockJson(b))?;
        }
        seq.end()
    }
}

impl Serialize for BlockJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Block::Clauses(items) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", "clauses")?;
                m.serialize_entry("items", items)?;
                m.end()
            }
            // Cells hold blocks, which may be clauses.
            Block::Table(t) => TableJson(t).serialize(s),
            other => other.serialize(s),
        }
    }
}

impl Serialize for TableJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", "table")?;
        m.serialize_entry("columns", &t.columns)?;
        m.serialize_entry("header_rows", &t.header_rows)?;
        m.serialize_entry("rows", &Rows(&t.rows))?;
        m.serialize_entry("font_size", &t.font_size)?;
        m.serialize_entry("borders", &t.borders)?;
        m.end()
    }
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            seq.serialize_element(&RowJson(r))?;
        }
        seq.end()
    }
}

impl Serialize for RowJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("cells", &Cells(&self.0.cells))?;
        m.serialize_entry("cant_split", &self.0.cant_split)?;
        m.end()
    }
}

impl Serialize for Cells<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&CellJson(c))?;
        }
        seq.end()
    }
}

impl Serialize for CellJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("blocks", &Blocks(&c.blocks))?;
        m.serialize_entry("colspan", &c.colspan)?;
        m.serialize_entry("rowspan", &c.rowspan)?;
        m.serialize_entry("bold", &c.bold)?;
        m.end()
    }
}
