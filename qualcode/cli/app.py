"""The typer app and its error handling: :class:`_Group` is the one place that turns a
:class:`~qualcode.errors.QualcodeError` into ``Error: ...`` and exit code 1. Command modules register on
:data:`app` (or a :func:`sub_app` group)."""

from __future__ import annotations

import typer
from typer.core import TyperGroup

import os

from ..errors import QualcodeError
from .common import EXIT_ERROR, err_console

_OS_FIXES = {
    "ENOSPC": "the disk is full; free some space or write the output elsewhere (-o)",
    "EDQUOT": "the disk quota is used up; free some space or write the output elsewhere (-o)",
    "EROFS": "the file system is read-only; write the output elsewhere (-o)",
    "EACCES": "permission denied; check the file's permissions or choose another path",
    "EPERM": "operation not permitted; check the file's permissions or choose another path",
    "ENOENT": "no such file or folder; check the path",
    "ENOTDIR": "a part of the path is not a folder; check the path",
    "EISDIR": "this is a folder, not a file; check the path",
    "EFBIG": "the file grew past the largest size allowed here (a file-size limit or the file system's); "
             "write the output elsewhere (-o)",
    "EIO": "the disk reported an input/output error; check the disk or use another one",
    "ENAMETOOLONG": "the file name is too long; choose a shorter path",
    "EINVAL": "the path cannot be written here (a virtual file system such as /proc?); choose another path",
}


def os_error_message(exc: OSError) -> str:
    """One line for an operating-system error: the file, what happened and what to do."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    fix = _OS_FIXES.get(name) or f"{exc.strerror or exc}; check the path and the disk"
    where = exc.filename if exc.filename is not None else "writing or reading a file"
    return f"{where}: {fix}."


def internal_error_message() -> str:
    """Save the current exception's traceback to a file; return one line saying where and how to report it."""
    import datetime
    import tempfile
    import traceback

    from ..version import __version__

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(tempfile.gettempdir(), f"qualcode-error-{stamp}-{os.getpid()}.txt")
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(f"qualcode {__version__}\n")
            traceback.print_exc(file=out)
        saved = f"the full traceback is in {path}"
    except OSError:
        saved = "the traceback could not be saved (is the disk full?)"
    return (f"internal error in qualcode {__version__}; {saved}. Please report it to the qualcode maintainers "
            "with that file and the command you ran.")


def _error(message: str) -> None:
    from rich.markup import escape

    # escape: messages may hold brackets ("[LW]", 'pip install "qualcode[dask]"') that are not markup
    err_console.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)


def _paths(value) -> list:
    from pathlib import Path

    if isinstance(value, Path):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Path)]
    return []


def refuse_outputs_that_are_inputs(command, params: dict) -> None:
    """Refuse, whatever ``--force`` says, an ``-o/--output`` that is one of the command's inputs (the same
    file or folder, also through a symlink or a hard link): a person's codings are never replaced by output."""
    from ..output import same_path

    outputs = _paths(params.get("output"))
    if not outputs:
        return
    names = {p.name: (p.opts[0] if getattr(p, "opts", None) else p.name.upper()) for p in command.params}
    for name, value in params.items():
        if name == "output":
            continue
        for source in _paths(value):
            for out in outputs:
                if same_path(out, source):
                    raise QualcodeError(
                        f"{out}: -o/--output is also an input ({names.get(name, name)} {source}); qualcode never "
                        "writes over its inputs, even with --force; choose another output path."
                    )


class _Group(TyperGroup):
    def get_command(self, ctx, name):
        import click

        command = super().get_command(ctx, name)
        if command is not None and not isinstance(command, click.Group) and not getattr(command, "_guarded", False):
            invoke = command.invoke

            def guarded(sub_ctx, _invoke=invoke, _command=command):
                if ctx.info_name != "codebook":  # a codebook edit saves over CODEBOOK on purpose (-o is optional)
                    refuse_outputs_that_are_inputs(_command, sub_ctx.params)
                return _invoke(sub_ctx)

            command.invoke = guarded
            command._guarded = True
        return command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            _error(str(exc))
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if type(exc).__module__.split(".")[0] in ("click", "typer"):
                raise  # usage errors, --help, typer.Exit: click's own handling (exit code 2, 0, ...)
            if isinstance(exc, OSError):  # a full disk, a read-only or virtual file system, a vanished file
                _error(os_error_message(exc))
            elif isinstance(exc, MemoryError):
                _error("qualcode ran out of memory; split the largest input files, lower --max-file-size, "
                       "or use --engine dask for a corpus this size.")
            elif isinstance(exc, RecursionError):
                _error("the input is nested too deeply to read; check the file named above is what you meant.")
            else:  # a bug in qualcode: one line, the traceback kept in a file
                _error(internal_error_message())
        raise typer.Exit(EXIT_ERROR)


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
