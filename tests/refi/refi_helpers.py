"""Builders for small REFI-QDA projects written the way vendors write them, and schema validation."""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..conftest import ROOT

REFI_DATA = ROOT / "tests" / "data" / "refi"
# Reference files beside the checkout (../shared), or beside the folder of worktrees (../../shared).
SHARED_REFI = next((p / "shared" / "refi-qda" for p in ROOT.parents if (p / "shared" / "refi-qda").is_dir()),
                   ROOT.parent / "shared" / "refi-qda")


@functools.lru_cache(maxsize=None)
def schema(name: str):
    import xmlschema

    return xmlschema.XMLSchema(str(REFI_DATA / name))


def schema_errors(data: bytes | str, name: str = "Project.xsd") -> list[str]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return [str(e.reason) + " at " + str(e.path) for e in schema(name).iter_errors(text)]


def utf16_units(text: str) -> int:
    """How many UTF-16 code units ``text`` has (what NVivo for Windows counts)."""
    return len(text.encode("utf-16-le")) // 2


def selection(guid: str, start: int, end: int, code: str, user: str | None = None, name: str | None = None,
              extra: str = "") -> str:
    user_attr = f' creatingUser="{user}"' if user else ""
    name_attr = f" name={quoteattr(name)}" if name else ""
    return (f'<PlainTextSelection guid="{guid}"{name_attr} startPosition="{start}" endPosition="{end}"{user_attr}>{extra}'
            f'<Coding guid="{guid[:-4]}c0de"{user_attr}><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')


def project_xml(sources: str, codes: str, users: str = "", cases: str = "", variables: str = "", sets: str = "",
                notes: str = "", namespace: str = "urn:QDA-XML:project:1.0", name: str = "Test project",
                origin: str = "Test 1.0") -> str:
    ns = f' xmlns="{namespace}"' if namespace else ""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<Project{ns} name="{name}" origin="{origin}">']
    if users:
        parts.append(f"<Users>{users}</Users>")
    parts.append(f"<CodeBook><Codes>{codes}</Codes></CodeBook>")
    if variables:
        parts.append(f"<Variables>{variables}</Variables>")
    if cases:
        parts.append(f"<Cases>{cases}</Cases>")
    parts.append(f"<Sources>{sources}</Sources>")
    if notes:
        parts.append(f"<Notes>{notes}</Notes>")
    if sets:
        parts.append(f"<Sets>{sets}</Sets>")
    parts.append("</Project>")
    return "".join(parts)


def make_qdpx(path: Path, qde: str | bytes, members: dict[str, bytes | str] | None = None,
              qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(qde_name, qde.encode("utf-8") if isinstance(qde, str) else qde)
        for name, data in (members or {}).items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def guid(n: int, upper: bool = False) -> str:
    value = f"00000000-0000-4000-8000-{n:012d}"
    return value.upper() if upper else value
