//! Amending orders: their changes are checked against the amended order as
//! the earlier registered amendments left it (in date order), their title
//! and first clause are written in the standard wording of Russian legal
//! drafting, their appendices carry the marks they restate; every amended
//! order gets its consolidated version; and a registered order whose
//! participants appendix no amendment has caught up with gets a drafted
//! amending order.

use std::collections::HashMap;

use super::checker::Checker;
use super::order::{Amendment, Known, Mark, OrderRef, OrderSpec, check_appendix};
use crate::dates::Date;
use crate::load::Origin;
use crate::model::{Appendix, Change, ClauseText, Cluster, Id, OrgKind};
use crate::typography::capitalize;

/// A clause of a consolidated version.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsolidatedClause {
    pub text: String,
    /// «(в ред. приказа …)», «(п. 7 введен приказом …)».
    pub note: Option<String>,
    pub clauses: Vec<ConsolidatedClause>,
}

/// An appendix of a consolidated version.
#[derive(Debug, Clone)]
pub struct ConsolidatedAppendix {
    pub appendix: Appendix,
    /// The day a participants list is drawn up as of.
    pub as_of: Option<Date>,
    pub note: Option<String>,
}

/// The amended order with every registered amendment applied.
#[derive(Debug, Clone)]
pub struct Consolidated {
    /// The amended order (an index into `Catalog::orders`).
    pub order: usize,
    /// The date of the last amendment: the version's date.
    pub as_of: Date,
    /// The amending orders, in date order.
    pub by: Vec<OrderRef>,
    pub clauses: Vec<ConsolidatedClause>,
    pub appendices: Vec<ConsolidatedAppendix>,
}

/// A document drafted because the records require it, and why.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// The id of the drafted order.
    pub id: Id,
    pub reason: String,
}

/// A clause as amendments see it.
#[derive(Debug, Clone)]
struct Node {
    text: String,
    /// The amending orders that changed it, in order.
    changed_by: Vec<OrderRef>,
    added_by: Option<OrderRef>,
    repealed_by: Option<OrderRef>,
    children: Vec<Node>,
}

impl From<&ClauseText> for ConsolidatedClause {
    fn from(c: &ClauseText) -> ConsolidatedClause {
        ConsolidatedClause {
            text: c.text.clone(),
            note: None,
            clauses: c.clauses.iter().map(ConsolidatedClause::from).collect(),
        }
    }
}

fn nodes(clauses: &[ClauseText]) -> Vec<Node> {
    clauses
        .iter()
        .map(|c| Node {
            text: c.text.clone(),
            changed_by: Vec::new(),
            added_by: None,
            repealed_by: None,
            children: nodes(&c.clauses),
        })
        .collect()
}

/// An order's clauses and appendices as the amendments so far left them.
#[derive(Debug, Clone)]
struct State {
    clauses: Vec<Node>,
    appendices: Vec<ConsolidatedAppendix>,
    /// Who changed each appendix (its note).
    appendix_changes: Vec<Vec<(OrderRef, bool)>>,
}

impl State {
    fn of(spec: &OrderSpec) -> State {
        State {
            clauses: nodes(&spec.clauses),
            appendices: spec
                .appendices
                .iter()
                .map(|a| ConsolidatedAppendix {
                    appendix: a.clone(),
                    as_of: spec.date,
                    note: None,
                })
                .collect(),
            appendix_changes: vec![Vec::new(); spec.appendices.len()],
        }
    }

    /// The clause with a label such as «5.2», if it exists.
    fn clause(&mut self, label: &str) -> Option<&mut Node> {
        let numbers = parse_label(label)?;
        let mut list = &mut self.clauses;
        let (last, path) = numbers.split_last()?;
        for n in path {
            list = &mut list.get_mut(n.checked_sub(1)?)?.children;
        }
        list.get_mut(last.checked_sub(1)?)
    }

    /// The list a new clause `label` would end, and whether its number is
    /// the next one there.
    fn parent_list(&mut self, label: &str) -> Option<(&mut Vec<Node>, bool)> {
        let numbers = parse_label(label)?;
        let (last, path) = numbers.split_last()?;
        let mut list = &mut self.clauses;
        for n in path {
            list = &mut list.get_mut(n.checked_sub(1)?)?.children;
        }
        let next = *last == list.len() + 1;
        Some((list, next))
    }
}

