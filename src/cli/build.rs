//! `clusterdoc build`: render documents to PDF and DOCX under the output
//! folder; with `--watch`, again after every change.

use std::path::PathBuf;

use clap::Args;

use super::{Config, Failure};
use crate::diag;
use crate::render::Format;
use crate::session::{BuildReport, BuildRequest, ClusterChange, Session};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Record files whose documents to build [default: every document].
    pub files: Vec<PathBuf>,
    /// Output formats, comma-separated: pdf, docx, and json (the document
    /// model, as the Typst layout reads it).
    #[arg(long, value_delimiter = ',', default_value = "pdf,docx", value_parser = ["pdf", "docx", "json"])]
    pub format: Vec<String>,
    /// Formatting profile for every document (gost-2025, gost-2016, kz),
    /// overriding the records' choice.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Render every document, even those whose inputs did not change.
    #[arg(long)]
    pub force: bool,
    /// After the build, wait for changes to the records and templates and
    /// build again (Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
}

/// The formats asked for, sorted and once each.
pub fn formats(names: &[String]) -> Vec<Format> {
    let mut formats: Vec<Format> = names.iter().filter_map(|f| Format::parse(f)).collect();
    formats.sort();
    formats.dedup();
    formats
}

pub fn run(config: &Config, args: &BuildArgs) -> Result<(), Failure> {
    let mut options = config.session_options(formats(&args.format), args.profile.clone())?;
    options.live = args.watch;
    // A one-shot build renders in worker processes of this program; a
    // watching one keeps Typst's caches warm in this process instead.
    if !args.watch {
        options.worker_program = std::env::current_exe().ok();
    }
    let mut session = Session::open(options)?;
    let request = BuildRequest {
        files: args.files.clone(),
        force: args.force,
    };
    let first = session.build(&request, config.quiet);
    if args.watch {
        match &first {
            Ok(report) => print_report(config, report),
            Err(failure) => print_failure(failure),
        }
        return super::watch::run(config, &mut session, &request);
    }
    let report = first?;
    print_report(config, &report);
    Ok(())
}

pub fn print_failure(failure: &Failure) {
    diag::print_diagnostics(&failure.sources, &failure.problems);
}

/// What a build did, as the terminal shows it.
pub fn print_report(config: &Config, report: &BuildReport) {
    diag::print_diagnostics(&report.sources, &report.warnings);
    if config.quiet {
        return;
    }
    if report.nothing_changed {
        println!(
            "nothing changed since the last build: {} documents up to date in {} ({:.2} s)",
            report.documents,
            report.out_dir.display(),
            report.seconds
        );
        return;
    }
    print_changes(&report.changes);
    print_unchanged(&report.unchanged);
    for name in &report.removed {
        println!("removed {name}: the records no longer yield it");
    }
    for (name, why) in &report.drafted {
        println!("drafted {name}, an amending order to register: {why}");
    }
    println!(
        "{} of {} documents rendered ({} files, {} pages) to {} in {:.2} s",
        report.rendered.len(),
        report.documents,
        report.files(),
        report.pages(),
        report.out_dir.display(),
        report.seconds
    );
}

/// Who joined and who left each cluster since the last build.
pub fn print_changes(changes: &[ClusterChange]) {
    for c in changes {
        let parts: Vec<String> = [("joined", &c.joined), ("left", &c.left)]
            .into_iter()
            .filter(|(_, members)| !members.is_empty())
            .map(|(what, members)| {
                let names: Vec<String> = members
                    .iter()
                    .map(|m| format!("{} ({})", m.name, m.id))
                    .collect();
                format!("{what}: {}", names.join(", "))
            })
            .collect();
        println!("cluster {}: {}", c.cluster, parts.join("; "));
    }
}

/// The documents not rendered because nothing they read changed.
fn print_unchanged(names: &[String]) {
    if names.is_empty() {
        return;
    }
    const SHOWN: usize = 12;
    let mut list = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    println!("unchanged, skipped: {list}");
}
