//! The everyday workflows on a copy of the sample data: incremental builds
//! after membership changes, and building the documents of one file.

use std::path::{Path, PathBuf};

use crate::common::{flat, pdftotext, run, sample_copy, snapshot, stderr, stdout};

/// A copy of the sample data and an output folder beside it.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace { dir: sample_copy() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `clusterdoc build` with the arguments; its standard output.
    fn build(&self, args: &[&str]) -> String {
        let mut all = vec!["build"];
        all.extend(args);
        let o = run(self.dir.path(), &all);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    }

    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let p = self.path(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
    }

    fn out(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut s = snapshot(&self.path("out"));
        s.remove("clusterdoc-state.json");
        s
    }
}

/// Files that are new or differ between two snapshots, and files gone.
fn changed(
    before: &std::collections::BTreeMap<String, Vec<u8>>,
    after: &std::collections::BTreeMap<String, Vec<u8>>,
) -> (Vec<String>, Vec<String>) {
    let changed = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect();
    let gone = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    (changed, gone)
}

const NEW_ORG: &str = "
  - id: novy-zavod
    name: Общество с ограниченной ответственностью \"Новый завод\"
    short_name: ООО \"Новый завод\"
    kind: enterprise
    head:
      position: Директор
      name: Петрова Анна Сергеевна
      in_person_of: директора Петровой Анны Сергеевны
";

const NEW_MEMBER: &str = "    - organization: novy-zavod
      role: предприятие — участник Кластера
      obligations: [предоставление мест практики обучающимся]
      joined: 01.06.2025
  council:";

