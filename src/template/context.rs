//! The context each content template receives: records resolved, texts in
//! the edition's language, people named as documents name them. The wording
//! itself stays in the templates.

use minijinja::value::{Serde, Value};
use serde_json::{Value as Json, json};

use crate::dates::Date;
use crate::diag::Diagnostic;
use crate::ir::{Lang, Meta};
use crate::model::{Appendix, Cluster, OrgKind, Organization, Text};
use crate::plan::{Job, JobKind};
use crate::sections;
use crate::typography::capitalize;
use crate::validate::amendment::{Consolidated, ConsolidatedClause, versions};
use crate::validate::{Catalog, Mark, OrderRef, OrderSpec};

/// What a job needs from its template: the template's name, its context,
/// and the document's metadata.
pub struct Prepared {
    pub template: &'static str,
    pub context: Value,
    pub meta: Meta,
}

/// The job's template, context and metadata; an error only if a record
/// whose body was let go cannot be read again (its file changed).
pub fn prepare(catalog: &Catalog, job: &Job) -> Result<Prepared, Diagnostic> {
    Ok(match &job.kind {
        JobKind::Order(i) => order(catalog, &OrderView::of(&*catalog.order_spec(*i)?))?,
        JobKind::Consolidated(i) => order(catalog, &OrderView::consolidated(catalog, *i))?,
        JobKind::Passport { cluster, lang } => passport(catalog, catalog.cluster(cluster), *lang),
        JobKind::Program { cluster } => program(catalog, catalog.cluster(cluster)),
        JobKind::Agreement { agreement } => agreement_doc(catalog, agreement, "agreement.md.j2"),
        JobKind::Supplementary { agreement } => {
            agreement_doc(catalog, agreement, "supplementary.md.j2")
        }
        JobKind::ProtocolExcerpt { agreement } => {
            agreement_doc(catalog, agreement, "protocol-excerpt.md.j2")
        }
    })
}

/// Replaces every `{ru, kk}` text with the string of the language
/// (Russian where a translation is missing; `check` reports those).
pub fn localize(v: Json, lang: Lang) -> Json {
    match v {
        Json::Object(mut m) if m.contains_key("ru") && m.keys().all(|k| k == "ru" || k == "kk") => {
            let ru = m.remove("ru").unwrap_or(Json::Null);
            match (lang, m.remove("kk")) {
                (Lang::Kk, Some(kk)) => kk,
                _ => ru,
            }
        }
        Json::Object(m) => {
            Json::Object(m.into_iter().map(|(k, v)| (k, localize(v, lang))).collect())
        }
        Json::Array(a) => Json::Array(a.into_iter().map(|v| localize(v, lang)).collect()),
        other => other,
    }
}

fn tr(t: &Text, lang: Lang) -> String {
    t.get(lang).unwrap_or(&t.ru).to_owned()
}

/// «Иванов Иван Иванович» → «И. И. Иванов».
pub fn initials_first(full_name: &str) -> String {
    let parts: Vec<&str> = full_name.split_whitespace().collect();
    match parts.as_slice() {
        [surname, rest @ ..] if !rest.is_empty() => {
            let initials: Vec<String> = rest
                .iter()
                .filter_map(|p| p.chars().next())
                .map(|c| format!("{c}."))
                .collect();
            format!("{} {surname}", initials.join(" "))
        }
        _ => full_name.to_owned(),
    }
}

/// «действующего» or «действующей», by the patronymic of the head's full
/// name (Russian «-вна/-чна», Kazakh «-қызы/-кызы» are feminine).
pub fn acting(full_name: &str) -> &'static str {
    let patronymic = full_name.split_whitespace().nth(2).unwrap_or("");
    if patronymic.ends_with("вна")
        || patronymic.ends_with("чна")
        || patronymic.ends_with("кызы")
        || patronymic.ends_with("қызы")
    {
        "действующей"
    } else {
        "действующего"
    }
}

