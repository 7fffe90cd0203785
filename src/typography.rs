//! Russian typography, applied once to the document model before either
//! renderer sees it, so PDF and DOCX carry the same characters: « » quotes
//! (nested „ “), a no-break space after № and around initials, a dash with
//! a no-break space before it, and numbers like «№ 1064-а» kept on one line.

use crate::ir::{Block, Clause, Inline, ListItem};

const NBSP: char = '\u{a0}';

/// Applies the typography rules to every text of the blocks.
pub fn apply(blocks: &mut [Block]) {
    for b in blocks {
        apply_block(b);
    }
}

fn apply_block(b: &mut Block) {
    match b {
        Block::Paragraph(p) => fix_runs(&mut p.runs),
        Block::Heading { runs, .. } => fix_runs(runs),
        Block::Clauses { items: cs } => cs.iter_mut().for_each(fix_clause),
        Block::List(l) => l.items.iter_mut().for_each(fix_item),
        Block::Table(t) => {
            for row in &mut t.rows {
                for cell in &mut row.cells {
                    apply(&mut cell.blocks);
                }
            }
        }
        Block::Letterhead(l) => {
            l.body.iter_mut().for_each(|s| *s = fix_text(s));
            l.place = fix_text(&l.place);
            l.number = fix_text(&l.number);
        }
        Block::Stamp(s) => s.lines.iter_mut().for_each(fix_runs),
        Block::Signature(s) => {
            s.position.iter_mut().for_each(|p| *p = fix_text(p));
            s.name = fix_text(&s.name);
        }
        Block::Parties(p) => {
            for party in &mut p.parties {
                party.name = fix_text(&party.name);
                party.lines.iter_mut().for_each(|l| *l = fix_text(l));
                party.signer_position = fix_text(&party.signer_position);
                party.signer_name = fix_text(&party.signer_name);
            }
        }
        Block::Contents { title } => *title = fix_text(title),
        Block::PageBreak => {}
    }
}

fn fix_clause(c: &mut Clause) {
    fix_runs(&mut c.runs);
    c.more.iter_mut().for_each(fix_runs);
    c.children.iter_mut().for_each(fix_clause);
}

fn fix_item(i: &mut ListItem) {
    fix_runs(&mut i.runs);
    i.children.iter_mut().for_each(fix_item);
}

/// Fixes the text of runs (quotes are paired across runs of a paragraph)
/// and splits off «№ 1064-а» as no-break runs.
fn fix_runs(runs: &mut Vec<Inline>) {
    let mut depth = 0usize;
    let mut prev: Option<char> = None;
    for r in runs.iter_mut() {
        if let Inline::Text { text, .. } = r {
            *text = fix_quotes(fix_spaces(text), &mut depth, &mut prev);
        } else {
            prev = Some(' ');
        }
    }
    let mut out = Vec::with_capacity(runs.len());
    for r in runs.drain(..) {
        split_nobreak(r, &mut out);
    }
    *runs = out;
}

/// The rules for a lone string (requisites, names): quotes from scratch.
pub fn fix_text(s: &str) -> String {
    fix_quotes(fix_spaces(s), &mut 0, &mut None)
}

