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


# -- a set of outputs that appears all at once ---------------------------------------------------------
_STAGING = ".qualcode-staging-"
_ASIDE = ".qualcode-old-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale_staging(folder: Path) -> list[Path]:
    """Remove what killed runs left beside ``folder`` (their staging folders); if a run was killed in the
    instant between moving the old set aside and the new one in, put the old set back. Returns what went."""
    import shutil

    folder = Path(folder)
    parent = folder.parent
    removed = []
    if not parent.is_dir():
        return removed
    for entry in parent.iterdir():
        name = entry.name
        for marker in (_STAGING, _ASIDE):
            prefix = f".{folder.name}{marker}"
            if not name.startswith(prefix):
                continue
            pid = name[len(prefix):].split("-")[0]
            if pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid():
                continue  # another run at work right now
            if marker == _ASIDE and not folder.exists():
                os.replace(entry, folder)  # the old complete set, back where it was
            else:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


class StagedFolder:
    """Write a run's outputs into a staging folder beside ``folder``, then swap it in whole, so a reader
    (or a run killed half-way) sees either the old complete set of outputs or the new one, never a mix.

    Other files a person keeps in ``folder`` are carried over (hard links, or copies across devices).

    >>> with StagedFolder(tmp / "out") as staging:                       # doctest: +SKIP
    ...     (staging / "codings.csv").write_text("...")
    """

    def __init__(self, folder: str | Path):
        import uuid

        self.folder = Path(folder).resolve()  # an output folder reached through a symlink is swapped where it is
        self.staging = self.folder.parent / f".{self.folder.name}{_STAGING}{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> Path:
        clean_stale_staging(self.folder)
        self.staging.mkdir(parents=False)
        return self.staging

    def __exit__(self, kind, value, tb) -> None:
        import shutil

        if kind is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        try:
            self._publish()
        except BaseException:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise

    def _publish(self) -> None:
        import shutil

        folder, staging = self.folder, self.staging
        if not folder.exists():
            os.replace(staging, folder)
            return
        moved_dirs = []
        for entry in folder.iterdir():
            target = staging / entry.name
            if target.exists() or target.is_symlink():
                continue  # replaced by the new output
            if entry.is_dir() and not entry.is_symlink():
                moved_dirs.append(entry)
                continue
            try:
                os.link(entry, target, follow_symlinks=False)
            except OSError:
                shutil.copy2(entry, target, follow_symlinks=False)
        aside = folder.parent / f".{folder.name}{_ASIDE}{os.getpid()}"
        for entry in moved_dirs:  # folders a person keeps there move over (a rename: instant, nothing copied)
            os.replace(entry, staging / entry.name)
        mode = folder.stat().st_mode & 0o7777
        os.chmod(staging, mode)
        os.replace(folder, aside)
        os.replace(staging, folder)
        shutil.rmtree(aside, ignore_errors=True)


def same_path(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name the same file or folder: compared resolved (through symlinks), and by
    inode when both exist (hard links)."""
    a, b = Path(a), Path(b)
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, RuntimeError):
        return False


def remove_stale_temporaries(folder: str | Path, names) -> list[Path]:
    """Remove the temporary files (``.<stem>.<8 random characters><suffix>``) that :func:`atomic_write`
    leaves behind when its process is killed, for the output file ``names`` in ``folder``."""
    import re

    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    patterns = [re.compile(re.escape(f".{Path(n).stem}.") + r"[a-z0-9_]{8}" + re.escape(Path(n).suffix or ".tmp") + "$")
                for n in names]
    for entry in folder.iterdir():
        if entry.is_file() and any(p.match(entry.name) for p in patterns):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
