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

#: Source attributes that are not REFI variables: kept GUIDs, set membership and memos go elsewhere.
_NOT_VARIABLES = ("guid", "sets", "memo", "aliases", "id_column", "group_column", "question_columns")
_INTEGER = re.compile(r"^(?:0|-?[1-9]\d{0,17})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def write_qdpx(corpus: "Corpus", codebook: "Codebook | None", codings: "pd.DataFrame | None", path: str | Path, *,
               force: bool = False, name: str | None = None, memos: "pd.DataFrame | list[dict] | None" = None,
               users: "dict[str, str] | pd.DataFrame | None" = None, positions: str = "standard") -> RefiReport:
    """Write ``corpus`` with ``codebook`` and a ``codings`` table (either may be ``None``) as a ``.qdpx`` project.

    ``memos``: a memos table (:mod:`qualcode.refi.memos`; what :func:`read_qdpx` returns as ``.memos`` and the
    project database keeps): journal entries, memos on sources, participants, codes and codings, annotations.
    ``users``: ``{name: GUID}`` (or a table with ``user`` and ``guid``) of the project's users, kept with their
    GUIDs even if they coded nothing. ``positions``: ``"standard"`` (code points over ``\\n`` text, the REFI-QDA
    standard, read by QualCoder, MAXQDA, ATLAS.ti) or ``"nvivo"`` (texts with CRLF line ends and positions in
    UTF-16 code units, what NVivo for Windows reads).

    Each coded span gets one ``PlainTextSelection`` per coder, credited to that coder; every ``Note`` carries
    ``creatingUser`` and ``creationDateTime``. Codings whose source, code or span does not fit the corpus and
    codebook are reported in the returned report's problems and left out.

    >>> report = qualcode.write_qdpx(corpus, codebook, codings, tmp / "study.qdpx")
    >>> report.target.name, report.problems
    ('study.qdpx', [])
    """
    from ..version import __version__
    from .memos import memo_records

    if positions not in POSITIONS:
        raise QualcodeError(f"positions {positions!r}: choose one of {', '.join(POSITIONS)}.")
    path = check_writable(path, force)
    where = str(path)
    problems: list[Problem] = []
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = _coding_rows(codings, corpus, codebook, problems, where)
    notes = _Notes(memo_records(memos), corpus, codebook, problems, where, now)
    root = ET.Element("Project", {"name": name or corpus.root.name or "qualcode project", "origin": f"qualcode {__version__}"})
    known = _user_table(users)
    coders = list(dict.fromkeys([*known, *(row[4] for row in rows), *notes.coders()]))
    user_guids = _guids({c: known.get(c) for c in coders}, "user", problems, where)
    notes.users = user_guids
    if user_guids:
        element = sub(root, "Users")
        for coder, guid in user_guids.items():
            sub(element, "User", {"guid": guid, "name": coder})
    code_guids = None
    if codebook is not None:
        code_guids = assign_guids(codebook, str(codebook.path or codebook.name))
        code_notes = {node_id: [notes.note(m, f"Memo: {codebook.nodes[node_id].label}") for m in found]
                      for node_id, found in notes.code_memos().items()}
        memo_text = {node_id: "\n\n".join(m["text"] for m in found) for node_id, found in notes.code_memos().items()}
        codes_element(sub(root, "CodeBook"), codebook, code_guids, with_memo=True, note_refs=code_notes,
                      memo_text=memo_text, where=str(codebook.path or codebook.name))
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
            memo = "\n\n".join(m["text"] for m in notes.on("participant", pid))
            if memo:
                sub(case, "Description", text=memo)
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
        units = _Units(source.text) if positions == "nvivo" else None
        text = source.text.replace("\n", "\r\n") if units else source.text
        texts[f"sources/{guid}.txt"] = text.encode("utf-8")
        element = sub(sources, "TextSource", {"guid": guid, "name": source.source_id,
                                              "plainTextPath": f"internal://{guid}.txt"})
        memos_here = [m for m in notes.on("source", source.source_id) if m["start"] is None]
        memos_here += _legacy_source_memo(source)
        if memos_here:
            sub(element, "Description", text="\n\n".join(m["text"] for m in memos_here))
        _selections(element, source, by_source.get(source.source_id, []), user_guids, code_guids, notes, units)
        refs = [notes.note(m, f"Memo: {source.source_id}") for m in memos_here]
        refs += [notes.note(m, f"Annotation: {source.source_id}", span=units.span(m["start"], m["end"]) if units else
                            (m["start"], m["end"])) for m in notes.on("source", source.source_id) if m["start"] is not None]
        for note_guid in refs:
            sub(element, "NoteRef", {"targetGUID": note_guid})
        _variable_values(element, source_values[source.source_id], variables)
    journal = notes.journal(texts)
    if notes.elements:
        holder = sub(root, "Notes")
        for note in notes.elements:
            holder.append(note)
    sets = _source_sets(corpus, source_guids)
    if sets:
        holder = sub(root, "Sets")
        for set_name, members in sets.items():
            element = sub(holder, "Set", {"guid": derived_guid("set", set_name), "name": set_name})
            for guid in members:
                sub(element, "MemberSource", {"targetGUID": guid})
    described = notes.on("project", "")
    if described:
        sub(root, "Description", text="\n\n".join(m["text"] for m in described))
        root.set("creatingUserGUID", user_guids[described[0]["coder"] or notes.default_user])
        created = _datetime(described[0].get("created"))
        if created:
            root.set("creationDateTime", created)
    for note_guid in journal:
        sub(root, "NoteRef", {"targetGUID": note_guid})
    problems += notes.unplaced()
    data = to_bytes(root, PROJECT_NS)

    def write(tmp: Path) -> None:
        # Deflate level 3: twice as fast as the default 6 on transcripts, for a file ~13% larger.
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
            zf.writestr("project.qde", data)
            for member, content in texts.items():
                zf.writestr(member, content)

    written = atomic_write(path, write, force=force)
    counts = {"sources": len(corpus), "participants": len(case_values), "codes": len(codebook) if codebook else 0,
              "codings": len(rows), "users": len(user_guids), "memos": notes.count}
    coders_of_codings = list(dict.fromkeys(row[4] for row in rows))
    return RefiReport("exported", Path(corpus.root), written, counts, problems, [written], POSITIONS[positions],
                      coders_of_codings)


