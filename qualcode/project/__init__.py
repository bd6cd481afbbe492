"""The project: people's work on a study (decisions on machine codings, hand codings, memos, history) in
one SQLite file next to the sources.

:mod:`.store` (every SQL statement, the schema version and its migrations), :mod:`.project` (the
:class:`Project` API, in the words of the field), :mod:`.records` (a decision, a hand coding, ids and
times as plain dicts), :mod:`.files` (plain-file export and import).

Layer 5, beside :mod:`qualcode.dask`: imports refi, human, coding, the corpus, the codebook, the writers and
the base modules; never dask, the engines, the pipeline or the CLI. See ``docs/projects.md``.
"""

from __future__ import annotations

from .project import Project, ProjectStatus, coding_key, find_project, has_project

__all__ = ["Project", "ProjectStatus", "coding_key", "find_project", "has_project"]
