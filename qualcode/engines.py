"""The engine table: where the choice between this machine and a Dask cluster is made.

:func:`code` runs the local coder (``engine="local"``, :mod:`qualcode.coding.coder`) or the Dask engine
(``engine="dask"``, :mod:`qualcode.dask`). :func:`theme_table`, :func:`framework_matrix` and
:func:`excerpt_table` take the codings table as a pandas DataFrame or as the Dask DataFrame that
``code(..., engine="dask")`` returns, and call the implementation for that kind of frame. The pandas code
below never asks what kind of frame it holds, and nothing outside :mod:`qualcode.dask` imports Dask: an
engine's functions are named here as ``module:function`` and imported only when that engine is used.

>>> codings = qualcode.code(corpus, codebook)                                   # engine="local"
>>> qualcode.theme_table(codings, codebook).number.iloc[0]
'1'
"""

from __future__ import annotations

import importlib

from .errors import QualcodeError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pandas as pd

    from .codebook.model import Codebook
    from .corpus.corpus import Corpus

#: Engine name -> what each public entry point calls on that engine.
ENGINES: dict[str, dict[str, str]] = {
    "local": {
        "code": "qualcode.coding.coder:code",
        "run": "qualcode.pipeline:run_local",
        "theme_table": "qualcode.analysis.themes:theme_table",
        "framework_matrix": "qualcode.analysis.matrix:framework_matrix",
        "excerpt_table": "qualcode.analysis.excerpts:excerpt_table",
    },
    "dask": {
        "code": "qualcode.dask.engine:code",
        "run": "qualcode.dask.run:run_dask",
        "theme_table": "qualcode.dask.tables:theme_table",
        "framework_matrix": "qualcode.dask.tables:framework_matrix",
        "excerpt_table": "qualcode.dask.tables:excerpt_table",
    },
}


def entry(engine: str, name: str) -> "Callable":
    """The function ``name`` of ``engine`` (imported on first use)."""
    if engine not in ENGINES:
        raise QualcodeError(f"unknown engine {engine!r}; use {' or '.join(repr(e) for e in ENGINES)}.")
    module, _, function = ENGINES[engine][name].partition(":")
    return getattr(importlib.import_module(module), function)


def engine_of(codings: object) -> str:
    """``"dask"`` for a Dask DataFrame (checked without importing Dask), else ``"local"``."""
    is_dask = (type(codings).__module__ or "").startswith("dask") and hasattr(codings, "npartitions")
    return "dask" if is_dask and hasattr(codings, "columns") else "local"


def code(corpus: "Corpus | str | Path", codebook: "Codebook", *, engine: str = "local", **options) -> "pd.DataFrame":
    """Apply ``codebook`` to ``corpus`` (a :class:`~qualcode.Corpus` or a folder); return the codings
    table (see :mod:`qualcode.coding.table`).

    Options: ``by`` (``rules``: the codebook's rules; ``meaning``: its definitions and examples, offline;
    ``both``, the default: rules plus what meaning adds, see ``docs/meaning.md``), ``model`` (a local
    sentence-transformers folder), ``unit`` (turn, paragraph, sentence, answer), ``include_researchers``,
    ``include_candidates``, ``long_turn_words`` (default 200), ``jobs`` (processes), ``progress``.

    ``engine="dask"`` runs on a Dask cluster and returns a Dask DataFrame with the same rows and the standard
    columns (not the participant and source attribute columns a local run adds; see docs/codings-table.md);
    it takes the options of :func:`qualcode.dask.engine.apply_codebook_dask` (``output``, ``scheduler``,
    ``client``, ``workers``, ...) instead of ``jobs``.

    >>> codings = qualcode.code(corpus, qualcode.Codebook.from_yaml("codebooks/social_prescribing.yaml"))
    >>> codings.columns[:3].tolist(), sorted(codings.origin.unique())
    (['source_id', 'segment_id', 'participant_id'], ['meaning', 'rule'])
    >>> big = qualcode.code("big_corpus/", codebook, engine="dask", output="out/codings.parquet")  # doctest: +SKIP
    """
    return entry(engine, "code")(corpus, codebook, **options)


