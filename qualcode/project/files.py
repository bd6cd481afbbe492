"""The project as plain files: ``project export`` writes them, ``import-codings`` reads them (and other
people's codings) back.

An export folder holds (see ``docs/projects.md``)::

    codings.csv               every coding with its status (the codings table + coding_id, status, decided_by, ...)
    codings_<coder>.csv       each coder's accepted and hand codings, in the human-codings format
    decisions.csv             coding_id, coder, status, memo, decided_at, source_id, start, end, code_id, quote
    memos.csv                 the memos table: memo_id, kind, target, coder, text, created, source_id, start, end, code_id
    history.csv, history.md   every change: change_id, at, coder, action, what (+ before/after as JSON in the CSV)
    aside.csv                 codings that could not be re-anchored after their source changed
    codebook.yaml             the project's codebook
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import CodingsError, ProjectError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .project import Project

DECISION_FILE_COLUMNS = ["coding_id", "coder", "status", "memo", "decided_at", "source_id", "start", "end", "code_id",
                         "quote"]
CODER_FILE_COLUMNS = ["source_id", "start", "end", "code", "coder", "quote", "coding_id", "status", "created", "memo"]
MEMO_FILE_COLUMNS = ["memo_id", "kind", "target", "coder", "text", "created", "source_id", "start", "end", "code_id"]


def coder_file_name(coder: str) -> str:
    return "codings_" + (re.sub(r"[^A-Za-z0-9_.@-]+", "_", coder) or "coder") + ".csv"


def export_project(project: "Project", folder: Path, *, force: bool = False) -> list[Path]:
    import pandas as pd

    from ..coding.table import write_codings
    from ..output import check_writable, write_text
    from ..writers.tables import write_table

    if folder.exists() and not folder.is_dir():
        raise ProjectError(f"{folder} is a file; give a folder for the export (-o export/).")
    folder.mkdir(parents=True, exist_ok=True)
    codings = project.codings()
    coders = sorted(set(codings.loc[codings.status.isin(["accepted", "human"]), "decided_by"].dropna()))
    names = ["codings.csv", *(coder_file_name(c) for c in coders), "decisions.csv", "memos.csv", "history.csv",
             "history.md", "aside.csv", "codebook.yaml"]
    for name in names:
        check_writable(folder / name, force)
    written = [write_codings(codings, folder / "codings.csv", force=force)]
    for coder in coders:
        mine = codings[codings.status.isin(["accepted", "human"]) & (codings.decided_by == coder)]
        frame = pd.DataFrame({"source_id": mine.source_id, "start": mine.start, "end": mine.end, "code": mine.code_id,
                              "coder": coder, "quote": mine.text, "coding_id": mine.coding_id, "status": mine.status,
                              "created": mine.decided_at, "memo": mine.decision_memo})
        written.append(write_table(frame.sort_values(["source_id", "start", "code"]), folder / coder_file_name(coder),
                                   "csv", force=force))
    decisions = pd.DataFrame(project.store.rows("decision", "aside IS NULL"), columns=DECISION_FILE_COLUMNS)
    written.append(write_table(decisions.sort_values(["decided_at", "coding_id"]), folder / "decisions.csv", "csv",
                               force=force))
    written.append(write_table(project.memos(), folder / "memos.csv", "csv", force=force))
    history = project.history()
    written.append(write_table(history, folder / "history.csv", "csv", force=force))
    written.append(write_table(history[["change_id", "at", "coder", "action", "what"]], folder / "history.md", "md",
                               title="History", force=force))
    written.append(write_table(project.aside(), folder / "aside.csv", "csv", force=force))
    written.append(write_text(folder / "codebook.yaml", project.codebook.to_string(), force=force))
    return written


def _read(path: Path):
    from ..human.codings import _read_table

    table = _read_table(path)
    table.columns = [str(c).strip().lower() for c in table.columns]
    return table


def import_file(project: "Project", path: Path, *, coder: str | None = None, strict: bool = False) -> dict:
    """See :meth:`Project.import_codings`."""
    from .records import SYSTEM_CODER, now

    if not path.exists():
        raise ProjectError(f"{path}: no such file or folder; give a codings file (csv, xlsx, qdpx) or an export folder.")
    counts = {"human": 0, "decisions": 0, "memos": 0, "skipped": []}
    who = coder or SYSTEM_CODER
    if coder == SYSTEM_CODER:
        raise ProjectError(f"{SYSTEM_CODER!r} is the name qualcode records its own changes under; choose another.")
    if path.is_dir():
        parts = sorted(path.glob("codings_*.csv")) + [path / "decisions.csv", path / "memos.csv"]
        parts = [p for p in parts if p.exists()]
        if not parts:
            raise ProjectError(f"{path}: not an export folder (no codings_<coder>.csv, decisions.csv or memos.csv); "
                               "`qualcode project export` writes one.")
    else:
        parts = [path]
    if who == SYSTEM_CODER:
        who = "import"
    with project.store.change(who, "import", f"import {path.name}", now(), allow_empty=True) as change:
        for part in parts:
            _import_one(project, change, part, coder, strict, counts)
    if counts["skipped"] and strict:
        raise CodingsError(f"{path}: " + "; ".join(counts["skipped"][:10]))
    return counts


def _import_one(project, change, path: Path, coder, strict, counts) -> None:
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        return _import_qdpx(project, change, path, coder, counts)
    if suffix not in (".csv", ".xlsx"):
        raise ProjectError(f"{path}: import reads .csv, .xlsx or .qdpx files, or an export folder.")
    table = _read(path)
    columns = set(table.columns)
    if {"memo_id", "kind", "target", "text"} <= columns:
        return _import_memos(project, change, table, path, counts)
    if {"coding_id", "status", "decided_at"} <= columns:
        return _import_decisions(project, change, table, path, counts)
    if {"coding_id", "status", "quote", "code"} <= columns:
        return _import_coder_file(project, change, table, path, counts)
    if "origin" in columns and "code_id" in columns:
        machine = table[table.origin.astype(str) != "human"]
        if len(machine):
            raise ProjectError(f"{path}: {len(machine):,} row(s) are machine codings (origin "
                               f"{', '.join(sorted(set(machine.origin)))}); the project recomputes those. Import human codings.")
    return _import_human(project, change, path, coder, strict, counts)


def _int(value):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _human(project, change, counts, where, source_id, start, end, code, who, *, coding_id=None, created=None, memo=None):
    from .records import human_row

    try:
        data = project._human_row(source_id, start, end, code, who)
    except ProjectError as exc:
        counts["skipped"].append(f"{where}: {exc}")
        return
    if coding_id and project.store.get("human", (coding_id,)) is not None:
        counts["skipped"].append(f"{where}: coding {coding_id} is already in the project")
        return
    import uuid

    coding_id = coding_id or "h" + uuid.uuid4().hex[:15]
    change.put("human", (coding_id,), human_row(coding_id, data, who, memo or None, created or change.at), expected=None)
    counts["human"] += 1


def _import_human(project, change, path, coder, strict, counts) -> None:
    from ..corpus.loading import load_corpus
    from ..human.merge import read_any_codings

    corpus = load_corpus(project.folder)
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = read_any_codings(path, corpus, project.codebook, coder=coder, strict=strict)
    counts["skipped"] += [str(w.message) for w in caught]
    for i, row in enumerate(table.itertuples(index=False)):
        _human(project, change, counts, f"{path.name} coding {i + 1}", row.source_id, row.start, row.end, row.code_id,
               str(row.coder))


def _import_coder_file(project, change, table, path, counts) -> None:
    from .records import coding_key, decision_row as _decision

    for i, row in enumerate(table.to_dict("records")):
        where = f"{path.name} row {i + 2}"
        start, end = _int(row.get("start")), _int(row.get("end"))
        who = str(row.get("coder") or "").strip()
        if row.get("status") == "accepted":
            code_id = project.codebook.resolve(str(row.get("code")))
            key = coding_key(row["source_id"], start, end, code_id) if code_id and start is not None else None
            machine = project.store.machine_coding(key) if key else None
            if machine is not None:
                current = project.store.get("decision", (key, who))
                if current is None or current["status"] != "accepted":
                    change.put("decision", (key, who), {**_decision(machine, who, "accepted", row.get("memo") or None,
                                                                    row.get("created") or change.at)})
                    counts["decisions"] += 1
                continue
        _human(project, change, counts, where, row.get("source_id"), start, end, row.get("code"), who,
               coding_id=row.get("coding_id") if str(row.get("coding_id", "")).startswith("h") else None,
               created=row.get("created") or None, memo=row.get("memo"))


def _import_decisions(project, change, table, path, counts) -> None:
    from .records import coding_key, decision_row as _decision

    for i, row in enumerate(table.to_dict("records")):
        where = f"{path.name} row {i + 2}"
        start, end, who = _int(row.get("start")), _int(row.get("end")), str(row.get("coder") or "").strip()
        status = row.get("status")
        if status not in ("accepted", "rejected") or start is None or end is None or not who:
            counts["skipped"].append(f"{where}: needs status accepted/rejected, start, end and coder.")
            continue
        code_id = project.codebook.resolve(str(row.get("code_id")))
        if code_id is None:
            counts["skipped"].append(f"{where}: code {row.get('code_id')!r} is not in the project's codebook.")
            continue
        key = coding_key(row["source_id"], start, end, code_id)
        machine = project.store.machine_coding(key)
        if machine is None:
            try:
                machine = {**project._human_row(row["source_id"], start, end, code_id, "import"), "coding_id": key}
            except ProjectError as exc:
                counts["skipped"].append(f"{where}: {exc}")
                continue
            machine["origin"], machine["coder"] = "rule", "imported"
        current = project.store.get("decision", (key, who))
        if current is not None and current["status"] == status:
            continue
        change.put("decision", (key, who), _decision(machine, who, status, row.get("memo") or None,
                                                     row.get("decided_at") or change.at))
        counts["decisions"] += 1


def _import_memos(project, change, table, path, counts) -> None:
    from .records import MEMO_KINDS

    for i, row in enumerate(table.to_dict("records")):
        where = f"{path.name} row {i + 2}"
        kind, memo_id = row.get("kind"), str(row.get("memo_id") or "").strip()
        if kind not in MEMO_KINDS or not str(row.get("text", "")).strip() or not str(row.get("coder", "")).strip():
            counts["skipped"].append(f"{where}: a memo needs kind ({', '.join(MEMO_KINDS)}), coder and text.")
            continue
        if memo_id and project.store.get("memo", (memo_id,)) is not None:
            continue
        data = {"memo_id": memo_id or None, "kind": kind, "target": str(row.get("target") or ""),
                "coder": str(row["coder"]), "text": str(row["text"]), "created": row.get("created") or change.at,
                "source_id": row.get("source_id") or None, "start": _int(row.get("start")),
                "end": _int(row.get("end")), "code_id": row.get("code_id") or None}
        if data["memo_id"] is None:
            import uuid

            data["memo_id"] = "m" + uuid.uuid4().hex[:15]
        change.put("memo", (data["memo_id"],), data, expected=None)
        counts["memos"] += 1


def _import_qdpx(project, change, path, coder, counts) -> None:
    """A REFI-QDA project's codings, placed in this project's sources by source id and quoted text."""
    from ..human.codings import locate_quote
    from ..refi.study import read_qdpx

    _, _, codings = read_qdpx(path, base=project.codebook)
    for i, row in enumerate(codings.itertuples(index=False)):
        where = f"{path.name} coding {i + 1}"
        text = project.store.source_text(str(row.source_id))
        if text is None:
            counts["skipped"].append(f"{where}: source {row.source_id!r} is not in this project.")
            continue
        spans = locate_quote(text, str(row.text))
        if not spans:
            counts["skipped"].append(f"{where}: its text is not in source {row.source_id} ({str(row.text)[:60]!r}).")
            continue
        start, end = min(spans, key=lambda s: abs(s[0] - int(row.start)))
        _human(project, change, counts, where, str(row.source_id), start, end, row.code_id,
               coder or str(row.coder))

