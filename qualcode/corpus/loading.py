"""Loading a folder of transcripts: discovery, per-file reading and attribution, problems.

:func:`load_corpus` is the entry point; :func:`load_source` loads one file and never raises for a bad
one, so the same code serves a local loop and a distributed batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import QualcodeError, SourceFormatError
from .manifest import (
    BACKUP_FOLDER,
    PARTICIPANTS_FILE,
    PROJECT_FILES,
    SOURCES_FILE,
    check_method,
    merge_front_matter,
    read_participants,
    read_sources_manifest,
)
from .model import Problem, Source, SourceMeta, Turn
from .readers import READERS
from ..textio import DEFAULT_MAX_BYTES, ambiguous_letters
from .turns import LabelResolver, label_lookup, norm_label, split_labelled

#: Group given to speakers when a folder has no participants.csv.
UNGROUPED = "Ungrouped"
_IGNORED_NAMES = {"readme", "license", "licence", "changelog", "notes"}


class CorpusError(QualcodeError):
    """A corpus could not be loaded (or ``strict`` loading met problems). ``problems`` lists them all."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


def discover_files(root: Path) -> list[str]:
    """Transcript and survey files under ``root`` (recursively), as sorted relative POSIX paths."""
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith((".", "~$", "_")) for part in rel.parts):
            continue
        if path.name in PROJECT_FILES or rel.parts[0] == BACKUP_FOLDER:
            continue
        if not path.is_file() or path.suffix.lower() not in READERS:
            continue
        if rel.as_posix() in (PARTICIPANTS_FILE, SOURCES_FILE) or path.stem.lower() in _IGNORED_NAMES:
            continue
        found.append(rel.as_posix())
    return sorted(found)


class ParticipantIndex:
    """The participants table as a dict, growing as surveys add respondents."""

    def __init__(self, frame):
        self.listed = frame is not None
        self.rows: dict[str, dict] = {}
        self.columns = ["participant_id", "group", "label"]
        if frame is not None:
            self.columns = list(frame.columns)
            for record in frame.to_dict("records"):
                self.rows[record["participant_id"]] = record
        self._lookup: dict[str, str] | None = None

    def add(self, pid: str, group: str, label: str | None = None) -> None:
        if pid not in self.rows:
            self.rows[pid] = {c: None for c in self.columns} | {"participant_id": pid, "group": group, "label": label or pid}
            if self._lookup is not None:  # updated in place, as label_lookup would build it: ids win over labels
                self._lookup.setdefault(norm_label(str(label or pid)), pid)
                self._lookup[norm_label(pid)] = pid

    @property
    def lookup(self) -> dict[str, str]:
        """Speaker label/id -> participant id over everyone (built once, then kept up to date by :meth:`add`:
        rebuilding it for each new speaker made a transcript of many speakers quadratic)."""
        if self._lookup is None:
            self._lookup = label_lookup(self.rows)
        return self._lookup

    def frame(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows.values()), columns=self.columns)


def _check_inside(root: Path, path: Path) -> None:
    """Refuse a file that is, or links to, something outside the transcripts folder (a symlink to
    /etc/passwd must not flow into the outputs) or that is not a regular file (a FIFO would block)."""
    import stat

    try:
        target = path.resolve(strict=True)
        inside = target.is_relative_to(root.resolve())
        regular = stat.S_ISREG(target.stat().st_mode)
    except (OSError, RuntimeError):
        raise SourceFormatError(f"{path}: a broken link, or a link loop; remove it or copy the real file in.") from None
    if not inside:
        raise SourceFormatError(f"{path}: a link to {target}, outside the transcripts folder; qualcode reads only "
                                "files inside the folder: copy the file in if you mean it.")
    if not regular:
        raise SourceFormatError(f"{path}: not a regular file (a pipe or a device); remove it from the folder.")


