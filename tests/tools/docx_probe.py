#!/usr/bin/env python3
"""Read a DOCX back with python-docx and print what the tests check, as JSON.

    python3 tests/tools/docx_probe.py FILE.docx

Prints: section page size and margins (mm), the default font (names of the
four slots, size, language), core properties, headers, numbering definitions,
every paragraph of the body in order (text, alignment, first-line indent,
numbering id / level and the label Word would show), and every table (rows x
cols, grid widths in mm, gridSpan / vMerge per cell, which rows repeat as
header rows or cannot split), nested tables included.
"""

import json
import sys

import docx
from docx.oxml.ns import qn
from docx.shared import Length

W_P = qn("w:p")
W_TBL = qn("w:tbl")


def mm(value):
    return None if value is None else round(Length(int(value)).mm, 2)


def twips_mm(value):
    return None if value is None else round(int(value) * 25.4 / 1440, 2)


def attr(el, name):
    return None if el is None else el.get(qn(name))


def child(el, *path):
    for name in path:
        if el is None:
            return None
        el = el.find(qn(name))
    return el


def default_font(document):
    styles = document.styles.element
    rpr = child(styles, "w:docDefaults", "w:rPrDefault", "w:rPr")
    fonts = child(rpr, "w:rFonts")
    size = attr(child(rpr, "w:sz"), "w:val")
    lang = child(rpr, "w:lang")
    ppr = child(styles, "w:docDefaults", "w:pPrDefault", "w:pPr")
    spacing = child(ppr, "w:spacing")
    return {
        "ascii": attr(fonts, "w:ascii"),
        "hAnsi": attr(fonts, "w:hAnsi"),
        "eastAsia": attr(fonts, "w:eastAsia"),
        "cs": attr(fonts, "w:cs"),
        "size_pt": None if size is None else int(size) / 2,
        "lang": attr(lang, "w:val"),
        "line": attr(spacing, "w:line"),
        "after_pt": None if attr(spacing, "w:after") is None else int(attr(spacing, "w:after")) / 20,
        # python-docx's own view of the Normal style, for comparison.
        "normal_style_font": document.styles["Normal"].font.name,
    }


def numbering_definitions(document):
    try:
        part = document.part.numbering_part
    except (KeyError, NotImplementedError):
        return {"abstract": {}, "nums": {}}
    root = part.element
    abstract = {}
    for an in root.findall(qn("w:abstractNum")):
        levels = {}
        for lvl in an.findall(qn("w:lvl")):
            levels[attr(lvl, "w:ilvl")] = {
                "start": int(attr(child(lvl, "w:start"), "w:val") or 1),
                "format": attr(child(lvl, "w:numFmt"), "w:val"),
                "text": attr(child(lvl, "w:lvlText"), "w:val"),
                "suffix": attr(child(lvl, "w:suff"), "w:val") or "tab",
            }
        abstract[attr(an, "w:abstractNumId")] = levels
    nums = {}
    for num in root.findall(qn("w:num")):
        overrides = {}
        for o in num.findall(qn("w:lvlOverride")):
            start = child(o, "w:startOverride")
            if start is not None:
                overrides[attr(o, "w:ilvl")] = int(attr(start, "w:val"))
        nums[attr(num, "w:numId")] = {
            "abstract": attr(child(num, "w:abstractNumId"), "w:val"),
            "start_overrides": overrides,
        }
    return {"abstract": abstract, "nums": nums}


class Counters:
    """Word's list counters: shared per abstract numbering, except that a
    list instance with start overrides restarts on its first use."""

    def __init__(self, numbering):
        self.numbering = numbering
        self.state = {}

    def label(self, num_id, level):
        num = self.numbering["nums"].get(num_id)
        if num is None:
            return None
        levels = self.numbering["abstract"].get(num["abstract"], {})
        key = ("num", num_id) if num["start_overrides"] else ("abstract", num["abstract"])

        def start(k):
            if str(k) in num["start_overrides"]:
                return num["start_overrides"][str(k)]
            return levels.get(str(k), {}).get("start", 1)

        counters = self.state.setdefault(key, {})
        counters[level] = counters[level] + 1 if level in counters else start(level)
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        text = levels.get(str(level), {}).get("text", "")
        for k in range(9, 0, -1):
            text = text.replace("%%%d" % k, str(counters.get(k - 1, start(k - 1))))
        return text


