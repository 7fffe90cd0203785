//! Records whose bodies stay on disk. An order, a roadmap or a text
//! document feeds the few documents that print it, and its clauses, events
//! or text are most of the bytes of a large data folder; a build keeps only each one's id, origin
//! and digest, and parses its file again when a check or a document needs
//! the body. Memory then does not grow with the records' texts.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{Dataset, Origin, typed};
use crate::diag::Diagnostic;
use crate::model::Id;

/// A record known by its id, origin and digest; [`Dataset::body`] gives
/// the record itself.
#[derive(Debug, Clone)]
pub struct Deferred<T> {
    pub id: Id,
    pub origin: Origin,
    /// A digest of the record's content, for incremental builds.
    pub digest: String,
    /// The body, kept when the session keeps its files parsed anyway
    /// (`build --watch`, `serve`).
    resident: Option<Arc<T>>,
    /// The record's own checks passed while it was loaded (see
    /// [`super::Precheck`]): the ids it names that other records resolve.
    prechecked: Option<Box<[Id]>>,
}

impl<T> Deferred<T> {
    /// A record, with its body kept in memory or not.
    pub fn new(id: Id, origin: Origin, digest: String, body: Option<T>) -> Deferred<T> {
        Deferred {
            id,
            origin,
            digest,
            resident: body.map(Arc::new),
            prechecked: None,
        }
    }

    /// The ids other records must resolve, if the record's own checks
    /// passed while it was loaded.
    pub fn prechecked(&self) -> Option<&[Id]> {
        self.prechecked.as_deref()
    }

    pub(super) fn set_prechecked(&mut self, refs: Box<[Id]>) {
        self.prechecked = Some(refs);
    }

    /// Whether the body is kept in memory.
    pub fn is_resident(&self) -> bool {
        self.resident.is_some()
    }
}

impl Dataset {
    /// The record: kept, or parsed again from its file, which must still
    /// hold the bytes the record was checked from.
    pub fn body<T: DeserializeOwned>(&self, record: &Deferred<T>) -> Result<Arc<T>, Diagnostic> {
        if let Some(body) = &record.resident {
            return Ok(Arc::clone(body));
        }
        let file = record.origin.file;
        let text = self.sources.text_as_parsed(file)?;
        // The record alone, straight from the text: building a value of
        // the whole file first cost a fifth of parsing it. The bytes were
        // typed without a problem when loaded, so this does not fail; if
        // it did, the way they were loaded says why, as it said then.
        let alone = place(&record.origin.path).map(|(key, index)| {
            RecordAt::new(key, index).deserialize(serde_yaml::Deserializer::from_str(&text))
        });
        match alone {
            Some(Ok(Some(body))) => Ok(Arc::new(body)),
            _ => self.body_as_loaded(record, &text),
        }
    }

    /// The record as loading types it: through a value of the whole file.
    fn body_as_loaded<T: DeserializeOwned>(
        &self,
        record: &Deferred<T>,
        text: &str,
    ) -> Result<Arc<T>, Diagnostic> {
        let file = record.origin.file;
        let top: serde_yaml::Value = serde_yaml::from_str(text)
            .map_err(|e| Diagnostic::error(format!("{}: {e}", self.sources.name(file))))?;
        let value = value_at(top, &record.origin.path).ok_or_else(|| {
            Diagnostic::error(format!(
                "{} no longer holds {}",
                self.sources.name(file),
                record.origin.path
            ))
        })?;
        typed(self, value, &record.origin).map(Arc::new)
    }
}

/// Of a data file's top-level mapping, the record at a path (`roadmap` or
/// `roadmaps[3]`) typed, and everything else skipped; `None` if the file
/// has nothing there.
struct RecordAt<'a, T> {
    key: &'a str,
    index: Option<usize>,
    record: PhantomData<T>,
}

impl<'a, T> RecordAt<'a, T> {
    fn new(key: &'a str, index: Option<usize>) -> RecordAt<'a, T> {
        RecordAt {
            key,
            index,
            record: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for RecordAt<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for RecordAt<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a mapping of record kinds to records")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != self.key {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            found = match self.index {
                None => Some(map.next_value::<T>()?),
                Some(index) => map.next_value_seed(Nth {
                    index,
                    record: PhantomData,
                })?,
            };
        }
        Ok(found)
    }
}