/// An organization as a party or participant is printed.
fn org_json(org: &Organization, lang: Lang) -> Json {
    let name = tr(&org.name, lang);
    let short = org
        .short_name
        .as_ref()
        .map_or_else(|| name.clone(), |s| tr(s, lang));
    let mut requisites = Vec::new();
    match (&org.inn, &org.kpp) {
        (Some(inn), Some(kpp)) => requisites.push(format!("ИНН/КПП {inn}/{kpp}")),
        (Some(inn), None) => requisites.push(format!("ИНН {inn}")),
        _ => {}
    }
    if let Some(ogrn) = &org.ogrn {
        requisites.push(format!("ОГРН {ogrn}"));
    }
    if let Some(bin) = &org.bin {
        requisites.push(format!("БИН {bin}"));
    }
    let (address_label, phone_label) = match lang {
        Lang::Ru => ("Адрес", "Тел."),
        Lang::Kk => ("Мекенжайы", "Тел."),
    };
    if let Some(a) = &org.address {
        requisites.push(format!("{address_label}: {}", tr(a, lang)));
    }
    if let Some(c) = &org.contacts {
        if let Some(p) = &c.phone {
            requisites.push(format!("{phone_label}: {p}"));
        }
        if let Some(e) = &c.email {
            requisites.push(format!("E-mail: {e}"));
        }
    }
    let head = org.head.as_ref();
    json!({
        "id": org.id,
        "name": name,
        "short_name": short,
        "kind": org.kind.title(lang),
        "region": org.region.as_ref().map(|r| tr(r, lang)),
        "requisites": requisites,
        "head_position": head.map(|h| tr(&h.position, lang)),
        "head_name": head.map(|h| h.name.clone()),
        "signer": head.map(|h| initials_first(&h.name)),
        "in_person_of": head.and_then(|h| h.in_person_of.as_ref()).map(|t| tr(t, lang)),
        "acting": head.map_or("действующего", |h| acting(&h.name)),
        "basis": head.and_then(|h| h.basis.as_ref()).map_or_else(|| "Устава".to_owned(), |t| tr(t, lang)),
    })
}

/// The membership history of a cluster as passport revisions: the first
/// revision is the founding composition, each later date on which someone
/// joined or left makes a new one. Derived from the record alone, so the
/// revision number survives a clean clone.
pub fn revisions(catalog: &Catalog, cluster: &Cluster, lang: Lang) -> Vec<Json> {
    let mut dates: Vec<Date> = cluster
        .participants
        .iter()
        .flat_map(|p| std::iter::once(p.joined).chain(p.left))
        .collect();
    dates.sort();
    dates.dedup();
    let name = |id: &crate::model::Id| {
        let org = catalog.org(id);
        tr(org.short_name.as_ref().unwrap_or(&org.name), lang)
    };
    dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let joined: Vec<String> = cluster
                .participants
                .iter()
                .filter(|p| p.joined == *d)
                .map(|p| name(&p.organization))
                .collect();
            let left: Vec<String> = cluster
                .participants
                .iter()
                .filter(|p| p.left == Some(*d))
                .map(|p| name(&p.organization))
                .collect();
            json!({ "number": i + 1, "date": d, "initial": i == 0, "joined": joined, "left": left })
        })
        .collect()
}

/// The date a cluster's data is as of: its latest membership change.
pub fn cluster_as_of(cluster: &Cluster) -> Option<Date> {
    cluster
        .participants
        .iter()
        .flat_map(|p| std::iter::once(p.joined).chain(p.left))
        .chain(cluster.established)
        .max()
}

/// Participants on a date (today's members without one), of the given
/// kinds (all kinds if none are given).
fn participants_json(
    catalog: &Catalog,
    cluster: &Cluster,
    on: Option<Date>,
    kinds: &[OrgKind],
    lang: Lang,
) -> Vec<Json> {
    cluster
        .participants
        .iter()
        .filter(|p| match on {
            Some(d) => p.member_on(d),
            None => p.left.is_none(),
        })
        .filter(|p| kinds.is_empty() || kinds.contains(&catalog.org(&p.organization).kind))
        .map(|p| {
            let mut o = org_json(catalog.org(&p.organization), lang);
            o["role"] = json!(tr(&p.role, lang));
            o["obligations"] = json!(
                p.obligations
                    .iter()
                    .map(|t| tr(t, lang))
                    .collect::<Vec<_>>()
            );
            o["joined"] = json!(p.joined);
            o
        })
        .collect()
}