/// «5.2» → [5, 2].
fn parse_label(label: &str) -> Option<Vec<usize>> {
    let numbers: Option<Vec<usize>> = label
        .trim()
        .trim_end_matches('.')
        .split('.')
        .map(|p| p.parse().ok().filter(|n| *n > 0))
        .collect();
    numbers.filter(|n| !n.is_empty() && n.len() <= crate::model::MAX_CLAUSE_DEPTH)
}

/// «пункт 3», «подпункт 5.2 пункта 5» in a grammatical case.
#[derive(Clone, Copy)]
enum Case {
    Nominative,
    Prepositional,
}

fn clause_ref(label: &str, case: Case) -> String {
    let label = label.trim().trim_end_matches('.');
    let parts: Vec<&str> = label.split('.').collect();
    let (point, sub) = match case {
        Case::Nominative => ("пункт", "подпункт"),
        Case::Prepositional => ("пункте", "подпункте"),
    };
    if parts.len() == 1 {
        return format!("{point} {label}");
    }
    // «подпункт 5.2.1 подпункта 5.2 пункта 5»
    let mut out = format!("{sub} {label}");
    for k in (1..parts.len()).rev() {
        let outer = parts[..k].join(".");
        let word = if k == 1 {
            "пункта"
        } else {
            "подпункта"
        };
        out.push_str(&format!(" {word} {outer}"));
    }
    out
}

/// «clause 3», «sub-clause 5.2»: a clause as a problem names it.
fn clause_name(label: &str) -> String {
    let label = label.trim().trim_end_matches('.');
    if label.contains('.') {
        format!("sub-clause {label}")
    } else {
        format!("clause {label}")
    }
}

/// «согласно приложению к настоящему приказу» (numbered when there are
/// several).
fn per_appendix(k: usize, of: usize) -> String {
    if of > 1 {
        format!("согласно приложению {k} к настоящему приказу")
    } else {
        "согласно приложению к настоящему приказу".to_owned()
    }
}

/// The numbers of the appendix a change restates or adds: `n` in the
/// amended order, `k` of `of` in the amending order.
#[derive(Debug, Clone, Copy)]
struct AppendixNumber {
    n: usize,
    k: usize,
    of: usize,
}

/// A change with the numbers of its appendix, if it has one.
type Numbered = (Change, Option<AppendixNumber>);

/// A sub-clause of the first clause: the standard wording of one change.
fn sentence(change: &Change, appendix: Option<AppendixNumber>) -> String {
    match change {
        Change::NewWording { clause, text } => format!(
            "{} изложить в следующей редакции: \"{}. {text}\".",
            capitalize(&clause_ref(clause, Case::Nominative)),
            clause.trim_end_matches('.')
        ),
        Change::ReplaceWords {
            clause,
            words,
            with,
        } => format!(
            "В {} слова \"{words}\" заменить словами \"{with}\".",
            clause_ref(clause, Case::Prepositional)
        ),
        Change::AddWords {
            clause,
            words,
            after: None,
        } => format!(
            "{} дополнить словами \"{words}\".",
            capitalize(&clause_ref(clause, Case::Nominative))
        ),
        Change::AddWords {
            clause,
            words,
            after: Some(after),
        } => format!(
            "В {} после слов \"{after}\" дополнить словами \"{words}\".",
            clause_ref(clause, Case::Prepositional)
        ),
        Change::AddClause { clause, text } => {
            let label = clause.trim_end_matches('.');
            match label.rsplit_once('.') {
                None => {
                    format!("Дополнить пунктом {label} следующего содержания: \"{label}. {text}\".")
                }
                Some((parent, _)) => format!(
                    "{} дополнить подпунктом {label} следующего содержания: \"{label}. {text}\".",
                    capitalize(&clause_ref(parent, Case::Nominative))
                ),
            }
        }
        Change::Repeal { clause } => format!(
            "{} признать утратившим силу.",
            capitalize(&clause_ref(clause, Case::Nominative))
        ),
        Change::RestateAppendix { .. } => {
            let AppendixNumber { n, k, of } = appendix.expect("appendix changes are numbered");
            format!(
                "Приложение {n} к приказу изложить в новой редакции {}.",
                per_appendix(k, of)
            )
        }
        Change::AddAppendix(_) => {
            let AppendixNumber { n, k, of } = appendix.expect("appendix changes are numbered");
            format!("Дополнить приложением {n} {}.", per_appendix(k, of))
        }
    }
}

