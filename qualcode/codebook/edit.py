"""Audited codebook edits: add, rename, move, retire, and merging accepted inductive candidates.

Every edit works on a copy of the round-trip YAML document (so comments and key order survive), bumps
the version ("1.0" -> "1.1"), appends a changelog entry (version, date, author, change, reason) and
re-validates; it returns a new :class:`~qualcode.Codebook` and leaves the one given untouched. Save it
with ``to_yaml()``: saving over the file it came from refuses if that file changed on disk meanwhile.
Ids never change (a rename changes the label), so codings made with older versions still resolve.

>>> book = Codebook.from_yaml("codebooks/social_prescribing.yaml")                          # doctest: +SKIP
>>> new = merge_candidates(book, Codebook.from_yaml("new.yaml"), ["cand-3"],               # doctest: +SKIP
...                        subtheme_of="getting-on", reason="Seen in five client interviews")
>>> new.to_yaml()                                                                           # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

from .model import Codebook, child_key, yaml_rt
from .schema import CHILD_KEYS
from .check import SLUG
from ..errors import CodebookError

#: Where a new field goes in a node: before the first of these keys that the node has.
_LATE_KEYS = ("memo", "rules", *CHILD_KEYS, "guid", "color")


# -- versions, authors and the changelog ---------------------------------------------------------
def bump_version(version: str) -> str:
    """The next version: the last number goes up by one ("1.0" -> "1.1", "2" -> "3"); else ".1" is added."""
    text = str(version).strip()
    match = re.match(r"^(.*?)(\d+)$", text)
    if match:
        return f"{match.group(1)}{int(match.group(2)) + 1}"
    return f"{text}.1" if text else "1.1"


def default_author(cwd=None) -> str:
    """``git config user.name`` (run in ``cwd``), or a clear error asking for an author."""
    try:
        done = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=10, cwd=cwd,
                              check=False)
        name = done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    if not name:
        raise CodebookError("no author for the changelog: pass --author NAME (author=...) or set `git config user.name`.")
    return name


def _finish(book: Codebook, document, change: str, reason: str, author: str | None, date, version: str | None) -> Codebook:
    """Bump the version, append the changelog entry, validate; the new :class:`Codebook`."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if not str(reason or "").strip():
        raise CodebookError("every codebook edit needs a reason for the changelog: pass --reason \"...\".")
    author = author or default_author(book.path.parent if book.path else None)
    new_version = str(version) if version else bump_version(book.version)
    if new_version == book.version:
        raise CodebookError(f"the new version must differ from the current one ({book.version!r}).")
    document["version"] = DoubleQuotedScalarString(new_version)
    entry = CommentedMap([("version", DoubleQuotedScalarString(new_version)),
                          ("date", date or dt.date.today()), ("author", str(author)),
                          ("change", change), ("reason", str(reason).strip())])
    if document.get("changelog") is None:
        keys = list(document)
        position = keys.index("themes") if "themes" in keys else len(keys)
        if "changelog" in document:
            del document["changelog"]
        document.insert(position, "changelog", CommentedSeq())
    _append(document["changelog"], entry)
    # Re-read the edited text, so validation messages carry line numbers and what is saved is what was checked.
    buffer = io.StringIO()
    yaml_rt().dump(document, buffer)
    return book.with_document(Codebook._parse(buffer.getvalue(), str(book.path or book.name)))


# -- finding and placing nodes in the document ---------------------------------------------------
def _copy(book: Codebook):
    """An editable copy of ``book``'s YAML document, made by re-reading its text.

    Not ``copy.deepcopy``: with ruamel.yaml 0.18-0.19, once a document has been dumped (saved, or hashed by
    a Suggester), a deep copy of it loses the comments that sit between a key and its block sequence
    (``themes:`` then ``# ---`` then ``- id: ...``), and dumping the copy gives invalid YAML.
    """
    return yaml_rt().load(book.to_string())


