"""Reading a REFI-QDA project (``.qdpx`` zip, or a bare ``.qde`` file) into a :class:`RefiProject`.

Read leniently: ``Sources/`` or ``sources/``, an inner project file not called ``project.qde``,
``plainTextPath`` with or without ``internal://``, any namespace or schema location, GUIDs in any case
or in braces. Read safely: the zip is checked before anything is inflated (:mod:`qualcode.corpus.safezip`),
the XML cannot expand entities (:mod:`.xmlio`), and nothing is ever extracted: members are read by name.

Anything that cannot be carried over is a :class:`~qualcode.corpus.model.Problem` naming its GUID and the
reason: ``error`` when something was dropped (a source, a selection, a coding), ``warning`` otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import QualcodeError, SourceFormatError, UnsafeArchiveError
from ..corpus.model import Problem
from ..corpus.safezip import ZipLimits, member_path_problem, open_zip, read_member
from ..textio import decode_bytes
from .codes import read_codes
from .positions import Detection, PositionMap, detect
from .xmlio import child, children, derived_guid, guid_key, is_guid, parse_xml, text_of

#: Zip members that may be archives themselves but are never opened (vendors embed rich text as .docx).
_OPAQUE = (".docx", ".xlsx", ".pptx", ".odt")
_NESTED = (".zip", ".qdpx", ".gz", ".tgz", ".7z", ".rar", ".tar", ".bz2", ".xz")
_NOT_TEXT = {"PictureSource": "a picture", "PDFSource": "a PDF", "AudioSource": "an audio file",
             "VideoSource": "a video"}
_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")
_KNOWN_EXTENSIONS = (".txt", ".docx", ".doc", ".rtf", ".pdf", ".odt", ".md", ".html", ".htm")
_SET_ATTRIBUTE = re.compile(r"^\s*([^:]{1,40}?)\s*:\s*(\S.*?)\s*$")


@dataclass
class Selection:
    guid: str
    start: int
    end: int
    name: str | None
    memo: str
    codings: list[tuple[str, str, str]]  # (code GUID key, coder name, coding GUID)
    whole: bool = False  # a coding of the whole source
    memos: list[dict] = field(default_factory=list)  # memo records on every coding of the selection
    coding_memos: dict[str, list[dict]] = field(default_factory=dict)  # coding GUID -> memo records on that coding
    coder: str = ""  # the selection's creatingUser (name)


@dataclass
class ImportedSource:
    guid: str
    name: str
    source_id: str
    pmap: PositionMap
    variables: dict[str, str] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)
    memo: str = ""
    selections: list[Selection] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    memos: list[dict] = field(default_factory=list)  # memo records on the source
    annotations: list[tuple[int, int, dict]] = field(default_factory=list)  # (start, end, memo record) as written

    @property
    def text(self) -> str:
        return self.pmap.text


@dataclass
class RefiProject:
    """Everything read from a project, before it is written out as a study folder."""

    path: Path
    name: str
    origin: str
    codes: object  # codes.ReadCodes
    users: dict[str, str]  # guid key -> name
    sources: list[ImportedSource]
    cases: list[dict]  # participant rows: participant_id, group, label, attributes...
    codings: list[dict]  # source_id, start, end, code, coder, quote, memo
    notes: list[dict]  # project notes not attached to anything qualcode keeps
    problems: list[Problem]
    detection: Detection | None = None
    group_variable: str | None = None
    base: object = None  # the codebook whose ids and rules matched codes keep
    memos: list[dict] = field(default_factory=list)  # the memos table's rows (see qualcode.refi.memos)
    user_guids: dict[str, str] = field(default_factory=dict)  # user name -> GUID as written


class _Container:
    """The project's files: a checked zip read member by member, or a lone .qde with no sources."""

    def __init__(self, path: Path, limits: ZipLimits):
        self.path, self.zf, self.index = path, None, {}
        with open(path, "rb") as handle:
            head = handle.read(64)
        if path.suffix.lower() == ".qde" or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            if path.stat().st_size > limits.max_member_bytes:
                raise UnsafeArchiveError(f"{path}: the project file is over {limits.max_member_bytes / 1e6:.0f} MB; refusing it.")
            self.qde_name, self.qde = path.name, path.read_bytes()
            return
        self.zf = open_zip(path, ".qdpx", limits)
        names = self.zf.namelist()
        for name in names:
            if name.lower().endswith(_NESTED):
                self.zf.close()
                raise UnsafeArchiveError(f"{path}: member {name!r} is itself an archive; nested archives are refused.")
        self.index = {name.lower(): name for name in names}
        qdes = [n for n in names if n.lower().endswith(".qde") and not n.endswith("/")]
        if not qdes:
            self.zf.close()
            shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
            raise SourceFormatError(f"{path}: the archive holds no .qde project file (members: {shown or 'none'}); "
                                    "this is not a REFI-QDA project export.")
        top = [n for n in qdes if "/" not in n.strip("/")]
        preferred = [n for n in qdes if n.lower().rsplit("/", 1)[-1] == "project.qde"]
        choice = (preferred or top or qdes)[0]
        if len(preferred or top or qdes) > 1:
            raise SourceFormatError(f"{path}: the archive holds several project files ({', '.join(qdes)}); keep one.")
        self.qde_name, self.qde = choice, read_member(self.zf, choice, str(path))

    def member(self, reference: str) -> tuple[bytes | None, str]:
        """The bytes a ``plainTextPath`` names, or ``(None, reason)``."""
        ref = reference.strip()
        scheme, sep, rest = ref.partition("://")
        if sep and scheme.lower() != "internal":
            return None, f"it is an external file ({ref}); REFI-QDA exports must embed their texts"
        rel = (rest if sep else ref).replace("\\", "/").lstrip("/")
        problem = member_path_problem(rel)
        if problem:
            return None, f"its path {ref!r} has {problem}"
        if self.zf is None:
            return None, f"its text {rel!r} is not here (a .qde file alone holds no sources; import the .qdpx)"
        base = rel.rsplit("/", 1)[-1].lower()
        for candidate in (f"sources/{rel.lower()}", rel.lower(), f"sources/{base}"):
            name = self.index.get(candidate)
            if name is not None:
                info = self.zf.getinfo(name)
                if info.is_dir():
                    continue
                return read_member(self.zf, name, str(self.path)), name
        return None, f"its text {rel!r} is missing from the archive"

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()


