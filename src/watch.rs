//! Watching the data and template folders, for `build --watch` and `serve`.
//!
//! File events (notify) are gathered until the folders have been quiet for
//! a moment, so that an editor's save of several files is one change; the
//! temporary and backup files editors write are ignored, and so is a save
//! that leaves a file's bytes as they were (the watcher remembers a digest
//! of every file). A build that fails on a file that looks half-written is
//! tried once more a moment later ([`settled`]) before anything is reported.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use crate::diag::{Diagnostic, Failure};

/// Quiet needed after the last event before a change is reported.
const QUIET: Duration = Duration::from_millis(50);
/// Longest a change waits for quiet.
const MOST: Duration = Duration::from_millis(400);
/// How long a half-written file is given to be completed.
const HALF_WRITTEN_WAIT: Duration = Duration::from_millis(150);
/// How often a waiting watcher looks at the stop flag.
const TICK: Duration = Duration::from_millis(100);

/// Files that changed, by folder.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Change {
    /// Record files changed, added or removed.
    pub records: Vec<PathBuf>,
    /// Template files changed, added or removed.
    pub templates: Vec<PathBuf>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.templates.is_empty()
    }

    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.records.iter().chain(&self.templates)
    }
}

pub struct Watcher {
    _inner: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    data: PathBuf,
    templates: Option<PathBuf>,
    /// A digest of every file's bytes as last seen.
    seen: HashMap<PathBuf, u64>,
}

fn cannot_watch(path: &Path, e: notify::Error) -> Diagnostic {
    Diagnostic::error(format!("cannot watch {}: {e}", path.display()))
}

impl Watcher {
    /// Watches the data folder and, if given, the template folder.
    pub fn new(data: &Path, templates: Option<&Path>) -> Result<Watcher, Diagnostic> {
        let (tx, events) = channel();
        let mut inner = notify::recommended_watcher(tx).map_err(|e| cannot_watch(data, e))?;
        let data = absolute(data);
        let templates = templates.filter(|t| t.is_dir()).map(absolute);
        for folder in std::iter::once(&data).chain(&templates) {
            inner
                .watch(folder, RecursiveMode::Recursive)
                .map_err(|e| cannot_watch(folder, e))?;
        }
        let mut seen = HashMap::new();
        for folder in std::iter::once(&data).chain(&templates) {
            for e in walkdir::WalkDir::new(folder).into_iter().flatten() {
                if e.file_type().is_file()
                    && let Some(d) = digest(e.path())
                {
                    seen.insert(e.into_path(), d);
                }
            }
        }
        Ok(Watcher {
            _inner: inner,
            events,
            data,
            templates,
            seen,
        })
    }

    /// Waits for the next change; `None` once `stop` is set.
    pub fn next(&mut self, stop: &AtomicBool) -> Option<Change> {
        loop {
            let mut touched: Vec<PathBuf> = Vec::new();
            // The first event, then more until a quiet moment.
            loop {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                match self.events.recv_timeout(TICK) {
                    Ok(event) => {
                        if let Some(paths) = writes(event) {
                            touched.extend(paths);
                            break;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            let first = Instant::now();
            while first.elapsed() < MOST {
                match self.events.recv_timeout(QUIET) {
                    Ok(event) => touched.extend(writes(event).unwrap_or_default()),
                    Err(_) => break,
                }
            }
            let change = self.changed(touched);
            if !change.is_empty() {
                return Some(change);
            }
        }
    }

    /// Of the paths events named, those whose bytes really changed.
    fn changed(&mut self, mut touched: Vec<PathBuf>) -> Change {
        touched.sort();
        touched.dedup();
        let mut change = Change::default();
        for path in touched {
            let path = absolute(&path);
            let is_template = self.templates.as_ref().is_some_and(|t| path.starts_with(t));
            let is_record = path.starts_with(&self.data) && is_record_file(&path);
            if !(is_template || is_record) || is_editor_file(&path) {
                continue;
            }
            let now = digest(&path);
            let before = match now {
                Some(d) => self.seen.insert(path.clone(), d),
                None => self.seen.remove(&path),
            };
            if now != before {
                if is_template {
                    change.templates.push(path);
                } else {
                    change.records.push(path);
                }
            }
        }
        change
    }
}

/// The paths of an event that may have changed a file's bytes. Reading a
/// file (as every check does) is an event too, and must not wake a watcher.
fn writes(event: notify::Result<notify::Event>) -> Option<Vec<PathBuf>> {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode};
    let event = event.ok()?;
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write))
        | EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Any => Some(event.paths),
        EventKind::Access(_) | EventKind::Other => None,
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn is_record_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|x| x.to_str()),
        Some("yaml" | "yml")
    ) || crate::load::table::is_table(path)
}

