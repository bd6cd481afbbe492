"""Jupyter: short messages for qualcode's errors (opt-in), and where the rich displays come from.

>>> %load_ext qualcode                  # doctest: +SKIP
>>> qualcode.jupyter.setup()            # the same, from Python  # doctest: +SKIP

After either, a :class:`~qualcode.errors.QualcodeError` raised in a cell shows as one line, e.g.
``CodingsError: no group 'Client' in these codings; did you mean 'Clients'? ...``, instead of a
traceback through pandas and qualcode: the message already says what was wrong and how to fix it. Every
other exception keeps its full traceback, and ``%unload_ext qualcode`` (or ``setup(short_errors=False)``)
brings qualcode's tracebacks back. ``%tb`` still prints the full traceback of the last error.

The rich displays need no setup: :class:`~qualcode.Corpus`, :class:`~qualcode.Codebook`,
:class:`~qualcode.coding.coder.CodingRun`, agreement, saturation and discovery results have ``_repr_html_``
(:mod:`qualcode.notebook.reprs`); ``codings.qc`` is the codings table's accessor (:mod:`qualcode.notebook.accessor`);
and the plots of :mod:`qualcode.plots` display as PNGs.
"""

from __future__ import annotations

import sys

from ..errors import QualcodeError


def python_wording(message: str) -> str:
    """A message in a notebook names the Python argument where the CLI's names its option."""
    return message.replace("pass --force", "pass force=True")


def short_error(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython custom exception handler: show ``Name: message`` (and a hint) instead of the traceback."""
    message = python_wording(str(value))
    stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {message}",
           "(qualcode shows its errors in short; %tb prints the traceback, %unload_ext qualcode turns this off)"]
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # for %tb and %debug
    if sys.version_info >= (3, 12):
        sys.last_exc = value
    shell._showtraceback(etype, value, stb)
    return stb


def load_ipython_extension(ipython) -> None:
    """Called by ``%load_ext qualcode``: short QualcodeError messages, and ``DataFrame.qc`` registered."""
    from .accessor import register

    register()
    ipython.set_custom_exc((QualcodeError,), short_error)


def unload_ipython_extension(ipython) -> None:
    """Called by ``%unload_ext qualcode``: QualcodeError shows its full traceback again."""
    if QualcodeError in getattr(ipython, "custom_exceptions", ()):
        ipython.set_custom_exc((), None)


def setup(*, short_errors: bool = True) -> bool:
    """``%load_ext qualcode`` from Python (``short_errors=False`` undoes it); False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if short_errors:
        load_ipython_extension(shell)
    else:
        unload_ipython_extension(shell)
    return True
