"""The ``qualcode`` command line: a thin typer layer over the library.

Each command parses its options and calls one library function. :class:`_Group` is the one place that
turns a :class:`~qualcode.errors.QualcodeError` into ``Error: ...`` and exit code 1.

Exit codes: 0 success; 1 error (nothing or not everything was produced); 2 bad usage;
3 finished, but some input files were skipped (see the messages).
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from ..errors import QualcodeError
from .common import err_console

EXIT_ERROR = 1
EXIT_SKIPPED = 3


class _Group(TyperGroup):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            from rich.markup import escape

            # escape: messages may hold brackets ("[LW]", 'pip install "qualcode[dask]"') that are not markup
            err_console.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(EXIT_ERROR) from None


app = typer.Typer(
    cls=_Group,
    help="Qualitative thematic analysis of transcripts: ingest, code, theme tables, Word exports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

def sub_app(help: str) -> typer.Typer:
    """A command group with the same error handling as the top level."""
    return typer.Typer(cls=_Group, help=help, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


from . import agreement_cmds, codebook_cmds, coding_cmds, corpus_cmds, discovery_cmds, refi_cmds, report_cmds  # noqa: E402,F401  (registers commands)


def main() -> None:
    """Console-script entry point."""
    app()
