"""The Word reports: coded excerpts by participant group (or by theme), and the theme table.

>>> doc = excerpts_document(excerpts, themes, summary=corpus.summary(), heatmap=png, info=info)   # doctest: +SKIP
>>> save_document(doc, "excerpts_by_group.docx")                                                 # doctest: +SKIP

The excerpts document has a title page (study, codebook and version, coders, counts, date), a
table of contents (a TOC field, filled in so it reads before Word updates it), a landscape summary
(the study summary, the theme table, the theme x group heatmap and the exemplar quotes, as real
tables whose header rows repeat on each page), then a Heading 1 per group, Heading 2 per theme and
Heading 3 per sub-theme (``by="theme"``: theme > sub-theme > group), each excerpt a Quote paragraph
followed by its attribution, ``(Social Worker 2)``, and where it is: ``SW-FG1, turn 54``.
A passage coded at several sub-themes is repeated under each, and says where else it appears
(``also under 1.3, 2.1``).
"""

from __future__ import annotations

from ..display import plural
from ..writers.docx_layout import (
    GREY,
    HEADER_FILL,
    THEME_FILL,
    fill_toc,
    new_document,
    new_section,
    page_break,
    text_width,
    toc_placeholder,
)
from ..output import atomic_write
from ..analysis.excerpts import also_under
from ..analysis.selection import NO_GROUP
from ..writers.word import BodyWriter, _cant_split, _repeat_header, add_table, clean, save_deferred, set_widths, shade

SUMMARY_NAMES = {"group": "Group", "participants": "Participants", "individual_interviews": "Interviews",
                 "joint_interviews": "Joint interviews", "focus_groups": "Focus groups", "surveys": "Survey responses",
                 "words": "Words"}


def _title_page(document, body: BodyWriter, info, by: str = "group") -> None:
    body.paragraph(info.title, "Title")
    if info.study:
        body.paragraph(info.study, "Subtitle")
    for label, value in info.lines():
        if label != "Study":
            body.paragraph([(f"{label}: ", {"bold": True}), (value, {})])
    for note in info.notes:
        body.paragraph(note, "Note")
    body.paragraph(
        f"The summary gives the study, the theme table and an exemplar quote per sub-theme. Then the coded "
        f"excerpts follow by {by}: each excerpt is followed by who said it, the source and the turn; an excerpt "
        "coded at several sub-themes appears under each of them.", "Note")


# -- tables ----------------------------------------------------------------------------------------
def _groups(themes) -> list[str]:
    return [c[:-2] for c in themes.columns if c.endswith(" %")]


def theme_display(themes):
    """The theme table as shown in a document: labels, counts and ``n (%)`` per group."""
    import pandas as pd

    sizes = themes.attrs.get("group_sizes", {})
    out = pd.DataFrame({
        "Theme / sub-theme": [f"{n}  {s or t}" for n, s, t in zip(themes.number, themes.subtheme, themes.theme)],
        "Excerpts": themes.excerpts, "Sources": themes.sources, "Participants": themes.participants,
    })
    for group in _groups(themes):
        out[f"{group} (n={sizes.get(group, '?')})"] = [
            f"{n} ({p:.0f}%)" for n, p in zip(themes[f"{group} n"], themes[f"{group} %"])]
    return out


def _theme_rows(table, themes, first_fill=THEME_FILL) -> None:
    for row, level in zip(table.rows[1:], themes.level):
        if level == "theme":
            for cell in row.cells:
                shade(cell, first_fill)
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def _notes(body: BodyWriter, notes) -> None:
    for note in notes:
        body.paragraph(note, "Note")


def add_theme_table(document, body: BodyWriter, themes, width_cm: float) -> None:
    display = theme_display(themes)
    numbers = len(display.columns) - 1
    first = min(max(width_cm - numbers * 2.3, 5.0), 8.0)
    table = add_table(document, display, widths_cm=[first] + [(width_cm - first) / max(numbers, 1)] * numbers,
                      font_pt=8.5, header_fill=HEADER_FILL)
    _theme_rows(table, themes)
    _notes(body, themes.attrs.get("notes", []))


