//! Incremental builds: a small state file in the output folder remembers,
//! per document, a digest of everything it was made from (its records, the
//! template set, the profile, the fonts, the options) and the files it gave;
//! and, per cluster, who its members were. The next build renders only the
//! documents whose digest changed and says who joined and who left.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::assets::Assets;
use crate::digest::{InputHasher, input_digest};
use crate::fonts::FONTS;
use crate::plan::Job;
use crate::render::Format;
use crate::validate::Catalog;

/// The state file, inside the output folder.
pub const STATE_FILE: &str = "clusterdoc-state.json";

/// 2: input digests are XXH3-128 (were SHA-256); 3: files without a
/// SHA-256 (nothing compared it, and it was 2.5 % of a build's work).
const STATE_VERSION: u32 = 3;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// By document name (`order-1064-a`).
    pub documents: BTreeMap<String, DocumentState>,
    /// Current members of each cluster as of the last build, by cluster id.
    pub members: BTreeMap<String, Vec<String>>,
    /// [`whole_digest`] of the last build that left every document current.
    #[serde(default)]
    pub whole: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentState {
    /// Digest of everything the document was made from.
    pub inputs: String,
    /// Files written, relative to the output folder, sorted (a map in the
    /// state file; a list here, as a two-entry map costs a whole tree node
    /// and a build keeps thousands of them).
    #[serde(with = "sorted_map")]
    pub files: Vec<(String, FileState)>,
    pub pages: usize,
}

/// A sorted list of pairs, written and read as a map.
mod sorted_map {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, V: Serialize>(
        pairs: &[(String, V)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<(String, V)>, D::Error> {
        Ok(BTreeMap::<String, V>::deserialize(d)?.into_iter().collect())
    }
}

/// A file a document wrote. Its size is what tells that it is still the
/// file the build wrote; no digest is kept, as nothing would read it (an
/// export hashes the files it packs as it writes them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileState {
    pub size: u64,
}

impl FileState {
    pub fn of(bytes: &[u8]) -> FileState {
        FileState {
            size: bytes.len() as u64,
        }
    }
}

impl State {
    /// The state of the last build, or an empty one (first build, or a state
    /// file from another version, which just means rebuilding everything).
    pub fn load(out: &Path) -> State {
        std::fs::read(out.join(STATE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<State>(&b).ok())
            .filter(|s| s.version == STATE_VERSION)
            .unwrap_or_default()
    }

    pub fn to_bytes(&mut self) -> Vec<u8> {
        self.version = STATE_VERSION;
        let mut bytes = serde_json::to_vec_pretty(self).expect("state serialises");
        bytes.push(b'\n');
        bytes
    }

    /// Whether a document can be skipped: same inputs, and every file it
    /// wrote is still there with the size it had.
    pub fn is_current(&self, name: &str, inputs: &str, formats: &[Format], out: &Path) -> bool {
        let Some(doc) = self.documents.get(name) else {
            return false;
        };
        doc.inputs == inputs
            && formats.iter().all(|f| {
                doc.files
                    .iter()
                    .any(|(p, _)| p.ends_with(&format!(".{}", f.extension())))
            })
            && doc.files_present(out)
    }
}

impl DocumentState {
    /// Whether every file the document wrote is still there with its size.
    fn files_present(&self, out: &Path) -> bool {
        self.files
            .iter()
            .all(|(rel, f)| std::fs::metadata(out.join(rel)).is_ok_and(|m| m.len() == f.size))
    }
}

impl State {
    /// Whether nothing at all can have changed since the last build: the same
    /// [`whole_digest`], and every file of every document still there with
    /// its size. Such a build need not even load the records.
    pub fn all_current(&self, whole: &str, out: &Path) -> bool {
        self.whole.as_deref() == Some(whole)
            && self.documents.values().all(|doc| doc.files_present(out))
    }
}

/// Digest of everything a whole build reads: the path and bytes of every
/// record file, the template set, the fonts, the product version and the
/// options. `None` if a file cannot be read (the normal build reports it).
pub fn whole_digest(record_files: &[PathBuf], assets: &Assets, options: &str) -> Option<String> {
    let mut h = shared_inputs(assets, options);
    for path in record_files {
        let bytes = std::fs::read(path).ok()?;
        h.update(path.to_string_lossy().as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Some(h.finish())
}

/// Who joined and who left a cluster since the last build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    pub cluster: String,
    pub joined: Vec<String>,
    pub left: Vec<String>,
}

/// Current members (participants without a `left` date) of every cluster.
pub fn members(catalog: &Catalog) -> BTreeMap<String, Vec<String>> {
    catalog
        .clusters()
        .map(|c| {
            let mut ids: Vec<String> = c
                .record
                .participants
                .iter()
                .filter(|p| p.left.is_none())
                .map(|p| p.organization.0.clone())
                .collect();
            ids.sort();
            (c.record.id.0.clone(), ids)
        })
        .collect()
}

/// Changes of membership between two builds (clusters new to the state are
/// not reported: there is nothing to compare them with).
pub fn membership_changes(
    before: &BTreeMap<String, Vec<String>>,
    now: &BTreeMap<String, Vec<String>>,
) -> Vec<MembershipChange> {
    let mut changes = Vec::new();
    for (cluster, members) in now {
        let Some(old) = before.get(cluster) else {
            continue;
        };
        let joined: Vec<String> = members
            .iter()
            .filter(|m| !old.contains(m))
            .cloned()
            .collect();
        let left: Vec<String> = old
            .iter()
            .filter(|m| !members.contains(m))
            .cloned()
            .collect();
        if !joined.is_empty() || !left.is_empty() {
            changes.push(MembershipChange {
                cluster: cluster.clone(),
                joined,
                left,
            });
        }
    }
    changes
}

/// Digests of the inputs of documents.
pub struct Digests<'a> {
    catalog: &'a Catalog,
    /// Digests of the supplementary agreements drafted from the records
    /// (they have no record of their own), as `agreement:id`.
    drafted: HashMap<String, String>,
    /// Digest of what every document shares: product version, templates,
    /// fonts, options.
    common: String,
    profiles: HashMap<String, String>,
}

fn fonts_digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut h = InputHasher::default();
        for f in FONTS {
            h.update(f);
        }
        h.finish()
    })
}

