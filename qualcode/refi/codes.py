"""A qualcode codebook <-> REFI-QDA ``<Codes>``: nesting, GUIDs, colours, descriptions, ``isCodable``.

A qualcode node has a definition, inclusion and exclusion criteria, examples and a memo; a REFI-QDA
code has one ``Description``. qualcode writes them as labelled paragraphs, which read naturally in
NVivo or ATLAS.ti and are parsed back on import::

    People reaching the service by themselves.

    Include: Phoning or walking in without a referral.

    Exclude: Practitioner referrals.

    Examples:
    - "I rang them myself."

Text before the first label is the definition; ``Inclusion criteria:`` / ``Exclusion criteria:`` are
read too. REFI-QDA has no place for ids, rules, origin or status: on import ids are made from labels
unless a *base* codebook is given, whose nodes are matched by GUID (then by label) and keep their
ids, rules, origin and status.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..corpus.model import Problem
from .xmlio import RGB_RE, child, children, derived_guid, guid_key, is_guid, sub

_SECTION = re.compile(
    r"^[ \t]*(?P<key>include|inclusion(?: criteria)?|exclude|exclusion(?: criteria)?|examples?|memo)[ \t]*:[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
#: Deepest code nesting read (deeper files are refused rather than exhausting the stack).
MAX_DEPTH = 64
_KEYS = {"include": "include", "inclusion": "include", "inclusion criteria": "include",
         "exclude": "exclude", "exclusion": "exclude", "exclusion criteria": "exclude",
         "example": "examples", "examples": "examples", "memo": "memo"}


def compose_description(node, with_memo: bool, memo: str | None = None) -> str:
    """The REFI-QDA ``Description`` text of a :class:`~qualcode.codebook.model.Node` (``memo`` replaces its memo)."""
    parts = [node.definition] if node.definition else []
    if node.include:
        parts.append(f"Include: {node.include}")
    if node.exclude:
        parts.append(f"Exclude: {node.exclude}")
    if node.examples:
        parts.append("Examples:\n" + "\n".join(f"- {example}" for example in node.examples))
    memo = node.memo if memo is None else memo
    if with_memo and memo:
        parts.append(f"Memo: {memo}")
    return "\n\n".join(parts)


def parse_description(text: str) -> dict:
    """``{definition, include, exclude, examples, memo}`` (only those present) from a ``Description``."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    found = list(_SECTION.finditer(text))
    out: dict = {}
    head = text[: found[0].start()] if found else text
    if head.strip():
        out["definition"] = head.strip()
    for i, match in enumerate(found):
        body = text[match.end() : found[i + 1].start() if i + 1 < len(found) else len(text)].strip()
        if not body:
            continue
        key = _KEYS[" ".join(match.group("key").lower().split())]
        if key == "examples":
            items = [line.strip()[2:].strip() for line in body.split("\n") if line.strip().startswith(("- ", "\u2022 "))]
            out["examples"] = items if items and all(
                line.strip().startswith(("- ", "\u2022 ")) for line in body.split("\n") if line.strip()
            ) else [body]
        elif key in out:
            out[key] += "\n\n" + body
        else:
            out[key] = body
    return out


def slug(label: str) -> str:
    """A codebook id from a label: ``"Buddying & first contact"`` -> ``"buddying-first-contact"``."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9._-]+", "-", ascii_text.lower()).strip("-._")
    return value[:60].strip("-._") or "code"


# -- writing ---------------------------------------------------------------------------------------
@dataclass
class CodeGuids:
    """GUIDs chosen for a codebook's nodes on export, and any problems found with the YAML's GUIDs."""

    by_id: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def assign_guids(codebook, where: str) -> CodeGuids:
    """The node's ``guid`` from the YAML, or one derived from the book name and node id (stable)."""
    result = CodeGuids()
    used: dict[str, str] = {}
    for node in codebook.nodes.values():
        guid = node.guid
        if guid and not is_guid(guid):
            result.problems.append(Problem(where, f"code {node.id!r}: guid {guid!r} is not a GUID; a derived one was "
                                           "written instead. Fix or delete the guid in the codebook.", node.line, "warning"))
            guid = None
        if guid and guid_key(guid) in used:
            result.problems.append(Problem(where, f"code {node.id!r}: guid {guid!r} is also the guid of code "
                                           f"{used[guid_key(guid)]!r}; a derived one was written instead.", node.line, "warning"))
            guid = None
        guid = guid or derived_guid("code", codebook.name, node.id)
        used[guid_key(guid)] = node.id
        result.by_id[node.id] = guid
    return result


def codes_element(parent, codebook, guids: CodeGuids, *, with_memo: bool, note_refs: dict[str, list[str]] | None = None,
                  memo_text: dict[str, str] | None = None, where: str = "codebook") -> None:
    """Append ``<Codes>`` with the codebook's tree to ``parent``.

    ``note_refs``: node id -> GUIDs of its memo Notes. ``memo_text``: node id -> the memo text put in the
    description (QualCoder reads a code's memo from its description); default: the node's memo.
    """
    codes = sub(parent, "Codes")

    def add(element, node):
        attrs = {"guid": guids.by_id[node.id], "name": node.label, "isCodable": "true" if node.codable else "false"}
        if node.color:
            if RGB_RE.match(node.color.strip()):
                attrs["color"] = node.color.strip()
            else:
                guids.problems.append(Problem(where, f"code {node.id!r}: colour {node.color!r} is not #RRGGBB; it was "
                                              "left out.", node.line, "warning"))
        code = sub(element, "Code", attrs)
        description = compose_description(node, with_memo, (memo_text or {}).get(node.id, node.memo))
        if description:
            sub(code, "Description", text=description)
        for note_guid in (note_refs or {}).get(node.id, []):
            sub(code, "NoteRef", {"targetGUID": note_guid})
        for kid in codebook.children(node.id):
            add(code, kid)

    for theme in codebook.themes:
        add(codes, theme)


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class ReadCodes:
    """Codebook nodes (plain dicts, ready for :meth:`Codebook.from_dict`) read from ``<Codes>``."""

    themes: list[dict]
    ids: dict[str, str]  # guid key -> node id
    problems: list[Problem]
    count: int = 0


