"""The codebook: themes > sub-themes > codes, with definitions, criteria and coding rules, in YAML.

The YAML document is the codebook's state: it is read and written with ruamel.yaml's round-trip mode,
so comments, key order and quoting that people wrote survive a load/save. :class:`Node` objects are
read-only views rebuilt from the document after each change.

>>> cb = Codebook.from_yaml("codebooks/social_prescribing.yaml")   # doctest: +SKIP
>>> cb.node("buddying").theme_id                                     # doctest: +SKIP
'getting-on'
"""

from __future__ import annotations

import difflib
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CodebookError
from ..output import write_text
from .schema import CHILD_KEYS, DEFAULT_MEANING_THRESHOLD


@dataclass(frozen=True)
class Node:
    """One theme, sub-theme or code (a read-only view of the YAML)."""

    id: str
    label: str
    level: int  # 1 = theme, 2 = sub-theme, 3+ = code
    parent_id: str | None
    theme_id: str
    subtheme_id: str | None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    origin: str = "deductive"
    status: str = "active"
    memo: str = ""
    rules: dict = field(default_factory=dict, compare=False, hash=False)
    guid: str | None = None
    color: str | None = None
    codable: bool = True  # False: a grouping node people do not code to (REFI-QDA ``isCodable``)
    threshold: float | None = None  # the similarity coding by meaning needs here (None: the book's)
    line: int | None = None

    @property
    def has_rules(self) -> bool:
        return any(self.rules.get(k) for k in ("keywords", "patterns", "regex", "near"))

    @property
    def kind(self) -> str:
        return {1: "theme", 2: "sub-theme"}.get(self.level, "code")