/// The same change as the end of «Внести … изменение, …» (one change).
fn phrase(change: &Change, appendix: Option<AppendixNumber>) -> String {
    match change {
        Change::NewWording { clause, text } => format!(
            "изложив {} в следующей редакции: \"{}. {text}\"",
            clause_ref(clause, Case::Nominative),
            clause.trim_end_matches('.')
        ),
        Change::ReplaceWords {
            clause,
            words,
            with,
        } => format!(
            "заменив в {} слова \"{words}\" словами \"{with}\"",
            clause_ref(clause, Case::Prepositional)
        ),
        Change::AddWords {
            clause,
            words,
            after: None,
        } => format!(
            "дополнив {} словами \"{words}\"",
            clause_ref(clause, Case::Nominative)
        ),
        Change::AddWords {
            clause,
            words,
            after: Some(after),
        } => format!(
            "дополнив {} после слов \"{after}\" словами \"{words}\"",
            clause_ref(clause, Case::Nominative)
        ),
        Change::AddClause { clause, text } => {
            let label = clause.trim_end_matches('.');
            match label.rsplit_once('.') {
                None => format!(
                    "дополнив его пунктом {label} следующего содержания: \"{label}. {text}\""
                ),
                Some((parent, _)) => format!(
                    "дополнив {} подпунктом {label} следующего содержания: \"{label}. {text}\"",
                    clause_ref(parent, Case::Nominative)
                ),
            }
        }
        Change::Repeal { clause } => format!(
            "признав {} утратившим силу",
            clause_ref(clause, Case::Nominative)
        ),
        Change::RestateAppendix { .. } => {
            let AppendixNumber { n, k, of } = appendix.expect("appendix changes are numbered");
            format!(
                "изложив приложение {n} в новой редакции {}",
                per_appendix(k, of)
            )
        }
        Change::AddAppendix(_) => {
            let AppendixNumber { n, k, of } = appendix.expect("appendix changes are numbered");
            format!("дополнив его приложением {n} {}", per_appendix(k, of))
        }
    }
}

/// «приказ министерства … от 26.09.2022 № 1064-а «Об …»».
fn order_words(o: &OrderRef) -> String {
    format!(
        "приказ {} от {} № {} \"{}\"",
        o.issuer_genitive, o.date, o.number, o.title
    )
}

/// The title and the first clause of an amending order.
fn wording(amended: &OrderRef, changes: &[Numbered]) -> (String, ClauseText) {
    let title = format!(
        "О внесении {} в {}",
        if changes.len() == 1 {
            "изменения"
        } else {
            "изменений"
        },
        order_words(amended)
    );
    let first = match changes {
        [(one, numbers)] => ClauseText {
            text: format!(
                "Внести в {} изменение, {}.",
                order_words(amended),
                phrase(one, *numbers)
            ),
            clauses: Vec::new(),
        },
        many => ClauseText {
            text: format!("Внести в {} следующие изменения:", order_words(amended)),
            clauses: many
                .iter()
                .map(|(c, numbers)| ClauseText {
                    text: sentence(c, *numbers),
                    clauses: Vec::new(),
                })
                .collect(),
        },
    };
    (title, first)
}