def load_source(root: Path, meta: SourceMeta, people: ParticipantIndex, max_bytes: int) -> tuple[Source | None, list[Problem]]:
    """Read, parse and attribute one source file; return ``(source or None, problems)``.

    Never raises for a bad file: the reason comes back as an error :class:`Problem` and ``None``.
    """
    path = root / meta.file
    problems: list[Problem] = []
    reader = READERS[path.suffix.lower()]
    try:
        _check_inside(root, path)
        document = reader(path, meta, max_bytes)
        problems += [Problem(meta.file, message, line, "warning") for line, message in document.warnings]
        meta, merged = merge_front_matter(meta, document.front_matter, meta.file)
        problems += merged
        message = check_method(meta)
        if message:
            raise SourceFormatError(message)
        is_survey_file = reader.__name__ == "read_survey"
        if meta.method == "survey" and not is_survey_file:
            raise SourceFormatError(
                f"source {meta.source_id} has method survey, but surveys are read from .csv or .xlsx exports; "
                "fix its method in sources.csv (or front matter), or give the survey file."
            )
        if is_survey_file:
            meta.method = "survey"
            turns = _survey_turns(meta, document, people, problems)
        else:
            turns = _spoken_turns(meta, document, people, problems)
    except QualcodeError as exc:
        # Readers name the file (and line) first: "path:12: message" -> Problem(file, message, 12).
        match = re.match(rf"{re.escape(str(path))}(?::(\d+))?: (.*)", str(exc), re.DOTALL)
        message, line = (match.group(2), int(match.group(1) or 0) or None) if match else (str(exc), None)
        return None, problems + [Problem(meta.file, message + " The file was skipped.", line)]
    if meta.method is None:
        meta.method = "interview"
    if document.encoding and document.encoding.lower().replace("_", "-") not in _UNICODE:
        letters = ambiguous_letters(document.text, document.encoding)
        if letters:  # the code page was a guess, and the guess changes letters: say which
            problems.append(Problem(meta.file, f"not UTF-8: read as {document.encoding} (letters such as "
                                    f"{' '.join(letters)}); if accented letters look wrong, re-save the file as UTF-8.",
                                    severity="warning"))
    return Source(meta, document.text, turns, path, path.suffix.lower().lstrip("."), document.encoding), problems


_UNICODE = {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "ascii", "docx", "xlsx"}


def _check_listed(meta: SourceMeta, people: ParticipantIndex) -> None:
    if not people.listed:
        return
    unknown = [pid for pid in meta.participants if pid not in people.rows]
    if unknown:
        raise SourceFormatError(
            f"participant(s) {', '.join(unknown)} of source {meta.source_id} are not in participants.csv; "
            "add them there (with their group) or fix the source's participants."
        )


def _document_turns(meta: SourceMeta, document, people: ParticipantIndex) -> list[Turn]:
    """A document (not a transcript): no speaker labels are looked for; each paragraph is a turn of its one
    linked participant, if it has exactly one, else of no one. Headings such as "Abstract:" stay text."""
    _check_listed(meta, people)
    sole = meta.participants[0] if len(meta.participants) == 1 else None
    turns = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\s*(?:\n[ \t]*\n|\Z))", document.text, re.DOTALL):
        line = document.text.count("\n", 0, match.start()) + document.first_line
        turns.append(Turn(match.start(), match.end(), None, sole, False, line))
    if not turns:
        raise SourceFormatError(f"source {meta.source_id} is empty; it holds no text to code.")
    return turns


