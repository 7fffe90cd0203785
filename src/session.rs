//! The build session: the one owner of a data folder's warm state — the
//! template set, the renderers (the Typst layout parsed once, the fonts once
//! per process), the record files as last parsed, the catalog of the last
//! check — that `build`, `build --watch`, `export` and `serve` all drive.
//! The command line only makes a session and prints what it reports.
//!
//! A build reads the records (parsing only the files whose bytes changed),
//! validates them, plans the documents, renders those whose inputs changed
//! since the state of the last build (`incremental`), writes them through
//! the output folder's staging (`output`), removes what the records no
//! longer yield, and reports who joined and left each cluster.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::assets::Assets;
use crate::dates::Date;
use crate::diag::{self, Diagnostic, Failure, Sources};
use crate::engine::{Engine, RenderedJob, Renderers, WriteFile};
use crate::export::{Destination, ExportOptions, Package, export_package};
use crate::incremental::{
    self, Digests, DocumentState, STATE_FILE, State, membership_changes, whole_digest,
};
use crate::load::{LoadCache, find_record_files, load_dataset_with};
use crate::model::Id;
use crate::output::OutDir;
use crate::plan::{Job, Selection, plan_jobs};
use crate::progress::Progress;
use crate::render::docx::{DocxOptions, DocxRenderer};
use crate::render::pdf::{PdfA, PdfOptions, PdfRenderer};
use crate::render::{Format, Renderer};
use crate::validate::{Catalog, validate};
use crate::workers::{Setup, render_in_workers};

/// Worker processes are started for at least this many documents per job:
/// each checks the records again and starts Typst, which a few documents
/// do not repay (the build renders on its own thread meanwhile).
const WORKERS_FROM: usize = 4;

/// ... and for data folders of at most this many records: each worker holds
/// the index of every record again (about 2.4 KB a record), so past it a
/// build renders on threads and its memory stays within 150 MB (the build
/// and one worker: 102 MB for 2000 records; the build and two workers: 247
/// MB for 40 000).
const WORKERS_UP_TO_RECORDS: usize = 10_000;

/// Whether `documents` are rendered with `jobs` jobs by the build and
/// `jobs − 1` worker processes, for a data folder of `records`.
fn in_workers(jobs: usize, documents: usize, records: usize) -> bool {
    jobs > 1 && documents >= WORKERS_FROM * jobs && records <= WORKERS_UP_TO_RECORDS
}

/// What a session reads, renders and writes: the options every command
/// resolves once.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    /// Templates overriding the built-in ones file by file.
    pub templates_dir: Option<PathBuf>,
    /// Documents rendered at once.
    pub jobs: usize,
    /// Output formats of `build`.
    pub formats: Vec<Format>,
    /// One formatting profile for every document, overriding the records'.
    pub profile: Option<String>,
    /// `SOURCE_DATE_EPOCH`: fixes every date embedded in the outputs.
    pub epoch: Option<i64>,
    /// The session rebuilds after each change (`build --watch`, `serve`):
    /// it keeps the parsed record files between builds. A one-shot command
    /// does not, so that its memory does not grow with the records.
    pub live: bool,
    /// The program a one-shot build runs as worker processes when it renders
    /// with several jobs (`crate::workers`): the command line's own. None:
    /// render on threads of this process.
    pub worker_program: Option<PathBuf>,
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
    assets: &Assets,
    formats: &[Format],
    pdf: PdfOptions,
    docx: DocxOptions,
) -> Result<Renderers, Diagnostic> {
    let mut out: Vec<Box<dyn Renderer>> = Vec::new();
    for f in formats {
        match f {
            Format::Pdf => out.push(Box::new(PdfRenderer::new(assets, pdf)?)),
            Format::Docx => out.push(Box::new(DocxRenderer::new(docx))),
            Format::Json => out.push(Box::new(crate::render::json::JsonRenderer)),
        }
    }
    Ok(Arc::new(out))
}

/// Records checked: the catalog and the warnings (errors fail the check).
pub struct Checked {
    pub catalog: Arc<Catalog>,
    pub warnings: Vec<Diagnostic>,
}

impl Checked {
    pub fn sources(&self) -> &Sources {
        &self.catalog.dataset.sources
    }
}

