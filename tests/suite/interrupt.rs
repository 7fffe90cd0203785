//! Interruptions and concurrency: builds killed at random moments, two
//! builds on one output folder, an output folder that cannot be written to,
//! a disk that fills up. Whatever happens, every document under its final
//! name is complete, nothing of the previous build is lost, and the next
//! run cleans up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{bin, root, snapshot, stderr, stdout, tool};

/// Two fixed creation dates: builds with them differ in every file, so a
/// file replaced by a later build can be told from the one it replaced.
const EPOCH_A: &str = "1700000000";
const EPOCH_B: &str = "1710000000";

/// A copy of the sample records in a temporary folder (built-in templates).
fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new(root().join("data")) {
        let e = e.unwrap();
        let to = tmp.path().join(e.path().strip_prefix(root()).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    tmp
}

/// `clusterdoc --out OUT build --jobs 1 …` in `dir` with a fixed creation date.
fn build_command(dir: &Path, out: &Path, epoch: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir)
        .args([
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "build",
            "--jobs",
            "1",
        ])
        .args(extra)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", epoch);
    cmd
}

fn build(dir: &Path, out: &Path, epoch: &str, extra: &[&str]) -> Output {
    build_command(dir, out, epoch, extra)
        .output()
        .expect("the clusterdoc binary runs")
}

/// The documents under their final names (temporary files left out).
fn documents(out: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(out)
        .into_iter()
        .filter(|(k, _)| {
            (k.ends_with(".pdf") || k.ends_with(".docx")) && !k.contains("clusterdoc-tmp")
        })
        .collect()
}

/// Staging folders and temporary files anywhere under `out`.
fn temporaries(out: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("clusterdoc-tmp"))
        .map(|e| e.into_path())
        .collect()
}

/// A complete file of its kind: a PDF that ends with `%%EOF`, a DOCX whose
/// ZIP directory is readable and holds `word/document.xml`.
fn assert_complete(name: &str, bytes: &[u8]) {
    if name.ends_with(".pdf") {
        assert!(bytes.starts_with(b"%PDF-"), "{name} has no PDF header");
        assert!(
            bytes.trim_ascii_end().ends_with(b"%%EOF"),
            "{name} is truncated"
        );
    } else {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .unwrap_or_else(|e| panic!("{name} is not a complete ZIP: {e}"));
        assert!(
            zip.by_name("word/document.xml").is_ok(),
            "{name} lacks word/document.xml"
        );
    }
}

/// A complete build into a folder of its own, checked by qpdf; and how
/// long it took.
fn reference(ws: &Path, epoch: &str) -> (BTreeMap<String, Vec<u8>>, Duration) {
    let out = ws.join(format!("reference-{epoch}"));
    let started = Instant::now();
    let o = build(ws, &out, epoch, &[]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = documents(&out);
    assert!(files.len() >= 20, "{:?}", files.keys());
    for (name, bytes) in &files {
        assert_complete(name, bytes);
        if name.ends_with(".pdf") {
            tool("qpdf", &["--check", out.join(name).to_str().unwrap()]);
        }
    }
    (files, took)
}

/// SplitMix64: a deterministic sequence for the kill times.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

/// Staging folders in `out`.
fn staging_folders(out: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".clusterdoc-tmp-")
        })
        .map(|e| e.path())
        .collect()
}

/// Files in the staging folders of a running build (not in the leftovers
/// of a killed one, which it removes).
fn staged(out: &Path, leftovers: &[PathBuf]) -> usize {
    staging_folders(out)
        .into_iter()
        .filter(|p| !leftovers.contains(p))
        .map(|e| {
            walkdir::WalkDir::new(e)
                .into_iter()
                .flatten()
                .filter(|f| f.file_type().is_file())
                .count()
        })
        .sum()
}

/// Inode numbers of the documents: a file moved into place has a new one.
fn inodes(out: &Path, names: &[String]) -> Vec<Option<u64>> {
    use std::os::unix::fs::MetadataExt;
    names
        .iter()
        .map(|n| std::fs::metadata(out.join(n)).ok().map(|m| m.ino()))
        .collect()
}

