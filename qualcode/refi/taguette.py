"""Taguette: a codebook as the CSV Taguette's "Import codebook" reads (``tag, description``).

Taguette's highlights export (``id, document, tag, content``) reads as human codings with
:func:`qualcode.read_codings`; its REFI-QDA codebook (``.qdc``) merges into a qualcode codebook with
``qualcode import taguette.qdc -c codebook.yaml``.

>>> qualcode.refi.write_taguette_codebook(codebook, "taguette-codebook.csv")     # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from .report import RefiReport


def taguette_codebook(codebook):
    """The codebook as a ``tag, description`` table: one row per codable node (its label; its definition)."""
    import pandas as pd

    rows = [{"tag": node.label, "description": node.definition} for node in codebook.nodes.values()
            if node.codable and node.status != "retired"]
    return pd.DataFrame(rows, columns=["tag", "description"])


def write_taguette_codebook(codebook, path: str | Path, *, force: bool = False) -> RefiReport:
    """Write :func:`taguette_codebook` as CSV (atomically, through qualcode's table writer)."""
    from ..writers.tables import write_table

    table = taguette_codebook(codebook)
    written = write_table(table, path, "csv", force=force)
    return RefiReport("exported", Path(codebook.path or codebook.name), written, {"codes": len(table)}, [], [written])
