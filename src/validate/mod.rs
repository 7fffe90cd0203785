//! Stage 2, `validate`: resolve every reference between records and check
//! what the documents depend on, listing all problems of a run at once.
//! The result is a [`Catalog`]: records by id, drafts merged with the orders
//! they draft, roadmap events in one shape.

pub mod regnum;

use std::collections::{BTreeMap, HashMap};

use crate::dates::{Date, Due};
use crate::diag::{Diagnostic, Problems};
use crate::ir::Lang;
use crate::load::{Dataset, Loaded, Origin, did_you_mean};
use crate::model::{
    Agreement, AgreementType, Appendix, ClauseText, Cluster, Country, DecreeStyle, Id, Issuer,
    Official, Order, Organization, Roadmap, Style, TextDocument,
};
use crate::sections;

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
    /// Orders with drafts resolved, in file order.
    pub orders: Vec<OrderSpec>,
    drafted: Vec<Agreement>,
}

/// An order with everything a document needs, drafts merged with their base.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderSpec {
    pub id: Id,
    pub issuer: Id,
    pub number: Option<String>,
    pub date: Option<Date>,
    pub place: String,
    pub title: String,
    pub preamble: String,
    pub decree: DecreeStyle,
    pub clauses: Vec<ClauseText>,
    pub signatory: Id,
    pub signature: Option<Vec<String>>,
    pub appendices: Vec<Appendix>,
    pub profile: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
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

    pub fn roadmap(&self, id: &Id) -> &Roadmap {
        &self.dataset.roadmaps[self.roadmaps[id]].record
    }

    pub fn document(&self, id: &Id) -> &TextDocument {
        &self.dataset.documents[self.documents[id]].record
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

type StepParts<'a> = (&'a str, &'a [String], &'a str, &'a [String]);

/// An event's steps: its own result/due/responsible, or its `steps`.
fn event_steps(e: &crate::model::Event) -> Vec<StepParts<'_>> {
    if e.steps.is_empty() {
        vec![(
            e.result.as_deref().unwrap_or(""),
            &e.items,
            e.due.as_deref().unwrap_or(""),
            &e.responsible,
        )]
    } else {
        e.steps
            .iter()
            .map(|s| {
                (
                    s.result.as_str(),
                    s.items.as_slice(),
                    s.due.as_str(),
                    s.responsible.as_slice(),
                )
            })
            .collect()
    }
}

/// Collects problems for one dataset.
struct Checker<'a> {
    ds: &'a Dataset,
    problems: Problems,
    profiles: &'a [String],
}

impl Checker<'_> {
    fn error(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = self.ds.error_at(origin, field, message);
        self.push(d, origin, field)
    }

    /// An error about a key itself (unknown or missing entries of a mapping).
    fn error_key(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = self.ds.error_at_key(origin, field, message);
        self.push(d, origin, field)
    }

    fn warning(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let mut d = self.ds.error_at(origin, field, message);
        d.severity = crate::diag::Severity::Warning;
        self.push(d, origin, field)
    }

    fn push(&mut self, d: Diagnostic, origin: &Origin, field: &str) -> &mut Diagnostic {
        self.problems
            .push(d.context(format!("record {}, field {}", origin.path, field)));
        self.problems.last_mut().expect("just pushed")
    }

    fn unknown_ref<T>(
        &mut self,
        origin: &Origin,
        field: &str,
        what: &str,
        id: &Id,
        known: &HashMap<Id, T>,
    ) -> bool {
        if known.contains_key(id) {
            return true;
        }
        if self.ds.broken_ids.contains(id.as_str()) {
            // The record exists but failed to load; its own error says why.
            return false;
        }
        let candidates: Vec<&str> = known.keys().map(Id::as_str).collect();
        let hint = did_you_mean(id.as_str(), &candidates).map(|b| format!("did you mean `{b}`?"));
        let d = self.error(origin, field, format!("unknown {what} `{id}`"));
        d.label = format!("no {what} has this id");
        if let Some(hint) = hint {
            d.notes.push(hint);
        }
        false
    }

    fn check_slug(&mut self, origin: &Origin, id: &Id) {
        if !id.is_slug() {
            self.error(
                origin,
                "id",
                format!("id `{id}` is not a slug: use lowercase Latin letters, digits and inner hyphens (at most 64)"),
            )
            .notes
            .push("ids become file names, e.g. `order-1064-a.pdf`".into());
        }
    }

    fn check_profile(&mut self, origin: &Origin, profile: &Option<String>) {
        if let Some(p) = profile
            && !self.profiles.iter().any(|k| k == p)
        {
            let known: Vec<&str> = self.profiles.iter().map(String::as_str).collect();
            let hint = did_you_mean(p, &known);
            let d = self.error(
                origin,
                "profile",
                format!("unknown formatting profile `{p}`"),
            );
            d.notes.push(format!("profiles: {}", known.join(", ")));
            if let Some(h) = hint {
                d.notes.push(format!("did you mean `{h}`?"));
            }
        }
    }
}

