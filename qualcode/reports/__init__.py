"""Reports: the theme table, framework matrix and coded excerpts as Word, HTML, Excel and plots, and a run's outputs.

:mod:`.info` (what a report says about itself), :mod:`.docx` (the Word documents), :mod:`.html` (the HTML
report), :mod:`.plots` (heatmaps, codes per participant, saturation curves), :mod:`.exports` (one
function per table and format), :mod:`.run_outputs` (the set of files a whole run writes).

Layer 4: imports analysis, human coding, coding, the corpus, the codebook, the writers and the base
modules; never the notebook layer, REFI-QDA, Dask, the pipeline or the CLI.
"""
