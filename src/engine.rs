//! One job through the pipeline: records → template → document model →
//! bytes of each format. No files are written here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::assets::Assets;
use crate::diag::Diagnostic;
use crate::incremental::FileState;
use crate::ir::{Document, Meta};
use crate::plan::Job;
use crate::profile::Profile;
use crate::progress::Progress;
use crate::render::{Format, Rendered, Renderer};
use crate::template::Templates;
use crate::template::context::prepare;
use crate::validate::Catalog;

/// Everything needed to turn jobs into files, shared by all threads.
pub struct Engine {
    pub catalog: Arc<Catalog>,
    pub assets: Arc<Assets>,
    templates: Templates,
    profiles: HashMap<String, Profile>,
    renderers: Renderers,
}

/// The renderers of the requested formats, shared by the builds of a session.
pub type Renderers = Arc<Vec<Box<dyn Renderer>>>;

impl Engine {
    /// Loads the profiles the jobs use (so a bad profile fails before any
    /// rendering) and takes the renderers of the requested formats.
    pub fn new(
        catalog: Arc<Catalog>,
        assets: Arc<Assets>,
        jobs: &[Job],
        renderers: Renderers,
    ) -> Result<Engine, Diagnostic> {
        let mut profiles = HashMap::new();
        for job in jobs {
            if !profiles.contains_key(&job.profile) {
                profiles.insert(job.profile.clone(), assets.profile(&job.profile)?);
            }
        }
        Ok(Engine {
            catalog,
            templates: Templates::new(Arc::clone(&assets)),
            assets,
            profiles,
            renderers,
        })
    }

    /// The document model of a job.
    pub fn document(&self, job: &Job) -> Result<Document, Diagnostic> {
        let prepared = prepare(&self.catalog, job)?;
        let profile = self.profiles[&job.profile].clone();
        self.templates
            .compose(prepared.template, prepared.context, prepared.meta, profile)
            .map_err(|d| d.context(format!("document {}", job.name)))
    }

    /// The job's document in every requested format.
    pub fn render(&self, job: &Job) -> Result<(Document, Vec<(Format, Rendered)>), Diagnostic> {
        let doc = self.document(job)?;
        let mut out = Vec::with_capacity(self.renderers.len());
        for r in self.renderers.iter() {
            let rendered = r
                .render(&doc)
                .map_err(|d| d.context(format!("document {}", job.name)))?;
            out.push((r.format(), rendered));
        }
        Ok((doc, out))
    }

    pub fn formats(&self) -> Vec<Format> {
        self.renderers.iter().map(|r| r.format()).collect()
    }

    /// A document from a template outside the plan (the archive's
    /// inventory), in the given profile.
    pub fn compose(
        &self,
        template: &str,
        context: minijinja::Value,
        meta: Meta,
        profile: &str,
    ) -> Result<Document, Diagnostic> {
        let profile = self.assets.profile(profile)?;
        self.templates.compose(template, context, meta, profile)
    }

    /// A document in every format of the engine.
    pub fn render_document(&self, doc: &Document) -> Result<Vec<(Format, Rendered)>, Diagnostic> {
        self.renderers
            .iter()
            .map(|r| Ok((r.format(), r.render(doc)?)))
            .collect()
    }

    /// One job rendered, its files handed to `write` (relative path, bytes).
    pub fn render_job(
        &self,
        job: &Job,
        write: &WriteFile<'_>,
        keep_meta: bool,
    ) -> Result<RenderedJob, Diagnostic> {
        let started = std::time::Instant::now();
        let (doc, files) = self.render(job)?;
        let mut out = RenderedJob {
            name: job.name.clone(),
            meta: keep_meta.then(|| Box::new(doc.meta)),
            files: Vec::new(),
            pages: 0,
            millis: 0,
        };
        for (format, rendered) in files {
            let rel = job.stem().with_extension(format.extension());
            write(&rel, &rendered.bytes)?;
            out.pages += rendered.pages.unwrap_or(0);
            out.files.push((rel, FileState::of(&rendered.bytes)));
        }
        out.millis = started.elapsed().as_millis() as u64;
        Ok(out)
    }

