//! The order the OOXML schema requires of the children of property
//! elements, and what docx-rs writes outside the schema; the pass over a
//! part (`stream.rs`) applies them.

/// Schema (ECMA-376, transitional) order of the children of elements whose
/// content is a sequence, by local name. Unknown children keep their
/// relative order after the known ones.
fn schema_order(parent: &str) -> Option<&'static [&'static str]> {
    Some(match parent {
        "pPr" => &[
            "pStyle",
            "keepNext",
            "keepLines",
            "pageBreakBefore",
            "framePr",
            "widowControl",
            "numPr",
            "suppressLineNumbers",
            "pBdr",
            "shd",
            "tabs",
            "suppressAutoHyphens",
            "kinsoku",
            "wordWrap",
            "overflowPunct",
            "topLinePunct",
            "autoSpaceDE",
            "autoSpaceDN",
            "bidi",
            "adjustRightInd",
            "snapToGrid",
            "spacing",
            "ind",
            "contextualSpacing",
            "mirrorIndents",
            "suppressOverlap",
            "jc",
            "textDirection",
            "textAlignment",
            "textboxTightWrap",
            "outlineLvl",
            "divId",
            "cnfStyle",
            "rPr",
            "sectPr",
            "pPrChange",
        ],
        "rPr" => &[
            // Paragraph-mark run properties start with revision marks.
            "ins",
            "del",
            "moveFrom",
            "moveTo",
            "rStyle",
            "rFonts",
            "b",
            "bCs",
            "i",
            "iCs",
            "caps",
            "smallCaps",
            "strike",
            "dstrike",
            "outline",
            "shadow",
            "emboss",
            "imprint",
            "noProof",
            "snapToGrid",
            "vanish",
            "webHidden",
            "color",
            "spacing",
            "w",
            "kern",
            "position",
            "sz",
            "szCs",
            "highlight",
            "u",
            "effect",
            "bdr",
            "shd",
            "fitText",
            "vertAlign",
            "rtl",
            "cs",
            "em",
            "lang",
            "eastAsianLayout",
            "specVanish",
            "oMath",
            "rPrChange",
        ],
        "tblPr" => &[
            "tblStyle",
            "tblpPr",
            "tblOverlap",
            "bidiVisual",
            "tblStyleRowBandSize",
            "tblStyleColBandSize",
            "tblW",
            "jc",
            "tblCellSpacing",
            "tblInd",
            "tblBorders",
            "shd",
            "tblLayout",
            "tblCellMar",
            "tblLook",
            "tblCaption",
            "tblDescription",
            "tblPrChange",
        ],
        "trPr" => &[
            "cnfStyle",
            "divId",
            "gridBefore",
            "gridAfter",
            "wBefore",
            "wAfter",
            "cantSplit",
            "trHeight",
            "tblHeader",
            "tblCellSpacing",
            "jc",
            "hidden",
            "ins",
            "del",
            "trPrChange",
        ],
        "tcPr" => &[
            "cnfStyle",
            "tcW",
            "gridSpan",
            "hMerge",
            "vMerge",
            "tcBorders",
            "shd",
            "noWrap",
            "tcMar",
            "textDirection",
            "tcFitText",
            "vAlign",
            "hideMark",
            "headers",
            "cellIns",
            "cellDel",
            "cellMerge",
            "tcPrChange",
        ],
        "tblBorders" | "tcBorders" | "pBdr" => &[
            "top", "left", "start", "bottom", "right", "end", "insideH", "insideV", "tl2br",
            "tr2bl", "between", "bar",
        ],
        "tblCellMar" | "tcMar" => &["top", "left", "start", "bottom", "right", "end"],
        "sectPr" => &[
            "headerReference",
            "footerReference",
            "footnotePr",
            "endnotePr",
            "type",
            "pgSz",
            "pgMar",
            "paperSrc",
            "pgBorders",
            "lnNumType",
            "pgNumType",
            "cols",
            "formProt",
            "vAlign",
            "noEndnote",
            "titlePg",
            "textDirection",
            "bidi",
            "rtlGutter",
            "docGrid",
            "printerSettings",
            "sectPrChange",
        ],
        "numPr" => &["ilvl", "numId", "numberingChange", "ins"],
        "lvl" => &[
            "start",
            "numFmt",
            "lvlRestart",
            "pStyle",
            "isLgl",
            "suff",
            "lvlText",
            "lvlPicBulletId",
            "legacy",
            "lvlJc",
            "pPr",
            "rPr",
        ],
        "abstractNum" => &[
            "nsid",
            "multiLevelType",
            "tmpl",
            "name",
            "styleLink",
            "numStyleLink",
            "lvl",
        ],
        "num" => &["abstractNumId", "lvlOverride"],
        "lvlOverride" => &["startOverride", "lvl"],
        "numbering" => &["numPicBullet", "abstractNum", "num", "numIdMacAtCleanup"],
        "style" => &[
            "name",
            "aliases",
            "basedOn",
            "next",
            "link",
            "autoRedefine",
            "hidden",
            "uiPriority",
            "semiHidden",
            "unhideWhenUsed",
            "qFormat",
            "locked",
            "personal",
            "personalCompose",
            "personalReply",
            "rsid",
            "pPr",
            "rPr",
            "tblPr",
            "trPr",
            "tcPr",
            "tblStylePr",
        ],
        "docDefaults" => &["rPrDefault", "pPrDefault"],
        "settings" => &[
            "writeProtection",
            "view",
            "zoom",
            "removePersonalInformation",
            "removeDateAndTime",
            "doNotDisplayPageBoundaries",
            "displayBackgroundShape",
            "printPostScriptOverText",
            "printFractionalCharacterWidth",
            "printFormsData",
            "embedTrueTypeFonts",
            "embedSystemFonts",
            "saveSubsetFonts",
            "saveFormsData",
            "mirrorMargins",
            "alignBordersAndEdges",
            "bordersDoNotSurroundHeader",
            "bordersDoNotSurroundFooter",
            "gutterAtTop",
            "hideSpellingErrors",
            "hideGrammaticalErrors",
            "activeWritingStyle",
            "proofState",
            "formsDesign",
            "attachedTemplate",
            "linkStyles",
            "stylePaneFormatFilter",
            "stylePaneSortMethod",
            "documentType",
            "mailMerge",
            "revisionView",
            "trackRevisions",
            "doNotTrackMoves",
            "doNotTrackFormatting",
            "documentProtection",
            "autoFormatOverride",
            "styleLockTheme",
            "styleLockQFSet",
            "defaultTabStop",
            "autoHyphenation",
            "consecutiveHyphenLimit",
            "hyphenationZone",
            "doNotHyphenateCaps",
            "showEnvelope",
            "summaryLength",
            "clickAndTypeStyle",
            "defaultTableStyle",
            "evenAndOddHeaders",
            "bookFoldRevPrinting",
            "bookFoldPrinting",
            "bookFoldPrintingSheets",
            "drawingGridHorizontalSpacing",
            "drawingGridVerticalSpacing",
            "displayHorizontalDrawingGridEvery",
            "displayVerticalDrawingGridEvery",
            "doNotUseMarginsForDrawingGridOrigin",
            "drawingGridHorizontalOrigin",
            "drawingGridVerticalOrigin",
            "doNotShadeFormData",
            "noPunctuationKerning",
            "characterSpacingControl",
            "printTwoOnOne",
            "strictFirstAndLastChars",
            "noLineBreaksAfter",
            "noLineBreaksBefore",
            "savePreviewPicture",
            "doNotValidateAgainstSchema",
            "saveInvalidXml",
            "ignoreMixedContent",
            "alwaysShowPlaceholderText",
            "doNotDemarcateInvalidXml",
            "saveXmlDataOnly",
            "useXSLTWhenSaving",
            "saveThroughXslt",
            "showXMLTags",
            "alwaysMergeEmptyNamespace",
            "updateFields",
            "hdrShapeDefaults",
            "footnotePr",
            "endnotePr",
            "compat",
            "docVars",
            "rsids",
            "mathPr",
            "attachedSchema",
            "themeFontLang",
            "clrSchemeMapping",
            "doNotIncludeSubdocsInStats",
            "doNotAutoCompressPictures",
            "forceUpgrade",
            "captions",
            "readModeInkLockDown",
            "smartTagType",
            "schemaLibrary",
            "shapeDefaults",
            "doNotEmbedSmartTags",
            "decimalSymbol",
            "listSeparator",
        ],
        "styles" => &["docDefaults", "latentStyles", "style"],
        _ => return None,
    })
}

