//! Calendar dates as clerks write them (`26.09.2022`, or ISO `2022-09-26`) and
//! as documents print them (`26.09.2022`, `26 сентября 2022 г.`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lang::Lang;

/// A calendar date. Ordered, hashable, printed as ДД.ММ.ГГГГ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

const MONTHS_RU_GENITIVE: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

const MONTHS_KK: [&str; 12] = [
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
];

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, String> {
        let m = time::Month::try_from(month).map_err(|_| format!("there is no month {month}"))?;
        time::Date::from_calendar_date(year, m, day)
            .map(Date)
            .map_err(|_| format!("{day:02}.{month:02}.{year} does not exist"))
    }

    /// Parses `ДД.ММ.ГГГГ` or `ГГГГ-ММ-ДД`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("«{s}» is not a date; write it as ДД.ММ.ГГГГ, e.g. 26.09.2022");
        let parts: Vec<&str> = if s.contains('.') {
            s.split('.').collect()
        } else if s.contains('-') {
            let mut p: Vec<&str> = s.split('-').collect();
            p.reverse();
            p
        } else {
            return Err(bad());
        };
        if parts.len() != 3
            || parts[2].len() != 4
            || parts[0].is_empty()
            || parts[0].len() > 2
            || parts[1].is_empty()
            || parts[1].len() > 2
        {
            return Err(bad());
        }
        let num = |p: &str| -> Result<u32, String> {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (day, month, year) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
        if day > 31 || month > 12 {
            return Err(format!(
                "{s} is not a date: there is no {}",
                if month > 12 {
                    format!("month {month}")
                } else {
                    format!("day {day}")
                }
            ));
        }
        Date::new(year as i32, month as u8, day as u8)
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    pub fn month(self) -> u8 {
        self.0.month() as u8
    }

    pub fn day(self) -> u8 {
        self.0.day()
    }

    /// Seconds since the Unix epoch at midnight UTC of this date.
    pub fn unix_seconds(self) -> i64 {
        self.0.midnight().assume_utc().unix_timestamp()
    }

    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        time::OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .map(|t| Date(t.date()))
    }

    /// `26 сентября 2022 г.` / `2022 жылғы 26 қыркүйек`.
    pub fn long(self, lang: Lang) -> String {
        let m = usize::from(self.month()) - 1;
        match lang {
            Lang::Ru => format!(
                "{}\u{a0}{} {}\u{a0}г.",
                self.day(),
                MONTHS_RU_GENITIVE[m],
                self.year()
            ),
            Lang::Kk => format!(
                "{}\u{a0}жылғы {}\u{a0}{}",
                self.year(),
                self.day(),
                MONTHS_KK[m]
            ),
        }
    }

    /// Whole days from `earlier` to this date (negative if it is later).
    pub fn days_since(self, earlier: Date) -> i64 {
        (self.0 - earlier.0).whole_days()
    }

    /// The last day of the given year.
    pub fn end_of_year(year: i32) -> Self {
        Date::new(year, 12, 31).expect("31 December exists")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}.{:02}.{:04}",
            self.day(),
            self.month(),
            self.year()
        )
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A due date of a roadmap step as clerks write it: «до 26.09.2022»,
/// «10.10.2022 – 14.10.2022», «26.09.2022», or words («В течение года»).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    Until(Date),
    On(Date),
    Range(Date, Date),
    Text(String),
}

impl Due {
    pub fn parse(s: &str) -> Result<Due, String> {
        let t = s.trim();
        let (dates, rest) = scan_dates(t);
        let rest = rest.trim().to_lowercase();
        let separators_only = rest
            .chars()
            .all(|c| c.is_whitespace() || "–—-,".contains(c));
        let dates = dates
            .iter()
            .map(|d| Date::parse(d))
            .collect::<Result<Vec<_>, _>>()?;
        match (dates.as_slice(), rest.as_str()) {
            ([], _) => Ok(Due::Text(t.to_owned())),
            ([d], "до") => Ok(Due::Until(*d)),
            ([d], _) if separators_only => Ok(Due::On(*d)),
            ([a, b], _) if separators_only => {
                if b < a {
                    Err(format!("the period ends ({b}) before it starts ({a})"))
                } else {
                    Ok(Due::Range(*a, *b))
                }
            }
            _ => Err(format!(
                "«{t}» mixes dates and words; write «до ДД.ММ.ГГГГ», «ДД.ММ.ГГГГ – ДД.ММ.ГГГГ» or words only"
            )),
        }
    }

