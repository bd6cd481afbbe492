"""Writing a REFI-QDA project (``.qdpx``): :func:`write_qdpx`.

The project holds the corpus's sources as plain-text sources (``sources/<guid>.txt``, UTF-8, ``\\n``
newlines, positions in code points with an exclusive end: the standard, which is also qualcode's own
offset convention), participants as cases with their group, label and attributes as variables, source
metadata as source variables, the codebook (memos as notes) and the codings, one selection per coded
span with a coding per code and coder. Coders become users. GUIDs are derived from ids (or kept from an
earlier import), so exporting twice gives the same GUIDs and a QDA program can match what it knows.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import CodingsError, QualcodeError
from ..corpus.model import Problem
from ..output import atomic_write, check_writable
from .codes import assign_guids, codes_element
from .report import RefiReport
from .xmlio import PROJECT_NS, derived_guid, guid_key, is_guid, sub, to_bytes

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

_SOURCE_FIELDS = ("method", "date", "wave", "researchers", "aliases", "id_column", "group_column", "question_columns")
_INTEGER = re.compile(r"^(?:0|-?[1-9]\d{0,17})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def write_qdpx(corpus: "Corpus", codebook: "Codebook | None", codings: "pd.DataFrame | None", path: str | Path, *,
               force: bool = False, name: str | None = None) -> RefiReport:
    """Write ``corpus`` with ``codebook`` and a ``codings`` table (either may be ``None``) as a ``.qdpx`` project.

    Codings whose source, code or span does not fit the corpus and codebook are reported in the returned
    report's problems and left out; nothing else is exported (only the corpus's own sources).

    >>> report = qualcode.write_qdpx(corpus, codebook, codings, tmp / "study.qdpx")
    >>> report.target.name, report.problems
    ('study.qdpx', [])
    """
    from ..version import __version__

    path = check_writable(path, force)
    where = str(path)
    problems: list[Problem] = []
    rows = _coding_rows(codings, corpus, codebook, problems, where)
    root = ET.Element("Project", {"name": name or corpus.root.name or "qualcode project", "origin": f"qualcode {__version__}"})
    coders = list(dict.fromkeys(row[4] for row in rows))
    users = {coder: derived_guid("user", coder) for coder in coders}
    if users:
        element = sub(root, "Users")
        for coder, guid in users.items():
            sub(element, "User", {"guid": guid, "name": coder})
    memos: dict[str, str] = {}
    code_guids = None
    if codebook is not None:
        code_guids = assign_guids(codebook, str(codebook.path or codebook.name))
        memos = {n.id: derived_guid("memo", guid_key(code_guids.by_id[n.id])) for n in codebook.nodes.values() if n.memo}
        codes_element(sub(root, "CodeBook"), codebook, code_guids, with_memo=False, note_refs=memos,
                      where=str(codebook.path or codebook.name))
        problems += code_guids.problems
    case_values, source_values = _values(corpus)
    variables = _variables(root, case_values, source_values)
    source_guids = _guids({s.source_id: s.meta.attributes.get("guid") for s in corpus}, "source", problems, where)
    participants = corpus.participants
    case_guids = _guids(dict(zip(participants.participant_id, participants["guid"] if "guid" in participants else
                                 [None] * len(participants))), "case", problems, where)
    if case_values:
        sources_of: dict[str, list[str]] = {}
        for source in corpus:
            for pid in source.meta.participants:
                sources_of.setdefault(pid, []).append(source_guids[source.source_id])
        cases = sub(root, "Cases")
        for pid, values in case_values.items():
            case = sub(cases, "Case", {"guid": case_guids[pid], "name": pid})
            _variable_values(case, values, variables)
            for guid in sources_of.get(pid, []):
                sub(case, "SourceRef", {"targetGUID": guid})
    by_source: dict[str, list[tuple]] = {}
    for row in rows:
        by_source.setdefault(row[0], []).append(row)
    texts: dict[str, bytes] = {}
    sources = sub(root, "Sources") if len(corpus) else None
    for source in corpus:
        guid = source_guids[source.source_id]
        texts[f"sources/{guid}.txt"] = source.text.encode("utf-8")
        element = sub(sources, "TextSource", {"guid": guid, "name": source.source_id,
                                              "plainTextPath": f"internal://{guid}.txt"})
        _selections(element, source, by_source.get(source.source_id, []), users, code_guids)
        _variable_values(element, source_values[source.source_id], variables)
    if memos:
        notes = sub(root, "Notes")
        for node_id, guid in memos.items():
            node = codebook.nodes[node_id]
            note = sub(notes, "Note", {"guid": guid, "name": f"Memo: {node.label}"})
            sub(note, "PlainTextContent", text=node.memo)
    data = to_bytes(root, PROJECT_NS)

    def write(tmp: Path) -> None:
        # Deflate level 3: twice as fast as the default 6 on transcripts, for a file ~13% larger.
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
            zf.writestr("project.qde", data)
            for member, content in texts.items():
                zf.writestr(member, content)

    written = atomic_write(path, write, force=force)
    counts = {"sources": len(corpus), "participants": len(case_values), "codes": len(codebook) if codebook else 0,
              "codings": len(rows), "users": len(users)}
    return RefiReport("exported", Path(corpus.root), written, counts, problems, [written], None, coders)


def _coding_rows(codings, corpus, codebook, problems: list[Problem], where: str) -> list[tuple]:
    """``[(source_id, start, end, code_id, coder)]`` that fit the corpus and codebook, in table order, deduplicated."""
    if codings is None or len(codings) == 0:
        return []
    if codebook is None:
        raise QualcodeError("codings were given without a codebook; pass the codebook they use (-c/--codebook).")
    missing = [c for c in ("source_id", "start", "end", "code_id") if c not in codings.columns]
    if missing:
        raise CodingsError(f"the codings table lacks {', '.join(missing)}; give a table written by `qualcode code` or "
                           "read with qualcode.read_codings.")
    has_text = "text" in codings.columns
    columns = ["source_id", "start", "end", "code_id", "coder" if "coder" in codings.columns else "code_id"]
    texts = codings["text"].tolist() if has_text else [None] * len(codings)
    rows, seen = [], set()
    reasons: dict[str, list[str]] = {}
    for i, (sid, start, end, code_id, coder) in enumerate(codings[columns].itertuples(index=False, name=None)):
        coder = str(coder).strip() if columns[4] == "coder" and coder == coder and coder is not None else ""
        sid, code_id = str(sid), str(code_id)
        if sid not in corpus:
            reasons.setdefault(f"source {sid!r} is not in the corpus", []).append(str(i))
            continue
        if code_id not in codebook:
            reasons.setdefault(f"code {code_id!r} is not in codebook {codebook.name!r}", []).append(str(i))
            continue
        text = corpus.text(sid)
        try:
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            reasons.setdefault("start/end are not whole numbers", []).append(str(i))
            continue
        if not 0 <= start < end <= len(text):
            reasons.setdefault(f"the span is outside source {sid!r} or empty", []).append(str(i))
            continue
        excerpt = texts[i]
        if isinstance(excerpt, str) and excerpt and excerpt != text[start:end]:
            reasons.setdefault(f"the excerpt is not the text of source {sid!r} there (the codings were made on another "
                               "version of it; re-run the coding)", []).append(str(i))
            continue
        key = (sid, start, end, code_id, coder or "unknown")
        if key not in seen:
            seen.add(key)
            rows.append(key)
    for reason, where_rows in reasons.items():
        shown = ", ".join(where_rows[:5]) + (" ..." if len(where_rows) > 5 else "")
        problems.append(Problem(where, f"{len(where_rows)} coding(s) left out (table rows {shown}, from 0): {reason}."))
    return rows


def _selections(element, source, rows: list[tuple], users: dict[str, str], code_guids) -> None:
    spans: dict[tuple[int, int], list[tuple]] = {}
    for row in sorted(rows, key=lambda r: (r[1], r[2])):
        spans.setdefault((row[1], row[2]), []).append(row)
    for (start, end), group in spans.items():
        excerpt = " ".join(source.text[start:end].split())
        selection = sub(element, "PlainTextSelection", {
            "guid": derived_guid("selection", source.source_id, str(start), str(end)),
            "name": excerpt if len(excerpt) <= 60 else excerpt[:59] + "\u2026",
            "startPosition": str(start), "endPosition": str(end), "creatingUser": users[group[0][4]],
        })
        for sid, _, _, code_id, coder in group:
            code_guid = code_guids.by_id[code_id]
            coding = sub(selection, "Coding", {"guid": derived_guid("coding", sid, str(start), str(end), guid_key(code_guid), coder),
                                               "creatingUser": users[coder]})
            sub(coding, "CodeRef", {"targetGUID": code_guid})


def _value(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _values(corpus) -> tuple[dict[str, dict], dict[str, dict]]:
    """Case variables per participant and source variables per source, as text."""
    cases: dict[str, dict] = {}
    for record in corpus.participants.to_dict("records"):
        pid = str(record["participant_id"])
        values = {"group": _value(record.get("group"))}
        if _value(record.get("label")) and _value(record.get("label")) != pid:
            values["label"] = _value(record.get("label"))
        for key, value in record.items():
            if key not in ("participant_id", "group", "label", "guid"):
                values[str(key)] = _value(value)
        cases[pid] = {k: v for k, v in values.items() if v is not None}
    sources: dict[str, dict] = {}
    for source in corpus:
        meta = source.meta
        values = {"method": source.method, "date": meta.date, "wave": meta.wave,
                  "researchers": ";".join(meta.researchers), "aliases": ";".join(f"{k}={v}" for k, v in meta.aliases.items())}
        if source.method == "survey":
            questions = list(dict.fromkeys(t.question for t in source.turns if t.question))
            values |= {"id_column": meta.id_column, "group_column": meta.group_column,
                       "question_columns": ";".join(meta.question_columns or questions)}
        for key, value in meta.attributes.items():
            if key != "guid" and key not in values:
                values[key] = value
        sources[source.source_id] = {k: v for k, v in ((k, _value(v)) for k, v in values.items()) if v is not None}
    return cases, sources


def _variables(root, case_values: dict, source_values: dict) -> dict[str, tuple[str, str]]:
    """Declare every variable once (type Integer/Date when every value is one); name -> (GUID, type)."""
    seen: dict[str, list[str]] = {}
    for values in list(case_values.values()) + list(source_values.values()):
        for key, value in values.items():
            seen.setdefault(key, []).append(value)
    declared: dict[str, tuple[str, str]] = {}
    if not seen:
        return declared
    element = sub(root, "Variables")
    for key, values in seen.items():
        kind = "Integer" if all(_INTEGER.match(v) for v in values) else "Date" if all(_is_date(v) for v in values) else "Text"
        guid = derived_guid("variable", key)
        sub(element, "Variable", {"guid": guid, "name": key, "typeOfVariable": kind})
        declared[key] = (guid, kind)
    return declared


def _is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _variable_values(element, values: dict[str, str], variables: dict[str, tuple[str, str]]) -> None:
    for key, value in values.items():
        guid, kind = variables[key]
        holder = sub(element, "VariableValue")
        sub(holder, "VariableRef", {"targetGUID": guid})
        sub(holder, f"{kind}Value", text=value)


def _guids(wanted: dict[str, str | None], kind: str, problems: list[Problem], where: str) -> dict[str, str]:
    """The kept GUID of each id (from an earlier import), else a derived one; duplicates are replaced."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for key, guid in wanted.items():
        guid = _value(guid)
        if guid and (not is_guid(guid) or guid_key(guid) in used):
            problems.append(Problem(where, f"{kind} {key!r}: guid {guid!r} is not a GUID or is used twice; a derived "
                                    "one was written.", None, "warning"))
            guid = None
        guid = guid or derived_guid(kind, key)
        used.add(guid_key(guid))
        out[key] = guid
    return out


def read_codings_files(paths, corpus, codebook):
    """Codings to export from files: codings tables (``qualcode code``) or human-codings files, concatenated.

    Returns ``(table or None, problems)``; a human-codings row that cannot be used is a problem, not an error.
    """
    import warnings

    import pandas as pd

    from ..coding.table import read_codings_table
    from ..human.codings import read_codings

    frames, problems = [], []
    for path in paths or []:
        try:
            frames.append(read_codings_table(path))
            continue
        except CodingsError as exc:
            if "missing column" not in str(exc) or codebook is None:
                raise
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frames.append(read_codings(path, corpus, codebook))
        problems += [Problem(str(path), str(w.message).split(": ", 1)[-1]) for w in caught]
    if not frames:
        return None, problems
    return pd.concat(frames, ignore_index=True), problems
