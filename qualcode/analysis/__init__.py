"""Analysis tables: views of the codings table that reports and notebooks show.

:mod:`.selection` (choosing coders and origins, the outline of themes, group sizes), :mod:`.themes`
(the theme table), :mod:`.matrix` (the framework matrix), :mod:`.excerpts` (the excerpt table),
:mod:`.exemplars` (one quote per sub-theme), :mod:`.queries` (the questions ``codings.qc`` answers),
:mod:`.saturation` (new codes per source, and its plot), :mod:`.attributes` (``by=`` any participant or
source attribute, with the small-n and mixed-method notes), :mod:`.compare` (themes side by side per
value), :mod:`.search` (keyword in context) and :mod:`.words` (word and phrase frequencies, keyness).

Layer 3: imports coding, discovery (for saturation), the corpus, the codebook, the writers and the base
modules; never human coding, reports, the notebook layer or Dask. Every function takes a pandas codings
table; a Dask frame goes through :mod:`qualcode.engines`.
"""
