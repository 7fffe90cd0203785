//! The one module that writes files. A run takes a lock on the output
//! folder, writes every file of the run into a staging folder inside it,
//! and moves the files into place only when the whole run succeeded; each
//! move is an atomic rename, so no file is ever seen half-written and a
//! failed or killed run leaves the previous outputs as they were.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::diag::Diagnostic;

/// Prefix of staging folders and temporary files; leftovers of a killed run
/// are removed by the next run.
const TEMP_PREFIX: &str = ".clusterdoc-tmp-";

/// The output folder, locked for this process.
#[derive(Debug)]
pub struct OutDir {
    root: PathBuf,
    /// Held open for the lock; released when dropped.
    _lock: File,
    /// The folder did not exist before this run.
    created: bool,
}

fn io_error(what: &str, path: &Path, err: std::io::Error) -> Diagnostic {
    // By kind: tempfile wraps the OS error with the path, hiding its code.
    use std::io::ErrorKind;
    let hint = match err.kind() {
        ErrorKind::StorageFull => Some("the disk is full"),
        ErrorKind::FileTooLarge => {
            Some("the file is larger than this process may write (see `ulimit -f`)")
        }
        ErrorKind::QuotaExceeded => Some("the disk quota is exhausted"),
        ErrorKind::ReadOnlyFilesystem => Some("the file system is read-only"),
        ErrorKind::PermissionDenied => Some("permission denied: choose another folder with --out"),
        _ => None,
    };
    let d = Diagnostic::error(format!("cannot {what} {}: {err}", path.display()));
    match hint {
        Some(h) => d.note(h),
        None => d,
    }
}

/// Whether a relative output path stays inside the output folder.
fn is_inside(rel: &Path) -> bool {
    rel.components().all(|c| matches!(c, Component::Normal(_))) && rel.components().next().is_some()
}

/// Refuses a relative output path that leaves the output folder.
fn inside(rel: &Path) -> Result<(), Diagnostic> {
    if is_inside(rel) {
        Ok(())
    } else {
        Err(Diagnostic::error(format!(
            "refusing to write {} outside the output folder",
            rel.display()
        )))
    }
}

impl OutDir {
    /// Opens (creating if needed) and locks the output folder. A second run
    /// on the same folder is refused while the first holds the lock.
    pub fn open(root: &Path) -> Result<OutDir, Diagnostic> {
        let created = !root.exists();
        fs::create_dir_all(root).map_err(|e| io_error("create", root, e))?;
        let lock = File::open(root).map_err(|e| io_error("open", root, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Diagnostic::error(format!(
                    "another clusterdoc run is writing to {}",
                    root.display()
                ))
                .note("wait for it to finish, or use another folder with --out"));
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", root, e)),
        }
        let out = OutDir {
            root: root.to_path_buf(),
            _lock: lock,
            created,
        };
        out.remove_leftovers();
        Ok(out)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Staging folders and temporary files a killed run left behind, at
    /// any depth (temporary files are made beside their final names).
    fn remove_leftovers(&self) {
        let temporary = |e: &walkdir::DirEntry| {
            e.depth() > 0 && e.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
        };
        let mut walk = walkdir::WalkDir::new(&self.root).into_iter();
        while let Some(e) = walk.next() {
            let Ok(e) = e else { continue };
            if !temporary(&e) {
                continue;
            }
            let _ = if e.file_type().is_dir() {
                walk.skip_current_dir();
                fs::remove_dir_all(e.path())
            } else {
                fs::remove_file(e.path())
            };
        }
    }

    /// Starts staging the files of a run.
    pub fn stage(&self) -> Result<Staging<'_>, Diagnostic> {
        let dir = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempdir_in(&self.root)
            .map_err(|e| io_error("write to", &self.root, e))?;
        Ok(Staging {
            out: self,
            dir: Some(dir),
            files: Vec::new(),
        })
    }

    /// Writes one file atomically (temporary name, then rename).
    pub fn write_atomic(&self, rel: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
        write_file_atomic(&self.checked(rel)?, bytes)
    }

    /// Removes a file the outputs no longer include (missing is fine).
    pub fn remove(&self, rel: &Path) -> Result<(), Diagnostic> {
        let path = self.checked(rel)?;
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error("remove", &path, e)),
            _ => Ok(()),
        }
    }

    fn checked(&self, rel: &Path) -> Result<PathBuf, Diagnostic> {
        inside(rel)?;
        Ok(self.root.join(rel))
    }

    /// After a failed run: if this run created the folder and left it empty,
    /// remove it again, so a failed run leaves no trace.
    pub fn discard_if_new(self) {
        if self.created {
            let _ = fs::remove_dir(&self.root);
        }
    }
}

/// Files of a run waiting to be moved into place.
pub struct Staging<'a> {
    out: &'a OutDir,
    dir: Option<tempfile::TempDir>,
    files: Vec<PathBuf>,
}

