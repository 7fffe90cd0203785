//! Rendering in worker processes. Typst memoizes layouts in caches that
//! every thread of a process shares, each behind a lock, and two documents
//! laid out at once on two threads wait for each other there: measured on
//! 2 cores, nearly every pause of a render thread was a wait on one of
//! those locks, and two processes rendering half the documents each took
//! 13 % less time than two threads. A one-shot `build` with several jobs
//! therefore renders on one thread of its own and in as many more copies
//! of its own program (`render-worker`) as it has jobs besides, into the
//! run's staging folder; the calling process keeps the output folder's
//! lock, the state and the commit.
//!
//! Documents are dealt one at a time to whichever process is free: a
//! worker first checks the records again (0.7 s for 2000 records), and the
//! calling process, which has checked them already, renders meanwhile.
//!
//! A worker renders a job only from the very inputs the calling process
//! checked (the job's input digest must match). What a worker did not
//! render — a problem in the document, inputs changed since, a worker that
//! did not start or stopped — is rendered again in the calling process,
//! where its problem is reported as in any build.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::engine::RenderedJob;
use crate::incremental::FileState;
use crate::plan::Job;
use crate::progress::Progress;

/// The hidden command a worker runs: `<program> render-worker`, the
/// setup and then one job at a time on its standard input, a line for each
/// on its standard output. The worker's side is the `render_worker` module.
pub const WORKER_COMMAND: &str = "render-worker";

/// The session a worker opens: the calling build's options, writing into
/// its staging folder. The first line a worker reads.
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

/// A job for a worker, one line each after the setup.
#[derive(Debug, Serialize, Deserialize)]
pub struct Share {
    /// Place in the calling process's list.
    pub index: usize,
    pub name: String,
    /// The digest of the job's inputs the calling process checked.
    pub inputs: String,
}

/// A worker's line: ready for its first job, or a job finished (and ready
/// for the next).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Ready,
    Done(Done),
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

/// Renders a job in the calling process; `None` leaves it to be rendered
/// again, where its problem is reported.
pub type RenderHere<'a> = &'a (dyn Fn(&Job) -> Option<RenderedJob> + Sync);

/// Renders `jobs` in `workers` processes of `program`, each opening
/// `setup`, and, with `here`, on the calling thread as well; `inputs[i]` is
/// the input digest of `jobs[i]`. Each job rendered comes back in its
/// place; the others are `None`.
pub fn render_in_workers(
    program: &Path,
    setup: &Setup,
    jobs: &[&Job],
    inputs: &[&str],
    workers: usize,
    here: Option<RenderHere>,
    progress: &Progress,
) -> Vec<Option<RenderedJob>> {
    let results: Mutex<Vec<Option<RenderedJob>>> = Mutex::new(vec![None; jobs.len()]);
    let next = AtomicUsize::new(0);
    let take = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < jobs.len()).then_some(i)
    };
    let finished = |i: usize, rendered: RenderedJob| {
        progress.step(&rendered.name);
        results.lock().expect("no renderer panicked")[i] = Some(rendered);
    };
    let formats = &setup.formats;
    std::thread::scope(|scope| {
        for _ in 0..workers.min(jobs.len()) {
            scope.spawn(|| {
                let share = || {
                    take().map(|index| Share {
                        index,
                        name: jobs[index].name.clone(),
                        inputs: inputs[index].to_owned(),
                    })
                };
                // A worker that cannot start or stops early leaves its job
                // to the calling process.
                let _ = run_worker_process(program, setup, share, |done| {
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
                    finished(done.index, rendered);
                });
            });
        }
        if let Some(here) = here {
            // Typst's own parallel steps stay on this core, as in a worker.
            let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
            let work = || {
                while let Some(i) = take() {
                    if let Some(rendered) = here(jobs[i]) {
                        finished(i, rendered);
                    }
                }
            };
            match pool {
                Some(pool) => pool.install(work),
                None => work(),
            }
        }
    });
    results.into_inner().expect("no renderer panicked")
}

/// Runs one worker: the setup, then a job each time it is ready, until
/// `next_job` has none left (its standard input then closes and it ends).
fn run_worker_process(
    program: &Path,
    setup: &Setup,
    mut next_job: impl FnMut() -> Option<Share>,
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
    let result = (|| {
        let mut stdin = child.stdin.take();
        let stdout = child.stdout.take().map(BufReader::new);
        let (Some(input), Some(stdout)) = (stdin.as_mut(), stdout) else {
            return Ok(());
        };
        write_line(input, setup)?;
        for line in stdout.lines() {
            match serde_json::from_str::<Answer>(&line?) {
                Ok(Answer::Ready) => {}
                Ok(Answer::Done(done)) => on_done(done),
                Err(_) => break,
            }
            match (next_job(), stdin.as_mut()) {
                (Some(share), Some(input)) => write_line(input, &share)?,
                // No more jobs: the worker ends at the end of its input.
                _ => stdin = None,
            }
        }
        Ok(())
    })();
    child.wait()?;
    result
}

/// One line of JSON, sent at once.
pub fn write_line(output: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    let line = serde_json::to_string(value).expect("a line serializes");
    writeln!(output, "{line}").and_then(|()| output.flush())
}

/// The worker's side: the next line of its input as `T`; `None` at the
/// end of the input.
pub fn read_line<T: serde::de::DeserializeOwned>(
    input: &mut impl BufRead,
) -> Result<Option<T>, Diagnostic> {
    let mut line = String::new();
    let read = input
        .read_line(&mut line)
        .map_err(|e| Diagnostic::error(format!("a worker cannot read its input: {e}")))?;
    if read == 0 {
        return Ok(None);
    }
    serde_json::from_str(&line)
        .map(Some)
        .map_err(|e| Diagnostic::error(format!("a worker's input does not parse: {e}")))
}

/// The worker's side: one line for the calling process.
pub fn write_answer(output: &mut impl Write, answer: &Answer) -> Result<(), Diagnostic> {
    write_line(output, answer)
        .map_err(|e| Diagnostic::error(format!("a worker cannot report: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setup_jobs_and_answers_go_through_json_lines() {
        let setup = Setup {
            data_dir: "data".into(),
            templates_dir: None,
            formats: vec!["pdf".into(), "docx".into()],
            profile: Some("kz".into()),
            epoch: Some(1_700_000_000),
            staging: "out/.clusterdoc-tmp-x".into(),
        };
        let share = Share {
            index: 3,
            name: "order-1064-a".into(),
            inputs: "abc".into(),
        };
        let mut input = Vec::new();
        write_line(&mut input, &setup).unwrap();
        write_line(&mut input, &share).unwrap();
        let mut input = &input[..];
        let back: Setup = read_line(&mut input).unwrap().unwrap();
        assert_eq!(back.profile.as_deref(), Some("kz"));
        let job: Share = read_line(&mut input).unwrap().unwrap();
        assert_eq!((job.index, job.inputs.as_str()), (3, "abc"));
        assert!(
            read_line::<Share>(&mut input).unwrap().is_none(),
            "end of input"
        );
        assert!(read_line::<Share>(&mut &b"{\n"[..]).is_err());

        let mut lines = Vec::new();
        write_answer(&mut lines, &Answer::Ready).unwrap();
        let done = Done {
            index: 3,
            sizes: None,
            pages: 0,
            millis: 0,
        };
        write_answer(&mut lines, &Answer::Done(done)).unwrap();
        assert_eq!(
            String::from_utf8(lines).unwrap(),
            "\"ready\"\n{\"done\":{\"index\":3,\"sizes\":null,\"pages\":0,\"millis\":0}}\n"
        );
    }
}