/// What a build is asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    /// Record files whose documents to build; empty: every document.
    pub files: Vec<PathBuf>,
    /// Render every document, even those whose inputs did not change.
    pub force: bool,
}

/// Who joined and who left a cluster since the last build, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterChange {
    pub cluster: String,
    pub joined: Vec<Member>,
    pub left: Vec<Member>,
}

/// A participant as a change reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    /// The short name (or the name) in Russian.
    pub name: String,
    /// The day the participant joined, or left.
    pub date: Option<Date>,
}

/// One document a build rendered.
#[derive(Debug, Clone)]
pub struct BuiltDocument {
    pub name: String,
    pub files: usize,
    pub pages: usize,
    pub millis: u64,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Nothing at all changed since the last complete build: nothing was
    /// even loaded.
    pub nothing_changed: bool,
    /// Documents the records yield (of the selection).
    pub documents: usize,
    pub changes: Vec<ClusterChange>,
    /// Documents skipped because nothing they read changed.
    pub unchanged: Vec<String>,
    pub rendered: Vec<BuiltDocument>,
    /// Documents the records no longer yield, whose files were removed.
    pub removed: Vec<String>,
    /// Amending orders drafted because a registered order's participants
    /// appendix fell behind the cluster records: the document, and why.
    pub drafted: Vec<(String, String)>,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
    pub out_dir: PathBuf,
    pub seconds: f64,
}

impl BuildReport {
    pub fn files(&self) -> usize {
        self.rendered.iter().map(|d| d.files).sum()
    }

    pub fn pages(&self) -> usize {
        self.rendered.iter().map(|d| d.pages).sum()
    }
}

/// An archive export as asked.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub dest: Destination,
    pub pdfa: PdfA,
    /// «2b», for the manifest.
    pub pdfa_name: String,
    pub package_date: Date,
}

/// What an export wrote.
#[derive(Debug)]
pub struct ExportReport {
    pub package: Package,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
    pub seconds: f64,
}

/// What `tables` wrote.
#[derive(Debug)]
pub struct RegisterReport {
    /// The participants register's path.
    pub path: PathBuf,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
}

pub struct Session {
    options: SessionOptions,
    assets: Arc<Assets>,
    renderers: Renderers,
    cache: LoadCache,
}

impl Session {
    /// Loads the template set and makes the renderers; nothing is read from
    /// the data folder yet.
    pub fn open(options: SessionOptions) -> Result<Session, Failure> {
        let assets = Arc::new(Assets::with_overrides(options.templates_dir.as_deref())?);
        if let Some(p) = &options.profile {
            assets.profile(p)?;
        }
        let renderers = build_renderers(&assets, &options)?;
        let cache = LoadCache::new(options.live).with_precheck(crate::validate::precheck_roadmap);
        Ok(Session {
            options,
            assets,
            renderers,
            cache,
        })
    }

    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    pub fn assets(&self) -> &Arc<Assets> {
        &self.assets
    }

    /// Reads the template set again (after a template changed).
    pub fn reload_templates(&mut self) -> Result<(), Failure> {
        let assets = Arc::new(Assets::with_overrides(
            self.options.templates_dir.as_deref(),
        )?);
        self.renderers = build_renderers(&assets, &self.options)?;
        self.assets = assets;
        Ok(())
    }

    /// Reads the records (parsing again only the files whose bytes changed
    /// since the last call) and validates them.
    pub fn check(&mut self) -> Result<Checked, Failure> {
        let (dataset, mut problems) = load_dataset_with(&self.options.data_dir, &mut self.cache);
        let (catalog, more) = validate(dataset, &self.assets.profile_names());
        self.cache
            .remember_printable(&catalog.dataset, &catalog.unprintable);
        problems.extend(more);
        if diag::has_errors(&problems) {
            return Err(Failure {
                sources: catalog.dataset.sources.clone(),
                problems,
            });
        }
        Ok(Checked {
            catalog: Arc::new(catalog),
            warnings: problems,
        })
    }

    /// The documents the records yield, in the profile asked for.
    pub fn plan(&self, catalog: &Catalog, files: &[PathBuf]) -> Vec<Job> {
        let selection = Selection {
            profile: self.options.profile.clone(),
            files: files.to_vec(),
        };
        plan_jobs(catalog, &selection)
    }

