"""What discovery leaves out before it looks for candidate codes: greetings, small talk, corpus-common words.

Interviews open and close with talk about the recorder, the room, the tea and the time ("I've only got
until quarter past"), which topic models happily turn into candidates ("Meeting, past, let"). A
participant segment counts as small talk when it sits in the first or last :data:`EDGE_TURNS` participant
turns of its source and uses a word of :data:`SMALL_TALK`, or uses :data:`MARKERS_ANYWHERE` such words
anywhere. Words that occur in more than a share of all the corpus's participant segments ("people",
"year", "link worker") say nothing about one candidate; :func:`common_terms` lists them.
"""

from __future__ import annotations

import re

#: Words of greetings, thanks, logistics and hospitality that small talk is made of.
SMALL_TALK = frozenset("""
hello hi hiya bye goodbye cheers thanks thank sorry apologies morning afternoon evening weekend weather rain
sunny cold traffic parking park late early o'clock quarter half past minutes minute recorder recording record
testing microphone mic consent sheet sign signed tea coffee cuppa biscuit biscuits milk sugar kettle coat
room cupboard booked double-booked cancelled brisk diary lunch
""".split())
#: The opening and closing participant turns of a source, where greetings and small talk sit.
EDGE_TURNS = 2
#: Small-talk words that make a segment small talk wherever it is.
MARKERS_ANYWHERE = 3
_WORD = re.compile(r"[a-z][a-z'\-]*")


def small_talk(segments):
    """A boolean Series: which rows of a segments table are greetings or small talk (see the module doc)."""
    import pandas as pd

    markers = segments["text"].astype(str).str.lower().map(
        lambda text: len(set(_WORD.findall(text)) & SMALL_TALK))
    order = segments.groupby("source_id", sort=False).cumcount()
    from_end = segments.groupby("source_id", sort=False).cumcount(ascending=False)
    edge = (order < EDGE_TURNS) | (from_end < EDGE_TURNS)
    return pd.Series((edge & (markers > 0)) | (markers >= MARKERS_ANYWHERE), index=segments.index)


def common_terms(term_lists, max_share: float) -> frozenset:
    """The terms found in more than ``max_share`` of the segments whose terms are ``term_lists``."""
    from collections import Counter

    counts = Counter(t for terms in term_lists for t in set(terms))
    limit = max_share * len(term_lists)
    return frozenset(t for t, n in counts.items() if n > limit)