def add_summary_table(document, summary, width_cm: float) -> None:
    display = summary.rename(columns=SUMMARY_NAMES)
    display = display.map(lambda v: f"{v:,}" if isinstance(v, int | float) and v == v else v)
    first = 5.0
    rest = (width_cm - first) / max(len(display.columns) - 1, 1)
    table = add_table(document, display, widths_cm=[first] + [rest] * (len(display.columns) - 1), font_pt=9,
                      header_fill=HEADER_FILL)
    for cell in table.rows[-1].cells if str(display.iloc[-1, 0]) == "Total" else []:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def add_exemplar_table(document, themes, width_cm: float) -> None:
    """Sub-theme, definition and exemplar quote (with attribution), theme rows spanning the table."""
    from docx.shared import Pt

    widths = [6.0, 0.32 * (width_cm - 6.0), 0.68 * (width_cm - 6.0)]
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    _repeat_header(table.rows[0])
    for cell, name in zip(table.rows[0].cells, ("Theme / sub-theme", "Definition", "Exemplar quote")):
        run = cell.paragraphs[0].add_run(name)
        run.bold, run.font.size = True, Pt(8.5)
        shade(cell, HEADER_FILL)
    for row in themes.itertuples(index=False):
        added = table.add_row()
        _cant_split(added)
        cells = added.cells
        label = f"{row.number}  {row.subtheme or row.theme}"
        if row.level == "theme" and not row.exemplar:
            merged = cells[0].merge(cells[2])
            run = merged.paragraphs[0].add_run(clean(label))
            run.bold, run.font.size = True, Pt(8.5)
            shade(merged, THEME_FILL)
            if row.definition:
                extra = merged.paragraphs[0].add_run(clean(f"  {row.definition}"))
                extra.font.size = Pt(8.5)
            continue
        for cell, text in ((cells[0], label), (cells[1], row.definition)):
            run = cell.paragraphs[0].add_run(clean(text))
            run.font.size = Pt(8.5)
            run.bold = row.level == "theme"
        paragraph = cells[2].paragraphs[0]
        if row.exemplar:
            quote = paragraph.add_run(clean(f"\u201c{row.exemplar}\u201d "))
            quote.italic, quote.font.size = True, Pt(8.5)
            who = paragraph.add_run(clean(f"({row.exemplar_by})"))
            who.font.size = Pt(8.5)
            where = paragraph.add_run(clean(f"  {row.exemplar_source}"))
            where.font.size = Pt(7.5)
        else:
            run = paragraph.add_run("Not coded.")
            run.italic, run.font.size = True, Pt(8.5)
    set_widths(table, widths)


def _figure(document, body: BodyWriter, png: bytes | None, width_cm: float, caption: str) -> None:
    import io

    from docx.shared import Cm

    if not png:
        return
    document.add_picture(io.BytesIO(png), width=Cm(width_cm))
    body.paragraph(caption, "Caption")


def _summary_part(document, body, themes, summary, heatmap, *, top: str | None = "Summary") -> None:
    width = text_width(document.sections[-1])
    sub = "Heading 2"
    if top:
        body.paragraph(top, "Heading 1")
    if summary is not None and len(summary):
        body.paragraph("The study", sub)
        add_summary_table(document, summary, min(width, 20.0))
    body.paragraph("Themes", sub)
    body.paragraph("Excerpts are distinct coded passages; sources and participants are those with at least one "
                   "excerpt. For each group: participants coded there (% of the group).", "Note")
    add_theme_table(document, body, themes, width)
    if heatmap:
        body.paragraph("Themes across participant groups", sub)
        _figure(document, body, heatmap, min(width, 22.0) * 0.8,
                "Prevalence: % of each group's participants with at least one excerpt in each sub-theme.")
    body.paragraph("Definitions and exemplar quotes", sub)
    add_exemplar_table(document, themes, width)


# -- the excerpts ----------------------------------------------------------------------------------
def _counts_line(part, size: int | None = None) -> str:
    passages = len(part.drop_duplicates(["source_id", "start", "end"]))
    people = part["participant_id"].nunique()
    of = f"{people:,} of {size:,} participants" if size else plural(people, "participant")
    return f"{plural(passages, 'excerpt')} from {of}"


