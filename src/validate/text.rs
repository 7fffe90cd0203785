//! Every text of every record, checked before anything is rendered. An empty
//! text prints nothing; a control character prints nothing in the PDF and
//! cannot stand in a DOCX; a character no embedded font has prints as a
//! blank in the PDF while the DOCX keeps it. Each is refused at its position,
//! so that both formats always say the same, and say everything.

use serde::Serialize;
use serde_json::Value;

use super::checker::Checker;
use crate::fonts::{can_draw, char_name, families};
use crate::load::Loaded;

/// Fields that hold ids or references, not text: an empty one is reported
/// by the reference check already.
const NOT_TEXT: &[&str] = &[
    "id",
    "organization",
    "issuer",
    "signatory",
    "cluster",
    "draft_of",
    "amends",
    "operator",
    "regional_operator",
    "regional_coordinator",
    "profile",
    "roadmap",
    "document",
    "joins",
    "parties",
];

/// Checks every string of every record of one kind.
pub(super) fn check_texts<T: Serialize>(c: &mut Checker, records: &[Loaded<T>]) {
    for r in records {
        if c.ds.printable.contains(&r.origin.file) {
            continue;
        }
        let json = serde_json::to_string(&r.record).expect("records serialise");
        if surely_fine(&json) {
            continue;
        }
        let value: Value = serde_json::from_str(&json).expect("records read back");
        let mut found = Vec::new();
        collect_strings(&value, String::new(), "", &mut found);
        let before = c.problems.len();
        for (path, key, text) in found {
            check_text(c, r, &path, key, text);
        }
        if c.problems.len() > before {
            c.unprintable.insert(r.origin.file);
        }
    }
}

/// Whether a record, as JSON, certainly holds no text to refuse: no empty
/// string, no control character (serde_json escapes C0 ones as `\u0007`,
/// `\r`, `\b`, `\f`, while `\n` and `\t` are allowed; DEL and C1 ones it
/// writes as they are), every other character drawable. Most records are;
/// the others are walked field by field to say where. One pass over the
/// bytes: ASCII needs no font lookup.
pub(super) fn surely_fine(json: &str) -> bool {
    let bytes = json.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b >= 0x80 {
            let ch = json[i..].chars().next().expect("a character starts here");
            if ch.is_control() || !can_draw(ch) {
                return false;
            }
            i += ch.len_utf8();
            continue;
        }
        match b {
            b'\\' => {
                if matches!(bytes.get(i + 1), Some(b'u' | b'r' | b'b' | b'f')) {
                    return false;
                }
                i += 2;
                continue;
            }
            b'"' if i > 0
                && bytes.get(i + 1) == Some(&b'"')
                && matches!(bytes[i - 1], b':' | b'[' | b',') =>
            {
                return false;
            }
            // DEL, which JSON does not escape.
            0x7f => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

/// `(path, nearest key, text)` of every string under `v`.
fn collect_strings<'a>(
    v: &'a Value,
    path: String,
    key: &'a str,
    out: &mut Vec<(String, &'a str, &'a str)>,
) {
    match v {
        Value::String(s) => out.push((path, key, s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_strings(item, format!("{path}[{i}]"), key, out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                // `{ru, kk}` are the editions of the field, not fields.
                let key = if k == "ru" || k == "kk" { key } else { k };
                collect_strings(item, p, key, out);
            }
        }
        _ => {}
    }
}

fn check_text<T>(c: &mut Checker, r: &Loaded<T>, path: &str, key: &str, text: &str) {
    if text.trim().is_empty() {
        if !NOT_TEXT.contains(&key) {
            c.error(&r.origin, path, "the text is empty: it would print nothing")
                .notes
                .push("write the text, or leave out the field if it is optional".into());
        }
        return;
    }
    for ch in unique(
        text.chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\t')),
    ) {
        let d = c.ds.error_in_value(
            &r.origin,
            path,
            &ch.to_string(),
            format!("{} in the text: it cannot be printed", char_name(ch)),
        );
        c.push(d, &r.origin, path).notes.push(
            "remove it; of the control characters only line breaks and tabs may stand in a text"
                .into(),
        );
    }
    // Runs of characters no font has («سلام»), one problem per run.
    let mut seen: Vec<&str> = Vec::new();
    for run in text
        .split(|ch: char| can_draw(ch) || ch.is_control())
        .filter(|run| !run.is_empty())
    {
        if seen.contains(&run) {
            continue;
        }
        seen.push(run);
        let names: Vec<String> = unique(run.chars()).into_iter().map(char_name).collect();
        let shown = match names.len() {
            n if n > 4 => format!("{} and {} more", names[..4].join(", "), n - 4),
            _ => names.join(", "),
        };
        let d = c.ds.error_in_value(
            &r.origin,
            path,
            run,
            format!("«{run}» cannot be printed: no embedded font has {shown}"),
        );
        let d = c.push(d, &r.origin, path);
        d.notes
            .push(format!("fonts tried: {}", families().join(", ")));
        d.notes.push("printable: Russian, Kazakh and Latin letters (with diacritics), Greek, digits, punctuation and common signs; see README, «Characters and scripts»".into());
    }
}

/// The distinct items, in order of first appearance.
fn unique(items: impl Iterator<Item = char>) -> Vec<char> {
    let mut out = Vec::new();
    for c in items {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::surely_fine;

    #[test]
    fn the_quick_look_sends_every_doubtful_record_to_the_slow_one() {
        let fine =
            serde_json::json!({"name": "Школа «Радуга» №\u{a0}5 ₸", "lines": ["a\nb", "c\td"]});
        assert!(surely_fine(&fine.to_string()));
        for doubtful in [
            serde_json::json!({"name": ""}),
            serde_json::json!({"lines": ["a", ""]}),
            serde_json::json!({"name": "a\u{7}"}),
            serde_json::json!({"name": "a\u{7f}"}),
            serde_json::json!({"name": "a\u{85}"}),
            serde_json::json!({"name": "a\rb"}),
            serde_json::json!({"name": "سلام"}),
        ] {
            assert!(!surely_fine(&doubtful.to_string()), "{doubtful}");
        }
    }
}
