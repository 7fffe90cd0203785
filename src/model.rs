//! Record formats: what a YAML file under `data/` may contain.
//!
//! A data file is a mapping whose keys name record kinds (`organization`,
//! `organizations`, `order`, …); each value is one record or a list of them.
//! Every struct denies unknown fields, so a misspelt key is an error with a
//! "did you mean" rather than silently ignored data.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::dates::Date;
use crate::ir::Lang;

/// A record id: a short lowercase slug (`[a-z0-9-]`), since ids become file names.
/// Checked in `validate`, so a bad id is reported without losing the record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the id is a slug: 1–64 characters of `a-z`, `0-9` and inner `-`.
    pub fn is_slug(&self) -> bool {
        let s = self.0.as_str();
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text in Russian, optionally with its Kazakh translation:
/// `name: Текст` or `name: {ru: Текст, kk: Мәтін}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Text {
    pub ru: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kk: Option<String>,
}

impl Text {
    pub fn get(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Ru => Some(&self.ru),
            Lang::Kk => self.kk.as_deref(),
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text, or a mapping {ru: …, kk: …}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text {
                    ru: v.to_owned(),
                    kk: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Both {
                    ru: String,
                    kk: Option<String>,
                }
                let b = Both::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Text { ru: b.ru, kk: b.kk })
            }
        }
        d.deserialize_any(TextVisitor)
    }
}

// ---------------------------------------------------------------------------
// Organizations, issuers, officials

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgKind {
    School,
    College,
    University,
    Enterprise,
    ResearchInstitute,
    GovernmentBody,
    Association,
    Other,
}