#[test]
fn a_new_member_rebuilds_only_its_clusters_documents_and_drafts_its_admission() {
    let ws = Workspace::new();
    let first = ws.build(&[]);
    assert!(first.contains("12 of 12 documents rendered"), "{first}");
    let before = ws.out();

    let again = ws.build(&[]);
    assert!(
        again.contains("nothing changed since the last build: 12 documents up to date"),
        "a build with no change renders nothing: {again}"
    );
    // With one output file gone, the records are loaded again and only
    // that document is rendered.
    std::fs::remove_file(ws.path("out/orders/order-663a.docx")).unwrap();
    let again = ws.build(&[]);
    assert!(again.contains("1 of 12 documents rendered"), "{again}");
    assert!(
        again.contains("unchanged, skipped: order-1064-a-draft"),
        "{again}"
    );
    assert_eq!(ws.out(), before);

    ws.edit("data/tula/organizations.yaml", |t| t + NEW_ORG);
    ws.edit("data/tula/mashinostroenie.yaml", |t| {
        t.replacen("  council:", NEW_MEMBER, 1)
    });
    let report = ws.build(&[]);
    assert!(
        report.contains("cluster mashinostroenie: joined: ООО \"Новый завод\" (novy-zavod)"),
        "{report}"
    );
    let after = ws.out();
    let (changed, gone) = changed(&before, &after);
    let mut stems: Vec<String> = changed
        .iter()
        .map(|f| f.rsplit_once('.').unwrap().0.to_owned())
        .collect();
    stems.dedup();
    // The cluster's five documents are rendered again (they read the
    // cluster); the agreements signed before the member joined come out
    // byte for byte the same. Nothing else is rendered.
    assert!(report.contains("5 of 13 documents rendered"), "{report}");
    assert!(
        report.contains("unchanged, skipped: order-1064-a-draft, order-1064-a, order-312-a, order-663a-draft, order-663a, order-1064-a-consolidated, passport-pavlodar-energy-ru, passport-pavlodar-energy-kk\n"),
        "{report}"
    );
    assert_eq!(
        stems,
        [
            "agreements/supplementary-mash-cooperation-joins-novy-zavod-draft",
            "programs/program-mashinostroenie"
        ],
        "only the program (its participants) and the new draft differ"
    );
    assert!(gone.is_empty());

    // The drafted supplementary agreement admits exactly the new member and
    // carries no number or date yet.
    let draft = flat(&pdftotext(&ws.path(
        "out/agreements/supplementary-mash-cooperation-joins-novy-zavod-draft.pdf",
    )));
    assert!(
        draft.contains("ДОПОЛНИТЕЛЬНОЕ СОГЛАШЕНИЕ № _____"),
        "{draft}"
    );
    assert!(draft.contains("включить в состав участников"), "{draft}");
    let admitted = draft.split("включить в состав участников").nth(1).unwrap();
    assert!(
        admitted.contains("Общество с ограниченной ответственностью «Новый завод»"),
        "{admitted}"
    );
    let clause: String = admitted.chars().take(300).collect();
    assert!(!clause.contains("Промавтоматика"), "{clause}");
    // The cooperation agreement's parties stay those of its date.
    let coop = flat(&pdftotext(
        &ws.path("out/agreements/agreement-mash-cooperation.pdf"),
    ));
    assert!(
        !coop.contains("Новый завод"),
        "joined after the agreement was signed"
    );

    // Once the supplementary agreement is recorded, the draft is removed.
    ws.edit("data/tula/agreements.yaml", |t| {
        t + "
  - id: mash-supplementary-2
    type: supplementary
    cluster: mashinostroenie
    number: \"2\"
    date: 10.06.2025
    place: г. Тула
    amends: mash-cooperation
    joins: [novy-zavod]
    protocol: {number: \"7\", date: 05.06.2025}
"
    });
    let report = ws.build(&[]);
    assert!(
        report.contains("removed supplementary-mash-cooperation-joins-novy-zavod-draft"),
        "{report}"
    );
    assert!(
        !ws.path("out/agreements/supplementary-mash-cooperation-joins-novy-zavod-draft.pdf")
            .exists()
    );
    assert!(
        ws.path("out/agreements/supplementary-mash-supplementary-2.pdf")
            .exists()
    );
}

#[test]
fn a_member_leaving_is_reported_and_advances_the_passport_revision() {
    let ws = Workspace::new();
    ws.build(&["--format", "pdf"]);
    let before = ws.out();
    ws.edit("data/kazakhstan/pavlodar-energy.yaml", |t| {
        t.replacen(
            "    - organization: ezeo\n",
            "    - organization: ezeo\n      left: 01.09.2025\n",
            1,
        )
    });
    let report = ws.build(&["--format", "pdf"]);
    assert!(
        report.contains("cluster pavlodar-energy: left:"),
        "{report}"
    );
    assert!(report.contains("(ezeo)"), "{report}");
    let (changed, _) = changed(&before, &ws.out());
    assert_eq!(
        changed,
        [
            "passports/passport-pavlodar-energy-kk.pdf",
            "passports/passport-pavlodar-energy-ru.pdf"
        ]
    );
    let text = flat(&pdftotext(
        &ws.path("out/passports/passport-pavlodar-energy-ru.pdf"),
    ));
    assert!(
        text.contains("Редакция № 2 от 01.09.2025"),
        "revision on the passport"
    );
    let log = text
        .split("Изменения состава участников Кластера")
        .nth(1)
        .expect("a change log");
    assert!(log.contains("01.09.2025"), "{log}");

    // Deleting a participant outright is reported too.
    ws.edit("data/kazakhstan/pavlodar-energy.yaml", |t| {
        let start = t.find("    - organization: pavlodar-lyceum-8").unwrap();
        let end = start + t[start..].find("\n    - organization:").unwrap() + 1;
        format!("{}{}", &t[..start], &t[end..])
    });
    let report = ws.build(&["--format", "pdf"]);
    assert!(
        report.contains("left:") && report.contains("(pavlodar-lyceum-8)"),
        "{report}"
    );
}

#[test]
fn building_one_record_file_builds_only_its_documents() {
    let ws = Workspace::new();
    let report = ws.build(&["data/primorsky/orders/1064-a-draft.yaml", "--format", "pdf"]);
    assert!(report.contains("1 of 1 documents rendered"), "{report}");
    let files: Vec<String> = ws.out().into_keys().collect();
    assert_eq!(files, ["orders/order-1064-a-draft.pdf"]);
    let text = pdftotext(Path::new(&ws.path("out/orders/order-1064-a-draft.pdf")));
    assert!(flat(&text).contains("№ _____"));
}

#[test]
fn force_renders_everything() {
    let ws = Workspace::new();
    ws.build(&["--format", "docx"]);
    let report = ws.build(&["--format", "docx", "--force"]);
    assert!(report.contains("12 of 12 documents rendered"), "{report}");
}