def _walk(items, parent=None):
    for item in items or []:
        yield item, parent, items
        key = child_key(item)
        if key:
            yield from _walk(item[key], item)


def _find(document, node_id: str, book: Codebook, what: str = "code"):
    """``(item, parent item or None, the list holding it)`` for ``node_id``."""
    for item, parent, siblings in _walk(document.get("themes")):
        if str(item.get("id")) == node_id:
            return item, parent, siblings
    raise CodebookError(f"no {what} {node_id!r} in codebook {book.name!r}{book.suggest(node_id)}")


def _children_list(item):
    from ruamel.yaml.comments import CommentedSeq

    key = child_key(item)
    if key is None or item[key] is None:
        key = key or "children"
        _set_field(item, key, CommentedSeq())
    return item[key]


def _set_field(item, key: str, value) -> None:
    """Set ``item[key]``; a new key goes before memo/rules/children so the node reads in the usual order."""
    if key in item:
        item[key] = value
        return
    keys = list(item)
    late = [keys.index(k) for k in _LATE_KEYS if k in keys and k != key and _LATE_KEYS.index(k) > _order(key)]
    item.insert(min(late) if late else len(keys), key, value)


def _order(key: str) -> int:
    return _LATE_KEYS.index(key) if key in _LATE_KEYS else -1


def _last_comment_holder(node):
    """``(comment list, index, block)`` holding the comment after the last line of ``node``, or ``None``.

    ruamel keeps the comments and blank lines that follow a block on its last scalar (or on the key of
    a flow-style collection such as ``keywords: [a, b]``). After a block scalar (``>-``, ``|``) the
    text has no end-of-line part: ``block`` is true there."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    def nested(value):
        return isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style()

    if isinstance(node, CommentedMap) and len(node):
        key = list(node)[-1]
        if nested(node[key]):
            return _last_comment_holder(node[key])
        block = isinstance(node[key], (FoldedScalarString, LiteralScalarString))
        return node.ca.items.setdefault(key, [None, None, None, None]), 2, block
    if isinstance(node, CommentedSeq) and len(node):
        if nested(node[-1]):
            return _last_comment_holder(node[-1])
        block = isinstance(node[-1], (FoldedScalarString, LiteralScalarString))
        return node.ca.items.setdefault(len(node) - 1, [None, None, None, None]), 0, block
    return None


def _lines(value: str, block: bool = False) -> tuple[str, list[str]]:
    """A trailing comment's text as (end-of-line comment, following lines); "" lines are blank lines."""
    if block:
        value = "\n" + value
    eol, _, rest = value.partition("\n")
    return eol, rest.split("\n")[:-1] if rest else []


def _text(eol: str, lines: list[str], block: bool = False) -> str:
    collapsed = [line for i, line in enumerate(lines) if line.strip() or i == 0 or lines[i - 1].strip()]
    text = eol + "\n" + "".join(line + "\n" for line in collapsed)
    return text[1:] if block else text


def _detach_trailing(node, keep_blank: bool = False) -> list[str]:
    """Detach the full-line comments and blank lines after the last line of ``node``; return those lines.

    An end-of-line comment on that last line stays. With ``keep_blank`` a blank line right after the
    node stays too (siblings separated by blank lines stay so)."""
    holder = _last_comment_holder(node)
    token = holder[0][holder[1]] if holder else None
    if token is None:
        return []
    block = holder[2]
    eol, lines = _lines(token.value, block)
    kept = [""] if keep_blank and lines[:1] == [""] else []
    if eol or kept:
        token.value = _text(eol, kept, block)
    else:
        holder[0][holder[1]] = None
    return lines


def _attach_trailing(node, lines: list[str]) -> None:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    holder = _last_comment_holder(node)
    if not lines or holder is None:
        return
    current, block = holder[0][holder[1]], holder[2]
    if current is None:
        holder[0][holder[1]] = CommentToken(_text("", lines, block), CommentMark(0), None)
    else:
        eol, before = _lines(current.value, block)
        current.value = _text(eol, before + lines, block)