/// The schema's order of the children of `parent` (a qualified name), if
/// the schema orders them: only `w:` elements whose content is a sequence.
pub(super) fn order_of(parent: &str) -> Option<&'static [&'static str]> {
    schema_order(parent.strip_prefix("w:")?)
}

/// A child's place in its parent's `order`. Extension elements (`w14:`,
/// `w15:`) and unknown children follow the `w:` sequence, keeping their
/// relative order.
pub(super) fn rank(order: &[&str], child: &str) -> usize {
    let Some(local) = child.strip_prefix("w:") else {
        return order.len();
    };
    match order.iter().position(|k| *k == local) {
        // Header and footer references share one slot.
        Some(_) if local == "footerReference" => 0,
        Some(p) => p,
        None => order.len(),
    }
}

/// What docx-rs writes outside the schema: an (empty) `w:rPr` in paragraph
/// properties that are not a paragraph's (`w:lvl`, `w:style`,
/// `w:pPrDefault` take `CT_PPrBase`), given the names of the element's
/// parent and grandparent.
pub(super) fn is_invalid_empty(name: &str, parent: &str, grandparent: &str) -> bool {
    name == "w:rPr"
        && parent == "w:pPr"
        && matches!(grandparent, "w:lvl" | "w:style" | "w:pPrDefault")
}

