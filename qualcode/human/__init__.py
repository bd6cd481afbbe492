"""Human coding and agreement: people's codings read in, merged with machine codings, compared, and learned from.

:mod:`.codings` (the human-codings spreadsheet format), :mod:`.merge` (rule, human and model codings in
one table), :mod:`.overlap` (which units a coding touches), :mod:`.agreement` (inter-coder agreement),
:mod:`.agreement_report` (the agreement tables and Word report), :mod:`.suggest` (the Suggester).

Layer 3: imports coding, the corpus, the codebook, the writers and the base modules; never analysis,
discovery, reports or Dask.
"""
