//! Tables as record files. A sheet of an `.xlsx` or `.ods` workbook, or a
//! `.csv` file, is read by its first row: organization fields make it a
//! table of organizations, a role or a date of joining a table of
//! participants of clusters (`membership` records), one per row. The rows
//! are translated into the YAML text the loader reads anyway, with the cell
//! every value came from noted ([`Places`]): every check of YAML records
//! then holds for rows, and its problem is shown at the cell
//! («лист «Школы», ячейка D14»).

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader};

use crate::diag::{Diagnostic, Places};
use crate::model::OrgKind;

/// The extensions read as tables.
pub const EXTENSIONS: &[&str] = &["xlsx", "ods", "csv"];

pub fn is_table(path: &Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
}

/// A table translated into record text.
pub struct Translated {
    pub text: String,
    pub places: Arc<Places>,
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Empty,
    Text(String),
    Number(f64),
    /// A date cell, as ДД.ММ.ГГГГ.
    Date(String),
    /// A formula whose cached value is an error (`#DIV/0!`).
    Error(String),
}

/// A sheet: its name (none for CSV) and its non-empty rows, each with its
/// 0-based row index and its cells with their 0-based column index.
struct Sheet {
    name: Option<String>,
    rows: Vec<(u32, Vec<(u32, Value)>)>,
    /// Merged cells (first and last row, first and last column), where
    /// the format keeps them (XLSX).
    merged: Vec<((u32, u32), (u32, u32))>,
}

/// An organization field a column can hold: its path in the record, and
/// the column titles that name it (compared in lower case, «ё» as «е»).
struct Field {
    path: &'static str,
    titles: &'static [&'static str],
    /// A text with Kazakh editions («Полное наименование (каз.)»).
    text: bool,
}

const ORGANIZATION: &[Field] = &[
    Field {
        path: "id",
        titles: &["идентификатор"],
        text: false,
    },
    Field {
        path: "name",
        titles: &[
            "полное наименование",
            "наименование",
            "полное наименование организации",
            "наименование организации",
        ],
        text: true,
    },
    Field {
        path: "short_name",
        titles: &["краткое наименование", "сокращенное наименование"],
        text: true,
    },
    Field {
        path: "kind",
        titles: &["вид", "вид организации", "тип организации"],
        text: false,
    },
    Field {
        path: "country",
        titles: &["страна"],
        text: false,
    },
    Field {
        path: "region",
        titles: &["муниципальное образование", "регион", "район"],
        text: true,
    },
    Field {
        path: "address",
        titles: &["адрес", "юридический адрес"],
        text: true,
    },
    Field {
        path: "inn",
        titles: &["инн"],
        text: false,
    },
    Field {
        path: "kpp",
        titles: &["кпп"],
        text: false,
    },
    Field {
        path: "ogrn",
        titles: &["огрн"],
        text: false,
    },
    Field {
        path: "bin",
        titles: &["бин"],
        text: false,
    },
    Field {
        path: "head.position",
        titles: &["должность руководителя"],
        text: true,
    },
    Field {
        path: "head.name",
        titles: &["руководитель", "фио руководителя"],
        text: false,
    },
    Field {
        path: "head.in_person_of",
        titles: &["в лице"],
        text: true,
    },
    Field {
        path: "head.basis",
        titles: &["действует на основании"],
        text: true,
    },
    Field {
        path: "contacts.phone",
        titles: &["телефон"],
        text: false,
    },
    Field {
        path: "contacts.email",
        titles: &["электронная почта", "e-mail", "email"],
        text: false,
    },
    Field {
        path: "contacts.website",
        titles: &["сайт"],
        text: false,
    },
];