def _spoken_turns(meta: SourceMeta, document, people: ParticipantIndex, problems: list[Problem]) -> list[Turn]:
    if meta.method == "document":
        return _document_turns(meta, document, people)
    _check_listed(meta, people)
    resolver = LabelResolver(meta, people.rows, people.lookup)
    if document.turns is None:
        raw_turns, _ = split_labelled(document.text, resolver.is_label)
        for turn in raw_turns:
            turn.line += document.first_line - 1
    else:
        raw_turns = document.turns
    turns = []
    for raw in raw_turns:
        if not people.listed and raw.label and not resolver.is_researcher(raw.label):
            people.add(raw.label, UNGROUPED)  # no participants.csv: every speaker is a participant
            resolver.base = people.lookup
            resolver._found.pop(raw.label, None)
        turns.append(resolver.resolve(raw))
    problems += resolver.problems
    if not people.listed and any(t.participant_id is None and not t.is_researcher for t in turns):
        people.add(meta.source_id, UNGROUPED)
        turns = [_attribute(t, meta.source_id) for t in turns]
    if not meta.participants:
        meta.participants = list(dict.fromkeys(t.participant_id for t in turns if t.participant_id))
    if not any(not t.is_researcher for t in turns):
        raise SourceFormatError(
            f"no participant speaks in source {meta.source_id}: every turn is a researcher's; check the speaker labels."
        )
    unattributed = [t for t in turns if t.participant_id is None and not t.is_researcher and t.speaker is None]
    if unattributed:
        problems.append(
            Problem(
                meta.file,
                f"{len(unattributed)} stretch(es) of text have no speaker label in a source with "
                f"{len(meta.participants)} participants, so they belong to no one; add 'LABEL:' lines.",
                unattributed[0].line,
                "warning",
            )
        )
    return turns


def _attribute(turn: Turn, pid: str) -> Turn:
    if turn.participant_id is None and not turn.is_researcher:
        turn.participant_id = pid
    return turn


def _survey_turns(meta: SourceMeta, document, people: ParticipantIndex, problems: list[Problem]) -> list[Turn]:
    unknown = [rid for rid in document.respondents if rid not in people.rows]
    if unknown and people.listed and not meta.group_column:
        raise SourceFormatError(
            f"respondent(s) {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''} are not in participants.csv "
            "and the survey has no group column; add them to participants.csv or set group_column in sources.csv."
        )
    for rid, group in document.respondents.items():
        if rid not in people.rows:
            people.add(rid, group or UNGROUPED)
        elif group and people.rows[rid]["group"] != group:
            problems.append(
                Problem(
                    meta.file,
                    f"respondent {rid} is in group {group!r} here but {people.rows[rid]['group']!r} in "
                    "participants.csv; using participants.csv.",
                    None,
                    "warning",
                )
            )
    answered = {t.label for t in document.turns}
    meta.participants = [rid for rid in document.respondents if rid in answered]
    return [
        Turn(t.start, t.end, t.label, t.label, False, t.line, question=t.question) for t in document.turns
    ]


@dataclass
class CorpusPlan:
    """What a folder holds before any source is read: the participants table (``None`` without
    participants.csv), the files to load in order with their manifest rows, and the problems found so far.

    Cheap to build (no transcript is opened), so a driver can plan a run and hand batches of
    ``items`` to workers that each call :func:`load_sources`.
    """

    root: Path
    participants: object
    items: list[tuple[str, SourceMeta | None]]
    problems: list[Problem]
    has_manifest: bool


def plan_corpus(path: str | Path) -> CorpusPlan:
    """Read participants.csv and sources.csv and list the source files of a folder, in load order."""
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"{root}: no such folder; give the folder that holds the transcripts.")
    if not root.is_dir():
        raise CorpusError(f"{root}: not a folder; give the folder that holds the transcripts.")
    frame, problems = read_participants(root)
    metas, manifest_problems = read_sources_manifest(root)
    problems += manifest_problems
    files = discover_files(root)
    on_disk = set(files)
    for file, meta in metas.items():
        if file not in on_disk:
            hint = "" if (root / file).exists() else " (no such file)"
            problems.append(
                Problem(
                    str(root / SOURCES_FILE),
                    f"lists {file!r}{hint}, which is not a readable source in {root}; fix the path or remove the row.",
                    meta.manifest_line,
                )
            )
    items = [(f, metas[f]) for f in metas if f in on_disk] + [(f, None) for f in files if f not in metas]
    return CorpusPlan(root, frame, items, problems, bool(metas))


