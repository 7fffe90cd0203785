//! The live preview behind `serve`: what the page shows, kept current by a
//! session as files change.
//!
//! After every change the records are checked; the problems (as the terminal
//! prints them) or none are kept, and the documents' input digests are
//! compared with the previous ones. Documents whose inputs changed and that
//! were rendered for the page before are rendered again at once (the one on
//! screen first); the others are marked changed and rendered when opened.
//! While the records are broken, the documents of the last good check stay.
//! Pages are SVG images; the PDF and DOCX of exactly those pages are kept
//! beside them for download. Nothing is written to the output folder.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

use crate::diag::{Diagnostic, Failure};
use crate::engine::Engine;
use crate::incremental::{self, Digests, State};
use crate::ir::Document;
use crate::plan::{Job, JobKind};
use crate::render::Renderer;
use crate::render::docx::{DocxOptions, DocxRenderer};
use crate::render::pdf::{LaidOut, PageImage, PdfOptions, PdfRenderer};
use crate::session::{ClusterChange, Session, named_changes};
use crate::validate::Catalog;

/// Documents kept rendered at once (their pages, PDF and DOCX).
const KEPT: usize = 12;
/// Documents rendered again right after a change, at most.
const EAGER: usize = 6;

/// Where a document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// As the last `build` wrote it.
    UpToDate,
    /// Its records or templates changed since the last `build`.
    Changed,
    /// Rendered again after a change in this session.
    Rebuilt,
    /// The last attempt to render it failed.
    Failed,
}

/// A document as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DocInfo {
    pub name: String,
    /// `orders`, `passports`, `agreements`, `programs`.
    pub group: &'static str,
    pub title: String,
    /// No registration number or date yet.
    pub draft: bool,
    pub status: Status,
    /// Why the last render failed.
    pub problem: Option<String>,
    /// Changes whenever the document's pages may have.
    pub version: u64,
    #[serde(skip)]
    digest: String,
    #[serde(skip)]
    job: usize,
}

/// A document rendered for the page: its pages at once; its PDF and DOCX
/// (of exactly those pages) when first asked for.
pub struct RenderedDoc {
    pub version: u64,
    pub pages: Vec<PageImage>,
    model: Document,
    laid: LaidOut,
    pdf: OnceLock<Result<Vec<u8>, String>>,
    docx: OnceLock<Result<Vec<u8>, String>>,
}

/// The page's view of the whole: what `/api/state` sends.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub version: u64,
    /// Every problem of the last check, as the terminal prints them.
    pub problems: Option<String>,
    pub changes: Vec<ChangeView>,
    pub documents: Vec<DocInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    pub cluster: String,
    pub joined: Vec<String>,
    pub left: Vec<String>,
}

impl From<&ClusterChange> for ChangeView {
    fn from(c: &ClusterChange) -> ChangeView {
        let show = |ms: &[crate::session::Member]| {
            ms.iter()
                .map(|m| match m.date {
                    Some(d) => format!("{} ({d})", m.name),
                    None => m.name.clone(),
                })
                .collect()
        };
        ChangeView {
            cluster: c.cluster.clone(),
            joined: show(&c.joined),
            left: show(&c.left),
        }
    }
}

struct Inner {
    version: u64,
    problems: Option<String>,
    changes: Vec<ChangeView>,
    /// The engine and plan of the last good check.
    engine: Option<Arc<Engine>>,
    jobs: Arc<Vec<Job>>,
    docs: BTreeMap<String, DocInfo>,
    rendered: HashMap<String, Arc<RenderedDoc>>,
    /// Rendered documents, least recently shown first.
    recent: VecDeque<String>,
    /// The document the page shows (rendered first after a change).
    open: Option<String>,
    subscribers: Vec<Sender<u64>>,
}

/// Shared between the thread that follows the files and the page's requests.
#[derive(Clone)]
pub struct Preview {
    inner: Arc<Mutex<Inner>>,
    pdf: Arc<PdfRenderer>,
    docx: Arc<DocxRenderer>,
}

