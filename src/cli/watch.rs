//! `clusterdoc build --watch`: after the first build, build again on every
//! change of the records or templates, printing problems as `check` does or
//! one line per rebuilt document. Ctrl-C stops between builds, so the
//! output folder is always left complete and unlocked.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::build::{print_changes, print_failure};
use super::{Config, Failure};
use crate::diag::{self, Diagnostic};
use crate::session::{BuildRequest, Session};
use crate::watch::{Watcher, settled};

/// A flag Ctrl-C sets (instead of ending the process mid-build).
pub fn stop_flag() -> Result<Arc<AtomicBool>, Diagnostic> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .map_err(|e| Diagnostic::error(format!("cannot catch Ctrl-C: {e}")))?;
    Ok(stop)
}

pub fn run(config: &Config, session: &mut Session, request: &BuildRequest) -> Result<(), Failure> {
    let stop = stop_flag()?;
    let mut watcher = Watcher::new(&config.data_dir, config.templates_dir.as_deref())?;
    let again = BuildRequest {
        force: false,
        ..request.clone()
    };
    if !config.quiet {
        println!("watching {} for changes; Ctrl-C stops", watched(config));
    }
    while let Some(change) = watcher.next(&stop) {
        if !change.templates.is_empty()
            && let Err(f) = session.reload_templates()
        {
            print_failure(&f);
            continue;
        }
        match settled(|| session.build(&again, true)) {
            Err(f) => {
                print_failure(&f);
                eprintln!("waiting for the next change");
            }
            Ok(report) => {
                diag::print_diagnostics(&report.sources, &report.warnings);
                print_changes(&report.changes);
                for d in &report.rendered {
                    println!("rebuilt {} in {} ms ({} pages)", d.name, d.millis, d.pages);
                }
                for name in &report.removed {
                    println!("removed {name}: the records no longer yield it");
                }
                if report.rendered.is_empty() && report.removed.is_empty() {
                    println!("no document reads what changed");
                }
            }
        }
    }
    if !config.quiet {
        println!("stopped; {} is complete", config.out_dir.display());
    }
    Ok(())
}

fn watched(config: &Config) -> String {
    match &config.templates_dir {
        Some(t) if t.is_dir() => format!("{} and {}", config.data_dir.display(), t.display()),
        _ => config.data_dir.display().to_string(),
    }
}