/// Resolves every amending order (writing its title, first clause and
/// appendices into its spec), and returns the consolidated versions of the
/// amended orders and the amending orders drafted for membership changes.
pub(super) fn resolve_amendments(
    c: &mut Checker,
    orders: &mut Vec<OrderSpec>,
    known: &Known,
) -> (Vec<Consolidated>, Vec<Drafted>) {
    let index: HashMap<Id, usize> = orders
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.clone(), i))
        .collect();
    // Amending orders by the order they amend: registered ones in date order,
    // then drafts.
    let mut by_target: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, spec) in orders.iter().enumerate() {
        let Some(amends) = &spec.amends else { continue };
        let o = &spec.origin;
        if !c.unknown_ref(o, "amends.order", "order", &amends.order, &index) {
            continue;
        }
        let t = index[&amends.order];
        let target = &orders[t];
        let (Some(_), Some(target_date)) = (&target.number, target.date) else {
            c.error(
                o,
                "amends.order",
                format!(
                    "`{}` is a draft; an amending order changes a registered order",
                    target.id
                ),
            );
            continue;
        };
        if t == i {
            c.error(o, "amends.order", "an order cannot amend itself");
            continue;
        }
        if let Some(date) = spec.date
            && date <= target_date
        {
            c.error(
                o,
                "amends.order",
                format!("dated {date}, not after the order it amends ({target_date})"),
            );
            continue;
        }
        by_target.entry(t).or_default().push(i);
    }

    let mut consolidated = Vec::new();
    let mut targets: Vec<usize> = by_target.keys().copied().collect();
    targets.sort();
    let mut states: HashMap<usize, State> = HashMap::new();
    for t in targets {
        let mut amenders = by_target.remove(&t).unwrap_or_default();
        amenders.sort_by_key(|&i| {
            (
                orders[i].date.is_none(),
                orders[i].date,
                orders[i].id.clone(),
            )
        });
        let target_ref = order_ref(c, &orders[t]);
        let mut state = State::of(&orders[t]);
        let mut applied: Vec<OrderRef> = Vec::new();
        // What each registered amendment of a date touched, for conflicts.
        let mut touched: HashMap<(Date, String), Id> = HashMap::new();
        for i in amenders {
            let registered = orders[i].number.is_some() && orders[i].date.is_some();
            let by = registered.then(|| order_ref(c, &orders[i]));
            // A draft is checked against the version as amended so far,
            // without changing it.
            let mut scratch = state.clone();
            let target = if registered { &mut state } else { &mut scratch };
            let resolved = apply(c, &orders[i], target, by.as_ref(), known);
            if let Some(by) = &by {
                for key in touched_keys(&orders[i]) {
                    let date = by.date;
                    if let Some(first) = touched.insert((date, key.clone()), orders[i].id.clone())
                        && first != orders[i].id
                    {
                        c.error(
                            &orders[i].origin,
                            "amends.changes",
                            format!("`{first}`, registered the same day, changes {key} too"),
                        )
                        .notes
                        .push("amendments of one date are applied together: they must change different clauses and appendices".into());
                    }
                }
                applied.push(by.clone());
            }
            let Some((numbers, appendices)) = resolved else {
                continue;
            };
            let spec = &mut orders[i];
            let changes: Vec<Numbered> = spec
                .amends
                .as_ref()
                .map(|a| a.changes.iter().cloned().zip(numbers).collect())
                .unwrap_or_default();
            let (title, first) = wording(&target_ref, &changes);
            if spec.title.is_empty() {
                spec.title = title;
            }
            spec.clauses.insert(0, first);
            spec.amendment = Some(Box::new(Amendment {
                amended: target_ref.clone(),
                marks: appendices.iter().map(|(m, _)| *m).collect(),
            }));
            spec.appendices = appendices.into_iter().map(|(_, a)| a).collect();
        }
        if let Some(last) = applied.last() {
            consolidated.push(consolidate(t, last.date, applied.clone(), &state));
        }
        states.insert(t, state);
    }

    let drafted = draft_amendments(c, orders, &states);
    (consolidated, drafted)
}

fn order_ref(c: &Checker, spec: &OrderSpec) -> OrderRef {
    let issuer_genitive =
        c.ds.issuers
            .iter()
            .find(|i| i.record.id == spec.issuer)
            .map(|i| i.record.name_genitive.clone())
            .unwrap_or_default();
    OrderRef {
        id: spec.id.clone(),
        issuer_genitive,
        number: spec.number.clone().unwrap_or_default(),
        date: spec.date.unwrap_or_else(|| Date::end_of_year(1999)),
        title: spec.title.clone(),
    }
}

/// «пункт 3», «приложение 2»: what a change touches, to find conflicts.
fn touched_keys(spec: &OrderSpec) -> Vec<String> {
    let Some(amends) = &spec.amends else {
        return Vec::new();
    };
    amends
        .changes
        .iter()
        .filter_map(|ch| match ch {
            Change::RestateAppendix { appendix, .. } => Some(format!("приложение {appendix}")),
            Change::AddAppendix(_) => Some("the list of appendices".to_owned()),
            other => other.clause().map(clause_name),
        })
        .collect()
}

type Numbers = Vec<Option<AppendixNumber>>;
type NewAppendices = Vec<(Mark, Appendix)>;

