"""Text cells in CSV files that a spreadsheet must not run: escaping on write, unescaping on read.

A CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is a formula to
Excel, LibreOffice and Google Sheets: ``=HYPERLINK("http://evil", "click")`` typed by a participant, or
``=cmd|' /C calc'!A0`` in a coder name, would run when someone opens the file. Every CSV qualcode writes
puts an apostrophe before such text (the usual convention; spreadsheets show the text, not the
apostrophe, and never evaluate it). So that round trips are exact, text that already starts with an
apostrophe followed by one of those characters or by another apostrophe gets one more apostrophe.

qualcode's CSV readers undo exactly this: a cell that starts with an apostrophe followed by ``= + - @``,
tab, carriage return or another apostrophe loses that one apostrophe. Any other text, including text
that starts with an apostrophe followed by a letter (``'cause``), is read as written. Numbers are not
text and are never escaped: ``-3`` stays ``-3``, in a number column or written as text (a spreadsheet
reads it as the number it is, and runs nothing).

>>> escape_cell("=1+1"), escape_cell("'=1+1"), escape_cell("'cause"), escape_cell(-3), escape_cell("-0.5")
("'=1+1", "''=1+1", "'cause", -3, '-0.5')
>>> [unescape_cell(escape_cell(t)) for t in ("=1+1", "'=1+1", "''", "'cause", "-")]
['=1+1', "'=1+1", "''", "'cause", '-']
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet read a cell as a formula (or strip it into one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = FORMULA_STARTS + ("'",)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def escape_cell(value):
    """``value`` as it goes into a CSV cell: text a spreadsheet would run gets a leading apostrophe
    (a number written as text, such as ``-0.25``, is a number to a spreadsheet and is left alone)."""
    if isinstance(value, str) and value and (
        (value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value))
        or (value[0] == "'" and value[1:2] != "" and value[1] in _ESCAPED_STARTS)
    ):
        return "'" + value
    return value


def unescape_cell(value):
    """The text :func:`escape_cell` was given (other values unchanged)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in _ESCAPED_STARTS:
        return value[1:]
    return value


def _text_columns(frame) -> list:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    # object, str/string and category columns may hold text; numbers, booleans and dates never do
    return [c for c in frame.columns
            if not is_numeric_dtype(frame[c].dtype) and not is_bool_dtype(frame[c].dtype)
            and not str(frame[c].dtype).startswith(("datetime", "timedelta", "period"))]


def escape_frame(frame):
    """A copy of ``frame`` whose text cells (and column names) are escaped for CSV; numbers untouched."""
    import pandas as pd

    columns = _text_columns(frame)
    if not columns and not any(isinstance(c, str) and escape_cell(c) != c for c in frame.columns):
        return frame
    out = frame.copy()
    for column in columns:
        values = out[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = values.cat.rename_categories(lambda c: escape_cell(c))
            continue
        try:  # only the few cells that start with a formula character or an apostrophe are touched
            mask = values.str.startswith(_ESCAPED_STARTS).fillna(False).astype(bool)
        except AttributeError:  # not a column of strings (mixed values)
            mask = values.map(lambda v: isinstance(v, str) and v.startswith(_ESCAPED_STARTS)).astype(bool)
        if mask.any():
            out[column] = values.astype(object).where(~mask, values[mask].map(escape_cell))
    out.columns = [escape_cell(c) for c in out.columns]
    return out


def unescape_frame(frame):
    """``frame`` read from a CSV qualcode wrote, with the escaping of :func:`escape_frame` undone (in place)."""
    for column in _text_columns(frame):
        values = frame[column]
        if values.map(lambda v: isinstance(v, str) and v.startswith("'")).any():
            frame[column] = values.map(unescape_cell)
    frame.columns = [unescape_cell(c) for c in frame.columns]
    return frame


def write_csv(frame, path, **kwargs) -> None:
    """``frame.to_csv(path, index=False, encoding="utf-8")`` with text cells escaped."""
    escape_frame(frame).to_csv(path, index=False, encoding="utf-8", **kwargs)
