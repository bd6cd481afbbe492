"""A self-contained HTML report: one file, no external assets, no scripts (the heatmap is inline base64).
Printed (or saved as PDF), every collapsed section is open: CSS ``@media print`` shows ``::details-content``.

>>> page = html_report(themes, excerpts, summary=corpus.summary(), heatmap=png, info=info)   # doctest: +SKIP

Sections: the title block, contents, the study summary, the theme table, the group comparison (the
heatmap and the ``n (%)`` table), definitions and exemplar quotes, and the coded excerpts by group
(or theme) as collapsible ``<details>`` blocks: click a theme to read its quotes.
"""

from __future__ import annotations

import base64
import html

from ..display import plural
from ..output import write_text
from ..analysis.excerpts import also_under
from ..analysis.selection import NO_GROUP
from ..writers.word import clean

CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;max-width:1200px;margin:2em auto;padding:0 1.5em;line-height:1.45}
h1,h2,h3,h4{color:#1f3864}h1{font-size:1.9em;margin-bottom:.2em}h2{border-bottom:2px solid #d9e2f3;padding-bottom:.2em;margin-top:2em}
.meta{color:#444;margin:.1em 0}.note{color:#595959;font-size:.9em}
table{border-collapse:collapse;margin:.8em 0;font-size:.88em}
th,td{border:1px solid #bfbfbf;padding:3px 7px;vertical-align:top;text-align:left}th{background:#d9e2f3;position:sticky;top:0}
td.num{text-align:right;white-space:nowrap}td:first-child{min-width:14em}tr.theme td{background:#f2f2f2;font-weight:bold}
blockquote{font-style:italic;margin:.7em 0 .1em 1.5em;padding-left:.8em;border-left:3px solid #d9e2f3;white-space:pre-wrap}
.who{margin:0 0 .8em 2.3em;font-size:.9em}.where{color:#595959;font-size:.9em}
details{margin:.3em 0 .3em 0}details details{margin-left:1.2em}summary{cursor:pointer;font-weight:bold;color:#1f3864;padding:.15em 0}
summary .count{font-weight:normal;color:#595959}nav ul{columns:2;font-size:.95em}img{max-width:100%}
@media print{details::details-content{content-visibility:visible;display:block}summary{list-style:none}
th{position:static}blockquote,.who{break-inside:avoid}h2,h3,h4,summary{break-after:avoid}}
"""



def _e(value) -> str:
    return html.escape(clean(value))


def _table(frame, theme_levels=None, numeric=()) -> str:
    out = ["<table><thead><tr>", *(f"<th>{_e(c)}</th>" for c in frame.columns), "</tr></thead><tbody>"]
    for i, row in enumerate(frame.itertuples(index=False)):
        theme = theme_levels is not None and theme_levels[i] == "theme"
        out.append("<tr class='theme'>" if theme else "<tr>")
        for column, value in zip(frame.columns, row):
            cls = " class='num'" if column in numeric else ""
            if column in numeric and isinstance(value, int | float) and value == value and float(value).is_integer():
                value = f"{int(value):,}"  # 39,687 words
            out.append(f"<td{cls}>{_e(value)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _excerpts(excerpts, themes, by: str, groups: list[str]) -> str:
    titles = {(t, s): f"{n} {sl or tl}" for n, t, s, tl, sl in
              zip(themes.number, themes.theme_id, themes.subtheme_id, themes.theme, themes.subtheme)}
    node_rank = {k: i for i, k in enumerate(titles)}
    group_rank = {g: i for i, g in enumerate(groups)}
    frame = excerpts.assign(
        _node=[node_rank.get(k, len(node_rank)) for k in zip(excerpts.theme_id, excerpts.subtheme_id)],
        _theme=[node_rank.get((t, ""), len(node_rank)) for t in excerpts.theme_id],
        _group=excerpts.group.map(lambda g: group_rank.get(g, len(group_rank))),
    )
    if by == "group":
        frame = frame.sort_values(["_group", "_node"], kind="stable")
        tops = list(groups) + [g for g in dict.fromkeys(frame.group) if g not in group_rank]
        top_col, mid = "group", lambda r: titles.get((r.theme_id, ""), r.theme_id)
        leaf = lambda r: titles.get((r.theme_id, r.subtheme_id), "") if r.subtheme_id else ""
    else:
        frame = frame.sort_values(["_theme", "_node", "_group"], kind="stable")
        tops = list(themes.loc[themes.level == "theme", "theme_id"])
        top_col = "theme_id"
        mid = lambda r: titles.get((r.theme_id, r.subtheme_id), "") if r.subtheme_id else "General (coded at the theme)"
        leaf = lambda r: r.group
    frame = frame.assign(_also=also_under(frame))  # where else each passage is listed on the page
    parts = {k: p for k, p in frame.groupby(top_col, sort=False)}
    out = []
    for top in tops:
        part = parts.get(top)
        title = top if by == "group" else titles.get((top, ""), top)
        out.append(f"<h3 id='{_anchor(title)}'>{_e(title)}</h3>")
        if part is None or part.empty:
            out.append("<p class='note'>Nothing was coded here.</p>")
            continue
        for mid_title, block in part.groupby(_keys(part, mid), sort=False):
            n = len(block.drop_duplicates(["source_id", "start", "end"]))
            out.append(f"<details><summary>{_e(mid_title)} <span class='count'>({plural(n, 'excerpt')})</span></summary>")
            for leaf_title, quotes in block.groupby(_keys(block, leaf), sort=False):
                if leaf_title:
                    out.append(f"<h4>{_e(leaf_title)} <span class='note'>({plural(len(quotes), 'excerpt')})</span></h4>")
                for r, elsewhere in zip(quotes.itertuples(index=False), quotes["_also"].tolist()):
                    codes = f" &middot; {_e(r.codes)}" if r.codes else ""
                    codes += f" &middot; also under {_e(elsewhere)}" if elsewhere else ""
                    out.append(f"<blockquote>{_e(getattr(r, 'quote', None) or r.text)}</blockquote><p class='who'>({_e(r.attribution)}) "
                               f"<span class='where'>{_e(r.location)}{codes}</span></p>")
            out.append("</details>")
    return "".join(out)


def _keys(frame, key):
    import pandas as pd

    return pd.Series([key(r) for r in frame.itertuples(index=False)], index=frame.index)


def _anchor(text: str) -> str:
    return "s-" + "".join(c if c.isalnum() else "-" for c in str(text).lower())[:60]


def html_report(themes, excerpts, *, summary=None, heatmap: bytes | None = None, info=None, by: str = "group",
                groups: list[str] | None = None, excerpts_elsewhere: str | None = None) -> str:
    """The report as one HTML string (see the module doc).

    ``excerpts=None`` leaves the excerpts out (a distributed run writes them to Word files instead);
    ``excerpts_elsewhere`` then says where they are.
    """
    from .docx import SUMMARY_NAMES, theme_display
    from .info import ReportInfo

    info = info or ReportInfo()
    if groups is None:
        groups = list(themes.attrs.get("group_sizes", {}))
        if excerpts is not None and len(excerpts) and (excerpts.group == NO_GROUP).any():
            groups.append(NO_GROUP)
    sections = [("Study summary", summary is not None and len(summary)), ("Theme table", True),
                ("Group comparison", True), ("Exemplar quotes", True), ("Coded excerpts", True)]
    body = [f"<h1>{_e(info.title)}</h1>"]
    if info.study:
        body.append(f"<p class='meta'><b>{_e(info.study)}</b></p>")
    body += [f"<p class='meta'><b>{_e(k)}:</b> {_e(v)}</p>" for k, v in info.lines() if k != "Study"]
    body.append("<nav><h2>Contents</h2><ul>" + "".join(
        f"<li><a href='#{_anchor(name)}'>{name}</a></li>" for name, shown in sections if shown) + "</ul></nav>")
    if summary is not None and len(summary):
        body.append(f"<h2 id='{_anchor('Study summary')}'>Study summary</h2>")
        body.append(_table(summary.rename(columns=SUMMARY_NAMES), numeric=set(SUMMARY_NAMES.values()) - {"Group"}))
    display = theme_display(themes)
    notes = "".join(f"<p class='note'>{_e(n)}</p>" for n in themes.attrs.get("notes", []))
    body.append(f"<h2 id='{_anchor('Theme table')}'>Theme table</h2>")
    body.append(_table(display, list(themes.level), numeric=set(display.columns[1:])) + notes)
    body.append(f"<h2 id='{_anchor('Group comparison')}'>Group comparison</h2>")
    if heatmap:
        data = base64.b64encode(heatmap).decode("ascii")
        body.append(f"<img alt='Heatmap: % of each group's participants coded at each sub-theme' "
                    f"src='data:image/png;base64,{data}'>")
    body.append(f"<h2 id='{_anchor('Exemplar quotes')}'>Definitions and exemplar quotes</h2>")
    rows = themes.assign(**{
        "Theme / sub-theme": [f"{n} {s or t}" for n, s, t in zip(themes.number, themes.subtheme, themes.theme)],
        "Exemplar quote": [f"\u201c{q}\u201d ({b}) {w}" if q else "" for q, b, w in
                           zip(themes.exemplar, themes.exemplar_by, themes.exemplar_source)],
    })[["Theme / sub-theme", "definition", "Exemplar quote"]].rename(columns={"definition": "Definition"})
    body.append(_table(rows, list(themes.level)))
    body.append(f"<h2 id='{_anchor('Coded excerpts')}'>Coded excerpts by {by}</h2>")
    if excerpts is None:
        body.append(f"<p class='note'>{_e(excerpts_elsewhere or 'The coded excerpts are not in this page.')}</p>")
    elif excerpts.empty:
        body.append("<p class='note'>Nothing was coded: there are no excerpts to show.</p>")
    else:
        body.append("<p class='note'>Click a theme to read its excerpts. An excerpt coded at several sub-themes "
                    "appears under each.</p>")
        body.append(_excerpts(excerpts, themes, by, groups))
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(info.title)}</title><style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")


def save_html(page: str, path, *, force: bool = False):
    """Write the page atomically (refusing to overwrite unless ``force``)."""
    return write_text(path, page, force=force)
