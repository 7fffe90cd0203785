//! Stage 2, `validate`: resolve every reference between records and check
//! what the documents depend on, listing all problems of a run at once.
//! The result is a [`Catalog`]: records by id, drafts merged with the orders
//! they draft, roadmap events in one shape. One file per record kind; the
//! checks every printed text gets (empty, control characters, characters no
//! embedded font can draw) are in `text.rs`.

mod agreement;
pub mod amendment;
mod checker;
mod cluster;
#[cfg(test)]
mod fuzz;
mod markdown;
mod membership;
mod order;
mod organization;
pub mod regnum;
mod roadmap;
mod text;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::dates::Due;
use crate::diag::{Diagnostic, Problems};
use crate::load::{Dataset, Deferred, Loaded, Origin};
use crate::model::{Agreement, Cluster, Id, Issuer, Official, Organization, Roadmap, TextDocument};

use self::agreement::{check_agreement, draft_supplementary_agreements};
use self::checker::{Checker, index};
use self::cluster::check_cluster;
pub use self::order::{Mark, OrderRef, OrderSpec};
use self::order::{check_order, resolve_order};
use self::organization::check_organization;
pub use self::roadmap::precheck_roadmap;
use self::roadmap::{check_roadmap, event_steps};

/// Validated records, with lookups by id.
#[derive(Debug)]
pub struct Catalog {
    pub dataset: Dataset,
    orgs: HashMap<Id, usize>,
    issuers: HashMap<Id, usize>,
    officials: HashMap<Id, (usize, usize)>,
    clusters: HashMap<Id, usize>,
    agreements: HashMap<Id, usize>,
    roadmaps: HashMap<Id, usize>,
    documents: HashMap<Id, usize>,
    /// Order records (`dataset.orders`) by id.
    order_records: HashMap<Id, usize>,
    /// The formatting profiles known when the records were checked.
    profiles: Vec<String>,
    /// Orders with drafts resolved, in file order, then the amending
    /// orders drafted for membership changes.
    pub orders: Vec<OrderSpec>,
    /// The consolidated version of every order registered amendments change.
    pub consolidated: Vec<amendment::Consolidated>,
    /// Amending orders drafted for membership changes, and why.
    pub drafted_orders: Vec<amendment::Drafted>,
    /// Record files with a text that cannot be printed.
    pub unprintable: std::collections::HashSet<crate::diag::FileId>,
    drafted: Vec<Agreement>,
}

/// A roadmap step with its due date parsed and responsible people resolved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepView {
    pub result: String,
    pub items: Vec<String>,
    pub due: String,
    pub responsible: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EventView {
    pub number: usize,
    pub action: String,
    pub steps: Vec<StepView>,
}

impl Catalog {
    pub fn org(&self, id: &Id) -> &Organization {
        &self.dataset.organizations[self.orgs[id]].record
    }

    /// The organization, if the records have it (a member who left may
    /// have been removed from them altogether).
    pub fn find_org(&self, id: &Id) -> Option<&Organization> {
        self.orgs
            .get(id)
            .map(|&i| &self.dataset.organizations[i].record)
    }

    pub fn issuer(&self, id: &Id) -> &Issuer {
        &self.dataset.issuers[self.issuers[id]].record
    }

    pub fn official(&self, id: &Id) -> &Official {
        let (i, o) = self.officials[id];
        &self.dataset.issuers[i].record.officials[o]
    }

    pub fn cluster(&self, id: &Id) -> &Cluster {
        &self.dataset.clusters[self.clusters[id]].record
    }

    pub fn agreement(&self, id: &Id) -> &Agreement {
        match self.agreements.get(id) {
            Some(&i) => &self.dataset.agreements[i].record,
            None => self
                .drafted
                .iter()
                .find(|a| &a.id == id)
                .expect("validated agreement id"),
        }
    }

    /// Supplementary agreements drafted for members that joined a Tula
    /// cluster after its cooperation agreement and that no supplementary
    /// agreement record admits yet (p. 8): no number, date or protocol.
    pub fn drafted_agreements(&self) -> &[Agreement] {
        &self.drafted
    }

