"""Writing any DataFrame to csv, json, md, xlsx, docx or html: one function per format.

:data:`TABLE_WRITERS` maps a format name to its writer; :func:`write_table` picks one from the name or
the output suffix and writes atomically.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..errors import QualcodeError
from ..output import atomic_write


def _csv(frame, path: Path, title: str | None) -> None:
    from .cells import write_csv

    write_csv(frame, path)  # text a spreadsheet would run as a formula gets a leading apostrophe


def _json(frame, path: Path, title: str | None) -> None:
    frame.to_json(path, orient="records", force_ascii=False, indent=2)


def md_text(value: str) -> str:
    """Text as it goes into Markdown: ``< > &`` as entities, so a transcript's ``<script>`` or ``<img
    onerror=...>`` shows as text in every Markdown viewer instead of running as raw HTML."""
    return html.escape(str(value), quote=False)


def markdown(frame) -> str:
    """``frame`` as a GitHub-flavoured Markdown table (HTML escaped, pipes escaped, newlines folded)."""

    def cell(value):
        if isinstance(value, str):
            return md_text(value).replace("|", "\\|").replace("\n", " ")
        return value

    return frame.map(cell).to_markdown(index=False) if len(frame.columns) else ""


def _notes(frame) -> list[str]:
    """Notes a table carries in ``frame.attrs["notes"]`` (e.g. what percentages are of), shown under it."""
    return [str(n) for n in frame.attrs.get("notes", [])]


def _md(frame, path: Path, title: str | None) -> None:
    text = (f"# {md_text(title)}\n\n" if title else "") + markdown(frame) + "\n"
    text += "".join(f"\n{md_text(note)}\n" for note in _notes(frame))
    path.write_text(text, encoding="utf-8")


def write_sheets(sheets: dict, path: Path) -> None:
    """Write several DataFrames to one .xlsx: bold frozen header, autofilter, readable widths, wrapped text.

    Text is always written as text (never a formula or a link): transcripts are untrusted input.
    """
    from .xlsx import write_workbook

    write_workbook(sheets, path)


def _xlsx(frame, path: Path, title: str | None) -> None:
    write_sheets({title or "table": frame}, path)


def _docx(frame, path: Path, title: str | None) -> None:
    import docx

    from .word import add_table, clean

    document = docx.Document()
    if title:
        document.add_heading(title, level=1)
    add_table(document, frame)
    for note in _notes(frame):
        document.add_paragraph(clean(note))
    document.save(path)


def html_table(frame) -> str:
    """``frame`` as an escaped HTML ``<table>`` (no index)."""
    return frame.to_html(index=False, escape=True, na_rep="", border=0, classes="qualcode")


def _html(frame, path: Path, title: str | None) -> None:
    heading = f"<h1>{html.escape(title)}</h1>" if title else ""
    notes = "".join(f"<p>{html.escape(note)}</p>" for note in _notes(frame))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title or 'qualcode table')}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}th{background:#eee}</style>"
        f"</head><body>{heading}{html_table(frame)}{notes}</body></html>"
    )
    path.write_text(page, encoding="utf-8")


#: Format name -> writer(frame, path, title).
TABLE_WRITERS = {"csv": _csv, "json": _json, "md": _md, "xlsx": _xlsx, "docx": _docx, "html": _html}


def table_format(path: str | Path | None, fmt: str | None) -> str:
    """The format to write: ``fmt`` if given, else from the suffix of ``path``."""
    if fmt is None and path is not None:
        fmt = Path(path).suffix.lower().lstrip(".")
        fmt = {"markdown": "md", "htm": "html"}.get(fmt, fmt)
    if fmt not in TABLE_WRITERS:
        raise QualcodeError(
            f"unknown table format {fmt!r}; use one of {', '.join(TABLE_WRITERS)} (--format, or the -o suffix)."
        )
    return fmt


def write_table(frame, path: str | Path, fmt: str | None = None, *, title: str | None = None, force: bool = False) -> Path:
    """Write ``frame`` to ``path`` in ``fmt`` (default: from the suffix), atomically.

    >>> write_table(corpus.summary(), "summary.xlsx")   # doctest: +SKIP
    """
    fmt = table_format(path, fmt)
    return atomic_write(path, lambda tmp: TABLE_WRITERS[fmt](frame, tmp, title), force=force)