/// Indexes records of one kind by id, reporting non-slug and duplicate ids.
fn index<T>(
    checker: &mut Checker,
    what: &str,
    records: &[Loaded<T>],
    id_of: impl Fn(&T) -> &Id,
) -> HashMap<Id, usize> {
    let mut map: HashMap<Id, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let id = id_of(&r.record);
        checker.check_slug(&r.origin, id);
        if let Some(&first) = map.get(id) {
            let first = &records[first].origin;
            let where_first = format!("{} ({})", checker.ds.sources.name(first.file), first.path);
            checker
                .error(&r.origin, "id", format!("duplicate {what} id `{id}`"))
                .notes
                .push(format!("first defined in {where_first}"));
        } else {
            map.insert(id.clone(), i);
        }
    }
    map
}

/// Validates the dataset. The catalog is returned even when there are
/// problems (for `check` to finish); it may only be rendered from when
/// there are no errors.
pub fn validate(dataset: Dataset, profiles: &[String]) -> (Catalog, Problems) {
    let mut c = Checker {
        ds: &dataset,
        problems: Vec::new(),
        profiles,
    };
    let orgs = index(&mut c, "organization", &dataset.organizations, |r| &r.id);
    let issuers = index(&mut c, "issuer", &dataset.issuers, |r| &r.id);
    let clusters = index(&mut c, "cluster", &dataset.clusters, |r| &r.id);
    let agreements = index(&mut c, "agreement", &dataset.agreements, |r| &r.id);
    let roadmaps = index(&mut c, "roadmap", &dataset.roadmaps, |r| &r.id);
    let orders_ix = index(&mut c, "order", &dataset.orders, |r| &r.id);
    let documents = index(&mut c, "document", &dataset.documents, |r| &r.id);

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
        check_roadmap(&mut c, roadmap, &officials);
    }

    let mut orders = Vec::new();
    for order in &dataset.orders {
        if let Some(spec) = resolve_order(&mut c, order, &orders_ix) {
            check_order(
                &mut c, &spec, &issuers, &officials, &clusters, &roadmaps, &documents,
            );
            orders.push(spec);
        }
    }

    let problems = c.problems;
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
        orders,
        dataset,
    };
    (catalog, problems)
}