def theme_table(codings: "pd.DataFrame", codebook: "Codebook | None" = None,
                participants: "pd.DataFrame | dict | None" = None, *, coder: "str | list[str] | None" = None,
                origin: "str | list[str] | None" = None, compact: bool = False, **by_options) -> "pd.DataFrame":
    """The theme table of ``codings`` (see :mod:`qualcode.analysis.themes`) as a DataFrame.

    ``codebook`` gives the order, definitions and retired nodes; ``participants`` (the study summary,
    the participants table or ``{group: size}``) gives the group sizes for the percentages; ``coder``
    and ``origin`` keep only those codings; ``compact=True`` gives the paper's "Table Two". ``codings`` may
    be a Dask DataFrame: the counts and exemplar candidates are then computed on the cluster, with the same
    result.

    >>> table = qualcode.theme_table(codings, codebook, corpus.summary())
    >>> table.number.iloc[:2].tolist(), table.attrs["basis"]
    (['1', '1.1'], 'study')
    """
    return entry(engine_of(codings), "theme_table")(codings, codebook, participants, coder=coder, origin=origin,
                                                   compact=compact, **_by(codings, by_options))


def framework_matrix(codings: "pd.DataFrame", codebook: "Codebook | None" = None, *, rows: str = "participant",
                     columns: str = "theme", cells: str = "both", truncate: int | None = 200,
                     participants: "pd.DataFrame | dict | None" = None, coder: "str | list[str] | None" = None,
                     origin: "str | list[str] | None" = None, **by_options) -> "pd.DataFrame":
    """The framework matrix of ``codings`` (see :mod:`qualcode.analysis.matrix`) as a DataFrame.

    ``rows``: ``participant`` or ``source``; ``columns``: ``theme`` or ``subtheme``; ``cells``: ``both``,
    ``count`` or ``text``. A Dask codings frame gives ``cells="count"`` matrices, computed on the cluster.

    >>> matrix = qualcode.framework_matrix(codings, codebook, rows="source", cells="count")
    >>> sorted(matrix.source_id) == sorted(codings.source_id.unique())
    True
    """
    return entry(engine_of(codings), "framework_matrix")(codings, codebook, rows=rows, columns=columns, cells=cells,
                                                        truncate=truncate, participants=participants, coder=coder,
                                                        origin=origin, **_by(codings, by_options))


def excerpt_table(codings: "pd.DataFrame", codebook: "Codebook | None" = None, *, coder: "str | list[str] | None" = None,
                  origin: "str | list[str] | None" = None, **by_options) -> "pd.DataFrame":
    """One row per passage and theme/sub-theme it is coded at, in report order (see
    :mod:`qualcode.analysis.excerpts`). A Dask codings frame is refused with what to do instead.

    >>> excerpts = qualcode.excerpt_table(codings, codebook)
    >>> excerpts[["number", "theme", "attribution", "location", "text"]].shape[1]
    5
    """
    return entry(engine_of(codings), "excerpt_table")(codings, codebook, coder=coder, origin=origin,
                                                     **_by(codings, by_options))


def _by(codings, options: dict) -> dict:
    """``by=`` and ``max_values=`` (any attribute, :mod:`qualcode.analysis.attributes`): pandas codings only."""
    unknown = set(options) - {"by", "max_values"}
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    if options.get("by") is not None and engine_of(codings) != "local":
        raise QualcodeError("by= (a breakdown by attribute) works on pandas codings: the Dask codings dataset holds "
                            "no attribute columns. Load the codings you need with .compute(), add the attributes "
                            "with qualcode.with_attributes(codings, corpus), and ask again.")
    return {k: v for k, v in options.items() if v is not None}
