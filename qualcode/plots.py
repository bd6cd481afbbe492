"""Figures for the reports, drawn with matplotlib's Agg backend (no display, no global pyplot state).

>>> fig = qualcode.plots.prevalence_heatmap(theme_table)      # doctest: +SKIP
>>> png = qualcode.plots.figure_png(fig)                      # bytes, for Word, HTML or a file

Each function takes a DataFrame and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import textwrap


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def prevalence_heatmap(table, *, level: str | None = None, title: str | None = None):
    """Theme x participant group heatmap of prevalence (% of each group's participants coded there).

    ``table`` is a :func:`~qualcode.themes.theme_table`. ``level``: ``"theme"`` or ``"subtheme"``
    (default: sub-themes where there are any). Cells are annotated with the percentage; the column
    labels give each group's size, and the title says what the percentages are of.
    """
    sizes = table.attrs.get("group_sizes", {})
    groups = [c[:-2] for c in table.columns if c.endswith(" %")]
    if level is None:
        level = "subtheme" if (table.level == "sub-theme").any() else "theme"
    if level not in ("theme", "subtheme"):
        raise ValueError(f"level must be 'theme' or 'subtheme', not {level!r}")
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
    axes = figure.add_subplot()
    if rows.empty or not groups:
        axes.axis("off")
        axes.text(0.5, 0.5, "Nothing was coded.", ha="center", va="center", fontsize=12)
        return figure
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


def figure_png(figure, dpi: int = 150) -> bytes:
    """``figure`` as PNG bytes."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()
