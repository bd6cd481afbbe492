"""The saturation plot (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

COLOURS = {"codes": "#1f77b4", "subthemes": "#2ca02c", "candidates": "#d62728"}


def saturation_figure(result, title: str | None = None):
    """Left: cumulative counts over all sources. Right: per participant group, the first measure
    (sub-themes with a codebook, else candidates) against the number of that group's sources."""
    from matplotlib.ticker import MaxNLocator

    from .figure import new_figure
    from .saturation import ALL, MEASURES

    table = result.table
    overall = table[table.scope == ALL]
    groups = [g for g in table.scope.unique() if g != ALL]
    figure = new_figure(12, 5, layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    measures = [m for m in result.measures if not (m == "codes" and _same(overall, "codes", "subthemes"))]
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
        left.legend(loc="lower right", fontsize=8)
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