    /// Renders jobs on `threads` worker threads, handing every file to
    /// `write` (relative path, bytes). Returns what each job wrote, in the
    /// jobs' order, or every problem.
    pub fn render_all(
        &self,
        jobs: &[&Job],
        threads: usize,
        write: &WriteFile<'_>,
        progress: &Progress,
        keep_meta: bool,
    ) -> Result<Vec<RenderedJob>, Vec<Diagnostic>> {
        let results = parallel_map(jobs, threads, |job| {
            let out = self.render_job(job, write, keep_meta)?;
            progress.step(&job.name);
            Ok(out)
        });
        let mut done = Vec::with_capacity(results.len());
        let mut problems = Vec::new();
        for r in results {
            match r {
                Ok(j) => done.push(j),
                Err(d) => problems.push(d),
            }
        }
        if problems.is_empty() {
            Ok(done)
        } else {
            Err(merge_repeated(problems))
        }
    }
}

/// Where rendered files go: relative path, bytes.
pub type WriteFile<'a> = dyn Fn(&Path, &[u8]) -> Result<(), Diagnostic> + Sync + 'a;

/// One problem per place: a mistake in a template or layout file fails
/// every document that uses it, and is reported once, naming them all.
fn merge_repeated(problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for d in problems {
        let same = out.iter_mut().find(|o| {
            o.location.is_some()
                && o.message == d.message
                && o.location == d.location
                && o.notes == d.notes
        });
        match (same, d.context.as_deref()) {
            (Some(o), Some(more)) => {
                let more = more.trim_start_matches("document ");
                o.context = Some(match o.context.take() {
                    Some(c) if c.starts_with("documents ") => format!("{c}, {more}"),
                    Some(c) => format!("documents {}, {more}", c.trim_start_matches("document ")),
                    None => format!("documents {more}"),
                });
            }
            (Some(_), None) => {}
            (None, _) => out.push(d),
        }
    }
    out
}

/// What rendering one job wrote.
#[derive(Debug, Clone)]
pub struct RenderedJob {
    pub name: String,
    /// The document's metadata, when asked for (an export lists it in the
    /// inventory; a build of thousands of documents need not hold it).
    pub meta: Option<Box<Meta>>,
    /// Files relative to the output folder, with their digests.
    pub files: Vec<(PathBuf, FileState)>,
    /// Pages as typeset (of the PDF).
    pub pages: usize,
    /// How long rendering took, from the records to the last file.
    pub millis: u64,
}

