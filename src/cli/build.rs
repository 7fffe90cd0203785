//! `clusterdoc build`: render documents to PDF and DOCX under the output folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use rayon::prelude::*;

use super::{Config, Failure, load_catalog};
use crate::diag::Diagnostic;
use crate::engine::Engine;
use crate::output::OutDir;
use crate::plan::{Selection, plan_jobs};
use crate::progress::Progress;
use crate::render::docx::{DocxOptions, DocxRenderer};
use crate::render::pdf::{PdfOptions, PdfRenderer};
use crate::render::{Format, Renderer};

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
}

/// `SOURCE_DATE_EPOCH`, if set, fixes every date embedded in the outputs.
pub fn source_date_epoch() -> Result<Option<i64>, Diagnostic> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(_) => Ok(None),
        Ok(v) => v.trim().parse().map(Some).map_err(|_| {
            Diagnostic::error(format!(
                "SOURCE_DATE_EPOCH must be a number of seconds, not «{v}»"
            ))
        }),
    }
}

/// The renderers of the requested formats.
pub fn renderers(
    assets: &crate::assets::Assets,
    formats: &[Format],
    pdf: PdfOptions,
    docx: DocxOptions,
) -> Result<Vec<Box<dyn Renderer>>, Diagnostic> {
    let mut out: Vec<Box<dyn Renderer>> = Vec::new();
    for f in formats {
        match f {
            Format::Pdf => out.push(Box::new(PdfRenderer::new(assets, pdf)?)),
            Format::Docx => out.push(Box::new(DocxRenderer::new(docx))),
            Format::Json => out.push(Box::new(crate::render::json::JsonRenderer)),
        }
    }
    Ok(out)
}

pub fn run(config: &Config, args: &BuildArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let (catalog, assets) = load_catalog(config)?;
    let mut formats: Vec<Format> = args
        .format
        .iter()
        .filter_map(|f| Format::parse(f))
        .collect();
    formats.sort();
    formats.dedup();
    let selection = Selection {
        profile: args.profile.clone(),
        files: args.files.clone(),
    };
    if let Some(p) = &selection.profile {
        assets.profile(p)?;
    }
    for f in &args.files {
        if !f.is_file() {
            return Err(Diagnostic::error(format!("{} is not a record file", f.display())).into());
        }
    }
    let jobs = plan_jobs(&catalog, &selection);
    let epoch = source_date_epoch()?;
    let assets = Arc::new(assets);
    let renderers = renderers(
        &assets,
        &formats,
        PdfOptions {
            pdfa: None,
            timestamp: epoch,
        },
        DocxOptions { timestamp: epoch },
    )?;
    let engine = Engine::new(catalog, Arc::clone(&assets), &jobs, renderers)?;

    let out = OutDir::open(&config.out_dir)?;
    let mut staging = out.stage()?;
    let progress = Progress::new(jobs.len(), config.quiet);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs)
        .build()
        .map_err(|e| Diagnostic::error(format!("cannot start worker threads: {e}")))?;
    let results: Vec<Result<(Vec<PathBuf>, usize), Diagnostic>> = pool.install(|| {
        jobs.par_iter()
            .map(|job| {
                let (_, files) = engine.render(job)?;
                let mut written = Vec::new();
                let mut pages = 0;
                for (format, rendered) in files {
                    let rel = job.stem().with_extension(format.extension());
                    staging.write(&rel, &rendered.bytes)?;
                    pages += rendered.pages.unwrap_or(0);
                    written.push(rel);
                }
                progress.step(&job.name);
                Ok((written, pages))
            })
            .collect()
    });
    progress.finish();

    let mut problems = Vec::new();
    let mut pages = 0;
    for r in results {
        match r {
            Ok((files, p)) => {
                files.into_iter().for_each(|f| staging.add(f));
                pages += p;
            }
            Err(d) => problems.push(d),
        }
    }
    if !problems.is_empty() {
        drop(staging);
        out.discard_if_new();
        return Err(Failure {
            sources: engine.catalog.dataset.sources.clone(),
            problems,
        });
    }
    let files = staging.commit()?;
    if !config.quiet {
        println!(
            "{} documents, {} files, {} pages written to {} in {:.2} s",
            jobs.len(),
            files.len(),
            pages,
            out.root().display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
