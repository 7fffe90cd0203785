//! `clusterdoc build`: render documents to PDF and DOCX under the output folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;

use super::{Config, Failure, load_catalog_with};
use crate::assets::Assets;
use crate::diag::Diagnostic;
use crate::engine::Engine;
use crate::incremental::{
    self, Digests, DocumentState, MembershipChange, STATE_FILE, State, membership_changes,
    whole_digest,
};
use crate::load::find_record_files;
use crate::output::OutDir;
use crate::plan::{Job, Selection, plan_jobs};
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
    let mut formats: Vec<Format> = args
        .format
        .iter()
        .filter_map(|f| Format::parse(f))
        .collect();
    formats.sort();
    formats.dedup();
    let epoch = source_date_epoch()?;

    // A whole build whose inputs are byte for byte those of the last one
    // has nothing to do: say so without loading the records.
    let assets = Assets::with_overrides(config.templates_dir.as_deref())?;
    let whole = if args.files.is_empty() {
        let files = find_record_files(&config.data_dir, &mut Vec::new());
        let options = format!("{formats:?} epoch={epoch:?} profile={:?}", args.profile);
        whole_digest(&files, &assets, &options)
    } else {
        None
    };
    // (The folder is opened, locked and cleared of a killed run's leftovers
    // first, and kept open for the build proper.)
    let mut opened = None;
    if let Some(whole) = whole
        .as_deref()
        .filter(|_| !args.force && config.out_dir.join(STATE_FILE).is_file())
    {
        let out = opened.insert(OutDir::open(&config.out_dir)?);
        let state = State::load(out.root());
        if state.all_current(whole, out.root()) {
            if !config.quiet {
                println!(
                    "nothing changed since the last build: {} documents up to date in {} ({:.2} s)",
                    state.documents.len(),
                    config.out_dir.display(),
                    started.elapsed().as_secs_f64()
                );
            }
            return Ok(());
        }
    }

    let (catalog, assets) = load_catalog_with(config, assets)?;
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

    let out = match opened {
        Some(out) => out,
        None => OutDir::open(&config.out_dir)?,
    };
    let mut state = State::load(out.root());
    // Until this build completes, no state it writes vouches for the whole.
    state.whole = None;
    let digests = Digests::new(&catalog, &assets, &format!("{formats:?} epoch={epoch:?}"));
    let inputs: Vec<String> = jobs.iter().map(|j| digests.job(j)).collect();
    type WithDigest<'a> = Vec<(&'a Job, &'a String)>;
    let (todo, unchanged): (WithDigest, WithDigest) =
        jobs.iter().zip(&inputs).partition(|(job, digest)| {
            args.force || !state.is_current(&job.name, digest, &formats, out.root())
        });
    let members = incremental::members(&catalog);
    let changes = membership_changes(&state.members, &members);
    if !config.quiet {
        report_changes(&catalog, &changes);
        report_unchanged(
            &unchanged
                .iter()
                .map(|(j, _)| j.name.as_str())
                .collect::<Vec<_>>(),
        );
    }

    // Outputs of documents the records no longer yield (a drafted
    // supplementary agreement once the real one is recorded).
    let stale: Vec<String> = if args.files.is_empty() {
        state
            .documents
            .keys()
            .filter(|n| !jobs.iter().any(|j| &j.name == *n))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };

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
    let todo_jobs: Vec<&Job> = todo.iter().map(|(j, _)| *j).collect();
    let mut pages = 0;
    let mut written = 0;
    if !todo_jobs.is_empty() {
        let mut staging = out.stage()?;
        let progress = Progress::new(todo_jobs.len(), config.quiet);
        let rendered = engine.render_all(
            &todo_jobs,
            config.jobs,
            &|rel, bytes| staging.write(rel, bytes),
            &progress,
        );
        progress.finish();
        let rendered = match rendered {
            Ok(r) => r,
            Err(problems) => {
                drop(staging);
                out.discard_if_new();
                return Err(Failure {
                    sources: engine.catalog.dataset.sources.clone(),
                    problems,
                });
            }
        };
        // A run killed while the files move into place leaves some of a
        // document's files new and some old, each complete. The state must
        // not vouch for such a document, so it forgets the documents being
        // replaced before the first move, and the next run renders them again.
        let mut replacing = false;
        for r in &rendered {
            replacing |= state.documents.remove(&r.name).is_some();
        }
        let forgotten = replacing.then(|| state.to_bytes());
        for (r, (_, digest)) in rendered.iter().zip(&todo) {
            r.files.iter().for_each(|(rel, _)| staging.add(rel.clone()));
            pages += r.pages;
            written += r.files.len();
            state.documents.insert(
                r.name.clone(),
                DocumentState {
                    inputs: (*digest).clone(),
                    files: r
                        .files
                        .iter()
                        .map(|(p, f)| (p.to_string_lossy().replace('\\', "/"), f.clone()))
                        .collect(),
                    pages: r.pages,
                },
            );
        }
        staging.commit(|| match &forgotten {
            Some(bytes) => out.write_atomic(Path::new(STATE_FILE), bytes),
            None => Ok(()),
        })?;
    }
    for name in &stale {
        if let Some(doc) = state.documents.remove(name) {
            for rel in doc.files.keys() {
                out.remove(Path::new(rel))?;
            }
            if !config.quiet {
                println!("removed {name}: the records no longer yield it");
            }
        }
    }
    if !todo_jobs.is_empty()
        || !stale.is_empty()
        || state.members != members
        || state.whole != whole
    {
        state.members = members;
        state.whole = whole;
        out.write_atomic(Path::new(STATE_FILE), &state.to_bytes())?;
    }
    if !config.quiet {
        println!(
            "{} of {} documents rendered ({} files, {} pages) to {} in {:.2} s",
            todo_jobs.len(),
            jobs.len(),
            written,
            pages,
            out.root().display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Who joined and who left each cluster since the last build.
fn report_changes(catalog: &crate::validate::Catalog, changes: &[MembershipChange]) {
    let name = |id: &str| {
        let org = catalog.org(&crate::model::Id(id.to_owned()));
        let n = org.short_name.as_ref().unwrap_or(&org.name);
        format!("{} ({id})", n.ru)
    };
    for c in changes {
        let parts: Vec<String> = [("joined", &c.joined), ("left", &c.left)]
            .into_iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(what, ids)| {
                let names: Vec<String> = ids.iter().map(|id| name(id)).collect();
                format!("{what}: {}", names.join(", "))
            })
            .collect();
        println!("cluster {}: {}", c.cluster, parts.join("; "));
    }
}

/// The documents not rendered because nothing they read changed.
fn report_unchanged(names: &[&str]) {
    if names.is_empty() {
        return;
    }
    const SHOWN: usize = 12;
    let mut list = names
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    println!("unchanged, skipped: {list}");
}