def paragraph_info(p, counters, where):
    ppr = child(p, "w:pPr")
    num_pr = child(ppr, "w:numPr")
    ind = child(ppr, "w:ind")
    text = "".join(
        node.text or ""
        if node.tag == qn("w:t")
        else ("\n" if node.tag in (qn("w:br"), qn("w:cr")) else "\t")
        for node in p.iter(qn("w:t"), qn("w:br"), qn("w:cr"), qn("w:tab"))
        # w:tab inside w:tabs (tab stops) is not text.
        if node.getparent().tag != qn("w:tabs")
    )
    info = {
        "where": where,
        "text": text,
        "align": attr(child(ppr, "w:jc"), "w:val"),
        "first_line_mm": twips_mm(attr(ind, "w:firstLine")),
        "left_mm": twips_mm(attr(ind, "w:left")),
        "page_break_before": child(ppr, "w:pageBreakBefore") is not None,
        "outline_level": attr(child(ppr, "w:outlineLvl"), "w:val"),
        "numbered": num_pr is not None,
    }
    if num_pr is not None:
        num_id = attr(child(num_pr, "w:numId"), "w:val")
        level = int(attr(child(num_pr, "w:ilvl"), "w:val") or 0)
        info["num_id"] = num_id
        info["level"] = level
        info["label"] = counters.label(num_id, level)
    return info


def table_info(tbl, index, where):
    tbl_pr = child(tbl, "w:tblPr")
    grid = [twips_mm(attr(g, "w:w")) for g in child(tbl, "w:tblGrid").findall(qn("w:gridCol"))]
    rows = []
    header_rows, cant_split_rows = [], []
    for r, tr in enumerate(tbl.findall(qn("w:tr"))):
        tr_pr = child(tr, "w:trPr")
        if child(tr_pr, "w:tblHeader") is not None:
            header_rows.append(r)
        if child(tr_pr, "w:cantSplit") is not None:
            cant_split_rows.append(r)
        cells = []
        for tc in tr.findall(qn("w:tc")):
            tc_pr = child(tc, "w:tcPr")
            v_merge = child(tc_pr, "w:vMerge")
            cells.append(
                {
                    "text": "\n".join(
                        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.findall(W_P)
                    ),
                    "grid_span": int(attr(child(tc_pr, "w:gridSpan"), "w:val") or 1),
                    "v_merge": None
                    if v_merge is None
                    else (attr(v_merge, "w:val") or "continue"),
                }
            )
        rows.append(cells)
    borders = child(tbl_pr, "w:tblBorders")
    return {
        "index": index,
        "where": where,
        "rows": len(rows),
        "cols": len(grid),
        "grid_mm": grid,
        "width_mm": round(sum(g or 0 for g in grid), 2),
        "fixed_layout": attr(child(tbl_pr, "w:tblLayout"), "w:type") == "fixed",
        "borders": borders is not None
        and any(attr(b, "w:val") not in (None, "nil", "none") for b in borders),
        "header_rows": header_rows,
        "cant_split_rows": cant_split_rows,
        "cells": rows,
    }


def walk(container, counters, paragraphs, tables, where):
    for el in container.iterchildren():
        if el.tag == W_P:
            paragraphs.append(paragraph_info(el, counters, where))
        elif el.tag == W_TBL:
            index = len(tables)
            tables.append(None)
            for r, tr in enumerate(el.findall(qn("w:tr"))):
                for c, tc in enumerate(tr.findall(qn("w:tc"))):
                    walk(tc, counters, paragraphs, tables, "table %d row %d cell %d" % (index, r, c))
            tables[index] = table_info(el, index, where)


def headers(document):
    out = []
    section = document.sections[0]
    for kind, header in (
        ("default", section.header),
        ("first", section.first_page_header),
    ):
        if header.is_linked_to_previous:
            continue
        xml = header._element.xml
        out.append(
            {
                "type": kind,
                "text": "\n".join(p.text for p in header.paragraphs),
                "page_field": "PAGE" in "".join(
                    t.text or "" for t in header._element.iter(qn("w:instrText"))
                ),
                "align": [p.alignment and str(p.alignment) for p in header.paragraphs],
                "size": len(xml),
            }
        )
    return out


def probe(path):
    document = docx.Document(path)
    sections = [
        {
            "page_width_mm": mm(s.page_width),
            "page_height_mm": mm(s.page_height),
            "margins_mm": {
                "top": mm(s.top_margin),
                "bottom": mm(s.bottom_margin),
                "left": mm(s.left_margin),
                "right": mm(s.right_margin),
                "header": mm(s.header_distance),
                "footer": mm(s.footer_distance),
            },
            "different_first_page": s.different_first_page_header_footer,
        }
        for s in document.sections
    ]
    numbering = numbering_definitions(document)
    paragraphs, tables = [], []
    walk(document.element.body, Counters(numbering), paragraphs, tables, "body")
    core = document.core_properties
    return {
        "sections": sections,
        "default_font": default_font(document),
        "core": {
            "title": core.title,
            "author": core.author,
            "language": core.language,
            "created": core.created and core.created.isoformat(),
            "modified": core.modified and core.modified.isoformat(),
        },
        "headers": headers(document),
        "numbering": numbering,
        "paragraphs": paragraphs,
        "tables": tables,
    }


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: docx_probe.py FILE.docx\n")
        return 2
    json.dump(probe(argv[1]), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
