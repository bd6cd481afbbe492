"""REFI-QDA codebooks (``.qdc``): :func:`read_qdc` and :func:`write_qdc`.

>>> book = qualcode.read_qdc("codebook.qdc")                                  # doctest: +SKIP
>>> qualcode.write_qdc(book, "codebook.qdc")                                  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import SourceFormatError
from ..output import atomic_write
from ..textio import read_bytes
from .report import RefiReport
from .codes import assign_guids, codebook_from_codes, codes_element, read_codes
from .xmlio import CODEBOOK_NS, child, children, guid_key, parse_xml, to_bytes

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..codebook.model import Codebook

#: Largest .qdc read (a codebook of thousands of codes with long descriptions is a few MB).
MAX_QDC_BYTES = 64 * 1024 * 1024


def read_qdc(path: str | Path, *, base: "Codebook | None" = None) -> "Codebook":
    """Read a ``.qdc`` codebook into a :class:`~qualcode.codebook.model.Codebook`.

    ``base``: an existing codebook to merge the file into. Codes are matched by GUID, then label, and keep
    their ids, rules, origin and status; a field the file does not carry (Taguette's codebooks carry no
    descriptions) keeps the base value; the hierarchy is kept unless the file nests its codes; codes the
    file adds are added. A real change bumps the version with a changelog entry naming the file (see
    ``book.merge_changes``); ``qualcode codebook diff`` shows it. Problems (code sets, bad colours,
    duplicate GUIDs) are in ``book.warnings``.

    >>> report = qualcode.write_qdc(codebook, tmp / "codebook.qdc")
    >>> book = qualcode.read_qdc(tmp / "codebook.qdc", base=codebook)
    >>> sorted(book.nodes) == sorted(codebook.nodes)
    True
    """
    path = Path(path)
    if not path.exists():
        raise SourceFormatError(f"{path}: no such file; check the path of the .qdc codebook.")
    root = parse_xml(read_bytes(path, MAX_QDC_BYTES), str(path))
    if root.tag == "Project":
        raise SourceFormatError(f"{path}: this is a REFI-QDA project, not a codebook; import it as a .qdpx/.qde project.")
    if root.tag != "CodeBook":
        raise SourceFormatError(f"{path}: the root element is <{root.tag}>, not <CodeBook>; this is not a REFI-QDA codebook.")
    read = read_codes(child(root, "Codes"), str(path), base=base, raw=base is not None)
    origin = root.get("origin") or "a REFI-QDA program"
    if base is not None:
        if not read.themes:
            from ..errors import CodebookError

            raise CodebookError(f"{path}: the file holds no codes; there is nothing to merge.")
        from ..codebook.edit import merge_codebook

        from .xmlio import derived_guid

        def plain(items):  # a GUID qualcode derived for a node without one is no news about it
            for item in items:
                if guid_key(item.get("guid")) == guid_key(derived_guid("code", base.name, str(item["id"]))):
                    item.pop("guid")
                plain(item.get("children") or [])

        plain(read.themes)
        nested = any(item.get("children") for item in read.themes)
        book, changes = merge_codebook(base, read.themes, source=path.name, states_hierarchy=nested)
        if book is base:
            book = base.with_document(yaml_copy(base))
        book.merge_changes = changes
    else:
        book = codebook_from_codes(read, name=path.stem, description=f"Imported from {path.name} ({origin}).")
    book.warnings = list(book.warnings) + read.problems + code_set_problems(root, read.ids, str(path))
    return book


def yaml_copy(book):
    from ..codebook.model import yaml_rt

    return yaml_rt().load(book.to_string())


def import_qdc(path, out, *, force: bool = False, base=None) -> RefiReport:
    """Read a ``.qdc`` codebook and save it as codebook YAML ``out`` (never over an existing file without ``force``)."""
    book = read_qdc(path, base=base)
    written = book.to_yaml(out, force=force)
    return RefiReport("imported", Path(path), written, {"codes": len(book)}, list(book.warnings), [written])


def code_set_problems(element, ids: dict[str, str], where: str) -> list:
    """Code sets (ATLAS.ti code groups, NVivo sets) have no place in a qualcode codebook: report them."""
    from ..corpus.model import Problem

    problems = []
    sets = child(element, "Sets")
    for found in children(sets, "Set") if sets is not None else []:
        members = [ids.get(guid_key(m.get("guid") or m.get("targetGUID"))) for m in children(found, "MemberCode")]
        members = [m for m in members if m]
        if members:
            problems.append(Problem(where, f"code set {found.get('name')!r} ({len(members)} codes: {', '.join(members[:6])}"
                                    f"{' ...' if len(members) > 6 else ''}) was not carried over: qualcode codebooks have no "
                                    "code groups; nest the codes under a theme if the group matters.", None, "error"))
    return problems


def write_qdc(codebook: "Codebook", path: str | Path, *, force: bool = False, origin: str | None = None) -> RefiReport:
    """Write ``codebook`` as a REFI-QDA ``.qdc`` file (valid against Codebook.xsd), atomically.

    GUIDs come from the nodes' ``guid`` fields, or are derived from the book name and node id, so
    exporting twice gives the same GUIDs. Memos go into the descriptions (a .qdc has no notes); rules,
    origin and status have no place in REFI-QDA and are left out.

    >>> qualcode.write_qdc(codebook, tmp / "codebook.qdc").counts["codes"] == len(codebook)
    True
    """
    from ..version import __version__

    root = ET.Element("CodeBook", {"origin": origin or f"qualcode {__version__}"})
    guids = assign_guids(codebook, str(codebook.path or codebook.name))
    codes_element(root, codebook, guids, with_memo=True, where=str(codebook.path or codebook.name))
    data = to_bytes(root, CODEBOOK_NS)
    written = atomic_write(path, lambda tmp: tmp.write_bytes(data), force=force)
    return RefiReport("exported", Path(codebook.path or codebook.name), written, {"codes": len(codebook)},
                      guids.problems, [written])
