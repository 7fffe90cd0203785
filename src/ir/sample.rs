//! A hand-built document that uses every block kind, shaped like order
//! 1064-а with its roadmap appendix. Renderer tests and benchmarks use it
//! without going through records and templates.

use super::*;

fn cell(text: &str) -> Cell {
    Cell::text(vec![Inline::plain(text)])
}

/// The sample document, with `rows` events in its roadmap table.
pub fn sample_document(profile: Profile, rows: usize) -> Document {
    let mut blocks = vec![
        Block::Letterhead(Letterhead {
            body: vec!["МИНИСТЕРСТВО ОБРАЗОВАНИЯ ПРИМОРСКОГО КРАЯ".into()],
            doc_type: "П Р И К А З".into(),
            date: "26.09.2022".into(),
            place: "г. Владивосток".into(),
            number: "№\u{a0}1064-а".into(),
        }),
        Block::Heading {
            level: 1,
            runs: vec![Inline::bold(
                "Об организации работы общеобразовательных организаций Приморского края в рамках реализации Концепции кластерной политики",
            )],
            align: Align::Center,
            outlined: false,
        },
        Block::Paragraph(Paragraph {
            runs: vec![
                Inline::plain(
                    "С целью реализации Концепции кластерной политики в системе образования Приморского края, утвержденной приказом от 23.06.2022 ",
                ),
                Inline::nobreak("№\u{a0}663а"),
                Inline::plain(", «кавычки» и казахские буквы: әғқңөұүһі ӘҒҚҢӨҰҮҺІ, "),
                Inline::Text {
                    text: "п р и к а з ы в а ю :".into(),
                    bold: true,
                    italic: false,
                    spaced: true,
                    nobreak: true,
                },
            ],
            align: Align::Justify,
            indent: true,
            ..Paragraph::default()
        }),
        Block::Clauses {
            items: vec![
                Clause {
                    label: "1.".into(),
                    runs: vec![Inline::plain(
                        "Утвердить региональную дорожную карту (Приложение 1).",
                    )],
                    more: vec![],
                    children: vec![],
                },
                Clause {
                    label: "2.".into(),
                    runs: vec![Inline::plain(
                        "Руководителям муниципальных органов управления образованием:",
                    )],
                    more: vec![],
                    children: vec![
                        Clause {
                            label: "2.1.".into(),
                            runs: vec![Inline::plain("назначить муниципальных координаторов;")],
                            more: vec![],
                            children: vec![],
                        },
                        Clause {
                            label: "2.2.".into(),
                            runs: vec![Inline::plain("разработать муниципальный план работы.")],
                            more: vec![vec![Inline::plain("Второй абзац подпункта.")]],
                            children: vec![],
                        },
                    ],
                },
            ],
        },
        Block::List(List {
            marker: "–".into(),
            items: vec![
                ListItem {
                    runs: vec![Inline::plain("педагогический кластер;")],
                    children: vec![],
                },
                ListItem {
                    runs: vec![Inline::plain("агрокластер.")],
                    children: vec![],
                },
            ],
        }),
        Block::Signature(Signature {
            position: vec![
                "Заместитель председателя".into(),
                "Правительства Приморского края -".into(),
                "министр образования Приморского края".into(),
            ],
            name: "Э.\u{a0}В.\u{a0}Шамонова".into(),
        }),
        Block::PageBreak,
        Block::Stamp(Stamp {
            lines: vec![
                vec![Inline::plain("Приложение 1")],
                vec![Inline::plain("к приказу министерства")],
                vec![Inline::plain("образования Приморского края")],
                vec![Inline::plain("от 26.09.2022 №\u{a0}1064-а")],
            ],
            width: profile.corner_width,
        }),
        Block::Heading {
            level: 2,
            runs: vec![Inline::bold(
                "Региональная дорожная карта по организации работы образовательных кластеров",
            )],
            align: Align::Center,
            outlined: true,
        },
    ];
    let header = Row {
        cells: [
            "№ п/п",
            "Мероприятие",
            "Характеристика результата",
            "Сроки проведения",
            "Ответственные исполнители",
        ]
        .iter()
        .map(|t| Cell {
            bold: true,
            ..cell(t)
        })
        .collect(),
        cant_split: true,
    };
    let mut table_rows = vec![header];
    for i in 1..=rows {
        let result = Cell {
            blocks: vec![
                Block::Paragraph(Paragraph {
                    runs: vec![Inline::plain("Закреплены за каждой ОО:")],
                    align: Align::Left,
                    ..Paragraph::default()
                }),
                Block::List(List {
                    marker: "-".into(),
                    items: vec![
                        ListItem {
                            runs: vec![Inline::plain("индустриальный(-ые) партнер(-ы);")],
                            children: vec![],
                        },
                        ListItem {
                            runs: vec![Inline::plain("академический(-ие) партнер(-ы).")],
                            children: vec![],
                        },
                    ],
                }),
            ],
            ..cell("")
        };
        table_rows.push(Row {
            cells: vec![
                cell(&format!("{i}.")),
                cell(&format!(
                    "Мероприятие номер {i}: проведение совещания с руководителями МОУО и ОО."
                )),
                result,
                cell("До 30.09.2022"),
                cell("Шкуратская М.\u{a0}В."),
            ],
            cant_split: true,
        });
    }
    // An event with two results: its number and action span both rows.
    table_rows.push(Row {
        cells: vec![
            Cell {
                rowspan: 2,
                ..cell(&format!("{}.", rows + 1))
            },
            Cell {
                rowspan: 2,
                ..cell("Проведение опроса обучающихся, их родителей.")
            },
            cell("Разработана и направлена в ОО анкета."),
            cell("До 07.10.2022"),
            cell("Чечуркина К.\u{a0}К."),
        ],
        cant_split: true,
    });
    table_rows.push(Row {
        cells: vec![
            cell("Подготовлен отчет по результатам опроса."),
            cell("10.10.2022 – 14.10.2022"),
            cell("Руководители ОО"),
        ],
        cant_split: true,
    });
    table_rows.push(Row {
        cells: vec![Cell {
            colspan: 5,
            ..cell("Итого: строка на всю ширину таблицы")
        }],
        cant_split: false,
    });
    blocks.push(Block::Table(Table {
        columns: vec![0.6, 3.0, 3.2, 1.6, 1.8],
        header_rows: 1,
        rows: table_rows,
        font_size: None,
        borders: true,
    }));
    blocks.push(Block::PageBreak);
    blocks.push(Block::Contents {
        title: "Содержание".into(),
    });
    blocks.push(Block::Parties(Parties {
        columns: 2,
        parties: (1..=3)
            .map(|i| Party {
                name: format!("Организация-участник {i}"),
                lines: vec![
                    format!("ИНН 710700000{i}"),
                    "Адрес: г. Тула, ул. Болдина, д. 1".into(),
                ],
                signer_position: "Директор".into(),
                signer_name: format!("И.\u{a0}И.\u{a0}Иванов{i}"),
            })
            .collect(),
    }));
    let mut doc = Document {
        meta: Meta {
            kind: "order".into(),
            kind_title: "Приказ".into(),
            title: "Об организации работы общеобразовательных организаций".into(),
            number: Some("1064-а".into()),
            date: Some(crate::dates::Date::new(2022, 9, 26).expect("valid date")),
            lang: Lang::Ru,
            author: "Министерство образования Приморского края".into(),
        },
        profile,
        blocks,
    };
    super::fit_to_page(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_serialises_for_the_layout() {
        let profile = crate::assets::Assets::builtin()
            .profile("gost-2025")
            .unwrap();
        let json = serde_json::to_value(sample_document(profile, 3)).unwrap();
        assert_eq!(json["blocks"][0]["type"], "letterhead");
        assert!(
            json["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["type"] == "clauses" && b["items"][1]["children"][0]["label"] == "2.1.")
        );
    }
}