fn cluster_json(catalog: &Catalog, cluster: &Cluster, lang: Lang) -> Json {
    let mut c = localize(
        serde_json::to_value(cluster).expect("records serialise"),
        lang,
    );
    let org = |id: &Option<crate::model::Id>| id.as_ref().map(|i| org_json(catalog.org(i), lang));
    c["operator"] = json!(org(&cluster.operator));
    c["regional_operator"] = json!(org(&cluster.regional_operator));
    c["regional_coordinator"] = json!(org(&cluster.regional_coordinator));
    if let (Some(council), Some(members)) = (&cluster.council, c.pointer_mut("/council/members")) {
        for (m, rec) in members
            .as_array_mut()
            .into_iter()
            .flatten()
            .zip(&council.members)
        {
            m["organization"] = json!(rec.organization.as_ref().map(|o| {
                tr(
                    &catalog
                        .org(o)
                        .short_name
                        .clone()
                        .unwrap_or_else(|| catalog.org(o).name.clone()),
                    lang,
                )
            }));
            m["initials"] = json!(initials_first(&rec.name));
        }
    }
    c
}

/// An order as its document shows it: as registered (with the marks of an
/// amending order's appendices), or as its amendments left it.
struct OrderView<'a> {
    spec: &'a OrderSpec,
    clauses: Vec<ConsolidatedClause>,
    appendices: Vec<AppendixView<'a>>,
    /// The amending orders applied, for a consolidated version.
    consolidated: Option<&'a Consolidated>,
}

/// One appendix of an order's document.
struct AppendixView<'a> {
    appendix: &'a Appendix,
    /// The day a participants list is drawn up as of.
    as_of: Option<Date>,
    /// «(в ред. приказа …)» in a consolidated version.
    note: Option<&'a str>,
    /// The mark the appendix has in the order an amending order restates
    /// it from.
    restates: Option<Mark>,
}

