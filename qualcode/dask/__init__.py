"""The Dask engine: ingestion, coding, tables and a whole run on a Dask cluster, with a local run's results.

:mod:`.engine` (``apply_codebook_dask``: batches of sources coded by workers into a Parquet dataset),
:mod:`.tables` (theme tables and matrix counts of a Dask codings frame as distributed aggregations),
:mod:`.run` (``qualcode run --engine dask``).

An adapter, chosen at the top (:mod:`qualcode.engines`, :mod:`qualcode.pipeline`, the CLI): the only
package that imports ``dask`` or ``distributed``. Layer 5: imports reports, analysis, coding, the corpus,
the codebook, the writers and the base modules; nothing below imports it.
"""
