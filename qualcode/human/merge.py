"""Merging rule, human and model codings into one codings table, and reading any codings file.

>>> merged = qualcode.merge_codings(rule_codings, suggestions, coder_a)     # doctest: +SKIP

Every row keeps its ``coder`` and ``origin``. Nothing is rewritten: a conflict (the same unit and code
from different coders, or different codes for one unit) is simply several rows. Only a row repeated
exactly (same source, span, code, coder and origin) is kept once.
"""

from __future__ import annotations

from pathlib import Path

from ..coding.table import CODING_COLUMNS, ORIGINS, check_codings
from ..errors import CodingsError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

#: Rows with equal values here are the same coding.
IDENTITY = ["source_id", "start", "end", "code_id", "coder", "origin"]
_ORIGIN_ORDER = {"human": 0, "rule": 1, "model": 2}


def merge_codings(*tables: "pd.DataFrame", corpus: "Corpus | None" = None) -> "pd.DataFrame":
    """One codings table from several: all rows kept with their coder and origin, sorted by source
    (corpus order when ``corpus`` is given), offset, code, then human, rule, model rows.

    ``frame.attrs["duplicates"]`` counts exact repeats that were kept once.

    >>> merged = qualcode.merge_codings(coder_a, coder_b, corpus=corpus)
    >>> len(merged) == len(coder_a) + len(coder_b), sorted(merged.coder.unique())
    (True, ['coder_a', 'coder_b'])
    """
    import pandas as pd

    from ..coding.table import empty_codings

    frames = []
    for i, table in enumerate(tables):
        name = getattr(table, "attrs", {}).get("path") or f"table {i + 1}"
        if table is None or len(table) == 0:
            continue
        table = check_codings(table, str(name))
        missing = table["coder"].isna() | (table["coder"].astype(str).str.strip() == "")
        if missing.any():
            raise CodingsError(f"{name}: {int(missing.sum())} row(s) have no coder; every merged row must say "
                               "who coded it (fill the coder column).")
        bad = ~table["origin"].isin(ORIGINS)
        if bad.any():
            raise CodingsError(f"{name}: origin {table['origin'][bad].iloc[0]!r} is not {', '.join(ORIGINS[:-1])} "
                               f"or {ORIGINS[-1]}; fix the origin column.")
        frames.append(table)
    if not frames:
        return empty_codings()
    merged = pd.concat(frames, ignore_index=True)
    merged["source_id"] = merged["source_id"].astype(str)
    before = len(merged)
    merged = merged.drop_duplicates(IDENTITY, keep="first")
    order = {s: i for i, s in enumerate(corpus.source_ids)} if corpus is not None else None
    keys = pd.DataFrame({
        "source": merged.source_id.map(order).fillna(len(order)) if order else merged.source_id,
        "sid": merged.source_id, "start": merged.start, "end": merged.end, "code": merged.code_id.astype(str),
        "origin": merged.origin.map(_ORIGIN_ORDER), "coder": merged.coder.astype(str),
    })
    merged = merged.loc[keys.sort_values(list(keys.columns), kind="stable").index].reset_index(drop=True)
    extra = [c for c in merged.columns if c not in CODING_COLUMNS]
    merged = merged[CODING_COLUMNS + extra]
    if corpus is not None:  # every row gets the corpus's attributes, also rows from files without them
        from ..corpus.attributes import attribute_names, join_attributes

        names = attribute_names(corpus, CODING_COLUMNS)
        merged = join_attributes(merged.drop(columns=[c for c in extra if c in {*names["participant"].values(),
                                                                                 *names["source"].values()}]), corpus)
    merged.attrs["duplicates"] = before - len(merged)
    return merged


def is_codings_table(columns) -> bool:
    """A codings table (``qualcode code`` / ``suggest`` output) rather than a human-codings file."""
    columns = {str(c).strip().lower() for c in columns}
    return {"code_id", "theme_id", "start", "end", "origin"} <= columns


def read_any_codings(path: str | Path, corpus: "Corpus", codebook: "Codebook | None" = None, *, coder: str | None = None,
                     strict: bool = False) -> "pd.DataFrame":
    """Read ``path`` as a codings table (written by ``qualcode code`` or ``qualcode suggest``) or as a
    human-codings file (:func:`qualcode.read_codings`, which needs ``codebook``); check it against ``corpus``.

    A human file without a ``coder`` column takes ``coder`` or else the file's stem as the coder name.

    >>> table = qualcode.read_any_codings("tests/data/human/coder_b.csv", corpus, codebook)
    >>> table.origin.unique().tolist()
    ['human']
    """
    from .codings import _read_table, read_codings

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        head = _read_table(path)
        columns = head.columns
    else:
        columns = CODING_COLUMNS
    if is_codings_table(columns):
        from ..coding.table import read_codings_table

        table = read_codings_table(path)
        if len(table) == 0:
            raise CodingsError(f"{path}: the codings file has no rows.")
        _check_against(table, corpus, path)
        if codebook is not None:
            unknown = sorted(set(table.code_id.astype(str)) - set(codebook.nodes))
            if unknown:
                raise CodingsError(f"{path}: code id(s) {', '.join(unknown[:5])} are not in codebook "
                                   f"{codebook.name!r}{codebook.suggest(unknown[0])} Use the codebook these codings "
                                   "were made with.")
    else:
        if codebook is None:
            raise CodingsError(f"{path} is a human-codings file; give the codebook (-c) to resolve its codes.")
        table = read_codings(path, corpus, codebook, coder=coder or path.stem, strict=strict)
    table.attrs["path"] = str(path)
    return table


def _check_against(table, corpus, path) -> None:
    """Sources must exist in the corpus and spans must fit their text."""
    unknown = sorted(set(table.source_id.astype(str)) - set(corpus.source_ids))
    if unknown:
        raise CodingsError(f"{path}: source(s) {', '.join(unknown[:5])} are not in the corpus (sources include "
                           f"{', '.join(corpus.source_ids[:5])}); check the transcripts folder.")
    lengths = {s: len(corpus.text(s)) for s in set(table.source_id.astype(str))}
    outside = [(i, r.source_id, r.start, r.end) for i, r in enumerate(table.itertuples())
               if not 0 <= r.start < r.end <= lengths[str(r.source_id)]]
    if outside:
        i, source, start, end = outside[0]
        raise CodingsError(f"{path}: row {i + 2}: span {start}-{end} does not fit source {source} "
                           f"(0-{lengths[str(source)]}); these codings were made on other transcripts.")