    /// The earliest date the step may fall on, if it has one.
    pub fn first(&self) -> Option<Date> {
        match self {
            Due::Until(d) | Due::On(d) | Due::Range(d, _) => Some(*d),
            Due::Text(_) => None,
        }
    }

    /// The latest date the step may fall on, if it has one.
    pub fn last(&self) -> Option<Date> {
        match self {
            Due::Until(d) | Due::On(d) | Due::Range(_, d) => Some(*d),
            Due::Text(_) => None,
        }
    }
}

/// Splits a text into the date-like tokens it holds (`ДД.ММ.ГГГГ` or
/// `ГГГГ-ММ-ДД`) and the text around them.
fn scan_dates(t: &str) -> (Vec<&str>, String) {
    let b = t.as_bytes();
    let digits = |from: usize, n: usize| {
        b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_digit)
    };
    let mut dates = Vec::new();
    let mut rest = String::new();
    let mut i = 0;
    while i < b.len() {
        let iso = digits(i, 4)
            && b.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
            && b.get(i + 7) == Some(&b'-')
            && digits(i + 8, 2);
        let dotted = (1..=2).find_map(|d| {
            (digits(i, d) && b.get(i + d) == Some(&b'.'))
                .then(|| {
                    (1..=2)
                        .find(|&m| {
                            digits(i + d + 1, m)
                                && b.get(i + d + 1 + m) == Some(&b'.')
                                && digits(i + d + m + 2, 4)
                        })
                        .map(|m| d + m + 6)
                })
                .flatten()
        });
        let len = if iso { Some(10) } else { dotted };
        match len {
            Some(len) if i == 0 || !b[i - 1].is_ascii_digit() => {
                dates.push(&t[i..i + len]);
                rest.push(' ');
                i += len;
            }
            _ => {
                let c = t[i..].chars().next().expect("index is on a char boundary");
                rest.push(c);
                i += c.len_utf8();
            }
        }
    }
    (dates, rest)
}

impl fmt::Display for Due {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Due::Until(d) => write!(f, "До {d}"),
            Due::On(d) => write!(f, "{d}"),
            Due::Range(a, b) => write!(f, "{a} – {b}"),
            Due::Text(t) => f.write_str(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_spellings() {
        assert_eq!(Date::parse("26.09.2022").unwrap().to_string(), "26.09.2022");
        assert_eq!(Date::parse("2022-09-26").unwrap().to_string(), "26.09.2022");
        assert_eq!(Date::parse("5.6.2016").unwrap().to_string(), "05.06.2016");
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(
            Date::parse("31.02.2022")
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(Date::parse("29.02.2023").is_err());
        assert!(Date::parse("29.02.2024").is_ok());
        assert!(Date::parse("01.13.2022").is_err());
        assert!(Date::parse("2022/09/26").is_err());
        assert!(Date::parse("26.09.22").is_err());
    }

    #[test]
    fn long_form() {
        let d = Date::parse("05.06.2016").unwrap();
        assert_eq!(d.long(Lang::Ru), "5\u{a0}июня 2016\u{a0}г.");
        assert_eq!(d.long(Lang::Kk), "2016\u{a0}жылғы 5\u{a0}маусым");
    }

    #[test]
    fn due_forms() {
        assert_eq!(
            Due::parse("До 26.09.2022").unwrap().to_string(),
            "До 26.09.2022"
        );
        assert_eq!(
            Due::parse("10.10.2022 14.10.2022").unwrap().to_string(),
            "10.10.2022 – 14.10.2022"
        );
        assert_eq!(
            Due::parse("15.01.2023- 20.01.2023").unwrap().to_string(),
            "15.01.2023 – 20.01.2023"
        );
        assert_eq!(
            Due::parse("2022-10-10 – 2022-10-14").unwrap().to_string(),
            "10.10.2022 – 14.10.2022"
        );
        assert_eq!(
            Due::parse("В течение года").unwrap(),
            Due::Text("В течение года".into())
        );
        assert!(
            Due::parse("14.10.2022 – 10.10.2022")
                .unwrap_err()
                .contains("before it starts")
        );
        assert!(Due::parse("до 31.02.2022").is_err());
        assert!(
            Due::parse("после 10.10.2022")
                .unwrap_err()
                .contains("mixes")
        );
        assert_eq!(
            Due::parse("26.09.2022").unwrap(),
            Due::On(Date::parse("26.09.2022").unwrap())
        );
    }
}
