"""Writing outputs safely: atomic replace, never silently overwriting, clear errors for bad paths."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import OutputExistsError, QualcodeError


def check_writable(path: str | Path, force: bool = False) -> Path:
    """Raise a clear error if ``path`` cannot be written (exists without ``force``, a folder, read-only).

    A missing output folder is not an error: every command creates it (and its parents) when it writes,
    as ``qualcode run`` always has; see :func:`check_output_folder`."""
    path = Path(path)
    if path.is_dir():
        raise QualcodeError(f"{path} is a folder; give a file name for the output (e.g. {path / 'out.csv'}).")
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; pass --force to replace it, or choose another path.")
    check_output_folder(path.parent)
    return path


def check_output_folder(folder: Path) -> None:
    """Raise a clear error if ``folder`` cannot be written to or created.

    The rule for every output: a folder that does not exist yet is created when the output is written
    (:func:`make_output_folder`), so here only its nearest existing ancestor must be a writable folder."""
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise QualcodeError(f"{folder}: {existing} is a file, so the output folder cannot be made; choose another path.")
    if not os.access(existing, os.W_OK):
        what = "the output folder" if existing == folder else f"{existing} (where the output folder would be made)"
        raise QualcodeError(f"{folder}: {what} is not writable; choose another path.")


def make_output_folder(folder: Path) -> Path:
    """Create ``folder`` and its missing parents (after :func:`check_output_folder`); return it."""
    check_output_folder(folder)
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def atomic_write(path: str | Path, write: Callable[[Path], None], *, force: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it over ``path``.

    A crash or error half-way leaves any existing ``path`` untouched and no temporary file behind.
    """
    path = check_writable(path, force)
    make_output_folder(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if path.exists() and not force:  # appeared while we were writing
            raise OutputExistsError(f"{path} appeared while it was being written; nothing was replaced.")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=force)


def move_folder_into_place(work: Path, folder: Path, force: bool = False) -> Path:
    """Rename the finished folder ``work`` to ``folder``, replacing an existing one only with ``force``
    (it is first renamed aside, so ``folder`` is never half old and half new)."""
    import shutil
    import uuid

    if folder.exists():
        if not force:
            raise OutputExistsError(f"{folder} appeared while it was being written; nothing was replaced.")
        old = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:12]}.old"
        os.replace(folder, old)
        os.replace(work, folder)
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    else:
        os.replace(work, folder)
    return folder
