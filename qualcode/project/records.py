"""The records a project keeps, as plain dicts: a decision, a hand coding; ids and times.

Shared by :mod:`.project` and :mod:`.files` (no SQL here; that is :mod:`.store`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

MEMO_KINDS = ("project", "source", "participant", "code", "coding")
#: The coder name recorded for changes qualcode makes itself (re-anchoring after a source changed).
SYSTEM_CODER = "qualcode"


def now() -> str:
    """The time now as ISO 8601 UTC, to the millisecond."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def coding_key(source_id: str, start: int, end: int, code_id: str) -> str:
    """The id of a machine coding: the same span and code give the same id on every run, engine and job count."""
    digest = hashlib.sha1(f"{source_id}\x1f{int(start)}\x1f{int(end)}\x1f{code_id}".encode()).hexdigest()
    return "c" + digest[:15]


def decision_row(row: dict, coder: str, status: str, memo, at: str) -> dict:
    return {"coding_id": row["coding_id"], "coder": coder, "status": status, "memo": memo, "decided_at": at,
            "source_id": row["source_id"], "start": int(row["start"]), "end": int(row["end"]), "code_id": row["code_id"],
            "quote": row.get("text") or "", "row": json.dumps(row, ensure_ascii=False, default=str), "aside": None}


def human_row(coding_id: str, data: dict, coder: str, memo, created: str) -> dict:
    return {"coding_id": coding_id, "coder": coder, "source_id": data["source_id"], "start": data["start"],
            "end": data["end"], "code_id": data["code_id"], "quote": data["text"], "created": created, "memo": memo,
            "row": json.dumps(data, ensure_ascii=False, default=str), "aside": None}
