"""The codebook: themes > sub-themes > codes, with definitions, rules, an audit trail and checks.

:mod:`.schema` (the fields a codebook file may hold), :mod:`.model` (Codebook and Node, read from and
written to YAML), :mod:`.check` (every problem of a codebook at once), :mod:`.edit` (audited edits:
add, rename, move, retire, merge candidates), :mod:`.diff` (what changed between two versions).

Layer 1: imports the base modules (:mod:`qualcode.errors`, ``textio``, ``output``, ``language``,
``display``), :mod:`qualcode.writers` and the corpus's document model (:mod:`qualcode.corpus.model`: data
collection methods, Problem); the corpus never imports the codebook.
"""
