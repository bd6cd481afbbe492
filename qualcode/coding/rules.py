"""Compiling a codebook's rules into spaCy matchers, and finding which nodes a text matches.

Keywords match on case-insensitive lookup lemmas: each keyword is expanded once into every surface form
whose lemma sequence equals the keyword's (``refer`` -> refer, refers, referred, referring) and all of
them go into one ``PhraseMatcher`` on ``LOWER``. The cost of matching therefore does not grow with the
number of codes, and only the tokenizer has to run over the text. ``patterns`` go into a ``Matcher``;
the full pipeline runs only when a pattern uses attributes the tokenizer does not set (``LEMMA``,
``POS``...). ``regex`` runs on the raw text, case-insensitively.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

from ..codebook.model import Codebook, Node
from ..errors import CodebookError
from ..language import lemma_of, nlp, surface_forms

_TOKENIZER_ATTRS = {"ORTH", "TEXT", "LOWER", "NORM", "SHAPE", "LENGTH", "OP", "IS_ALPHA", "IS_ASCII", "IS_DIGIT",
                    "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_STOP", "IS_BRACKET", "IS_QUOTE",
                    "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL",
                    "PREFIX", "SUFFIX", "_"}
#: Largest number of surface-form combinations one keyword phrase may expand into.
MAX_EXPANSIONS = 512
#: Seconds one rule regex may spend on one text (a segment, or a long turn); past it coding stops with an
#: error naming the code and the regex. Ordinary regexes take well under a millisecond.
REGEX_TIMEOUT = 2.0


@dataclass(slots=True)
class Hit:
    """One rule match inside a text: character offsets relative to that text."""

    node_id: str
    kind: str  # keyword | pattern | regex | near | exclude
    term: str  # the keyword, pattern number, regex, or "a~b" for near
    start: int
    end: int
    token: int = -1  # first token index (keyword and pattern hits)
    token_end: int = -1


def _spellings(word: str) -> set[str]:
    """A lower-case word as written, with curly and no apostrophes (``don't`` -> ``don’t``; ``n't`` -> ``nt``)."""
    word = word.lower().replace("\u2019", "'")
    forms = {word}
    if "'" in word:
        forms.add(word.replace("'", "\u2019"))
        if word in ("n't", "'m", "'re", "'s", "'ll", "'ve", "'d"):  # "didnt", "Im", "youre" in typed answers
            forms.add(word.replace("'", ""))
    return forms


def keyword_forms(term: str, tokenizer) -> list[list[str]]:
    """Every lower-case token sequence a keyword matches.

    Content words match every surface form with the same lookup lemma (``referred`` for ``refer``);
    stop words inside a phrase match as written, so ``had left`` does not match ``'s leaving``. A keyword
    in double quotes (``'"said yes"'``) matches exactly as written, case-insensitively.
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    term = term.strip()
    exact = len(term) > 1 and term[0] == term[-1] == '"'
    if exact:
        term = term[1:-1].strip()
    words = [t.text for t in tokenizer(term) if not t.is_space]
    options = []
    for word in words:
        forms = _spellings(word)
        if not exact and any(ch.isalpha() for ch in word) and word.lower() not in STOP_WORDS:
            for form in surface_forms(lemma_of(word)):
                forms |= _spellings(form)
        options.append(sorted(forms))
    combos = 1
    for forms in options:
        combos *= len(forms)
    if combos > MAX_EXPANSIONS:  # a long phrase of very inflected words: vary the last word only
        options = [sorted(_spellings(w)) for w in words[:-1]] + [options[-1]]
    return [list(combo) for combo in itertools.product(*options)]


def regex_anchors(pattern: str) -> frozenset[str] | None:
    """Case-folded strings one of which every match of ``pattern`` contains, or ``None`` if unknown.

    Read from the parsed regex: a run of literal characters, or an alternation whose every branch
    starts with literal characters, that the pattern requires. Used only to skip running a regex on a
    text that cannot match (a substring test is far cheaper than a regex scan), never to decide a match.
    """
    import re._parser as sre

    def anchors(items) -> list[frozenset[str]]:
        found, run = [], ""
        for op, av in items:
            if op is sre.LITERAL:
                run += chr(av)
                continue
            if op is sre.AT:
                continue  # zero-width: the literals either side stay adjacent
            if run:
                found.append(frozenset({run}))
                run = ""
            if op is sre.SUBPATTERN:
                found += anchors(av[-1])
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
                found += anchors(av[2])
            elif op is sre.BRANCH:
                options = []
                for branch in av[1]:
                    prefix = ""
                    for bop, bav in branch:
                        if bop is sre.LITERAL:
                            prefix += chr(bav)
                        elif bop is not sre.AT:
                            break
                    if not prefix:
                        options = None
                        break
                    options.append(prefix)
                if options:
                    found.append(frozenset(options))
        if run:
            found.append(frozenset({run}))
        return found

    try:
        options = anchors(sre.parse(pattern))
    except Exception:  # an exotic construct: no prefilter, the regex always runs
        return None
    options = [frozenset(o.casefold() for o in opts) for opts in options]
    options = [opts for opts in options if min(map(len, opts)) >= 3]
    return max(options, key=lambda opts: min(map(len, opts))) if options else None