def _append(siblings, item) -> None:
    """Append ``item`` to ``siblings``; the full-line comments that followed the old last item (say a
    separator before the next theme) move to after the new one, where they belong."""
    lines = _detach_trailing(siblings[-1], keep_blank=True) if len(siblings) else []
    siblings.append(item)
    _attach_trailing(item, lines)


def _remove(siblings, item) -> None:
    """Remove ``item`` from ``siblings``; the full-line comments that followed it stay in place."""
    index = next(i for i, x in enumerate(siblings) if x is item)
    lines = _detach_trailing(item)
    del siblings[index]
    if index > 0:
        _attach_trailing(siblings[index - 1], lines)


def _new_node(node_id: str, label: str, *, definition=None, origin="deductive", status="active", examples=(),
              memo=None, keywords=()):
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    item = CommentedMap([("id", node_id), ("label", label)])
    if definition:
        item["definition"] = str(definition)
    if examples:
        item["examples"] = CommentedSeq(str(e) for e in examples)
    item["origin"], item["status"] = origin, status
    if memo:
        item["memo"] = str(memo)
    if keywords:
        words = CommentedSeq(str(k) for k in keywords)
        words.fa.set_flow_style()
        item["rules"] = CommentedMap([("keywords", words)])
    return item


def _check_new_id(book: Codebook, node_id: str, hint: str = "choose another id") -> None:
    if not SLUG.match(node_id):
        slug = slugify(node_id)
        raise CodebookError(f"id {node_id!r} is not a slug (lower-case letters, digits, '-', '_', '.'); use {slug!r}.")
    if node_id in book.nodes:
        node = book.nodes[node_id]
        where = f" (line {node.line})" if node.line else ""
        raise CodebookError(
            f"id {node_id!r} is already used by {node.kind} {node.label!r}{where} in codebook {book.name!r}; {hint}."
        )


