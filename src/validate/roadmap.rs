//! Checks of roadmaps: events, due dates, responsible officials; those
//! that need no other record also while a roadmap is loaded.

use std::collections::HashMap;

use super::checker::Checker;
use super::text::surely_fine;
use crate::dates::Due;
use crate::load::{Dataset, Origin};
use crate::model::{Id, Roadmap};

pub(super) type StepParts<'a> = (&'a str, &'a [String], &'a str, &'a [String]);

/// An event's steps: its own result/due/responsible, or its `steps`.
pub(super) fn event_steps(e: &crate::model::Event) -> Vec<StepParts<'_>> {
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

/// The checks of a roadmap that need no other record, run while it is
/// loaded (see [`crate::load::Precheck`]; `json` is the roadmap as JSON):
/// the officials it names, if the checks and the texts' quick look find
/// nothing; `None` sends it to its whole check in [`super::validate`],
/// which says what is wrong.
pub fn precheck_roadmap(
    ds: &Dataset,
    origin: &Origin,
    r: &Roadmap,
    json: &str,
) -> Option<Box<[Id]>> {
    if !surely_fine(json) {
        return None;
    }
    let mut names: Vec<Id> = r
        .events
        .iter()
        .flat_map(event_steps)
        .flat_map(|(_, _, _, responsible)| responsible)
        .map(|name| Id(name.clone()))
        .filter(Id::is_slug)
        .collect();
    names.sort();
    names.dedup();
    // Every name taken as an official's here; whether they are is for
    // `validate`, which knows every issuer.
    let officials: HashMap<Id, (usize, usize)> =
        names.iter().map(|n| (n.clone(), (0, 0))).collect();
    let mut c = Checker {
        ds,
        problems: Vec::new(),
        profiles: &[],
        unprintable: Default::default(),
    };
    check_roadmap(&mut c, origin, r, &officials);
    c.problems.is_empty().then(|| names.into_boxed_slice())
}

pub(super) fn check_roadmap(
    c: &mut Checker,
    o: &Origin,
    r: &Roadmap,
    officials: &HashMap<Id, (usize, usize)>,
) {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::precheck_roadmap;
    use crate::load::{LoadCache, load_dataset_with};
    use crate::model::Id;
    use crate::validate::validate;

    const ISSUER: &str = "issuer:\n  id: minobr\n  name: министерство\n  name_genitive: министерства\n  place: г. Владивосток\n  officials:\n    - {id: ivanova, surname: Иванова, initials: А. А., position: министр}\n";

    fn roadmap(ends: &str, responsible: &str, result: &str) -> String {
        format!(
            "roadmap:\n  id: rm\n  title: Дорожная карта\n  starts: 01.09.2022\n  ends: {ends}\n  events:\n    - {{action: Совещание, result: {result}, due: до 15.09.2022, responsible: {responsible}}}\n    - {{action: Семинар, result: Справка, due: до 15.10.2022, responsible: [ivanova]}}\n"
        )
    }

    /// A data folder of a roadmap and, after it, the issuer of its officials.
    fn folder(roadmap: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a-roadmap.yaml"), roadmap).unwrap();
        std::fs::write(dir.path().join("b-issuer.yaml"), ISSUER).unwrap();
        dir
    }

    fn prechecked(dir: &Path) -> Option<Vec<Id>> {
        let mut cache = LoadCache::new(false).with_precheck(precheck_roadmap);
        let (ds, problems) = load_dataset_with(dir, &mut cache);
        assert!(problems.is_empty(), "{problems:?}");
        ds.roadmaps[0].prechecked().map(<[Id]>::to_vec)
    }

    #[test]
    fn a_roadmap_passes_its_own_checks_with_the_officials_it_names() {
        let fine = folder(&roadmap(
            "31.08.2023",
            "[ivanova, petrov, Руководители ОО]",
            "Протокол",
        ));
        let names = prechecked(fine.path()).expect("prechecked");
        assert_eq!(names, [Id("ivanova".into()), Id("petrov".into())]);
        // Its own problem, or a text no font prints: the whole check says.
        let ends_early = folder(&roadmap("31.08.2022", "[ivanova]", "Протокол"));
        assert_eq!(prechecked(ends_early.path()), None);
        let unprintable = folder(&roadmap("31.08.2023", "[ivanova]", "سلام"));
        assert_eq!(prechecked(unprintable.path()), None);
    }

    #[test]
    fn a_prechecked_roadmap_is_not_parsed_again_unless_a_name_is_unknown() {
        for (responsible, precheck, read_again) in [
            ("[ivanova]", true, false),
            ("[ivanova]", false, true),
            ("[petrov]", true, true),
        ] {
            let dir = folder(&roadmap("31.08.2023", responsible, "Протокол"));
            let mut cache = LoadCache::new(false);
            if precheck {
                cache = cache.with_precheck(precheck_roadmap);
            }
            let (ds, problems) = load_dataset_with(dir.path(), &mut cache);
            assert!(problems.is_empty(), "{problems:?}");
            // Changed after loading: a check that reads it again says so.
            std::fs::write(dir.path().join("a-roadmap.yaml"), "roadmap: {}\n").unwrap();
            let (_, problems) = validate(ds, &[]);
            let changed = problems
                .iter()
                .any(|d| d.message.contains("changed while it was being used"));
            assert_eq!(
                changed, read_again,
                "{responsible} {precheck}: {problems:?}"
            );
        }
    }
}
