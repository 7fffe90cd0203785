//! Built-in templates, profiles and fonts, compiled into the binary so an
//! installed `clusterdoc` works in any folder of records. A `templates/`
//! folder beside the records overrides the built-in files one by one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{Dir, include_dir};

use crate::diag::Diagnostic;
use crate::profile::Profile;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// One template file: its bytes and where it came from (for diagnostics).
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Arc<[u8]>,
    /// `templates/typst/lib.typ` for a built-in file, the real path for an override.
    pub origin: String,
}

/// The template set in use: built-in files overlaid by a folder's files.
#[derive(Debug, Clone)]
pub struct Assets {
    files: BTreeMap<String, Asset>,
}

/// Whether a relative template path is plain: no `..`, no absolute or
/// drive prefix, no empty or hidden components.
pub fn is_safe_path(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && rel.split('/').all(|c| {
            !c.is_empty()
                && !c.starts_with('.')
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
        })
}

impl Assets {
    /// The built-in set only.
    pub fn builtin() -> Assets {
        let mut files = BTreeMap::new();
        collect_builtin(&BUILTIN, &mut files);
        Assets { files }
    }

    /// The built-in set with the files of `dir` (if it exists) taking precedence.
    pub fn with_overrides(dir: Option<&Path>) -> Result<Assets, Diagnostic> {
        let mut assets = Assets::builtin();
        let Some(dir) = dir.filter(|d| d.is_dir()) else {
            return Ok(assets);
        };
        let root = dir.canonicalize().map_err(|e| {
            Diagnostic::error(format!(
                "cannot read templates folder {}: {e}",
                dir.display()
            ))
        })?;
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry
                .map_err(|e| Diagnostic::error(format!("cannot read templates folder: {e}")))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&root)
                .expect("walkdir stays under its root")
                .to_string_lossy()
                .replace('\\', "/");
            if !is_safe_path(&rel) {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(|e| {
                Diagnostic::error(format!("cannot read {}: {e}", entry.path().display()))
            })?;
            let origin = dir.join(&rel).to_string_lossy().replace('\\', "/");
            assets.files.insert(
                rel,
                Asset {
                    bytes: bytes.into(),
                    origin,
                },
            );
        }
        Ok(assets)
    }

    pub fn get(&self, rel: &str) -> Option<&Asset> {
        if !is_safe_path(rel) {
            return None;
        }
        self.files.get(rel)
    }

    /// A template file as text.
    pub fn text(&self, rel: &str) -> Option<(&str, &str)> {
        let a = self.get(rel)?;
        Some((std::str::from_utf8(&a.bytes).ok()?, a.origin.as_str()))
    }

    /// Paths of the files under a folder (`typst/`), sorted.
    pub fn list(&self, folder: &str) -> Vec<&str> {
        self.files
            .keys()
            .filter(|k| k.starts_with(folder))
            .map(String::as_str)
            .collect()
    }

    /// Names of the formatting profiles (`profiles/<name>.yaml`).
    pub fn profile_names(&self) -> Vec<String> {
        self.list("profiles/")
            .into_iter()
            .filter_map(|p| p.strip_prefix("profiles/")?.strip_suffix(".yaml"))
            .map(str::to_owned)
            .collect()
    }

    /// Loads a formatting profile by name.
    pub fn profile(&self, name: &str) -> Result<Profile, Diagnostic> {
        let rel = format!("profiles/{name}.yaml");
        let (text, origin) = self.text(&rel).ok_or_else(|| {
            Diagnostic::error(format!("unknown formatting profile `{name}`"))
                .note(format!("profiles: {}", self.profile_names().join(", ")))
        })?;
        let mut profile: Profile = serde_yaml::from_str(text).map_err(|e| {
            let mut d = Diagnostic::error(format!("invalid profile: {e}"));
            if let Some(loc) = e.location() {
                d = d.at_path(origin, loc.line(), loc.column());
            }
            d
        })?;
        profile.name = name.to_owned();
        Ok(profile)
    }

    /// A digest of every template file, for incremental builds.
    pub fn digest(&self) -> String {
        let mut h = crate::digest::InputHasher::default();
        for (k, a) in &self.files {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(&a.bytes);
        }
        h.finish()
    }

    /// Writes the built-in set under `dir`, for editing.
    pub fn dump_builtin(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for (rel, asset) in &Assets::builtin().files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &asset.bytes)?;
            written.push(path);
        }
        Ok(written)
    }
}

fn collect_builtin(dir: &Dir<'static>, out: &mut BTreeMap<String, Asset>) {
    for file in dir.files() {
        let rel = file.path().to_string_lossy().replace('\\', "/");
        out.insert(
            rel.clone(),
            Asset {
                bytes: file.contents().into(),
                origin: format!("templates/{rel}"),
            },
        );
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "../x",
            "/etc/passwd",
            "a/../b",
            "a//b",
            ".hidden",
            "a/.git/x",
            "",
            "a\\b",
            "a b",
        ] {
            assert!(!is_safe_path(bad), "{bad}");
        }
        assert!(is_safe_path("typst/lib.typ"));
    }

    #[test]
    fn builtin_profiles_load() {
        let assets = Assets::builtin();
        let names = assets.profile_names();
        for n in ["gost-2016", "gost-2025", "kz"] {
            assert!(names.contains(&n.to_owned()), "{names:?}");
            let p = assets.profile(n).unwrap();
            assert_eq!(p.name, n);
            assert_eq!(p.margins.left, 30.0);
        }
    }
}
