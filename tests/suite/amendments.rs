//! The life of a registered order: the sample's amending order 312-а
//! (written from its changes in the standard wording, its appendix under
//! both marks), the consolidated version of 1064-а, the original's bytes
//! untouched by amendments, and the amending order drafted when a cluster's
//! membership outgrows a registered participants list.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{document_texts, run, sample_copy, stderr, stdout};

/// Text as compared: without white space, dashes and invisible break marks,
/// so that line and hyphenation breaks (and table cells broken over lines)
/// do not count.
fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"-–—\u{ad}\u{200b}".contains(*c))
        .collect()
}

/// Builds `dir` (a data folder's parent) into `dir/out`; standard output.
fn build(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["build"];
    all.extend(args);
    let o = run(dir, &all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

/// PDF and DOCX text of the orders under `dir/out`, squeezed.
fn orders(dir: &Path) -> BTreeMap<String, (String, String)> {
    document_texts(&dir.join("out/orders"))
        .into_iter()
        .map(|(k, (pdf, docx))| (k, (squeeze(&pdf), squeeze(&docx))))
        .collect()
}

/// Asserts that both formats of a document hold `want`; returns how often
/// the PDF does.
fn both_hold(texts: &BTreeMap<String, (String, String)>, doc: &str, want: &str) -> usize {
    let (pdf, docx) = texts.get(doc).unwrap_or_else(|| panic!("no {doc}"));
    let want = squeeze(want);
    assert!(
        pdf.contains(&want),
        "the PDF of {doc} lacks «{want}»:\n{pdf}"
    );
    assert!(
        docx.contains(&want),
        "the DOCX of {doc} lacks «{want}»:\n{docx}"
    );
    pdf.matches(&want).count()
}

const BY_312: &str =
    "(в ред. приказа министерства образования Приморского края от 14.03.2023 № 312-а)";

#[test]
fn the_amending_order_and_the_consolidated_version_say_what_the_changes_do() {
    let dir = sample_copy();
    build(dir.path(), &[]);
    let texts = orders(dir.path());
    let amended = "приказ министерства образования Приморского края от 26.09.2022 № 1064-а «Об организации работы общеобразовательных организаций Приморского края в рамках реализации Концепции кластерной политики в системе образования Приморского края»";

    // The amending order: title and first clause from the changes.
    for want in [
        format!("О внесении изменений в {amended}"),
        format!("Внести в {amended} следующие изменения:"),
        "В пункте 3 слова «Чечуркину К. К., заместителя начальника отдела общего образования» заменить словами «Ковалеву Е. А., консультанта отдела общего образования».".into(),
        "Пункт 5 дополнить подпунктом 5.3 следующего содержания: «5.3. обеспечить участие общеобразовательных организаций, включенных в состав образовательных кластеров, в мероприятиях региональной дорожной карты, утвержденной настоящим приказом.».".into(),
        "Приложение 2 к приказу изложить в новой редакции согласно приложению к настоящему приказу.".into(),
        // Its appendix: its own mark, then the original's in quotes …
        "Приложение к приказу министерства образования Приморского края от 14.03.2023 № 312-а «Приложение 2 к приказу министерства образования Приморского края от 26.09.2022 № 1064-а Перечень общеобразовательных организаций".into(),
        // … the participants as of 14.03.2023, with the two schools that
        // joined on 01.03.2023 …
        "«Средняя общеобразовательная школа № 3» Арсеньевского городского округа".into(),
        "«Средняя общеобразовательная школа № 2» Дальнереченского городского округа".into(),
    ] {
        both_hold(&texts, "order-312-a", &want);
    }
    // … and the closing quote after the last row.
    let (pdf, docx) = &texts["order-312-a"];
    for text in [pdf, docx] {
        assert!(
            text.ends_with(&squeeze("Лесозаводский городской округ общеобразовательная организация – участник кластера».")),
            "the restated appendix does not end with «».»: …{}",
            &text[text.len().saturating_sub(300)..]
        );
    }
    // The labels 1.1–1.3 are text in the PDF (numbering in the DOCX).
    assert!(pdf.contains(&squeeze("1.1. В пункте 3 слова")), "{pdf}");
    assert!(
        pdf.contains(&squeeze("1.3. Приложение 2 к приказу изложить")),
        "{pdf}"
    );

    // The consolidated version of 1064-а.
    let doc = "order-1064-a-consolidated";
    both_hold(&texts, doc, "Редакция по состоянию на 14.03.2023");
    // Under the title, after clause 3, under appendix 2's title.
    let notes = both_hold(&texts, doc, BY_312);
    assert_eq!(
        notes, 3,
        "«{BY_312}» under the title, after clause 3 and appendix 2"
    );
    for want in [
        "образовательных кластеров, Ковалеву Е. А., консультанта отдела общего образования министерства образования Приморского края.",
        "обеспечить участие общеобразовательных организаций, включенных в состав образовательных кластеров, в мероприятиях региональной дорожной карты, утвержденной настоящим приказом. (пп. 5.3 введен приказом министерства образования Приморского края от 14.03.2023 № 312-а)",
        "«Средняя общеобразовательная школа № 3» Арсеньевского городского округа",
        // The unchanged appendix 1 keeps the original's mark.
        "Приложение 1 к приказу министерства образования Приморского края от 26.09.2022 № 1064-а Региональная дорожная карта",
    ] {
        both_hold(&texts, doc, want);
    }
    let (pdf, docx) = &texts[doc];
    for text in [pdf, docx] {
        assert!(!text.contains(&squeeze("Чечуркину К. К., заместителя")));
    }
    assert!(pdf.contains(&squeeze("5.3. обеспечить участие")));

    // The original as registered: none of it.
    let (pdf, _) = &texts["order-1064-a"];
    assert!(pdf.contains(&squeeze("Чечуркину К. К., заместителя")));
    assert!(!pdf.contains(&squeeze("Ковалеву")));
    assert!(!pdf.contains(&squeeze(
        "Арсеньевского городского округа «Средняя общеобразовательная школа № 3»"
    )));
    assert!(!pdf.contains(&squeeze("в ред. приказа")));
}

#[test]
fn an_amendment_leaves_the_original_orders_bytes_as_they_were() {
    let dir = sample_copy();
    let amendment = dir.path().join("data/primorsky/orders/312-a.yaml");
    let text = std::fs::read(&amendment).unwrap();
    std::fs::remove_file(&amendment).unwrap();
    build(dir.path(), &[]);
    let orders = dir.path().join("out/orders");
    let read = |name: &str| std::fs::read(orders.join(name)).unwrap();
    let before = [read("order-1064-a.pdf"), read("order-1064-a.docx")];
    assert!(!orders.join("order-1064-a-consolidated.pdf").exists());

    std::fs::write(&amendment, text).unwrap();
    let report = build(dir.path(), &["--force"]);
    assert!(report.contains("documents rendered"), "{report}");
    assert_eq!(
        before,
        [read("order-1064-a.pdf"), read("order-1064-a.docx")]
    );
    assert!(orders.join("order-1064-a-consolidated.pdf").exists());
    assert!(orders.join("order-1064-a-consolidated.docx").exists());
}

#[test]
fn a_member_joining_after_the_last_restatement_drafts_an_amending_order() {
    let dir = sample_copy();
    let clusters = dir.path().join("data/primorsky/clusters.yaml");
    let text = std::fs::read_to_string(&clusters).unwrap();
    // Гимназия № 1 г. Уссурийска (not yet a member of the agro cluster)
    // joins it after 312-а restated the list.
    let joiner = "      - organization: ussuriysk-gym-29
        role: общеобразовательная организация - участник кластера
        obligations:
          - открытие агротехнологического класса и организация его работы
        joined: 01.09.2023
";
    let at = text
        .find("\n  - id: technological")
        .expect("the agro cluster ends there");
    std::fs::write(
        &clusters,
        format!("{}\n{joiner}{}", &text[..at], &text[at..]),
    )
    .unwrap();

    let report = build(dir.path(), &[]);
    let draft = "order-1064-a-amendment-draft";
    assert!(
        report.contains(&format!(
            "drafted {draft}, an amending order to register: appendix 2 of order 1064-a:"
        )),
        "{report}"
    );
    assert!(report.contains("joined agro on 01.09.2023"), "{report}");
    let texts = orders(dir.path());
    for want in [
        "О внесении изменения в приказ министерства образования Приморского края от 26.09.2022 № 1064-а",
        "изменение, изложив приложение 2 в новой редакции согласно приложению к настоящему приказу.",
        "«Приложение 2 к приказу министерства образования Приморского края от 26.09.2022 № 1064-а",
        "«Гимназия № 29» г. Уссурийска",
    ] {
        both_hold(&texts, draft, want);
    }
    let (pdf, _) = &texts[draft];
    assert!(pdf.contains("№_____"), "a draft has no number: {pdf}");

    // The registered amending order catches up: the draft goes.
    std::fs::write(
        dir.path().join("data/primorsky/orders/780.yaml"),
        "order:
  id: '780'
  issuer: minobr-pk
  number: '780'
  date: 05.09.2023
  preamble: В связи с изменением состава участников образовательных кластеров
  amends:
    order: 1064-a
    changes:
      - restate_appendix: {appendix: 2}
  signatory: shamonova
",
    )
    .unwrap();
    let report = build(dir.path(), &[]);
    assert!(
        report.contains(&format!("removed {draft}: the records no longer yield it")),
        "{report}"
    );
    assert!(!report.contains("drafted"), "{report}");
    assert!(!dir.path().join(format!("out/orders/{draft}.pdf")).exists());
    let texts = orders(dir.path());
    both_hold(
        &texts,
        "order-1064-a-consolidated",
        "(в ред. приказов министерства образования Приморского края от 14.03.2023 № 312-а, от 05.09.2023 № 780)",
    );
}
