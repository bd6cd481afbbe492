"""What changed between two versions of a codebook: nodes added, removed, renamed, moved, retired, edited.

Nodes are matched by id (ids are stable across renames), so a relabelled node shows as renamed, not as
one removed and one added.

>>> diff = diff_codebooks(Codebook.from_yaml("old.yaml"), Codebook.from_yaml("new.yaml"))   # doctest: +SKIP
>>> diff.changes       # change, id, kind, field, old, new                                  # doctest: +SKIP
>>> diff.changelog     # the changelog entries the new version added                        # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .model import Codebook

DIFF_COLUMNS = ["change", "id", "kind", "field", "old", "new"]
_FIELDS = ("definition", "include", "exclude", "examples", "origin", "memo", "guid", "color")


@dataclass
class CodebookDiff:
    old_name: str
    new_name: str
    old_version: str
    new_version: str
    changes: object  # DataFrame with DIFF_COLUMNS
    changelog: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(len(self.changes)) or bool(self.changelog) or self.old_version != self.new_version

    def summary(self) -> str:
        counts = self.changes.change.value_counts() if len(self.changes) else {}
        parts = [f"{n} {kind}" for kind, n in counts.items()]
        head = f"version {self.old_version} -> {self.new_version}"
        return head + (": " + ", ".join(parts) if parts else ": no node changed")


def _plain(value):
    """ruamel containers as plain lists/dicts (for comparing rules)."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float)) else str(value)


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)
    return str(value)


def _delta(before, after):
    """For two lists of words or quotes: what was removed and what was added (prefixed - and +)."""
    before, after = _plain(before), _plain(after)
    if isinstance(before, list) and isinstance(after, list):
        removed = [x for x in before if x not in after]
        added = [x for x in after if x not in before]
        if removed or added:
            return ("; ".join(f"-{_show(x)}" for x in removed), "; ".join(f"+{_show(x)}" for x in added))
    return before, after


def _entries(book: Codebook) -> list[dict]:
    return [{k: str(v) for k, v in entry.items()} for entry in book.changelog]


def diff_codebooks(old: Codebook, new: Codebook) -> CodebookDiff:
    """Compare ``old`` with ``new`` node by node (by id): ``.changes`` has one row per change.

    >>> new = qualcode.rename_node(codebook, "buddying", "Going along to a first session", reason="Clearer")
    >>> qualcode.diff_codebooks(codebook, new).changes[["change", "id", "new"]].values.tolist()
    [['renamed', 'buddying', 'Going along to a first session']]
    """
    import pandas as pd

    rows = []

    def add(change, node, fld="", before="", after=""):
        rows.append({"change": change, "id": node.id, "kind": node.kind, "field": fld, "old": _show(before),
                     "new": _show(after)})

    for key in ("name", "description"):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            rows.append({"change": "edited", "id": "", "kind": "codebook", "field": key, "old": before, "new": after})
    for node_id, node in new.nodes.items():
        if node_id not in old.nodes:
            parent = f" under {node.parent_id}" if node.parent_id else ""
            add("added", node, "", "", f"{node.label}{parent}")
    for node_id, node in old.nodes.items():
        if node_id not in new.nodes:
            add("removed", node, "", node.label, "")
    for node_id, after in new.nodes.items():
        before = old.nodes.get(node_id)
        if before is None:
            continue
        if before.label != after.label:
            add("renamed", after, "label", before.label, after.label)
        if before.parent_id != after.parent_id:
            add("moved", after, "parent", before.parent_id or "(top level)", after.parent_id or "(top level)")
        if before.status != after.status:
            add("retired" if after.status == "retired" else "status", after, "status", before.status, after.status)
        for fld in _FIELDS:
            if getattr(before, fld) != getattr(after, fld):
                add("edited", after, fld, *_delta(getattr(before, fld), getattr(after, fld)))
        if _plain(before.rules) != _plain(after.rules):
            for key in sorted(set(before.rules) | set(after.rules)):
                if _plain(before.rules.get(key)) != _plain(after.rules.get(key)):
                    add("edited", after, f"rules.{key}", *_delta(before.rules.get(key), after.rules.get(key)))
    old_entries = _entries(old)
    added = [e for e in _entries(new) if e not in old_entries]
    return CodebookDiff(old.name, new.name, old.version, new.version, pd.DataFrame(rows, columns=DIFF_COLUMNS), added)