/// Applies an amending order's changes to the state of the order it amends,
/// reporting every change that does not fit. Returns, per change, the
/// numbers of the appendix it concerns (in the amended order, in the
/// amending order, how many the amending order has), and the amending
/// order's appendices; `None` if a change does not fit.
fn apply(
    c: &mut Checker,
    spec: &OrderSpec,
    state: &mut State,
    by: Option<&OrderRef>,
    known: &Known,
) -> Option<(Numbers, NewAppendices)> {
    let amends = spec.amends.as_ref()?;
    let o = &spec.origin;
    let mut fine = true;
    let mut appendices: NewAppendices = Vec::new();
    let mut numbers: Numbers = Vec::new();
    for (k, change) in amends.changes.iter().enumerate() {
        let field = format!("amends.changes[{k}]");
        let mut number = None;
        let ok = match change {
            Change::NewWording { clause, text } => {
                let at = format!("{field}.new_wording.clause");
                with_clause(c, (o, &at, &amends.order), state, clause, by, |node| {
                    node.text = text.clone();
                    Ok(())
                })
            }
            Change::ReplaceWords {
                clause,
                words,
                with,
            } => {
                let at = format!("{field}.replace_words.words");
                with_clause(c, (o, &at, &amends.order), state, clause, by, |node| {
                    has_words(node, clause, words)?;
                    node.text = node.text.replace(words.as_str(), with);
                    Ok(())
                })
            }
            Change::AddWords {
                clause,
                words,
                after,
            } => {
                let at = format!("{field}.add_words.clause");
                with_clause(c, (o, &at, &amends.order), state, clause, by, |node| {
                    match after {
                        Some(after) => {
                            has_words(node, clause, after)?;
                            node.text =
                                node.text
                                    .replacen(after.as_str(), &format!("{after} {words}"), 1);
                        }
                        None => {
                            let end = node.text.trim_end_matches(['.', ';']).len();
                            node.text.insert_str(end, &format!(" {words}"));
                        }
                    }
                    Ok(())
                })
            }
            Change::AddClause { clause, text } => match state.parent_list(clause) {
                Some((list, true)) => {
                    list.push(Node {
                        text: text.clone(),
                        changed_by: Vec::new(),
                        added_by: by.cloned(),
                        repealed_by: None,
                        children: Vec::new(),
                    });
                    true
                }
                Some((list, false)) => {
                    let next = list.len() + 1;
                    c.error(
                        o,
                        &format!("{field}.add_clause.clause"),
                        format!(
                            "{} cannot be added: the next number there is {next}",
                            clause_name(clause)
                        ),
                    );
                    false
                }
                None => {
                    let message = if parse_label(clause).is_none()
                        && clause.split('.').count() > crate::model::MAX_CLAUSE_DEPTH
                    {
                        format!(
                            "clauses nest at most {} levels deep («1.1.1.»); {} would be deeper",
                            crate::model::MAX_CLAUSE_DEPTH,
                            clause_name(clause)
                        )
                    } else {
                        format!(
                            "order `{}` has no clause to hold {}",
                            amends.order,
                            clause_name(clause)
                        )
                    };
                    c.error(o, &format!("{field}.add_clause.clause"), message);
                    false
                }
            },
            Change::Repeal { clause } => match state.clause(clause) {
                Some(node) => match &node.repealed_by {
                    Some(earlier) => {
                        c.error(
                            o,
                            &format!("{field}.repeal.clause"),
                            format!(
                                "{} is repealed twice: order `{}` (№ {} of {}) already repealed it",
                                clause_name(clause),
                                earlier.id,
                                earlier.number,
                                earlier.date
                            ),
                        );
                        false
                    }
                    None => {
                        node.repealed_by = Some(by.cloned().unwrap_or_else(|| placeholder(spec)));
                        true
                    }
                },
                None => {
                    no_clause(
                        c,
                        o,
                        &format!("{field}.repeal.clause"),
                        &amends.order,
                        clause,
                    );
                    false
                }
            },
            Change::RestateAppendix {
                appendix,
                roadmap,
                document,
                title,
            } => {
                let at = format!("{field}.restate_appendix");
                match state.appendices.get(appendix.wrapping_sub(1)) {
                    None => {
                        c.error(
                            o,
                            &format!("{at}.appendix"),
                            format!(
                                "order `{}` has no appendix {appendix} (it has {})",
                                amends.order,
                                match state.appendices.len() {
                                    0 => "none".to_owned(),
                                    n => n.to_string(),
                                }
                            ),
                        );
                        false
                    }
                    Some(old) => {
                        let mut new = old.appendix.clone();
                        let fits = restated(c, o, &at, &mut new, roadmap, document, known);
                        if let Some(t) = title {
                            new.title = Some(t.clone());
                        }
                        if fits {
                            let n = *appendix;
                            let mark = Mark {
                                number: n,
                                numbered: state.appendices.len() > 1,
                                approved: new.approved,
                            };
                            state.appendices[n - 1] = ConsolidatedAppendix {
                                appendix: new.clone(),
                                as_of: spec.date,
                                note: None,
                            };
                            if let Some(by) = by {
                                state.appendix_changes[n - 1].push((by.clone(), false));
                            }
                            appendices.push((
                                mark,
                                Appendix {
                                    approved: false,
                                    ..new
                                },
                            ));
                            number = Some(n);
                        }
                        fits
                    }
                }
            }
            Change::AddAppendix(appendix)
                if !check_appendix(c, o, &format!("{field}.add_appendix"), appendix, known) =>
            {
                false
            }
            Change::AddAppendix(appendix) => {
                let n = state.appendices.len() + 1;
                state.appendices.push(ConsolidatedAppendix {
                    appendix: appendix.clone(),
                    as_of: spec.date,
                    note: None,
                });
                state
                    .appendix_changes
                    .push(by.map(|b| vec![(b.clone(), true)]).unwrap_or_default());
                let mark = Mark {
                    number: n,
                    numbered: n > 1,
                    approved: appendix.approved,
                };
                appendices.push((
                    mark,
                    Appendix {
                        approved: false,
                        ..appendix.clone()
                    },
                ));
                number = Some(n);
                true
            }
        };
        numbers.push(number.map(|n| AppendixNumber { n, k: 0, of: 0 }));
        fine &= ok;
    }
    // Number the amending order's own appendices.
    let total = appendices.len();
    let mut k = 0;
    for n in numbers.iter_mut().flatten() {
        k += 1;
        (n.k, n.of) = (k, total);
    }
    fine.then_some((numbers, appendices))
}

