"""Writing outputs safely: atomic replace, never silently overwriting, clear errors for bad paths."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import OutputExistsError, QualcodeError


def check_writable(path: str | Path, force: bool = False) -> Path:
    """Raise a clear error if ``path`` cannot be written (exists without ``force``, no folder, read-only)."""
    path = Path(path)
    if path.is_dir():
        raise QualcodeError(f"{path} is a folder; give a file name for the output (e.g. {path / 'out.csv'}).")
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; pass --force (force=True) to replace it, or choose another path.")
    check_output_folder(path.parent)
    return path


def check_output_folder(folder: Path) -> None:
    """Raise a clear error if ``folder`` does not exist or cannot be written to."""
    if not folder.is_dir():
        raise QualcodeError(f"{folder}: the output folder does not exist; create it first or choose another path.")
    if not os.access(folder, os.W_OK):
        raise QualcodeError(f"{folder}: the output folder is not writable; choose another path.")


def atomic_write(path: str | Path, write: Callable[[Path], None], *, force: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it over ``path``.

    A crash or error half-way leaves any existing ``path`` untouched and no temporary file behind.
    """
    path = check_writable(path, force)
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