def read_codes(codes, where: str, *, notes: dict[str, str] | None = None, base=None, raw: bool = False) -> ReadCodes:
    """Read a ``<Codes>`` element (namespaces stripped). ``notes``: Note GUID key -> text, for code memos.

    ``raw``: only what the file carries (for merging into ``base``): no rules, origin or status from the
    base, and ``codable`` always stated.
    """
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    taken: set[str] = set()
    base_by_guid, base_by_label = _base_index(base)
    reserved = set(base.nodes) if base is not None else set()
    count = 0

    def build(element, depth: int) -> dict:
        nonlocal count
        count += 1
        if depth > MAX_DEPTH:
            from ..errors import SourceFormatError

            raise SourceFormatError(f"{where}: codes are nested more than {MAX_DEPTH} levels deep (at code "
                                    f"{element.get('name')!r}); no real codebook is, so this file is refused.")
        raw_guid = (element.get("guid") or "").strip()
        label = " ".join((element.get("name") or "").split())
        if not label:
            label = f"Unnamed code {count}"
            problems.append(Problem(where, f"code {raw_guid or '(no GUID)'} has no name; it was called {label!r}.", None, "warning"))
        guid = raw_guid
        if not is_guid(guid):
            guid = derived_guid("imported-code", where, str(count), label)
            problems.append(Problem(where, f"code {label!r} has {'no GUID' if not raw_guid else f'a malformed GUID {raw_guid!r}'}; "
                                    f"it was given {guid}.", None, "warning"))
        elif guid_key(guid) in ids:
            first = ids[guid_key(guid)]
            guid = derived_guid("duplicate-code", where, str(count), label)
            problems.append(Problem(where, f"duplicate GUID {raw_guid}: code {label!r} has the GUID of code {first!r}; it was "
                                    f"given {guid}, and codings with that GUID go to {first!r}.", None, "warning"))
        match = base_by_guid.get(guid_key(guid)) or base_by_label.get(label.casefold())
        node_id = match.id if match is not None and match.id not in taken else None
        if node_id is None:
            node_id = _unique(slug(label), taken | reserved)
        taken.add(node_id)
        ids.setdefault(guid_key(guid), node_id)
        item: dict = {"id": node_id, "label": label}
        item.update(parse_description(_description(element)))
        memo = "\n\n".join(notes[k] for k in (guid_key(r.get("targetGUID")) for r in children(element, "NoteRef"))
                           if notes and k in notes and notes[k] and notes[k].strip() not in (item.get("memo") or ""))
        if memo:
            item["memo"] = (item["memo"] + "\n\n" + memo) if item.get("memo") else memo
        if match is not None and match.id == node_id and not raw:
            if match.origin != "deductive":
                item["origin"] = match.origin
            if match.status != "active":
                item["status"] = match.status
            if match.rules:
                item["rules"] = _plain(match.rules)
            if "examples" not in item and match.examples:
                item["examples"] = list(match.examples)
        item["guid"] = guid
        color = (element.get("color") or "").strip()
        if color:
            if RGB_RE.match(color):
                item["color"] = color
            else:
                problems.append(Problem(where, f"code {label!r}: colour {color!r} is not #RRGGBB; it was left out.", None, "warning"))
        if (element.get("isCodable") or "true").strip().lower() in ("false", "0"):
            item["codable"] = False
        elif raw and element.get("isCodable") is not None:
            item["codable"] = True
        kids = [build(c, depth + 1) for c in children(element, "Code")]
        if kids:
            item["children"] = kids
        return item

    themes = [build(c, 1) for c in children(codes, "Code")] if codes is not None else []
    return ReadCodes(themes, ids, problems, count)


def _description(element) -> str:
    found = child(element, "Description")
    return (found.text or "") if found is not None else ""


def _base_index(base):
    if base is None:
        return {}, {}
    # Nodes without a guid in the YAML were exported with one derived from the book name and id.
    by_guid = {guid_key(n.guid or derived_guid("code", base.name, n.id)): n for n in base.nodes.values()}
    labels: dict[str, list] = {}
    for n in base.nodes.values():
        labels.setdefault(n.label.casefold(), []).append(n)
    return by_guid, {k: v[0] for k, v in labels.items() if len(v) == 1}


def _unique(value: str, taken: set[str]) -> str:
    if value not in taken:
        return value
    i = 2
    while f"{value}-{i}" in taken:
        i += 1
    return f"{value}-{i}"


def _plain(value):
    """ruamel's commented maps and sequences as plain dicts and lists."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def codebook_from_codes(read: ReadCodes, *, name: str, description: str, base=None):
    """A validated :class:`~qualcode.codebook.model.Codebook` from :func:`read_codes`; book fields from ``base`` if given."""
    from ..codebook.model import Codebook

    if not read.themes:
        from ..errors import CodebookError

        raise CodebookError(f"{name}: the file holds no codes; there is nothing to import.")
    data: dict = {"name": name, "version": "1.0", "description": description}
    if base is not None:
        data = {"name": base.name, "version": base.version}
        if base.description:
            data["description"] = base.description
        if base.changelog:
            data["changelog"] = _plain(base.document.get("changelog"))
    data["themes"] = _literal(read.themes)
    return Codebook.from_dict(data)


def _literal(value):
    """Multi-line strings as YAML ``|`` blocks, which people can read and edit."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value