def slugify(text: str, limit: int = 40) -> str:
    """A short id made from ``text``: ``"Mental health, unwell"`` -> ``"mental-health-unwell"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "node"
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return slug


def _parent_for(book: Codebook, parent_id: str | None):
    """Check ``parent_id`` exists; return its node, or None for the top level."""
    if parent_id is None:
        return None
    if parent_id not in book.nodes:
        raise CodebookError(f"no parent {parent_id!r} in codebook {book.name!r}{book.suggest(parent_id)}")
    return book.nodes[parent_id]


# -- the edits -----------------------------------------------------------------------------------
def add_node(book: Codebook, node_id: str, label: str, *, parent: str | None = None, definition: str | None = None,
             keywords: "list[str] | tuple[str, ...]" = (), origin: str = "deductive", status: str = "active",
             reason: str, author: str | None = None, date: "dt.date | None" = None, version: str | None = None,
             examples: "list[str] | tuple[str, ...]" = ()) -> Codebook:
    """Add a node: a theme (``parent=None``) or a child of ``parent`` (``examples``: passages that show it).

    >>> new = qualcode.add_node(codebook, "transport", "Transport", parent="getting-on", keywords=["bus", "taxi"],
    ...                         reason="Raised by five clients", author="A. Researcher")
    >>> new.node("transport").parent_id, new.version != codebook.version, new.changelog[-1]["author"]
    ('getting-on', True, 'A. Researcher')
    """
    _check_new_id(book, node_id)
    if not str(label or "").strip():
        raise CodebookError(f"the new node {node_id!r} needs a label (--label).")
    _parent_for(book, parent)
    document = _copy(book)
    siblings = document["themes"] if parent is None else _children_list(_find(document, parent, book)[0])
    _append(siblings, _new_node(node_id, label, definition=definition, origin=origin, status=status, keywords=keywords,
                                examples=examples))
    where = "as a theme" if parent is None else f"under {parent!r}"
    return _finish(book, document, f"Added {node_id!r} ({label}) {where}.", reason, author, date, version)


def add_rule(book: Codebook, node_id: str, *, keyword: str | None = None, regex: str | None = None, reason: str,
             author: str | None = None, date: "dt.date | None" = None, version: str | None = None) -> Codebook:
    """Add a keyword (matched by lookup lemma) or a regular expression (raw text, case-insensitive) to the rules
    of ``node_id``: how a text search is saved as a rule (``qualcode search ... --save-rule ID``).

    >>> new = qualcode.add_rule(codebook, "buddying", keyword="went along with me", reason="Search of client talk",
    ...                         author="A. Researcher")
    >>> "went along with me" in new.node("buddying").rules["keywords"]
    True
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if (keyword is None) == (regex is None):
        raise CodebookError("give one keyword or one regex to add to the rules.")
    term = str(keyword if keyword is not None else regex).strip()
    if not term:
        raise CodebookError("the rule to add is empty; give a keyword or a regular expression.")
    node = book.node(node_id)
    field = "keywords" if keyword is not None else "regex"
    if term.casefold() in {str(t).casefold() for t in node.rules.get(field) or []}:
        raise CodebookError(f"{node_id!r} already has the {'keyword' if keyword is not None else 'regex'} {term!r}; "
                            "nothing to add.")
    document = _copy(book)
    item = _find(document, node_id, book)[0]
    if item.get("rules") is None:
        _set_field(item, "rules", CommentedMap())
    rules = item["rules"]
    if rules.get(field) is None:
        values = CommentedSeq()
        values.fa.set_flow_style()
        if field in rules:
            rules[field] = values
        else:
            rules.insert(0 if field == "keywords" else len(rules), field, values)
    rules[field].append(term)
    change = f"Added the {'keyword' if keyword is not None else 'regex'} {term!r} to the rules of {node_id!r} ({node.label})."
    return _finish(book, document, change, reason, author, date, version)


def rename_node(book: Codebook, node_id: str, label: str, *, reason: str, author: str | None = None, date: "dt.date | None" = None,
                version: str | None = None) -> Codebook:
    """Give ``node_id`` a new label; the id stays, so past codings still resolve.

    >>> qualcode.rename_node(codebook, "buddying", "Going along to a first session", reason="Clearer").node("buddying").label
    'Going along to a first session'
    """
    old = book.node(node_id)
    if not str(label or "").strip():
        raise CodebookError(f"give the new label of {node_id!r}.")
    if str(label).strip() == old.label:
        raise CodebookError(f"{node_id!r} is already labelled {old.label!r}; nothing to rename.")
    document = _copy(book)
    item = _find(document, node_id, book)[0]
    item["label"] = str(label).strip()
    change = f"Renamed {node_id!r} from {old.label!r} to {str(label).strip()!r} (id unchanged)."
    return _finish(book, document, change, reason, author, date, version)


def move_node(book: Codebook, node_id: str, parent: str | None, *, reason: str, author: str | None = None, date: "dt.date | None" = None,
              version: str | None = None) -> Codebook:
    """Move ``node_id`` (with its children) under ``parent``, or to the top level as a theme (``None``).

    >>> qualcode.move_node(codebook, "buddying", "nature-value", reason="It is part of the support").node("buddying").theme_id
    'nature-value'
    """
    node = book.node(node_id)
    _parent_for(book, parent)
    if parent == node_id or parent in {d.id for d in book.descendants(node_id)}:
        raise CodebookError(f"cannot move {node_id!r} under {parent!r}: {parent!r} is {node_id!r} itself or inside it.")
    if parent == node.parent_id:
        raise CodebookError(f"{node_id!r} is already {'a theme' if parent is None else f'under {parent!r}'}; nothing to move.")
    document = _copy(book)
    item, _, siblings = _find(document, node_id, book)
    _remove(siblings, item)
    target = document["themes"] if parent is None else _children_list(_find(document, parent, book)[0])
    _append(target, item)
    before = "the top level" if node.parent_id is None else repr(node.parent_id)
    after = "the top level (a theme)" if parent is None else repr(parent)
    return _finish(book, document, f"Moved {node_id!r} ({node.label}) from {before} to {after}.", reason, author,
                   date, version)


