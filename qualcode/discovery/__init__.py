"""Inductive discovery: candidate codes found in uncoded or early data, with the terms that name them.

:mod:`.terms` (lookup lemmas and n-grams of a segment), :mod:`.model` (the topic model and how many
topics), :mod:`.discoverer` (the Discoverer estimator and ``discover``), :mod:`.candidates` (describing
candidates and writing them as a candidate codebook).

Layer 3: imports coding, the corpus, the codebook and the layers below; never analysis, human coding,
reports or Dask.
"""
