//! `clusterdoc export` and `clusterdoc verify`: archive packages.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;

use super::build::{renderers, source_date_epoch};
use super::{Config, Failure, load_catalog};
use crate::dates::Date;
use crate::diag::Diagnostic;
use crate::engine::Engine;
use crate::export::{Destination, ExportOptions, export_package, verify_package};
use crate::incremental::Digests;
use crate::output::OutDir;
use crate::plan::{Selection, plan_jobs};
use crate::progress::Progress;
use crate::render::Format;
use crate::render::docx::DocxOptions;
use crate::render::pdf::{PdfA, PdfOptions};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the package into this folder [default: OUT/archive/clusterdoc-<date>].
    #[arg(long, value_name = "DIR", conflicts_with = "zip")]
    pub to: Option<PathBuf>,
    /// Write the package as one ZIP file.
    #[arg(long, value_name = "FILE")]
    pub zip: Option<PathBuf>,
    /// PDF/A conformance of the archival copies.
    #[arg(long, default_value = "2b", value_parser = ["1b", "2b", "3b"])]
    pub pdfa: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The package folder or ZIP file.
    pub package: PathBuf,
}

/// The package's date: `SOURCE_DATE_EPOCH`'s, else today's (UTC).
fn package_date(epoch: Option<i64>) -> Date {
    let secs = epoch.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    Date::from_unix_seconds(secs).unwrap_or_else(|| Date::end_of_year(1999))
}

pub fn run_export(config: &Config, args: &ExportArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let (catalog, assets) = load_catalog(config)?;
    let jobs = plan_jobs(&catalog, &Selection::default());
    let epoch = source_date_epoch()?;
    let date = package_date(epoch);
    let pdfa = match args.pdfa.as_str() {
        "1b" => PdfA::A1b,
        "3b" => PdfA::A3b,
        _ => PdfA::A2b,
    };
    let dest = match (&args.to, &args.zip) {
        (_, Some(zip)) => Destination::Zip(zip.clone()),
        (Some(dir), None) => Destination::Folder(dir.clone()),
        (None, None) => Destination::Folder(config.out_dir.join("archive").join(format!(
            "clusterdoc-{:04}-{:02}-{:02}",
            date.year(),
            date.month(),
            date.day()
        ))),
    };
    let digests = Digests::new(&catalog, &assets, "");
    let sources = digests.records();
    let assets = Arc::new(assets);
    let renderers = renderers(
        &assets,
        &[Format::Pdf, Format::Docx],
        PdfOptions {
            pdfa: Some(pdfa),
            timestamp: Some(epoch.unwrap_or_else(|| date.unix_seconds())),
        },
        DocxOptions { timestamp: epoch },
    )?;
    let engine = Engine::new(catalog, Arc::clone(&assets), &jobs, renderers)?;
    // One run at a time writes into the output folder (the default
    // destination is inside it).
    let out = OutDir::open(&config.out_dir)?;
    let progress = Progress::new(jobs.len(), config.quiet);
    let options = ExportOptions {
        threads: config.jobs,
        package_date: date,
        pdfa: &args.pdfa,
        source_digests: &sources,
        dest: &dest,
    };
    let result = export_package(&engine, &jobs, &options, &progress);
    progress.finish();
    let package = match result {
        Ok(p) => p,
        Err(problems) => {
            out.discard_if_new();
            return Err(Failure {
                sources: engine.catalog.dataset.sources.clone(),
                problems,
            });
        }
    };
    if !config.quiet {
        let where_ = match &dest {
            Destination::Folder(p) | Destination::Zip(p) => p.display().to_string(),
        };
        println!(
            "package {where_}: {} documents (PDF/A-{} and DOCX), {} sheets, {} files with inventory and checksums, in {:.2} s",
            package.documents,
            args.pdfa,
            package.sheets,
            package.files + 1,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

pub fn run_verify(config: &Config, args: &VerifyArgs) -> Result<(), Failure> {
    let v = verify_package(&args.package)?;
    let mut problems = Vec::new();
    for (what, list) in [
        ("missing", &v.missing),
        ("altered", &v.altered),
        ("not listed in SHA256SUMS", &v.extra),
    ] {
        for f in list {
            problems.push(
                Diagnostic::error(format!("{f}: {what}"))
                    .note(format!("in package {}", args.package.display())),
            );
        }
    }
    if !problems.is_empty() {
        return Err(Failure {
            sources: Default::default(),
            problems,
        });
    }
    if !config.quiet {
        println!(
            "{}: {} files checked, all intact",
            args.package.display(),
            v.checked
        );
    }
    Ok(())
}
