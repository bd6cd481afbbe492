"""Participant and source attributes as tables, and joining them onto any table with ``source_id`` and
``participant_id`` columns (the codings table, the segments table, search hits).

Participant attributes are the columns of ``participants.csv`` beyond ``participant_id, group, label``
(``role``, ``organisation``, an age band, ...). Source attributes are ``date``, ``wave`` and any other
column of ``sources.csv`` or key of a transcript's front matter. ``method`` is already a codings column.

A name both tables use keeps its plain name for the participant attribute; the source attribute becomes
``source_<name>``. A name the codings table already uses (``text``, ``coder``, ...) gets the prefix of
its table (``participant_<name>`` or ``source_<name>``), so a join never overwrites a coding's column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from .corpus import Corpus

#: Columns of ``corpus.participants`` that are not attributes (the codings already hold them).
PARTICIPANT_KEYS = ("participant_id", "group", "label")
#: Columns of ``corpus.sources`` that describe the file, not the data collection.
SOURCE_FILE_COLUMNS = ("source_id", "file", "format", "method", "participants", "turns", "words", "encoding",
                       "researchers", "aliases", "id_column", "group_column", "question_columns")


def _text_column(series):
    """Attribute values as text (``1`` and ``"1"`` are the same wave), missing stays missing."""
    def text(value):
        if value is None or value != value or value == "":
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return series.map(text).astype(object)


def source_attributes(corpus) -> "pd.DataFrame":
    """``source_id``, ``date``, ``wave`` and every other source attribute: ``corpus.sources`` without the file's
    own facts (and without counting each source's words, which makes it cheap on a large corpus)."""
    import pandas as pd

    rows, extra = [], {}
    for source in corpus:
        meta = source.meta
        rows.append({"source_id": meta.source_id, "date": meta.date, "wave": meta.wave, **{
            k: v for k, v in meta.attributes.items() if k not in ("source_id", "date", "wave")}})
        extra.update(dict.fromkeys(k for k in meta.attributes if k not in SOURCE_FILE_COLUMNS))
    columns = ["source_id", "date", "wave", *[k for k in extra if k not in ("date", "wave")]]
    return pd.DataFrame(rows, columns=columns)


def attribute_names(corpus, taken=(), sources=None) -> "dict[str, dict[str, str]]":
    """``{"participant": {column: name}, "source": {column: name}}``: each attribute's column in the corpus
    tables and the name it takes beside the ``taken`` columns (see the module doc)."""
    taken = set(taken)
    people = [c for c in corpus.participants.columns if c not in PARTICIPANT_KEYS]
    sources = source_attributes(corpus) if sources is None else sources
    sources = [c for c in sources.columns if c not in SOURCE_FILE_COLUMNS]
    names = {"participant": {}, "source": {}}
    for column in people:
        names["participant"][column] = f"participant_{column}" if column in taken else column
    used = taken | set(names["participant"].values())
    for column in sources:
        names["source"][column] = f"source_{column}" if column in used else column
    return names


def attribute_tables(corpus, taken=()) -> "tuple[pd.DataFrame, pd.DataFrame]":
    """``(participants, sources)``: ``participant_id`` + participant attributes, ``source_id`` + source
    attributes, named as :func:`attribute_names` says, values as text."""
    sources = source_attributes(corpus)
    names = attribute_names(corpus, taken, sources)
    people = corpus.participants
    people = people[["participant_id", *names["participant"]]].rename(columns=names["participant"])
    sources = sources[["source_id", *names["source"]]].rename(columns=names["source"])
    for frame in (people, sources):
        for column in frame.columns[1:]:
            frame[column] = _text_column(frame[column])
    return people.drop_duplicates("participant_id"), sources.drop_duplicates("source_id")


def join_attributes(frame, corpus) -> "pd.DataFrame":
    """``frame`` (with ``source_id`` and ``participant_id``) with every attribute of ``corpus`` added as a
    column after its own, in the same row order. Columns it already has are left as they are.

    >>> with_attrs = join_attributes(codings, corpus)
    >>> {"role", "wave"} <= set(with_attrs.columns)
    True
    """
    raw = {*corpus.participants.columns, *source_attributes(corpus).columns} - {"source_id", "participant_id"}
    people, sources = attribute_tables(corpus, taken=[c for c in frame.columns if c not in raw])
    people = people[["participant_id", *[c for c in people.columns[1:] if c not in frame.columns]]]
    sources = sources[["source_id", *[c for c in sources.columns[1:] if c not in frame.columns]]]
    out = frame
    if len(people.columns) > 1:
        mapping = people.set_index("participant_id")
        keys = out["participant_id"]
        out = out.assign(**{c: _inferred(keys.map(mapping[c])) for c in mapping.columns})
    if len(sources.columns) > 1:
        mapping = sources.set_index("source_id")
        keys = out["source_id"]
        out = out.assign(**{c: _inferred(keys.map(mapping[c])) for c in mapping.columns})
    return out


def participant_table(corpus) -> "pd.DataFrame":
    """One row per participant and source they speak in: ``source_id, participant_id, group, label, method``
    and every attribute. The denominators of "% of participants" by any attribute come from here."""
    segments = corpus.segments(unit="turn", include_researchers=False)
    rows = segments[["source_id", "participant_id", "group", "label", "method"]].dropna(subset=["participant_id"])
    rows = rows.drop_duplicates(["source_id", "participant_id"]).reset_index(drop=True)
    return join_attributes(rows, corpus)


def with_attributes(codings: "pd.DataFrame", corpus: "Corpus | str | Path") -> "pd.DataFrame":
    """``codings`` (or any table with ``source_id`` and ``participant_id``) with the attributes of ``corpus`` (a
    Corpus or a folder) as columns, replacing any it held: for codings made elsewhere (a human-codings
    file, another tool) or before attributes travelled with the codings.

    >>> qualcode.with_attributes(codings, corpus).wave.notna().all()   # doctest: +SKIP
    """
    if not hasattr(corpus, "segments"):
        from .loading import load_corpus

        corpus = load_corpus(corpus)
    names = attribute_names(corpus, [c for c in codings.columns if c not in {
        *corpus.participants.columns, *source_attributes(corpus).columns} - {"source_id", "participant_id"}])
    held = {*names["participant"].values(), *names["source"].values()}
    return join_attributes(codings.drop(columns=[c for c in codings.columns if c in held]), corpus)


def attribute_table(corpus: "Corpus | str | Path") -> "pd.DataFrame":
    """:func:`participant_table`: each participant in each source, with every attribute (the denominators of
    "% of participants" by any attribute: ``qualcode.theme_table(codings, book, qualcode.attribute_table(corpus),
    by="wave")``).

    >>> qualcode.attribute_table(corpus).columns[:5].tolist()
    ['source_id', 'participant_id', 'group', 'label', 'method']
    """
    if not hasattr(corpus, "segments"):
        from .loading import load_corpus

        corpus = load_corpus(corpus)
    return participant_table(corpus)


def _inferred(series):
    """Text values with the dtype pandas gives text read from a file (so a written and re-read table is equal)."""
    import pandas as pd

    return pd.Series(series.to_numpy(dtype=object, na_value=None).tolist(), index=series.index)