/// Temporary, backup and lock files of editors (vim, emacs, JetBrains,
/// Kate, LibreOffice, gedit), and hidden files, which the loader skips too.
pub fn is_editor_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swo",
            ".swx",
            ".tmp",
            ".bak",
            ".kate-swp",
            "___jb_tmp___",
            "___jb_old___",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// A digest of a file's bytes; `None` if it cannot be read (removed).
fn digest(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Some(h.finish())
}

/// `attempt`, and once more a moment later if it failed the way a file
/// caught half-written fails (empty, or YAML cut off mid-way): editors
/// write a file in steps, and only the second result is reported.
pub fn settled<T>(mut attempt: impl FnMut() -> Result<T, Failure>) -> Result<T, Failure> {
    match attempt() {
        Err(f) if f.problems.iter().any(looks_half_written) => {
            std::thread::sleep(HALF_WRITTEN_WAIT);
            attempt()
        }
        other => other,
    }
}

fn looks_half_written(d: &Diagnostic) -> bool {
    d.message.starts_with("invalid YAML")
        || d.message == "the file holds no records"
        || d.message.ends_with(" is not UTF-8 text")
        || d.message.starts_with("cannot read ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        for name in [
            ".1064-a.yaml.swp",
            "1064-a.yaml~",
            "#1064-a.yaml#",
            ".#1064-a.yaml",
            "4913",
            "1064-a.yaml___jb_tmp___",
            "x.yaml.kate-swp",
        ] {
            assert!(is_editor_file(Path::new(name)), "{name}");
        }
        assert!(!is_editor_file(Path::new("data/orders/1064-a.yaml")));
    }

    #[test]
    fn a_save_that_changes_no_byte_is_no_change() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a.yaml");
        std::fs::write(&file, "order: {}\n").unwrap();
        let mut w = Watcher::new(tmp.path(), None).unwrap();
        assert!(w.changed(vec![file.clone()]).is_empty());
        std::fs::write(&file, "order: {id: x}\n").unwrap();
        assert_eq!(w.changed(vec![file.clone()]).records, vec![absolute(&file)]);
        let swap = tmp.path().join(".a.yaml.swp");
        std::fs::write(&swap, "x").unwrap();
        assert!(w.changed(vec![swap]).is_empty());
    }

    #[test]
    fn events_of_one_save_are_one_change() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = Watcher::new(tmp.path(), None).unwrap();
        let stop = AtomicBool::new(false);
        for name in ["a.yaml", "b.yaml"] {
            std::fs::write(tmp.path().join(name), "order: {}\n").unwrap();
        }
        let change = w.next(&stop).unwrap();
        assert_eq!(change.records.len(), 2, "{change:?}");
        stop.store(true, Ordering::Relaxed);
        assert_eq!(w.next(&stop), None);
    }

    #[test]
    fn a_half_written_file_is_tried_again() {
        let mut tries = 0;
        let half = || {
            Failure::from(Diagnostic::error(
                "invalid YAML: found unexpected end of stream",
            ))
        };
        let result: Result<(), Failure> = settled(|| {
            tries += 1;
            if tries == 1 { Err(half()) } else { Ok(()) }
        });
        assert!(result.is_ok());
        assert_eq!(tries, 2);
    }
}
