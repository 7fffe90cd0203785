//! Records whose bodies stay on disk. An order, a roadmap or a text
//! document feeds the few documents that print it, and its clauses, events
//! or text are most of the bytes of a large data folder; a build keeps only each one's id, origin
//! and digest, and parses its file again when a check or a document needs
//! the body. Memory then does not grow with the records' texts.

use std::sync::Arc;

use serde::de::DeserializeOwned;

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
}

impl<T> Deferred<T> {
    /// A record, with its body kept in memory or not.
    pub fn new(id: Id, origin: Origin, digest: String, body: Option<T>) -> Deferred<T> {
        Deferred {
            id,
            origin,
            digest,
            resident: body.map(Arc::new),
        }
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
        let top: serde_yaml::Value = serde_yaml::from_str(&text)
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

/// The value at a record's path in its file: `roadmap` or `roadmaps[3]`.
fn value_at(top: serde_yaml::Value, path: &str) -> Option<serde_yaml::Value> {
    let serde_yaml::Value::Mapping(mut top) = top else {
        return None;
    };
    match path.strip_suffix(']').and_then(|p| p.split_once('[')) {
        Some((key, index)) => match top.remove(key)? {
            serde_yaml::Value::Sequence(mut items) => {
                let index: usize = index.parse().ok()?;
                (index < items.len()).then(|| items.swap_remove(index))
            }
            _ => None,
        },
        None => top.remove(path),
    }
}

#[cfg(test)]
mod tests {
    use super::value_at;

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
}
