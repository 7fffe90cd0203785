//! Orders: drafts merged with the order they draft, and their checks.

use std::collections::HashMap;

use super::checker::Checker;
use crate::dates::Date;
use crate::load::{Loaded, Origin};
use crate::model::{Amends, Appendix, ClauseText, DecreeStyle, Id, MAX_CLAUSE_DEPTH, Order};

/// A registered order as others refer to it: «приказ министерства …
/// от 26.09.2022 № 1064-а «Об …»».
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderRef {
    pub id: Id,
    pub issuer_genitive: String,
    pub number: String,
    pub date: Date,
    pub title: String,
}

impl OrderRef {
    /// «приказа министерства образования Приморского края от 14.03.2023 № 312-а».
    pub fn genitive(&self) -> String {
        format!(
            "приказа {} от {} № {}",
            self.issuer_genitive, self.date, self.number
        )
    }

    /// «приказом министерства … от 14.03.2023 № 312-а».
    pub fn instrumental(&self) -> String {
        format!(
            "приказом {} от {} № {}",
            self.issuer_genitive, self.date, self.number
        )
    }
}

/// What an amending order's changes resolved to.
#[derive(Debug, Clone)]
pub struct Amendment {
    pub amended: OrderRef,
    /// For each appendix of the amending order, the mark it has in the
    /// amended order (the appendix it restates or adds).
    pub marks: Vec<Mark>,
}

/// An appendix's mark in the order it belongs to: «Приложение 2 к приказу …»
/// or «УТВЕРЖДЕНА приказом …».
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub number: usize,
    /// Whether the order has several appendices (a lone one is unnumbered).
    pub numbered: bool,
    /// An approval stamp rather than an appendix mark.
    pub approved: bool,
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
    /// The registered order a draft is drawn from.
    pub draft_of: Option<Id>,
    /// The preamble and clauses were let go after the checks (a build of
    /// thousands of orders keeps none of them): `Catalog::order_spec`
    /// gives the order whole.
    #[serde(skip)]
    pub released: bool,
    /// The changes an amending order makes, as written.
    #[serde(skip)]
    pub amends: Option<Amends>,
    /// What an amending order's changes resolved to (`amendment.rs`).
    #[serde(skip)]
    pub amendment: Option<Box<Amendment>>,
    #[serde(skip)]
    pub origin: Origin,
}

/// An order with its draft base merged in.
pub(super) fn resolve_order(
    c: &mut Checker,
    order: &Loaded<Order>,
    orders: &HashMap<Id, usize>,
) -> Option<OrderSpec> {
    let (o, r) = (&order.origin, &order.record);
    c.check_profile(o, &r.profile);
    if let Some(clauses) = &r.clauses {
        check_clause_depth(c, o, clauses, "clauses", 1);
    }
    let ds = c.ds;
    let base_record = match &r.draft_of {
        Some(id) if c.unknown_ref(o, "draft_of", "order", id, orders) => {
            Some(c.body(&ds.orders[orders[id]])?)
        }
        Some(_) => return None,
        None => None,
    };
    let base = match &r.draft_of {
        None => None,
        Some(id) => {
            let base = &base_record.as_ref()?.record;
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
    let amends = r
        .amends
        .clone()
        .or_else(|| base.and_then(|b| b.amends.clone()));
    let mut missing = Vec::new();
    let mut need = |name: &'static str, v: Option<String>| {
        if v.is_none() {
            missing.push(name);
        }
        v.unwrap_or_default()
    };
    let issuer = need("issuer", from(|x| x.issuer.as_ref().map(|i| i.0.clone())));
    // An amending order's title and first clause come from its changes.
    let title = match from(|x| x.title.clone()) {
        None if amends.is_some() => String::new(),
        title => need("title", title),
    };
    let preamble = need("preamble", from(|x| x.preamble.clone()));
    let signatory = need(
        "signatory",
        from(|x| x.signatory.as_ref().map(|i| i.0.clone())),
    );
    let clauses = r
        .clauses
        .clone()
        .or_else(|| base.and_then(|b| b.clauses.clone()));
    if clauses.is_none() && amends.is_none() {
        missing.push("clauses");
    }
    if amends.is_some() && r.appendices.is_some() {
        c.error_key(
            o,
            "appendices",
            "the appendices of an amending order come from its changes (`restate_appendix`, `add_appendix`)",
        );
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
        // An amending order's appendices are set from its changes.
        appendices: if amends.is_some() {
            Vec::new()
        } else {
            r.appendices
                .clone()
                .or_else(|| base.and_then(|b| b.appendices.clone()))
                .unwrap_or_default()
        },
        profile: r
            .profile
            .clone()
            .or_else(|| base.and_then(|b| b.profile.clone())),
        draft_of: r.draft_of.clone(),
        released: false,
        amends,
        amendment: None,
        origin: o.clone(),
    })
}