def load_sources(
    plan: CorpusPlan,
    items: list[tuple[str, SourceMeta | None]],
    people: ParticipantIndex,
    max_bytes: int,
    *,
    taken: dict[str, str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[dict[str, Source], list[Problem]]:
    """Load ``items`` (a slice of ``plan.items``, in order); return ``({source_id: Source}, problems)``.

    ``taken`` maps source ids loaded before these items to their files: a source reusing one is
    reported as a duplicate and skipped, as it would be in one sequential load.
    """
    root = plan.root
    taken = taken or {}
    sources: dict[str, Source] = {}
    problems: list[Problem] = []
    for done, (file, meta) in enumerate(items, 1):
        if meta is None:
            if Path(file).suffix.lower() in (".csv", ".xlsx") and (Path(file).stem.lower().startswith("codings")
                                                                  or Path(file).name.lower() in ("memos.csv", "users.csv")):
                continue  # codings, memos and users kept beside the transcripts (`qualcode import` writes them)
            if Path(file).suffix.lower() in (".csv", ".xlsx"):
                problems.append(
                    Problem(file, "not listed in sources.csv; CSV/XLSX files are read only as surveys listed there "
                            "(method survey, id_column, question_columns). It was ignored.", None, "warning")
                )
                continue
            meta = SourceMeta(file=file, source_id=Path(file).stem)
            if plan.has_manifest:
                problems.append(Problem(file, "not listed in sources.csv; loaded with source_id "
                                        f"{meta.source_id!r} and its front matter (method interview unless it says "
                                        "otherwise); add a row to sources.csv.", None, "warning"))
        source, found = load_source(root, meta, people, max_bytes)
        problems += found
        if source is not None:
            other = sources[source.source_id].meta.file if source.source_id in sources else taken.get(source.source_id)
            if other is not None:
                problems.append(
                    Problem(file, f"duplicate source_id {source.source_id!r} (also {other}); "
                            "give each source its own source_id. This file was skipped.")
                )
            else:
                sources[source.source_id] = source
        if progress:
            progress(done, len(items), file)
    return sources, problems


def no_participants_warning(root: Path) -> Problem:
    return Problem(str(root), f"no {PARTICIPANTS_FILE}: every speaker became a participant of group "
                   f"{UNGROUPED!r}; add {PARTICIPANTS_FILE} (participant_id,group,label) to group them.", None, "warning")


def check_loaded(root: Path, loaded: int, problems: list[Problem], strict: bool) -> None:
    """Raise :class:`CorpusError` for strict mode with problems, or when no source could be loaded."""
    if strict and problems:
        raise CorpusError(
            f"{len(problems)} problem(s) in {root} (strict mode):\n" + "\n".join(f"  {p}" for p in problems), problems
        )
    if not loaded:
        listing = "\n".join(f"  {p}" for p in problems)
        raise CorpusError(
            f"{root}: no source could be loaded (looked for {', '.join(sorted(READERS))}).\n{listing}".rstrip(), problems
        )


def load_corpus(
    path: str | Path,
    *,
    strict: bool = False,
    max_file_size: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int, str], None] | None = None,
) -> "Corpus":
    """Load a transcripts folder (searched recursively) into a :class:`Corpus`.

    A bad file is reported in ``corpus.problems`` and skipped; with ``strict=True`` any problem
    (warnings included) raises :class:`CorpusError` listing them all. ``progress(done, total, file)``
    is called after each file.

    >>> corpus = qualcode.load_corpus("transcripts_sample/")
    >>> len(corpus), corpus.groups[:2], corpus.problems
    (26, ['Key Stakeholders', 'Referrers'], [])
    """
    from .corpus import Corpus

    plan = plan_corpus(path)
    people = ParticipantIndex(plan.participants)
    sources, found = load_sources(plan, plan.items, people, max_file_size, progress=progress)
    problems = plan.problems + found
    if not people.listed and sources:
        problems.insert(0, no_participants_warning(plan.root))
    check_loaded(plan.root, len(sources), problems, strict)
    return Corpus(plan.root, people.frame(), sources, problems)
