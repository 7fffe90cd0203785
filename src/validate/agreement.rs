//! Checks of cooperation and supplementary agreements, and the drafts of
//! supplementary agreements nobody recorded yet.

use std::collections::HashMap;

use super::checker::Checker;
use crate::dates::Date;
use crate::load::{Dataset, Loaded};
use crate::model::{Agreement, AgreementType, Id, Style};

/// A draft supplementary agreement for every participant of a Tula cluster
/// who joined after the cluster's cooperation agreement and whom no
/// supplementary agreement record admits.
pub(super) fn draft_supplementary_agreements(ds: &Dataset) -> Vec<Agreement> {
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

pub(super) fn check_agreement(
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