/// When to kill a build.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// This long after it starts.
    After(u64),
    /// Once its staging folder holds this many files (it renders one
    /// document at a time: a point of progress, whatever the machine's speed).
    Staged(usize),
    /// As soon as the first document moves into place, to land amid the moves.
    FirstMove,
}

/// Builds killed with SIGKILL: 20 at 0–300 ms after they start, 9 once
/// their staging folder holds 1–20 files, and 3 as the first document moves
/// into place; each renders every document (`--force`) with the other
/// creation date than the files have, so that it replaces every file. After
/// each: every document is byte for byte one of the two complete builds'
/// (so complete: `%%EOF`, a readable ZIP), and none of the previous is
/// gone. Then an uninterrupted build removes every temporary file and gives
/// exactly the complete build (the build state did not vouch for a file a
/// killed run replaced), and the next has nothing to do.
#[test]
fn killed_builds_leave_complete_files_and_the_next_run_cleans_up() {
    let ws = workspace();
    let (ref_a, _) = reference(ws.path(), EPOCH_A);
    let (ref_b, _) = reference(ws.path(), EPOCH_B);
    assert_eq!(
        ref_a.keys().collect::<Vec<_>>(),
        ref_b.keys().collect::<Vec<_>>()
    );
    assert!(ref_a.iter().all(|(k, v)| ref_b[k] != *v));
    let names: Vec<String> = ref_a.keys().cloned().collect();

    let out = ws.path().join("out");
    let o = build(ws.path(), &out, EPOCH_A, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut rng = Rng(0x5eed_2024);
    let mut moments: Vec<Moment> = (0..20).map(|_| Moment::After(rng.below(301))).collect();
    moments.extend((0..9).map(|_| Moment::Staged(1 + rng.below(names.len() as u64) as usize)));
    moments.extend([Moment::FirstMove; 3]);
    let mut before = documents(&out);
    let mut log = Vec::new();
    for (run, moment) in moments.into_iter().enumerate() {
        // The other build's bytes than the first document has now.
        let epoch = if before.get(&names[0]) == ref_a.get(&names[0]) {
            EPOCH_B
        } else {
            EPOCH_A
        };
        let old_inodes = inodes(&out, &names);
        let leftovers = staging_folders(&out);
        let started = Instant::now();
        let mut child = build_command(ws.path(), &out, epoch, &["--force"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let finished = loop {
            let due = match moment {
                Moment::After(ms) => started.elapsed() >= Duration::from_millis(ms),
                Moment::Staged(n) => staged(&out, &leftovers) >= n,
                Moment::FirstMove => inodes(&out, &names) != old_inodes,
            };
            if due {
                break child.try_wait().unwrap();
            }
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        let at = started.elapsed().as_millis();
        let outcome = match finished {
            Some(status) => format!("had finished ({status})"),
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                "killed".to_owned()
            }
        };
        // A run that got as far as staging had first removed what the
        // killed run before it left behind.
        let staging_now = staging_folders(&out);
        if staging_now.iter().any(|p| !leftovers.contains(p)) {
            assert!(
                leftovers.iter().all(|p| !p.exists()),
                "run {run} kept the leftovers {leftovers:?}"
            );
        }
        let after = documents(&out);
        let replaced = after
            .iter()
            .filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v))
            .count();
        let moved = inodes(&out, &names)
            .iter()
            .zip(&old_inodes)
            .filter(|(a, b)| a != b)
            .count();
        log.push(format!(
            "run {run:2} {epoch} {moment:?}: at {at} ms {outcome}; {moved} of {} documents moved in, {replaced} with other bytes; {} temporaries",
            after.len(),
            temporaries(&out).len()
        ));
        let log_text = log.join("\n");
        for name in before.keys() {
            assert!(after.contains_key(name), "{name} lost\n{log_text}");
        }
        for (name, bytes) in &after {
            assert_complete(name, bytes);
            assert!(
                ref_a.get(name) == Some(bytes) || ref_b.get(name) == Some(bytes),
                "{name} is neither build's file\n{log_text}"
            );
        }
        if let Ok(state) = std::fs::read(out.join("clusterdoc-state.json")) {
            serde_json::from_slice::<serde_json::Value>(&state)
                .unwrap_or_else(|e| panic!("state file broken: {e}\n{log_text}"));
        }
        before = after;
    }
    let log = log.join("\n");
    println!("{log}");

    // Not forced: renders what the state does not vouch for.
    let o = build(ws.path(), &out, EPOCH_A, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        temporaries(&out).is_empty(),
        "{:?}\n{log}",
        temporaries(&out)
    );
    let wrong: Vec<&String> = ref_a
        .keys()
        .filter(|k| documents(&out).get(*k) != ref_a.get(*k))
        .collect();
    assert!(
        wrong.is_empty(),
        "after the kills, a build left {wrong:?} unlike a clean build's\n{log}"
    );
    // The state matches the files: nothing left to do.
    let o = Command::new(bin())
        .current_dir(ws.path())
        .args(["--out", out.to_str().unwrap(), "build", "--jobs", "1"])
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH_A)
        .output()
        .unwrap();
    let report = stdout(&o);
    assert!(
        report.contains("0 of 12 documents rendered")
            || report.contains("nothing changed since the last build: 12 documents"),
        "{report}"
    );
}

