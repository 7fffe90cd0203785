//! The orders of the seeds, rendered from the sample data, compared word by
//! word with the seed texts; Russian typography and PDF hygiene.

use std::path::{Path, PathBuf};

use crate::common::{files_with, flat, pdftotext, sample_out, seed, tool, word_recall, words};

fn pdf(name: &str) -> PathBuf {
    sample_out().join("orders").join(format!("{name}.pdf"))
}

/// The seed's words found in our PDF (as a multiset: table cells come out
/// of pdftotext in layout order, not the seed's), at least `min`.
fn assert_matches_seed(seed_prefix: &str, ours: &Path, min: f64) {
    let reference = words(&seed(seed_prefix));
    let candidate = words(&pdftotext(ours));
    let (recall, missing) = word_recall(&reference, &candidate);
    assert!(
        recall >= min,
        "{}: {:.2} % of seed {seed_prefix}'s {} words; missing: {missing:?}",
        ours.display(),
        recall * 100.0,
        reference.len()
    );
}

#[test]
fn order_1064_a_with_its_roadmap_matches_seed_001() {
    assert_matches_seed("001_", &pdf("order-1064-a"), 0.98);
}

#[test]
fn draft_of_1064_a_matches_seed_002() {
    assert_matches_seed("002_", &pdf("order-1064-a-draft"), 0.98);
    // And in the seed's order: the draft has no tables.
    let reference = words(&seed("002_"));
    let candidate = words(&pdftotext(&pdf("order-1064-a-draft")));
    let matched: usize =
        similar::capture_diff_slices(similar::Algorithm::Myers, &reference, &candidate)
            .iter()
            .filter_map(|op| match op {
                similar::DiffOp::Equal { len, .. } => Some(*len),
                _ => None,
            })
            .sum();
    assert!(
        matched as f64 >= 0.98 * reference.len() as f64,
        "{matched} of {} in order",
        reference.len()
    );
}

#[test]
fn concept_order_draft_matches_seed_000() {
    assert_matches_seed("000_", &pdf("order-663a-draft"), 0.98);
}

#[test]
fn drafts_print_blanks_for_date_and_number() {
    let text = flat(&pdftotext(&pdf("order-1064-a-draft")));
    assert!(text.contains("№ _____"), "{text}");
    let concept = flat(&pdftotext(&pdf("order-663a-draft")));
    assert!(
        concept.contains("от __________ № _____"),
        "the approval stamp of a draft: {concept}"
    );
    assert!(concept.contains("УТВЕРЖДЕНО"), "{concept}");
}

#[test]
fn russian_typography_holds() {
    let lines = pdftotext(&pdf("order-1064-a"));
    let text = flat(&lines);
    assert!(
        text.contains("«Приморский краевой институт развития образования»"),
        "« » quotes"
    );
    assert!(!text.contains('"'), "no straight quotes: {text}");
    assert!(
        text.contains("26.09.2022") && text.contains("от 26.09.2022 № 1064-а"),
        "ДД.ММ.ГГГГ dates"
    );
    // № and its number never part at a line end.
    for line in lines.lines() {
        assert!(
            !line.trim_end().ends_with('№'),
            "a line ends with №: {line}"
        );
    }
    // The document model carries a real no-break space after №.
    let model = std::fs::read_to_string(sample_out().join("orders/order-1064-a.json")).unwrap();
    assert!(
        model.contains("№\u{a0}1064-а"),
        "no-break space after № in the model"
    );
}

#[test]
fn page_numbers_start_on_page_two() {
    let p = pdf("order-1064-a");
    let first = tool(
        "pdftotext",
        &["-f", "1", "-l", "1", p.to_str().unwrap(), "-"],
    );
    let second = tool(
        "pdftotext",
        &["-f", "2", "-l", "2", p.to_str().unwrap(), "-"],
    );
    assert!(
        first.trim_start().starts_with("МИНИСТЕРСТВО"),
        "page 1 starts with the letterhead: {first}"
    );
    assert!(
        second.trim_start().starts_with("2\n"),
        "page 2 starts with its number: {second}"
    );
}

#[test]
fn every_pdf_embeds_its_fonts_and_passes_qpdf() {
    let pdfs = files_with(sample_out(), "pdf");
    assert!(pdfs.len() >= 10, "{pdfs:?}");
    for p in pdfs {
        let fonts = tool("pdffonts", &[p.to_str().unwrap()]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{}: no fonts", p.display());
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name, type…, encoding, emb, sub, uni, object, generation
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "{}: font not embedded: {row}", p.display());
        }
        let check = tool("qpdf", &["--check", p.to_str().unwrap()]);
        assert!(
            check.contains("No syntax or stream encoding errors"),
            "{}: {check}",
            p.display()
        );
    }
}

#[test]
fn kazakh_letters_extract_exactly() {
    let pdf = sample_out().join("passports/passport-pavlodar-energy-kk.pdf");
    let text = flat(&pdftotext(&pdf));
    let model =
        std::fs::read_to_string(sample_out().join("passports/passport-pavlodar-energy-kk.json"))
            .unwrap();
    for letter in "әғқңөұүһіӘҒҚҢӨҰҮҺІ".chars() {
        if model.contains(letter) {
            assert!(
                text.contains(letter),
                "«{letter}» is in the document but not in the PDF's text"
            );
        }
    }
    for word in [
        "Кластердің атауы",
        "Құрылтайшылар мен қатысушылар",
        "Мониторинг және бағалау тетіктері",
    ] {
        assert!(text.contains(word), "{word}");
    }
}