/// An amending draft as a note would name it (never printed: drafts change
/// no consolidated version).
fn placeholder(spec: &OrderSpec) -> OrderRef {
    OrderRef {
        id: spec.id.clone(),
        issuer_genitive: String::new(),
        number: String::new(),
        date: Date::end_of_year(1999),
        title: String::new(),
    }
}

fn no_clause(c: &mut Checker, o: &Origin, field: &str, order: &Id, clause: &str) {
    c.error(
        o,
        field,
        format!(
            "order `{order}` has no {} (as amended so far)",
            clause_name(clause)
        ),
    );
}

/// Words a change looks for in a clause are there, or the problem quotes
/// the clause.
fn has_words(node: &Node, clause: &str, words: &str) -> Result<(), String> {
    if node.text.contains(words) {
        return Ok(());
    }
    Err(format!(
        "{} has no words «{words}»: it reads «{}»",
        clause_name(clause),
        node.text
    ))
}

/// Changes an existing clause that is in force; records who changed it.
fn with_clause(
    c: &mut Checker,
    (o, field, order): (&Origin, &str, &Id),
    state: &mut State,
    clause: &str,
    by: Option<&OrderRef>,
    change: impl FnOnce(&mut Node) -> Result<(), String>,
) -> bool {
    match state.clause(clause) {
        None => {
            no_clause(c, o, field, order, clause);
            false
        }
        Some(node) if node.repealed_by.is_some() => {
            c.error(
                o,
                field,
                format!(
                    "{} was repealed earlier and cannot be changed",
                    clause_name(clause)
                ),
            );
            false
        }
        Some(node) => match change(node) {
            Ok(()) => {
                if let Some(by) = by {
                    node.changed_by.push(by.clone());
                }
                true
            }
            Err(message) => {
                c.error(o, field, message);
                false
            }
        },
    }
}

/// The new content of a restated appendix: a participants list is drawn up
/// again from the records; a roadmap or a document is the record named.
fn restated(
    c: &mut Checker,
    o: &Origin,
    at: &str,
    new: &mut Appendix,
    roadmap: &Option<Id>,
    document: &Option<Id>,
    known: &Known,
) -> bool {
    match (&new.participants, &new.roadmap, &new.document) {
        (Some(_), _, _) => {
            if roadmap.is_some() || document.is_some() {
                c.error(
                    o,
                    at,
                    "a participants list is restated from the records as of the amending order's date; it names no roadmap or document",
                );
                return false;
            }
            true
        }
        (_, Some(_), _) => match roadmap {
            Some(id) => {
                let ok = c.unknown_ref(o, &format!("{at}.roadmap"), "roadmap", id, known.roadmaps);
                new.roadmap = Some(id.clone());
                ok
            }
            None => {
                c.error(o, at, "a roadmap appendix is restated from the roadmap record it names: add `roadmap: <id>`");
                false
            }
        },
        _ => match document {
            Some(id) => {
                let ok = c.unknown_ref(
                    o,
                    &format!("{at}.document"),
                    "document",
                    id,
                    known.documents,
                );
                new.document = Some(id.clone());
                ok
            }
            None => {
                c.error(o, at, "a document appendix is restated from the document record it names: add `document: <id>`");
                false
            }
        },
    }
}