/// A hasher fed with what every document shares: product version, template
/// set, fonts, options.
fn shared_inputs(assets: &Assets, options: &str) -> InputHasher {
    let mut h = InputHasher::default();
    for part in [
        env!("CARGO_PKG_VERSION"),
        &assets.digest(),
        fonts_digest(),
        options,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h
}

/// A digest of a record's content (for records made from others).
fn record_digest<T: Serialize>(record: &T) -> String {
    input_digest(&serde_json::to_vec(record).expect("records serialise"))
}

impl<'a> Digests<'a> {
    /// `options` names every option that changes the bytes (formats, PDF/A,
    /// `SOURCE_DATE_EPOCH`).
    pub fn new(catalog: &'a Catalog, assets: &Assets, options: &str) -> Digests<'a> {
        let drafted = catalog
            .drafted_agreements()
            .iter()
            .map(|a| (format!("agreement:{}", a.id), record_digest(a)))
            .collect();
        let h = shared_inputs(assets, options);
        let profiles = assets
            .profile_names()
            .into_iter()
            .filter_map(|n| {
                let a = assets.get(&format!("profiles/{n}.yaml"))?;
                Some((n, input_digest(&a.bytes)))
            })
            .collect();
        Digests {
            catalog,
            drafted,
            common: h.finish(),
            profiles,
        }
    }

    /// The digest of the record a `kind:id` input names.
    fn record(&self, input: &str) -> Option<&str> {
        self.catalog
            .digest_of(input)
            .or_else(|| self.drafted.get(input).map(String::as_str))
    }

    /// The digest of every record, by `kind:id`, sorted.
    pub fn records(&self) -> BTreeMap<String, String> {
        let ds = &self.catalog.dataset;
        let mut all: BTreeMap<String, String> = self.drafted.clone().into_iter().collect();
        let mut add = |kind: &str, id: &crate::model::Id, digest: &str| {
            all.insert(format!("{kind}:{id}"), digest.to_owned());
        };
        ds.organizations
            .iter()
            .for_each(|r| add("organization", &r.record.id, &r.digest));
        ds.issuers
            .iter()
            .for_each(|r| add("issuer", &r.record.id, &r.digest));
        ds.clusters
            .iter()
            .for_each(|r| add("cluster", &r.record.id, &r.digest));
        ds.agreements
            .iter()
            .for_each(|r| add("agreement", &r.record.id, &r.digest));
        ds.roadmaps
            .iter()
            .for_each(|r| add("roadmap", &r.id, &r.digest));
        ds.orders
            .iter()
            .for_each(|r| add("order", &r.id, &r.digest));
        ds.documents
            .iter()
            .for_each(|r| add("document", &r.id, &r.digest));
        all
    }

    /// The digest of one document's inputs.
    pub fn job(&self, job: &Job) -> String {
        let mut h = InputHasher::default();
        h.update(self.common.as_bytes());
        h.update(job.name.as_bytes());
        h.update(format!("{:?}", job.kind).as_bytes());
        h.update(job.profile.as_bytes());
        h.update(
            self.profiles
                .get(&job.profile)
                .map_or("", String::as_str)
                .as_bytes(),
        );
        for input in &job.inputs {
            h.update(input.as_bytes());
            h.update(self.record(input).unwrap_or("").as_bytes());
            h.update([0]);
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn joined_and_left_are_reported_per_cluster() {
        let before = map(&[("a", &["x", "y"]), ("b", &["z"])]);
        let now = map(&[("a", &["x", "w"]), ("b", &["z"]), ("c", &["q"])]);
        let changes = membership_changes(&before, &now);
        assert_eq!(
            changes,
            vec![MembershipChange {
                cluster: "a".into(),
                joined: vec!["w".into()],
                left: vec!["y".into()],
            }]
        );
    }

    #[test]
    fn a_documents_files_are_a_map_in_the_state_file() {
        let file = |size| FileState { size };
        let mut state = State::default();
        state.documents.insert(
            "order-x".into(),
            DocumentState {
                inputs: "d".into(),
                files: vec![
                    ("orders/x.docx".into(), file(1)),
                    ("orders/x.pdf".into(), file(2)),
                ],
                pages: 3,
            },
        );
        let bytes = state.to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            json["documents"]["order-x"]["files"]["orders/x.pdf"]["size"],
            2
        );
        let back: State = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            back.documents["order-x"].files,
            state.documents["order-x"].files
        );
    }

    #[test]
    fn a_missing_or_foreign_state_is_empty() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(State::load(tmp.path()).documents.is_empty());
        std::fs::write(
            tmp.path().join(STATE_FILE),
            b"{\"version\": 99, \"documents\": {}, \"members\": {}}",
        )
        .unwrap();
        assert!(State::load(tmp.path()).documents.is_empty());
        std::fs::write(tmp.path().join(STATE_FILE), b"not json").unwrap();
        assert_eq!(State::load(tmp.path()).version, 0);
    }
}