impl OrgKind {
    /// How the kind is named in documents.
    pub fn title(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (OrgKind::School, Lang::Ru) => "общеобразовательная организация",
            (OrgKind::College, Lang::Ru) => "профессиональная образовательная организация",
            (OrgKind::University, Lang::Ru) => "образовательная организация высшего образования",
            (OrgKind::Enterprise, Lang::Ru) => "предприятие",
            (OrgKind::ResearchInstitute, Lang::Ru) => "научная организация",
            (OrgKind::GovernmentBody, Lang::Ru) => "государственный орган",
            (OrgKind::Association, Lang::Ru) => "объединение работодателей",
            (OrgKind::Other, Lang::Ru) => "иная организация",
            (OrgKind::School, Lang::Kk) => "жалпы білім беретін ұйым",
            (OrgKind::College, Lang::Kk) => "техникалық және кәсіптік білім беру ұйымы",
            (OrgKind::University, Lang::Kk) => "жоғары білім беру ұйымы",
            (OrgKind::Enterprise, Lang::Kk) => "кәсіпорын",
            (OrgKind::ResearchInstitute, Lang::Kk) => "ғылыми ұйым",
            (OrgKind::GovernmentBody, Lang::Kk) => "мемлекеттік орган",
            (OrgKind::Association, Lang::Kk) => "жұмыс берушілер бірлестігі",
            (OrgKind::Other, Lang::Kk) => "өзге ұйым",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Country {
    #[default]
    Ru,
    Kz,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub id: Id,
    /// Full name: «Государственное профессиональное образовательное учреждение …».
    pub name: Text,
    /// Short name: «ГПОУ ТО «ТГМК им. Н. Демидова»».
    pub short_name: Option<Text>,
    pub kind: OrgKind,
    #[serde(default)]
    pub country: Country,
    pub region: Option<Text>,
    pub address: Option<Text>,
    pub head: Option<Head>,
    /// Russia: ИНН (10 digits for organizations) and ОГРН (13 digits).
    pub inn: Option<String>,
    pub kpp: Option<String>,
    pub ogrn: Option<String>,
    /// Kazakhstan: БИН (12 digits).
    pub bin: Option<String>,
    pub contacts: Option<Contacts>,
}

/// The head of an organization, as agreements name and sign for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// «Директор».
    pub position: Text,
    /// Full name in the nominative: «Иванов Иван Иванович».
    pub name: String,
    /// «в лице директора Иванова Ивана Ивановича» — position and name in the genitive.
    pub in_person_of: Option<Text>,
    /// What the head acts on: «Устава» (genitive, after «на основании»).
    pub basis: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

/// A body that issues orders, with the officials who sign them and are named
/// as responsible.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    pub id: Id,
    /// «министерство образования Приморского края».
    pub name: String,
    /// «министерства образования Приморского края» (after «приказом», «к приказу»).
    pub name_genitive: String,
    /// Letterhead lines; default: the name in capitals on one line.
    #[serde(default)]
    pub letterhead: Vec<String>,
    /// «г. Владивосток».
    pub place: String,
    /// The formatting profile of this issuer's documents.
    pub profile: Option<String>,
    #[serde(default)]
    pub officials: Vec<Official>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Official {
    pub id: Id,
    /// «Шамонова».
    pub surname: String,
    /// «Э. В.».
    pub initials: String,
    /// Position in the nominative.
    pub position: String,
    /// Signature block lines of the position, if it should break other than
    /// where the renderer would.
    #[serde(default)]
    pub signature: Vec<String>,
}

impl Official {
    /// «Шамонова Э. В.» — how responsible people are listed.
    pub fn surname_initials(&self) -> String {
        format!("{} {}", self.surname, self.initials)
    }

    /// «Э. В. Шамонова» — how a signature is printed.
    pub fn initials_surname(&self) -> String {
        format!("{} {}", self.initials, self.surname)
    }
}

// ---------------------------------------------------------------------------
// Clusters

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    Primorsky,
    Tula,
    Kazakhstan,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub id: Id,
    pub name: Text,
    /// The name in the genitive («Отраслевого кластера … «Машиностроение»»),
    /// for «развитие …», «участников …».
    pub name_genitive: Option<Text>,
    pub short_name: Option<Text>,
    pub style: Style,
    pub sector: Text,
    pub region: Text,
    /// The organization that runs the cluster (оператор деятельности Кластера).
    pub operator: Option<Id>,
    /// Tula: the regional ministry (Региональный оператор).
    pub regional_operator: Option<Id>,
    /// Tula: ЦОПП (Региональный координатор).
    pub regional_coordinator: Option<Id>,
    /// Date of the decision creating the cluster.
    pub established: Option<Date>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    pub council: Option<Council>,
    /// Languages the passport is issued in (default: Russian only).
    #[serde(default)]
    pub editions: Vec<Lang>,
    pub profile: Option<String>,
    pub passport: Option<Passport>,
    pub program: Option<Program>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub organization: Id,
    /// «организация-оператор», «базовое предприятие», «участник».
    pub role: Text,
    #[serde(default)]
    pub obligations: Vec<Text>,
    pub joined: Date,
    pub left: Option<Date>,
}

/// A participant of a cluster written as a record of its own: a row of a
/// participants table. It joins the cluster's `participants` when the
/// records are checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The cluster: its id or its name.
    pub cluster: String,
    /// The organization: its id, or its ИНН or БИН.
    pub organization: Option<Id>,
    pub inn: Option<String>,
    pub bin: Option<String>,
    pub role: Text,
    #[serde(default)]
    pub obligations: Vec<Text>,
    pub joined: Date,
    pub left: Option<Date>,
}

