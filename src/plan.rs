//! Stage 3, `plan`: which documents the catalog yields, where each goes,
//! and which records each reads (for `build FILE…` and incremental builds).

use std::path::{Path, PathBuf};

use crate::ir::Lang;
use crate::model::{AgreementType, Appendix, Id, Style};
use crate::profile::DEFAULT_PROFILE;
use crate::validate::{Catalog, OrderSpec};

/// What a job renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    /// An order with its appendices (index into `Catalog::orders`).
    Order(usize),
    /// An amended order with its amendments applied (index into
    /// `Catalog::consolidated`).
    Consolidated(usize),
    /// A cluster passport in one language.
    Passport { cluster: Id, lang: Lang },
    /// A Tula cluster activity program.
    Program { cluster: Id },
    /// A cooperation agreement.
    Agreement { agreement: Id },
    /// A supplementary agreement admitting new members.
    Supplementary { agreement: Id },
    /// The council protocol excerpt deciding a supplementary agreement's admission.
    ProtocolExcerpt { agreement: Id },
}

/// One document to render.
#[derive(Debug, Clone)]
pub struct Job {
    pub kind: JobKind,
    /// File stem, unique in the run: `order-1064-a`, `passport-pavlodar-kk`.
    pub name: String,
    /// Folder under the output folder: `orders`, `passports`, …
    pub folder: &'static str,
    /// Formatting profile name.
    pub profile: String,
    /// Records the document reads, as `kind:id`.
    pub inputs: Vec<String>,
}

impl Job {
    /// The output path relative to the output folder, without extension.
    pub fn stem(&self) -> PathBuf {
        Path::new(self.folder).join(&self.name)
    }
}

/// What to plan: everything, or the documents reading the given files.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// Formatting profile for every document, overriding the records' choice.
    pub profile: Option<String>,
    /// Record files (as given on the command line); empty means all.
    pub files: Vec<PathBuf>,
}

/// Plans every document of the catalog, in a stable order.
pub fn plan_jobs(catalog: &Catalog, selection: &Selection) -> Vec<Job> {
    let mut jobs = Vec::new();
    let pick = |own: Option<&String>, fallback: &str| -> String {
        selection
            .profile
            .clone()
            .or_else(|| own.cloned())
            .unwrap_or_else(|| fallback.to_owned())
    };

    let order_profile = |order: &OrderSpec| {
        let issuer = catalog.issuer(&order.issuer);
        pick(
            order.profile.as_ref().or(issuer.profile.as_ref()),
            DEFAULT_PROFILE,
        )
    };
    for (i, order) in catalog.orders.iter().enumerate() {
        let mut inputs = order_inputs(catalog, order, &order.appendices);
        // An amending order is worded after the order it amends as the
        // amendments before it left it.
        if let Some(a) = &order.amendment {
            inputs.extend(amendment_inputs(catalog, &a.amended.id));
        }
        jobs.push(Job {
            kind: JobKind::Order(i),
            name: format!("order-{}", order.id),
            folder: "orders",
            profile: order_profile(order),
            inputs,
        });
    }
    for (i, version) in catalog.consolidated.iter().enumerate() {
        let order = &catalog.orders[version.order];
        let appendices: Vec<_> = version
            .appendices
            .iter()
            .map(|a| a.appendix.clone())
            .collect();
        let mut inputs = order_inputs(catalog, order, &appendices);
        inputs.extend(amendment_inputs(catalog, &order.id));
        jobs.push(Job {
            kind: JobKind::Consolidated(i),
            name: format!("order-{}-consolidated", order.id),
            folder: "orders",
            profile: order_profile(order),
            inputs,
        });
    }

    for c in catalog.clusters() {
        let cluster = &c.record;
        let default = if cluster.style == Style::Kazakhstan {
            "kz"
        } else {
            DEFAULT_PROFILE
        };
        if cluster.passport.is_some() {
            let editions = if cluster.editions.is_empty() {
                vec![Lang::Ru]
            } else {
                cluster.editions.clone()
            };
            for lang in editions {
                jobs.push(Job {
                    kind: JobKind::Passport {
                        cluster: cluster.id.clone(),
                        lang,
                    },
                    name: format!("passport-{}-{}", cluster.id, lang.code()),
                    folder: "passports",
                    profile: pick(cluster.profile.as_ref(), default),
                    inputs: cluster_inputs(catalog, &cluster.id),
                });
            }
        }
        if cluster.program.is_some() {
            jobs.push(Job {
                kind: JobKind::Program {
                    cluster: cluster.id.clone(),
                },
                name: format!("program-{}", cluster.id),
                folder: "programs",
                profile: pick(cluster.profile.as_ref(), default),
                inputs: cluster_inputs(catalog, &cluster.id),
            });
        }
    }

    for a in catalog.agreements() {
        let r = &a.record;
        let cluster = catalog.cluster(&r.cluster);
        let profile = pick(
            r.profile.as_ref().or(cluster.profile.as_ref()),
            DEFAULT_PROFILE,
        );
        let mut inputs = vec![format!("agreement:{}", r.id)];
        inputs.extend(cluster_inputs(catalog, &r.cluster));
        if let Some(base) = &r.amends {
            inputs.push(format!("agreement:{base}"));
        }
        let job = |kind, name: String| Job {
            kind,
            name,
            folder: "agreements",
            profile: profile.clone(),
            inputs: inputs.clone(),
        };
        match r.kind {
            AgreementType::Cooperation => {
                jobs.push(job(
                    JobKind::Agreement {
                        agreement: r.id.clone(),
                    },
                    format!("agreement-{}", r.id),
                ));
            }
            AgreementType::Supplementary => {
                jobs.push(job(
                    JobKind::Supplementary {
                        agreement: r.id.clone(),
                    },
                    format!("supplementary-{}", r.id),
                ));
                jobs.push(job(
                    JobKind::ProtocolExcerpt {
                        agreement: r.id.clone(),
                    },
                    format!("protocol-{}", r.id),
                ));
            }
        }
    }

    for a in catalog.drafted_agreements() {
        let cluster = catalog.cluster(&a.cluster);
        let mut inputs = cluster_inputs(catalog, &a.cluster);
        inputs.extend(a.amends.iter().map(|b| format!("agreement:{b}")));
        jobs.push(Job {
            kind: JobKind::Supplementary {
                agreement: a.id.clone(),
            },
            name: format!("supplementary-{}-draft", a.id),
            folder: "agreements",
            profile: pick(
                a.profile.as_ref().or(cluster.profile.as_ref()),
                DEFAULT_PROFILE,
            ),
            inputs,
        });
    }

    for job in &mut jobs {
        job.inputs.sort();
        job.inputs.dedup();
    }
    if !selection.files.is_empty() {
        let wanted: Vec<PathBuf> = selection
            .files
            .iter()
            .filter_map(|f| f.canonicalize().ok())
            .collect();
        jobs.retain(|job| {
            job.inputs.iter().any(|input| {
                catalog
                    .origin_of(input)
                    .and_then(|o| Path::new(catalog.dataset.file_name(o)).canonicalize().ok())
                    .is_some_and(|p| wanted.contains(&p))
            })
        });
    }
    jobs
}