def _excerpt_sections(document, body: BodyWriter, excerpts, themes, by: str, groups: list[str], only=None) -> None:
    sizes = themes.attrs.get("group_sizes", {})
    has_subs = set(themes.loc[themes.level == "sub-theme", "theme_id"])
    node_rank = {(t, s): i for i, (t, s) in enumerate(zip(themes.theme_id, themes.subtheme_id))}
    titles = {(t, s): f"{n}  {sl or tl}" for n, t, s, tl, sl in
              zip(themes.number, themes.theme_id, themes.subtheme_id, themes.theme, themes.subtheme)}
    group_rank = {g: i for i, g in enumerate(groups)}
    frame = excerpts.assign(
        _node=[node_rank.get((t, s), len(node_rank)) for t, s in zip(excerpts.theme_id, excerpts.subtheme_id)],
        _theme=[node_rank.get((t, ""), len(node_rank)) for t in excerpts.theme_id],
        _group=excerpts.group.map(lambda g: group_rank.get(g, len(group_rank))),
    )
    frame = frame.sort_values(["_group", "_node"] if by == "group" else ["_theme", "_node", "_group"], kind="stable")
    frame = frame.assign(_also=also_under(frame))  # where else each passage is listed, in the whole document

    def sub_key(theme_id, subtheme_id):
        if subtheme_id:
            return subtheme_id
        return "" if theme_id not in has_subs else "\0general"

    def sub_title(theme_id, key):
        return titles.get((theme_id, key), key) if key != "\0general" else "General (coded at the theme itself)"

    if by == "group":
        tops = list(groups) + [g for g in dict.fromkeys(frame.group) if g not in group_rank]
        top_of = frame.group
    else:
        tops = list(themes.loc[themes.level == "theme", "theme_id"])
        top_of = frame.theme_id
    if only is not None:
        tops = [t for t in tops if t in set(only)]
    parts = {key: part for key, part in frame.groupby(top_of, sort=False)}
    for top in tops:
        part = parts.get(top)
        title = top if by == "group" else titles.get((top, ""), top)
        body.paragraph(title, "Heading 1")
        if part is None or part.empty:
            body.paragraph(f"Nothing was coded for this {'group' if by == 'group' else 'theme'}.", "Counts")
            continue
        body.paragraph(_counts_line(part, sizes.get(top) if by == "group" else None), "Counts")
        if by == "group":
            levels = [("theme_id", lambda r: r.theme_id, lambda r, k: titles.get((k, ""), k)),
                      ("sub", lambda r: sub_key(r.theme_id, r.subtheme_id), lambda r, k: sub_title(r.theme_id, k))]
        else:
            levels = [("sub", lambda r: sub_key(r.theme_id, r.subtheme_id), lambda r, k: sub_title(r.theme_id, k)),
                      ("group", lambda r: r.group, lambda r, k: k)]
        _nested(body, part, levels, list(part["_also"]))


def _nested(body: BodyWriter, part, levels, also: list[str] | None = None) -> None:
    """Headings (levels 2 and 3) as the keys change, then a quote and its attribution per row."""
    rows = list(part.itertuples(index=False))
    keys = [[get(r) for _, get, _ in levels] for r in rows]
    # counts per heading: distinct passages and participants under each key prefix
    counts: dict = {}
    for r, k in zip(rows, keys):
        for depth in range(1, len(levels) + 1):
            prefix = tuple(k[:depth])
            if prefix[-1] == "":
                continue
            entry = counts.setdefault(prefix, (set(), set()))
            entry[0].add((r.source_id, r.start, r.end))
            if r.participant_id == r.participant_id and r.participant_id is not None:
                entry[1].add(r.participant_id)
    current: list = [None] * len(levels)
    also = also if also is not None else also_under(part)
    for r, k, elsewhere in zip(rows, keys, also):
        for depth in range(len(levels)):
            if k[: depth + 1] != current[: depth + 1]:
                current[depth:] = k[depth:]
                for inner in range(depth, len(levels)):
                    if k[inner] == "":
                        continue
                    passages, people = counts[tuple(k[: inner + 1])]
                    level = 2 + inner - sum(1 for x in k[:inner] if x == "")
                    body.paragraph(levels[inner][2](r, k[inner]), f"Heading {level}")
                    body.paragraph(f"{plural(len(passages), 'excerpt')} from {plural(len(people), 'participant')}",
                                   "Counts")
                break
        body.paragraph(getattr(r, "quote", None) or r.text, "Quote")
        where = f"  {r.location}" + (f"  \u00b7  {r.codes}" if r.codes else "") + (
            f"  \u00b7  also under {elsewhere}" if elsewhere else "")
        body.paragraph([(f"({r.attribution})", {}), (where, {"color": GREY, "size_pt": 8})], "Attribution")