/// The columns of a participants table: a row is a membership of a
/// cluster (its cluster by column, or the sheet's name).
const PARTICIPANT: &[Field] = &[
    Field {
        path: "cluster",
        titles: &["кластер"],
        text: false,
    },
    Field {
        path: "organization",
        titles: &["организация", "id организации"],
        text: false,
    },
    Field {
        path: "inn",
        titles: &["инн"],
        text: false,
    },
    Field {
        path: "bin",
        titles: &["бин"],
        text: false,
    },
    Field {
        path: "role",
        titles: &["роль", "роль в кластере"],
        text: true,
    },
    Field {
        path: "obligations",
        titles: &["обязательства"],
        text: true,
    },
    Field {
        path: "joined",
        titles: &["дата вступления", "вступила", "вступил"],
        text: false,
    },
    Field {
        path: "left",
        titles: &["дата выхода", "вышла", "вышел"],
        text: false,
    },
];

/// What a sheet holds, by its first row: participants when it has a role
/// or a date of joining, else organizations.
fn fields_of(header: &[(u32, Value)]) -> &'static [Field] {
    let participants = header.iter().any(|(_, v)| {
        matches!(v, Value::Text(t) if column_of(t, PARTICIPANT)
            .is_some_and(|c| matches!(PARTICIPANT[c.field].path, "role" | "joined")))
    });
    if participants {
        PARTICIPANT
    } else {
        ORGANIZATION
    }
}

/// Digits a registration number has, for the ones spreadsheets store as
/// numbers (and so without leading zeros).
fn digits_expected(path: &str) -> Option<(&'static str, &'static [usize])> {
    match path {
        "inn" => Some(("ИНН", &[10, 12])),
        "kpp" => Some(("КПП", &[9])),
        "ogrn" => Some(("ОГРН", &[13, 15])),
        "bin" => Some(("БИН", &[12])),
        _ => None,
    }
}

const KINDS: &[OrgKind] = &[
    OrgKind::School,
    OrgKind::College,
    OrgKind::University,
    OrgKind::Enterprise,
    OrgKind::ResearchInstitute,
    OrgKind::GovernmentBody,
    OrgKind::Association,
    OrgKind::Other,
];

fn normal_title(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .replace('ё', "е")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A title as a user writes it: «ИНН», «Полное наименование».
fn shown_title(title: &str) -> String {
    if matches!(title, "инн" | "кпп" | "огрн" | "бин") {
        return title.to_uppercase();
    }
    crate::typography::capitalize(title)
}

/// A column: the field it holds and, for a Kazakh edition, `kk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Column {
    field: usize,
    kk: bool,
}

/// The column a title names: a field's path (`inn`, `head.name`,
/// `name.kk`) or one of its titles (`ИНН`, `Полное наименование (каз.)`).
fn column_of(title: &str, fields: &[Field]) -> Option<Column> {
    let t = normal_title(title);
    let (base, kk) = match t.strip_suffix(".kk").or_else(|| t.strip_suffix(" (каз.)")) {
        Some(base) => (base.trim().to_owned(), true),
        None => (
            t.strip_suffix(".ru")
                .or_else(|| t.strip_suffix(" (рус.)"))
                .unwrap_or(&t)
                .trim()
                .to_owned(),
            false,
        ),
    };
    let field = fields
        .iter()
        .position(|f| f.path == base || f.titles.contains(&base.as_str()))?;
    (!kk || fields[field].text).then_some(Column { field, kk })
}