    /// The order of a job whole, its preamble and clauses parsed again from
    /// its files if they were let go after the checks.
    pub fn order_spec(&self, index: usize) -> Result<Cow<'_, OrderSpec>, Diagnostic> {
        let spec = &self.orders[index];
        if !spec.released {
            return Ok(Cow::Borrowed(spec));
        }
        let whole = reresolve(&self.dataset, &self.profiles, &self.order_records, spec)?;
        Ok(Cow::Owned(whole))
    }

    /// The record a `kind:id` input names, by its origin.
    pub fn origin_of(&self, input: &str) -> Option<&Origin> {
        self.record_at(input).map(|(origin, _)| origin)
    }

    /// The digest of the record a `kind:id` input names.
    pub fn digest_of(&self, input: &str) -> Option<&str> {
        self.record_at(input).map(|(_, digest)| digest)
    }

    /// Origin and digest of the record a `kind:id` input names.
    fn record_at(&self, input: &str) -> Option<(&Origin, &str)> {
        let (kind, id) = input.split_once(':')?;
        let id = Id(id.to_owned());
        let ds = &self.dataset;
        fn at<T>(records: &[Loaded<T>], i: usize) -> (&Origin, &str) {
            (&records[i].origin, &records[i].digest)
        }
        fn deferred<T>(records: &[Deferred<T>], i: usize) -> (&Origin, &str) {
            (&records[i].origin, &records[i].digest)
        }
        Some(match kind {
            "organization" => at(&ds.organizations, *self.orgs.get(&id)?),
            "issuer" => at(&ds.issuers, *self.issuers.get(&id)?),
            "cluster" => at(&ds.clusters, *self.clusters.get(&id)?),
            "agreement" => at(&ds.agreements, *self.agreements.get(&id)?),
            "roadmap" => deferred(&ds.roadmaps, *self.roadmaps.get(&id)?),
            "order" => deferred(&ds.orders, *self.order_records.get(&id)?),
            "document" => deferred(&ds.documents, *self.documents.get(&id)?),
            _ => return None,
        })
    }

    /// A roadmap, parsed again from its file (see `load::Deferred`).
    pub fn roadmap(&self, id: &Id) -> Result<Arc<Roadmap>, Diagnostic> {
        self.dataset.body(&self.dataset.roadmaps[self.roadmaps[id]])
    }

    /// A text document, parsed again from its file (see `load::Deferred`).
    pub fn document(&self, id: &Id) -> Result<Arc<TextDocument>, Diagnostic> {
        self.dataset
            .body(&self.dataset.documents[self.documents[id]])
    }

    pub fn clusters(&self) -> impl Iterator<Item = &Loaded<Cluster>> {
        self.dataset.clusters.iter()
    }

    pub fn agreements(&self) -> impl Iterator<Item = &Loaded<Agreement>> {
        self.dataset.agreements.iter()
    }

    /// The organizations party to an agreement: as listed, or every
    /// participant of the cluster on the agreement's date (today's members
    /// for a draft without a date).
    pub fn agreement_parties(&self, agreement: &Agreement) -> Vec<Id> {
        if let Some(parties) = &agreement.parties {
            return parties.clone();
        }
        let cluster = self.cluster(&agreement.cluster);
        cluster
            .participants
            .iter()
            .filter(|p| match agreement.date {
                Some(d) => p.member_on(d),
                None => p.left.is_none(),
            })
            .map(|p| p.organization.clone())
            .collect()
    }

    /// Roadmap events with steps in one shape and display strings resolved.
    pub fn roadmap_events(&self, roadmap: &Roadmap) -> Vec<EventView> {
        roadmap
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| EventView {
                number: i + 1,
                action: e.action.clone(),
                steps: event_steps(e)
                    .into_iter()
                    .map(|(result, items, due, responsible)| StepView {
                        result: result.to_owned(),
                        items: items.to_vec(),
                        due: Due::parse(due)
                            .map(|d| d.to_string())
                            .unwrap_or_else(|_| due.to_owned()),
                        responsible: responsible
                            .iter()
                            .map(|r| self.responsible_name(r))
                            .collect(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// A responsible person: an official's id resolves to «Фамилия И. О.»;
    /// anything else («Руководители ОО») is printed as written.
    pub fn responsible_name(&self, r: &str) -> String {
        match self.officials.get(&Id(r.to_owned())) {
            Some(_) => self.official(&Id(r.to_owned())).surname_initials(),
            None => r.to_owned(),
        }
    }
}

/// Validates the dataset. The catalog is returned even when there are
/// problems (for `check` to finish); it may only be rendered from when
/// there are no errors.
pub fn validate(mut dataset: Dataset, profiles: &[String]) -> (Catalog, Problems) {
    let joined = membership::merge_memberships(&mut dataset);
    let mut c = Checker {
        ds: &dataset,
        problems: joined,
        profiles,
        unprintable: Default::default(),
    };
    let orgs = index(&mut c, "organization", &dataset.organizations, |r| {
        (&r.record.id, &r.origin)
    });
    let issuers = index(&mut c, "issuer", &dataset.issuers, |r| {
        (&r.record.id, &r.origin)
    });
    let clusters = index(&mut c, "cluster", &dataset.clusters, |r| {
        (&r.record.id, &r.origin)
    });
    let agreements = index(&mut c, "agreement", &dataset.agreements, |r| {
        (&r.record.id, &r.origin)
    });
    let roadmaps = index(&mut c, "roadmap", &dataset.roadmaps, |r| (&r.id, &r.origin));
    let orders_ix = index(&mut c, "order", &dataset.orders, |r| (&r.id, &r.origin));
    let documents = index(&mut c, "document", &dataset.documents, |r| {
        (&r.id, &r.origin)
    });

    text::check_texts(&mut c, &dataset.organizations);
    text::check_texts(&mut c, &dataset.issuers);
    text::check_texts(&mut c, &dataset.clusters);
    text::check_texts(&mut c, &dataset.agreements);
    text::check_texts(&mut c, &dataset.memberships);

    let mut officials = HashMap::new();
    for (i, issuer) in dataset.issuers.iter().enumerate() {
        c.check_profile(&issuer.origin, &issuer.record.profile);
        for (o, official) in issuer.record.officials.iter().enumerate() {
            let field = format!("officials[{o}].id");
            if !official.id.is_slug() {
                c.error(
                    &issuer.origin,
                    &field,
                    format!("id `{}` is not a slug", official.id),
                );
            }
            if officials.insert(official.id.clone(), (i, o)).is_some() {
                c.error(
                    &issuer.origin,
                    &field,
                    format!("duplicate official id `{}`", official.id),
                );
            }
        }
    }

    for document in &dataset.documents {
        if let Some(document) = c.body(document) {
            text::check_texts(&mut c, std::slice::from_ref(&document));
            markdown::check_markdown(&mut c, &document.origin, "text", &document.record.text);
        }
    }
    for org in &dataset.organizations {
        check_organization(&mut c, org);
    }
    for cluster in &dataset.clusters {
        check_cluster(&mut c, cluster, &orgs);
    }
    for agreement in &dataset.agreements {
        check_agreement(&mut c, agreement, &orgs, &clusters, &agreements);
    }
    for roadmap in &dataset.roadmaps {
        // Checked while loaded, and every official it names is one: its
        // file need not be parsed again to find nothing.
        if roadmap
            .prechecked()
            .is_some_and(|names| names.iter().all(|n| officials.contains_key(n)))
        {
            continue;
        }
        if let Some(roadmap) = c.body(roadmap) {
            text::check_texts(&mut c, std::slice::from_ref(&roadmap));
            check_roadmap(&mut c, &roadmap.origin, &roadmap.record, &officials);
        }
    }

    let mut orders = Vec::with_capacity(dataset.orders.len());
    for order in &dataset.orders {
        let Some(record) = c.body(order) else {
            continue;
        };
        text::check_texts(&mut c, std::slice::from_ref(&record));
        if let Some(mut spec) = resolve_order(&mut c, &record, &orders_ix) {
            check_order(
                &mut c, &spec, &issuers, &officials, &clusters, &roadmaps, &documents,
            );
            // Amending orders are worded from their changes, kept whole.
            if !order.is_resident() && spec.amends.is_none() {
                spec.release();
            }
            orders.push(spec);
        }
    }
    // The orders amendments change are checked against their clauses.
    let amended: HashSet<Id> = orders
        .iter()
        .filter_map(|o| o.amends.as_ref().map(|a| a.order.clone()))
        .collect();
    for spec in orders.iter_mut() {
        if spec.released && amended.contains(&spec.id) {
            match reresolve(&dataset, profiles, &orders_ix, spec) {
                Ok(whole) => *spec = whole,
                Err(d) => c.problems.push(d),
            }
        }
    }
    let known = order::Known {
        clusters: &clusters,
        roadmaps: &roadmaps,
        documents: &documents,
    };
    let (consolidated, drafted_orders) = amendment::resolve_amendments(&mut c, &mut orders, &known);

    let problems = c.problems;
    let unprintable = c.unprintable;
    let drafted = draft_supplementary_agreements(&dataset);
    let catalog = Catalog {
        drafted,
        orgs,
        issuers,
        officials,
        clusters,
        agreements,
        roadmaps,
        documents,
        order_records: orders_ix,
        profiles: profiles.to_vec(),
        orders,
        consolidated,
        drafted_orders,
        unprintable,
        dataset,
    };
    (catalog, problems)
}

/// A released order resolved again from its files (which must hold the
/// bytes it was checked from), keeping what the checks added to it.
fn reresolve(
    dataset: &Dataset,
    profiles: &[String],
    order_records: &HashMap<Id, usize>,
    spec: &OrderSpec,
) -> Result<OrderSpec, Diagnostic> {
    let mut c = Checker {
        ds: dataset,
        problems: Vec::new(),
        profiles,
        unprintable: Default::default(),
    };
    let record = c.body(&dataset.orders[order_records[&spec.id]]);
    let whole = record.and_then(|r| resolve_order(&mut c, &r, order_records));
    match (whole, c.problems.into_iter().find(Diagnostic::is_error)) {
        (Some(whole), None) => Ok(OrderSpec {
            amendment: spec.amendment.clone(),
            ..whole
        }),
        (_, Some(problem)) => Err(problem),
        (None, None) => unreachable!("an order that does not resolve reports why"),
    }
}

/// Counts of validated records, for the summary line.
pub fn summary(catalog: &Catalog) -> String {
    let counts: BTreeMap<&str, usize> = catalog.dataset.counts().into_iter().collect();
    let order = [
        "organizations",
        "issuers",
        "clusters",
        "agreements",
        "roadmaps",
        "orders",
        "documents",
    ];
    let parts: Vec<String> = order.iter().map(|k| format!("{} {k}", counts[k])).collect();
    parts.join(", ")
}
