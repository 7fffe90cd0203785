//! `clusterdoc bench-data`: a synthetic data folder of N distinct, valid
//! orders, each approving a roadmap of 15–25 events, for benchmarks. The
//! issuer and its officials are those of the Primorsky sample.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};

use super::{Config, Failure};
use crate::diag::Diagnostic;

/// The Primorsky ministry of the sample data: letterhead, officials.
const ISSUER: &str = include_str!("../../data/primorsky/issuer.yaml");
const OFFICIALS: [&str; 4] = ["shkuratskaya", "chechurkina", "morgunova", "shamonova"];

#[derive(Debug, Args)]
pub struct BenchDataArgs {
    /// Number of orders to write.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub docs: usize,
    /// Folder to write (must be empty or absent).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(config: &Config, args: &BenchDataArgs) -> Result<(), Failure> {
    let dir = &args.dir;
    if dir.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        return Err(Diagnostic::error(format!("{} is not empty", dir.display())).into());
    }
    let write = |rel: &str, text: &str| -> Result<(), Diagnostic> {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", path.display())))
    };
    write("issuer.yaml", ISSUER)?;
    for i in 0..args.docs {
        let mut rng = SplitMix(0x5eed_0000 + i as u64);
        let (roadmap, order) = synthetic_order(i, &mut rng);
        write(&format!("roadmaps/roadmap-{i:05}.yaml"), &yaml(&roadmap))?;
        write(&format!("orders/order-{i:05}.yaml"), &yaml(&order))?;
    }
    if !config.quiet {
        println!("{} orders written to {}", args.docs, dir.display());
    }
    Ok(())
}

fn yaml(v: &Value) -> String {
    serde_yaml::to_string(v).expect("JSON values serialise as YAML")
}

const PLACES: [&str; 12] = [
    "Владивостокского городского округа",
    "Уссурийского городского округа",
    "Находкинского городского округа",
    "Артемовского городского округа",
    "Арсеньевского городского округа",
    "Партизанского городского округа",
    "Спасского муниципального района",
    "Хасанского муниципального округа",
    "Надеждинского муниципального района",
    "Лесозаводского городского округа",
    "Дальнегорского городского округа",
    "Кавалеровского муниципального округа",
];

const SUBJECTS: [&str; 8] = [
    "педагогического",
    "агротехнологического",
    "технологического",
    "естественнонаучного",
    "инженерного",
    "медицинского",
    "морского",
    "цифрового",
];

const ACTIONS: [&str; 10] = [
    "Формирование перечня индустриальных партнеров общеобразовательных организаций",
    "Разработка и утверждение плана совместных действий с профильными органами исполнительной власти",
    "Проведение методического семинара для руководителей и координаторов",
    "Организация профессиональных проб для обучающихся профильных классов",
    "Мониторинг реализации планов работы общеобразовательных организаций",
    "Повышение квалификации учителей-предметников по программам кластера",
    "Проведение регионального конкурса проектных работ обучающихся",
    "Организация стажировок педагогов на площадках индустриальных партнеров",
    "Подготовка аналитической справки о результатах деятельности кластера",
    "Информационное сопровождение деятельности кластера на официальных сайтах",
];

const RESULTS: [&str; 6] = [
    "Утвержден перечень партнеров.",
    "Проведено мероприятие, подготовлена информационная справка.",
    "Разработаны и направлены в МОУО методические рекомендации.",
    "Сформирован отчет, направлен в министерство образования Приморского края.",
    "Обучено не менее {n} педагогических работников.",
    "Приняли участие не менее {n} обучающихся.",
];