/// `w:type` on `w:gridCol`, which docx-rs writes and the schema lacks.
pub(super) fn is_invalid_attr(element: &str, attr: &str) -> bool {
    element == "w:gridCol" && attr == "w:type"
}

#[cfg(test)]
mod tests {
    use crate::render::docx::postprocess::stream::rewrite;

    fn fixed(xml: &str) -> String {
        rewrite("word/numbering.xml", xml, None, &mut 0).expect("well-formed")
    }

    #[test]
    fn paragraph_properties_take_schema_order() {
        let xml = r#"<w:p><w:pPr><w:rPr><w:sz w:val="24"/><w:b/></w:rPr><w:numPr><w:numId w:val="2"/><w:ilvl w:val="0"/></w:numPr><w:jc w:val="both"/><w:ind w:firstLine="709"/><w:spacing w:after="0"/><w:keepNext/></w:pPr><w:r><w:t>x</w:t></w:r></w:p>"#;
        let fixed = fixed(xml);
        assert_eq!(
            fixed,
            r#"<w:p><w:pPr><w:keepNext/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr><w:spacing w:after="0"/><w:ind w:firstLine="709"/><w:jc w:val="both"/><w:rPr><w:b/><w:sz w:val="24"/></w:rPr></w:pPr><w:r><w:t>x</w:t></w:r></w:p>"#
        );
    }

    #[test]
    fn table_cell_row_and_section_properties_take_schema_order() {
        let xml = r#"<w:body><w:tbl><w:tblPr><w:tblW w:w="1" w:type="dxa"/><w:jc w:val="left"/><w:tblBorders><w:bottom/><w:top/></w:tblBorders><w:tblCellMar><w:right/><w:top/></w:tblCellMar><w:tblLayout w:type="fixed"/><w:tblStyle w:val="a"/></w:tblPr><w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:vAlign w:val="bottom"/><w:vMerge w:val="restart"/><w:gridSpan w:val="2"/><w:tcW w:w="5"/></w:tcPr></w:tc></w:tr></w:tbl><w:sectPr><w:titlePg/><w:pgMar/><w:pgSz/><w:footerReference/><w:headerReference/></w:sectPr></w:body>"#;
        let fixed = fixed(xml);
        assert_eq!(
            fixed,
            r#"<w:body><w:tbl><w:tblPr><w:tblStyle w:val="a"/><w:tblW w:w="1" w:type="dxa"/><w:jc w:val="left"/><w:tblBorders><w:top/><w:bottom/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top/><w:right/></w:tblCellMar></w:tblPr><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:tcW w:w="5"/><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/><w:vAlign w:val="bottom"/></w:tcPr></w:tc></w:tr></w:tbl><w:sectPr><w:footerReference/><w:headerReference/><w:pgSz/><w:pgMar/><w:titlePg/></w:sectPr></w:body>"#
        );
    }

    #[test]
    fn numbering_levels_take_schema_order() {
        let xml = r#"<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind/></w:pPr><w:rPr/><w:suff w:val="space"/></w:lvl>"#;
        assert_eq!(
            fixed(xml),
            r#"<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:suff w:val="space"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind/></w:pPr><w:rPr/></w:lvl>"#
        );
    }

    #[test]
    fn invalid_rpr_in_base_paragraph_properties_and_grid_col_type_are_dropped() {
        let xml = r#"<w:numbering><w:lvl><w:pPr><w:ind/><w:rPr/></w:pPr><w:rPr/></w:lvl><w:p><w:pPr><w:rPr/></w:pPr></w:p><w:tblGrid><w:gridCol w:w="5" w:type="dxa"/></w:tblGrid><w:style><w:pPr><w:rPr></w:rPr></w:pPr></w:style></w:numbering>"#;
        assert_eq!(
            fixed(xml),
            r#"<w:numbering><w:lvl><w:pPr><w:ind/></w:pPr><w:rPr/></w:lvl><w:p><w:pPr><w:rPr/></w:pPr></w:p><w:tblGrid><w:gridCol w:w="5"/></w:tblGrid><w:style><w:pPr/></w:style></w:numbering>"#
        );
    }

    #[test]
    fn settings_take_schema_order_with_extensions_last() {
        let xml = r#"<w:settings><w15:docId/><w:compat/><w:defaultTabStop/><w:zoom/></w:settings>"#;
        assert_eq!(
            fixed(xml),
            r#"<w:settings><w:zoom/><w:defaultTabStop/><w:compat/><w15:docId/></w:settings>"#
        );
    }

    #[test]
    fn mixed_content_is_left_alone() {
        let xml = r#"<w:pPr><w:jc/> <w:keepNext/></w:pPr>"#;
        assert_eq!(fixed(xml), xml);
    }
}