    /// An engine that renders the catalog's documents in the session's formats.
    pub fn engine(&self, catalog: Arc<Catalog>, jobs: &[Job]) -> Result<Engine, Diagnostic> {
        Engine::new(
            catalog,
            Arc::clone(&self.assets),
            jobs,
            Arc::clone(&self.renderers),
        )
    }

    /// The input digests of the catalog's documents.
    pub fn digests<'a>(&self, catalog: &'a Catalog) -> Digests<'a> {
        Digests::new(catalog, &self.assets, &self.options_digest())
    }

    /// Digest of every option that changes the bytes of a document.
    fn options_digest(&self) -> String {
        format!("{:?} epoch={:?}", self.options.formats, self.options.epoch)
    }

    /// Renders what changed into the output folder: see the module's comment.
    pub fn build(&mut self, request: &BuildRequest, quiet: bool) -> Result<BuildReport, Failure> {
        let started = Instant::now();
        let out_dir = self.options.out_dir.clone();
        let mut report = BuildReport {
            nothing_changed: false,
            documents: 0,
            changes: Vec::new(),
            unchanged: Vec::new(),
            rendered: Vec::new(),
            removed: Vec::new(),
            drafted: Vec::new(),
            warnings: Vec::new(),
            sources: Sources::default(),
            out_dir: out_dir.clone(),
            seconds: 0.0,
        };
        for f in &request.files {
            if !f.is_file() {
                return Err(
                    Diagnostic::error(format!("{} is not a record file", f.display())).into(),
                );
            }
        }

        // A whole build whose inputs are byte for byte those of the last one
        // has nothing to do: say so without loading the records. (The folder
        // is opened, locked and cleared of a killed run's leftovers first,
        // and kept open for the build proper.)
        let whole = if request.files.is_empty() {
            let files = find_record_files(&self.options.data_dir, &mut Vec::new());
            let options = format!(
                "{} profile={:?}",
                self.options_digest(),
                self.options.profile
            );
            whole_digest(&files, &self.assets, &options)
        } else {
            None
        };
        let mut opened = None;
        if let Some(whole) = whole
            .as_deref()
            .filter(|_| !request.force && out_dir.join(STATE_FILE).is_file())
        {
            let out = opened.insert(OutDir::open(&out_dir)?);
            let state = State::load(out.root());
            if state.all_current(whole, out.root()) {
                report.nothing_changed = true;
                report.documents = state.documents.len();
                report.seconds = started.elapsed().as_secs_f64();
                return Ok(report);
            }
        }

        let Checked { catalog, warnings } = self.check()?;
        report.sources = catalog.dataset.sources.clone();
        report.warnings = warnings;
        let jobs = self.plan(&catalog, &request.files);
        report.documents = jobs.len();

        let out = match opened {
            Some(out) => out,
            None => OutDir::open(&out_dir)?,
        };
        let mut state = State::load(out.root());
        // Until this build completes, no state it writes vouches for the whole.
        state.whole = None;
        let digests = self.digests(&catalog);
        let mut inputs: Vec<String> = jobs.iter().map(|j| digests.job(j)).collect();
        let formats = &self.options.formats;
        let (todo, unchanged): (Vec<usize>, Vec<usize>) = (0..jobs.len()).partition(|&i| {
            request.force || !state.is_current(&jobs[i].name, &inputs[i], formats, out.root())
        });
        let members = incremental::members(&catalog);
        report.changes = named_changes(&catalog, &state, &members);
        report.drafted = catalog
            .drafted_orders
            .iter()
            .map(|d| (format!("order-{}", d.id), d.reason.clone()))
            .collect();
        report.unchanged = unchanged.iter().map(|&i| jobs[i].name.clone()).collect();

        // Outputs of documents the records no longer yield (a drafted
        // supplementary agreement once the real one is recorded).
        let stale: Vec<String> = if request.files.is_empty() {
            let names: std::collections::HashSet<&str> =
                jobs.iter().map(|j| j.name.as_str()).collect();
            state
                .documents
                .keys()
                .filter(|n| !names.contains(n.as_str()))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };

        let engine = self.engine(Arc::clone(&catalog), &jobs)?;
        let todo_jobs: Vec<&Job> = todo.iter().map(|&i| &jobs[i]).collect();
        if !todo_jobs.is_empty() {
            let mut staging = out.stage()?;
            let progress = Progress::new(todo_jobs.len(), quiet);
            let write = |rel: &Path, bytes: &[u8]| staging.write(rel, bytes);
            let records: usize = catalog.dataset.counts().iter().map(|(_, n)| n).sum();
            let rendered = match &self.options.worker_program {
                Some(program) if in_workers(self.options.jobs, todo_jobs.len(), records) => {
                    let todo_inputs: Vec<&str> = todo.iter().map(|&i| inputs[i].as_str()).collect();
                    // This process renders too, with the records it has
                    // checked; the workers check them again first.
                    let here = |job: &Job| engine.render_job(job, &write, false).ok();
                    let done = render_in_workers(
                        program,
                        &self.worker_setup(staging.path()),
                        &todo_jobs,
                        &todo_inputs,
                        self.options.jobs - 1,
                        Some(&here),
                        &progress,
                    );
                    self.render_the_rest(&engine, &todo_jobs, done, &write, &progress)
                }
                _ => engine.render_all(&todo_jobs, self.options.jobs, &write, &progress, false),
            };
            progress.finish();
            // What follows needs none of the records: their memory goes to
            // the state of thousands of documents instead.
            drop(engine);
            drop(catalog);
            let rendered = match rendered {
                Ok(r) => r,
                Err(problems) => {
                    drop(staging);
                    out.discard_if_new();
                    return Err(Failure {
                        sources: report.sources,
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
            for (r, &i) in rendered.into_iter().zip(&todo) {
                r.files.iter().for_each(|(rel, _)| staging.add(rel.clone()));
                report.rendered.push(BuiltDocument {
                    name: r.name.clone(),
                    files: r.files.len(),
                    pages: r.pages,
                    millis: r.millis,
                });
                state.documents.insert(
                    r.name,
                    DocumentState {
                        inputs: std::mem::take(&mut inputs[i]),
                        files: sorted(
                            r.files
                                .into_iter()
                                .map(|(p, f)| (p.to_string_lossy().replace('\\', "/"), f))
                                .collect(),
                        ),
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
                for (rel, _) in &doc.files {
                    out.remove(Path::new(rel))?;
                }
                report.removed.push(name.clone());
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
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// What a worker needs to open this session's twin, writing into
    /// `staging`.
    fn worker_setup(&self, staging: &Path) -> Setup {
        let o = &self.options;
        Setup {
            data_dir: o.data_dir.clone(),
            templates_dir: o.templates_dir.clone(),
            formats: o.formats.iter().map(|f| f.extension().to_owned()).collect(),
            profile: o.profile.clone(),
            epoch: o.epoch,
            staging: staging.to_path_buf(),
        }
    }

    /// The jobs the workers did not render, rendered here (where a problem
    /// is reported as in any build), merged with theirs in the jobs' order.
    fn render_the_rest(
        &self,
        engine: &Engine,
        jobs: &[&Job],
        done: Vec<Option<RenderedJob>>,
        write: &WriteFile<'_>,
        progress: &Progress,
    ) -> Result<Vec<RenderedJob>, Vec<Diagnostic>> {
        let missing: Vec<&Job> = jobs
            .iter()
            .zip(&done)
            .filter(|(_, d)| d.is_none())
            .map(|(j, _)| *j)
            .collect();
        let mut again = if missing.is_empty() {
            Vec::new()
        } else {
            engine.render_all(&missing, self.options.jobs, write, progress, false)?
        }
        .into_iter();
        Ok(done
            .into_iter()
            .map(|d| d.or_else(|| again.next()).expect("every job rendered once"))
            .collect())
    }

    /// Writes the participants register (`participants.xlsx`) into `dir`,
    /// dated `date`, whole or not at all.
    pub fn write_register(&mut self, dir: &Path, date: Date) -> Result<RegisterReport, Failure> {
        let checked = self.check()?;
        let bytes = crate::register::participants_workbook(&checked.catalog, date)?;
        let path = dir.join(crate::register::PARTICIPANTS_XLSX);
        crate::output::write_file_atomic(&path, &bytes)?;
        Ok(RegisterReport {
            path,
            sources: checked.sources().clone(),
            warnings: checked.warnings,
        })
    }

    /// Writes an archive package of every document (see `export`).
    pub fn export(
        &mut self,
        request: &ExportRequest,
        quiet: bool,
    ) -> Result<ExportReport, Failure> {
        let started = Instant::now();
        let checked = self.check()?;
        let catalog = Arc::clone(&checked.catalog);
        let jobs = self.plan(&catalog, &[]);
        let epoch = self.options.epoch;
        let digests = Digests::new(&catalog, &self.assets, "");
        let sources = digests.records();
        let renderers = renderers(
            &self.assets,
            &[Format::Pdf, Format::Docx],
            PdfOptions {
                pdfa: Some(request.pdfa),
                timestamp: Some(epoch.unwrap_or_else(|| request.package_date.unix_seconds())),
            },
            DocxOptions { timestamp: epoch },
        )?;
        let engine = Engine::new(catalog, Arc::clone(&self.assets), &jobs, renderers)?;
        // One run at a time writes into the output folder (the default
        // destination is inside it).
        let out = OutDir::open(&self.options.out_dir)?;
        let progress = Progress::new(jobs.len(), quiet);
        let participants =
            crate::register::participants_workbook(&checked.catalog, request.package_date)?;
        let options = ExportOptions {
            threads: self.options.jobs,
            package_date: request.package_date,
            pdfa: &request.pdfa_name,
            source_digests: &sources,
            participants: &participants,
            dest: &request.dest,
        };
        let result = export_package(&engine, &jobs, &options, &progress);
        progress.finish();
        match result {
            Ok(package) => Ok(ExportReport {
                package,
                sources: checked.sources().clone(),
                warnings: checked.warnings,
                seconds: started.elapsed().as_secs_f64(),
            }),
            Err(problems) => {
                out.discard_if_new();
                Err(Failure {
                    sources: checked.catalog.dataset.sources.clone(),
                    problems,
                })
            }
        }
    }
}

fn build_renderers(assets: &Assets, options: &SessionOptions) -> Result<Renderers, Diagnostic> {
    renderers(
        assets,
        &options.formats,
        PdfOptions {
            pdfa: None,
            timestamp: options.epoch,
        },
        DocxOptions {
            timestamp: options.epoch,
        },
    )
}

/// Who joined and who left each cluster since the build of `state`, with
/// names and dates.
pub fn named_changes(
    catalog: &Catalog,
    state: &State,
    members: &std::collections::BTreeMap<String, Vec<String>>,
) -> Vec<ClusterChange> {
    membership_changes(&state.members, members)
        .into_iter()
        .map(|c| {
            let cluster = catalog.cluster(&Id(c.cluster.clone()));
            let member = |id: &String, left: bool| {
                let name = catalog
                    .find_org(&Id(id.clone()))
                    .map(|org| org.short_name.as_ref().unwrap_or(&org.name).ru.clone())
                    .unwrap_or_else(|| id.clone());
                let participant = cluster
                    .participants
                    .iter()
                    .find(|p| p.organization.0 == *id);
                Member {
                    id: id.clone(),
                    name,
                    date: participant.and_then(|p| if left { p.left } else { Some(p.joined) }),
                }
            };
            ClusterChange {
                joined: c.joined.iter().map(|id| member(id, false)).collect(),
                left: c.left.iter().map(|id| member(id, true)).collect(),
                cluster: c.cluster,
            }
        })
        .collect()
}

/// Pairs sorted by their first item.
fn sorted<V>(mut pairs: Vec<(String, V)>) -> Vec<(String, V)> {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}

#[cfg(test)]
mod tests {
    use super::in_workers;

    #[test]
    fn workers_for_enough_documents_of_a_small_enough_data_folder() {
        assert!(in_workers(2, 8, 24));
        assert!(!in_workers(2, 7, 24), "too few documents to repay a worker");
        assert!(!in_workers(1, 100, 24), "one job renders here");
        assert!(in_workers(2, 5000, 10_000));
        assert!(
            !in_workers(2, 5000, 10_001),
            "each worker would hold every record's index"
        );
    }
}