/// «D14»: a cell as a spreadsheet names it.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let r = (n - 1) % 26;
        letters.push((b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

fn sheet_place(sheet: &Option<String>) -> String {
    match sheet {
        Some(name) => format!("лист «{name}», "),
        None => String::new(),
    }
}

/// Reads a table file's bytes as records: organizations, and participants
/// of clusters (`membership` records).
pub fn translate(name: &str, path: &Path, bytes: &[u8]) -> Result<Translated, Vec<Diagnostic>> {
    let ext = path
        .extension()
        .and_then(|x| x.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let sheets = if ext == "csv" {
        vec![read_csv(name, bytes).map_err(|d| vec![d])?]
    } else {
        read_workbook(name, bytes).map_err(|d| vec![d])?
    };
    let mut organizations = Output::default();
    let mut memberships = Output::default();
    organizations.line("organizations:");
    memberships.line("memberships:");
    let mut tables = 0;
    for sheet in &sheets {
        if sheet.rows.is_empty() {
            continue;
        }
        tables += 1;
        let fields = fields_of(&sheet.rows[0].1);
        let out = if std::ptr::eq(fields, PARTICIPANT) {
            &mut memberships
        } else {
            &mut organizations
        };
        out.sheet(name, sheet, fields);
    }
    if tables == 0 {
        return Err(vec![Diagnostic::error(
            "the table file holds no table: every sheet is empty",
        )
        .at_cell(name, "лист 1, ячейка A1")
        .note("the first row of a sheet names its columns («Полное наименование», «ИНН», …), the rows under it are organizations")]);
    }
    // One text: the organizations, then the memberships (each list only
    // when it has rows), the places of the second shifted after the first.
    let problems: Vec<Diagnostic> = [&organizations, &memberships]
        .into_iter()
        .flat_map(|o| o.problems.iter().cloned())
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut text = String::new();
    let mut places = Places::default();
    for out in [organizations, memberships] {
        if out.records == 0 {
            continue;
        }
        places.append(&out.places, text.len());
        text.push_str(&out.text);
    }
    Ok(Translated {
        text,
        places: Arc::new(places),
    })
}

/// The record text being written, with the place of each value.
#[derive(Default)]
struct Output {
    text: String,
    places: Places,
    problems: Vec<Diagnostic>,
    /// Rows written.
    records: usize,
}

impl Output {
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    /// `key: "value"`, the value noted as coming from `place`.
    fn value(&mut self, indent: usize, key: &str, value: &str, place: &str) {
        self.text.push_str(&" ".repeat(indent));
        self.text.push_str(key);
        self.text.push_str(": ");
        self.places.push(self.text.len(), place);
        self.text
            .push_str(&serde_json::to_string(value).expect("a string serialises"));
        self.text.push('\n');
    }

    /// The records of one sheet (organizations or memberships, as `fields`
    /// say), or its problems.
    fn sheet(&mut self, name: &str, sheet: &Sheet, fields: &'static [Field]) {
        let at = |row: u32, col: u32| {
            format!("{}ячейка {}", sheet_place(&sheet.name), cell_name(row, col))
        };
        let (header_row, header) = &sheet.rows[0];
        let mut columns: Vec<(u32, Column)> = Vec::new();
        let problems = &mut self.problems;
        let before = problems.len();
        for (col, value) in header {
            let title = match value {
                Value::Text(t) => t.clone(),
                Value::Number(n) => n.to_string(),
                Value::Date(d) => d.clone(),
                Value::Error(e) => e.clone(),
                Value::Empty => continue,
            };
            match column_of(&title, fields) {
                Some(c) if columns.iter().any(|(_, seen)| *seen == c) => {
                    problems.push(
                        Diagnostic::error(format!("column «{}» is there twice", title.trim()))
                            .at_cell(name, at(*header_row, *col)),
                    );
                }
                Some(c) => columns.push((*col, c)),
                None => {
                    let mut titles: Vec<&str> = fields
                        .iter()
                        .flat_map(|f| f.titles.iter().copied())
                        .collect();
                    titles.extend(fields.iter().map(|f| f.path));
                    let mut d = Diagnostic::error(format!("unknown column «{}»", title.trim()))
                        .at_cell(name, at(*header_row, *col));
                    // «ИНН организации»: a known title as its first word.
                    let t = normal_title(&title);
                    let near = titles
                        .iter()
                        .copied()
                        .filter(|k| t.starts_with(&format!("{k} ")))
                        .max_by_key(|k| k.len())
                        .or_else(|| super::did_you_mean(&t, &titles));
                    if let Some(near) = near {
                        d = d.note(format!("did you mean «{}»?", shown_title(near)));
                    }
                    problems.push(d.note("an organization table has the columns «Полное наименование», «Краткое наименование», «Вид», «Муниципальное образование», «Адрес», «ИНН», «КПП», «ОГРН», «БИН», «Руководитель», … (README, Tables)"));
                }
            }
        }
        if problems.len() > before {
            return;
        }
        // Cells merged down several rows show one value for all of them,
        // but only the first row holds it: the others would lose it.
        for &((top, left), (bottom, right)) in &sheet.merged {
            if bottom > top && bottom > *header_row {
                let first = cell_name(top, left);
                self.problems.push(
                    Diagnostic::error(format!(
                        "cells {first}:{} are merged: the value shows for {} rows, but only row {} holds it",
                        cell_name(bottom, right),
                        bottom - top + 1,
                        top + 1
                    ))
                    .at_cell(name, at(top, left))
                    .note("unmerge the cells and fill in every row"),
                );
            }
        }
        if self.problems.len() > before {
            return;
        }
        let column_at = |col: u32| columns.iter().find(|(c, _)| *c == col).map(|(_, c)| *c);
        for (row, cells) in &sheet.rows[1..] {
            let row_place = format!("{}строка {}", sheet_place(&sheet.name), row + 1);
            // The values of the row by field, in column order.
            let mut values: Vec<(Column, String, String)> = Vec::new();
            let problems_before = self.problems.len();
            for (col, value) in cells {
                let place = at(*row, *col);
                let Some(column) = column_at(*col) else {
                    self.problems.push(
                        Diagnostic::error("a value in a column with no title")
                            .at_cell(name, place)
                            .note("give the column a title in the first row, or clear the cell"),
                    );
                    continue;
                };
                let field = &fields[column.field];
                let text = match value {
                    Value::Empty => continue,
                    Value::Text(t) => t.trim().to_owned(),
                    Value::Date(d) => d.clone(),
                    Value::Error(e) => {
                        self.problems.push(
                            Diagnostic::error(format!(
                                "the cell holds the error {e} of a formula, not a value"
                            ))
                            .at_cell(name, place),
                        );
                        continue;
                    }
                    Value::Number(n) => {
                        let digits = if n.fract() == 0.0 && n.abs() < 1e16 {
                            format!("{}", *n as i64)
                        } else {
                            n.to_string()
                        };
                        if let Some((what, lengths)) = digits_expected(field.path)
                            && digits.len() < lengths[0]
                            && digits.bytes().all(|b| b.is_ascii_digit())
                        {
                            self.problems.push(Diagnostic::error(format!(
                                "{what} {digits} has {} digits, not {}: the cell holds a number, and a number keeps no leading zeros",
                                digits.len(),
                                lengths.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" or ")
                            ))
                            .at_cell(name, place)
                            .note(format!("format the column as text and type the {what} again; clusterdoc does not guess the missing digits")));
                            continue;
                        }
                        digits
                    }
                };
                if text.is_empty() {
                    continue;
                }
                let text = if field.path == "kind" {
                    kind_value(&text)
                } else {
                    text
                };
                values.push((column, text, place));
            }
            // A row with a refused cell is not a record: its other
            // problems would follow from the refusal.
            if values.is_empty() || self.problems.len() > problems_before {
                continue;
            }
            if std::ptr::eq(fields, PARTICIPANT) {
                self.membership(name, sheet, &row_place, values);
                continue;
            }
            let named = values.iter().any(|(c, _, _)| {
                matches!(ORGANIZATION[c.field].path, "id" | "inn" | "bin") && !c.kk
            });
            if !named {
                self.problems.push(
                    Diagnostic::error("the row has no id, and no ИНН or БИН to make one from")
                        .at_cell(name, row_place)
                        .note("other records name an organization by its id: add an «id» column, or give the row its ИНН (id `inn-<ИНН>`) or БИН (id `bin-<БИН>`)"),
                );
                continue;
            }
            self.row(&row_place, values);
        }
    }

    /// One organization: the row's values under their fields, nested ones
    /// (`head.name`) grouped, Kazakh editions as `{ru, kk}`. The entry's
    /// `-` stands alone on its line, so that a problem with the record as
    /// a whole (a missing field) points at the row.
    fn row(&mut self, row_place: &str, values: Vec<(Column, String, String)>) {
        self.records += 1;
        self.places.push(self.text.len(), row_place);
        self.line("  -");
        // An organization is referred to by its id: without an id column,
        // `inn-<ИНН>` or `bin-<БИН>`.
        let has_id = values
            .iter()
            .any(|(c, _, _)| ORGANIZATION[c.field].path == "id");
        if !has_id
            && let Some((c, v, place)) = values
                .iter()
                .find(|(c, _, _)| matches!(ORGANIZATION[c.field].path, "inn" | "bin") && !c.kk)
        {
            self.value(
                4,
                "id",
                &format!("{}-{v}", ORGANIZATION[c.field].path),
                place,
            );
        }
        let mut parents: Vec<&str> = Vec::new();
        for (f, field) in ORGANIZATION.iter().enumerate() {
            let ru = values.iter().find(|(c, _, _)| c.field == f && !c.kk);
            let kk = values.iter().find(|(c, _, _)| c.field == f && c.kk);
            if ru.is_none() && kk.is_none() {
                continue;
            }
            let (indent, key) = match field.path.split_once('.') {
                Some((parent, key)) => {
                    if !parents.contains(&parent) {
                        parents.push(parent);
                        self.line(&format!("    {parent}:"));
                    }
                    (6, key)
                }
                None => (4, field.path),
            };
            match (ru, kk) {
                (Some((_, v, place)), None) => self.value(indent, key, v, place),
                (ru, kk) => {
                    self.line(&format!("{}{key}:", " ".repeat(indent)));
                    for (lang, edition) in [("ru", ru), ("kk", kk)] {
                        if let Some((_, v, place)) = edition {
                            self.value(indent + 2, lang, v, place);
                        }
                    }
                }
            }
        }
    }
}

impl Output {
    /// One membership: its cluster (the column, or the sheet's name),
    /// organization, role, obligations (one per line or `;`), dates.
    fn membership(
        &mut self,
        name: &str,
        sheet: &Sheet,
        row_place: &str,
        values: Vec<(Column, String, String)>,
    ) {
        let get = |path: &str, kk: bool| {
            values
                .iter()
                .find(|(c, _, _)| PARTICIPANT[c.field].path == path && c.kk == kk)
        };
        let cluster = match (get("cluster", false), &sheet.name) {
            (Some((_, v, place)), _) => (v.clone(), place.clone()),
            (None, Some(sheet_name)) => (sheet_name.clone(), format!("лист «{sheet_name}»")),
            (None, None) => {
                self.problems.push(
                    Diagnostic::error("the row names no cluster")
                        .at_cell(name, row_place)
                        .note("add a «Кластер» column (the cluster's id or name); in a workbook, a sheet named after the cluster will do"),
                );
                return;
            }
        };
        self.records += 1;
        self.places.push(self.text.len(), row_place);
        self.line("  -");
        self.value(4, "cluster", &cluster.0, &cluster.1);
        for path in ["organization", "inn", "bin"] {
            if let Some((_, v, place)) = get(path, false) {
                self.value(4, path, v, place);
            }
        }
        let (ru, kk) = (get("role", false), get("role", true));
        match (ru, kk) {
            (Some((_, v, place)), None) => self.value(4, "role", v, place),
            (None, None) => {}
            (ru, kk) => {
                self.line("    role:");
                for (lang, edition) in [("ru", ru), ("kk", kk)] {
                    if let Some((_, v, place)) = edition {
                        self.value(6, lang, v, place);
                    }
                }
            }
        }
        if let Some((_, v, place)) = get("obligations", false) {
            self.line("    obligations:");
            for item in v
                .split(['\n', ';'])
                .map(str::trim)
                .filter(|i| !i.is_empty())
            {
                self.places.push(self.text.len(), place.as_str());
                self.text.push_str("      - ");
                self.text
                    .push_str(&serde_json::to_string(item).expect("a string serialises"));
                self.text.push('\n');
            }
        }
        for path in ["joined", "left"] {
            if let Some((_, v, place)) = get(path, false) {
                self.value(4, path, v, place);
            }
        }
    }
}

/// A kind as the records write it (`school`), also from its title in a
/// document («общеобразовательная организация»).
fn kind_value(text: &str) -> String {
    let t = normal_title(text);
    let short = match t.as_str() {
        "школа" | "гимназия" | "лицей" => Some(OrgKind::School),
        "колледж" | "техникум" => Some(OrgKind::College),
        "вуз" | "университет" | "институт" | "академия" => {
            Some(OrgKind::University)
        }
        "предприятие" => Some(OrgKind::Enterprise),
        _ => None,
    };
    if let Some(k) = short {
        return serde_yaml::to_string(&k).map_or_else(|_| text.to_owned(), |s| s.trim().to_owned());
    }
    KINDS
        .iter()
        .find(|k| {
            [crate::ir::Lang::Ru, crate::ir::Lang::Kk]
                .iter()
                .any(|l| normal_title(k.title(*l)) == t)
        })
        .and_then(|k| serde_yaml::to_string(k).ok())
        .map_or_else(|| text.to_owned(), |s| s.trim().to_owned())
}

fn read_workbook(name: &str, bytes: &[u8]) -> Result<Vec<Sheet>, Diagnostic> {
    let cannot = |e: &dyn std::fmt::Display| {
        Diagnostic::error(format!("{name} cannot be read as a workbook: {e}"))
            .at_cell(name, "лист 1, ячейка A1")
            .note("save it again from the spreadsheet program as .xlsx or .ods")
    };
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| cannot(&e))?;
    let mut sheets = Vec::new();
    for sheet_name in book.sheet_names() {
        let range = book.worksheet_range(&sheet_name).map_err(|e| cannot(&e))?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows = Vec::new();
        for (r, row) in range.rows().enumerate() {
            let cells: Vec<(u32, Value)> = row
                .iter()
                .enumerate()
                .map(|(c, d)| (left + c as u32, value_of(d)))
                .filter(|(_, v)| !is_blank(v))
                .collect();
            if !cells.is_empty() {
                rows.push((top + r as u32, cells));
            }
        }
        let merged = match &mut book {
            calamine::Sheets::Xlsx(x) => x
                .merge_cells_by_sheet_name(&sheet_name)
                .unwrap_or_default()
                .into_iter()
                .map(|d| (d.start, d.end))
                .collect(),
            _ => Vec::new(),
        };
        sheets.push(Sheet {
            name: Some(sheet_name),
            rows,
            merged,
        });
    }
    Ok(sheets)
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Empty => true,
        Value::Text(t) => t.trim().is_empty(),
        _ => false,
    }
}

