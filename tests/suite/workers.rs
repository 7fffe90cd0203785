//! A build with several jobs renders in worker processes of the binary
//! (`clusterdoc::workers`): the same bytes as one thread, a worker renders
//! only from the inputs the build checked, and whatever a worker does not
//! render is rendered (or reported) by the build itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use clusterdoc::progress::Progress;
use clusterdoc::render::Format;
use clusterdoc::session::{Session, SessionOptions};
use clusterdoc::workers::{Setup, render_in_workers};

use crate::common::{bin, fixtures, problems, root, snapshot, stderr};

/// A copy of the sample records in a temporary folder.
fn sample_copy(to: &Path) {
    for e in walkdir::WalkDir::new(root().join("data")) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(root().join("data")).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn build(data: &Path, out: &Path, jobs: &str, templates: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::new(bin());
    cmd.args([
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    if let Some(t) = templates {
        cmd.args(["--templates", t.to_str().unwrap()]);
    }
    cmd.args(["--quiet", "--jobs", jobs, "build"])
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("the clusterdoc binary runs")
}

/// The twelve sample documents, rendered by two workers and by one thread:
/// the same files, the same state.
#[test]
fn workers_write_what_one_thread_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    sample_copy(&data);
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let o = build(&data, &one, "1", None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = build(&data, &two, "2", None);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (snapshot(&one), snapshot(&two));
    assert_eq!(a.len(), 25, "24 documents and the state");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(&b[name] == bytes, "{name} differs");
    }
}

/// A template mistake that fails only the orders, while the other sample
/// documents render: two jobs report exactly what one job reports, and
/// write nothing.
#[test]
fn a_document_that_fails_in_a_worker_is_reported_by_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    sample_copy(&data);
    let templates = fixtures().join("invalid/template-undefined-variable/templates");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let a = build(&data, &one, "1", Some(&templates));
    let b = build(&data, &two, "2", Some(&templates));
    assert_eq!(a.status.code(), Some(1), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(1), "{}", stderr(&b));
    let found = problems(&stderr(&b));
    assert!(
        found
            .iter()
            .any(|(m, _)| m.contains("undefined value `order.preambel`")),
        "{}",
        stderr(&b)
    );
    assert_eq!(problems(&stderr(&a)), found);
    assert!(!one.exists() && !two.exists(), "nothing written");
}

/// Calls the workers directly, the calling thread rendering nothing: every
/// job comes back, its files byte for byte those of a one-job build; a job
/// whose inputs are not those the worker finds is left to the caller; so is
/// every job when the worker program does not run.
#[test]
fn a_worker_renders_only_from_the_inputs_the_build_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    sample_copy(&data);
    let options = SessionOptions {
        data_dir: data.clone(),
        out_dir: tmp.path().join("out"),
        templates_dir: None,
        jobs: 2,
        formats: vec![Format::Pdf, Format::Docx],
        profile: None,
        epoch: Some(1_700_000_000),
        live: false,
        worker_program: Some(PathBuf::from(bin())),
    };
    let mut session = Session::open(options).unwrap();
    let checked = session.check().unwrap();
    let jobs = session.plan(&checked.catalog, &[]);
    let digests = session.digests(&checked.catalog);
    let jobs: Vec<_> = jobs.iter().collect();
    let mut inputs: Vec<String> = jobs.iter().map(|j| digests.job(j)).collect();
    inputs[1] = "inputs the worker does not find".into();
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let quiet = Progress::new(jobs.len(), true);

    let staging = tmp.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let setup = Setup {
        data_dir: data,
        templates_dir: None,
        formats: vec!["pdf".into(), "docx".into()],
        profile: None,
        epoch: Some(1_700_000_000),
        staging: staging.clone(),
    };
    let program = Path::new(bin());
    let done = render_in_workers(program, &setup, &jobs, &inputs, 2, None, &quiet);
    assert_eq!(done.len(), 12);
    assert!(done[1].is_none(), "changed inputs are not rendered");
    let staged = snapshot(&staging);
    let one = tmp.path().join("one");
    let o = build(&setup.data_dir, &one, "1", None);
    assert!(o.status.success(), "{}", stderr(&o));
    let one = snapshot(&one);
    for (job, d) in jobs.iter().zip(&done) {
        let pdf = format!("{}.pdf", job.stem().to_string_lossy());
        match d {
            Some(r) => {
                assert_eq!(r.name, job.name);
                assert_eq!(r.files.len(), 2);
                for (rel, file) in &r.files {
                    let rel = rel.to_string_lossy();
                    assert_eq!(file.size, staged[&*rel].len() as u64, "{rel}");
                    assert!(staged[&*rel] == one[&*rel], "{rel} differs");
                }
                assert!(r.pages > 0);
            }
            None => assert!(!staged.contains_key(&pdf), "{pdf} written"),
        }
    }
    assert_eq!(done.iter().filter(|d| d.is_some()).count(), 11);

    let none = render_in_workers(
        Path::new("/nonexistent/clusterdoc"),
        &setup,
        &jobs,
        &inputs,
        2,
        None,
        &quiet,
    );
    assert!(none.iter().all(Option::is_none));
}
