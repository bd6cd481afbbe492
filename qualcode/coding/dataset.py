"""Codings as a partitioned Parquet dataset: a folder of ``part-NNNNNN.parquet`` files, one per batch.

The folder reads as one table in pandas (``pd.read_parquet``), Dask (``dd.read_parquet``), DuckDB
(``read_parquet('codings.parquet/*.parquet')``) and Spark. Reading the parts in name order gives the rows in
the codings table's documented order (by source, then offset, then codebook order), the same as a local run.

Every part has the same Arrow schema (:data:`CODINGS_SCHEMA`), even when it holds no rows. A part is
written to a hidden temporary file and renamed into place, so a task that is retried or re-run after a
worker died replaces its part whole: codings are never lost or duplicated. The folder itself is built
under a temporary name and renamed at the end (:func:`finish_dataset`), so a failed run leaves any earlier
result untouched.

>>> for part in iter_excerpts("out/codings.parquet", group="Clients"):   # doctest: +SKIP
...     write_quotes(part)          # a few thousand rows at a time, never the whole table
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from .table import CODING_COLUMNS
from ..errors import CodingsError, OutputExistsError, QualcodeError
from ..output import check_output_folder, move_folder_into_place

_NUMBERS = {"start": "int64", "end": "int64", "score": "float64"}
_PART = "part-{:06d}.parquet"


def codings_schema():
    """The Arrow schema of every part: strings, except ``start``/``end`` (int64) and ``score`` (float64)."""
    import pyarrow as pa

    types = {"int64": pa.int64(), "float64": pa.float64()}
    return pa.schema([(c, types[_NUMBERS[c]] if c in _NUMBERS else pa.string()) for c in CODING_COLUMNS])


def _table(frame):
    import pyarrow as pa

    missing = [c for c in CODING_COLUMNS if c not in frame.columns]
    if missing:  # codings from before a column existed (e.g. codebook, number): written empty
        frame = frame.assign(**{c: None for c in missing})
    frame = frame[CODING_COLUMNS]
    try:
        return pa.Table.from_pandas(frame, schema=codings_schema(), preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # NaN (a float) in an object column of strings
        strings = [c for c in CODING_COLUMNS if c not in _NUMBERS]
        frame = frame.astype({c: object for c in strings}).where(frame.notna(), None)
        return pa.Table.from_pandas(frame, schema=codings_schema(), preserve_index=False)


def conform(frame):
    """``frame`` with the dtypes pandas gives a part read back from Parquet (so in-memory and on-disk
    codings of the distributed engine look the same)."""
    return _table(frame).to_pandas()


def meta_frame():
    """An empty codings frame with the dataset's dtypes (the ``meta`` of a Dask DataFrame)."""
    return codings_schema().empty_table().to_pandas()


def write_partition(frame, folder: str | Path, index: int) -> Path:
    """Write part ``index`` of a dataset atomically (a hidden temporary file renamed into place)."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    target = folder / _PART.format(index)
    tmp = folder / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(_table(frame), tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def check_dataset_path(path: str | Path, force: bool = False) -> Path:
    """Raise a clear error if a dataset cannot be written at ``path``."""
    path = Path(path)
    if path.suffix.lower() != ".parquet":
        raise CodingsError(f"{path}: the distributed engine writes a Parquet dataset; name it *.parquet "
                           "(e.g. out/codings.parquet).")
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; pass --force to replace it, or choose another path.")
    check_output_folder(path.parent)
    return path


def start_dataset(path: str | Path) -> Path:
    """Create the hidden working folder next to ``path`` that workers write parts into."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # the one output-folder rule: missing folders are made
    work = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    work.mkdir()
    return work


def finish_dataset(work: Path, path: str | Path, parts: int, force: bool = False) -> Path:
    """Check ``work`` holds parts 0..parts-1, drop stray temporary files, and move it to ``path``."""
    path = Path(path)
    for stray in work.glob(".*"):
        stray.unlink(missing_ok=True)
    missing = [i for i in range(parts) if not (work / _PART.format(i)).exists()]
    if missing:
        raise QualcodeError(f"{len(missing)} part(s) of the codings dataset were not written (first: "
                            f"{_PART.format(missing[0])}); nothing was written to {path}. Run again.")
    return move_folder_into_place(work, path, force)


def discard_dataset(work: Path | None) -> None:
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)


def part_files(path: str | Path) -> list[Path]:
    """The parts of a dataset in row order."""
    path = Path(path)
    if not path.is_dir():
        raise CodingsError(f"{path}: not a codings dataset folder; write one with `qualcode code ... --engine dask`.")
    return sorted(p for p in path.glob("part-*.parquet"))


def iter_excerpts(path: str | Path, *, group: str | None = None, columns: list[str] | None = None,
                  batch_rows: int = 10_000) -> Iterator:
    """Stream a dataset as pandas frames of at most ``batch_rows`` rows, in the table's order,
    optionally only the codings of participant ``group`` (``"(no group)"``: codings without a group, as the
    reports name them). Memory stays at one batch whatever the size."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .table import NO_GROUP

    for file in part_files(path):
        handle = pq.ParquetFile(file)
        for batch in handle.iter_batches(batch_size=batch_rows, columns=columns if group is None else None):
            if group is not None:
                column = batch.column("group")
                if group == NO_GROUP:
                    keep = pc.or_kleene(pc.is_null(column), pc.equal(column, ""))
                    keep = pc.or_kleene(keep, pc.equal(column, NO_GROUP))
                else:
                    keep = pc.equal(column, group)
                batch = batch.filter(pc.fill_null(keep, False))
                if columns is not None:
                    batch = batch.select(columns)
            if batch.num_rows:
                yield batch.to_pandas()


def dataset_groups(path: str | Path) -> list[str]:
    """The participant groups that have codings in a dataset, in first-seen order (reads one column)."""
    import pyarrow.parquet as pq

    seen: dict[str, None] = {}
    for file in part_files(path):
        for value in pq.read_table(file, columns=["group"]).column("group").unique().to_pylist():
            if value is not None:
                seen.setdefault(value, None)
    return list(seen)