impl Participant {
    /// Whether the organization was a participant on the given date.
    pub fn member_on(&self, date: Date) -> bool {
        self.joined <= date && self.left.is_none_or(|left| date < left)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Council {
    /// «Координационный совет», «Отраслевой совет Кластера».
    pub name: Option<Text>,
    pub members: Vec<CouncilMember>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouncilMember {
    /// Full name: «Иванов Иван Иванович».
    pub name: String,
    pub position: Text,
    pub organization: Option<Id>,
    /// «председатель совета», «член совета», «секретарь».
    pub role: Text,
}

/// The passport sections of a regional education-and-production cluster
/// (Kazakhstan). Section 1 (name) and 2 (participants) come from the cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passport {
    pub legal_status: Text,
    pub geography: Text,
    pub strategy: Strategy,
    pub specialization: Vec<Specialty>,
    pub action_plan: Vec<PlannedAction>,
    pub innovation: Vec<Text>,
    pub funding: Vec<Text>,
    pub infrastructure: Vec<Text>,
    pub kpis: Vec<Kpi>,
    #[serde(default)]
    pub risks: Vec<Risk>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    pub summary: Text,
    /// Goals for 1–3 years.
    pub short_term: Vec<Text>,
    /// Goals for 5–10 years.
    pub long_term: Vec<Text>,
    #[serde(default)]
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub indicator: Text,
    pub value: String,
    pub year: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Specialty {
    /// Code of the TVET classifier: «07140900».
    pub code: String,
    pub name: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedAction {
    pub event: Text,
    pub due: Text,
    pub responsible: Text,
    pub result: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    pub indicator: Text,
    pub unit: Text,
    pub baseline: String,
    /// Target value by year.
    pub targets: BTreeMap<i32, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub risk: Text,
    pub mitigation: Text,
}

/// The activity program of a Tula sector cluster: the 16 mandatory sections
/// of p. 4 б, each Markdown text, keyed by [`crate::sections::PROGRAM`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    pub title: Option<Text>,
    /// First and last year of the program.
    pub start: i32,
    pub end: i32,
    /// Approved by the sector council: protocol date and number.
    pub approved: Option<Protocol>,
    #[serde(default)]
    pub sections: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub number: String,
    pub date: Date,
}

// ---------------------------------------------------------------------------
// Agreements

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgreementType {
    Cooperation,
    Supplementary,
}

/// A level of interaction of p. 6 of the Tula regulation, by its letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "а", alias = "a")]
    A,
    #[serde(rename = "б", alias = "b")]
    B,
    #[serde(rename = "в", alias = "v")]
    V,
    #[serde(rename = "г", alias = "g")]
    G,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: AgreementType,
    pub cluster: Id,
    /// Registration number; a draft has none.
    pub number: Option<String>,
    pub date: Option<Date>,
    /// «г. Тула».
    pub place: String,
    /// Parties; default: every participant of the cluster on the agreement's date.
    pub parties: Option<Vec<Id>>,
    /// Cooperation: the levels of interaction chosen (а–г).
    #[serde(default)]
    pub levels: Vec<Level>,
    /// Cooperation: the last day the agreement is in force.
    pub valid_until: Option<Date>,
    /// Supplementary: the agreement it amends.
    pub amends: Option<Id>,
    /// Supplementary: the organizations it admits.
    #[serde(default)]
    pub joins: Vec<Id>,
    /// Supplementary: the council protocol that decided the admission.
    pub protocol: Option<Protocol>,
    pub profile: Option<String>,
}

// ---------------------------------------------------------------------------
// Roadmaps

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roadmap {
    pub id: Id,
    pub title: String,
    /// First and last day the roadmap covers.
    pub starts: Date,
    pub ends: Date,
    pub events: Vec<Event>,
}

/// One event of a roadmap. Either `result`/`due`/`responsible` directly, or
/// `steps` when the event has several results with their own dates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub action: String,
    pub result: Option<String>,
    #[serde(default)]
    pub items: Vec<String>,
    pub due: Option<String>,
    #[serde(default)]
    pub responsible: Vec<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub result: String,
    #[serde(default)]
    pub items: Vec<String>,
    pub due: String,
    pub responsible: Vec<String>,
}

// ---------------------------------------------------------------------------
// Orders and documents

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DecreeStyle {
    /// «п р и к а з ы в а ю :»
    #[default]
    Spaced,
    /// «приказываю:»
    Plain,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub id: Id,
    /// Another order this one is the unregistered draft of: everything but
    /// the number, the date and (if given here) the appendices is taken from it.
    pub draft_of: Option<Id>,
    pub issuer: Option<Id>,
    pub number: Option<String>,
    pub date: Option<Date>,
    pub place: Option<String>,
    pub title: Option<String>,
    pub preamble: Option<String>,
    pub decree: Option<DecreeStyle>,
    pub clauses: Option<Vec<ClauseText>>,
    pub signatory: Option<Id>,
    /// Lines of the signatory's position as of this order, when they differ
    /// from the official's usual ones («Врио заместителя Председателя …»).
    pub signature: Option<Vec<String>>,
    pub appendices: Option<Vec<Appendix>>,
    /// An amending order: the earlier registered order it changes, and how.
    pub amends: Option<Amends>,
    pub profile: Option<String>,
}

/// What an amending order changes in an earlier registered order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amends {
    /// The amended order's id.
    pub order: Id,
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    pub changes: Vec<Change>,
}

