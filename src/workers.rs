//! Rendering in worker processes. Typst memoizes layouts in caches that
//! every thread of a process shares, each behind a lock, and two documents
//! laid out at once on two threads wait for each other there: measured on
//! 2 cores, nearly every pause of a render thread was a wait on one of
//! those locks, and two processes rendering half the documents each took
//! 13 % less time than two threads. A one-shot `build` with several jobs
//! therefore runs that many copies of its own program (`render-worker`),
//! each checking the records again and rendering its share of the
//! documents, one at a time, into the run's staging folder; the calling
//! process keeps the output folder's lock, the state and the commit.
//!
//! A worker renders a job only from the very inputs the calling process
//! checked (the job's input digest must match). What a worker did not
//! render — a problem in the document, inputs changed since, a worker that
//! did not start or stopped — is rendered again in the calling process,
//! where its problem is reported as in any build.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::engine::RenderedJob;
use crate::incremental::FileState;
use crate::plan::Job;
use crate::progress::Progress;

/// The hidden command a worker runs: `<program> render-worker`, the request
/// on its standard input, one line per job on its standard output. The
/// worker's side is the `render_worker` module.
pub const WORKER_COMMAND: &str = "render-worker";

/// The session a worker opens: the calling build's options, writing into
/// its staging folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setup {
    pub data_dir: PathBuf,
    pub templates_dir: Option<PathBuf>,
    /// File extensions of the formats, in the build's order.
    pub formats: Vec<String>,
    pub profile: Option<String>,
    pub epoch: Option<i64>,
    pub staging: PathBuf,
}

/// What a worker is asked to render.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    pub setup: Setup,
    pub jobs: Vec<Share>,
}

/// One job of a worker's share.
#[derive(Debug, Serialize, Deserialize)]
pub struct Share {
    /// Place in the calling process's list.
    pub index: usize,
    pub name: String,
    /// The digest of the job's inputs the calling process checked.
    pub inputs: String,
}

/// A job a worker finished.
#[derive(Debug, Serialize, Deserialize)]
pub struct Done {
    pub index: usize,
    /// Sizes of the job's files in the order of the formats; none when the
    /// worker did not render it.
    pub sizes: Option<Vec<u64>>,
    pub pages: usize,
    pub millis: u64,
}

/// Renders `jobs` in `workers` processes of `program`, each opening
/// `setup`; `inputs[i]` is the input digest of `jobs[i]`. Each job the
/// workers rendered comes back in its place; the others are `None`.
pub fn render_in_workers(
    program: &Path,
    setup: &Setup,
    jobs: &[&Job],
    inputs: &[&str],
    workers: usize,
    progress: &Progress,
) -> Vec<Option<RenderedJob>> {
    let results: Mutex<Vec<Option<RenderedJob>>> = Mutex::new(vec![None; jobs.len()]);
    let formats = &setup.formats;
    std::thread::scope(|scope| {
        for first in 0..workers.min(jobs.len()) {
            // Every n-th job: documents of one kind, which cost alike, are
            // dealt out evenly.
            let request = Request {
                setup: setup.clone(),
                jobs: (first..jobs.len())
                    .step_by(workers)
                    .map(|index| Share {
                        index,
                        name: jobs[index].name.clone(),
                        inputs: inputs[index].to_owned(),
                    })
                    .collect(),
            };
            let results = &results;
            scope.spawn(move || {
                // A worker that cannot start or stops early leaves the rest
                // of its share to the calling process.
                let _ = run_worker_process(program, &request, |done| {
                    let Some(job) = jobs.get(done.index) else {
                        return;
                    };
                    let Some(sizes) = done.sizes.filter(|s| s.len() == formats.len()) else {
                        return;
                    };
                    let files = formats
                        .iter()
                        .zip(sizes)
                        .map(|(ext, size)| (job.stem().with_extension(ext), FileState { size }))
                        .collect();
                    let rendered = RenderedJob {
                        name: job.name.clone(),
                        meta: None,
                        files,
                        pages: done.pages,
                        millis: done.millis,
                    };
                    results.lock().expect("no reader panicked")[done.index] = Some(rendered);
                    progress.step(&job.name);
                });
            });
        }
    });
    results.into_inner().expect("no reader panicked")
}

fn run_worker_process(
    program: &Path,
    request: &Request,
    mut on_done: impl FnMut(Done),
) -> std::io::Result<()> {
    let mut child = Command::new(program)
        .arg(WORKER_COMMAND)
        // Typst's own parallel steps stay on the worker's core.
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let written = child
        .stdin
        .take()
        .map(|stdin| serde_json::to_writer(stdin, request));
    let stdout = child.stdout.take().map(BufReader::new);
    if let (Some(Ok(())), Some(stdout)) = (written, stdout) {
        for line in stdout.lines() {
            match serde_json::from_str::<Done>(&line?) {
                Ok(done) => on_done(done),
                Err(_) => break,
            }
        }
    }
    child.wait()?;
    Ok(())
}

/// The worker's side: the request on its standard input.
pub fn read_request(input: impl Read) -> Result<Request, Diagnostic> {
    serde_json::from_reader(input)
        .map_err(|e| Diagnostic::error(format!("a worker's request does not parse: {e}")))
}

/// The worker's side: one line for a finished job, sent at once.
pub fn write_done(output: &mut impl Write, done: &Done) -> Result<(), Diagnostic> {
    let line = serde_json::to_string(done).expect("a line serializes");
    writeln!(output, "{line}")
        .and_then(|()| output.flush())
        .map_err(|e| Diagnostic::error(format!("a worker cannot report: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_and_its_answers_go_through_json() {
        let request = Request {
            setup: Setup {
                data_dir: "data".into(),
                templates_dir: None,
                formats: vec!["pdf".into(), "docx".into()],
                profile: Some("kz".into()),
                epoch: Some(1_700_000_000),
                staging: "out/.clusterdoc-tmp-x".into(),
            },
            jobs: vec![Share {
                index: 3,
                name: "order-1064-a".into(),
                inputs: "abc".into(),
            }],
        };
        let text = serde_json::to_string(&request).unwrap();
        let back = read_request(text.as_bytes()).unwrap();
        assert_eq!(back.jobs[0].index, 3);
        assert_eq!(back.setup.profile.as_deref(), Some("kz"));
        let mut lines = Vec::new();
        let done = Done {
            index: 3,
            sizes: None,
            pages: 0,
            millis: 0,
        };
        write_done(&mut lines, &done).unwrap();
        assert_eq!(
            lines,
            b"{\"index\":3,\"sizes\":null,\"pages\":0,\"millis\":0}\n"
        );
        assert!(read_request(&b"{"[..]).is_err());
    }
}