/// While another run holds the output folder's lock (as a running
/// clusterdoc does), a build is refused with a clear message and changes
/// nothing; once the lock is released it runs.
#[test]
fn a_build_on_a_locked_output_folder_is_refused() {
    let ws = workspace();
    let out = ws.path().join("out");
    let o = build(ws.path(), &out, EPOCH_A, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = snapshot(&out);
    let lock = std::fs::File::open(&out).unwrap();
    lock.try_lock().unwrap();
    let o = build(ws.path(), &out, EPOCH_B, &["--force"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: another clusterdoc run is writing to") && err.contains("--out"),
        "{err}"
    );
    assert_eq!(snapshot(&out), before);
    drop(lock);
    let o = build(ws.path(), &out, EPOCH_B, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Two builds started at the same moment on one output folder: they do not
/// serialize — the one that takes the lock second is refused (exit 1, the
/// message), the other writes every document.
#[test]
fn of_two_builds_started_at_once_one_is_refused() {
    let ws = workspace();
    let (reference, _) = reference(ws.path(), EPOCH_A);
    let out = ws.path().join("out");
    let spawn = || {
        build_command(ws.path(), &out, EPOCH_A, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let results = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let codes: Vec<Option<i32>> = results.iter().map(|o| o.status.code()).collect();
    let refused: Vec<&Output> = results
        .iter()
        .filter(|o| o.status.code() == Some(1))
        .collect();
    assert!(
        codes.contains(&Some(0)) && refused.len() == 1,
        "exit codes {codes:?}: {}\n{}",
        stderr(&results[0]),
        stderr(&results[1])
    );
    assert!(
        stderr(refused[0]).contains("another clusterdoc run is writing to"),
        "{}",
        stderr(refused[0])
    );
    assert!(documents(&out) == reference);
    assert!(temporaries(&out).is_empty());
}

/// Makes every folder and file under `dir` read-only (`r-x`, `r--`), or
/// writable again.
fn set_writable(dir: &Path, writable: bool) {
    use std::os::unix::fs::PermissionsExt;
    for e in walkdir::WalkDir::new(dir).contents_first(!writable) {
        let e = e.unwrap();
        let mode = match (e.file_type().is_dir(), writable) {
            (true, true) => 0o777,
            (true, false) => 0o555,
            (false, true) => 0o666,
            (false, false) => 0o444,
        };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// Who runs clusterdoc for the permission tests: this user, or, when this
/// user ignores permissions (root), the unprivileged `nobody` — if the
/// system lets us switch. `None` (with the reason printed) skips the test.
fn unprivileged(ws: &Path, read_only: &Path) -> Option<Option<u32>> {
    use std::os::unix::fs::PermissionsExt;
    let probe = read_only.join("probe");
    if std::fs::write(&probe, b"x").is_err() {
        return Some(None);
    }
    let _ = std::fs::remove_file(&probe);
    // Root writes anyway: run as `nobody`, which needs to read the records.
    std::fs::set_permissions(ws, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tried = {
        use std::os::unix::process::CommandExt;
        Command::new("sh")
            .arg("-c")
            .arg("touch \"$0\" 2>/dev/null && echo writable || echo refused")
            .arg(&probe)
            .uid(65534)
            .gid(65534)
            .output()
    };
    let runs = || {
        use std::os::unix::process::CommandExt;
        Command::new(bin())
            .current_dir(ws)
            .arg("check")
            .uid(65534)
            .gid(65534)
            .output()
            .map_err(|e| e.to_string())
            .and_then(|o| match o.status.success() {
                true => Ok(()),
                false => Err(stderr(&o)),
            })
    };
    match tried {
        Ok(o) if stdout(&o).trim() == "refused" => match runs() {
            Ok(()) => Some(Some(65534)),
            Err(e) => {
                eprintln!("skipped: running as root, and `nobody` cannot run clusterdoc here: {e}");
                None
            }
        },
        Ok(o) => {
            let _ = std::fs::remove_file(&probe);
            eprintln!(
                "skipped: running as root, and `nobody` can write too ({})",
                stdout(&o).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: running as root, and cannot run as `nobody`: {e}");
            None
        }
    }
}

fn build_as(uid: Option<u32>, ws: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = build_command(ws, out, EPOCH_B, extra);
    if let Some(uid) = uid {
        use std::os::unix::process::CommandExt;
        cmd.uid(uid).gid(uid);
    }
    cmd.output().unwrap()
}

/// A read-only output folder (`chmod 555`), and one read-only subfolder of
/// it: a clear error, exit 1, and nothing moved or half-written — the
/// subfolder is tried before any file moves.
#[test]
fn a_read_only_output_folder_fails_cleanly() {
    let ws = workspace();
    let out = ws.path().join("out");
    let o = build(ws.path(), &out, EPOCH_A, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    set_writable(&out, false);
    let Some(uid) = unprivileged(ws.path(), &out) else {
        set_writable(&out, true);
        return;
    };
    let before = snapshot(&out);
    let o = build_as(uid, ws.path(), &out, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: cannot write to") && err.contains("Permission denied"),
        "{err}"
    );
    assert!(err.contains("choose another folder with --out"), "{err}");
    assert_eq!(snapshot(&out), before);
    assert!(temporaries(&out).is_empty());

    // Only `orders/` read-only: the other documents must not move in alone.
    set_writable(&out, true);
    set_writable(&out.join("orders"), false);
    let o = build_as(uid, ws.path(), &out, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("orders") && err.contains("Permission denied"),
        "{err}"
    );
    assert_eq!(snapshot(&out), before, "files moved before the failure");
    assert!(temporaries(&out).is_empty(), "{:?}", temporaries(&out));
    set_writable(&out, true);
}

/// A disk that fills up, simulated by a file size limit (`ulimit -f`, with
/// SIGXFSZ ignored so that writes fail with EFBIG as they would with
/// ENOSPC): a clear error, exit 1, the previous documents untouched, no
/// temporary files.
#[test]
fn a_full_disk_fails_cleanly() {
    let ws = workspace();
    let out = ws.path().join("out");
    let o = build(ws.path(), &out, EPOCH_A, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = snapshot(&out);
    let o = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 40 && exec \"$0\" \"$@\"")
        .arg(bin())
        .args(["--out", out.to_str().unwrap(), "build", "--jobs", "1"])
        .current_dir(ws.path())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH_B)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: cannot write") && err.contains("File too large"),
        "{err}"
    );
    assert!(err.contains("ulimit -f"), "{err}");
    assert_eq!(snapshot(&out), before);
    assert!(temporaries(&out).is_empty());
}