impl OrderSpec {
    /// Lets go of the preamble and clauses (see `released`).
    pub(super) fn release(&mut self) {
        self.preamble = String::new();
        self.clauses = Vec::new();
        self.released = true;
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn check_order(
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
    let known = Known {
        clusters,
        roadmaps,
        documents,
    };
    for (i, a) in spec.appendices.iter().enumerate() {
        check_appendix(c, o, &format!("appendices[{i}]"), a, &known);
    }
}

/// The records an appendix may name.
pub(super) struct Known<'a> {
    pub clusters: &'a HashMap<Id, usize>,
    pub roadmaps: &'a HashMap<Id, usize>,
    pub documents: &'a HashMap<Id, usize>,
}

/// An appendix names exactly one of a roadmap, participants or a document,
/// each known; a participants list has a title. Returns whether it does.
pub(super) fn check_appendix(
    c: &mut Checker,
    o: &Origin,
    field: &str,
    a: &Appendix,
    known: &Known,
) -> bool {
    let given = [
        a.roadmap.is_some(),
        a.participants.is_some(),
        a.document.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        c.error(
            o,
            field,
            "an appendix is exactly one of `roadmap`, `participants`, `document`",
        );
        return false;
    }
    let mut fine = true;
    if let Some(id) = &a.roadmap {
        fine &= c.unknown_ref(
            o,
            &format!("{field}.roadmap"),
            "roadmap",
            id,
            known.roadmaps,
        );
    }
    if let Some(id) = &a.document {
        fine &= c.unknown_ref(
            o,
            &format!("{field}.document"),
            "document",
            id,
            known.documents,
        );
    }
    if let Some(ids) = &a.participants {
        for (k, id) in ids.iter().enumerate() {
            fine &= c.unknown_ref(
                o,
                &format!("{field}.participants[{k}]"),
                "cluster",
                id,
                known.clusters,
            );
        }
        if a.title.is_none() {
            c.error(
                o,
                &format!("{field}.title"),
                "a participants list needs a `title`",
            );
            fine = false;
        }
    }
    fine
}

/// Clauses nest at most [`MAX_CLAUSE_DEPTH`] levels («1.1.1.»): deeper ones
/// are refused where they start rather than printed in a way no order is.
fn check_clause_depth(
    c: &mut Checker,
    o: &Origin,
    clauses: &[ClauseText],
    path: &str,
    depth: usize,
) {
    for (i, clause) in clauses.iter().enumerate() {
        if clause.clauses.is_empty() {
            continue;
        }
        let inner = format!("{path}[{i}].clauses");
        if depth == MAX_CLAUSE_DEPTH {
            c.error_key(
                o,
                &inner,
                format!("clauses nest at most {MAX_CLAUSE_DEPTH} levels deep («1.1.1.»); this would be a fourth"),
            )
            .notes
            .push("make these clauses sub-clauses of their parent's parent, or write them into its text".into());
        } else {
            check_clause_depth(c, o, &clause.clauses, &inner, depth + 1);
        }
    }
}
