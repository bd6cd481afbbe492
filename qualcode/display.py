"""How objects of the lower layers find their notebook display without importing the notebook layer.

A class's ``_repr_html_`` calls :func:`html` with its kind (``"corpus"``, ``"codebook"``, ``"coding_run"``,
``"agreement"``, ``"saturation"``, ``"discovery"``). The notebook layer (:mod:`qualcode.notebook.reprs`)
registers one renderer per kind with :func:`register`, and ``import qualcode`` imports that layer, so every
object shows itself in any session. Plain-text ``__repr__`` facts stay with each class; :func:`plural` is
the one way they count things. Only the standard library is imported here.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable

_RENDERERS: dict[str, Callable[[object], str]] = {}


def register(kind: str, render: Callable[[object], str]) -> None:
    """Use ``render(obj)`` as the HTML display of objects of ``kind``."""
    _RENDERERS[kind] = render


def html(kind: str, obj: object) -> str:
    """The HTML display of ``obj``: its kind's renderer, or its plain repr when none is registered."""
    render = _RENDERERS.get(kind)
    if render is None:
        return f"<pre>{_html.escape(repr(obj))}</pre>"
    return render(obj)


def plural(n: int, word: str, plural: str | None = None) -> str:
    """``1 source``, ``2,400 sources``; ``plural`` for irregular words (``child``/``children``)."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


#: Column names of qualcode's tables -> the words of the field, for headers people read (terminal, xlsx).
FIELD_LABELS = {
    "participant_id": "Participant ID", "source_id": "Source", "segment_id": "Segment", "code_id": "Code",
    "theme_id": "Theme", "subtheme_id": "Sub-theme", "subtheme": "Sub-theme", "group": "Group",
    "individual_interviews": "Interviews", "joint_interviews": "Joint interviews", "focus_groups": "Focus groups",
    "surveys": "Survey responses", "n_units": "Units", "only_a": "Only coder A", "only_b": "Only coder B",
}


def field_label(name: object) -> str:
    """``participant_id`` -> ``Participant ID``, ``focus_groups`` -> ``Focus groups``; other headers as they are.

    Only snake_case names change: a header already in words (``% agreement``, ``Clients n``) is kept."""
    text = str(name)
    if text in FIELD_LABELS:
        return FIELD_LABELS[text]
    if text and text == text.lower() and text.replace("_", "").isalnum():
        words = text.replace("_", " ")
        return words[0].upper() + words[1:]
    return text