/// A draft supplementary agreement for every participant of a Tula cluster
/// who joined after the cluster's cooperation agreement and whom no
/// supplementary agreement record admits.
fn draft_supplementary_agreements(ds: &Dataset) -> Vec<Agreement> {
    let mut drafts = Vec::new();
    for base in ds.agreements.iter().map(|a| &a.record) {
        let (AgreementType::Cooperation, Some(base_date)) = (base.kind, base.date) else {
            continue;
        };
        let Some(cluster) = ds
            .clusters
            .iter()
            .map(|c| &c.record)
            .find(|c| c.id == base.cluster)
        else {
            continue;
        };
        if cluster.style != Style::Tula {
            continue;
        }
        let admitted: Vec<&Id> = ds
            .agreements
            .iter()
            .filter(|a| a.record.amends.as_ref() == Some(&base.id))
            .flat_map(|a| a.record.joins.iter())
            .collect();
        for p in &cluster.participants {
            if p.joined > base_date && p.left.is_none() && !admitted.contains(&&p.organization) {
                drafts.push(Agreement {
                    id: Id(format!("{}-joins-{}", base.id, p.organization)),
                    kind: AgreementType::Supplementary,
                    cluster: base.cluster.clone(),
                    number: None,
                    date: None,
                    place: base.place.clone(),
                    parties: None,
                    levels: Vec::new(),
                    valid_until: None,
                    amends: Some(base.id.clone()),
                    joins: vec![p.organization.clone()],
                    protocol: None,
                    profile: base.profile.clone(),
                });
            }
        }
    }
    drafts
}

fn check_organization(c: &mut Checker, org: &Loaded<Organization>) {
    let (o, r) = (&org.origin, &org.record);
    type CheckDigits = fn(&str) -> Result<(), String>;
    let checks: [(&str, &Option<String>, CheckDigits); 3] = [
        ("inn", &r.inn, regnum::check_inn),
        ("ogrn", &r.ogrn, regnum::check_ogrn),
        ("bin", &r.bin, regnum::check_bin),
    ];
    for (field, value, check) in checks {
        if let Some(v) = value
            && let Err(e) = check(v)
        {
            c.error(o, field, e);
        }
    }
    match r.country {
        Country::Ru if r.bin.is_some() => {
            c.error(
                o,
                "bin",
                "БИН is a Kazakh number; a Russian organization has ИНН and ОГРН",
            );
        }
        Country::Kz if r.inn.is_some() || r.ogrn.is_some() => {
            let field = if r.inn.is_some() { "inn" } else { "ogrn" };
            c.error(
                o,
                field,
                "ИНН and ОГРН are Russian numbers; a Kazakh organization has a БИН",
            );
        }
        _ => {}
    }
}

fn check_cluster(c: &mut Checker, cluster: &Loaded<Cluster>, orgs: &HashMap<Id, usize>) {
    let (o, r) = (&cluster.origin, &cluster.record);
    c.check_profile(o, &r.profile);
    for (field, id) in [
        ("operator", &r.operator),
        ("regional_operator", &r.regional_operator),
        ("regional_coordinator", &r.regional_coordinator),
    ] {
        if let Some(id) = id {
            c.unknown_ref(o, field, "organization", id, orgs);
        }
    }
    let mut seen: HashMap<&Id, usize> = HashMap::new();
    for (i, p) in r.participants.iter().enumerate() {
        let field = format!("participants[{i}]");
        c.unknown_ref(
            o,
            &format!("{field}.organization"),
            "organization",
            &p.organization,
            orgs,
        );
        if let Some(first) = seen.insert(&p.organization, i) {
            c.error(
                o,
                &format!("{field}.organization"),
                format!(
                    "`{}` is listed twice among the participants",
                    p.organization
                ),
            )
            .notes
            .push(format!("first listed as participants[{first}]"));
        }
        if let Some(left) = p.left
            && left < p.joined
        {
            c.error(
                o,
                &format!("{field}.left"),
                format!("left the cluster ({left}) before joining it ({})", p.joined),
            );
        }
        if let Some(est) = r.established
            && p.joined < est
        {
            c.error(
                o,
                &format!("{field}.joined"),
                format!(
                    "joined ({}) before the cluster was established ({est})",
                    p.joined
                ),
            );
        }
    }
    if let Some(council) = &r.council {
        for (i, m) in council.members.iter().enumerate() {
            if let Some(id) = &m.organization {
                c.unknown_ref(
                    o,
                    &format!("council.members[{i}].organization"),
                    "organization",
                    id,
                    orgs,
                );
            }
        }
    }
    if let Some(program) = &r.program {
        if program.end - program.start + 1 > 5 {
            c.warning(
                o,
                "program.end",
                format!(
                    "the program runs {} years; p. 4 б plans 3 to 5",
                    program.end - program.start + 1
                ),
            );
        }
        if program.end < program.start {
            c.error(
                o,
                "program.end",
                format!(
                    "the program ends ({}) before it starts ({})",
                    program.end, program.start
                ),
            );
        }
        if r.style == Style::Tula {
            for s in sections::PROGRAM {
                if !s.generated && !program.sections.contains_key(s.key) {
                    c.error_key(
                        o,
                        "program.sections",
                        format!(
                            "the program lacks mandatory section `{}` («{}»)",
                            s.key, s.title
                        ),
                    )
                    .notes
                    .push("a Tula program has the 16 sections of p. 4 б of the regulation".into());
                }
            }
        }
        let keys: Vec<&str> = sections::PROGRAM.iter().map(|s| s.key).collect();
        for key in program.sections.keys() {
            if !keys.contains(&key.as_str()) {
                let hint = did_you_mean(key, &keys);
                let d = c.error_key(
                    o,
                    &format!("program.sections.{key}"),
                    format!("unknown program section `{key}`"),
                );
                if let Some(h) = hint {
                    d.notes.push(format!("did you mean `{h}`?"));
                }
            }
        }
    }
    if r.editions.contains(&Lang::Kk) {
        check_translations(c, cluster, orgs);
    }
}

