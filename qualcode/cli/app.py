"""The typer app and its error handling: :class:`_Group` is the one place that turns a
:class:`~qualcode.errors.QualcodeError` into ``Error: ...`` and exit code 1. Command modules register on
:data:`app` (or a :func:`sub_app` group)."""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from ..errors import QualcodeError
from .common import EXIT_ERROR, err_console


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