#: ``--positions`` choices on export, with what the report says.
POSITIONS = {"standard": "Unicode code points over \\n text (the REFI-QDA standard)",
             "nvivo": "UTF-16 code units over CRLF text (NVivo for Windows)"}


class _Units:
    """Offsets in a normalised text -> UTF-16 code units over the same text with CRLF line ends."""

    def __init__(self, text: str):
        import bisect

        self._bisect = bisect.bisect_left
        self._extra = [i for i, ch in enumerate(text) if ch == "\n" or ord(ch) > 0xFFFF]

    def offset(self, i: int) -> int:
        return i + self._bisect(self._extra, i)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.offset(start), self.offset(end)


def _legacy_source_memo(source) -> list[dict]:
    """A ``memo`` column in sources.csv (what older imports wrote) is the source's memo, not a variable."""
    text = _value(source.meta.attributes.get("memo"))
    return [{"text": text, "coder": "", "created": "", "memo_id": derived_guid("memo", "source", source.source_id)}] if text else []


def _user_table(users) -> dict[str, str | None]:
    if users is None:
        return {}
    if hasattr(users, "to_dict"):
        column = "user" if "user" in users.columns else "name"
        return {str(u): _value(g) for u, g in zip(users[column], users["guid"] if "guid" in users else [None] * len(users))}
    if isinstance(users, dict):
        return {str(k): _value(v) for k, v in users.items()}
    return {str(u): None for u in users}


def _source_sets(corpus, source_guids: dict[str, str]) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    for source in corpus:
        for set_name in str(source.meta.attributes.get("sets") or "").split(";"):
            if set_name.strip():
                sets.setdefault(set_name.strip(), []).append(source_guids[source.source_id])
    return sets


