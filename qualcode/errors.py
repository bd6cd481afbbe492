"""The exceptions qualcode raises.

Every error derives from :class:`QualcodeError`, so a caller (the CLI, a notebook) can catch one class.
A message names the file, the line or code id, the bad value and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable


class QualcodeError(Exception):
    """Base class of every error qualcode raises on purpose."""


class SourceFormatError(QualcodeError):
    """A transcript or survey file cannot be read (empty, binary, undecodable, malformed, too big)."""


class ManifestError(QualcodeError):
    """participants.csv, sources.csv or a front-matter block is wrong."""


class UnsafeArchiveError(SourceFormatError):
    """A zip container (docx, xlsx, qdpx) is a bomb, traverses paths, or is otherwise unsafe to open."""


class CodebookError(QualcodeError):
    """A codebook does not validate. ``problems`` lists every problem found, not just the first."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class CodingsError(QualcodeError):
    """A codings table or file is missing columns or holds values that cannot be used."""


class NotCodingsTableError(CodingsError, AttributeError):
    """A DataFrame used as a codings table (``frame.qc``, :mod:`qualcode.queries`) lacks its columns.

    Also an ``AttributeError``, as pandas accessors raise on the wrong kind of frame, so
    ``hasattr(frame, "qc")`` is false for a frame that is not a codings table.
    """


class OutputExistsError(QualcodeError):
    """An output would overwrite an existing file; pass ``force=True`` (``--force``) to allow it."""


class ProjectError(QualcodeError):
    """A project database cannot be opened or changed (not a project, newer, damaged, read-only, conflict)."""


class ProjectConflictError(ProjectError):
    """A change was refused because someone else changed the same coding since the caller looked."""


class NotFittedError(QualcodeError, ValueError, AttributeError):
    """An estimator was used before ``fit`` (like scikit-learn's NotFittedError)."""


# -- the words of a message ------------------------------------------------------------------------
def did_you_mean(wanted: str, options: Iterable[str]) -> str:
    """``"; did you mean 'Clients'?"`` for the option closest to ``wanted`` (case-insensitive), else ``""``."""
    import difflib

    options = [str(o) for o in options]
    lower = {o.casefold(): o for o in options}
    close = difflib.get_close_matches(str(wanted).casefold(), list(lower), n=1, cutoff=0.5)
    return f"; did you mean {lower[close[0]]!r}?" if close else ""


def listing(options: list[str], limit: int = 15) -> str:
    """``a, b, c`` cut to ``limit`` names with how many there are in all; ``none`` for no options."""
    shown = ", ".join(options[:limit])
    return shown + (f", ... ({len(options)} in all)" if len(options) > limit else "") if options else "none"


class WorkspaceError(QualcodeError):
    """The browser workspace cannot start (the port is in use, the folder is not a project)."""
