"""Codebook validation: every problem at once, each with file, line, code id, field and fix."""

from __future__ import annotations

import difflib
import re

from .schema import BOOK_FIELDS, CHANGELOG_FIELDS, CHILD_KEYS, NODE_FIELDS, ORIGINS, RULE_FIELDS, STATUSES
from ..corpus.model import METHODS, Problem

SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_LIST_RULES = ("keywords", "exclude_terms", "groups", "methods", "speakers", "regex")
# Matcher token attributes that need more than a tokenizer: a trained pipeline must be installed.
TRAINED_ATTRS = {"POS", "TAG", "DEP", "MORPH", "ENT_TYPE", "ENT_IOB", "ENT_ID", "SENT_START", "IS_SENT_START"}


#: A colour as REFI-QDA and the exports write it: #RRGGBB (or #RGB).
COLOR = re.compile(r"^#(?:[A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
#: Largest ``near.within``, in tokens: the cost of a near rule grows with it.
MAX_NEAR_WITHIN = 1000
#: Largest repeat count in a regex (``a{n}``, ``a{m,n}``).
MAX_REGEX_REPEAT = 1000


def regex_problem(pattern: str) -> str | None:
    """Why a rule's regex cannot be used, with the fix, or ``None``: it must compile, repeat at most
    :data:`MAX_REGEX_REPEAT` times, and hold no unbounded repeat of something that itself repeats without
    bound and has no fixed character to anchor each pass (``(a+)+``, ``(\\w*)*``), which backtracks
    exponentially. Other slow regexes are stopped when
    coding (see :data:`qualcode.coding.rules.REGEX_TIMEOUT`)."""
    import re._constants as sre_c
    import re._parser as sre

    try:
        re.compile(pattern)
        tree = sre.parse(pattern)
    except re.error as exc:
        return f"does not compile ({exc}); fix or escape it."
    except (OverflowError, RecursionError, ValueError, MemoryError) as exc:
        return f"cannot be compiled ({type(exc).__name__}: {exc}); simplify it."
    unbounded = sre_c.MAXREPEAT

    def has_literal(items) -> bool:  # each pass of the repeat must consume a fixed character: no blow-up
        return any(op is sre_c.LITERAL or (op is sre_c.SUBPATTERN and has_literal(av[-1])) for op, av in items)

    def walk(items, inside_unbounded: bool) -> str | None:
        for op, av in items:
            if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
                low, high, body = av
                if (low != unbounded and low > MAX_REGEX_REPEAT) or (high != unbounded and high > MAX_REGEX_REPEAT):
                    return (f"repeats {max(x for x in (low, high) if x != unbounded)} times, over the limit of "
                            f"{MAX_REGEX_REPEAT}; use a smaller count or '+'.")
                if high == unbounded or high > 1:
                    if inside_unbounded and op is not getattr(sre_c, "POSSESSIVE_REPEAT", None):
                        return ("nests a repeat inside an unbounded repeat (like '(a+)+'), which can take "
                                "exponential time on a short text; remove the inner or the outer repeat.")
                    found = walk(body, inside_unbounded or (high == unbounded and not has_literal(body)))
                else:
                    found = walk(body, inside_unbounded)
                if found:
                    return found
            elif op is sre_c.SUBPATTERN:
                found = walk(av[-1], inside_unbounded)
                if found:
                    return found
            elif op is sre_c.BRANCH:
                for branch in av[1]:
                    found = walk(branch, inside_unbounded)
                    if found:
                        return found
            elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
                found = walk(av[1], inside_unbounded)
                if found:
                    return found
        return None

    return walk(tree, False)


def _line(item, key=None) -> int | None:
    lc = getattr(item, "lc", None)
    if lc is None:
        return None
    try:
        return (lc.key(key)[0] if key is not None else lc.line) + 1
    except (KeyError, TypeError, AttributeError):
        return lc.line + 1


def _unknown(key: str, known) -> str:
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"known fields are: {', '.join(known)}."


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.lines: dict[str, int | None] = {}
        self._matcher = None

    def error(self, message: str, line: int | None, node_id: str | None = None, fld: str | None = None) -> None:
        self.errors.append(Problem(self.file, self._where(node_id, fld) + message, line))

    def warn(self, message: str, line: int | None, node_id: str | None = None, fld: str | None = None) -> None:
        self.warnings.append(Problem(self.file, self._where(node_id, fld) + message, line, "warning"))

    @staticmethod
    def _where(node_id, fld) -> str:
        parts = []
        if node_id:
            parts.append(f"code {node_id!r}")
        if fld:
            parts.append(f"field {fld!r}")
        return (", ".join(parts) + ": ") if parts else ""

    # -- the book --------------------------------------------------------------------------------
    def book(self, doc) -> None:
        for key in doc:
            if key not in BOOK_FIELDS:
                self.error(f"unknown top-level field {key!r}; {_unknown(key, BOOK_FIELDS)}", _line(doc, key))
        for key in ("name", "version"):
            if not str(doc.get(key) or "").strip():
                self.error(f"missing {key!r}; add e.g. `{key}: {'My study' if key == 'name' else '1.0'}` at the top.", 1)
        self.threshold(doc, None)
        changelog = doc.get("changelog")
        if changelog is not None:
            if not isinstance(changelog, list):
                self.error("'changelog' must be a list of entries (version, date, author, change, reason).", _line(doc, "changelog"))
            else:
                for entry in changelog:
                    if not hasattr(entry, "items"):
                        self.error("each changelog entry must be a mapping with version, date, author, change, reason.", _line(changelog))
                        continue
                    for key in entry:
                        if key not in CHANGELOG_FIELDS:
                            self.error(f"unknown changelog field {key!r}; {_unknown(key, CHANGELOG_FIELDS)}", _line(entry, key))
        themes = doc.get("themes")
        if themes is None or themes == []:
            self.error("the codebook has no themes; add a `themes:` list (see codebooks/minimal.yaml).", 1)
            return
        if not isinstance(themes, list):
            self.error("'themes' must be a list of theme entries, each starting with `- id: ...`.", _line(doc, "themes"))
            return
        seen: dict[str, int | None] = {}
        for item in themes:
            self.node(item, seen, parent_status=None)

    # -- a node ----------------------------------------------------------------------------------
    def node(self, item, seen: dict, parent_status) -> str | None:
        if not hasattr(item, "items"):
            self.error(f"a theme/code must be a mapping with id and label, not {item!r}.", None)
            return None
        line = _line(item)
        node_id = item.get("id")
        if node_id is None or not str(node_id).strip():
            self.error("a node has no 'id'; give it a short slug such as `waiting-lists`.", line)
            node_id = None
        else:
            node_id = str(node_id)
            line = _line(item, "id") or line  # the line of `id:`, wherever it sits in the mapping
            if not SLUG.match(node_id):
                slug = re.sub(r"[^a-z0-9._-]+", "-", node_id.lower()).strip("-")
                self.error(f"id {node_id!r} is not a slug (lower-case letters, digits, '-', '_', '.'); use {slug!r}.", line, node_id)
            if node_id in seen:
                self.error(f"duplicate id (first used on line {seen[node_id]}); ids must be unique in the book.", line, node_id)
            seen[node_id] = line
        if not str(item.get("label") or "").strip():
            self.error("missing 'label'; add the human-readable name of this theme or code.", line, node_id)
        for key in item:
            if key not in NODE_FIELDS:
                self.error(f"unknown field; {_unknown(key, NODE_FIELDS)}", _line(item, key), node_id, str(key))
        if "definition" in item and "description" in item:
            self.error("has both 'definition' and 'description'; keep one.", line, node_id)
        for key, allowed in (("origin", ORIGINS), ("status", STATUSES)):
            value = item.get(key)
            if value is not None and str(value) not in allowed:
                self.error(f"{value!r} is not one of {', '.join(allowed)}.", _line(item, key), node_id, key)
        color = item.get("color")
        if color is not None and not COLOR.match(str(color).strip()):
            self.error(f"{color!r} is not a colour as #RRGGBB (e.g. '#1F77B4'), which REFI-QDA tools need; write it "
                       "as six hex digits after '#'.", _line(item, "color"), node_id, "color")
        if "codable" in item and not isinstance(item["codable"], bool):
            self.error(f"must be true or false, not {item['codable']!r}.", _line(item, "codable"), node_id, "codable")
        self.threshold(item, node_id)
        examples = item.get("examples")
        if examples is not None and (not isinstance(examples, list) or not all(isinstance(e, str) for e in examples)):
            self.error("must be a list of example quotes (`- \"...\"`).", _line(item, "examples"), node_id, "examples")
        if item.get("rules") is not None:
            self.rules(item["rules"], node_id, _line(item, "rules"))
        status = str(item.get("status") or "active")
        keys = [k for k in CHILD_KEYS if k in item]
        if len(keys) > 1:
            self.error(f"has both {' and '.join(map(repr, keys))}; keep its children under one key.", line, node_id)
        for key in keys:
            children = item[key]
            if children is None:
                continue
            if not isinstance(children, list):
                self.error("must be a list of nodes, each starting with `- id: ...`.", _line(item, key), node_id, key)
                continue
            for child in children:
                child_id = self.node(child, seen, status)
                child_status = str(child.get("status") or "active") if hasattr(child, "get") else "active"
                if status == "retired" and child_status == "active":
                    self.error(f"is retired but its child {child_id!r} is active; retire or move the child.", line, node_id)
        return node_id

    # -- rules -----------------------------------------------------------------------------------
    def rules(self, rules, node_id, line) -> None:
        if not hasattr(rules, "items"):
            self.error("must be a mapping such as `keywords: [...]`.", line, node_id, "rules")
            return
        for key, value in rules.items():
            where = _line(rules, key)
            fld = f"rules.{key}"
            if key not in RULE_FIELDS:
                self.error(f"unknown rule; {_unknown(key, RULE_FIELDS)}", where, node_id, fld)
                continue
            if key in _LIST_RULES:
                if isinstance(value, str):
                    self.error(f"is a string; write a list: `{key}: [{value}]`.", where, node_id, fld)
                    continue
                if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
                    self.error("must be a list of strings.", where, node_id, fld)
                    continue
                if any(not str(v).strip() for v in value):
                    self.error("contains an empty entry; remove it.", where, node_id, fld)
            if key == "regex":
                for pattern in value:
                    problem = regex_problem(str(pattern))
                    if problem:
                        self.error(f"regex {pattern!r} {problem}", where, node_id, fld)
            elif key == "methods":
                for method in value:
                    if method not in METHODS:
                        self.error(f"{method!r} is not a method; use {', '.join(METHODS)}.", where, node_id, fld)
            elif key == "min_hits":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    self.error(f"must be a whole number of at least 1, not {value!r}.", where, node_id, fld)
            elif key == "near":
                self.near(value, node_id, where, fld)
            elif key == "patterns":
                self.patterns(value, node_id, where, fld)

    def near(self, value, node_id, where, fld) -> None:
        if not isinstance(value, list):
            self.error("must be a list of `{terms: [...], with: [...], within: N}` entries.", where, node_id, fld)
            return
        for clause in value:
            if not hasattr(clause, "items") or set(clause) - {"terms", "with", "within"}:
                self.error("each entry needs `terms: [...]`, `with: [...]` and optionally `within: N` (tokens).",
                           where, node_id, fld)
                continue
            for part in ("terms", "with"):
                terms = clause.get(part)
                if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
                    self.error(f"'{part}' must be a non-empty list of words or phrases.", where, node_id, fld)
            within = clause.get("within", 5)
            if isinstance(within, bool) or not isinstance(within, int) or within < 1:
                self.error(f"'within' must be a whole number of tokens (at least 1), not {within!r}.", where, node_id, fld)
            elif within > MAX_NEAR_WITHIN:
                self.error(f"'within: {within}' is over the limit of {MAX_NEAR_WITHIN} tokens (about two pages); "
                           "words that far apart are not 'near': lower it, or code the turn with keywords.",
                           where, node_id, fld)

    def threshold(self, item, node_id) -> None:
        """``threshold`` (book default or per node): the similarity coding by meaning needs, in 0-1."""
        if "threshold" not in item:
            return
        value = item["threshold"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            where = "" if node_id else " (the book's default)"
            self.error(f"'threshold'{where} must be a number from 0 to 1 (a similarity, e.g. 0.4), "
                       f"not {value!r}.", _line(item, "threshold"), node_id, "threshold" if node_id else None)

    def patterns(self, value, node_id, where, fld) -> None:
        if not isinstance(value, list) or not all(isinstance(p, list) and p for p in value):
            self.error("must be a list of spaCy Matcher patterns, each a list of token dicts "
                       "like `- [{LOWER: link}, {LOWER: worker}]`.", where, node_id, fld)
            return
        from spacy.matcher import Matcher

        from ..language import nlp

        if self._matcher is None:
            self._matcher = Matcher(nlp().vocab, validate=True)
        for i, pattern in enumerate(value):
            plain = [dict(token) if hasattr(token, "items") else token for token in pattern]
            try:
                self._matcher.add(f"check-{i}", [plain])
            except Exception as exc:  # spaCy raises ValueError/MatchPatternError with a long message
                detail = " ".join(str(exc).split())[:300]
                self.error(f"pattern {i + 1} is not a valid spaCy Matcher pattern: {detail}", where, node_id, fld)
                continue
            used = {str(k).upper() for token in plain if isinstance(token, dict) for k in token}
            trained = sorted(used & TRAINED_ATTRS)
            if trained and not _has_trained_pipeline():
                self.warn(f"pattern {i + 1} uses {', '.join(trained)}, which need a trained spaCy pipeline; "
                          "none is installed, so it will not match.", where, node_id, fld)


def _has_trained_pipeline() -> bool:
    from ..language import nlp

    return bool(nlp().meta.get("name")) and nlp().meta.get("name") != "pipeline"


def check_codebook(document, file: str) -> tuple[list[Problem], list[Problem]]:
    """Validate a parsed codebook document; return ``(errors, warnings)``."""
    checker = _Checker(file)
    checker.book(document)
    return checker.errors, checker.warnings
