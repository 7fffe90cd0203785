//! Checks of roadmaps: events, due dates, responsible officials.

use std::collections::HashMap;

use super::checker::Checker;
use crate::dates::Due;
use crate::load::Loaded;
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

pub(super) fn check_roadmap(
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