/// The consolidated version: the state with notes.
fn consolidate(order: usize, as_of: Date, by: Vec<OrderRef>, state: &State) -> Consolidated {
    fn clauses(nodes: &[Node], prefix: &str) -> Vec<ConsolidatedClause> {
        nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let label = format!("{prefix}{}", i + 1);
                let point = if prefix.is_empty() { "п." } else { "пп." };
                let (text, note) = match (&n.repealed_by, &n.added_by) {
                    (Some(r), _) => (
                        format!(
                            "Утратил силу. — {}.",
                            capitalize(&r.instrumental()).replacen("Приказом", "Приказ", 1)
                        ),
                        None,
                    ),
                    (None, Some(a)) => (
                        n.text.clone(),
                        Some(format!("({point} {label} введен {})", a.instrumental())),
                    ),
                    (None, None) if !n.changed_by.is_empty() => {
                        (n.text.clone(), Some(versions(&n.changed_by)))
                    }
                    (None, None) => (n.text.clone(), None),
                };
                ConsolidatedClause {
                    text,
                    note,
                    clauses: clauses(&n.children, &format!("{label}.")),
                }
            })
            .collect()
    }
    let appendices = state
        .appendices
        .iter()
        .zip(&state.appendix_changes)
        .enumerate()
        .map(|(i, (a, changes))| {
            let note = match changes.as_slice() {
                [] => None,
                [(first, true)] => Some(format!(
                    "(приложение {} введено {})",
                    i + 1,
                    first.instrumental()
                )),
                all => Some(versions(
                    &all.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
                )),
            };
            ConsolidatedAppendix { note, ..a.clone() }
        })
        .collect();
    Consolidated {
        order,
        as_of,
        by,
        clauses: clauses(&state.clauses, ""),
        appendices,
    }
}

/// «(в ред. приказа … от 14.03.2023 № 312-а)», several: «(в ред. приказов
/// … от 14.03.2023 № 312-а, от 01.09.2023 № 801)».
pub fn versions(by: &[OrderRef]) -> String {
    match by {
        [] => String::new(),
        [one] => format!("(в ред. {})", one.genitive()),
        [first, rest @ ..] => {
            let mut s = format!(
                "(в ред. приказов {} от {} № {}",
                first.issuer_genitive, first.date, first.number
            );
            for r in rest {
                if r.issuer_genitive == first.issuer_genitive {
                    s.push_str(&format!(", от {} № {}", r.date, r.number));
                } else {
                    s.push_str(&format!(
                        ", {}",
                        r.genitive().trim_start_matches("приказа ")
                    ));
                }
            }
            s.push(')');
            s
        }
    }
}

/// An amending order drafted for each registered order whose participants
/// appendix lists clusters whose membership changed after the order (or
/// after the last amendment restating that appendix): the appendix restated
/// from the current records, no number or date.
fn draft_amendments(
    c: &Checker,
    orders: &mut Vec<OrderSpec>,
    states: &HashMap<usize, State>,
) -> Vec<Drafted> {
    let mut drafted = Vec::new();
    let count = orders.len();
    for t in 0..count {
        let spec = &orders[t];
        let (Some(_), Some(date)) = (&spec.number, spec.date) else {
            continue;
        };
        if spec.amends.is_some() {
            continue;
        }
        let state = states.get(&t).cloned().unwrap_or_else(|| State::of(spec));
        let mut stale: Vec<(Mark, Appendix, String)> = Vec::new();
        let numbered = state.appendices.len() > 1;
        for (n, a) in state.appendices.iter().enumerate() {
            let Some(clusters) = &a.appendix.participants else {
                continue;
            };
            let as_of = a.as_of.unwrap_or(date);
            let changes: Vec<String> = clusters
                .iter()
                .filter_map(|id| c.ds.clusters.iter().find(|k| &k.record.id == id))
                .flat_map(|k| membership_since(c, &k.record, as_of, &a.appendix.kinds))
                .collect();
            if !changes.is_empty() {
                let mark = Mark {
                    number: n + 1,
                    numbered,
                    approved: a.appendix.approved,
                };
                let restated = Appendix {
                    approved: false,
                    ..a.appendix.clone()
                };
                stale.push((mark, restated, changes.join("; ")));
            }
        }
        if stale.is_empty() {
            continue;
        }
        let target_ref = order_ref(c, spec);
        let id = Id(format!("{}-amendment-draft", spec.id));
        let changes: Vec<Numbered> = stale
            .iter()
            .enumerate()
            .map(|(k, (m, _, _))| {
                (
                    Change::RestateAppendix {
                        appendix: m.number,
                        roadmap: None,
                        document: None,
                        title: None,
                    },
                    Some(AppendixNumber {
                        n: m.number,
                        k: k + 1,
                        of: stale.len(),
                    }),
                )
            })
            .collect();
        let (title, first) = wording(&target_ref, &changes);
        let reason = stale
            .iter()
            .map(|(m, _, why)| format!("appendix {} of order {}: {why}", m.number, spec.id))
            .collect::<Vec<_>>()
            .join("; ");
        let draft = OrderSpec {
            id: id.clone(),
            number: None,
            date: None,
            title,
            preamble: "В связи с изменением состава участников образовательных кластеров".into(),
            clauses: vec![first],
            appendices: stale.iter().map(|(_, a, _)| a.clone()).collect(),
            amends: None,
            amendment: Some(Box::new(Amendment {
                amended: target_ref,
                marks: stale.iter().map(|(m, _, _)| *m).collect(),
            })),
            // Worded here whole, from no record of its own.
            released: false,
            draft_of: None,
            ..spec.clone()
        };
        orders.push(draft);
        drafted.push(Drafted { id, reason });
    }
    drafted
}

