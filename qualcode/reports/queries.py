"""Writing the answers to an analyst's questions: search hits (keyword in context), word frequencies and
comparisons across an attribute's values, in any table format; Word gets a formatted document.

Each function takes the table the library made (:func:`qualcode.search`, :func:`qualcode.word_frequencies`,
:func:`qualcode.compare`) and writes it atomically; ``fmt`` defaults to the suffix of ``path``. csv,
json, md, xlsx and html are the DataFrame itself with its notes (:mod:`qualcode.writers.tables`).
"""

from __future__ import annotations

from pathlib import Path

from ..output import atomic_write, check_writable
from ..writers.tables import table_format, write_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def _info(title: str, study: str | None = None):
    from .info import ReportInfo

    return ReportInfo(title=title, study=study or "")


def search_document(hits, *, title: str | None = None):
    """Keyword in context as a Word document: a heading per value (with ``by``) or per source, each hit a
    line ``left **match** right`` followed by its attribution and place."""
    from ..writers.docx_layout import new_document
    from ..writers.word import BodyWriter
    from .docx import _notes

    pattern = hits.attrs.get("pattern", "")
    title = title or f"Search: {pattern}"
    document = new_document(_info(title))
    body = BodyWriter(document)
    body.paragraph(title, "Heading 1")
    scope = hits.attrs.get("scope") or {}
    facts = [f"{len(hits):,} hit{'s' if len(hits) != 1 else ''} of {pattern!r}"
             + (" (lemma matching)" if hits.attrs.get("lemma") else "")
             + (" (regular expression)" if hits.attrs.get("regex") else "")]
    if scope:
        facts.append("Scope: " + "; ".join(f"{k} = {v}" for k, v in scope.items()))
    _notes(body, facts)
    heading = "value" if "value" in hits.columns else "source_id"
    for key, part in hits.groupby(heading, sort=False):
        body.paragraph(f"{key} ({len(part)})", "Heading 2")
        for row in part.itertuples(index=False):
            who = row.label if isinstance(row.label, str) and row.label else (row.speaker or "")
            body.paragraph([(row.left, {}), (row.match, {"bold": True}), (row.right, {})], "Quote")
            body.paragraph(f"({who}) {row.source_id}, characters {row.start}-{row.end}", "Note")
    if hits.empty:
        body.paragraph("Nothing matched.", "Normal")
    return document


def export_search(hits: "pd.DataFrame", path: str | Path, fmt: str | None = None, *, title: str | None = None,
                  force: bool = False) -> Path:
    """Write search hits (docx: keyword in context; other formats: the table).

    >>> qualcode.export_search(qualcode.search(corpus, "waiting list"), tmp / "kwic.docx").name
    'kwic.docx'
    """
    fmt = table_format(path, fmt)
    check_writable(path, force)
    if fmt != "docx":
        return write_table(hits, path, fmt, title=title or f"Search: {hits.attrs.get('pattern', '')}", force=force)
    from .docx import save_document

    return save_document(search_document(hits, title=title), path, force=force)


def _figure_document(frame, title: str, png: bytes | None, caption: str):
    from ..writers.docx_layout import new_document, text_width
    from ..writers.word import BodyWriter, add_table
    from .docx import _figure, _notes

    document = new_document(_info(title), landscape=True)
    body = BodyWriter(document)
    body.paragraph(title, "Heading 1")
    width = text_width(document.sections[0])
    if png is not None:
        _figure(document, body, png, min(width, 24.0), caption)
    add_table(document, frame, font_pt=8)
    _notes(body, frame.attrs.get("notes", []))
    return document


def export_words(words: "pd.DataFrame", path: str | Path, fmt: str | None = None, *, title: str | None = None,
                 plot: str | Path | None = None, force: bool = False) -> list[Path]:
    """Write word frequencies (docx: the bar chart and the table; xlsx: the table and a notes sheet) and,
    with ``plot`` (a .png or .svg path), the chart. Returns the paths written.

    >>> [p.name for p in qualcode.export_words(qualcode.word_frequencies(corpus, by="group"), tmp / "words.xlsx")]
    ['words.xlsx']
    """
    from .plots import figure_png, word_frequencies_plot

    fmt = table_format(path, fmt)
    check_writable(path, force)
    if plot is not None:
        check_writable(plot, force)
    title = title or "Word frequencies" + (f" by {' / '.join(_names(words.attrs.get('by')))}"
                                           if words.attrs.get("by") else "")
    figure = word_frequencies_plot(words) if (fmt == "docx" or plot is not None) else None
    written = []
    if fmt == "docx":
        from .docx import save_document

        document = _figure_document(words, title, figure_png(figure), "The most frequent terms of each value, "
                                    "per 10,000 counted words (* fewer than 5 participants).")
        written.append(save_document(document, path, force=force))
    else:
        written.append(write_table(words, path, fmt, title=title, force=force))
    if plot is not None:
        written.append(atomic_write(plot, lambda tmp: figure.savefig(tmp, format=Path(plot).suffix.lstrip(".") or "png",
                                                                     dpi=150), force=force))
    return written


def _names(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def compare_document(table, *, title: str | None = None):
    """A comparison as a Word section: the values' sizes, the table (numbers, % and what changed) and the notes."""
    from ..writers.docx_layout import HEADER_FILL, new_document
    from ..writers.word import BodyWriter, add_table
    from .docx import _notes

    by = " / ".join(table.attrs.get("by", []))
    title = title or f"Themes compared by {by}"
    document = new_document(_info(title), landscape=True)
    body = BodyWriter(document)
    body.paragraph(title, "Heading 1")
    sizes = table.attrs.get("sizes", {})
    flags = table.attrs.get("flags", {})
    body.paragraph("; ".join(f"{v}: {n} participants" + (f" ({flags[v]})" if v in flags else "")
                             for v, n in sizes.items()), "Note")
    display = table.assign(theme=[f"{n} {s or t}" for n, s, t in zip(table.number, table.subtheme, table.theme)])
    display = display.drop(columns=["number", "level", "subtheme"]).rename(columns={"theme": "theme / sub-theme"})
    display = display.drop(columns=[c for c in display.columns if c.endswith(" excerpts")] + ["caution"])
    add_table(document, display, font_pt=8, header_fill=HEADER_FILL)
    _notes(body, table.attrs.get("notes", []))
    return document


def export_compare(table: "pd.DataFrame", path: str | Path, fmt: str | None = None, *, title: str | None = None,
                   force: bool = False) -> Path:
    """Write a comparison (docx: a Word section; other formats: the table with its notes).

    >>> qualcode.export_compare(qualcode.compare(codings, codebook, by="wave"), tmp / "compare.docx").name
    'compare.docx'
    """
    fmt = table_format(path, fmt)
    check_writable(path, force)
    if fmt != "docx":
        by = " / ".join(table.attrs.get("by", []))
        return write_table(table, path, fmt, title=title or f"Themes compared by {by}", force=force)
    from .docx import save_document

    return save_document(compare_document(table, title=title), path, force=force)
