//! Participants written as records of their own (the rows of participants
//! tables): each names its cluster (by id or name) and its organization
//! (by id, ИНН or БИН), is checked where it stands, and joins its cluster's
//! participants before the clusters are checked — so passports, orders,
//! agreements and membership reports see one list.

use crate::diag::{Diagnostic, Problems};
use crate::load::{Dataset, Loaded, did_you_mean, record_digest};
use crate::model::{Id, Membership, Participant};

/// Adds every membership that checks out to its cluster; returns the
/// problems of the others.
pub(super) fn merge_memberships(dataset: &mut Dataset) -> Problems {
    let mut problems = Vec::new();
    let mut joins: Vec<(usize, Participant)> = Vec::new();
    for m in &dataset.memberships {
        match resolve(dataset, m, &joins) {
            Ok(join) => joins.push(join),
            Err(d) => problems.push(d),
        }
    }
    let mut touched = Vec::new();
    for (cluster, participant) in joins {
        dataset.clusters[cluster]
            .record
            .participants
            .push(participant);
        touched.push(cluster);
    }
    touched.sort();
    touched.dedup();
    for i in touched {
        let cluster = &mut dataset.clusters[i];
        cluster.digest = record_digest(&cluster.record);
    }
    problems
}

fn resolve(
    ds: &Dataset,
    m: &Loaded<Membership>,
    joins: &[(usize, Participant)],
) -> Result<(usize, Participant), Diagnostic> {
    let (o, r) = (&m.origin, &m.record);
    let wanted = r.cluster.trim();
    let cluster = ds
        .clusters
        .iter()
        .position(|c| c.record.id.0 == wanted || c.record.name.ru.trim() == wanted)
        .ok_or_else(|| {
            let mut names: Vec<&str> = ds.clusters.iter().map(|c| c.record.id.0.as_str()).collect();
            names.extend(ds.clusters.iter().map(|c| c.record.name.ru.as_str()));
            let d = ds.error_at(o, "cluster", format!("unknown cluster «{wanted}»"));
            match did_you_mean(wanted, &names) {
                Some(near) => d.note(format!("did you mean «{near}»?")),
                None => d.note("name the cluster by its id or its name as its record writes it"),
            }
        })?;
    let by_number = |field: &str,
                     number: &Option<String>,
                     of: fn(&crate::model::Organization) -> &Option<String>| {
        number.as_ref().map(|n| {
            ds.organizations
                .iter()
                .find(|org| of(&org.record).as_deref() == Some(n.trim()))
                .map(|org| (org.record.id.clone(), field.to_owned()))
                .ok_or_else(|| {
                    ds.error_at(
                        o,
                        field,
                        format!(
                            "no organization has {} {n}",
                            if field == "inn" { "ИНН" } else { "БИН" }
                        ),
                    )
                    .note("add the organization (to a table of organizations or a YAML file), or correct the number")
                })
        })
    };
    let (organization, field) = match &r.organization {
        Some(id) => {
            if !ds.organizations.iter().any(|org| &org.record.id == id) {
                return Err(ds.error_at(o, "organization", format!("unknown organization `{id}`")));
            }
            (id.clone(), "organization".to_owned())
        }
        None => by_number("inn", &r.inn, |org| &org.inn)
            .or_else(|| by_number("bin", &r.bin, |org| &org.bin))
            .unwrap_or_else(|| {
                Err(ds
                    .error_at(o, "role", "the participant names no organization")
                    .note("give its organization's id, ИНН or БИН"))
            })?,
    };
    if let Some(left) = r.left
        && left < r.joined
    {
        return Err(ds.error_at(
            o,
            "left",
            format!("left the cluster ({left}) before joining it ({})", r.joined),
        ));
    }
    let c = &ds.clusters[cluster];
    if let Some(est) = c.record.established
        && r.joined < est
    {
        return Err(ds.error_at(
            o,
            "joined",
            format!(
                "joined ({}) before the cluster was established ({est})",
                r.joined
            ),
        ));
    }
    let already = c
        .record
        .participants
        .iter()
        .any(|p| p.organization == organization)
        || joins
            .iter()
            .any(|(k, p)| *k == cluster && p.organization == organization);
    if already {
        return Err(ds.error_at(
            o,
            &field,
            format!(
                "`{organization}` is already a participant of cluster `{}`",
                c.record.id
            ),
        ));
    }
    Ok((
        cluster,
        Participant {
            organization: Id(organization.0),
            role: r.role.clone(),
            obligations: r.obligations.clone(),
            joined: r.joined,
            left: r.left,
        },
    ))
}
