"""``codings.qc``: the codings table's own methods in a notebook (a pandas DataFrame accessor).

>>> summary = codings.qc.summary()               # in Jupyter ``codings.qc`` shows it: theme x group, excerpts
>>> codings.qc.excerpts("Buddying to a first session", group="Clients").shape[0] > 0
True
>>> codings.qc.cooccurring("buddying").label.iloc[0] != ""
True

The accessor is registered when pandas is first imported after ``import qualcode`` (or at once, if pandas
is already loaded), so ``import qualcode`` does not load pandas; any DataFrame with the codings columns
has it, including one read with ``pd.read_csv``. On a frame that is not a codings table, ``frame.qc``
raises :class:`~qualcode.errors.NotCodingsTableError` naming the missing columns. The methods are the
functions of :mod:`qualcode.queries` (see there), plus :meth:`CodingsAccessor.summary`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..analysis import queries

if TYPE_CHECKING:
    from ..codebook.model import Codebook
    from .reprs import CodingsSummary

NAME = "qc"


class CodingsAccessor:
    """Questions and a rich summary for a codings table: ``codings.qc.<method>(...)``."""

    def __init__(self, frame: pd.DataFrame):
        self._frame = queries.require(frame, "this DataFrame")

    # -- the questions (see qualcode.queries) ----------------------------------------------------
    def excerpts(self, about=None, *, group=None, participant=None, source=None, coder=None, origin=None,
                 distinct: bool = True) -> pd.DataFrame:
        """Codings of ``about`` (theme, sub-theme or code) from ``group``/``participant``/...: see
        :func:`qualcode.queries.excerpts`."""
        return queries.excerpts(self._frame, about, group=group, participant=participant, source=source, coder=coder,
                                origin=origin, distinct=distinct)

    def cooccurring(self, about, *, level: str = "code", within: str = "segment") -> pd.DataFrame:
        """What else is coded where ``about`` is: see :func:`qualcode.queries.cooccurring`."""
        return queries.cooccurring(self._frame, about, level=level, within=within)

    def cooccurrence(self, level: str = "subtheme", within: str = "segment", *, codebook: "Codebook | None" = None
                     ) -> pd.DataFrame:
        """Node x node counts of shared units: see :func:`qualcode.queries.cooccurrence`."""
        return queries.cooccurrence(self._frame, level, within, codebook=codebook)

    def participants(self, mention=None, without=None, *, how: str = "all", by=None) -> pd.DataFrame:
        """Who mentions ``mention`` but not ``without``: see :func:`qualcode.queries.participants`."""
        return queries.participants(self._frame, mention, without, how=how, by=by)

    def counts(self, by="group", level: str = "theme", *, measure: str = "excerpts",
               codebook: "Codebook | None" = None, max_values: int | None = 30) -> pd.DataFrame:
        """Nodes x values of ``by``: see :func:`qualcode.queries.counts`."""
        return queries.counts(self._frame, by, level, measure=measure, codebook=codebook, max_values=max_values)

    def nodes(self, level: str | None = None) -> pd.DataFrame:
        """The themes, sub-themes and codes these codings name: see :func:`qualcode.queries.nodes`."""
        return queries.nodes(self._frame, level)

    def summary(self, *, examples: int = 2, codebook: "Codebook | None" = None) -> "CodingsSummary":
        """Counts of distinct excerpts by theme x participant group (themes in ``codebook`` order, else by
        label), with ``examples`` excerpts per theme; a table in Jupyter, text elsewhere."""
        from .reprs import CodingsSummary

        return CodingsSummary(self._frame, examples, codebook)

    # -- display ---------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return repr(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


_registered = False


def register() -> None:
    """Register ``DataFrame.qc`` (once; registering again is a no-op)."""
    global _registered
    if not _registered:
        pd.api.extensions.register_dataframe_accessor(NAME)(CodingsAccessor)
        _registered = True


register()
