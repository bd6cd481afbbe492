"""Coding: applying a codebook's rules to the segments of a corpus, giving the codings table.

:mod:`.rules` (compiled keyword, pattern, regex and proximity rules), :mod:`.coder` (``apply_codebook``,
the local coder, with ``--jobs`` processes), :mod:`.table` (the codings table: its columns, reading and
writing), :mod:`.dataset` (the codings as a partitioned Parquet dataset), :mod:`.batches` (a batch of
sources coded as a local run would; the Dask engine's unit of work, with no Dask in it), :mod:`.report`
(coverage after coding).

Layer 2: imports the corpus, the codebook and the layers below; never analysis, reports or Dask.
"""