def yaml_rt():
    """A round-trip ruamel.yaml instance with the indentation people usually write."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # keep `[{LOWER: x}]` as written
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(f"- {v}" for v in value)
    return str(value).strip()


def child_key(node) -> str | None:
    """The key under which a YAML node keeps its children (``children``, ``subthemes`` or ``codes``)."""
    return next((k for k in CHILD_KEYS if k in node), None)


class Codebook:
    """A themed codebook loaded from (and savable to) YAML; validated on load.

    In Jupyter it shows as a tree of themes > sub-themes > codes that opens on a click, with each node's
    definition, criteria and rule counts.

    >>> codebook = qualcode.Codebook.from_yaml("codebooks/social_prescribing.yaml")
    >>> [theme.id for theme in codebook.themes][:2]
    ['accessing-lw-support', 'nature-value']
    >>> codebook.node("buddying").theme_id, codebook.resolve("Buddying to a first session")
    ('getting-on', 'buddying')
    >>> codebook.table().columns[:4].tolist()
    ['id', 'label', 'kind', 'level']
    """

    def __init__(self, document, path: Path | None = None, *, validate: bool = True, name: str | None = None):
        self.document = document
        self.path = Path(path) if path else None
        self.warnings: list = []
        self._disk_digest = self._digest_of_file() if self.path else None
        if validate:
            from .check import check_codebook

            where = str(path or name or "<codebook>")
            errors, self.warnings = check_codebook(document, where)
            if errors:
                raise CodebookError(
                    f"{len(errors)} problem(s) in codebook {where}:\n" + "\n".join(f"  {p}" for p in errors), errors
                )
        self._build()

    # -- loading and saving ----------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, path: str | Path) -> "Codebook":
        """Load and validate a codebook file; every problem is reported at once in :class:`CodebookError`."""
        path = Path(path)
        if not path.exists():
            raise CodebookError(f"{path}: no such codebook file; check the path (-c/--codebook).")
        from ..errors import SourceFormatError
        from ..textio import read_text

        try:
            text, _ = read_text(path, 20 * 1024 * 1024)
        except SourceFormatError as exc:
            raise CodebookError(f"{exc} A codebook is a YAML text file (see codebooks/minimal.yaml).") from None
        return cls(cls._parse(text, str(path)), path)

    @classmethod
    def from_string(cls, text: str, name: str = "<string>") -> "Codebook":
        return cls(cls._parse(text, name), name=name)

    @classmethod
    def from_dict(cls, data: dict) -> "Codebook":
        """Build a codebook from plain Python data (lists and dicts), e.g. from a discovery step."""
        buffer = io.StringIO()
        yaml_rt().dump(data, buffer)
        return cls.from_string(buffer.getvalue())

    @staticmethod
    def _parse(text: str, name: str):
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        from ..textio import yaml_cost_problem

        costly = yaml_cost_problem(text)
        if costly:
            raise CodebookError(f"{name}:{costly[0]}: codebook refused: {costly[1]}.")
        try:
            document = yaml_rt().load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            raise CodebookError(f"{name}:{line}: not valid YAML: {exc.problem}; fix the YAML there.") from None
        except YAMLError as exc:
            raise CodebookError(f"{name}: not valid YAML ({exc}).") from None
        if document is None:
            raise CodebookError(f"{name}: the codebook is empty; start from codebooks/minimal.yaml.")
        if not hasattr(document, "items"):
            raise CodebookError(
                f"{name}: a codebook must be a mapping with name, version and themes, not a {type(document).__name__}."
            )
        return document

    def to_string(self) -> str:
        buffer = io.StringIO()
        yaml_rt().dump(self.document, buffer)
        return buffer.getvalue()

    def to_yaml(self, path: str | Path | None = None, *, force: bool = False) -> Path:
        """Save atomically. Saving over the file it was read from checks it did not change on disk meanwhile."""
        target = Path(path) if path else self.path
        if target is None:
            raise CodebookError("this codebook was not read from a file; give a path to save it to.")
        if self.path and target.resolve() == self.path.resolve():
            if self._digest_of_file() != self._disk_digest and not force:
                raise CodebookError(
                    f"{target} changed on disk since it was read; reload it and redo the change (or pass --force)."
                )
            force = True
        written = write_text(target, self.to_string(), force=force)
        self.path, self._disk_digest = written, self._digest_of_file_at(written)
        return written

    def with_document(self, document) -> "Codebook":
        """A validated codebook holding ``document`` (an edited copy of this one's) that saves back to this
        one's file with the same check that the file did not change on disk since it was read."""
        book = Codebook(document, name=str(self.path or self.name or "<codebook>"))
        book.path, book._disk_digest = self.path, self._disk_digest
        return book

    def _digest_of_file(self) -> str | None:
        return self._digest_of_file_at(self.path)

    @staticmethod
    def _digest_of_file_at(path: Path | None) -> str | None:
        if path is None or not Path(path).exists():
            return None
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    # -- the tree --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._children: dict[str | None, list[str]] = {None: []}

        def walk(items, parent: Node | None, level: int):
            for item in items or []:
                node_id = str(item["id"])
                theme_id = parent.theme_id if parent else node_id
                subtheme_id = parent.subtheme_id if parent and level > 2 else (node_id if level == 2 else None)
                rules = dict(item.get("rules") or {})
                node = Node(
                    id=node_id,
                    label=_text(item.get("label")) or node_id,
                    level=level,
                    parent_id=parent.id if parent else None,
                    theme_id=theme_id,
                    subtheme_id=subtheme_id,
                    definition=_text(item.get("definition", item.get("description"))),
                    include=_text(item.get("include")),
                    exclude=_text(item.get("exclude")),
                    examples=tuple(str(e) for e in (item.get("examples") or [])),
                    origin=str(item.get("origin") or "deductive"),
                    status=str(item.get("status") or "active"),
                    memo=_text(item.get("memo")),
                    rules=rules,
                    guid=str(item["guid"]) if item.get("guid") else None,
                    color=str(item["color"]) if item.get("color") else None,
                    codable=item.get("codable", True) is not False,
                    threshold=float(item["threshold"]) if item.get("threshold") is not None else None,
                    line=item.lc.line + 1 if hasattr(item, "lc") else None,
                )
                self.nodes[node_id] = node
                self._children.setdefault(node.parent_id, []).append(node_id)
                self._children.setdefault(node_id, [])
                key = child_key(item)
                if key:
                    walk(item[key], node, level + 1)

        walk(self.document.get("themes"), None, 1)

    @property
    def name(self) -> str:
        return str(self.document.get("name") or "")

    @property
    def version(self) -> str:
        return str(self.document.get("version") or "")

    @property
    def threshold(self) -> float:
        """The similarity a segment needs to be coded by meaning, for nodes that set none (``threshold:``)."""
        value = self.document.get("threshold")
        return DEFAULT_MEANING_THRESHOLD if value is None else float(value)

    @property
    def description(self) -> str:
        return _text(self.document.get("description"))

    @property
    def changelog(self) -> list[dict]:
        return [dict(entry) for entry in self.document.get("changelog") or []]

    @property
    def themes(self) -> list[Node]:
        return [self.nodes[i] for i in self._children[None]]

    def children(self, node_id: str | None) -> list[Node]:
        """Direct children of ``node_id`` (``None``: the themes), in codebook order."""
        if node_id is not None:
            self.node(node_id)
        return [self.nodes[i] for i in self._children.get(node_id, [])]

    def descendants(self, node_id: str) -> list[Node]:
        out = []
        for child in self.children(node_id):
            out += [child, *self.descendants(child.id)]
        return out

    def ancestors(self, node_id: str) -> list[Node]:
        """From the theme down to the parent of ``node_id``."""
        chain = []
        node = self.node(node_id)
        while node.parent_id:
            node = self.nodes[node.parent_id]
            chain.append(node)
        return chain[::-1]

    def node(self, node_id: str) -> Node:
        """The node called ``node_id``; an unknown id names the closest known ones."""
        try:
            return self.nodes[node_id]
        except KeyError:
            raise CodebookError(f"no code {node_id!r} in codebook {self.name!r}{self.suggest(node_id)}") from None

    def suggest(self, name: str) -> str:
        """``"; did you mean 'x'?"`` for the id or label closest to ``name``, or ``""``."""
        options = list(self.nodes) + [n.label for n in self.nodes.values()]
        close = difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
        return f"; did you mean {close[0]!r}?" if close else ""

    def resolve(self, code: str) -> str | None:
        """The node id for ``code`` given as an id or a label (case-insensitive), or ``None``."""
        if code in self.nodes:
            return code
        wanted = str(code).strip().casefold()
        for node in self.nodes.values():
            if node.id.casefold() == wanted or node.label.casefold() == wanted:
                return node.id
        return None

    def numbers(self, include_candidates: bool = False) -> dict[str, str]:
        """The report number of each theme (``"2"``) and sub-theme (``"2.3"``), and of each code (its
        sub-theme's or theme's number), in codebook order; retired nodes (and candidates unless asked)
        are not numbered. Reports number themes this way, so coded rows carry it (the codings table's
        ``number`` column) and every output agrees with or without the codebook at hand."""
        allowed = ("active", "candidate") if include_candidates else ("active",)
        out: dict[str, str] = {}
        t = 0
        for theme in self.themes:
            if theme.status not in allowed:
                continue
            t += 1
            out[theme.id] = str(t)
            s = 0
            for sub in self.children(theme.id):
                if sub.status not in allowed:
                    continue
                s += 1
                out[sub.id] = f"{t}.{s}"
                for code in self.descendants(sub.id):
                    out[code.id] = out[sub.id]
        return out

    def active(self, include_candidates: bool = False) -> list[Node]:
        """Nodes that rules may code: active (and candidate, if asked) nodes with no retired ancestor."""
        allowed = ("active", "candidate") if include_candidates else ("active",)
        return [
            n for n in self.nodes.values()
            if n.status in allowed and all(a.status != "retired" for a in self.ancestors(n.id))
        ]

    def table(self):
        """DataFrame of the tree: one row per node with its place, texts and rule counts."""
        import pandas as pd

        rows = []
        for n in self.nodes.values():
            rows.append({
                "id": n.id, "label": n.label, "kind": n.kind, "level": n.level, "parent_id": n.parent_id,
                "theme_id": n.theme_id, "subtheme_id": n.subtheme_id, "status": n.status, "origin": n.origin,
                "definition": n.definition, "include": n.include, "exclude": n.exclude,
                "keywords": len(n.rules.get("keywords") or []), "patterns": len(n.rules.get("patterns") or []),
                "regex": len(n.rules.get("regex") or []), "near": len(n.rules.get("near") or []),
            })
        return pd.DataFrame(rows)

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.nodes

    def __repr__(self) -> str:
        return f"<Codebook {self.name!r} v{self.version}: {codebook_facts(self)}>"

    def _repr_html_(self) -> str:
        """Jupyter: a collapsible tree of themes > sub-themes > codes with definitions and rule counts."""
        from ..display import html

        return html("codebook", self)


def codebook_facts(book: Codebook) -> str:
    """``5 themes, 23 sub-themes, 0 codes``: a codebook in one line."""
    from ..display import plural

    kinds = {k: sum(n.kind == k for n in book.nodes.values()) for k in ("theme", "sub-theme", "code")}
    return (f"{plural(kinds['theme'], 'theme')}, {plural(kinds['sub-theme'], 'sub-theme')}, "
            f"{plural(kinds['code'], 'code')}")