/// The `index`-th item of a sequence, the others skipped.
struct Nth<T> {
    index: usize,
    record: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Nth<T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Nth<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        for i in 0.. {
            if i == self.index {
                found = items.next_element::<T>()?;
                if found.is_none() {
                    break;
                }
            } else if items.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
        }
        Ok(found)
    }
}

/// A record's path in its file, `roadmap` or `roadmaps[3]`, as the key of
/// its kind and its place in that key's sequence; `None` if the place is
/// not a number.
fn place(path: &str) -> Option<(&str, Option<usize>)> {
    match path.strip_suffix(']').and_then(|p| p.split_once('[')) {
        Some((key, index)) => Some((key, Some(index.parse().ok()?))),
        None => Some((path, None)),
    }
}

/// The value at a record's path in its file: `roadmap` or `roadmaps[3]`.
fn value_at(top: serde_yaml::Value, path: &str) -> Option<serde_yaml::Value> {
    let serde_yaml::Value::Mapping(mut top) = top else {
        return None;
    };
    let (key, index) = place(path)?;
    match (top.remove(key)?, index) {
        (serde_yaml::Value::Sequence(mut items), Some(index)) => {
            (index < items.len()).then(|| items.swap_remove(index))
        }
        (_, Some(_)) => None,
        (value, None) => Some(value),
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeSeed;

    use super::{RecordAt, place, value_at};

    #[test]
    fn a_record_is_found_by_its_path() {
        let top: serde_yaml::Value =
            serde_yaml::from_str("roadmaps:\n- id: a\n- id: b\nroadmap: {id: c}\n").unwrap();
        let id = |v: Option<serde_yaml::Value>| v.map(|v| v["id"].as_str().unwrap().to_owned());
        assert_eq!(
            id(value_at(top.clone(), "roadmaps[1]")).as_deref(),
            Some("b")
        );
        assert_eq!(id(value_at(top.clone(), "roadmap")).as_deref(), Some("c"));
        assert_eq!(id(value_at(top.clone(), "roadmaps[2]")), None);
        assert_eq!(id(value_at(top, "orders[0]")), None);
    }

    #[test]
    fn a_record_is_read_from_the_text_at_its_path_alone() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct R {
            id: String,
        }
        let text = "organizations: [{name: x, ok: [1, {a: b}]}]\nroadmaps:\n- id: a\n- {id: b}\n- id: c\nroadmap: {id: d}\n";
        let at = |path: &str| {
            let (key, index) = place(path)?;
            RecordAt::<R>::new(key, index)
                .deserialize(serde_yaml::Deserializer::from_str(text))
                .unwrap()
                .map(|r| r.id)
        };
        assert_eq!(at("roadmaps[0]").as_deref(), Some("a"));
        assert_eq!(at("roadmaps[1]").as_deref(), Some("b"));
        assert_eq!(at("roadmaps[2]").as_deref(), Some("c"));
        assert_eq!(at("roadmap").as_deref(), Some("d"));
        assert_eq!(at("roadmaps[3]"), None);
        assert_eq!(at("roadmaps[x]"), None);
        assert_eq!(at("orders[0]"), None);
        assert_eq!(at("orders"), None);
        // The record's own problems are not skipped.
        let bad = RecordAt::<R>::new("roadmap", None).deserialize(
            serde_yaml::Deserializer::from_str("roadmap: {id: d, extra: 1}\n"),
        );
        assert!(bad.is_err());
    }

    #[test]
    fn bodies_read_alone_are_the_records_as_loaded() {
        use crate::load::{Dataset, Deferred};
        fn same<T: serde::de::DeserializeOwned + serde::Serialize>(ds: &Dataset, r: &Deferred<T>) {
            assert!(!r.is_resident());
            let text = ds.sources.text_as_parsed(r.origin.file).unwrap();
            let alone = ds.body(r).unwrap();
            let as_loaded = ds.body_as_loaded(r, &text).unwrap();
            assert_eq!(
                serde_json::to_value(&*alone).unwrap(),
                serde_json::to_value(&*as_loaded).unwrap(),
                "{}",
                r.origin.path
            );
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let (ds, _) = crate::load::load_dataset(&root);
        ds.roadmaps.iter().for_each(|r| same(&ds, r));
        ds.orders.iter().for_each(|r| same(&ds, r));
        ds.documents.iter().for_each(|r| same(&ds, r));
        let n = ds.roadmaps.len() + ds.orders.len() + ds.documents.len();
        assert!(n >= 7, "{n}");
    }
}
