"""Reading a corpus: a folder of transcripts becomes sources with speaker turns, segments and a study summary.

:mod:`.model` (Source, Turn, SourceMeta: offsets in code points), :mod:`.readers` (one reader per file
suffix), :mod:`.turns` (speaker labels), :mod:`.manifest` (participants.csv, sources.csv, front matter),
:mod:`.loading` (``load_corpus``), :mod:`.corpus` (the Corpus), :mod:`.segments` (the segments table),
:mod:`.summary` (the study summary), :mod:`.selection` (choosing and ordering sources), :mod:`.safezip`
(reading archives safely), :mod:`.attributes` (participant and source attributes, joined onto codings).

Layer 1: imports only the base modules (:mod:`qualcode.errors`, ``textio``, ``output``, ``language``,
``display``) and :mod:`qualcode.writers`.
"""
