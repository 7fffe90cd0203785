#!/usr/bin/env python3
"""Print what an XLSX workbook holds, read back with openpyxl, as JSON.

    python3 tests/tools/xlsx_read.py BOOK.xlsx

Prints {"sheets": [{"name", "freeze", "rows": [[cell, ...], ...],
"types": [[type, ...], ...], "formats": [[number format, ...], ...],
"widths": {column letter: width}}]}: dates as ДД.ММ.ГГГГ, other values as
they are stored.
"""

import datetime
import json
import sys

import openpyxl


def cell_value(v):
    if isinstance(v, datetime.datetime):
        return v.strftime("%d.%m.%Y")
    return v


def main(path):
    book = openpyxl.load_workbook(path)
    sheets = []
    for ws in book.worksheets:
        rows = [[cell_value(c.value) for c in row] for row in ws.iter_rows()]
        types = [[c.data_type for c in row] for row in ws.iter_rows()]
        formats = [[c.number_format for c in row] for row in ws.iter_rows()]
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        sheets.append({
            "name": ws.title,
            "freeze": ws.freeze_panes,
            "rows": rows,
            "types": types,
            "formats": formats,
            "widths": widths,
        })
    print(json.dumps({"sheets": sheets}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