def retire_node(book: Codebook, node_id: str, *, reason: str, author: str | None = None, date: "dt.date | None" = None,
                version: str | None = None) -> Codebook:
    """Set ``node_id`` and its descendants to status ``retired`` (kept in the book, no longer coded).

    >>> qualcode.retire_node(codebook, "buddying", reason="Folded into first contact").node("buddying").status
    'retired'
    """
    node = book.node(node_id)
    if node.status == "retired":
        raise CodebookError(f"{node_id!r} is already retired.")
    document = _copy(book)
    retired = [node_id] + [d.id for d in book.descendants(node_id) if d.status != "retired"]
    for rid in retired:
        _set_field(_find(document, rid, book)[0], "status", "retired")
    extra = f", with its children {', '.join(map(repr, retired[1:]))}" if len(retired) > 1 else ""
    return _finish(book, document, f"Retired {node_id!r} ({node.label}){extra}.", reason, author, date, version)


def merge_candidates(book: Codebook, candidates: Codebook, accept: "list[str]", *, as_theme: bool = False,
                     subtheme_of: str | None = None, code_of: str | None = None, into: str | None = None,
                     ids: dict | None = None, reason: str, author: str | None = None, date: "dt.date | None" = None,
                     version: str | None = None, source: str | None = None) -> Codebook:
    """Merge the accepted candidates of a ``qualcode discover`` file into ``book``.

    Say where, with exactly one of: ``as_theme`` (new themes), ``subtheme_of`` (new sub-themes of that
    theme), ``code_of`` (new codes under that sub-theme or code), ``into`` (fold their keywords into
    that existing node). New nodes take the id ``ids[candidate]`` or a slug of the candidate's label,
    status ``active`` and origin ``inductive``, and keep its definition, examples, memo and keywords.

    >>> found = qualcode.discover(corpus, codebook, first=8).discoverer.to_codebook()    # doctest: +SKIP
    >>> found = qualcode.Codebook.from_dict({"name": "Candidates", "version": "0.1", "themes": [
    ...     {"id": "cand-1", "label": "Bus fares", "origin": "inductive", "status": "candidate",
    ...      "rules": {"keywords": ["bus fare", "taxi"]}}]})
    >>> new = qualcode.merge_candidates(codebook, found, ["cand-1"], subtheme_of="getting-on", reason="New",
    ...                                 ids={"cand-1": "travel-costs"})
    >>> node = new.node("travel-costs")
    >>> node.origin, node.status, node.parent_id, node.rules["keywords"]
    ('inductive', 'active', 'getting-on', ['bus fare', 'taxi'])
    """
    accept = [str(a).strip() for a in accept if str(a).strip()]
    source = source or str(candidates.path or candidates.name or "the candidates file")
    if not accept:
        raise CodebookError("no candidates to merge; list their ids, e.g. --accept cand-3,cand-7.")
    known = [n.id for n in candidates.nodes.values()]
    unknown = [a for a in accept if a not in candidates.nodes]
    if unknown:
        raise CodebookError(
            f"no candidate {', '.join(map(repr, unknown))} in {source}; it has: {', '.join(known)}."
        )
    places = [name for name, given in (("--as-theme", as_theme), ("--as-subtheme-of", subtheme_of),
                                        ("--as-code-of", code_of), ("--into", into)) if given]
    if len(places) != 1:
        raise CodebookError(
            "say where the candidates go with exactly one of --as-theme, --as-subtheme-of THEME, "
            f"--as-code-of SUBTHEME or --into NODE (got {', '.join(places) if places else 'none'})."
        )
    ids = {str(k): str(v) for k, v in (ids or {}).items()}
    stray = [k for k in ids if k not in accept]
    if stray:
        raise CodebookError(f"--id names {', '.join(map(repr, stray))}, which is not among the accepted candidates.")
    parent = subtheme_of or code_of or into
    node = _parent_for(book, parent)
    if subtheme_of and node.level != 1:
        raise CodebookError(f"{subtheme_of!r} is a {node.kind}, not a theme; use --as-code-of {subtheme_of} to add codes under it.")
    if code_of and node.level < 2:
        raise CodebookError(f"{code_of!r} is a theme; use --as-subtheme-of {code_of} to add sub-themes to it.")
    document = _copy(book)
    if into:
        return _fold_keywords(book, document, candidates, accept, into, reason, author, date, version, source)
    new_ids: dict[str, str] = {}
    for cand in accept:
        new_id = ids.get(cand) or slugify(candidates.nodes[cand].label)
        _check_new_id(book, new_id, f"choose another with --id {cand}=NEW-ID")
        if new_id in new_ids.values():
            raise CodebookError(f"candidates {next(k for k, v in new_ids.items() if v == new_id)!r} and {cand!r} would "
                                f"both get the id {new_id!r}; give one another with --id {cand}=NEW-ID.")
        new_ids[cand] = new_id
    siblings = document["themes"] if as_theme else _children_list(_find(document, parent, book)[0])
    for cand, new_id in new_ids.items():
        c = candidates.nodes[cand]
        memo = " ".join(p for p in (c.memo, f"Merged from candidate {cand} of {source}.") if p)
        _append(siblings, _new_node(new_id, c.label, definition=c.definition or None, origin="inductive",
                                    status="active", examples=c.examples, memo=memo,
                                    keywords=c.rules.get("keywords") or ()))
    kind = "theme" if as_theme else ("sub-theme" if subtheme_of else "code")
    where = "" if as_theme else f" under {parent!r}"
    done = "; ".join(f"{cand} as {kind} {new_id!r} ({candidates.nodes[cand].label}){where}" for cand, new_id in new_ids.items())
    return _finish(book, document, f"Merged inductive candidates from {source}: {done}.", reason, author, date, version)


