"""Small python-docx helpers shared by every Word export: clean text, real tables, headings."""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value) -> str:
    """Text safe for a .docx: ``None``/NaN become ``""``; XML-illegal control characters are stripped."""
    if value is None:
        return ""
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return ""
    except TypeError:
        pass
    return _XML_ILLEGAL.sub("", str(value))


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def add_table(document, frame, *, widths_cm: list[float] | None = None, font_pt: float = 9, style: str = "Table Grid"):
    """Append ``frame`` as a real Word table: bold header row repeated on each page, given widths."""
    from docx.shared import Cm, Pt

    columns = [str(c) for c in frame.columns]
    table = document.add_table(rows=1, cols=len(columns))
    table.style = style
    table.autofit = widths_cm is None
    header = table.rows[0]
    _repeat_header(header)
    for cell, name in zip(header.cells, columns):
        run = cell.paragraphs[0].add_run(clean(name))
        run.bold = True
        run.font.size = Pt(font_pt)
    for values in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            run = cell.paragraphs[0].add_run(clean(value))
            run.font.size = Pt(font_pt)
    if widths_cm:
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm):
                cell.width = Cm(width)
    return table
