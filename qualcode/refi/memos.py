"""The memos table: project journal entries, memos on sources, participants, codes and codings, and annotations.

One schema is shared by the project database, the REFI-QDA import and export, and the workspace:

=========== =====================================================================================
column      meaning
=========== =====================================================================================
memo_id     a stable id (on import: the REFI ``Note`` GUID, or one derived from what it is on)
kind        ``project`` (the journal), ``source``, ``participant``, ``code`` or ``coding``
target      the id of the thing the memo is on (source id, participant id, code id); for ``project``
            memos the journal entry's title (empty for the project description)
coder       who wrote it
text        the memo
created     ISO 8601 UTC, e.g. ``2026-01-05T10:00:00Z`` (empty when the file did not say)
source_id   ``coding`` memos: the coded span's source; ``source`` memos with a span: an *annotation*
start, end  the span (code points, end exclusive) of a coding memo or an annotation; empty otherwise
code_id     ``coding`` memos: the code of the coding
=========== =====================================================================================

:func:`memos_frame` makes such a table from records (missing columns are filled in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MEMO_COLUMNS = ("memo_id", "kind", "target", "coder", "text", "created", "source_id", "start", "end", "code_id")
MEMO_KINDS = ("project", "source", "participant", "code", "coding")


def memos_frame(records=None) -> "pd.DataFrame":
    """A memos table (see the module doc) from dicts; ``start``/``end`` are nullable integers.

    >>> memos_frame([{"kind": "code", "target": "self-referral", "coder": "ana", "text": "Check overlap."}]).shape
    (1, 10)
    """
    import pandas as pd

    from ..errors import QualcodeError
    from .xmlio import derived_guid

    rows = []
    for i, record in enumerate(records if records is not None else []):
        row = {c: record.get(c) for c in MEMO_COLUMNS}
        if row["kind"] not in MEMO_KINDS:
            raise QualcodeError(f"memo {i}: kind {row['kind']!r} is not one of {', '.join(MEMO_KINDS)}.")
        for key in ("target", "coder", "text", "created", "source_id", "code_id"):
            row[key] = "" if _missing(row[key]) else str(row[key])
        for key in ("start", "end"):
            if _missing(row[key]) or str(row[key]).strip() == "":
                row[key] = None
                continue
            try:
                row[key] = int(row[key])
            except (TypeError, ValueError):
                raise QualcodeError(f"memo {i}: {key} {row[key]!r} is not a whole number (a position in the text).") from None
        if row["kind"] == "source" and row["start"] is not None and not row["source_id"]:
            row["source_id"] = row["target"]  # an annotation names its source in both columns
        if row["kind"] == "coding" and (not row["source_id"] or row["start"] is None or row["end"] is None or not row["code_id"]):
            raise QualcodeError(f"memo {i}: a coding memo needs source_id, start, end and code_id to locate its coding.")
        if _missing(row["memo_id"]) or not str(row["memo_id"]):
            row["memo_id"] = derived_guid("memo", row["kind"], row["target"], row["source_id"], str(row["start"]),
                                          str(row["end"]), row["code_id"], row["coder"], row["text"])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(MEMO_COLUMNS))
    for key in ("start", "end"):
        frame[key] = frame[key].astype("Int64")
    return frame


def memo_records(memos) -> list[dict]:
    """A memos table (or list of dicts, or None) as validated dicts with ``None`` for empty spans."""
    if memos is None:
        return []
    frame = memos if hasattr(memos, "to_dict") else memos_frame(memos)
    if hasattr(memos, "to_dict"):
        frame = memos_frame(memos.to_dict("records"))
    out = []
    for record in frame.to_dict("records"):
        for key in ("start", "end"):
            record[key] = None if _missing(record[key]) else int(record[key])
        out.append(record)
    return out


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN / pd.NA
    except TypeError:
        return value is getattr(__import__("pandas"), "NA", object())
