"""Opening zip containers (.docx, .xlsx, .qdpx) without trusting them.

A zip can declare a tiny compressed size and a huge uncompressed one (a zip bomb), hold members named
``../../etc/passwd`` (path traversal), or nest further archives. :func:`open_zip` checks the central
directory before anything is decompressed; Python's :mod:`zipfile` never inflates a member beyond its
declared size, so checking declared sizes bounds what is ever held in memory.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import UnsafeArchiveError


@dataclass(frozen=True)
class ZipLimits:
    """Caps applied to a zip container before it is opened."""

    max_members: int = 10_000
    max_total_bytes: int = 512 * 1024 * 1024
    max_member_bytes: int = 256 * 1024 * 1024
    max_ratio: float = 200.0
    allow_nested_archives: bool = True


_ARCHIVE_SUFFIXES = (".zip", ".qdpx", ".docx", ".xlsx", ".gz", ".7z", ".rar", ".tar")


def member_path_problem(name: str) -> str | None:
    """Why a member name is unsafe to extract, or ``None`` if it is safe."""
    if not name or "\x00" in name:
        return "an empty or NUL-containing name"
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in posix.parts:
        return "a '..' path component (path traversal)"
    return None


def check_zip(zf: zipfile.ZipFile, name: str, limits: ZipLimits = ZipLimits()) -> None:
    """Raise :class:`UnsafeArchiveError` if the archive ``zf`` (read from ``name``) breaks ``limits``."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeArchiveError(
            f"{name}: the archive holds {len(infos)} members, over the limit of {limits.max_members}; "
            "it is not a document qualcode will open."
        )
    total = 0
    seen: set[str] = set()
    for info in infos:
        key = info.filename.replace("\\", "/")
        if key in seen:  # which copy a reader uses differs between tools: refuse rather than guess
            raise UnsafeArchiveError(
                f"{name}: member {info.filename!r} appears twice in the archive; tools disagree on which copy "
                "counts, so qualcode refuses it; re-export the file from the program that made it."
            )
        seen.add(key)
        problem = member_path_problem(info.filename)
        if problem:
            raise UnsafeArchiveError(
                f"{name}: member {info.filename!r} has {problem}; refusing to open this archive."
            )
        if not limits.allow_nested_archives and info.filename.lower().endswith(_ARCHIVE_SUFFIXES):
            raise UnsafeArchiveError(
                f"{name}: member {info.filename!r} is itself an archive; nested archives are refused."
            )
        if info.file_size > limits.max_member_bytes:
            raise UnsafeArchiveError(
                f"{name}: member {info.filename!r} declares {info.file_size / 1e6:.0f} MB uncompressed, "
                f"over the {limits.max_member_bytes / 1e6:.0f} MB limit (possible zip bomb)."
            )
        compressed = max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and info.file_size / compressed > limits.max_ratio:
            raise UnsafeArchiveError(
                f"{name}: member {info.filename!r} expands {info.file_size / compressed:.0f}:1 "
                f"(limit {limits.max_ratio:.0f}:1); this looks like a zip bomb and is refused."
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        raise UnsafeArchiveError(
            f"{name}: the archive declares {total / 1e6:.0f} MB uncompressed in all, over the "
            f"{limits.max_total_bytes / 1e6:.0f} MB limit (possible zip bomb)."
        )


def open_zip(path: Path, kind: str, limits: ZipLimits = ZipLimits()) -> zipfile.ZipFile:
    """Open ``path`` as a zip after :func:`check_zip`; ``kind`` names the format in error messages."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnsafeArchiveError(
            f"{path}: not a valid {kind} file (a {kind} is a zip archive and this is not one); "
            f"re-save or re-export it as {kind}."
        ) from None
    try:
        check_zip(zf, str(path), limits)
    except Exception:
        zf.close()
        raise
    return zf


def read_member(zf: zipfile.ZipFile, name: str, archive: str) -> bytes:
    """Read one member; a corrupt member (bad CRC, truncated) becomes a clear error."""
    try:
        return zf.read(name)
    except KeyError:
        raise UnsafeArchiveError(f"{archive}: member {name!r} is missing from the archive.") from None
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise UnsafeArchiveError(f"{archive}: member {name!r} is corrupt ({exc}); re-export the file.") from None


_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = (b"<!doctype", b"<!entity")


def check_xml_parts(zf: zipfile.ZipFile, archive: str, max_part_bytes: int) -> None:
    """Refuse an Office package any of whose XML parts declares a DTD or entities (anywhere in the part,
    in any part: ``[Content_Types].xml``, ``styles.xml``...), or inflates past ``max_part_bytes``.

    Office applications never write a DTD; one is how entity-expansion and external-entity attacks
    start. Parts are read in chunks, so the check holds at most one chunk in memory.
    """
    for info in zf.infolist():
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        if info.file_size > max_part_bytes:
            raise UnsafeArchiveError(
                f"{archive}: part {info.filename!r} inflates to {info.file_size / 1e6:.0f} MB of XML, over the "
                f"{max_part_bytes / 1e6:.0f} MB limit; split the document, or raise the limit with --max-file-size."
            )
        tail = b""
        try:
            with zf.open(info) as part:
                while chunk := part.read(1 << 20):
                    window = (tail + chunk).lower()
                    if any(marker in window for marker in _DTD_MARKERS):
                        raise UnsafeArchiveError(
                            f"{archive}: part {info.filename!r} declares a DTD or entities, which Office never "
                            "writes; refusing it (open and re-save the file in Word or Excel if you trust it)."
                        )
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
            raise UnsafeArchiveError(f"{archive}: part {info.filename!r} is corrupt ({exc}); re-export the file.") from None
