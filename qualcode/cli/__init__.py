"""The ``qualcode`` command line: a thin typer layer over the library.

Each command parses its options and calls one library function. :mod:`.app` holds the typer app and the
one place that turns a :class:`~qualcode.errors.QualcodeError` into ``Error: ...`` and exit code 1;
:mod:`.common` the options and rendering the commands share; each ``*_cmds`` module a family of commands.
Top layer: the CLI may import any part of qualcode, and nothing in qualcode imports it.

Exit codes: 0 success; 1 error (nothing or not everything was produced); 2 bad usage;
3 finished, but some input files were skipped (see the messages).
"""

from __future__ import annotations

from . import (  # noqa: F401  (registers commands)
    agreement_cmds, codebook_cmds, coding_cmds, corpus_cmds, discovery_cmds, project_cmds, query_cmds, refi_cmds, report_cmds,
    workspace_cmds,
)
from .app import app, sub_app  # noqa: F401
from .common import EXIT_ERROR, EXIT_SKIPPED  # noqa: F401


def main() -> None:
    """Console-script entry point."""
    app()
