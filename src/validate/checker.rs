//! Collecting problems with their positions, shared by the checks of every
//! record kind.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Problems};
use crate::load::{Dataset, Deferred, Loaded, Origin, did_you_mean};
use crate::model::Id;

/// Collects problems for one dataset.
pub(super) struct Checker<'a> {
    pub ds: &'a Dataset,
    pub problems: Problems,
    pub profiles: &'a [String],
    /// Files with a text that cannot be printed (`text.rs`).
    pub unprintable: std::collections::HashSet<crate::diag::FileId>,
}

impl Checker<'_> {
    /// A deferred record's body for its checks; if its file cannot give it
    /// any more, the problem is recorded and `None` returned.
    pub(super) fn body<T: serde::de::DeserializeOwned + Clone>(
        &mut self,
        record: &Deferred<T>,
    ) -> Option<Loaded<T>> {
        match self.ds.body(record) {
            Ok(body) => Some(Loaded {
                record: std::sync::Arc::unwrap_or_clone(body),
                origin: record.origin.clone(),
                digest: record.digest.clone(),
            }),
            Err(d) => {
                self.problems.push(d);
                None
            }
        }
    }

    pub(super) fn error(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = self.ds.error_at(origin, field, message);
        self.push(d, origin, field)
    }

    /// An error about a key itself (unknown or missing entries of a mapping).
    pub(super) fn error_key(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = self.ds.error_at_key(origin, field, message);
        self.push(d, origin, field)
    }

    pub(super) fn warning(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let mut d = self.ds.error_at(origin, field, message);
        d.severity = crate::diag::Severity::Warning;
        self.push(d, origin, field)
    }

    pub(super) fn push(&mut self, d: Diagnostic, origin: &Origin, field: &str) -> &mut Diagnostic {
        self.problems
            .push(d.context(format!("record {}, field {}", origin.path, field)));
        self.problems.last_mut().expect("just pushed")
    }

    pub(super) fn unknown_ref<T>(
        &mut self,
        origin: &Origin,
        field: &str,
        what: &str,
        id: &Id,
        known: &HashMap<Id, T>,
    ) -> bool {
        if known.contains_key(id) {
            return true;
        }
        if self.ds.broken_ids.contains(id.as_str()) {
            // The record exists but failed to load; its own error says why.
            return false;
        }
        let candidates: Vec<&str> = known.keys().map(Id::as_str).collect();
        let hint = did_you_mean(id.as_str(), &candidates).map(|b| format!("did you mean `{b}`?"));
        let d = self.error(origin, field, format!("unknown {what} `{id}`"));
        d.label = format!("no {what} has this id");
        if let Some(hint) = hint {
            d.notes.push(hint);
        }
        false
    }

    pub(super) fn check_slug(&mut self, origin: &Origin, id: &Id) {
        if !id.is_slug() {
            self.error(
                origin,
                "id",
                format!("id `{id}` is not a slug: use lowercase Latin letters, digits and inner hyphens (at most 64)"),
            )
            .notes
            .push("ids become file names, e.g. `order-1064-a.pdf`".into());
        }
    }

    pub(super) fn check_profile(&mut self, origin: &Origin, profile: &Option<String>) {
        if let Some(p) = profile
            && !self.profiles.iter().any(|k| k == p)
        {
            let known: Vec<&str> = self.profiles.iter().map(String::as_str).collect();
            let hint = did_you_mean(p, &known);
            let d = self.error(
                origin,
                "profile",
                format!("unknown formatting profile `{p}`"),
            );
            d.notes.push(format!("profiles: {}", known.join(", ")));
            if let Some(h) = hint {
                d.notes.push(format!("did you mean `{h}`?"));
            }
        }
    }
}

/// Indexes records of one kind by id, reporting non-slug and duplicate ids.
pub(super) fn index<R>(
    checker: &mut Checker,
    what: &str,
    records: &[R],
    id_of: impl Fn(&R) -> (&Id, &Origin),
) -> HashMap<Id, usize> {
    let mut map: HashMap<Id, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let (id, origin) = id_of(r);
        checker.check_slug(origin, id);
        if let Some(&first) = map.get(id) {
            let first = id_of(&records[first]).1;
            let where_first = format!("{} ({})", checker.ds.sources.name(first.file), first.path);
            checker
                .error(origin, "id", format!("duplicate {what} id `{id}`"))
                .notes
                .push(format!("first defined in {where_first}"));
        } else {
            map.insert(id.clone(), i);
        }
    }
    map
}