def pattern_anchor(pattern: list[dict]) -> set[str] | None:
    """Lower-case words one of which any match of ``pattern`` must contain, or ``None`` if unknown.

    Taken from the first required token (no ``OP`` or ``OP: "+"``) that fixes ``LOWER``, ``ORTH`` or
    ``TEXT`` to a word or an ``IN`` list of words.
    """
    for token in pattern:
        spec = {str(k).upper(): v for k, v in token.items()}
        if spec.get("OP") not in (None, "+", "1"):
            continue
        for attr in ("LOWER", "ORTH", "TEXT"):
            value = spec.get(attr)
            if isinstance(value, str):
                return {value.lower()}
            if isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
                return {v.lower() for v in value["IN"]}
    return None


class RuleSet:
    """The compiled rules of a codebook's active nodes; build once, apply to many texts.

    >>> rules = RuleSet(Codebook.from_yaml("codebooks/minimal.yaml"))          # doctest: +SKIP
    >>> rules.hits(rules.make_doc("I was referred by my GP."))                  # doctest: +SKIP
    """

    def __init__(self, codebook: Codebook, include_candidates: bool = False):
        from spacy.matcher import Matcher, PhraseMatcher
        from spacy.tokens import Doc

        self.codebook = codebook
        language = nlp()
        self.vocab = language.vocab
        self.tokenizer = language.tokenizer
        self.nodes: list[Node] = [n for n in codebook.active(include_candidates) if n.has_rules]
        self.order = {n.id: i for i, n in enumerate(codebook.nodes.values())}
        self.phrases = PhraseMatcher(self.vocab, attr="LOWER")
        self.matcher = Matcher(self.vocab)
        self.keys: dict[int, tuple[str, str, str, int]] = {}  # match id -> (node, kind, term, clause)
        # One PhraseMatcher key per (node, kind, clause), whatever the number of terms: a span matches
        # once, not once per term that expands to it. The matched term is read back from the tokens.
        self.terms: dict[int, dict[tuple, str]] = {}  # match id -> {LOWER hashes of a form: term}
        self.regexes: list[tuple[str, re.Pattern, str, frozenset | None]] = []
        self.near: dict[str, list[dict]] = {}
        self.min_hits: dict[str, int] = {}
        self.restrict: dict[str, tuple[set, set, set]] = {}
        self.needs_pipeline = False
        self.has_patterns = False
        # Lower-case words at least one of which every pattern needs: the Matcher (which builds a Python
        # object per token) only runs on texts that contain one. None: some pattern has no such word.
        self.anchors: set[str] | None = set()
        for node in self.nodes:
            rules = node.rules
            self.min_hits[node.id] = int(rules.get("min_hits") or 1)
            self.restrict[node.id] = tuple(
                {str(v).casefold() for v in rules.get(key) or []} for key in ("groups", "methods", "speakers")
            )
            for term in rules.get("keywords") or []:
                self._add_phrase(node.id, "keyword", str(term), 0, Doc)
            for term in rules.get("exclude_terms") or []:
                self._add_phrase(node.id, "exclude", str(term), 0, Doc)
            for k, clause in enumerate(rules.get("near") or []):
                self.near.setdefault(node.id, []).append({"within": int(clause.get("within", 5))})
                for term in clause["terms"]:
                    self._add_phrase(node.id, "nearA", str(term), k, Doc)
                for term in clause["with"]:
                    self._add_phrase(node.id, "nearB", str(term), k, Doc)
            for k, pattern in enumerate(rules.get("patterns") or []):
                plain = [dict(token) for token in pattern]
                key = self._key(node.id, "pattern", f"pattern {k + 1}", k)
                self.matcher.add(key, [plain])
                self.has_patterns = True
                used = {str(a).upper() for token in plain for a in token}
                if used - _TOKENIZER_ATTRS:
                    self.needs_pipeline = True
                words = pattern_anchor(plain)
                self.anchors = None if words is None or self.anchors is None else self.anchors | words
            for pattern in rules.get("regex") or []:
                self.regexes.append((node.id, _compile_regex(node.id, str(pattern)), str(pattern),
                                     regex_anchors(str(pattern))))
        self._pipeline = language if self.needs_pipeline else None
        from spacy.attrs import IDX, LENGTH, LOWER

        self._columns = [IDX, LENGTH, LOWER]
        self._anchor_ids = None
        if self.anchors:
            import numpy as np

            self._anchor_ids = np.array(sorted(self.vocab.strings.add(w) for w in self.anchors), dtype=np.uint64)

    def _key(self, node_id: str, kind: str, term: str, clause: int) -> str:
        key = f"{node_id}\x1f{kind}\x1f{term}\x1f{clause}"
        self.keys[self.vocab.strings.add(key)] = (node_id, kind, term, clause)
        return key

    def _add_phrase(self, node_id: str, kind: str, term: str, clause: int, Doc) -> None:
        key = f"{node_id}\x1f{kind}\x1f\x1f{clause}"
        match_id = self.vocab.strings.add(key)
        self.keys[match_id] = (node_id, kind, "", clause)
        forms = self.terms.setdefault(match_id, {})
        docs = []
        for words in keyword_forms(term, self.tokenizer):
            hashes = tuple(self.vocab.strings.add(w) for w in words)
            if words and hashes not in forms:
                forms[hashes] = term
                docs.append(Doc(self.vocab, words=words))
        if docs:
            self.phrases.add(key, docs)

    # -- matching --------------------------------------------------------------------------------
    def make_doc(self, text: str):
        return self._pipeline(text) if self._pipeline is not None else self.tokenizer(text)

    def pipe(self, texts, batch_size: int = 256):
        if self._pipeline is not None:
            return self._pipeline.pipe(texts, batch_size=batch_size)
        return self.tokenizer.pipe(texts, batch_size=batch_size)

    def hits(self, doc, text: str | None = None) -> list[Hit]:
        """Every keyword, pattern, regex, near and exclude-term hit in ``doc`` (whose text is ``text``;
        pass it when you have it: ``doc.text`` rebuilds the string token by token)."""
        found: list[Hit] = []
        matches = self.phrases(doc)
        if self.has_patterns and self._may_match_patterns(doc):
            matches = matches + self.matcher(doc)
        if matches:
            columns = doc.to_array(self._columns)  # one array call instead of a Token per match
            starts = columns[:, 0].tolist()
            ends = (columns[:, 0] + columns[:, 1]).tolist()
            lowers = columns[:, 2].tolist()
            near_sides: dict[tuple[str, int], tuple[list, list]] = {}
            for match_id, start, end in matches:
                node_id, kind, term, clause = self.keys[match_id]
                if kind in ("nearA", "nearB"):  # the matched term is looked up only for pairs that qualify
                    sides = near_sides.setdefault((node_id, clause), ([], []))
                    sides[kind == "nearB"].append((start, end, starts[start], ends[end - 1], match_id))
                    continue
                if not term:
                    term = self.terms[match_id][tuple(lowers[start:end])]
                found.append(Hit(node_id, kind, term, starts[start], ends[end - 1], start, end))
            for (node_id, clause), (left, right) in near_sides.items():
                if left and right:
                    found += self._near_hits(node_id, self.near[node_id][clause]["within"], left, right, lowers)
        if self.regexes:
            text = doc.text if text is None else text
            folded = text.casefold()
            for node_id, regex, pattern, anchors in self.regexes:
                if anchors is not None:
                    for anchor in anchors:
                        if anchor in folded:
                            break
                    else:
                        continue
                try:
                    found += _regex_hits(node_id, regex, pattern, text)
                except TimeoutError:
                    raise CodebookError(
                        f"code {node_id!r}: regex {pattern!r} took over {REGEX_TIMEOUT:g} s on one text of "
                        f"{len(text):,} characters (starting {text[:40]!r}); rewrite it without nested or "
                        "overlapping repeats, or remove it from the codebook."
                    ) from None
        return found

    def _near_hits(self, node_id: str, within: int, left: list, right: list, lowers: list) -> list[Hit]:
        """One hit per occurrence of a ``terms`` word that has a ``with`` word within ``within`` tokens
        (the nearest one), found by walking the sorted occurrences rather than trying every pair."""
        right.sort()
        starts = [b[0] for b in right]
        widest = max(b[1] - b[0] for b in right)
        out = []
        for a in sorted(left):
            # The nearest occurrence on each side, scanning outwards from ``a`` and stopping once no farther
            # one can be as near: the cost is the few occurrences around ``a``, not ``within``.
            best = None  # (gap, index): ties go to the earlier occurrence
            j0 = bisect.bisect_left(starts, a[0])
            for j in range(j0, len(right)):
                b = right[j]
                if b[0] - a[1] > (within if best is None else best[0]):
                    break
                gap = max(a[0], b[0]) - min(a[1], b[1])
                if gap <= within and (best is None or (gap, j) < best):
                    best = (gap, j)
            for j in range(j0 - 1, -1, -1):
                b = right[j]
                if a[0] - b[0] - widest > (within if best is None else best[0]):
                    break
                gap = max(a[0], b[0]) - min(a[1], b[1])
                if gap <= within and (best is None or (gap, j) < best):
                    best = (gap, j)
            if best is not None:
                b = right[best[1]]
                term_a = self.terms[a[4]][tuple(lowers[a[0] : a[1]])]
                term_b = self.terms[b[4]][tuple(lowers[b[0] : b[1]])]
                out.append(Hit(node_id, "near", f"{term_a}~{term_b}", min(a[2], b[2]), max(a[3], b[3]),
                               min(a[0], b[0]), max(a[1], b[1])))
        return out

    def _may_match_patterns(self, doc) -> bool:
        if self.anchors is None:
            return True
        import numpy as np
        from spacy.attrs import LOWER

        return bool(len(doc)) and bool(np.isin(doc.to_array(LOWER), self._anchor_ids).any())

    def allowed(self, node_id: str, group, method, speakers: tuple) -> bool:
        """Whether the node's ``groups``/``methods``/``speakers`` restrictions let it code this segment."""
        groups, methods, people = self.restrict[node_id]
        if not (groups or methods or people):
            return True
        if groups and (group is None or str(group).casefold() not in groups):
            return False
        if methods and (method is None or str(method).casefold() not in methods):
            return False
        if people and not any(s is not None and str(s).casefold() in people for s in speakers):
            return False
        return True

    def evaluate(self, hits: list[Hit], lo: int, hi: int, meta: tuple, center: tuple[int, int] | None = None
                 ) -> dict[str, tuple[float, list[Hit]]]:
        """Nodes coded by the ``hits`` that lie inside ``[lo, hi)``: ``{node: (score, evidence)}``.

        ``meta`` is ``(group, method, (participant_id, label, speaker))``. A node needs ``min_hits``
        distinct terms, none of its exclude terms in the span, and its restrictions met; with
        ``center``, also at least one hit inside that range (the sentence a context window is about).
        """
        by_node: dict[str, list[Hit]] = defaultdict(list)
        excluded: set[str] = set()
        for hit in hits:
            if hit.start >= lo and hit.end <= hi:
                if hit.kind == "exclude":
                    excluded.add(hit.node_id)
                else:
                    by_node[hit.node_id].append(hit)
        coded = {}
        group, method, speakers = meta
        for node_id, node_hits in by_node.items():
            if node_id in excluded:
                continue
            distinct = len(node_hits) if len(node_hits) == 1 else len({(h.kind, h.term) for h in node_hits})
            if distinct < self.min_hits[node_id] or not self.allowed(node_id, group, method, speakers):
                continue
            if center is not None and not any(h.start < center[1] and h.end > center[0] for h in node_hits):
                continue
            if len(node_hits) > 1:
                node_hits.sort(key=_hit_order)
            coded[node_id] = (distinct + 0.1 * (len(node_hits) - distinct), node_hits)
        return coded