/// For a Kazakh edition, every text the passport prints needs its `kk`.
fn check_translations(c: &mut Checker, cluster: &Loaded<Cluster>, orgs: &HashMap<Id, usize>) {
    let value = serde_json::to_value(&cluster.record).expect("records serialise");
    let mut missing = Vec::new();
    for key in [
        "name",
        "sector",
        "region",
        "participants",
        "council",
        "passport",
    ] {
        if let Some(v) = value.get(key) {
            find_missing_kk(v, key.to_owned(), &mut missing);
        }
    }
    for path in missing {
        c.error(
            &cluster.origin,
            &path,
            "no Kazakh translation (`kk`) for the Kazakh edition",
        )
        .notes
        .push("write the field as {ru: …, kk: …}".into());
    }
    for p in &cluster.record.participants {
        if let Some(&i) = orgs.get(&p.organization) {
            let org = &c.ds.organizations[i];
            if org.record.name.kk.is_none() {
                let msg = format!(
                    "organization `{}` has no Kazakh name (`kk`), needed by the Kazakh edition of cluster `{}`",
                    org.record.id, cluster.record.id
                );
                c.error(&org.origin, "name", msg);
            }
        }
    }
}

fn find_missing_kk(v: &serde_json::Value, path: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) if m.contains_key("ru") && !m.contains_key("kk") => {
            out.push(path)
        }
        serde_json::Value::Object(m) if m.contains_key("ru") => {}
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                find_missing_kk(v, format!("{path}.{k}"), out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                find_missing_kk(v, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn check_agreement(
    c: &mut Checker,
    agreement: &Loaded<Agreement>,
    orgs: &HashMap<Id, usize>,
    clusters: &HashMap<Id, usize>,
    agreements: &HashMap<Id, usize>,
) {
    let (o, r) = (&agreement.origin, &agreement.record);
    c.check_profile(o, &r.profile);
    if r.number.is_some() != r.date.is_some() {
        let field = if r.number.is_some() { "number" } else { "date" };
        c.error(
            o,
            field,
            "a registered agreement has both a number and a date; a draft has neither",
        );
    }
    if !c.unknown_ref(o, "cluster", "cluster", &r.cluster, clusters) {
        return;
    }
    let cluster = &c.ds.clusters[clusters[&r.cluster]].record;
    if let Some(parties) = &r.parties {
        for (i, p) in parties.iter().enumerate() {
            let field = format!("parties[{i}]");
            if c.unknown_ref(o, &field, "organization", p, orgs)
                && !cluster.participants.iter().any(|x| &x.organization == p)
            {
                c.error(
                    o,
                    &field,
                    format!("`{p}` is not a participant of cluster `{}`", r.cluster),
                );
            }
        }
    }
    if let (Some(date), Some(est)) = (r.date, cluster.established)
        && date < est
    {
        c.error(
            o,
            "date",
            format!("dated {date}, before the cluster was established ({est})"),
        );
    }
    match r.kind {
        AgreementType::Cooperation => {
            if r.levels.is_empty() {
                c.error(o, "levels", "a cooperation agreement chooses at least one level of interaction (а–г of p. 6)");
            }
            if let (Some(date), Some(est)) = (r.date, cluster.established)
                && date.days_since(est) > 30
            {
                c.warning(
                    o,
                    "date",
                    format!("signed {} days after the cluster was established ({est})", date.days_since(est)),
                )
                .notes
                .push("p. 8: the agreement is concluded within 30 calendar days of the operator's decision".into());
            }
            for (field, present) in [
                ("amends", r.amends.is_some()),
                ("joins", !r.joins.is_empty()),
                ("protocol", r.protocol.is_some()),
            ] {
                if present {
                    c.error(
                        o,
                        field,
                        format!("`{field}` belongs to a supplementary agreement"),
                    );
                }
            }
            match (r.valid_until, &cluster.program) {
                (None, _) => {
                    c.error(
                        o,
                        "valid_until",
                        "a cooperation agreement states its term (`valid_until`)",
                    );
                }
                (Some(until), Some(program)) if until < Date::end_of_year(program.end) => {
                    c.error(
                        o,
                        "valid_until",
                        format!(
                            "the agreement ends {until}, before the cluster program does (31.12.{})",
                            program.end
                        ),
                    )
                    .notes
                    .push("p. 12: the term may not be shorter than the program's".into());
                }
                (Some(until), _) => {
                    if let Some(d) = r.date
                        && until < d
                    {
                        c.error(
                            o,
                            "valid_until",
                            format!("the agreement ends ({until}) before it is signed ({d})"),
                        );
                    }
                }
            }
        }
        AgreementType::Supplementary => {
            let Some(amends) = &r.amends else {
                c.error(
                    o,
                    "amends",
                    "a supplementary agreement names the agreement it amends (`amends`)",
                );
                return;
            };
            if r.joins.is_empty() {
                c.error(
                    o,
                    "joins",
                    "a supplementary agreement names the organizations it admits (`joins`)",
                );
            }
            if r.protocol.is_none() {
                c.error(
                    o,
                    "protocol",
                    "the council protocol deciding the admission is required (p. 9)",
                );
            }
            if !c.unknown_ref(o, "amends", "agreement", amends, agreements) {
                return;
            }
            let base = &c.ds.agreements[agreements[amends]].record;
            if base.kind != AgreementType::Cooperation || base.cluster != r.cluster {
                c.error(
                    o,
                    "amends",
                    format!(
                        "`{amends}` is not the cooperation agreement of cluster `{}`",
                        r.cluster
                    ),
                );
            }
            if let (Some(d), Some(bd)) = (r.date, base.date)
                && d < bd
            {
                c.error(
                    o,
                    "date",
                    format!("dated {d}, before the agreement it amends ({bd})"),
                );
            }
            for (i, j) in r.joins.iter().enumerate() {
                let field = format!("joins[{i}]");
                if !c.unknown_ref(o, &field, "organization", j, orgs) {
                    continue;
                }
                match cluster.participants.iter().find(|p| &p.organization == j) {
                    None => {
                        c.error(
                            o,
                            &field,
                            format!("`{j}` is not a participant of cluster `{}`", r.cluster),
                        );
                    }
                    Some(p) => {
                        if base.date.is_some_and(|bd| p.joined <= bd) {
                            c.error(o, &field, format!("`{j}` joined before the agreement was signed and is already a party"));
                        }
                    }
                }
            }
        }
    }
}

fn check_roadmap(
    c: &mut Checker,
    roadmap: &Loaded<Roadmap>,
    officials: &HashMap<Id, (usize, usize)>,
) {
    let (o, r) = (&roadmap.origin, &roadmap.record);
    if r.ends < r.starts {
        c.error(
            o,
            "ends",
            format!(
                "the roadmap ends ({}) before it starts ({})",
                r.ends, r.starts
            ),
        );
    }
    for (i, e) in r.events.iter().enumerate() {
        let ev = format!("events[{i}]");
        let own = e.result.is_some()
            || e.due.is_some()
            || !e.responsible.is_empty()
            || !e.items.is_empty();
        if e.steps.is_empty() {
            for (field, missing) in [
                ("result", e.result.is_none()),
                ("due", e.due.is_none()),
                ("responsible", e.responsible.is_empty()),
            ] {
                if missing {
                    c.error(
                        o,
                        &ev,
                        format!("event {} has no `{field}` (or give `steps`)", i + 1),
                    );
                }
            }
        } else if own {
            c.error(
                o,
                &ev,
                format!(
                    "event {} has both `steps` and its own result/due/responsible",
                    i + 1
                ),
            );
        }
        let steps = event_steps(e);
        for (s, (_, _, due, responsible)) in steps.iter().enumerate() {
            let base = if e.steps.is_empty() {
                ev.clone()
            } else {
                format!("{ev}.steps[{s}]")
            };
            if due.trim().is_empty() {
                c.error(o, &format!("{base}.due"), "the due date is empty");
                continue;
            }
            match Due::parse(due) {
                Err(msg) => {
                    c.error(o, &format!("{base}.due"), msg);
                }
                Ok(d) => {
                    if let Some(first) = d.first()
                        && first < r.starts
                    {
                        c.error(
                            o,
                            &format!("{base}.due"),
                            format!("due {first}, before the roadmap starts ({})", r.starts),
                        );
                    }
                    if let Some(last) = d.last()
                        && last > r.ends
                    {
                        c.error(
                            o,
                            &format!("{base}.due"),
                            format!("due {last}, after the roadmap ends ({})", r.ends),
                        );
                    }
                }
            }
            for (k, name) in responsible.iter().enumerate() {
                let id = Id(name.clone());
                if id.is_slug() {
                    c.unknown_ref(
                        o,
                        &format!("{base}.responsible[{k}]"),
                        "official",
                        &id,
                        officials,
                    );
                }
            }
        }
    }
}

/// An order with its draft base merged in.
fn resolve_order(
    c: &mut Checker,
    order: &Loaded<Order>,
    orders: &HashMap<Id, usize>,
) -> Option<OrderSpec> {
    let (o, r) = (&order.origin, &order.record);
    c.check_profile(o, &r.profile);
    let base = match &r.draft_of {
        None => None,
        Some(id) => {
            if !c.unknown_ref(o, "draft_of", "order", id, orders) {
                return None;
            }
            let base = &c.ds.orders[orders[id]].record;
            if base.draft_of.is_some() {
                c.error(
                    o,
                    "draft_of",
                    format!("`{id}` is itself a draft; name the registered order"),
                );
                return None;
            }
            for (field, present) in [
                ("issuer", r.issuer.is_some()),
                ("number", r.number.is_some()),
                ("date", r.date.is_some()),
                ("title", r.title.is_some()),
                ("preamble", r.preamble.is_some()),
                ("clauses", r.clauses.is_some()),
                ("signatory", r.signatory.is_some()),
                ("signature", r.signature.is_some()),
            ] {
                if present {
                    let msg = match field {
                        "number" | "date" => {
                            format!(
                                "a draft has no `{field}`; remove it (the registered order `{id}` has one)"
                            )
                        }
                        _ => format!(
                            "a draft takes `{field}` from the order it drafts (`{id}`); remove it here"
                        ),
                    };
                    c.error_key(o, field, msg);
                }
            }
            Some(base)
        }
    };
    let from = |f: fn(&Order) -> Option<String>| f(r).or_else(|| base.and_then(f));
    let mut missing = Vec::new();
    let mut need = |name: &'static str, v: Option<String>| {
        if v.is_none() {
            missing.push(name);
        }
        v.unwrap_or_default()
    };
    let issuer = need("issuer", from(|x| x.issuer.as_ref().map(|i| i.0.clone())));
    let title = need("title", from(|x| x.title.clone()));
    let preamble = need("preamble", from(|x| x.preamble.clone()));
    let signatory = need(
        "signatory",
        from(|x| x.signatory.as_ref().map(|i| i.0.clone())),
    );
    let clauses = r
        .clauses
        .clone()
        .or_else(|| base.and_then(|b| b.clauses.clone()));
    if clauses.is_none() {
        missing.push("clauses");
    }
    for m in &missing {
        c.error(o, "id", format!("missing field `{m}`")).label = "this order".into();
    }
    if !missing.is_empty() {
        return None;
    }
    let (number, date) = if base.is_some() {
        (None, None)
    } else {
        (r.number.clone(), r.date)
    };
    if number.is_some() != date.is_some() {
        let field = if number.is_some() { "number" } else { "date" };
        c.error(
            o,
            field,
            "a registered order has both a number and a date; a draft has neither",
        );
    }
    Some(OrderSpec {
        id: r.id.clone(),
        issuer: Id(issuer),
        number,
        date,
        place: r
            .place
            .clone()
            .or_else(|| base.and_then(|b| b.place.clone()))
            .unwrap_or_default(),
        title,
        preamble,
        decree: r
            .decree
            .or_else(|| base.and_then(|b| b.decree))
            .unwrap_or_default(),
        clauses: clauses.unwrap_or_default(),
        signatory: Id(signatory),
        signature: r
            .signature
            .clone()
            .or_else(|| base.and_then(|b| b.signature.clone())),
        appendices: r
            .appendices
            .clone()
            .or_else(|| base.and_then(|b| b.appendices.clone()))
            .unwrap_or_default(),
        profile: r
            .profile
            .clone()
            .or_else(|| base.and_then(|b| b.profile.clone())),
        origin: o.clone(),
    })
}

#[allow(clippy::too_many_arguments)]
fn check_order(
    c: &mut Checker,
    spec: &OrderSpec,
    issuers: &HashMap<Id, usize>,
    officials: &HashMap<Id, (usize, usize)>,
    clusters: &HashMap<Id, usize>,
    roadmaps: &HashMap<Id, usize>,
    documents: &HashMap<Id, usize>,
) {
    let o = &spec.origin;
    if c.unknown_ref(o, "issuer", "issuer", &spec.issuer, issuers)
        && c.unknown_ref(o, "signatory", "official", &spec.signatory, officials)
        && officials[&spec.signatory].0 != issuers[&spec.issuer]
    {
        c.error(
            o,
            "signatory",
            format!(
                "`{}` is not an official of `{}`",
                spec.signatory, spec.issuer
            ),
        );
    }
    if spec.place.is_empty()
        && let Some(&i) = issuers.get(&spec.issuer)
        && c.ds.issuers[i].record.place.is_empty()
    {
        c.error(
            o,
            "place",
            "the order has no place and its issuer none to lend",
        );
    }
    for (i, a) in spec.appendices.iter().enumerate() {
        let field = format!("appendices[{i}]");
        let given = [
            a.roadmap.is_some(),
            a.participants.is_some(),
            a.document.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            c.error(
                o,
                &field,
                "an appendix is exactly one of `roadmap`, `participants`, `document`",
            );
            continue;
        }
        if let Some(id) = &a.roadmap {
            c.unknown_ref(o, &format!("{field}.roadmap"), "roadmap", id, roadmaps);
        }
        if let Some(id) = &a.document {
            c.unknown_ref(o, &format!("{field}.document"), "document", id, documents);
        }
        if let Some(ids) = &a.participants {
            for (k, id) in ids.iter().enumerate() {
                c.unknown_ref(
                    o,
                    &format!("{field}.participants[{k}]"),
                    "cluster",
                    id,
                    clusters,
                );
            }
            if a.title.is_none() {
                c.error(
                    o,
                    &format!("{field}.title"),
                    "a participants list needs a `title`",
                );
            }
        }
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
