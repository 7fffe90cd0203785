//! The worker's side of `crate::workers`: a process that opens the calling
//! build's session, checks the records again and renders the documents it
//! is given, one at a time, into the build's staging folder, reporting
//! each as it is done.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, Failure};
use crate::output;
use crate::plan::Job;
use crate::render::Format;
use crate::session::{Checked, Session, SessionOptions};
use crate::workers::{Answer, Done, Setup, Share, read_line, write_answer};

/// Reads the setup from `input`, checks the records, says it is ready on
/// `output`, then renders each job `input` gives and answers with a line
/// for it as soon as it is done, until `input` ends. A job is rendered only
/// when its inputs are those the calling build checked.
pub fn run(mut input: impl BufRead, mut output: impl Write) -> Result<(), Failure> {
    let Some(setup) = read_line::<Setup>(&mut input)? else {
        return Ok(());
    };
    let staging = setup.staging.clone();
    let mut session = Session::open(options(setup))?;
    let Checked { catalog, .. } = session.check()?;
    let planned = session.plan(&catalog, &[]);
    let digests = session.digests(&catalog);
    let by_name: HashMap<&str, &Job> = planned.iter().map(|j| (j.name.as_str(), j)).collect();
    let engine = session.engine(Arc::clone(&catalog), &planned)?;
    let write = |rel: &Path, bytes: &[u8]| write_staged(&staging, rel, bytes);
    write_answer(&mut output, &Answer::Ready)?;
    while let Some(share) = read_line::<Share>(&mut input)? {
        let rendered = by_name
            .get(share.name.as_str())
            .filter(|job| digests.job(job) == share.inputs)
            .and_then(|job| engine.render_job(job, &write, false).ok());
        let done = Done {
            index: share.index,
            sizes: rendered
                .as_ref()
                .map(|r| r.files.iter().map(|(_, f)| f.size).collect()),
            pages: rendered.as_ref().map_or(0, |r| r.pages),
            millis: rendered.as_ref().map_or(0, |r| r.millis),
        };
        write_answer(&mut output, &Answer::Done(done))?;
    }
    Ok(())
}

/// The session a worker opens: one thread, no live preview, no workers of
/// its own, its output the build's staging folder.
fn options(setup: Setup) -> SessionOptions {
    SessionOptions {
        data_dir: setup.data_dir,
        out_dir: setup.staging,
        templates_dir: setup.templates_dir,
        jobs: 1,
        formats: setup
            .formats
            .iter()
            .filter_map(|f| Format::parse(f))
            .collect(),
        profile: setup.profile,
        epoch: setup.epoch,
        live: false,
        worker_program: None,
    }
}

/// A file into the build's staging folder, which the build made. Once the
/// build has ended (and removed it), a worker still running must not make
/// it again and leave it behind.
fn write_staged(staging: &Path, rel: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    if !staging.is_dir() {
        return Err(Diagnostic::error(format!(
            "the build's staging folder {} is gone",
            staging.display()
        )));
    }
    output::write_staged(staging, rel, bytes)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::write_staged;

    #[test]
    fn a_worker_writes_only_inside_a_staging_folder_that_is_there() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = tmp.path().join("staging");
        let rel = Path::new("orders/a.pdf");
        assert!(write_staged(&staging, rel, b"%PDF").is_err());
        assert!(!staging.exists(), "the staging folder made again");
        std::fs::create_dir(&staging).unwrap();
        write_staged(&staging, rel, b"%PDF").unwrap();
        assert_eq!(std::fs::read(staging.join(rel)).unwrap(), b"%PDF");
        assert!(write_staged(&staging, Path::new("../b.pdf"), b"x").is_err());
        assert!(!tmp.path().join("b.pdf").exists());
    }
}
