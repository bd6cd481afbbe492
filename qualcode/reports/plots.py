"""Figures for notebooks and reports, drawn with matplotlib's Agg backend (no display, no pyplot state).

>>> fig = plots.prevalence_heatmap(qualcode.theme_table(codings, codebook, corpus.summary()))
>>> fig.axes[0].get_title() == ""                            # restyle it: it is a matplotlib Figure
True
>>> fig = plots.codes_per_participant(codings, participants=corpus.participants)
>>> fig = plots.cooccurrence_heatmap(codings, level="theme")
>>> png = plots.figure_png(fig)                              # bytes, for Word, HTML or a file
>>> fig.savefig(tmp / "cooccurrence.svg")

Each function returns a :class:`matplotlib.figure.Figure` (a :class:`~qualcode.writers.figure.NotebookFigure`,
which Jupyter shows as a PNG); its axes are ``fig.axes``. Nothing is drawn at import time and matplotlib
is imported by the first plot.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from ..codebook.model import Codebook
    from ..analysis.saturation import SaturationResult


def _figure(width: float, height: float, **options):
    from ..writers.figure import new_figure

    return new_figure(width, height, **options)


def _nothing(figure, message: str = "Nothing was coded."):
    axes = figure.add_subplot()
    axes.axis("off")
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=12)
    return figure


def prevalence_heatmap(table: "pd.DataFrame", *, level: str | None = None, title: str | None = None) -> "Figure":
    """Theme x participant group heatmap of prevalence (% of each group's participants coded there).

    ``table`` is a :func:`~qualcode.analysis.themes.theme_table`. ``level``: ``"theme"`` or ``"subtheme"``
    (default: sub-themes where there are any). Cells are annotated with the percentage; the column
    labels give each group's size, and the title says what the percentages are of.
    """
    sizes = table.attrs.get("group_sizes", {})
    groups = [c[:-2] for c in table.columns if c.endswith(" %")]
    if level is None:
        level = "subtheme" if (table.level == "sub-theme").any() else "theme"
    from ..analysis.queries import check_choice

    check_choice(level, ("theme", "subtheme"), "level")
    if level == "theme":
        rows = table[table.level == "theme"]
    else:
        has_subs = set(table.loc[table.level == "sub-theme", "theme_id"])
        rows = table[(table.level == "sub-theme") | ~table.theme_id.isin(has_subs)]
    labels = [textwrap.shorten(f"{n}  {s or t}", 60, placeholder="...")
              for n, s, t in zip(rows.number, rows.subtheme, rows.theme)]
    height = max(2.2, 0.32 * len(rows) + 1.6)
    width = max(6.0, 1.2 * len(groups) + 4.2)
    figure = _figure(width, height)
    if rows.empty or not groups:
        return _nothing(figure)
    axes = figure.add_subplot()
    values = rows[[f"{g} %" for g in groups]].to_numpy(dtype=float)
    image = axes.imshow(values, cmap="Blues", vmin=0, vmax=100, aspect="auto")
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels([textwrap.fill(f"{g} (n={sizes.get(g, '?')})", 14) for g in groups], fontsize=8)
    axes.xaxis.tick_top()
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(labels, fontsize=8)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            value = values[i, j]
            axes.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7.5,
                      color="white" if value >= 55 else "#1a1a1a")
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    bar = figure.colorbar(image, ax=axes, fraction=0.035, pad=0.02)
    bar.ax.tick_params(labelsize=7)
    basis = "the group's participants" if table.attrs.get("basis") == "study" else "the group's coded participants"
    bar.set_label(f"% of {basis}", fontsize=8)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def codes_per_participant(codings: "pd.DataFrame", *, level: str = "code", participants: "pd.DataFrame | None" = None,
                          max_participants: int = 60, title: str | None = None) -> "Figure":
    """A bar per participant: how many distinct codes (``level``: ``code``, ``subtheme`` or ``theme``)
    their words were coded with, coloured by participant group, groups in the order of the codings.

    ``participants`` (``corpus.participants``: ``participant_id``, ``group``, ``label``) adds the
    participants never coded, with a bar of 0. With more than ``max_participants``, the ones with most
    codes are shown and the title says how many there are.
    """
    import pandas as pd

    from ..analysis.queries import LEVELS, _KIND, check_choice, require

    frame = require(codings)
    check_choice(level, LEVELS, "level")
    id_col = LEVELS[level][0]
    people = frame[frame["participant_id"].notna()]
    per = (people.groupby("participant_id", sort=False)
           .agg(label=("label", "first"), group=("group", "first"), n=(id_col, "nunique")).reset_index())
    if participants is not None:
        missing = [c for c in ("participant_id", "group") if c not in participants.columns]
        if missing:
            from ..errors import CodingsError

            raise CodingsError(f"participants needs the column(s) {', '.join(missing)} (it has: "
                               f"{', '.join(map(str, participants.columns))}); pass corpus.participants.")
        extra = participants[~participants["participant_id"].isin(set(per["participant_id"]))]
        labels = extra["label"] if "label" in extra.columns else extra["participant_id"]
        per = pd.concat([per, pd.DataFrame({"participant_id": extra["participant_id"], "label": labels,
                                            "group": extra["group"], "n": 0})], ignore_index=True)
    kind = _KIND[level]
    figure = _figure(8.0, 3.0)
    if per.empty:
        return _nothing(figure)
    per["label"] = per["label"].fillna(per["participant_id"]).astype(str)
    per["group"] = per["group"].fillna("(no group)").astype(str)
    total = len(per)
    if total > max_participants:
        per = per.sort_values("n", ascending=False, kind="stable").head(max_participants)
    groups = list(dict.fromkeys([*frame["group"].dropna().astype(str), *per["group"]]))
    per = per.assign(_g=per["group"].map(groups.index)).sort_values(["_g", "n", "label"], ascending=[True, False, True],
                                                                    kind="stable")
    figure.set_size_inches(8.0, max(3.0, 0.2 * len(per) + 1.4))
    axes = figure.add_subplot()
    colours = {g: f"C{k % 10}" for k, g in enumerate(groups)}
    axes.barh(range(len(per)), per["n"], color=[colours[g] for g in per["group"]])
    axes.set_yticks(range(len(per)))
    axes.set_yticklabels([textwrap.shorten(t, 30, placeholder="...") for t in per["label"]], fontsize=7)
    axes.set_ylim(len(per) - 0.5, -0.5)
    axes.set_xlabel(f"distinct {kind}s coded in their words")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="x", alpha=0.3)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    from matplotlib.patches import Patch

    shown = [g for g in groups if g in set(per["group"])]
    axes.legend(handles=[Patch(color=colours[g], label=g) for g in shown], fontsize=7, loc="lower right")
    note = f" (the {len(per)} of {total} with most)" if total > len(per) else ""
    axes.set_title(title or f"{kind.capitalize()}s per participant{note}", fontsize=10)
    figure.tight_layout()
    return figure


def cooccurrence_heatmap(codings: "pd.DataFrame", *, level: str = "subtheme", within: str = "segment",
                         codebook: "Codebook | None" = None, title: str | None = None) -> "Figure":
    """How often two themes, sub-themes or codes (``level``) are coded in the same ``within`` (segment,
    participant or source): :func:`qualcode.queries.cooccurrence` as a heatmap. Off-diagonal cells count
    the units with both; the diagonal (grey) counts the units with the node. ``codebook`` orders the rows."""
    import numpy as np

    from ..analysis.queries import _KIND, cooccurrence

    table = cooccurrence(codings, level, within, codebook=codebook)
    n = len(table)
    figure = _figure(max(5.5, 0.42 * n + 4.0), max(4.0, 0.36 * n + 2.6))
    if not n:
        return _nothing(figure)
    values = table.to_numpy(dtype=float)
    shared = values.copy()
    np.fill_diagonal(shared, np.nan)
    axes = figure.add_subplot()
    top = np.nanmax(shared) if n > 1 else 1.0
    image = axes.imshow(shared, cmap="Oranges", vmin=0, vmax=max(top, 1.0))
    labels = [textwrap.shorten(str(label), 40, placeholder="...") for label in table.index]
    axes.set_xticks(range(n))
    axes.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    axes.set_yticks(range(n))
    axes.set_yticklabels(labels, fontsize=7)
    for i in range(n):
        for j in range(n):
            value = values[i, j]
            if i == j:
                axes.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=6.5, color="#777777")
            elif value:
                axes.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=6.5,
                          color="white" if value >= 0.6 * top else "#1a1a1a")
    axes.tick_params(length=0)
    bar = figure.colorbar(image, ax=axes, fraction=0.035, pad=0.02)
    bar.ax.tick_params(labelsize=7)
    bar.set_label(f"{within}s coded with both", fontsize=8)
    kind = _KIND[level]
    axes.set_title(title or f"{kind.capitalize()}s coded in the same {within}; diagonal: {within}s with the {kind}",
                   fontsize=10)
    figure.tight_layout()
    return figure


def saturation_curve(result: "SaturationResult", title: str | None = None) -> "Figure":
    """The saturation plot of :func:`qualcode.saturation` (the same as ``result.plot()``)."""
    return result.plot(title)


def figure_png(figure: "Figure", dpi: int = 150) -> bytes:
    """``figure`` as PNG bytes."""
    from ..writers.figure import figure_png as png

    return png(figure, dpi)


def word_frequencies_plot(words: "pd.DataFrame", *, top: int = 15, title: str | None = None) -> "Figure":
    """Horizontal bars of the most frequent terms of each value (``words`` from
    :func:`qualcode.word_frequencies`), one panel per value; the panel title gives its participants (n).

    >>> fig = plots.word_frequencies_plot(qualcode.word_frequencies(corpus, by="group"))
    """
    values = list(dict.fromkeys(words["value"])) if len(words) else []
    totals = words.attrs.get("totals", {})
    columns = min(3, max(len(values), 1))
    rows = max(1, -(-len(values) // columns))
    figure = _figure(4.2 * columns, max(2.6, 0.26 * top + 1.2) * rows)
    if not values:
        return _nothing(figure, "No words were counted.")
    for k, value in enumerate(values, 1):
        axes = figure.add_subplot(rows, columns, k)
        part = words[words["value"] == value]
        part = part.sort_values("count", ascending=False, kind="stable").head(top).iloc[::-1]
        axes.barh(range(len(part)), part["per_10k"], color="#3b6ea5")
        axes.set_yticks(range(len(part)))
        axes.set_yticklabels([textwrap.shorten(str(t), 28, placeholder="...") for t in part["term"]], fontsize=7.5)
        n = totals.get(value, {}).get("participants", "?")
        flag = " *" if isinstance(n, int) and n < 5 else ""
        axes.set_title(textwrap.shorten(f"{value} (n={n}){flag}", 40, placeholder="..."), fontsize=9)
        axes.tick_params(axis="x", labelsize=7)
        axes.set_xlabel("per 10,000 words", fontsize=7.5)
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
