//! Checks of clusters: participants, council, program sections, Kazakh
//! translations.

use std::collections::HashMap;

use super::checker::Checker;
use super::markdown::check_markdown;
use crate::ir::Lang;
use crate::load::{Loaded, did_you_mean};
use crate::model::{Cluster, Id, Style};
use crate::sections;

pub(super) fn check_cluster(c: &mut Checker, cluster: &Loaded<Cluster>, orgs: &HashMap<Id, usize>) {
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
        for (key, text) in &program.sections {
            check_markdown(c, o, &format!("program.sections.{key}"), text);
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