fn value_of(d: &Data) -> Value {
    match d {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::Text(s.clone()),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Text(b.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            excel_date(dt.as_f64()).map_or(Value::Number(dt.as_f64()), Value::Date)
        }
        Data::DateTime(dt) => Value::Number(dt.as_f64()),
        Data::DateTimeIso(s) => Value::Date(iso_date(s)),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
    }
}

/// A spreadsheet's serial date (days since 30.12.1899, with the day
/// 29.02.1900 that Excel counts and that never was) as ДД.ММ.ГГГГ.
fn excel_date(serial: f64) -> Option<String> {
    let days = serial.floor() as i64;
    let days = if days < 60 { days + 1 } else { days };
    let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let d = epoch.checked_add(time::Duration::days(days))?;
    Some(format!(
        "{:02}.{:02}.{}",
        d.day(),
        u8::from(d.month()),
        d.year()
    ))
}

/// `2023-03-01` (or `2023-03-01T00:00:00`) as ДД.ММ.ГГГГ.
fn iso_date(s: &str) -> String {
    let day = s.split('T').next().unwrap_or(s);
    match day.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => format!("{d}.{m}.{y}"),
        _ => s.to_owned(),
    }
}

/// A CSV file: UTF-8 (a byte-order mark is allowed), `;` or `,` between
/// fields — whichever the first line has more of (Russian spreadsheet
/// programs write `;`).
fn read_csv(name: &str, bytes: &[u8]) -> Result<Sheet, Diagnostic> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() as u32;
        Diagnostic::error("the table is not UTF-8 text")
            .at_cell(name, format!("строка {}", line + 1))
            .note("save the table as «CSV UTF-8» (in LibreOffice: character set «Unicode (UTF-8)»)")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Diagnostic::error(format!("{name} cannot be read as CSV: {e}"))
                .at_cell(name, format!("строка {line}"))
        })?;
        // The record's 0-based line: its position is where the reader
        // started, before the blank lines it skipped.
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let rest = &text[start.min(text.len())..];
        let skipped = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
        let row = text[..start + skipped].matches('\n').count() as u32;
        let cells: Vec<(u32, Value)> = record
            .iter()
            .enumerate()
            .map(|(c, v)| (c as u32, Value::Text(v.to_owned())))
            .filter(|(_, v)| !is_blank(v))
            .collect();
        if !cells.is_empty() {
            rows.push((row, cells));
        }
    }
    Ok(Sheet {
        name: None,
        rows,
        merged: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_are_calendar_dates() {
        assert_eq!(excel_date(44986.0).as_deref(), Some("01.03.2023"));
        assert_eq!(excel_date(1.0).as_deref(), Some("01.01.1900"));
        assert_eq!(excel_date(61.0).as_deref(), Some("01.03.1900"));
    }

    #[test]
    fn cells_are_named_as_spreadsheets_name_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(13, 3), "D14");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 27), "AB10");
    }

    #[test]
    fn titles_name_fields_in_russian_or_by_path() {
        let path = |t: &str| column_of(t, ORGANIZATION).map(|c| (ORGANIZATION[c.field].path, c.kk));
        assert_eq!(path("ИНН"), Some(("inn", false)));
        assert_eq!(path(" полное  наименование "), Some(("name", false)));
        assert_eq!(path("Полное наименование (каз.)"), Some(("name", true)));
        assert_eq!(path("head.name"), Some(("head.name", false)));
        assert_eq!(
            path("Сокращённое наименование"),
            Some(("short_name", false))
        );
        assert_eq!(path("ИНН (каз.)"), None);
        assert_eq!(path("ИНН организации"), None);
    }

    #[test]
    fn a_csv_becomes_records_with_every_value_at_its_cell() {
        let csv = "Полное наименование;Вид;ИНН\n\nМБОУ «СОШ № 1»;общеобразовательная организация;2501007314\n";
        let t = translate("data/schools.csv", Path::new("schools.csv"), csv.as_bytes()).unwrap();
        assert_eq!(
            t.text,
            "organizations:\n  -\n    id: \"inn-2501007314\"\n    name: \"МБОУ «СОШ № 1»\"\n    kind: \"school\"\n    inn: \"2501007314\"\n"
        );
        let at = |needle: &str| t.places.at(t.text.find(needle).unwrap());
        assert_eq!(at("\"МБОУ"), "ячейка A3");
        assert_eq!(at("\"school"), "ячейка B3");
        assert_eq!(at("\"2501007314\"\n"), "ячейка C3");
        assert_eq!(at("-\n"), "строка 3");
    }
}