class _Notes:
    """The memos table placed in the project: each memo becomes a ``Note`` with its coder and time."""

    def __init__(self, records: list[dict], corpus, codebook, problems, where: str, now: str):
        self.records, self.corpus, self.codebook, self.now = records, corpus, codebook, now
        self.problems, self.where = problems, where
        self.users: dict[str, str] = {}
        self.elements: list = []
        self.placed: set[str] = set()
        self.count = 0
        self.default_user = "qualcode"

    def coders(self) -> list[str]:
        out = [m["coder"] for m in self.records if m["coder"]]
        needs_default = any(not m["coder"] for m in self.records) or (
            self.codebook is not None and any(n.memo for n in self.codebook.nodes.values()))
        if needs_default:
            first = out[0] if out else None
            self.default_user = first or "qualcode"
            out.append(self.default_user)
        return out

    def on(self, kind: str, target: str) -> list[dict]:
        found = [m for m in self.records if m["kind"] == kind and m["target"] == target]
        self.placed.update(m["memo_id"] for m in found)
        return found

    def code_memos(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        if self.codebook is None:
            return out
        for node in self.codebook.nodes.values():
            found = self.on("code", node.id)
            if node.memo and not any(m["text"].strip() == node.memo.strip() for m in found):
                found = [{"text": node.memo, "coder": "", "created": "", "memo_id": derived_guid("memo", "code", node.id)}] + found
            if found:
                out[node.id] = found
        return out

    def coding(self, sid: str, start: int, end: int, code_id: str, coder: str) -> list[dict]:
        found = [m for m in self.records if m["kind"] == "coding" and m["source_id"] == sid and m["start"] == start
                 and m["end"] == end and m["code_id"] == code_id and m["coder"] in (coder, "")
                 and m["memo_id"] not in self.placed]  # each memo once: a Note GUID is written once
        if not found:  # a memo by another person on this coding goes with the coding all the same
            found = [m for m in self.records if m["kind"] == "coding" and m["source_id"] == sid and m["start"] == start
                     and m["end"] == end and m["code_id"] == code_id and m["memo_id"] not in self.placed]
        self.placed.update(m["memo_id"] for m in found)
        return found

    def note(self, memo: dict, name: str, span: tuple[int, int] | None = None) -> str:
        """Add a ``Note`` for ``memo``; return its GUID."""
        guid = memo["memo_id"] if is_guid(memo.get("memo_id")) else derived_guid("note", str(memo.get("memo_id")))
        coder = memo["coder"] or self.default_user
        note = ET.Element("Note", {"guid": guid, "name": name, "creatingUser": self.users[coder],
                                   "creationDateTime": _datetime(memo.get("created")) or self.now})
        sub(note, "PlainTextContent", text=memo["text"])
        if span is not None:
            sub(note, "PlainTextSelection", {"guid": derived_guid("annotation", guid), "startPosition": str(span[0]),
                                             "endPosition": str(span[1]), "creatingUser": self.users[coder]})
        self.elements.append(note)
        self.count += 1
        return guid

    def journal(self, texts: dict[str, bytes]) -> list[str]:
        """Journal entries (project memos with a title) as Notes whose text is a file, as QualCoder writes them."""
        guids = []
        for memo in (m for m in self.records if m["kind"] == "project" and m["target"]):
            self.placed.add(memo["memo_id"])
            guid = memo["memo_id"] if is_guid(memo["memo_id"]) else derived_guid("note", str(memo["memo_id"]))
            coder = memo["coder"] or self.default_user
            note = ET.Element("Note", {"guid": guid, "name": memo["target"], "plainTextPath": f"internal://{guid}.txt",
                                       "creatingUser": self.users[coder],
                                       "creationDateTime": _datetime(memo.get("created")) or self.now})
            texts[f"sources/{guid}.txt"] = memo["text"].encode("utf-8")
            self.elements.append(note)
            self.count += 1
            guids.append(guid)
        self.count += sum(1 for m in self.records if m["kind"] == "project" and not m["target"])
        return guids

    def unplaced(self) -> list[Problem]:
        lost = [m for m in self.records if m["memo_id"] not in self.placed and m["kind"] != "project"]
        if not lost:
            return []
        shown = ", ".join(f"{m['kind']} {m['target'] or m['source_id']!r}" for m in lost[:5])
        return [Problem(self.where, f"{len(lost)} memo(s) are on things not in the export ({shown}"
                        f"{' ...' if len(lost) > 5 else ''}); they were left out.")]


def _datetime(value) -> str | None:
    """An ISO 8601 time as the schema's xsd:dateTime in UTC (``2026-01-05T10:00:00Z``), or None."""
    text = _value(value)
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _selections(element, source, rows: list[tuple], users: dict[str, str], code_guids, notes: "_Notes", units) -> None:
    """One ``PlainTextSelection`` per span and coder (QualCoder and NVivo take the coder from the selection).

    A coding with a memo gets the memo as the selection's ``Description`` (where QualCoder and MAXQDA read
    coding memos) and as a ``Note`` referenced from the ``Coding``; codes of one coder on one span with
    different memos go in separate selections.
    """
    groups: dict[tuple, list[tuple]] = {}
    for row in sorted(rows, key=lambda r: (r[1], r[2], r[4])):
        sid, start, end, code_id, coder = row
        memos = notes.coding(sid, start, end, code_id, coder)
        text = "\n\n".join(m["text"] for m in memos)
        groups.setdefault((start, end, coder, text), []).append((row, memos))
    for (start, end, coder, memo_text), group in groups.items():
        excerpt = " ".join(source.text[start:end].split())
        parts = ("selection", source.source_id, str(start), str(end), coder) + ((memo_text,) if memo_text else ())
        first, last = units.span(start, end) if units else (start, end)
        selection = sub(element, "PlainTextSelection", {
            "guid": derived_guid(*parts),
            "name": excerpt if len(excerpt) <= 60 else excerpt[:59] + "\u2026",
            "startPosition": str(first), "endPosition": str(last), "creatingUser": users[coder],
        })
        if memo_text:
            sub(selection, "Description", text=memo_text)
        for (sid, _, _, code_id, _), memos in group:
            code_guid = code_guids.by_id[code_id]
            coding = sub(selection, "Coding", {"guid": derived_guid("coding", sid, str(start), str(end), guid_key(code_guid), coder),
                                               "creatingUser": users[coder]})
            sub(coding, "CodeRef", {"targetGUID": code_guid})
            for memo in memos:
                sub(coding, "NoteRef", {"targetGUID": notes.note(memo, f"Memo: {notes.codebook.nodes[code_id].label}")})


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
        # A survey's id/group/question columns are internal settings, not variables a researcher made; they
        # stay out (its questions are found again in its text on import). Speaker aliases of a transcript
        # ("Dr Amber" is GP03) are the researcher's knowledge of who speaks, needed to attribute turns when
        # the project comes back, so they stay, as the variable ``aliases``.
        values = {"method": source.method, "date": meta.date, "wave": meta.wave, "researchers": ";".join(meta.researchers)}
        if source.method != "survey" and meta.aliases:
            values["aliases"] = ";".join(f"{k}={v}" for k, v in meta.aliases.items())
        for key, value in meta.attributes.items():
            if key not in _NOT_VARIABLES and key not in values:
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
