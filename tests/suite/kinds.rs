//! Passports, programs, agreements, supplementary agreements and protocol
//! excerpts from the sample data, checked against the source regulations
//! (seeds 003 and 004) and against the records themselves.

use std::path::Path;

use clusterdoc::load::load_dataset;
use clusterdoc::model::{Id, Organization};
use clusterdoc::sections;
use clusterdoc::validate::{Catalog, validate};

use crate::common::{
    flat, pdftotext, root, run, sample_out, seed, stderr, tool, word_recall, words,
};

fn catalog(data: &Path) -> Catalog {
    let (ds, problems) = load_dataset(data);
    assert!(problems.is_empty(), "{problems:?}");
    let (catalog, problems) = validate(ds, &["gost-2016".into(), "gost-2025".into(), "kz".into()]);
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    catalog
}

fn pdf_text(rel: &str) -> String {
    flat(&pdftotext(&sample_out().join(rel)))
}

/// The text of a document model (what both renderers print), one line per
/// paragraph or cell.
fn model_text(rel: &str) -> String {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sample_out().join(rel)).unwrap()).unwrap();
    let mut out = String::new();
    collect_text(&doc["blocks"], &mut out);
    out
}

fn collect_text(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(t) = m.get("text").and_then(|t| t.as_str()) {
                out.push_str(t);
            }
            for (k, x) in m {
                if k != "text" {
                    collect_text(x, out);
                }
            }
            if m.contains_key("runs") {
                out.push('\n');
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_text(x, out)),
        _ => {}
    }
}

/// Every word of `phrase` occurs in the PDF's text (tables come out of
/// pdftotext column by column, so phrases in cells are checked by words).
fn assert_pdf_has_words(pdf: &str, phrase: &str) {
    let (recall, missing) = word_recall(&words(phrase), &words(pdf));
    assert!(recall == 1.0, "«{phrase}»: missing {missing:?}");
}

/// The section titles of seed 003's model passport table (column 2), rows
/// joined across their continuation lines. The conversion garbled row 5's
/// title («Стротагия и наши розрития») and repeated it correctly on a line
/// of its own, so that line counts as a row too.
fn seed_passport_titles() -> Vec<String> {
    let text = seed("003_");
    let table = text
        .split("No\tНаименование раздела\tСодержание")
        .nth(1)
        .unwrap();
    let table = table.split("Учитывая способность").next().unwrap();
    let mut titles: Vec<String> = Vec::new();
    for line in table.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 {
            continue;
        }
        let marker = cols[0].trim();
        let title = cols[1].trim();
        let starts_row = marker.trim_end_matches('.').parse::<u32>().is_ok() || marker == "],";
        if starts_row {
            titles.push(title.to_owned());
        } else if marker.is_empty()
            && !title.is_empty()
            && title.chars().next().unwrap().is_lowercase()
        {
            let last = titles.last_mut().unwrap();
            last.push(' ');
            last.push_str(title);
        }
    }
    titles
}