def _fold_keywords(book, document, candidates, accept, into, reason, author, date, version, source) -> Codebook:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    item = _find(document, into, book)[0]
    if item.get("rules") is None:
        _set_field(item, "rules", CommentedMap())
    rules = item["rules"]
    if rules.get("keywords") is None:
        words = CommentedSeq()
        words.fa.set_flow_style()
        rules.insert(0, "keywords", words)
    keywords = rules["keywords"]
    have = {str(k).casefold() for k in keywords}
    added = []
    for cand in accept:
        for word in candidates.nodes[cand].rules.get("keywords") or []:
            if str(word).casefold() not in have:
                keywords.append(str(word))
                have.add(str(word).casefold())
                added.append(str(word))
    if not added:
        raise CodebookError(f"{into!r} already has every keyword of {', '.join(accept)}; nothing to merge.")
    change = (f"Folded the keywords of {', '.join(accept)} from {source} into {into!r} "
              f"({book.nodes[into].label}): {', '.join(added)}.")
    return _finish(book, document, change, reason, author, date, version)


# -- merging another program's codebook into this one -------------------------------------------
#: Node fields an incoming codebook may carry; a field it does not carry keeps the base value.
MERGE_FIELDS = ("label", "definition", "include", "exclude", "examples", "memo", "color", "codable", "guid")


