"""Saturation: as sources come in (by date, by wave, or as listed), are we still finding new things?

For each source in order, the cumulative number of distinct codes and sub-themes observed so far
(deductive codings by the codebook's rules), of codes by group (a code's first appearance in each
participant group: what a deductive codebook, whose codes all exist from the start, can still find new)
and of inductive candidates (found by
:class:`~qualcode.discovery.discoverer.Discoverer` in the segments no rule codes; a candidate counts as observed
in a source when one of that source's segments belongs to it), for all sources together and for each
participant group on its own.

>>> result = saturation(corpus, codebook, order="date")     # doctest: +SKIP
>>> result.table            # one row per (scope, source)                     # doctest: +SKIP
>>> result.summary          # per scope and measure: total, when the last new one came   # doctest: +SKIP
>>> result.plot().savefig("saturation.png")                                  # doctest: +SKIP
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field

from ..errors import QualcodeError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

ALL = "All sources"
MEASURES = {"codes": "codes", "subthemes": "sub-themes", "code_groups": "codes by group",
            "candidates": "inductive candidates"}
TABLE_COLUMNS = ["scope", "step", "source_id", "date", "wave", "segments",
                 "new_codes", "codes", "new_subthemes", "subthemes", "new_code_groups", "code_groups",
                 "new_candidates", "candidates",
                 "new_code_ids", "new_subtheme_ids", "new_code_group_ids", "new_candidate_ids"]
#: What the output says about a deductive codebook, where the count of codes cannot tell much.
DEDUCTIVE_NOTE = (
    "The codebook is deductive: its codes are defined before the data, so most can be coded from the first "
    "sources and their count flattens at once whether or not the data are saturated. What can still saturate "
    "is a code's first appearance in each participant group ('codes by group') and the inductive candidates "
    "found in the text no code covers; read those lines.")
PLOT_FORMATS = ("png", "svg", "pdf")


@dataclass
class SaturationResult:
    table: object  # DataFrame with TABLE_COLUMNS
    summary: object  # DataFrame: scope, measure, total, last_new_step, last_new_source, sources_after
    order: str
    measures: list[str]
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One sentence per measure for all sources: the answer to "have we stopped finding new things?"."""
        out = []
        rows = self.summary[self.summary.scope == ALL]
        for row in rows.itertuples(index=False):
            name = MEASURES[row.measure]
            if not row.total:
                out.append(f"{name}: none observed.")
                continue
            steps = int(self.table[self.table.scope == ALL].step.max())
            after = ("no source after it added one" if row.sources_after == 0
                     else f"the {row.sources_after} source(s) after it added none")
            out.append(f"{name}: {row.total} observed; the last new one came with source {row.last_new_step} of "
                       f"{steps} ({row.last_new_source}); {after}.")
        if "code_groups" in self.measures:
            out.append(DEDUCTIVE_NOTE)
        return out

    def plot(self, title: str | None = None):
        """A matplotlib Figure: cumulative counts over sources, for all sources and per group."""
        return saturation_figure(self, title)

    def __repr__(self) -> str:
        return f"<SaturationResult, sources ordered by {self.order}: " + " ".join(self.lines()) + ">"

    def _repr_html_(self) -> str:
        from ..display import html

        return html("saturation", self)