/// A roadmap of 15–25 events and the order approving it, both distinct per
/// index: number, date, title, clauses, events, dates and responsible people.
fn synthetic_order(i: usize, rng: &mut SplitMix) -> (Value, Value) {
    let year = 2023 + (i % 4) as i32;
    let month = 5 + rng.below(4) as u32;
    let day = 1 + rng.below(28) as u32;
    let place = PLACES[rng.below(PLACES.len())];
    let subject = SUBJECTS[rng.below(SUBJECTS.len())];
    let roadmap_id = format!("roadmap-bench-{i:05}");
    let count = 15 + rng.below(11);
    let events: Vec<Value> = (0..count)
        .map(|e| {
            // Spread over the roadmap's school year, September to August.
            let month = 9 + e * 12 / count;
            let (due_month, due_year) = if month > 12 {
                (month - 12, year + 1)
            } else {
                (month, year)
            };
            let result = RESULTS[rng.below(RESULTS.len())]
                .replace("{n}", &(10 + rng.below(90)).to_string());
            let mut event = json!({
                "action": format!("{} {subject} кластера.", ACTIONS[rng.below(ACTIONS.len())]),
                "result": result,
                "due": match rng.below(3) {
                    0 => format!("До {:02}.{due_month:02}.{due_year}", 1 + rng.below(28)),
                    1 => "В течение учебного года".to_owned(),
                    _ => format!("{:02}.{due_month:02}.{due_year} – {:02}.{due_month:02}.{due_year}", 1 + rng.below(10), 15 + rng.below(13)),
                },
                "responsible": [OFFICIALS[rng.below(3)]],
            });
            if rng.below(3) == 0 {
                event["items"] = json!(["индустриальные партнеры;", "академические партнеры."]);
            }
            event
        })
        .collect();
    let roadmap = json!({ "roadmap": {
        "id": roadmap_id,
        "title": format!("Дорожная карта развития {subject} кластера {place} на {year}-{} учебный год", year + 1),
        "starts": format!("01.09.{year}"),
        "ends": format!("31.08.{}", year + 1),
        "events": events,
    }});
    let date = format!("{day:02}.{month:02}.{year}");
    let clauses: Vec<Value> = (0..3 + rng.below(3))
        .map(|c| match c {
            0 => json!("Утвердить дорожную карту развития кластера (Приложение)."),
            1 => json!({
                "text": format!("Руководителю органа управления образованием {place}:"),
                "clauses": [
                    format!("в срок до {:02}.{:02}.{year} назначить муниципального координатора;", 1 + rng.below(28), month + 1),
                    "обеспечить участие общеобразовательных организаций в мероприятиях дорожной карты.",
                ],
            }),
            _ => json!(format!(
                "Государственному автономному учреждению дополнительного профессионального образования «Приморский краевой институт развития образования» обеспечить методическое сопровождение мероприятия {} дорожной карты.",
                1 + rng.below(15)
            )),
        })
        .chain(std::iter::once(json!(
            "Контроль за исполнением настоящего приказа возложить на заместителя министра образования Приморского края М. В. Шкуратскую."
        )))
        .collect();
    let order = json!({ "order": {
        "id": format!("bench-{i:05}"),
        "issuer": "minobr-pk",
        "number": format!("{}-а", 100 + i),
        "date": date,
        "title": format!("О развитии {subject} кластера в общеобразовательных организациях {place} в {year}-{} учебном году", year + 1),
        "preamble": format!("В целях реализации Концепции кластерной политики в системе образования Приморского края, развития {subject} кластера и повышения качества образовательных результатов обучающихся {place}"),
        "clauses": clauses,
        "signatory": "shamonova",
        "appendices": [{ "roadmap": roadmap_id }],
    }});
    (roadmap, order)
}

/// A small deterministic generator (SplitMix64): the same N gives the same
/// folder on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_differ_and_stay_the_same_per_index() {
        let a = synthetic_order(1, &mut SplitMix(0x5eed_0001));
        let again = synthetic_order(1, &mut SplitMix(0x5eed_0001));
        let b = synthetic_order(2, &mut SplitMix(0x5eed_0002));
        assert_eq!(a, again);
        assert_ne!(a.0["roadmap"]["events"], b.0["roadmap"]["events"]);
        let events = a.0["roadmap"]["events"].as_array().unwrap().len();
        assert!((15..=25).contains(&events), "{events}");
    }
}