def _regex_hits(node_id: str, regex, pattern: str, text: str) -> list[Hit]:
    """The non-empty matches of ``regex`` in ``text``, all of them within :data:`REGEX_TIMEOUT` seconds
    in all (``finditer``'s timeout would restart at every match)."""
    import time

    deadline = time.monotonic() + REGEX_TIMEOUT
    hits, pos = [], 0
    while pos <= len(text):
        m = regex.search(text, pos, timeout=max(deadline - time.monotonic(), 0.001))
        if m is None:
            break
        if m.end() > m.start():
            hits.append(Hit(node_id, "regex", pattern, m.start(), m.end()))
            pos = m.end()
        else:
            pos = m.end() + 1
    return hits


def _compile_regex(node_id: str, pattern: str):
    """A rule regex compiled with the ``regex`` package (like ``re``, plus a time limit per search)."""
    import regex

    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        raise CodebookError(f"code {node_id!r}: regex {pattern!r} does not compile ({exc}); fix it "
                            "(`qualcode codebook check` lists every problem).") from None


def _hit_order(hit: Hit) -> tuple:
    return hit.start, hit.end, hit.term


_EVIDENCE = re.compile(r"(?P<kind>[a-z]+):(?P<term>.*?)@(?P<start>\d+)-(?P<end>\d+)(?:; |$)")


def parse_evidence(text: str) -> list[tuple[str, str, int, int]]:
    """Split a codings ``evidence`` cell (``"keyword:refer@120-128; regex:wait@300-304"``) into
    ``[(kind, term, start, end), ...]``; offsets index the source text."""
    return [(m["kind"], m["term"], int(m["start"]), int(m["end"])) for m in _EVIDENCE.finditer(text or "")]
