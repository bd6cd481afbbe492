"""Format writers with no knowledge of a study: tables as CSV, JSON, Markdown, xlsx, docx or HTML, Word page
layout and styles, and the matplotlib Figure that plots return.

:mod:`.tables` (``TABLE_WRITERS``: format name -> writer), :mod:`.xlsx` (a streaming workbook writer that
escapes formulas), :mod:`.word` (python-docx helpers), :mod:`.docx_layout` (A4 pages, fonts, footer),
:mod:`.figure` (an Agg Figure that shows itself in Jupyter), :mod:`.cells` (CSV cells a spreadsheet must not run as
formulas: escaped on write, unescaped by qualcode's readers).

Bottom layer: imports only :mod:`qualcode.errors` and :mod:`qualcode.output` from qualcode.
"""
