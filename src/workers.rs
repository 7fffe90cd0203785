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

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Failure};
use crate::engine::RenderedJob;
use crate::incremental::FileState;
use crate::output::is_inside;
use crate::plan::Job;
use crate::progress::Progress;
use crate::render::Format;
use crate::session::{Checked, Session, SessionOptions};

/// The hidden command a worker runs: `<program> render-worker`, the request
/// on its standard input, one line per job on its standard output.
pub const WORKER_COMMAND: &str = "render-worker";

/// What a worker is asked to render.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    data_dir: PathBuf,
    templates_dir: Option<PathBuf>,
    formats: Vec<String>,
    profile: Option<String>,
    epoch: Option<i64>,
    staging: PathBuf,
    jobs: Vec<Share>,
}

/// One job of a worker's share.
#[derive(Debug, Serialize, Deserialize)]
struct Share {
    /// Place in the calling process's list.
    index: usize,
    name: String,
    /// The digest of the job's inputs the calling process checked.
    inputs: String,
}

/// A job a worker finished.
#[derive(Debug, Serialize, Deserialize)]
struct Done {
    index: usize,
    /// Sizes of the job's files in the order of the formats; none when the
    /// worker did not render it.
    sizes: Option<Vec<u64>>,
    pages: usize,
    millis: u64,
}

/// Renders `jobs` in `workers` processes of `program`, writing into
/// `staging`; `inputs[i]` is the input digest of `jobs[i]`. Each job the
/// workers rendered comes back in its place; the others are `None`.
pub fn render_in_workers(
    program: &Path,
    options: &SessionOptions,
    staging: &Path,
    jobs: &[&Job],
    inputs: &[&str],
    workers: usize,
    progress: &Progress,
) -> Vec<Option<RenderedJob>> {
    let results: Mutex<Vec<Option<RenderedJob>>> = Mutex::new(vec![None; jobs.len()]);
    let formats = &options.formats;
    std::thread::scope(|scope| {
        for first in 0..workers.min(jobs.len()) {
            // Every n-th job: documents of one kind, which cost alike, are
            // dealt out evenly.
            let request = Request {
                data_dir: options.data_dir.clone(),
                templates_dir: options.templates_dir.clone(),
                formats: formats.iter().map(|f| f.extension().to_owned()).collect(),
                profile: options.profile.clone(),
                epoch: options.epoch,
                staging: staging.to_path_buf(),
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
                        .map(|(f, size)| {
                            (job.stem().with_extension(f.extension()), FileState { size })
                        })
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

/// The worker's side: reads a request from `input`, renders its share and
/// writes a line to `output` for each job, as soon as it is done.
pub fn run_worker(input: impl Read, mut output: impl Write) -> Result<(), Failure> {
    let request: Request = serde_json::from_reader(input)
        .map_err(|e| Diagnostic::error(format!("a worker's request does not parse: {e}")))?;
    let formats: Vec<Format> = request
        .formats
        .iter()
        .filter_map(|f| Format::parse(f))
        .collect();
    let options = SessionOptions {
        data_dir: request.data_dir,
        out_dir: request.staging.clone(),
        templates_dir: request.templates_dir,
        jobs: 1,
        formats,
        profile: request.profile,
        epoch: request.epoch,
        live: false,
        worker_program: None,
    };
    let mut session = Session::open(options)?;
    let Checked { catalog, .. } = session.check()?;
    let planned = session.plan(&catalog, &[]);
    let digests = session.digests(&catalog);
    let by_name: HashMap<&str, &Job> = planned.iter().map(|j| (j.name.as_str(), j)).collect();
    let engine = session.engine(Arc::clone(&catalog), &planned)?;
    let write = |rel: &Path, bytes: &[u8]| -> Result<(), Diagnostic> {
        if !is_inside(rel) {
            return Err(Diagnostic::error(format!(
                "{} is outside the output folder",
                rel.display()
            )));
        }
        let path = request.staging.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Diagnostic::error(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", path.display())))
    };
    for share in &request.jobs {
        let rendered = by_name
            .get(share.name.as_str())
            .filter(|job| digests.job(job) == share.inputs)
            .and_then(|job| engine.render_job(job, &write, false).ok());
        let done = match rendered {
            Some(r) => Done {
                index: share.index,
                sizes: Some(r.files.iter().map(|(_, f)| f.size).collect()),
                pages: r.pages,
                millis: r.millis,
            },
            None => Done {
                index: share.index,
                sizes: None,
                pages: 0,
                millis: 0,
            },
        };
        let line = serde_json::to_string(&done).expect("a line serializes");
        writeln!(output, "{line}")
            .and_then(|()| output.flush())
            .map_err(|e| Diagnostic::error(format!("a worker cannot report: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_and_its_answers_go_through_json() {
        let request = Request {
            data_dir: "data".into(),
            templates_dir: None,
            formats: vec!["pdf".into(), "docx".into()],
            profile: Some("kz".into()),
            epoch: Some(1_700_000_000),
            staging: "out/.clusterdoc-tmp-x".into(),
            jobs: vec![Share {
                index: 3,
                name: "order-1064-a".into(),
                inputs: "abc".into(),
            }],
        };
        let text = serde_json::to_string(&request).unwrap();
        let back: Request = serde_json::from_str(&text).unwrap();
        assert_eq!(back.jobs[0].index, 3);
        assert_eq!(back.profile.as_deref(), Some("kz"));
        let done: Done =
            serde_json::from_str(r#"{"index":3,"sizes":null,"pages":0,"millis":0}"#).unwrap();
        assert!(done.sizes.is_none());
    }
}