#[test]
fn passport_has_the_eleven_sections_of_seed_003_in_order() {
    let seed_titles = seed_passport_titles();
    let mut at = 0;
    for s in sections::PASSPORT {
        let found = seed_titles[at..].iter().position(|t| t == s.title);
        let i = found.unwrap_or_else(|| {
            panic!(
                "«{}» is not among seed 003's titles after row {at}: {seed_titles:?}",
                s.title
            )
        });
        at += i + 1;
    }
    for (lang, pdf, json) in [
        (
            "ru",
            "passports/passport-pavlodar-energy-ru.pdf",
            "passports/passport-pavlodar-energy-ru.json",
        ),
        (
            "kk",
            "passports/passport-pavlodar-energy-kk.pdf",
            "passports/passport-pavlodar-energy-kk.json",
        ),
    ] {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(sample_out().join(json)).unwrap()).unwrap();
        let table = doc["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["type"] == "table")
            .unwrap();
        let rows = table["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 12, "a header and 11 sections");
        let text = pdf_text(pdf);
        for (i, s) in sections::PASSPORT.iter().enumerate() {
            let title = if lang == "kk" { s.title_kk } else { s.title };
            assert_eq!(
                rows[i + 1]["cells"][0]["blocks"][0]["runs"][0]["text"],
                format!("{}.", i + 1)
            );
            assert_eq!(
                rows[i + 1]["cells"][1]["blocks"][0]["runs"][0]["text"],
                title,
                "{lang} row {}",
                i + 1
            );
            assert_pdf_has_words(&text, title);
        }
    }
}

#[test]
fn passport_lists_every_participant_with_role_and_obligations() {
    let c = catalog(&root().join("data"));
    let cluster = c.cluster(&Id("pavlodar-energy".into()));
    let model = model_text("passports/passport-pavlodar-energy-ru.json").replace('\u{a0}', " ");
    let text = pdf_text("passports/passport-pavlodar-energy-ru.pdf");
    for p in &cluster.participants {
        let org = c.org(&p.organization);
        let name = clusterdoc::typography::fix_text(&org.name.ru).replace('\u{a0}', " ");
        assert!(model.contains(&name), "participant {name}");
        assert!(model.contains(&p.role.ru), "role {}", p.role.ru);
        assert_pdf_has_words(&text, &name);
        for o in &p.obligations {
            assert!(model.contains(&o.ru), "obligation {}", o.ru);
            assert_pdf_has_words(&text, &o.ru);
        }
    }
    for attachment in [
        "Координационный совет Кластера",
        "Возможные риски и меры их минимизации",
        "Изменения состава участников Кластера",
    ] {
        assert!(text.contains(attachment), "{attachment}");
    }
}

/// Significant word stems (first five letters of words of six or more).
fn stems(t: &str) -> Vec<String> {
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 6)
        .map(|w| w.chars().take(5).collect::<String>().to_lowercase())
        .collect()
}

#[test]
fn program_has_the_sixteen_sections_of_seed_004_in_order() {
    let text = seed("004_");
    let list = text
        .split("включает в себя обязательные разделы")
        .nth(1)
        .unwrap();
    let list = list.split("в) «отраслевой совет").next().unwrap();
    let items: Vec<&str> = list.lines().filter_map(|l| l.strip_prefix("- ")).collect();
    assert_eq!(items.len(), 16, "p. 4 б lists 16 sections");
    for (s, item) in sections::PROGRAM.iter().zip(&items) {
        let ours = stems(s.title);
        let theirs = stems(item);
        let shared = ours.iter().filter(|w| theirs.contains(w)).count();
        assert!(
            shared * 5 >= ours.len() * 4,
            "«{}» does not render «{item}»",
            s.title
        );
    }
    let pdf = pdf_text("programs/program-mashinostroenie.pdf");
    let mut at = 0;
    for (i, s) in sections::PROGRAM.iter().enumerate() {
        let heading = format!("{}. {}", i + 1, s.title);
        // Each appears in the contents and then as a heading, in order.
        let pos = pdf[at..]
            .find(&heading)
            .unwrap_or_else(|| panic!("section «{heading}»"));
        at += pos + heading.len();
    }
    assert!(pdf.contains("Содержание"), "a table of contents");
}

/// The organizations of the sample cluster on the cooperation agreement's date.
fn parties_on_agreement_date(c: &Catalog) -> Vec<&Organization> {
    let a = c.agreement(&Id("mash-cooperation".into()));
    c.agreement_parties(a).iter().map(|id| c.org(id)).collect()
}

#[test]
fn agreement_names_every_party_in_its_preamble_and_signature_grid() {
    let c = catalog(&root().join("data"));
    let parties = parties_on_agreement_date(&c);
    assert!(parties.len() >= 5);
    let text = pdf_text("agreements/agreement-mash-cooperation.pdf");
    let (preamble, rest) = text
        .split_once("совместно именуемые «Стороны»")
        .expect("a preamble");
    let grid = rest
        .split("Реквизиты и подписи Сторон")
        .nth(1)
        .expect("a signature grid");
    for org in &parties {
        assert!(
            preamble.contains(&org.name.ru),
            "preamble names {}",
            org.name.ru
        );
        let inn = org.inn.as_ref().unwrap();
        assert!(grid.contains(inn), "grid has {}'s requisites", org.name.ru);
        let signer =
            clusterdoc::template::context::initials_first(&org.head.as_ref().unwrap().name);
        assert!(grid.contains(&signer), "grid has {signer}'s signature");
    }
    // Nobody who joined later.
    assert!(
        !text.contains("Промавтоматика"),
        "joined after the agreement"
    );
    for level in [
        "а) взаимодействие",
        "б) взаимодействие",
        "в) взаимодействие",
        "г) взаимодействие",
    ] {
        assert!(text.contains(level), "{level}");
    }
    assert!(text.contains("действует до 31.12.2028"), "term");
}