/// `f` over `items` on `threads` plain threads that each take the next item
/// (plain threads rather than a rayon pool: Typst runs rayon jobs of its own,
/// and a pool worker waiting on one of them would start another document,
/// holding more documents in memory at once). With several threads, each
/// runs in a one-thread rayon pool of its own, so Typst's parallel steps
/// stay on the worker's core instead of queueing behind the other workers'
/// in the global pool. Results keep the items' order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let threads = threads.clamp(1, items.len().max(1));
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = f(item);
            slots.lock().expect("no worker panicked")[i] = Some(r);
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let own_pool = (threads > 1)
                    .then(|| rayon::ThreadPoolBuilder::new().num_threads(1).build().ok())
                    .flatten();
                match own_pool {
                    Some(pool) => pool.install(work),
                    None => work(),
                }
            });
        }
    });
    slots
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Block, plain_text};
    use crate::load::load_dataset;
    use crate::plan::{Selection, plan_jobs};
    use crate::validate::validate;

    fn mini_engine() -> (Engine, Vec<Job>) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
        engine_of(load_dataset(&root))
    }

    fn engine_of(
        (ds, problems): (crate::load::Dataset, crate::diag::Problems),
    ) -> (Engine, Vec<Job>) {
        assert!(problems.is_empty(), "{problems:?}");
        let assets = Arc::new(Assets::builtin());
        let (catalog, problems) = validate(ds, &assets.profile_names());
        assert!(problems.is_empty(), "{problems:?}");
        let jobs = plan_jobs(&catalog, &Selection::default());
        let engine = Engine::new(Arc::new(catalog), assets, &jobs, Arc::new(Vec::new())).unwrap();
        (engine, jobs)
    }

    #[test]
    fn order_with_appendices_composes() {
        let (engine, jobs) = mini_engine();
        let job = jobs.iter().find(|j| j.name == "order-o-1").unwrap();
        let doc = engine.document(job).unwrap();
        let text = plain_text(&doc.blocks);
        println!("{text}");
        assert!(text.contains("№\u{a0}1064-а"), "{text}");
        assert!(text.contains("Об организации работы «кластеров»"), "{text}");
        assert!(
            text.contains("политики, утвержденной"),
            "escaped asterisks stay text: {text}"
        );
        assert!(text.contains("*кластерной*"), "{text}");
        assert!(text.contains("п р и к а з ы в а ю :"), "{text}");
        assert!(text.contains("2.2. разработать план."), "{text}");
        assert!(text.contains("Чечуркина\u{a0}К.\u{a0}К."), "{text}");
        assert!(text.contains("Приложение 1"), "{text}");
        let tables: Vec<_> = doc
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Table(_)))
            .collect();
        assert_eq!(tables.len(), 2);
    }

    #[test]
    fn draft_prints_blanks() {
        let (engine, jobs) = mini_engine();
        let job = jobs.iter().find(|j| j.name == "order-o-1-draft").unwrap();
        let doc = engine.document(job).unwrap();
        let Block::Letterhead(l) = &doc.blocks[0] else {
            panic!()
        };
        assert_eq!(l.number, "№\u{a0}_____");
        assert_eq!(l.date, "__________");
        assert!(!doc.blocks.iter().any(|b| matches!(b, Block::Table(_))));
    }

    /// A copy of the mini data folder.
    fn mini_copy() -> tempfile::TempDir {
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
        dir
    }

    #[test]
    fn records_let_go_after_the_checks_compose_as_records_kept() {
        let dir = mini_copy();
        let (released, jobs) = mini_engine_at(dir.path(), false);
        let (kept, _) = mini_engine_at(dir.path(), true);
        assert!(!released.catalog.orders.is_empty());
        assert!(released.catalog.orders.iter().any(|o| o.released));
        assert!(kept.catalog.orders.iter().all(|o| !o.released));
        for job in &jobs {
            let (a, b) = (released.document(job).unwrap(), kept.document(job).unwrap());
            assert_eq!(
                format!("{:?}", a.blocks),
                format!("{:?}", b.blocks),
                "{}",
                job.name
            );
        }
    }

    #[test]
    fn a_record_file_changed_after_the_checks_is_refused_not_printed() {
        let dir = mini_copy();
        let (engine, jobs) = mini_engine_at(dir.path(), false);
        let job = jobs.iter().find(|j| j.name == "order-o-1").unwrap();
        assert!(engine.document(job).is_ok());
        let order = dir.path().join("order.yaml");
        let text = std::fs::read_to_string(&order).unwrap();
        std::fs::write(&order, text + "# edited\n").unwrap();
        let problem = engine.document(job).unwrap_err();
        assert!(
            problem
                .message
                .contains("order.yaml changed while it was being used"),
            "{}",
            problem.message
        );
    }

    fn mini_engine_at(root: &std::path::Path, keep: bool) -> (Engine, Vec<Job>) {
        let mut cache = crate::load::LoadCache::new(keep);
        engine_of(crate::load::load_dataset_with(root, &mut cache))
    }
}
