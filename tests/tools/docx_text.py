#!/usr/bin/env python3
"""Print the text of DOCX files, read back with python-docx, as JSON.

    python3 tests/tools/docx_text.py A.docx B.docx ...

Prints {"A.docx": "...", ...}: every paragraph of the body in document
order (paragraphs inside tables included), one per line; optional hyphens
(w:softHyphen) are not text, line breaks are newlines.
"""

import json
import sys

import docx
from docx.oxml.ns import qn


def text_of(path):
    body = docx.Document(path).element.body
    lines = []
    for p in body.iter(qn("w:p")):
        parts = []
        for node in p.iter(qn("w:t"), qn("w:br"), qn("w:cr"), qn("w:tab")):
            if node.tag == qn("w:t"):
                parts.append(node.text or "")
            elif node.tag == qn("w:tab"):
                if node.getparent().tag != qn("w:tabs"):
                    parts.append("\t")
            else:
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def main(argv):
    print(json.dumps({path: text_of(path) for path in argv[1:]}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