#[test]
fn supplementary_agreement_admits_exactly_the_joined_member() {
    let text = pdf_text("agreements/supplementary-mash-supplementary-1.pdf");
    assert!(text.contains("ДОПОЛНИТЕЛЬНОЕ СОГЛАШЕНИЕ № 1"));
    assert!(text.contains("к соглашению о сотрудничестве от 01.03.2024 № 01-К/2024"));
    let clause = text
        .split("1. На основании решения")
        .nth(1)
        .unwrap()
        .split("2. ")
        .next()
        .unwrap();
    assert!(clause.contains("протокол от 10.10.2024 № 3"), "{clause}");
    assert!(clause.contains("«Промавтоматика-Тула»"), "{clause}");
    let c = catalog(&root().join("data"));
    for org in parties_on_agreement_date(&c) {
        assert!(
            !clause.contains(&org.name.ru),
            "{} is already a party: {clause}",
            org.name.ru
        );
    }
    // Its own grid: every member on its date, the new one included.
    let grid = text.split("Реквизиты и подписи Сторон").nth(1).unwrap();
    assert!(
        grid.contains("ИНН/КПП 7103815992/710301001"),
        "the new member signs"
    );
    let excerpt = pdf_text("agreements/protocol-mash-supplementary-1.pdf");
    assert!(
        excerpt.contains("ВЫПИСКА") && excerpt.contains("Включить ООО «Промавтоматика-Тула»"),
        "{excerpt}"
    );
}

/// A valid 10-digit ИНН from a 9-digit body.
fn inn(body: u64) -> String {
    let digits: Vec<u32> = format!("{body:09}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    let check = digits.iter().zip(w).map(|(d, w)| d * w).sum::<u32>() % 11 % 10;
    format!("{body:09}{check}")
}

#[test]
fn an_agreement_of_forty_parties_never_splits_a_party_across_pages() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut orgs = String::from("organizations:\n");
    let mut members = String::new();
    for i in 1..=40 {
        orgs.push_str(&format!(
            "  - id: plant-{i}\n    name: Общество с ограниченной ответственностью \"Завод № {i}\"\n    short_name: ООО \"Завод № {i}\"\n    kind: enterprise\n    address: 300000, г. Тула, ул. Заводская, д. {i}\n    head:\n      position: Генеральный директор\n      name: Иванов{i:02} Иван Петрович\n      in_person_of: генерального директора Иванова Ивана Петровича\n    inn: \"{}\"\n    kpp: \"710401001\"\n",
            inn(710_400_000 + i)
        ));
        members.push_str(&format!(
            "    - organization: plant-{i}\n      role: участник\n      joined: 01.02.2024\n"
        ));
    }
    std::fs::write(data.join("orgs.yaml"), orgs).unwrap();
    std::fs::write(
        data.join("cluster.yaml"),
        format!(
            "cluster:\n  id: big\n  name: Кластер\n  style: tula\n  sector: машиностроение\n  region: Тульская область\n  participants:\n{members}\nagreement:\n  id: big-coop\n  type: cooperation\n  cluster: big\n  number: \"1\"\n  date: 01.03.2024\n  place: г. Тула\n  levels: [а]\n  valid_until: 31.12.2028\n"
        ),
    )
    .unwrap();
    let o = run(dir.path(), &["build", "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pdf = dir.path().join("out/agreements/agreement-big-coop.pdf");
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let page_texts: Vec<String> = (1..=pages)
        .map(|p| {
            flat(&tool(
                "pdftotext",
                &[
                    "-f",
                    &p.to_string(),
                    "-l",
                    &p.to_string(),
                    pdf.to_str().unwrap(),
                    "-",
                ],
            ))
        })
        .collect();
    for i in 1..=40 {
        let requisites = format!("ИНН/КПП {}/710401001", inn(710_400_000 + i));
        let signer = format!("И. П. Иванов{i:02}");
        let on = |needle: &str| -> Vec<usize> {
            (0..pages)
                .filter(|&p| page_texts[p].contains(needle))
                .collect()
        };
        let (a, b) = (on(&requisites), on(&signer));
        assert!(
            a.len() == 1 && a == b,
            "party {i}: requisites on pages {a:?}, signature on {b:?}"
        );
    }
}