def merge_codebook(book: Codebook, incoming: "list[dict]", *, source: str, states_hierarchy: bool,
                   author: str | None = None, date: "dt.date | None" = None) -> tuple[Codebook, list[str]]:
    """Merge ``incoming`` nodes (nested dicts with ``id``, ``label`` and only the fields the file carries, in
    ``children``) into ``book``; return ``(new book, changes)``.

    A field the incoming node does not carry keeps the base value; the base's GUIDs are kept (a program
    that makes new GUIDs on every export, as Taguette does, would otherwise change every code). Nodes the file does not list stay. The hierarchy is kept unless
    ``states_hierarchy`` (the file nests its codes): then a node goes under its incoming parent. New nodes
    are added (under their incoming parent, else as themes). A real change bumps the version with one
    changelog entry naming ``source``; no change gives back ``book`` itself.

    >>> new, changes = merge_codebook(book, [{"id": "access", "label": "Access"}], source="t.qdc", states_hierarchy=False)  # doctest: +SKIP
    """
    from ruamel.yaml.scalarstring import LiteralScalarString

    document = _copy(book)
    changes: list[str] = []
    flat: list[tuple[dict, str | None]] = []

    def walk(items, parent):
        for item in items:
            flat.append((item, parent))
            walk(item.get("children") or [], item["id"])

    walk(incoming, None)
    for item, parent in flat:
        node_id = str(item["id"])
        if node_id not in book.nodes and not any(str(x.get("id")) == node_id for x, _, _ in _walk(document.get("themes"))):
            new = _new_node(node_id, str(item.get("label") or node_id), definition=item.get("definition"),
                            examples=item.get("examples") or (), memo=item.get("memo"))
            for key in ("include", "exclude"):
                if item.get(key):
                    _set_field(new, key, item[key])
            for key in ("guid", "color"):
                if item.get(key):
                    new[key] = str(item[key])
            if item.get("codable") is False:
                new["codable"] = False
            target = document["themes"]
            if parent is not None:
                target = _children_list(next(x for x, _, _ in _walk(document["themes"]) if str(x.get("id")) == parent))
            _append(target, new)
            changes.append(f"added {node_id!r} ({new['label']})")
            continue
        found, _, siblings = _find(document, node_id, book)
        node = book.nodes.get(node_id)
        edited = []
        for key in MERGE_FIELDS:
            if key not in item or item[key] is None:
                continue
            value = item[key]
            if key == "guid":
                continue  # the base keeps its GUIDs (or none): a program's fresh GUIDs are no change to the codes
            if key == "codable":
                old = found.get("codable", True) is not False
                if bool(value) == old:
                    continue
                _set_field(found, "codable", bool(value))
            elif key == "examples":
                old = [str(e) for e in (found.get("examples") or [])]
                if [str(e) for e in value] == old:
                    continue
                from ruamel.yaml.comments import CommentedSeq

                _set_field(found, "examples", CommentedSeq(str(e) for e in value))
            else:
                old = str(found.get(key, found.get("description", "")) if key == "definition" else found.get(key) or "")
                if str(value).strip() == old.strip():
                    continue
                text = str(value)
                _set_field(found, key, LiteralScalarString(text) if "\n" in text else text)
            edited.append(key)
        if edited:
            changes.append(f"{node_id!r}: {', '.join(edited)}")
        if states_hierarchy and node is not None and parent != node.parent_id:
            _remove(siblings, found)
            target = document["themes"] if parent is None else _children_list(_find(document, parent, book)[0]
                                                                               if parent in book.nodes else
                                                                               next(x for x, _, _ in _walk(document["themes"])
                                                                                    if str(x.get("id")) == parent))
            _append(target, found)
            changes.append(f"moved {node_id!r} under {parent or 'the top level'}")
    if not changes:
        return book, []
    shown = "; ".join(changes[:12]) + (f"; and {len(changes) - 12} more" if len(changes) > 12 else "")
    try:
        author = author or default_author(book.path.parent if book.path else None)
    except CodebookError:
        author = "qualcode import"
    new = _finish(book, document, f"Merged {source}: {shown}.", f"Imported {source}", author, date, None)
    return new, changes
