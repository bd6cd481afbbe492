"""Survey sources through REFI-QDA: exported as text, rebuilt as a table on import.

qualcode lays a survey out as text, one answer per block (see :func:`qualcode.corpus.readers.read_survey`)::

    R01 | How did you hear about us?
    My GP told me.

    R01 | What changed?
    I go out more.

That text is what a REFI-QDA program shows and codes. On import, :func:`survey_table` parses it back
into rows and checks that the table lays out to exactly the same text, so every coding offset stays
valid; if it does not (the text was edited), the source is imported as plain text instead.
"""

from __future__ import annotations

import re


def layout(rows: list[tuple[str, dict[str, str]]], questions: list[str]) -> str:
    """The text qualcode's survey reader makes from ``[(respondent, {question: answer})]``."""
    parts = []
    for rid, answers in rows:
        for question in questions:
            answer = (answers.get(question) or "").strip()
            if answer:
                parts.append(f"{rid} | {question}\n{answer}")
    return "\n\n".join(parts) + "\n"


def survey_table(text: str, questions: list[str]) -> list[tuple[str, dict[str, str]]] | None:
    """``[(respondent, {question: answer})]`` in order, or ``None`` if ``text`` is not that layout."""
    if not questions or not text.endswith("\n"):
        return None
    alternatives = "|".join(re.escape(q) for q in sorted(questions, key=len, reverse=True))
    header = re.compile(rf"^(?P<rid>[^\n|]+?) \| (?P<q>{alternatives})\n", re.MULTILINE)
    matches = list(header.finditer(text))
    if not matches or matches[0].start() != 0:
        return None
    rows: dict[str, dict[str, str]] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() - 2 if i + 1 < len(matches) else len(text) - 1
        if end < match.end():
            return None
        answers = rows.setdefault(match.group("rid"), {})
        if match.group("q") in answers:
            return None
        answers[match.group("q")] = text[match.end() : end]
    table = list(rows.items())
    return table if layout(table, questions) == text else None