impl Preview {
    /// A preview of the session's documents, checked once.
    pub fn new(session: &mut Session) -> Result<Preview, Failure> {
        let epoch = session.options().epoch;
        let pdf = PdfRenderer::new(
            session.assets(),
            PdfOptions {
                pdfa: None,
                timestamp: epoch,
            },
        )?;
        let preview = Preview {
            inner: Arc::new(Mutex::new(Inner {
                version: 1,
                problems: None,
                changes: Vec::new(),
                engine: None,
                jobs: Arc::new(Vec::new()),
                docs: BTreeMap::new(),
                rendered: HashMap::new(),
                recent: VecDeque::new(),
                open: None,
                subscribers: Vec::new(),
            })),
            pdf: Arc::new(pdf),
            docx: Arc::new(DocxRenderer::new(DocxOptions { timestamp: epoch })),
        };
        // Problems of the records are the page's to show, not a failure.
        let _ = preview.refresh(session, Ok(()));
        Ok(preview)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The preview after a change: the records checked again, documents
    /// whose inputs changed marked and (the recently shown ones) rendered
    /// again; then every subscriber is told. `templates` is the outcome of
    /// reloading the template set, if it changed.
    /// Returns the documents rendered again (name, milliseconds), or the
    /// problems of the check.
    pub fn refresh(
        &self,
        session: &mut Session,
        templates: Result<(), Failure>,
    ) -> Result<Vec<(String, u64)>, Failure> {
        let checked = templates.and_then(|()| crate::watch::settled(|| session.check()));
        let outcome = match checked {
            Err(failure) => {
                self.lock().problems = Some(problems_text(&failure));
                Err(failure)
            }
            Ok(checked) => {
                let again = self.take_catalog(session, checked.catalog, &checked.warnings);
                let mut rendered = Vec::new();
                for name in again {
                    let started = std::time::Instant::now();
                    self.render(&name);
                    rendered.push((name, started.elapsed().as_millis() as u64));
                }
                Ok(rendered)
            }
        };
        self.announce();
        outcome
    }

    /// Plans the catalog's documents and compares them with those known.
    fn take_catalog(
        &self,
        session: &Session,
        catalog: Arc<Catalog>,
        warnings: &[Diagnostic],
    ) -> Vec<String> {
        let jobs = session.plan(&catalog, &[]);
        let engine = match session.engine(Arc::clone(&catalog), &jobs) {
            Ok(e) => e,
            Err(d) => {
                self.lock().problems = Some(problems_text(&Failure::from(d)));
                return Vec::new();
            }
        };
        let digests = Digests::new(&catalog, session.assets(), &session_digest(session));
        let built = State::load(&session.options().out_dir);
        let changes = named_changes(&catalog, &built, &incremental::members(&catalog));
        let mut inner = self.lock();
        let version = inner.version + 1;
        let mut docs = BTreeMap::new();
        let mut again = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            let digest = digests.job(job);
            let (title, draft) = describe(&catalog, job);
            let status = match inner.docs.get(&job.name) {
                Some(old) if old.digest == digest => old.status,
                Some(_) if inner.rendered.contains_key(&job.name) => {
                    again.push(job.name.clone());
                    Status::Changed
                }
                _ if built
                    .documents
                    .get(&job.name)
                    .is_some_and(|d| d.inputs == digest) =>
                {
                    Status::UpToDate
                }
                _ => Status::Changed,
            };
            let old = inner.docs.get(&job.name);
            let unchanged = old.is_some_and(|o| o.digest == digest);
            docs.insert(
                job.name.clone(),
                DocInfo {
                    name: job.name.clone(),
                    group: job.folder,
                    title,
                    draft,
                    status,
                    problem: old.filter(|_| unchanged).and_then(|o| o.problem.clone()),
                    version: if unchanged {
                        old.map_or(version, |o| o.version)
                    } else {
                        version
                    },
                    digest,
                    job: i,
                },
            );
        }
        let gone: Vec<String> = inner
            .rendered
            .keys()
            .filter(|n| !docs.contains_key(*n))
            .cloned()
            .collect();
        for name in gone {
            inner.rendered.remove(&name);
            inner.recent.retain(|n| n != &name);
        }
        // The open document first; a few at once.
        again.sort_by_key(|n| Some(n) != inner.open.as_ref());
        again.truncate(EAGER);
        inner.docs = docs;
        inner.version = version;
        inner.jobs = Arc::new(jobs);
        inner.engine = Some(Arc::new(engine));
        inner.changes = changes.iter().map(ChangeView::from).collect();
        inner.problems = (!warnings.is_empty()).then(|| {
            warnings
                .iter()
                .map(|w| w.render(&catalog.dataset.sources))
                .collect::<Vec<_>>()
                .join("\n")
        });
        again
    }