def saturation(corpus: "Corpus", codebook: "Codebook | None" = None, *, order: str = "date", unit: str = "turn", candidates: bool = True,
               min_segments: int = 1, random_state: int = 0, **discover_params) -> SaturationResult:
    """Cumulative counts of distinct codes, sub-themes and inductive candidates over ordered sources.

    Without ``codebook`` only inductive candidates are counted (found in all segments); with one, the
    candidates are found in the segments its rules leave uncoded. ``candidates=False`` skips discovery.
    A code (sub-theme, candidate) counts as observed at the source where the number of segments it
    covers, counted from the first source of the scope, reaches ``min_segments`` (default 1: at first sight).

    >>> result = qualcode.saturation(corpus, codebook, order="date")
    >>> result.summary.measure.unique().tolist()
    ['codes', 'subthemes', 'code_groups', 'candidates']
    >>> result.plot().axes[0].get_title()
    'All sources'
    """
    import pandas as pd

    from ..corpus.selection import ordered_sources, select_segments

    if isinstance(min_segments, bool) or not isinstance(min_segments, int) or min_segments < 1:
        raise QualcodeError(f"min_segments must be a whole number of at least 1, not {min_segments!r}.")
    if codebook is None and not candidates:
        raise QualcodeError("nothing to count: give a codebook (-c) or keep the inductive candidates.")
    ids = ordered_sources(corpus, order)
    segments = select_segments(corpus, order=order, unit=unit)
    if segments.empty:
        raise QualcodeError("the corpus has no participant segments; saturation needs coded or codable text.")
    notes: list[str] = []
    observed = []  # (source_id, group, measure, item id, segment id)
    uncoded = segments
    if codebook is not None:
        from ..coding.coder import apply_codebook

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            run = apply_codebook(corpus, codebook, by="rules", unit=unit)
        notes += run.warnings
        codings = run.codings
        for measure, column in (("codes", "code_id"), ("subthemes", "subtheme_id")):
            part = codings[codings[column].notna()]
            observed += list(zip(part.source_id, part.group, [measure] * len(part), part[column], part.segment_id))
        # a code's first appearance in each group: what a deductive codebook can still find new
        pairs = [f"{code} ({group})" for code, group in zip(codings.code_id, codings.group)]
        observed += list(zip(codings.source_id, codings.group, ["code_groups"] * len(codings), pairs,
                             codings.segment_id))
        uncoded = segments[~segments.segment_id.isin(set(codings.segment_id))]
    measures = (["codes", "subthemes", "code_groups"] if codebook is not None else []) + (["candidates"] if candidates else [])
    if candidates:
        from ..discovery.discoverer import Discoverer

        try:
            disc = Discoverer(codebook=codebook, random_state=random_state, **discover_params).fit(uncoded)
        except QualcodeError as exc:
            notes.append(f"no inductive candidates: {exc}")
        else:
            assigned = disc.segments_[disc.segments_.candidate.notna()]
            observed += list(zip(assigned.source_id, assigned.group, ["candidates"] * len(assigned), assigned.candidate,
                                 assigned.segment_id))
    seen = pd.DataFrame(observed, columns=["source_id", "group", "measure", "item", "segment_id"]).drop_duplicates()
    counts = segments.groupby(["source_id", "group"], dropna=False).size()
    meta = corpus.sources.set_index("source_id")[["date", "wave"]]
    rows = _scope_rows(ALL, ids, seen, segments.groupby("source_id").size(), meta, min_segments)
    for group in corpus.groups:
        group_ids = [s for s in ids if (s, group) in counts.index]
        if group_ids:
            rows += _scope_rows(group, group_ids, seen[seen.group == group], counts.xs(group, level="group"), meta,
                                min_segments)
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return SaturationResult(table, _summary(table, measures), order, measures, notes)


def _natural(text) -> list:
    """Sort key that puts cand-2 before cand-10."""
    import re

    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text))]


def _scope_rows(scope, ids, seen, per_source, meta, min_segments: int) -> list[dict]:
    firsts: dict[str, set] = {m: set() for m in MEASURES}
    tally: dict[tuple[str, str], int] = {}
    by_source = {s: part for s, part in seen.groupby("source_id")}
    rows = []
    for step, source_id in enumerate(ids, 1):
        row = {"scope": scope, "step": step, "source_id": source_id,
               "date": _text(meta.date.get(source_id)), "wave": _text(meta.wave.get(source_id)),
               "segments": int(per_source.get(source_id, 0))}
        part = by_source.get(source_id)
        for measure in MEASURES:
            items = part.item[part.measure == measure].value_counts() if part is not None else {}
            new = []
            for item, n in items.items():
                before = tally.get((measure, item), 0)
                tally[(measure, item)] = before + int(n)
                if before < min_segments <= before + n:
                    new.append(item)
            new.sort(key=_natural)
            firsts[measure].update(new)
            row[f"new_{measure}"] = len(new)
            row[measure] = len(firsts[measure])
            row[f"new_{measure[:-1]}_ids"] = "; ".join(map(str, new))
        rows.append(row)
    return rows