impl Staging<'_> {
    /// Writes a file into the staging folder (`rel` as it will be in the
    /// output folder). Safe to call from several threads on distinct paths.
    pub fn write(&self, rel: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
        write_staged(self.path(), rel, bytes)
    }

    /// The staging folder, for worker processes that write into it.
    pub fn path(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("staging is open until committed")
            .path()
    }

    /// Records that a file was staged (the list of files to move).
    pub fn add(&mut self, rel: PathBuf) {
        self.files.push(rel);
    }

    /// Moves every staged file into place and removes the staging folder.
    /// Every target folder is made and tried first, so that a folder that
    /// cannot be written to (read-only, another owner) fails the run before
    /// any file moves rather than halfway through; `before_moves` runs once
    /// that is known, just before the first move.
    pub fn commit(
        mut self,
        before_moves: impl FnOnce() -> Result<(), Diagnostic>,
    ) -> Result<Vec<PathBuf>, Diagnostic> {
        let dir = self.dir.take().expect("committed once");
        let mut folders: Vec<&Path> = self.files.iter().filter_map(|rel| rel.parent()).collect();
        folders.sort();
        folders.dedup();
        for rel in folders {
            let folder = self.out.root.join(rel);
            fs::create_dir_all(&folder).map_err(|e| io_error("create", &folder, e))?;
            tempfile::Builder::new()
                .prefix(TEMP_PREFIX)
                .tempfile_in(&folder)
                .map_err(|e| io_error("write to", &folder, e))?;
        }
        before_moves()?;
        for rel in &self.files {
            let from = dir.path().join(rel);
            let to = self.out.root.join(rel);
            fs::rename(&from, &to).map_err(|e| io_error("move into place", &to, e))?;
        }
        dir.close()
            .map_err(|e| io_error("remove", &self.out.root, e))?;
        Ok(std::mem::take(&mut self.files))
    }
}

/// Writes a file into a run's staging folder `dir` (`rel` as it will be in
/// the output folder): by the run itself, or by the worker processes it
/// started.
pub fn write_staged(dir: &Path, rel: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    inside(rel)?;
    let path = dir.join(rel);
    let parent = path.parent().unwrap_or(dir);
    fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
    fs::write(&path, bytes).map_err(|e| io_error("write", &path, e))
}

/// Writes a file whole or not at all: into a temporary file beside it,
/// then renamed into place.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(parent)
        .map_err(|e| io_error("write to", parent, e))?;
    tmp.write_all(bytes)
        .map_err(|e| io_error("write", path, e))?;
    // Temporary files are private (0600); outputs are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .map_err(|e| io_error("write", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_open_is_refused_while_locked() {
        let tmp = tempfile::tempdir().unwrap();
        let first = OutDir::open(tmp.path()).unwrap();
        let err = OutDir::open(tmp.path()).unwrap_err();
        assert!(
            err.message.contains("another clusterdoc run"),
            "{}",
            err.message
        );
        drop(first);
        assert!(OutDir::open(tmp.path()).is_ok());
    }

    #[test]
    fn staged_files_appear_only_on_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::open(tmp.path()).unwrap();
        let mut staging = out.stage().unwrap();
        staging.write(Path::new("orders/a.pdf"), b"%PDF").unwrap();
        staging.add("orders/a.pdf".into());
        assert!(!tmp.path().join("orders/a.pdf").exists());
        staging.commit(|| Ok(())).unwrap();
        assert_eq!(fs::read(tmp.path().join("orders/a.pdf")).unwrap(), b"%PDF");
        let left: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }

    #[test]
    fn dropped_staging_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::open(tmp.path()).unwrap();
        {
            let staging = out.stage().unwrap();
            staging.write(Path::new("x.pdf"), b"half").unwrap();
        }
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn leftovers_of_a_killed_run_are_removed_at_any_depth() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join(".clusterdoc-tmp-a/orders")).unwrap();
        fs::write(tmp.path().join(".clusterdoc-tmp-a/orders/x.pdf"), b"half").unwrap();
        fs::create_dir_all(tmp.path().join("orders")).unwrap();
        fs::write(tmp.path().join("orders/.clusterdoc-tmp-b"), b"half").unwrap();
        fs::write(tmp.path().join("orders/order-1.pdf"), b"%PDF").unwrap();
        drop(OutDir::open(tmp.path()).unwrap());
        let left: Vec<_> = walkdir::WalkDir::new(tmp.path())
            .min_depth(1)
            .into_iter()
            .map(|e| {
                e.unwrap()
                    .path()
                    .strip_prefix(tmp.path())
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            left,
            [Path::new("orders"), Path::new("orders/order-1.pdf")],
            "{left:?}"
        );
    }

    #[test]
    fn a_commit_runs_its_hook_before_the_first_move() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::open(tmp.path()).unwrap();
        let mut staging = out.stage().unwrap();
        staging.write(Path::new("orders/a.pdf"), b"%PDF").unwrap();
        staging.add("orders/a.pdf".into());
        let err = staging
            .commit(|| {
                assert!(tmp.path().join("orders").is_dir(), "folders are made first");
                Err(Diagnostic::error("stop"))
            })
            .unwrap_err();
        assert_eq!(err.message, "stop");
        assert!(!tmp.path().join("orders/a.pdf").exists());
        assert_eq!(walkdir::WalkDir::new(tmp.path()).into_iter().count(), 2);
    }

    #[test]
    fn paths_outside_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::open(tmp.path()).unwrap();
        for bad in ["../x.pdf", "/etc/x", "a/../../x", ""] {
            assert!(out.write_atomic(Path::new(bad), b"x").is_err(), "{bad}");
        }
    }
}
