"""The matplotlib Figure that qualcode's plots return.

It is an ordinary :class:`matplotlib.figure.Figure` on the Agg canvas: no display, no pyplot state, so
restyle it, add to its axes or ``savefig`` it as usual. It also shows itself in Jupyter: a Figure made
without pyplot otherwise shows only as ``<Figure size ...>``, because IPython renders figures only when
pyplot's inline backend is active. Imported only by the plotting functions (it imports matplotlib).
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class NotebookFigure(Figure):
    """A Figure that Jupyter displays as a PNG (``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        return figure_png(self, dpi=100)


def new_figure(width: float, height: float, **options) -> NotebookFigure:
    """A ``width`` x ``height`` inch :class:`NotebookFigure` on its own Agg canvas."""
    figure = NotebookFigure(figsize=(width, height), dpi=100, **options)
    FigureCanvasAgg(figure)
    return figure


def figure_png(figure: Figure, dpi: int = 150) -> bytes:
    """``figure`` as PNG bytes (white background, trimmed to its contents)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()