impl<'a> OrderView<'a> {
    fn of(spec: &'a OrderSpec) -> OrderView<'a> {
        assert!(
            !spec.released,
            "order {} is worded from its whole record",
            spec.id
        );
        let marks = spec.amendment.as_ref().map(|a| &a.marks);
        OrderView {
            spec,
            clauses: spec.clauses.iter().map(ConsolidatedClause::from).collect(),
            appendices: spec
                .appendices
                .iter()
                .enumerate()
                .map(|(i, a)| AppendixView {
                    appendix: a,
                    as_of: spec.date,
                    note: None,
                    restates: marks.and_then(|m| m.get(i).copied()),
                })
                .collect(),
            consolidated: None,
        }
    }

    fn consolidated(catalog: &'a Catalog, index: usize) -> OrderView<'a> {
        let version = &catalog.consolidated[index];
        OrderView {
            spec: &catalog.orders[version.order],
            clauses: version.clauses.clone(),
            appendices: version
                .appendices
                .iter()
                .map(|a| AppendixView {
                    appendix: &a.appendix,
                    as_of: a.as_of,
                    note: a.note.as_deref(),
                    restates: None,
                })
                .collect(),
            consolidated: Some(version),
        }
    }
}

/// The lines of an appendix's mark: «Приложение 2 / к приказу … / от … № …»
/// or «УТВЕРЖДЕН / приказом … / от … № …».
fn mark_lines(mark: Mark, approved_word: &str, order: &OrderRef) -> Vec<String> {
    let registered = format!("от {} № {}", order.date, order.number);
    if mark.approved {
        vec![
            approved_word.to_owned(),
            format!("приказом {}", order.issuer_genitive),
            registered,
        ]
    } else {
        let number = if mark.numbered {
            format!(" {}", mark.number)
        } else {
            String::new()
        };
        vec![
            format!("Приложение{number}"),
            format!("к приказу {}", order.issuer_genitive),
            registered,
        ]
    }
}

fn appendix_json(
    catalog: &Catalog,
    view: &AppendixView,
    number: Option<usize>,
    amended: Option<&OrderRef>,
) -> Result<Json, Diagnostic> {
    let a = view.appendix;
    let mut j = json!({
        "number": number,
        "approved": a.approved,
        "title": a.title,
        "note": view.note,
    });
    if let Some(id) = &a.roadmap {
        let r = catalog.roadmap(id)?;
        j["kind"] = json!("roadmap");
        j["title"] = json!(a.title.clone().unwrap_or_else(|| r.title.clone()));
        j["events"] = serde_json::to_value(catalog.roadmap_events(&r)).expect("events serialise");
        j["approved_word"] = json!("УТВЕРЖДЕНА");
    }
    if let Some(id) = &a.document {
        let d = catalog.document(id)?;
        j["kind"] = json!("document");
        j["title"] = json!(a.title.clone().unwrap_or_else(|| d.title.clone()));
        j["text"] = json!(d.text);
        j["approved_word"] = json!(d.gender.approved());
    }
    if let Some(ids) = &a.participants {
        j["kind"] = json!("participants");
        j["approved_word"] = json!("УТВЕРЖДЕН");
        j["clusters"] = ids
            .iter()
            .map(|c| {
                let cluster = catalog.cluster(c);
                let rows = participants_json(catalog, cluster, view.as_of, &a.kinds, Lang::Ru);
                json!({ "name": tr(&cluster.name, Lang::Ru), "participants": rows })
            })
            .collect();
    }
    // The restated appendix opens with its original mark in quotes.
    j["restates"] = json!(view.restates.zip(amended).map(|(mark, order)| {
        let word = j["approved_word"].as_str().unwrap_or_default();
        let mut lines = mark_lines(mark, word, order);
        lines[0].insert(0, '«');
        lines
    }));
    Ok(j)
}

fn order(catalog: &Catalog, view: &OrderView) -> Result<Prepared, Diagnostic> {
    let spec = view.spec;
    let issuer = catalog.issuer(&spec.issuer);
    let official = catalog.official(&spec.signatory);
    let letterhead = if issuer.letterhead.is_empty() {
        vec![issuer.name.to_uppercase()]
    } else {
        issuer.letterhead.clone()
    };
    let position = spec.signature.clone().unwrap_or_else(|| {
        if official.signature.is_empty() {
            vec![official.position.clone()]
        } else {
            official.signature.clone()
        }
    });
    let numbered = view.appendices.len() > 1;
    let amended = spec.amendment.as_ref().map(|a| &a.amended);
    let appendices: Vec<Json> = view
        .appendices
        .iter()
        .enumerate()
        .map(|(i, a)| appendix_json(catalog, a, numbered.then_some(i + 1), amended))
        .collect::<Result<_, _>>()?;
    let consolidated = view
        .consolidated
        .map(|v| json!({ "as_of": v.as_of, "versions": versions(&v.by) }));
    let context = json!({
        "order": {
            "id": spec.id,
            "number": spec.number,
            "date": spec.date,
            "place": if spec.place.is_empty() { issuer.place.clone() } else { spec.place.clone() },
            "title": spec.title,
            "preamble": spec.preamble,
            "decree": spec.decree,
            "clauses": view.clauses,
        },
        "consolidated": consolidated,
        "issuer": {
            "name": issuer.name,
            "name_genitive": issuer.name_genitive,
            "letterhead": letterhead,
        },
        "signer": { "position": position, "name": official.initials_surname() },
        "appendices": appendices,
    });
    let (kind, kind_title, number, date) = match view.consolidated {
        // A reference copy: no number or date of its own.
        Some(v) => (
            "order-consolidated",
            "Приказ (сводная редакция)",
            None,
            Some(v.as_of),
        ),
        None => ("order", "Приказ", spec.number.clone(), spec.date),
    };
    Ok(Prepared {
        template: "order.md.j2",
        context: Value::from(Serde(&context)),
        meta: Meta {
            kind: kind.into(),
            kind_title: kind_title.into(),
            title: spec.title.clone(),
            number,
            date,
            lang: Lang::Ru,
            author: capitalize(&issuer.name),
        },
    })
}

fn passport(catalog: &Catalog, cluster: &Cluster, lang: Lang) -> Prepared {
    let as_of = cluster_as_of(cluster);
    let titles: Vec<Json> = sections::PASSPORT
        .iter()
        .map(|s| json!({ "key": s.key, "title": if lang == Lang::Kk { s.title_kk } else { s.title } }))
        .collect();
    let mut years: Vec<String> = cluster
        .passport
        .iter()
        .flat_map(|p| p.kpis.iter().flat_map(|k| k.targets.keys()))
        .map(i32::to_string)
        .collect();
    years.sort();
    years.dedup();
    let context = json!({
        "cluster": cluster_json(catalog, cluster, lang),
        "participants": participants_json(catalog, cluster, None, &[], lang),
        "sections": titles,
        "years": years,
        "as_of": as_of,
        "revisions": revisions(catalog, cluster, lang),
    });
    let name = tr(&cluster.name, lang);
    Prepared {
        template: "passport.md.j2",
        context: Value::from(Serde(&context)),
        meta: Meta {
            kind: "passport".into(),
            kind_title: match lang {
                Lang::Ru => "Паспорт кластера".into(),
                Lang::Kk => "Кластер паспорты".into(),
            },
            title: name,
            number: None,
            date: as_of,
            lang,
            author: cluster
                .operator
                .as_ref()
                .map_or_else(String::new, |o| tr(&catalog.org(o).name, lang)),
        },
    }
}

fn program(catalog: &Catalog, cluster: &Cluster) -> Prepared {
    let program = cluster
        .program
        .as_ref()
        .expect("planned only for clusters with a program");
    let sections: Vec<Json> = sections::PROGRAM
        .iter()
        .map(|s| json!({ "key": s.key, "title": s.title, "text": program.sections.get(s.key).cloned().unwrap_or_default() }))
        .collect();
    let title = program.title.as_ref().map_or_else(
        || format!("Программа деятельности {}", tr(&cluster.name, Lang::Ru)),
        |t| tr(t, Lang::Ru),
    );
    let context = json!({
        "cluster": cluster_json(catalog, cluster, Lang::Ru),
        "participants": participants_json(catalog, cluster, None, &[], Lang::Ru),
        "program": {
            "title": title,
            "start": program.start,
            "end": program.end,
            "approved": program.approved,
            "sections": sections,
        },
    });
    Prepared {
        template: "program.md.j2",
        context: Value::from(Serde(&context)),
        meta: Meta {
            kind: "program".into(),
            kind_title: "Программа деятельности кластера".into(),
            title,
            number: None,
            date: program.approved.as_ref().map(|p| p.date),
            lang: Lang::Ru,
            author: cluster
                .operator
                .as_ref()
                .map_or_else(String::new, |o| tr(&catalog.org(o).name, Lang::Ru)),
        },
    }
}

fn agreement_doc(catalog: &Catalog, id: &crate::model::Id, template: &'static str) -> Prepared {
    let a = catalog.agreement(id);
    let cluster = catalog.cluster(&a.cluster);
    let parties: Vec<Json> = catalog
        .agreement_parties(a)
        .iter()
        .map(|p| org_json(catalog.org(p), Lang::Ru))
        .collect();
    let levels: Vec<Json> = a
        .levels
        .iter()
        .map(|l| {
            let (letter, text) = sections::LEVELS[*l as usize];
            json!({ "letter": letter, "text": text })
        })
        .collect();
    let base = a.amends.as_ref().map(|b| {
        let b = catalog.agreement(b);
        json!({ "number": b.number, "date": b.date, "parties": catalog.agreement_parties(b).len() })
    });
    let joins: Vec<Json> = a
        .joins
        .iter()
        .map(|o| {
            let mut j = org_json(catalog.org(o), Lang::Ru);
            if let Some(p) = cluster.participants.iter().find(|p| &p.organization == o) {
                j["obligations"] = json!(
                    p.obligations
                        .iter()
                        .map(|t| tr(t, Lang::Ru))
                        .collect::<Vec<_>>()
                );
                j["joined"] = json!(p.joined);
            }
            j
        })
        .collect();
    let council = cluster.council.as_ref().map(|c| {
        let find = |prefix: &str| {
            c.members
                .iter()
                .find(|m| m.role.ru.to_lowercase().starts_with(prefix))
                .map(|m| json!({ "name": m.name, "initials": initials_first(&m.name), "position": tr(&m.position, Lang::Ru) }))
        };
        json!({
            "name": c.name.as_ref().map(|n| tr(n, Lang::Ru)),
            "members": c.members.iter().map(|m| json!({ "name": m.name, "position": tr(&m.position, Lang::Ru), "role": tr(&m.role, Lang::Ru) })).collect::<Vec<_>>(),
            "chair": find("председатель"),
            "secretary": find("секретарь"),
        })
    });
    let program = cluster.program.as_ref().map(|p| json!({ "start": p.start, "end": p.end, "title": p.title.as_ref().map(|t| tr(t, Lang::Ru)) }));
    let context = json!({
        "agreement": {
            "number": a.number,
            "date": a.date,
            "place": a.place,
            "valid_until": a.valid_until,
            "levels": levels,
            "protocol": a.protocol,
        },
        "base": base,
        "joins": joins,
        "cluster": cluster_json(catalog, cluster, Lang::Ru),
        "parties": parties,
        "program": program,
        "council": council,
    });
    let (kind, kind_title, title) = match template {
        "agreement.md.j2" => (
            "agreement",
            "Соглашение о сотрудничестве",
            format!(
                "Соглашение о сотрудничестве в рамках {}",
                tr(&cluster.name, Lang::Ru)
            ),
        ),
        "supplementary.md.j2" => (
            "supplementary-agreement",
            "Дополнительное соглашение",
            format!(
                "Дополнительное соглашение № {} к соглашению о сотрудничестве",
                a.number.clone().unwrap_or_else(|| "_____".into())
            ),
        ),
        _ => (
            "protocol-excerpt",
            "Выписка из протокола",
            format!(
                "Выписка из протокола заседания отраслевого совета {}",
                tr(&cluster.name, Lang::Ru)
            ),
        ),
    };
    let (number, date) = match template {
        "protocol-excerpt.md.j2" => (
            a.protocol.as_ref().map(|p| p.number.clone()),
            a.protocol.as_ref().map(|p| p.date),
        ),
        _ => (a.number.clone(), a.date),
    };
    Prepared {
        template,
        context: Value::from(Serde(&context)),
        meta: Meta {
            kind: kind.into(),
            kind_title: kind_title.into(),
            title,
            number,
            date,
            lang: Lang::Ru,
            author: cluster
                .operator
                .as_ref()
                .map_or_else(String::new, |o| tr(&catalog.org(o).name, Lang::Ru)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acting_agrees_with_the_head() {
        assert_eq!(acting("Соколова Марина Александровна"), "действующей");
        assert_eq!(acting("Климов Сергей Петрович"), "действующего");
        assert_eq!(acting("Сериков Ержан"), "действующего");
    }

    #[test]
    fn initials() {
        assert_eq!(initials_first("Иванов Иван Иванович"), "И. И. Иванов");
        assert_eq!(initials_first("Иванов"), "Иванов");
    }

    #[test]
    fn localize_picks_the_language() {
        let v =
            json!({"name": {"ru": "Кластер", "kk": "Кластер kk"}, "list": [{"ru": "а"}], "n": 1});
        assert_eq!(
            localize(v.clone(), Lang::Kk),
            json!({"name": "Кластер kk", "list": ["а"], "n": 1})
        );
        assert_eq!(
            localize(v, Lang::Ru),
            json!({"name": "Кластер", "list": ["а"], "n": 1})
        );
    }
}
