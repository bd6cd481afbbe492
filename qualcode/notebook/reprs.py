"""How qualcode's objects show themselves in Jupyter (``_repr_html_``) and at a prompt (plain text).

Plain HTML: collapsible parts are ``<details>`` elements, so nothing needs JavaScript, and the output
is the same in JupyterLab, VS Code, a rendered notebook on GitHub or an HTML export. Every piece of
text from a transcript, a codebook or a file name is escaped; tables go through pandas' ``to_html``,
which escapes too. Long tables are cut to their first rows with a note of how many there are.
"""

from __future__ import annotations

import html

from ..codebook.model import codebook_facts
from ..corpus.corpus import corpus_facts
from ..display import plural

MAX_ROWS = 30
_MUTED = "color:#666"


def esc(value) -> str:
    """``value`` as escaped HTML text; ``None`` and NaN are empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value))


def frame_html(frame, max_rows: int = MAX_ROWS, index: bool = False) -> str:
    """A DataFrame as an escaped HTML table, cut to ``max_rows`` rows with a note saying so."""
    shown = frame.head(max_rows)
    table = shown.to_html(index=index, border=0, escape=True, na_rep="", max_cols=40)
    if len(frame) > max_rows:
        table += f'<p style="{_MUTED}">First {max_rows} of {len(frame):,} rows.</p>'
    return table


def _block(kind: str, body: str) -> str:
    return f'<div class="qualcode-{kind}">{body}</div>'


# -- Corpus ----------------------------------------------------------------------------------------
def corpus_html(corpus) -> str:
    """The study summary, then the sources, participants and problems as collapsible tables."""
    sources = corpus.sources
    words = int(sources["words"].sum()) if len(sources) else 0
    parts = [f"<p><b>Corpus</b> <code>{esc(corpus.root)}</code>: {esc(corpus_facts(corpus, words))}</p>"]
    if len(corpus):
        parts.append("<p>Study summary (participants and activities per group):</p>" + frame_html(corpus.summary()))
        columns = ["source_id", "method", "date", "wave", "participants", "turns", "words", "file"]
        parts.append(f"<details><summary>{plural(len(sources), 'source')}</summary>"
                     f"{frame_html(sources[[c for c in columns if c in sources.columns]], 200)}</details>")
        parts.append(f"<details><summary>{plural(len(corpus.participants), 'participant')}</summary>"
                     f"{frame_html(corpus.participants, 200)}</details>")
    if corpus.problems:
        skipped = len(corpus.skipped)
        note = f" ({plural(skipped, 'file')} skipped)" if skipped else ""
        opened = " open" if skipped else ""
        parts.append(f"<details{opened}><summary><b>{plural(len(corpus.problems), 'problem')}{note}</b></summary>"
                     f"{frame_html(corpus.problem_table, 200)}</details>")
    return _block("corpus", "".join(parts))


# -- Codebook --------------------------------------------------------------------------------------
RULE_KINDS = ("keywords", "patterns", "regex", "near")
FILTERS = ("exclude_terms", "groups", "methods", "speakers")
MAX_KEYWORDS = 25


def rule_counts(node) -> str:
    """``keywords 5 · regex 1 · only groups: Clients``, or ``no rules``."""
    rules = node.rules or {}
    parts = [f"{kind} {len(rules[kind])}" for kind in RULE_KINDS if rules.get(kind)]
    parts += [f"{kind.replace('_', ' ')}: {', '.join(map(str, rules[kind]))}" for kind in FILTERS if rules.get(kind)]
    if rules.get("min_hits"):
        parts.append(f"min_hits {rules['min_hits']}")
    return " · ".join(parts) or "no rules"


def _node_html(book, node, number: str) -> str:
    children = book.children(node.id)
    badges = []
    if node.status != "active":
        badges.append(node.status)
    if node.origin != "deductive":
        badges.append(node.origin)
    if not node.codable:
        badges.append("not codable")
    tags = "".join(f' <span style="border:1px solid #999;border-radius:3px;padding:0 3px;font-size:85%">{esc(b)}</span>'
                   for b in badges)
    detail = [node.kind, rule_counts(node)]
    if children:
        detail.append(plural(len(children), "child", "children"))
    label = f"<s>{esc(node.label)}</s>" if node.status == "retired" else esc(node.label)
    head = (f"<b>{esc(number)}</b> {label} <code>{esc(node.id)}</code>{tags} "
            f'<span style="{_MUTED}">{esc(" · ".join(detail))}</span>')
    texts = []
    for name, value in (("Definition", node.definition), ("Include", node.include), ("Exclude", node.exclude),
                        ("Memo", node.memo)):
        if value:
            texts.append(f"<p><i>{name}:</i> {esc(value)}</p>")
    if node.examples:
        texts.append("<p><i>Examples:</i></p><ul>" + "".join(f"<li>{esc(e)}</li>" for e in node.examples) + "</ul>")
    keywords = [str(k) for k in (node.rules or {}).get("keywords") or []]
    if keywords:
        more = f", ... ({len(keywords)} in all)" if len(keywords) > MAX_KEYWORDS else ""
        texts.append(f"<p><i>Keywords:</i> {esc(', '.join(keywords[:MAX_KEYWORDS]) + more)}</p>")
    kids = "".join(_node_html(book, child, f"{number}.{k}") for k, child in enumerate(children, 1))
    if not texts and not kids:
        return f'<div style="margin:2px 0 2px 1.1em">{head}</div>'
    return (f'<details style="margin:2px 0"><summary>{head}</summary>'
            f'<div style="margin-left:1.4em">{"".join(texts)}{kids}</div></details>')


def codebook_html(book) -> str:
    """A collapsible tree: themes > sub-themes > codes, each with its definition, criteria and rules."""
    where = f" <code>{esc(book.path)}</code>" if book.path else ""
    parts = [f"<p><b>Codebook</b> {esc(book.name)} (version {esc(book.version)}){where}: {esc(codebook_facts(book))}. "
             f'<span style="{_MUTED}">Click a theme to open it.</span></p>']
    if book.description:
        parts.append(f"<p>{esc(book.description)}</p>")
    parts += [_node_html(book, theme, str(k)) for k, theme in enumerate(book.themes, 1)]
    return _block("codebook", "".join(parts))


# -- codings ---------------------------------------------------------------------------------------
class CodingsSummary:
    """What a codings table holds: counts of distinct excerpts by theme x group, and a few excerpts per theme."""

    def __init__(self, codings, examples: int = 2, codebook=None):
        from ..analysis.queries import require

        self.codings = require(codings)
        self.examples = examples
        self.codebook = codebook

    def facts(self) -> str:
        frame = self.codings
        if frame.empty:
            return "no codings"
        passages = len(frame.drop_duplicates(["source_id", "start", "end"]))
        coders = frame["coder"].value_counts() if "coder" in frame.columns else None
        who = ""
        if coders is not None and len(coders):
            who = "; coders: " + ", ".join(f"{c} ({n:,})" for c, n in coders.head(6).items())
            who += ", ..." if len(coders) > 6 else ""
        return (f"{plural(len(frame), 'coding')} of {plural(passages, 'passage')} in "
                f"{plural(frame['source_id'].nunique(), 'source')}, "
                f"{plural(frame['participant_id'].nunique(), 'participant')} in "
                f"{plural(frame['group'].nunique(), 'group')}{who}")

    def table(self):
        """Distinct excerpts per theme (rows) and participant group (columns), with a Total."""
        from ..analysis.queries import counts

        return counts(self.codings, "group", "theme", codebook=self.codebook)

    def excerpts(self, table=None) -> dict[str, list]:
        """Per theme label: up to ``examples`` excerpts from different participants, 15-80 words and higher
        scores first, as ``(text, attribution, source_id)``."""
        from ..analysis.excerpts import attribution
        from ..analysis.exemplars import shorten

        columns = ["theme_id", "source_id", "start", "end", "text", "participant_id", "label", "group", "method", "score"]
        frame = self.codings[[c for c in columns if c in self.codings.columns]]
        frame = frame.drop_duplicates(["theme_id", "source_id", "start", "end"])
        if frame.empty or self.examples < 1:
            return {}
        score = frame["score"].fillna(0) if "score" in frame.columns else 0
        # Count words only in each theme's best-scored passages: splitting 50,000 excerpts costs a second.
        frame = frame.assign(_score=-score).sort_values(["theme_id", "_score", "source_id", "start"], kind="stable")
        frame = frame.groupby("theme_id", sort=False).head(50 * self.examples)
        words = frame["text"].astype(str).str.split().str.len()
        ranked = frame.assign(_outside=~words.between(15, 80)).sort_values(
            ["_outside", "_score", "source_id", "start"], kind="stable")
        table = table if table is not None else self.table()
        out: dict[str, list] = {}
        for theme_id, label in zip(table.attrs["ids"], table.index):
            part = ranked[ranked["theme_id"].astype(str) == theme_id].drop_duplicates("participant_id")
            out[label] = [(shorten(r.text, 50), attribution(r.label, r.participant_id, r.group, getattr(r, "method", None)), r.source_id)
                          for r in part.head(self.examples).itertuples(index=False)]
        return out

    def __repr__(self) -> str:
        lines = [f"Codings: {self.facts()}."]
        if not self.codings.empty:
            lines += ["Distinct excerpts by theme and participant group:", self.table().to_string()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<p><b>Codings</b>: {esc(self.facts())}.</p>"]
        if not self.codings.empty:
            table = self.table()
            parts.append("<p>Distinct excerpts (passages) by theme and participant group:</p>")
            parts.append(frame_html(table, 100, index=True))
            for label, quotes in self.excerpts(table).items():
                items = "".join(
                    f'<blockquote style="margin:4px 0 4px 1em;font-style:italic">{esc(text)}</blockquote>'
                    f'<p style="margin:0 0 6px 1em;{_MUTED}">({esc(who)}), {esc(source)}</p>'
                    for text, who, source in quotes)
                parts.append(f"<details><summary>{esc(label)}: {plural(len(quotes), 'example')}</summary>"
                             f"{items}</details>")
        return _block("codings", "".join(parts))


def coding_run_html(run) -> str:
    report = run.report()
    parts = [f"<p><b>Coding run</b> with codebook {esc(run.codebook.name)} (version {esc(run.codebook.version)}).</p>"]
    parts += [f"<p>{esc(line)}</p>" for line in report.lines()]
    if run.warnings:
        parts.append("<p><b>Warnings</b></p><ul>" + "".join(f"<li>{esc(w)}</li>" for w in run.warnings) + "</ul>")
    parts.append(CodingsSummary(run.codings, codebook=run.codebook)._repr_html_())
    parts.append(f'<p style="{_MUTED}">The codings table is <code>run.codings</code>; ask it questions with '
                 "<code>run.codings.qc</code>.</p>")
    return _block("run", "".join(parts))


# -- agreement, saturation, discovery ----------------------------------------------------------------
def agreement_html(report) -> str:
    from ..human.agreement_report import summary_lines, table

    parts = [f"<p><b>Agreement</b>: {esc(summary_lines(report)[0])}</p>"]
    parts += [f"<p>{esc(line)}</p>" for line in summary_lines(report)[1:]]
    parts.append(frame_html(table(report, percent=True), 200))
    parts.append(f"<p>{plural(len(report.disagreements), 'disagreement')}: <code>report.disagreements</code>.</p>")
    return _block("agreement", "".join(parts))


def saturation_html(result) -> str:
    parts = [f"<p><b>Saturation</b>, sources ordered by {esc(result.order)}:</p><ul>"]
    parts += [f"<li>{esc(line)}</li>" for line in result.lines()] + ["</ul>"]
    parts.append(frame_html(result.summary, 100))
    parts += [f"<p>{esc(w)}</p>" for w in result.warnings]
    parts.append(f'<p style="{_MUTED}"><code>result.plot()</code> draws the curves; <code>result.table</code> '
                 "has a row per source.</p>")
    return _block("saturation", "".join(parts))


CANDIDATE_VIEW = ["id", "label", "size", "participants", "groups", "coherence", "similar_to", "top_terms"]


def discovery_html(run) -> str:
    table = run.candidates
    left = f"; {plural(run.left_out, 'segment')} already coded were left out" if run.left_out else ""
    parts = [f"<p><b>Discovery</b>: {plural(len(table), 'candidate code')} from "
             f"{plural(len(run.segments), 'segment')}{esc(left)}.</p>",
             frame_html(table[[c for c in CANDIDATE_VIEW if c in table.columns]], 100)]
    parts += [f"<p>{esc(w)}</p>" for w in run.warnings]
    return _block("discovery", "".join(parts))


#: The renderer of each kind of object (see :mod:`qualcode.display`), registered by :mod:`qualcode.notebook`.
RENDERERS = {"corpus": corpus_html, "codebook": codebook_html, "coding_run": coding_run_html,
             "agreement": agreement_html, "saturation": saturation_html, "discovery": discovery_html}