/// Straight double quotes to « » and, nested, „ “.
fn fix_quotes(s: String, depth: &mut usize, prev: &mut Option<char>) -> String {
    if !s.contains('"') {
        // Most texts have none: only the quotes already set are counted.
        if s.contains(['«', '»']) {
            for ch in s.chars() {
                match ch {
                    '«' => *depth += 1,
                    '»' => *depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        if let Some(last) = s.chars().next_back() {
            *prev = Some(last);
        }
        return s;
    }
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch == '"' {
            let opening = match *prev {
                None => true,
                Some(p) => p.is_whitespace() || "([{«„-–—/".contains(p),
            };
            let q = if opening {
                *depth += 1;
                if *depth == 1 { '«' } else { '„' }
            } else if *depth > 0 {
                *depth -= 1;
                if *depth == 0 { '»' } else { '“' }
            } else {
                '»'
            };
            out.push(q);
            *prev = Some(q);
            continue;
        }
        match ch {
            '«' => *depth += 1,
            '»' => *depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(ch);
        *prev = Some(ch);
    }
    out
}

fn is_initial(word: &str) -> bool {
    // «И.» or «И.О.»; every word of every text is asked, so without
    // collecting its characters.
    let mut c = word.chars();
    match (c.next(), c.next(), c.next(), c.next(), c.next()) {
        (Some(a), Some('.'), None, _, _) => a.is_uppercase(),
        (Some(a), Some('.'), Some(b), Some('.'), None) => a.is_uppercase() && b.is_uppercase(),
        _ => false,
    }
}

fn is_surname(word: &str) -> bool {
    let w = word.trim_end_matches([',', '.', ';', ':', ')']);
    let mut chars = w.chars();
    matches!(chars.next(), Some(c) if c.is_uppercase())
        && w.chars().count() >= 2
        && chars.all(|c| c.is_lowercase() || c == '-')
}

/// No-break spaces after №, between initials and the surname, before a dash.
fn fix_spaces(s: &str) -> String {
    // Split on ordinary spaces only; no-break spaces already in the text stay.
    let mut words = s.split(' ').peekable();
    let mut out = String::with_capacity(s.len() + 4);
    while let Some(w) = words.next() {
        out.push_str(w);
        let Some(&next) = words.peek() else { break };
        let next_bare = next.trim_end_matches([',', ';', ':', ')']);
        let glue = (w.ends_with('№') && !next.is_empty())
            || (is_initial(w) && (is_initial(next_bare) || is_surname(next)))
            || (is_surname(w) && is_initial(next_bare) && !w.ends_with([',', '.', ';', ':']))
            || (matches!(next, "-" | "–" | "—") && !w.is_empty());
        out.push(if glue { NBSP } else { ' ' });
    }
    // A spaced hyphen between words is a dash.
    if out.contains("\u{a0}- ") {
        out = out.replace("\u{a0}- ", "\u{a0}– ");
    }
    out
}

/// Splits «№ 1064-а» (a number with a hyphen) and «№ п/п» off as no-break
/// runs.
fn split_nobreak(run: Inline, out: &mut Vec<Inline>) {
    let Inline::Text {
        text,
        bold,
        italic,
        spaced,
        nobreak: false,
    } = &run
    else {
        out.push(run);
        return;
    };
    let make = |t: &str, nobreak: bool| Inline::Text {
        text: t.to_owned(),
        bold: *bold,
        italic: *italic,
        spaced: *spaced,
        nobreak,
    };
    let mut rest = text.as_str();
    let mut pushed = false;
    while let Some(start) = rest.find("№\u{a0}") {
        let after = &rest[start + "№\u{a0}".len()..];
        let len = after
            .find([' ', ',', ';', ')', '\u{a0}'])
            .unwrap_or(after.len());
        let token = after[..len].trim_end_matches('.');
        if !token.contains(['-', '/']) {
            // Nothing to keep together beyond the no-break space.
            let cut = start + "№\u{a0}".len() + len;
            out.push(make(&rest[..cut], false));
            rest = &rest[cut..];
            pushed = true;
            continue;
        }
        let end = start + "№\u{a0}".len() + token.len();
        if start > 0 {
            out.push(make(&rest[..start], false));
        }
        out.push(make(&rest[start..end], true));
        rest = &rest[end..];
        pushed = true;
    }
    if !pushed {
        out.push(run);
    } else if !rest.is_empty() {
        out.push(make(rest, false));
    }
}

/// The text with its first letter in upper case: «пункт 3» → «Пункт 3».
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::runs_text;

    #[test]
    fn quotes_become_guillemets_and_nest() {
        assert_eq!(fix_text(r#"КГАУ ДО "РМЦ ПК""#), "КГАУ ДО «РМЦ ПК»");
        assert_eq!(
            fix_text(r#"ГПОУ ТО "Колледж "Промтех"""#),
            "ГПОУ ТО «Колледж „Промтех“»"
        );
        assert_eq!(fix_text("уже «правильные»"), "уже «правильные»");
    }

    #[test]
    fn no_break_spaces() {
        assert_eq!(
            fix_text("от 26.09.2022 № 1064-а"),
            "от 26.09.2022 №\u{a0}1064-а"
        );
        assert_eq!(fix_text("Э. В. Шамонова"), "Э.\u{a0}В.\u{a0}Шамонова");
        assert_eq!(fix_text("Чечуркина К.К."), "Чечуркина\u{a0}К.К.");
        assert_eq!(
            fix_text("Мельникова Т. В., руководитель"),
            "Мельникова\u{a0}Т.\u{a0}В., руководитель"
        );
        assert_eq!(fix_text("края - участников"), "края\u{a0}– участников");
        // Ordinary words are left alone.
        assert_eq!(
            fix_text("Утвердить перечень. Назначить"),
            "Утвердить перечень. Назначить"
        );
    }

    #[test]
    fn quotes_pair_across_runs_with_and_without_straight_quotes() {
        let fixed = |texts: &[&str]| {
            let mut runs: Vec<Inline> = texts.iter().map(|t| Inline::plain(*t)).collect();
            fix_runs(&mut runs);
            runs_text(&runs)
        };
        // A run without straight quotes passes on what it opened and how
        // it ends.
        assert_eq!(fixed(&["колледж «Промтех", "\" и"]), "колледж «Промтех» и");
        assert_eq!(fixed(&["ГПОУ ", "\"Промтех\""]), "ГПОУ «Промтех»");
        assert_eq!(fixed(&["ГПОУ", "\"Промтех\""]), "ГПОУ»Промтех»");
        assert_eq!(
            fixed(&["«Колледж ", "\"Промтех\"", "»"]),
            "«Колледж „Промтех“»"
        );
    }

    #[test]
    fn initials_are_one_or_two_capitals_with_stops() {
        for yes in ["И.", "И.О.", "Ә.Қ.", "J."] {
            assert!(is_initial(yes), "{yes}");
        }
        for no in [
            "",
            ".",
            "и.",
            "И",
            "ИО.",
            "И.О",
            "И.о.",
            "И.О.П.",
            "И.О.,",
            "№.",
        ] {
            assert!(!is_initial(no), "{no}");
        }
    }

    #[test]
    fn numbers_with_hyphens_do_not_break() {
        let mut runs = vec![Inline::plain("приказом от 26.09.2022 № 1064-а, далее")];
        fix_runs(&mut runs);
        assert_eq!(
            runs_text(&runs),
            "приказом от 26.09.2022 №\u{a0}1064-а, далее"
        );
        assert!(runs.iter().any(
            |r| matches!(r, Inline::Text { nobreak: true, text, .. } if text == "№\u{a0}1064-а")
        ));
        let mut header = vec![Inline::plain("№ п/п")];
        fix_runs(&mut header);
        assert!(
            matches!(&header[0], Inline::Text { nobreak: true, .. }),
            "{header:?}"
        );
        let mut plain = vec![Inline::plain("№ 663а")];
        fix_runs(&mut plain);
        assert_eq!(plain.len(), 1);
    }
}