/// «joined: ГКОУ «СОШ № 7» (01.04.2023)» for the members of a cluster
/// (of the kinds listed) who joined or left after `since`.
fn membership_since(c: &Checker, cluster: &Cluster, since: Date, kinds: &[OrgKind]) -> Vec<String> {
    let name = |id: &Id| {
        c.ds.organizations
            .iter()
            .find(|o| &o.record.id == id)
            .filter(|o| kinds.is_empty() || kinds.contains(&o.record.kind))
            .map(|o| {
                o.record
                    .short_name
                    .as_ref()
                    .unwrap_or(&o.record.name)
                    .ru
                    .clone()
            })
    };
    let mut out = Vec::new();
    for p in &cluster.participants {
        let Some(n) = name(&p.organization) else {
            continue;
        };
        if p.joined > since {
            out.push(format!("{n} joined {} on {}", cluster.id, p.joined));
        }
        if let Some(left) = p.left
            && left > since
        {
            out.push(format!("{n} left {} on {left}", cluster.id));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_are_named_in_case() {
        assert_eq!(clause_ref("3", Case::Nominative), "пункт 3");
        assert_eq!(
            clause_ref("5.2", Case::Prepositional),
            "подпункте 5.2 пункта 5"
        );
        assert_eq!(
            clause_ref("5.2.1", Case::Nominative),
            "подпункт 5.2.1 подпункта 5.2 пункта 5"
        );
    }

    fn amended() -> OrderRef {
        OrderRef {
            id: Id("1064-a".into()),
            issuer_genitive: "министерства образования Приморского края".into(),
            number: "1064-а".into(),
            date: Date::parse("26.09.2022").unwrap(),
            title: "Об организации работы".into(),
        }
    }

    #[test]
    fn one_change_is_one_sentence_several_are_sub_clauses() {
        let replace = Change::ReplaceWords {
            clause: "3".into(),
            words: "Чечуркину К. К.".into(),
            with: "Петрову А. А.".into(),
        };
        let (title, first) = wording(&amended(), &[(replace.clone(), None)]);
        assert_eq!(
            title,
            "О внесении изменения в приказ министерства образования Приморского края от 26.09.2022 № 1064-а \"Об организации работы\""
        );
        assert_eq!(
            first.text,
            "Внести в приказ министерства образования Приморского края от 26.09.2022 № 1064-а \"Об организации работы\" изменение, заменив в пункте 3 слова \"Чечуркину К. К.\" словами \"Петрову А. А.\"."
        );
        let restate = Change::RestateAppendix {
            appendix: 2,
            roadmap: None,
            document: None,
            title: None,
        };
        let (title, first) = wording(
            &amended(),
            &[
                (replace, None),
                (restate, Some(AppendixNumber { n: 2, k: 1, of: 1 })),
            ],
        );
        assert!(title.starts_with("О внесении изменений в приказ"));
        assert!(first.text.ends_with("следующие изменения:"));
        assert_eq!(
            first.clauses[1].text,
            "Приложение 2 к приказу изложить в новой редакции согласно приложению к настоящему приказу."
        );
    }
}
