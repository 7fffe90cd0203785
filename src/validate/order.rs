//! Orders: drafts merged with the order they draft, and their checks.

use std::collections::HashMap;

use super::checker::Checker;
use crate::dates::Date;
use crate::load::{Loaded, Origin};
use crate::model::{Appendix, ClauseText, DecreeStyle, Id, MAX_CLAUSE_DEPTH, Order};

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