    /// Renders a document for the page (or fails, keeping the reason).
    fn render(&self, name: &str) -> Option<Arc<RenderedDoc>> {
        let (engine, jobs, index) = {
            let inner = self.lock();
            let info = inner.docs.get(name)?;
            (inner.engine.clone()?, Arc::clone(&inner.jobs), info.job)
        };
        let job = &jobs[index];
        let result = engine.document(job).and_then(|model| {
            let (laid, pages) = self
                .pdf
                .lay_out(&model)
                .map_err(|d| d.context(format!("document {}", job.name)))?;
            Ok((model, laid, pages))
        });
        let mut inner = self.lock();
        let version = inner.version;
        let info = inner.docs.get_mut(name)?;
        match result {
            Err(d) => {
                info.status = Status::Failed;
                info.problem = Some(d.render(&engine.catalog.dataset.sources));
                info.version = version;
                None
            }
            Ok((model, laid, pages)) => {
                if info.status != Status::UpToDate {
                    info.status = Status::Rebuilt;
                }
                info.problem = None;
                let rendered = Arc::new(RenderedDoc {
                    version: info.version,
                    pages,
                    model,
                    laid,
                    pdf: OnceLock::new(),
                    docx: OnceLock::new(),
                });
                inner
                    .rendered
                    .insert(name.to_owned(), Arc::clone(&rendered));
                inner.recent.retain(|n| n != name);
                inner.recent.push_back(name.to_owned());
                while inner.recent.len() > KEPT {
                    if let Some(old) = inner.recent.pop_front() {
                        inner.rendered.remove(&old);
                    }
                }
                Some(rendered)
            }
        }
    }

    /// A document's pages and files, rendered if they are not at hand;
    /// `None` for a name the records do not yield or a failed render.
    pub fn document(&self, name: &str) -> Option<Arc<RenderedDoc>> {
        {
            let mut inner = self.lock();
            if !inner.docs.contains_key(name) {
                return None;
            }
            inner.open = Some(name.to_owned());
            let current = inner.docs[name].version;
            if let Some(r) = inner.rendered.get(name).filter(|r| r.version == current) {
                return Some(Arc::clone(r));
            }
        }
        let rendered = self.render(name);
        if rendered.is_some() {
            // The status shown in the list changed.
            self.announce();
        }
        rendered
    }

    /// The PDF of a rendered document, as `build` writes it.
    pub fn pdf(&self, doc: &RenderedDoc) -> Result<Vec<u8>, String> {
        doc.pdf
            .get_or_init(|| {
                self.pdf
                    .pdf_of(&doc.model, &doc.laid)
                    .map_err(|d| d.message)
            })
            .clone()
    }

    /// The DOCX of a rendered document, as `build` writes it.
    pub fn docx(&self, doc: &RenderedDoc) -> Result<Vec<u8>, String> {
        doc.docx
            .get_or_init(|| {
                self.docx
                    .render(&doc.model)
                    .map(|r| r.bytes)
                    .map_err(|d| d.message)
            })
            .clone()
    }

    /// What the page lists.
    pub fn overview(&self) -> Overview {
        let inner = self.lock();
        Overview {
            version: inner.version,
            problems: inner.problems.clone(),
            changes: inner.changes.clone(),
            documents: inner.docs.values().cloned().collect(),
        }
    }

    /// A channel told the version after every change.
    pub fn subscribe(&self, tx: Sender<u64>) {
        let mut inner = self.lock();
        let _ = tx.send(inner.version);
        inner.subscribers.push(tx);
    }

    fn announce(&self) {
        let mut inner = self.lock();
        inner.version += 1;
        let version = inner.version;
        inner.subscribers.retain(|tx| tx.send(version).is_ok());
    }
}

/// The options a document's bytes depend on, as `build` digests them.
fn session_digest(session: &Session) -> String {
    let o = session.options();
    format!("{:?} epoch={:?}", o.formats, o.epoch)
}

/// Every problem as the terminal prints it (without colours).
pub fn problems_text(failure: &Failure) -> String {
    failure
        .problems
        .iter()
        .map(|d| d.render(&failure.sources))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A document's title for the list, and whether it is a draft.
fn describe(catalog: &Catalog, job: &Job) -> (String, bool) {
    match &job.kind {
        JobKind::Order(i) => {
            let o = &catalog.orders[*i];
            (o.title.clone(), o.number.is_none())
        }
        JobKind::Consolidated(i) => {
            let o = &catalog.orders[catalog.consolidated[*i].order];
            (format!("{} (сводная редакция)", o.title), false)
        }
        JobKind::Passport { cluster, lang } => (
            format!(
                "Паспорт: {} ({})",
                catalog.cluster(cluster).name.ru,
                lang.code()
            ),
            false,
        ),
        JobKind::Program { cluster } => (
            format!("Программа: {}", catalog.cluster(cluster).name.ru),
            false,
        ),
        JobKind::Agreement { agreement }
        | JobKind::Supplementary { agreement }
        | JobKind::ProtocolExcerpt { agreement } => {
            let a = catalog.agreement(agreement);
            let what = match &job.kind {
                JobKind::Agreement { .. } => "Соглашение",
                JobKind::Supplementary { .. } => "Дополнительное соглашение",
                _ => "Выписка из протокола",
            };
            let number = a
                .number
                .as_deref()
                .map(|n| format!(" № {n}"))
                .unwrap_or_default();
            (format!("{what}{number}"), a.number.is_none())
        }
    }
}
