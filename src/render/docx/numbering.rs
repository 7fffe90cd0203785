//! Which Word list instance (`w:num`) each clause uses, so that the numbers
//! Word and LibreOffice compute equal the labels the IR prints.
//!
//! All clauses share one abstract numbering whose level `k` shows
//! `%1.%2.….%(k+1).`. A list instance continues the previous one unless a
//! label disagrees with what the counters would show; then a fresh instance
//! starts with `startOverride` on every level, which both Word and LibreOffice
//! treat as a clean restart.

/// Word numbering has nine levels.
pub const LEVELS: usize = 9;

/// What to write for one clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseNumber {
    /// A real list number: `w:numPr` with this list instance and level.
    List { num_id: usize, level: usize },
    /// The label cannot be expressed as a decimal list; print it as text.
    Text,
}

/// A list instance to declare in `numbering.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub num_id: usize,
    /// `startOverride` for each level.
    pub starts: [usize; LEVELS],
}

#[derive(Debug)]
struct Current {
    num_id: usize,
    starts: [usize; LEVELS],
    /// The value each level last showed; `None` if not used since its restart.
    counters: [Option<usize>; LEVELS],
    /// Shown but never used as a clause of its own in this instance.
    implied: [bool; LEVELS],
}

/// Plans list instances across all clause blocks of one document.
#[derive(Debug)]
pub struct Planner {
    /// `w:num` ids start at 2: docx-rs presets id 1.
    next_id: usize,
    current: Option<Current>,
    pub instances: Vec<Instance>,
}

impl Default for Planner {
    fn default() -> Self {
        Planner {
            next_id: 2,
            current: None,
            instances: Vec::new(),
        }
    }
}

/// «5.1.» → [5, 1]. Only decimal components, each followed by a dot.
pub fn parse_label(label: &str) -> Option<Vec<usize>> {
    let body = label.trim().strip_suffix('.')?;
    let parts: Vec<usize> = body
        .split('.')
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() < 9 {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect::<Option<_>>()?;
    (!parts.is_empty() && parts.len() <= LEVELS).then_some(parts)
}

impl Planner {
    /// Called at the start of each `Clauses` block: the block restarts the
    /// numbering only when its first label is «1.».
    pub fn begin_block(&mut self, first_label: Option<&str>) {
        if first_label.map(str::trim) == Some("1.") {
            self.current = None;
        }
    }

    /// The number for the next clause, in document order.
    pub fn number(&mut self, label: &str) -> ClauseNumber {
        let Some(parts) = parse_label(label) else {
            return ClauseNumber::Text;
        };
        let level = parts.len() - 1;
        let fits = self
            .current
            .as_ref()
            .is_some_and(|cur| predict(cur, level).as_deref() == Some(&parts[..]));
        if !fits {
            let mut starts = [1; LEVELS];
            starts[..parts.len()].copy_from_slice(&parts);
            let num_id = self.next_id;
            self.next_id += 1;
            self.instances.push(Instance { num_id, starts });
            // Levels above this one show their start values; clients differ on
            // how such an implied level counts on, so a later clause at that
            // level gets a fresh instance rather than a guess.
            let mut counters = [None; LEVELS];
            let mut implied = [false; LEVELS];
            for k in 0..level {
                counters[k] = Some(starts[k]);
                implied[k] = true;
            }
            self.current = Some(Current {
                num_id,
                starts,
                counters,
                implied,
            });
        }
        let cur = self.current.as_mut().expect("an instance was just chosen");
        cur.counters[level] = Some(parts[level]);
        cur.implied[level] = false;
        for k in level + 1..LEVELS {
            cur.counters[k] = None;
            cur.implied[k] = false;
        }
        ClauseNumber::List {
            num_id: cur.num_id,
            level,
        }
    }
}

/// The label the client would show for the next paragraph at `level`, if it
/// is certain.
fn predict(cur: &Current, level: usize) -> Option<Vec<usize>> {
    if cur.implied[level] {
        return None;
    }
    let mut shown = Vec::with_capacity(level + 1);
    for k in 0..level {
        shown.push(cur.counters[k]?);
    }
    shown.push(cur.counters[level].map_or(cur.starts[level], |v| v + 1));
    Some(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(blocks: &[&[&str]]) -> (Vec<ClauseNumber>, Vec<Instance>) {
        let mut p = Planner::default();
        let mut out = Vec::new();
        for block in blocks {
            p.begin_block(block.first().copied());
            for label in *block {
                out.push(p.number(label));
            }
        }
        (out, p.instances)
    }

    fn list(num_id: usize, level: usize) -> ClauseNumber {
        ClauseNumber::List { num_id, level }
    }

    #[test]
    fn parses_labels() {
        assert_eq!(parse_label("5.1."), Some(vec![5, 1]));
        assert_eq!(parse_label("1."), Some(vec![1]));
        assert_eq!(parse_label("5.1"), None);
        assert_eq!(parse_label("а)"), None);
        assert_eq!(parse_label("1..2."), None);
        assert_eq!(parse_label("I."), None);
    }

    #[test]
    fn one_instance_for_a_regular_sequence() {
        let (nums, inst) = plan(&[&["1.", "2.", "2.1.", "2.2.", "3.", "3.1."]]);
        assert_eq!(
            nums,
            vec![
                list(2, 0),
                list(2, 0),
                list(2, 1),
                list(2, 1),
                list(2, 0),
                list(2, 1)
            ]
        );
        assert_eq!(inst.len(), 1);
        assert_eq!(inst[0].starts, [1; LEVELS]);
    }

    #[test]
    fn a_block_continues_unless_it_starts_at_one() {
        let (nums, inst) = plan(&[&["1.", "2."], &["3.", "4."], &["1."]]);
        assert_eq!(
            nums,
            vec![list(2, 0), list(2, 0), list(2, 0), list(2, 0), list(3, 0)]
        );
        assert_eq!(inst.len(), 2);
    }

    #[test]
    fn gaps_and_odd_starts_get_their_own_instance() {
        let (nums, inst) = plan(&[&["3.", "5.", "5.4.", "6."]]);
        assert_eq!(nums, vec![list(2, 0), list(3, 0), list(4, 1), list(5, 0)]);
        assert_eq!(inst[0].starts[0], 3);
        assert_eq!(inst[1].starts[0], 5);
        assert_eq!(&inst[2].starts[..2], &[5, 4]);
        assert_eq!(inst[3].starts[0], 6);
    }

    #[test]
    fn labels_that_are_not_decimal_stay_text() {
        let (nums, _) = plan(&[&["1.", "а)", "2."]]);
        assert_eq!(nums, vec![list(2, 0), ClauseNumber::Text, list(2, 0)]);
    }
}