def read_project(path, *, limits: ZipLimits | None = None, base=None, group_variable: str | None = None) -> RefiProject:
    """Read and check a ``.qdpx`` (or ``.qde``) project; nothing is written. See :class:`RefiProject`."""
    path = Path(path)
    if not path.exists():
        raise SourceFormatError(f"{path}: no such file; check the path of the .qdpx project.")
    if path.is_dir():
        raise SourceFormatError(f"{path}: is a folder; give the .qdpx file exported by the QDA program.")
    container = _Container(path, limits or ZipLimits())
    try:
        return _Reader(container, base, group_variable).read()
    finally:
        container.close()


class _Reader:
    def __init__(self, container: _Container, base, group_variable):
        self.c = container
        self.where = str(container.path)
        self.base = base
        self.group_variable = group_variable
        self.problems: list[Problem] = []
        self.seen_guids: dict[str, str] = {}

    def problem(self, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.where, message, None, severity))

    def read(self) -> RefiProject:
        name = self.where if self.c.zf is None else f"{self.where}:{self.c.qde_name}"
        root = parse_xml(self.c.qde, name)
        if root.tag == "CodeBook":
            raise SourceFormatError(f"{self.where}: this is a REFI-QDA codebook; import it as a .qdc codebook.")
        if root.tag != "Project":
            raise SourceFormatError(f"{self.where}: the root element is <{root.tag}>, not <Project>; not a REFI-QDA project.")
        users = self._users(root)
        self.user_names = users
        found = child(root, "Users")
        written = {guid_key(u.get("guid")): u.get("guid") for u in (children(found, "User") if found is not None else [])}
        self.user_guids = {key: written[key] for key in users}
        self.case_memos: list[dict] = []
        self.notes = self._notes(root)
        self.used_notes: set[str] = set()
        codebook = child(root, "CodeBook")
        codes_element = child(codebook, "Codes") if codebook is not None else None
        for ref in codes_element.iter("NoteRef") if codes_element is not None else []:
            self.used_notes.add(guid_key(ref.get("targetGUID")))
        codes = read_codes(codes_element, self.where, notes={k: v["text"] for k, v in self.notes.items()}, base=self.base)
        self.problems += codes.problems
        variables = self._variables(root)
        sources = self._sources(root, users, variables)
        cases = self._cases(root, variables, sources)
        self._sets(root, sources, codes.ids)
        for tag, what in (("Links", "link"), ("Graphs", "graph")):
            found = child(root, tag)
            if found is not None and len(found):
                self.problem(f"{len(found)} {what}(s) were not carried over: qualcode has no network views.", "warning")
        detection, codings, memos = self._codings(sources, codes.ids)
        notes = [n | {"guid": k} for k, n in self.notes.items() if k not in self.used_notes]
        description = text_of(root, "Description")
        if description:
            notes.insert(0, {"name": "Project description", "text": description})
        memos = self._code_memos(codes_element, codes.ids) + memos + self.case_memos
        if description:
            owner = {"coder": users.get(guid_key(root.get("creatingUserGUID")), ""), "created": root.get("creationDateTime") or ""}
            memos.append(self._record("project", "", description, owner, "project-description"))
        for key, note in self.notes.items():
            if key not in self.used_notes:
                memos.append(self._record("project", note["name"], note["text"], note, key))
        user_guids = {users[key]: guid for key, guid in self.user_guids.items()}
        return RefiProject(self.c.path, root.get("name") or self.c.path.stem, root.get("origin") or "", codes,
                           users, sources, cases, codings, notes, self.problems, detection, self.group_variable, self.base,
                           [m for m in memos if m["text"]], user_guids)

    # -- memos -------------------------------------------------------------------------------------
    def _record(self, kind: str, target: str, text: str, note: dict, key: str, **where) -> dict:
        """A memos-table row; ``note``: the Note's name/coder/created (or the owning element's)."""
        from .memos import MEMO_COLUMNS

        row = dict.fromkeys(MEMO_COLUMNS, "")
        row.update(start=None, end=None, kind=kind, target=target, text=text.strip(), coder=note.get("coder") or "",
                   created=note.get("created") or "", memo_id=note.get("guid") or derived_guid("memo", kind, key))
        row.update(where)
        return row

    def _refs(self, element) -> list[tuple[str, dict]]:
        """The Notes ``element`` refers to (marked used)."""
        out = []
        for ref in children(element, "NoteRef"):
            key = guid_key(ref.get("targetGUID"))
            if key in self.notes:
                self.used_notes.add(key)
                out.append((key, self.notes[key]))
        return out

    def _owner(self, element) -> dict:
        user = element.get("creatingUser") or element.get("modifyingUser") or ""
        return {"coder": self.user_names.get(guid_key(user), ""),
                "created": element.get("creationDateTime") or element.get("modifiedDateTime") or ""}

    def _code_memos(self, codes_element, ids: dict[str, str]) -> list[dict]:
        memos = []
        for code in codes_element.iter("Code") if codes_element is not None else []:
            node_id = ids.get(guid_key(code.get("guid")))
            if node_id is None:
                continue
            for key, note in self._refs(code):
                memos.append(self._record("code", node_id, note["text"], note, key))
        return memos

    def _memo_records(self, element, kind: str, target: str, **where) -> list[dict]:
        """An element's Description and NoteRef'd Notes as memo records (a Description repeating a Note is dropped)."""
        records = [self._record(kind, target, n["text"], n, k, **where) for k, n in self._refs(element)]
        description = text_of(element, "Description")
        if description and not any(description == r["text"] for r in records):
            owner = self._owner(element)
            records.insert(0, self._record(kind, target, description, owner,
                                           f"{element.get('guid')}-description-{target}-{where}", **where))
        return records

    # -- parts of the project ----------------------------------------------------------------------
    def _once(self, guid: str, what: str) -> bool:
        """False (and a problem) if ``guid`` was already used by another of the same kind (source, case, user)."""
        key = (what.split(" ", 1)[0], guid_key(guid))
        if key in self.seen_guids:
            self.problem(f"duplicate GUID {guid}: {what} has the GUID of {self.seen_guids[key]}; the later one was skipped.")
            return False
        self.seen_guids[key] = what
        return True

    def _users(self, root) -> dict[str, str]:
        users: dict[str, str] = {}
        found = child(root, "Users")
        for user in children(found, "User") if found is not None else []:
            guid = user.get("guid") or ""
            name = (user.get("name") or user.get("id") or guid).strip()
            if guid and self._once(guid, f"user {name!r}"):
                users[guid_key(guid)] = name
        return users

    def _notes(self, root) -> dict[str, dict]:
        notes: dict[str, dict] = {}
        found = child(root, "Notes")
        for note in children(found, "Note") if found is not None else []:
            text = text_of(note, "PlainTextContent")
            if not text and note.get("plainTextPath"):
                data, _ = self.c.member(note.get("plainTextPath"))
                try:
                    text = _decode(data, note.get("plainTextPath"))[1].strip() if data else ""
                except QualcodeError as exc:
                    self.problem(f"note {note.get('name')!r} ({note.get('guid')}): {exc}; its text was left out.", "warning")
            text = text or text_of(note, "Description")
            span = child(note, "PlainTextSelection")
            notes[guid_key(note.get("guid"))] = {"name": note.get("name") or "", "text": text, "guid": note.get("guid") or "",
                                                 "span": (span.get("startPosition"), span.get("endPosition"))
                                                 if span is not None else None, **self._owner(note)}
        return notes

    def _memo(self, element) -> str:
        parts = [text_of(element, "Description")]
        for ref in children(element, "NoteRef"):
            key = guid_key(ref.get("targetGUID"))
            if key in self.notes:
                self.used_notes.add(key)
                parts.append(self.notes[key]["text"])
        return "\n\n".join(p for p in parts if p)

    def _variables(self, root) -> dict[str, str]:
        found = child(root, "Variables")
        return {guid_key(v.get("guid")): (v.get("name") or "").strip() or v.get("guid")
                for v in (children(found, "Variable") if found is not None else [])}

    def _values(self, element, variables: dict[str, str], owner: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for value in children(element, "VariableValue"):
            ref = child(value, "VariableRef")
            name = variables.get(guid_key(ref.get("targetGUID"))) if ref is not None else None
            if name is None:
                self.problem(f"{owner}: a variable value refers to an unknown variable; it was skipped.", "warning")
                continue
            found = next((c for c in value if c.tag in _VALUE_TAGS), None)
            text = (found.text or "").strip() if found is not None else ""
            if text:
                values[name] = text
        return values

    def _sources(self, root, users, variables) -> list[ImportedSource]:
        found = child(root, "Sources")
        sources: list[ImportedSource] = []
        ids: set[str] = set()
        for element in list(found) if found is not None else []:
            guid = element.get("guid") or ""
            path_stem = (element.get("plainTextPath") or element.get("path") or "").replace("\\", "/").rsplit("/", 1)[-1]
            label = (element.get("name") or "").strip() or path_stem.strip() or guid or "(unnamed)"
            if element.tag != "TextSource":
                kind = _NOT_TEXT.get(element.tag, f"a <{element.tag}>")
                lost = sum(1 for _ in element.iter("Coding"))
                self.problem(f"source {label!r} ({guid}) is {kind}, not text; it was skipped"
                             f"{f' with its {lost} coding(s)' if lost else ''}. qualcode reads text sources only.")
                continue
            if not is_guid(guid):
                self.problem(f"source {label!r} has no valid GUID ({guid!r}); it was given one.", "warning")
                guid = derived_guid("imported-source", self.where, label, str(len(sources)))
            if not self._once(guid, f"source {label!r}"):
                continue
            raw, reason = self._text(element)
            if raw is None:
                lost = sum(1 for _ in element.iter("Coding"))
                self.problem(f"source {label!r} ({guid}) was skipped: {reason}"
                             f"{f'; its {lost} coding(s) were skipped too' if lost else ''}.")
                continue
            source_id = _source_id(label, ids)
            if source_id.casefold() != _source_id(label, set()).casefold():
                self.problem(f"two sources are called {label!r}; the later one ({guid}) became source {source_id!r}.",
                             "warning")
            source = ImportedSource(guid, label, source_id, PositionMap(raw),
                                    self._values(element, variables, f"source {label!r}"))
            for record in self._memo_records(element, "source", source_id):
                note = self.notes.get(guid_key(record["memo_id"]))
                span = note.get("span") if note else None
                try:
                    span = (int(span[0]), int(span[1])) if span else None
                except (TypeError, ValueError):
                    span = None
                if span:
                    source.annotations.append((span[0], span[1], record))
                else:
                    source.memos.append(record)
            source.memo = "\n\n".join(m["text"] for m in source.memos)
            ids.add(source.source_id.casefold())
            for sel in children(element, "PlainTextSelection"):
                selection = self._selection(sel, users, source)
                if selection is not None:
                    source.selections.append(selection)
            whole = [self._coding(c, users, element) for c in children(element, "Coding")]
            if whole:
                source.selections.append(Selection(guid, 0, 0, None, "", whole, whole=True))
            sources.append(source)
        return sources

    def _text(self, element) -> tuple[str | None, str]:
        inline = child(element, "PlainTextContent")
        if inline is not None and (inline.text or ""):
            return inline.text, "inline"
        reference = element.get("plainTextPath")
        if not reference:
            rich = element.get("richTextPath")
            return None, ("it has only rich text (" + rich + ") and no plain text, which REFI-QDA positions refer to"
                          if rich else "it has neither plainTextPath nor PlainTextContent")
        data, member = self.c.member(reference)
        if data is None:
            return None, member
        try:
            return _decode(data, f"{self.where}:{member}")[0], member
        except QualcodeError as exc:
            return None, str(exc).split(": ", 1)[-1].rstrip(".")

    def _coding(self, element, users, selection) -> tuple[str, str, str]:
        ref = child(element, "CodeRef")
        code = guid_key(ref.get("targetGUID")) if ref is not None else ""
        user = element.get("creatingUser") or selection.get("creatingUser") or ""
        return code, users.get(guid_key(user), "unknown" if not user else user), element.get("guid") or ""

    def _selection(self, element, users, source: ImportedSource) -> Selection | None:
        guid = element.get("guid") or "(no GUID)"
        coding_elements = children(element, "Coding")
        codings = [self._coding(c, users, element) for c in coding_elements]
        records = self._memo_records(element, "coding", "")
        memo = "\n\n".join(r["text"] for r in records)
        try:
            start, end = int(element.get("startPosition")), int(element.get("endPosition"))
        except (TypeError, ValueError):
            self.problem(f"selection {guid} in source {source.source_id!r} has positions "
                         f"{element.get('startPosition')!r}-{element.get('endPosition')!r}, not whole numbers; skipped.")
            return None
        if start > end:
            self.problem(f"selection {guid} in source {source.source_id!r} starts after it ends ({start} > {end}); "
                         f"skipped{f' with its {len(codings)} coding(s)' if codings else ''}.")
            return None
        if not codings and records:  # a memo on a passage with no code (MAXQDA): an annotation
            for record in records:
                record["kind"], record["target"] = "source", source.source_id
                source.annotations.append((start, end, record))
            return None
        per_coding = {c.get("guid") or "": [self._record("coding", "", n["text"], n, k) for k, n in self._refs(c)]
                      for c in coding_elements}
        on_codings = {r["text"] for found in per_coding.values() for r in found}
        records = [r for r in records if r["text"] not in on_codings]  # a Description repeating a coding's Note
        owner = self._owner(element)
        for found in [records, *per_coding.values()]:
            for record in found:
                record["coder"] = record["coder"] or owner["coder"]
        return Selection(guid, start, end, element.get("name"), memo, codings, memos=records,
                         coding_memos=per_coding) if codings else None

    def _cases(self, root, variables, sources: list[ImportedSource]) -> list[dict]:
        found = child(root, "Cases")
        cases = children(found, "Case") if found is not None else []
        by_guid = {guid_key(s.guid): s for s in sources}
        rows: list[dict] = []
        taken: set[str] = set()
        values_of = []
        for case in cases:
            guid = case.get("guid") or ""
            name = " ".join((case.get("name") or "").split()) or guid
            if not name or (guid and not self._once(guid, f"case {name!r}")):
                continue
            pid = name
            i = 2
            while pid.casefold() in taken:
                pid, i = f"{name}-{i}", i + 1
            if pid != name:
                self.problem(f"two cases are called {name!r}; the later one ({guid}) became participant {pid!r}.", "warning")
            taken.add(pid.casefold())
            values = self._values(case, variables, f"case {name!r}")
            self.case_memos += self._memo_records(case, "participant", pid)
            values_of.append(values)
            rows.append({"participant_id": pid, "_guid": guid, "_values": values})
            for ref in children(case, "SourceRef"):
                source = by_guid.get(guid_key(ref.get("targetGUID")))
                if source is not None and pid not in source.participants:
                    source.participants.append(pid)
        group = self._group_variable(values_of, variables)
        out = []
        for row in rows:
            values = dict(row.pop("_values"))
            row["group"] = values.pop(group, None) if group else None
            label = next((k for k in values if k.casefold() == "label"), None)
            row["label"] = values.pop(label) if label else row["participant_id"]
            row["guid"] = row.pop("_guid")
            out.append(row | values)
        if out and not group:
            self.problem(f"no case variable holds the participant group (looked for {', '.join(_GROUP_NAMES[:4])} ...); "
                         "every participant is in group 'Ungrouped'. Name the variable with --group-variable.", "warning")
        missing = [r["participant_id"] for r in out if group and not r["group"]]
        if missing:
            self.problem(f"{len(missing)} case(s) have no {group!r} value ({', '.join(missing[:5])}); they are in group "
                         "'Ungrouped'.", "warning")
        for row in out:
            row["group"] = row["group"] or "Ungrouped"
        return out

    def _group_variable(self, values_of: list[dict], variables: dict[str, str]) -> str | None:
        names = list(dict.fromkeys(k for values in values_of for k in values))
        if self.group_variable:
            wanted = self.group_variable.casefold()
            match = next((n for n in names + list(variables.values()) if n.casefold() == wanted), None)
            if match is None:
                raise SourceFormatError(f"{self.where}: no variable called {self.group_variable!r}; the case variables "
                                        f"are: {', '.join(names) or 'none'}.")
            self.group_variable = match
            return match
        norm = {n: " ".join(n.replace("_", " ").casefold().split()) for n in names}
        match = next((n for n in names if norm[n] in _GROUP_NAMES), None)
        match = match or next((n for n in names if "group" in norm[n]), None)
        self.group_variable = match
        return match

    def _sets(self, root, sources: list[ImportedSource], code_ids: dict[str, str]) -> None:
        from .qdc import code_set_problems

        found = child(root, "Sets")
        if found is None:
            return
        by_guid = {guid_key(s.guid): s for s in sources}
        for element in children(found, "Set"):
            name = (element.get("name") or "").strip()
            members = [by_guid.get(guid_key(m.get("targetGUID"))) for m in children(element, "MemberSource")]
            members = [m for m in members if m is not None]
            if not members:
                continue
            pair = _SET_ATTRIBUTE.match(name)
            for source in members:
                if pair:
                    key, value = pair.group(1), pair.group(2)
                    old = source.variables.get(key)
                    source.variables[key] = value if not old or old == value else f"{old};{value}"
                else:
                    source.sets.append(name)
        self.problems += code_set_problems(root, code_ids, self.where)

    def _codings(self, sources: list[ImportedSource], code_ids: dict[str, str]) -> tuple[Detection | None, list[dict], list[dict]]:
        samples = [(s.pmap, sel.start, sel.end, sel.name) for s in sources for sel in s.selections
                   if not sel.whole and sel.end > sel.start]
        detection = detect(samples) if samples else None
        convention = detection.convention if detection else None
        if detection and detection.checked >= 10 and detection.boundary_share < 0.5:
            self.problem(f"only {detection.boundary_share:.0%} of selections start and end on word boundaries even in "
                         f"the best reading ({convention.description}); the positions may not match the texts. Check "
                         "a few codings against the QDA program.", "warning")
        rows: list[dict] = []
        memos: list[dict] = []
        seen: set[tuple] = set()
        unknown_coder = inexact = 0
        for source in sources:
            memos += source.memos
            for start, end, record in source.annotations:
                span = source.pmap.span(start, end, convention)
                if span is None or span[0] >= span[1]:
                    self.problem(f"annotation {record['memo_id']} ({start}-{end}) is outside source {source.source_id!r}; "
                                 "it was kept as a memo on the whole source.", "warning")
                    memos.append(record)
                    continue
                memos.append(record | {"source_id": source.source_id, "start": span[0], "end": span[1]})
            for sel in source.selections:
                if sel.whole:
                    span = (0, len(source.text), True)
                else:
                    span = source.pmap.span(sel.start, sel.end, convention)
                if span is None:
                    units = source.pmap.length(convention)
                    self.problem(f"selection {sel.guid} ({sel.start}-{sel.end}) is outside source {source.source_id!r} "
                                 f"(0-{units}); skipped with its {len(sel.codings)} coding(s).")
                    continue
                start, end, exact = span
                inexact += not exact
                if start == end:
                    self.problem(f"selection {sel.guid} in source {source.source_id!r} is empty ({sel.start}-{sel.end}); skipped.")
                    continue
                for code_key, coder, coding_guid in sel.codings:
                    code = code_ids.get(code_key)
                    if code is None:
                        self.problem(f"coding {coding_guid or '(no GUID)'} in source {source.source_id!r} refers to code "
                                     f"{code_key or '(none)'}, which is not in the codebook; skipped.")
                        continue
                    if coder == "unknown" or is_guid(coder):
                        unknown_coder += 1
                    key = (source.source_id, start, end, code, coder)
                    if key in seen:
                        continue
                    seen.add(key)
                    rows.append({"source_id": source.source_id, "start": start, "end": end, "code": code, "coder": coder,
                                 "quote": source.text[start:end], "memo": sel.memo})
                    # A Note on one coding keeps its GUID as memo_id (stable over round trips); a selection's memo
                    # shared by several codings gets one id per coding.
                    shared = len(sel.codings) > 1
                    for record in sel.memos + sel.coding_memos.get(coding_guid, []):
                        memo_id = derived_guid("memo", record["memo_id"], coding_guid or code) if (
                            shared and record in sel.memos) else record["memo_id"]
                        memos.append(record | {"memo_id": memo_id, "source_id": source.source_id, "start": start,
                                               "end": end, "code_id": code})
        if unknown_coder:
            self.problem(f"{unknown_coder} coding(s) name no known user; their coder is 'unknown' or the user's GUID.",
                         "warning")
        if inexact:
            self.problem(f"{inexact} selection(s) began or ended inside a line break or an emoji; they were widened to "
                         "the whole character.", "warning")
        return detection, rows, memos


_GROUP_NAMES = ("group", "participant group", "groups", "stakeholder group", "participant type", "type of participant",
                "respondent group", "category")


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """``(raw text without BOM, normalised text)``; raises for empty, binary or undecodable bytes."""
    normalised, encoding = decode_bytes(data, name)
    codec = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "utf-32": "utf-32"}.get(encoding, encoding)
    raw = data.decode(codec).lstrip("\ufeff")
    return raw, normalised


def _source_id(name: str, taken: set[str]) -> str:
    """A source id from a source's name: extension dropped, white space tidied, unique (case-insensitively)."""
    stem = " ".join(name.split())
    if stem.lower().endswith(_KNOWN_EXTENSIONS):
        stem = stem.rsplit(".", 1)[0].strip()
    stem = stem or "source"
    value, i = stem, 2
    while value.casefold() in taken:
        value, i = f"{stem}-{i}", i + 1
    return value