# -- the documents ---------------------------------------------------------------------------------
def excerpts_document(excerpts, themes, *, by: str = "group", summary=None, heatmap: bytes | None = None,
                      info=None, groups: list[str] | None = None, only: list[str] | None = None,
                      deferred: bool = False):
    """The coded-excerpts Word document (see the module doc) as a python-docx ``Document``.

    ``excerpts``: an :func:`~qualcode.analysis.excerpts.excerpt_table`; ``themes``: the matching
    :func:`~qualcode.analysis.themes.theme_table`; ``summary``: the study summary (optional); ``heatmap``: PNG
    bytes (optional); ``info``: a :class:`~qualcode.reports.info.ReportInfo`; ``groups``: group order;
    ``only``: the groups (``by="group"``) or theme ids (``by="theme"``) to give sections (default all).
    ``deferred=True`` keeps the excerpts as XML text until :func:`save_document` writes them into the file
    (a fraction of the memory, for large documents); the returned document then holds a placeholder in
    their place, so save it with :func:`save_document` only.
    """
    from .info import ReportInfo

    if by not in ("group", "theme"):
        raise ValueError(f"by must be 'group' or 'theme', not {by!r}")
    info = info or ReportInfo()
    document = new_document(info)
    body = BodyWriter(document)
    _title_page(document, body, info, by)
    page_break(body)
    toc = toc_placeholder(body)
    new_section(document, landscape=True)
    _summary_part(document, body, themes, summary, heatmap)
    new_section(document, landscape=False)
    if groups is None:
        groups = list(themes.attrs.get("group_sizes", {}))
        if (excerpts.group == NO_GROUP).any():
            groups.append(NO_GROUP)
    if excerpts.empty:
        body.paragraph("Coded excerpts", "Heading 1")
        body.paragraph("Nothing was coded: there are no excerpts to show.", "Counts")
    else:
        with body.deferred() if deferred else body.batch():
            _excerpt_sections(document, body, excerpts, themes, by, groups, only)
    fill_toc(document, body, toc)
    return document


def theme_table_document(themes, *, info=None, heatmap: bytes | None = None, summary=None):
    """A landscape Word document with the theme table, the heatmap and the exemplar quotes."""
    from .info import ReportInfo

    info = info or ReportInfo(title="Theme table")
    document = new_document(info, landscape=True)
    body = BodyWriter(document)
    body.paragraph(info.title, "Title")
    for label, value in info.lines():
        body.paragraph([(f"{label}: ", {"bold": True}), (value, {})], "Note")
    _summary_part(document, body, themes, summary, heatmap, top=None)
    return document


def compact_document(compact, *, info=None):
    """The paper's "Table Two" as a Word table: theme number and label, and its sub-themes."""
    from .info import ReportInfo

    info = info or ReportInfo(title="Themes and sub-themes")
    document = new_document(info)
    body = BodyWriter(document)
    body.paragraph(info.title, "Heading 1")
    display = compact.rename(columns={"number": "Theme", "theme": "Label", "subthemes": "Sub-themes"})
    display = display.assign(**{"Sub-themes": display["Sub-themes"].str.replace("; ", "\n", regex=False)})
    add_table(document, display, widths_cm=[1.5, 6.0, 9.5], font_pt=9.5, header_fill=HEADER_FILL)
    _notes(body, compact.attrs.get("notes", []))
    return document


def matrix_document(matrix, *, info=None):
    """The framework matrix as a landscape Word table (row labels narrow, node columns shared out)."""
    from .info import ReportInfo

    info = info or ReportInfo(title="Framework matrix")
    document = new_document(info, landscape=True)
    body = BodyWriter(document)
    body.paragraph(info.title, "Heading 1")
    width = text_width(document.sections[0])
    index = [c for c in matrix.columns if c in ("group", "participant", "participant_id", "source_id", "participants")]
    nodes = len(matrix.columns) - len(index)
    label_width = 2.4 * len(index)
    widths = [2.4] * len(index) + [max((width - label_width) / max(nodes, 1), 1.2)] * nodes
    add_table(document, matrix, widths_cm=widths, font_pt=7.5, header_fill=HEADER_FILL)
    if matrix.empty:
        body.paragraph("Nothing was coded.", "Counts")
    return document


def save_document(document, path, *, force: bool = False):
    """Save a python-docx document atomically (refusing to overwrite unless ``force``), with any
    paragraphs a :meth:`~qualcode.writers.word.BodyWriter.deferred` block held back."""
    return atomic_write(path, lambda tmp: save_deferred(document, tmp), force=force)