def _text(value) -> str:
    return "" if value is None or value != value else str(value)


def _summary(table, measures):
    import pandas as pd

    rows = []
    for scope, part in table.groupby("scope", sort=False):
        for measure in measures:
            new = part[part[f"new_{measure}"] > 0]
            last = new.iloc[-1] if len(new) else None
            rows.append({
                "scope": scope, "measure": measure, "total": int(part[measure].max()) if len(part) else 0,
                "sources": len(part),
                "last_new_step": int(last.step) if last is not None else 0,
                "last_new_source": last.source_id if last is not None else "",
                "sources_after": int(len(part) - last.step) if last is not None else len(part),
            })
    return pd.DataFrame(rows, columns=["scope", "measure", "total", "sources", "last_new_step", "last_new_source",
                                       "sources_after"])


def write_plot(figure, path, *, force: bool = False):
    """Save ``figure`` atomically as PNG, SVG or PDF (from the suffix of ``path``)."""
    from pathlib import Path

    from ..output import atomic_write

    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise QualcodeError(f"{path}: a plot is written as {', '.join(PLOT_FORMATS)}; give a file name ending so.")
    # SVG: fixed ids and no date, so the same data give the same file.
    metadata = {"Date": None} if fmt == "svg" else ({"CreationDate": None} if fmt == "pdf" else {})

    def write(tmp):
        import matplotlib

        with matplotlib.rc_context({"svg.hashsalt": "qualcode"}):
            figure.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)

    return atomic_write(path, write, force=force)


# -- the saturation plot (matplotlib, Agg backend: no display needed) -----------------------------
COLOURS = {"codes": "#1f77b4", "subthemes": "#2ca02c", "code_groups": "#9467bd", "candidates": "#d62728"}


def saturation_figure(result, title: str | None = None):
    """Left: cumulative counts over all sources. Right: per participant group, the first measure
    (sub-themes with a codebook, else candidates) against the number of that group's sources."""
    from matplotlib.ticker import MaxNLocator

    from ..writers.figure import new_figure

    table = result.table
    overall = table[table.scope == ALL]
    groups = [g for g in table.scope.unique() if g != ALL]
    figure = new_figure(12, 5, layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    measures = [m for m in result.measures if not (m == "codes" and _same(overall, "codes", "subthemes"))]
    if "code_groups" in result.measures:  # deductive: plot what can still saturate, with the codes for reference
        measures = ["code_groups", *[m for m in measures if m not in ("code_groups", "codes")]]
    for measure in measures:
        left.step(overall.step, overall[measure], where="post", marker="o", markersize=3,
                  color=COLOURS[measure], label=MEASURES[measure])
    left.set_xticks(list(overall.step))
    left.set_xticklabels(list(overall.source_id), rotation=70, ha="right", fontsize=7)
    left.set_xlabel(f"sources, ordered by {result.order}")
    left.set_ylabel("distinct, cumulative")
    left.set_title("All sources")
    left.grid(alpha=0.3)
    left.set_ylim(bottom=0)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    if measures:
        note = ("Deductive codebook: its codes exist from the start;\nread codes by group (a code's first "
                "appearance\nin a group) and the inductive candidates" if "code_groups" in result.measures else None)
        left.legend(loc="lower right", fontsize=8, title=note, title_fontsize=7)
    focus = "subthemes" if "subthemes" in result.measures else result.measures[0]
    for group in groups:
        part = table[table.scope == group]
        right.step(part.step, part[focus], where="post", marker="o", markersize=3, label=str(group))
    right.set_xlabel("sources of the group, in order")
    right.set_ylabel(f"distinct {MEASURES[focus]}, cumulative")
    right.set_title(f"{MEASURES[focus].capitalize()} per participant group")
    right.grid(alpha=0.3)
    right.set_ylim(bottom=0)
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    if groups:
        right.legend(fontsize=8)
    figure.suptitle(title or "Saturation: are new codes still appearing?")

    return figure


def _same(frame, a: str, b: str) -> bool:
    """True when every code is a sub-theme (a codebook without a third level): draw one line, not two."""
    return bool((frame[a] == frame[b]).all())