/// One change of an amending order, written as a mapping with one key:
/// `- replace_words: {clause: "3", words: …, with: …}`. A clause is named
/// by its number: `"3"`, or `"5.2"` for a sub-clause.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// «Пункт 3 изложить в следующей редакции: …»
    NewWording { clause: String, text: String },
    /// «В пункте 3 слова «…» заменить словами «…».»
    ReplaceWords {
        clause: String,
        words: String,
        with: String,
    },
    /// «Пункт 4 дополнить словами «…».» (or after given words).
    AddWords {
        clause: String,
        words: String,
        after: Option<String>,
    },
    /// «Дополнить пунктом 7 следующего содержания: …»
    AddClause { clause: String, text: String },
    /// «Пункт 5 признать утратившим силу.»
    Repeal { clause: String },
    /// «Приложение 2 к приказу изложить в новой редакции …»: a participants
    /// list is restated from the records as of the amending order's date;
    /// a roadmap or document appendix from the record given here.
    RestateAppendix {
        appendix: usize,
        roadmap: Option<Id>,
        document: Option<Id>,
        title: Option<String>,
    },
    /// «Дополнить приложением 3 …»: the appendix as an order lists one.
    AddAppendix(Appendix),
}

impl Change {
    /// The clause the change is about, if any.
    pub fn clause(&self) -> Option<&str> {
        match self {
            Change::NewWording { clause, .. }
            | Change::ReplaceWords { clause, .. }
            | Change::AddWords { clause, .. }
            | Change::AddClause { clause, .. }
            | Change::Repeal { clause } => Some(clause),
            Change::RestateAppendix { .. } | Change::AddAppendix(_) => None,
        }
    }
}

/// How deep clauses nest: «1.», «1.1.», «1.1.1.».
pub const MAX_CLAUSE_DEPTH: usize = 3;

/// A clause: plain text, or `{text, clauses}` with sub-clauses.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseText {
    pub text: String,
    pub clauses: Vec<ClauseText>,
}

impl<'de> Deserialize<'de> for ClauseText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ClauseVisitor;
        impl<'de> Visitor<'de> for ClauseVisitor {
            type Value = ClauseText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a clause text, or a mapping {text: …, clauses: […]}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClauseText, E> {
                Ok(ClauseText {
                    text: v.to_owned(),
                    clauses: Vec::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ClauseText, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Nested {
                    text: String,
                    #[serde(default)]
                    clauses: Vec<ClauseText>,
                }
                let n = Nested::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ClauseText {
                    text: n.text,
                    clauses: n.clauses,
                })
            }
        }
        d.deserialize_any(ClauseVisitor)
    }
}

/// An appendix of an order: exactly one of `roadmap`, `participants`, `document`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appendix {
    pub roadmap: Option<Id>,
    /// Clusters whose participants are listed.
    pub participants: Option<Vec<Id>>,
    /// Only participants of these kinds (`[school]`); default: all.
    #[serde(default)]
    pub kinds: Vec<OrgKind>,
    pub document: Option<Id>,
    /// Title over the appendix; default: the roadmap's or document's title.
    pub title: Option<String>,
    /// Print an approval stamp («УТВЕРЖДЕН…») instead of an appendix mark.
    #[serde(default)]
    pub approved: bool,
}

/// Grammatical gender of a document's name, for «УТВЕРЖДЕН/-А/-О/-Ы».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Masculine,
    Feminine,
    #[default]
    Neuter,
    Plural,
}

impl Gender {
    pub fn approved(self) -> &'static str {
        match self {
            Gender::Masculine => "УТВЕРЖДЕН",
            Gender::Feminine => "УТВЕРЖДЕНА",
            Gender::Neuter => "УТВЕРЖДЕНО",
            Gender::Plural => "УТВЕРЖДЕНЫ",
        }
    }
}

/// A free text such as a concept or a regulation, as Markdown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextDocument {
    pub id: Id,
    pub title: String,
    /// Gender of the title's head noun for the approval stamp (default neuter:
    /// «УТВЕРЖДЕНО», as the seeds print it).
    #[serde(default)]
    pub gender: Gender,
    /// The body: CommonMark with GFM tables.
    pub text: String,
}

/// Record kinds as they appear as keys of a data file.
pub const RECORD_KINDS: &[(&str, &str)] = &[
    ("organization", "organizations"),
    ("issuer", "issuers"),
    ("cluster", "clusters"),
    ("agreement", "agreements"),
    ("roadmap", "roadmaps"),
    ("order", "orders"),
    ("document", "documents"),
    ("membership", "memberships"),
];