/// The records an order reads: itself (or, for a drafted amending order,
/// nothing of its own), its issuer, the base of a draft, what its
/// appendices name.
fn order_inputs(catalog: &Catalog, order: &OrderSpec, appendices: &[Appendix]) -> Vec<String> {
    let mut inputs = vec![format!("issuer:{}", order.issuer)];
    if catalog.origin_of(&format!("order:{}", order.id)).is_some() {
        inputs.push(format!("order:{}", order.id));
    }
    if let Some(base) = &order.draft_of {
        inputs.push(format!("order:{base}"));
    }
    for a in appendices {
        if let Some(r) = &a.roadmap {
            inputs.push(format!("roadmap:{r}"));
        }
        if let Some(d) = &a.document {
            inputs.push(format!("document:{d}"));
        }
        for c in a.participants.iter().flatten() {
            inputs.extend(cluster_inputs(catalog, c));
        }
    }
    inputs
}

/// An amended order and every order amending it, with what their
/// appendices name.
fn amendment_inputs(catalog: &Catalog, amended: &Id) -> Vec<String> {
    let mut inputs = vec![format!("order:{amended}")];
    for o in &catalog.orders {
        if o.amendment
            .as_ref()
            .is_some_and(|a| &a.amended.id == amended)
        {
            inputs.extend(order_inputs(catalog, o, &o.appendices));
        }
    }
    inputs
}

/// A cluster and every organization it names.
fn cluster_inputs(catalog: &Catalog, cluster: &Id) -> Vec<String> {
    let c = catalog.cluster(cluster);
    let mut inputs = vec![format!("cluster:{cluster}")];
    let orgs = c
        .participants
        .iter()
        .map(|p| &p.organization)
        .chain(c.operator.iter())
        .chain(c.regional_operator.iter())
        .chain(c.regional_coordinator.iter())
        .chain(
            c.council
                .iter()
                .flat_map(|k| k.members.iter().filter_map(|m| m.organization.as_ref())),
        );
    inputs.extend(orgs.map(|o| format!("organization:{o}")));
    inputs
}
