"""A REFI-QDA project as a qualcode study folder: :func:`import_qdpx` and :func:`read_qdpx`.

``qualcode import project.qdpx -o study/`` writes::

    study/
      texts/<source>.txt       one per text source (a survey exported by qualcode comes back as .csv)
      sources.csv              source_id, method, participants, date, ... and the source variables
      participants.csv         one row per case: participant_id, group, label and the case variables
      codebook.yaml            the codes, nested as themes > sub-themes > codes, with their GUIDs
      codings_<coder>.csv      per coder, in the human-codings format (source_id, start, end, code, coder)
      notes.yaml               project notes that belong to no code, source or selection

``study/`` loads like any transcripts folder (``qualcode code study/ -c study/codebook.yaml``) and each
codings file reads with :func:`qualcode.read_codings`. Nothing is extracted from the archive: texts
are decoded, normalised and written by qualcode under ``study/``. Existing files are never replaced
without ``force``.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

from ..errors import OutputExistsError, QualcodeError, SourceFormatError
from ..corpus.manifest import MANIFEST_COLUMNS
from ..corpus.model import METHODS, Problem
from ..output import write_text
from ..corpus.safezip import ZipLimits
from .reader import ImportedSource, RefiProject, read_project
from .report import RefiReport
from .survey import survey_table
from .xmlio import derived_guid, guid_key

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

TEXTS = "texts"
#: The memos table (journal, memos, annotations) and the project's users with their GUIDs.
MEMOS_FILE, USERS_FILE = "memos.csv", "users.csv"
_IGNORED_STEMS = {"readme", "license", "licence", "changelog", "notes"}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def import_qdpx(path: str | Path, out: str | Path, *, force: bool = False, base: "Codebook | None" = None,
                group_variable: str | None = None,
                limits: ZipLimits | None = None, strict: bool = False) -> RefiReport:
    """Read a ``.qdpx`` (or ``.qde``) project and write it as a study folder ``out`` (see the module doc).

    ``base``: a codebook whose nodes (matched by GUID, then label) keep their ids, rules, origin and
    status. ``group_variable``: the case variable holding the participant group (found by name if not
    given). ``strict``: any problem is an error and nothing is written.

    >>> report = qualcode.write_qdpx(corpus, codebook, codings, tmp / "study.qdpx")
    >>> report = qualcode.import_qdpx(tmp / "study.qdpx", tmp / "study")
    >>> len(qualcode.load_corpus(tmp / "study")) == len(corpus)
    True
    """
    report, _ = _import(path, out, force=force, base=base, group_variable=group_variable, limits=limits, strict=strict)
    return report


def read_qdpx(path: str | Path, *, base: "Codebook | None" = None, group_variable: str | None = None,
              limits: ZipLimits | None = None, strict: bool = False) -> "QdpxRead":
    """Read a REFI-QDA project; return ``(corpus, codebook, codings)``, with ``.memos`` and ``.users``.

    ``.memos`` is the memos table (:mod:`qualcode.refi.memos`): the journal, memos on sources, participants,
    codes and codings, and annotations, each with its coder and time; ``.users`` maps every user to its GUID.
    Give both back to :func:`write_qdpx` (``memos=``, ``users=``) to export the project without loss.

    ``codings`` is an ordinary codings table (``origin`` human, or rule/model/meaning for ``rules@``/``model@``/``meaning:``
    coders). The import's problems are at the front of ``corpus.problems``.

    >>> report = qualcode.write_qdpx(corpus, codebook, codings, tmp / "study.qdpx")
    >>> corpus2, codebook2, codings2 = qualcode.read_qdpx(tmp / "study.qdpx", base=codebook)
    >>> len(codings2) == len(codings), sorted(codebook2.nodes) == sorted(codebook.nodes)
    (True, True)
    """
    from ..codebook.model import Codebook
    from ..corpus.loading import CorpusError, load_corpus

    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="qualcode-refi-") as tmp:
        folder = Path(tmp) / "study"
        report, project = _import(path, folder, base=base, group_variable=group_variable, limits=limits, strict=strict,
                                  atomic=False)
        if not project.sources:
            listing = "\n".join(f"  {p}" for p in report.problems)
            raise SourceFormatError(f"{path}: no text source could be imported.\n{listing}".rstrip())
        try:
            corpus = load_corpus(folder, strict=strict)
        except CorpusError as exc:
            raise CorpusError(str(exc).replace(str(folder), str(path)), exc.problems) from None
        codebook = None
        if (folder / "codebook.yaml").exists():
            codebook = Codebook.from_yaml(folder / "codebook.yaml")
            codebook.path, codebook._disk_digest = None, None
    corpus.root = path
    for problem in corpus.problems:
        problem.file = problem.file.replace(str(folder), str(path))
    for source in corpus:
        source.path = path
    codings, problems = codings_table(project.codings, corpus, codebook, str(path))
    corpus.problems = report.problems + problems + corpus.problems
    from .memos import memos_frame

    return QdpxRead(corpus, codebook, codings, memos_frame(project.memos), dict(project.user_guids))


class QdpxRead(tuple):
    """``(corpus, codebook, codings)`` as returned by :func:`read_qdpx`, with ``.memos`` (the memos table) and
    ``.users`` (``{name: GUID}``, every user of the project, including those who coded nothing)."""

    def __new__(cls, corpus, codebook, codings, memos, users):
        self = super().__new__(cls, (corpus, codebook, codings))
        self.memos, self.users = memos, users
        return self

    corpus = property(lambda self: self[0])
    codebook = property(lambda self: self[1])
    codings = property(lambda self: self[2])


def codings_table(rows: list[dict], corpus, codebook, where: str):
    """Imported coding rows -> ``(codings table, problems)`` via the human-codings reader."""
    import pandas as pd

    from ..coding.table import empty_codings
    from ..human.codings import human_rows

    if not rows or codebook is None:
        return empty_codings(), []
    frame, messages = human_rows(pd.DataFrame(rows), corpus, codebook, name=where)  # origin from the coder's name
    return frame, [Problem(where, message, None, "error") for message in messages]


# -- the folder ------------------------------------------------------------------------------------
def _import(path, out, *, force=False, base=None, group_variable=None, limits=None, strict=False, atomic=True):
    path, out = Path(path), Path(out)
    project = read_project(path, limits=limits, base=base, group_variable=group_variable)
    files = _layout(project, out)
    if out.exists() and not out.is_dir():
        raise QualcodeError(f"{out} is a file; give a folder to import the project into.")
    existing = [f for f in files if (out / f).exists()]
    if existing and not force:
        shown = ", ".join(existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise OutputExistsError(f"{out} already holds {len(existing)} of the files this import writes ({shown}); "
                                "pass --force to replace them, or import into a new folder.")
    stale = sorted(p.relative_to(out).as_posix() for p in (out / TEXTS).rglob("*")
                   if p.is_file() and p.relative_to(out).as_posix() not in files) if (out / TEXTS).is_dir() else []
    if stale:
        project.problems.append(Problem(str(out), f"{len(stale)} file(s) under {TEXTS}/ are not from this project "
                                        f"({', '.join(stale[:3])}{' ...' if len(stale) > 3 else ''}) and will be loaded "
                                        "with the study; remove them if they are left over from an earlier import.",
                                        None, "warning"))
    if strict and project.problems:
        raise QualcodeError(f"{len(project.problems)} problem(s) in {path} (strict mode); nothing was written:\n"
                            + "\n".join(f"  {p}" for p in project.problems))
    for relative in files:
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
    if atomic:
        written = [write_text(out / relative, content, force=force) for relative, content in files.items()]
    else:  # a private temporary folder (read_qdpx): no reader can see a half-written file there
        written = [out / relative for relative in files]
        for path_, content in zip(written, files.values()):
            path_.write_text(content, encoding="utf-8", newline="")
    detection = project.detection
    positions = None
    if detection is not None:
        positions = detection.convention.description
        if not detection.ambiguous:
            positions += "; every reading gives the same offsets here (no CRLF or emoji before a selection)"
    counts = {"sources": len(project.sources), "participants": len(project.cases), "codes": project.codes.count,
              "codings": len(project.codings), "users": len(project.users)}
    coders = list(dict.fromkeys(row["coder"] for row in project.codings))
    report = RefiReport("imported", path, out, counts, project.problems, written, positions, coders)
    return report, project


def _layout(project: RefiProject, out: Path) -> dict[str, str]:
    """Relative path -> file content for everything the import writes."""
    files: dict[str, str] = {}
    groups = {row["participant_id"]: row["group"] for row in project.cases}
    manifest: list[dict] = []
    taken: set[str] = set()
    for source in project.sources:
        row, relative, content = _source_file(source, groups, taken, project)
        files[relative] = content
        manifest.append(row)
    if manifest:
        files["sources.csv"] = _csv(manifest, list(MANIFEST_COLUMNS))
    if project.cases:
        cases = []
        for case in project.cases:
            row = dict(case)
            guid = row.pop("guid", "")
            if guid and guid_key(guid) != guid_key(derived_guid("case", row["participant_id"])):
                row["guid"] = guid  # keep a vendor's GUID so an export goes back to the same case
            cases.append(row)
        files["participants.csv"] = _csv(cases, ["participant_id", "group", "label"])
    if project.codes.themes:
        from .codes import codebook_from_codes

        book = codebook_from_codes(project.codes, name=project.name,
                                   description=f"Imported from {project.path.name} ({project.origin or 'REFI-QDA'}).",
                                   base=project.base)
        files["codebook.yaml"] = book.to_string()
    by_coder: dict[str, list[dict]] = {}
    for row in project.codings:
        by_coder.setdefault(row["coder"], []).append(row)
    names: set[str] = set()
    for coder, rows in by_coder.items():
        stem = _unique_name(f"codings_{_safe(coder).replace(' ', '-') or 'coder'}", names)
        columns = ["source_id", "start", "end", "code", "coder", "quote"] + (["memo"] if any(r["memo"] for r in rows) else [])
        files[f"{stem}.csv"] = _csv([{k: r[k] for k in columns} for r in rows], columns)
    if project.notes:
        files["notes.yaml"] = _notes_yaml(project)
    if project.memos:
        from .memos import MEMO_COLUMNS

        files[MEMOS_FILE] = _csv([{k: ("" if m[k] is None else m[k]) for k in MEMO_COLUMNS} for m in project.memos],
                                 list(MEMO_COLUMNS))
    if project.user_guids:
        files[USERS_FILE] = _csv([{"user": name, "guid": guid} for name, guid in project.user_guids.items()], ["user", "guid"])
    return files


def read_study_extras(folder: str | Path):
    """``(memos table or None, {user: GUID} or None)`` kept in a study folder by ``qualcode import``."""
    import pandas as pd

    from .memos import memos_frame

    folder = Path(folder)
    if not folder.is_dir():
        return None, None
    memos = users = None
    if (folder / MEMOS_FILE).is_file():
        frame = pd.read_csv(folder / MEMOS_FILE, dtype=str, keep_default_na=False)
        memos = memos_frame(frame.to_dict("records"))
    if (folder / USERS_FILE).is_file():
        frame = pd.read_csv(folder / USERS_FILE, dtype=str, keep_default_na=False)
        users = dict(zip(frame["user"], frame["guid"]))
    return memos, users


def _source_file(source: ImportedSource, groups: dict[str, str], taken: set[str], project: RefiProject):
    row: dict = {"source_id": source.source_id}
    extras: dict = {}
    for name, value in source.variables.items():
        key = "_".join(name.casefold().split())
        if key in MANIFEST_COLUMNS and key not in ("file", "source_id"):
            row[key] = value
        else:
            extras[name] = value
    method = str(row.get("method") or "").strip().lower().replace(" ", "_").replace("-", "_")
    if row.get("method") and method not in METHODS:
        extras["method (as exported)"] = row["method"]
        project.problems.append(Problem(str(project.path), f"source {source.source_id!r}: method {row['method']!r} is not "
                                        f"one of {', '.join(METHODS)}; it was kept as an attribute.", None, "warning"))
        method = ""
    if not method:  # a source no case is linked to is a document: no speakers are looked for in it
        method = {0: "document", 1: "interview", 2: "joint_interview"}.get(len(source.participants), "focus_group")
    row["method"] = method
    if source.sets:
        extras["sets"] = ";".join(source.sets)
    if guid_key(source.guid) != guid_key(derived_guid("source", source.source_id)):
        extras["guid"] = source.guid  # keep a vendor's GUID so an export goes back to the same source
    stem = _unique_name(_file_stem(source.source_id), taken)
    content = source.text
    suffix = ".txt"
    if method == "survey":
        table = _survey_csv(source, row, groups)
        if table is None:
            project.problems.append(Problem(str(project.path), f"source {source.source_id!r} says it is a survey, but its "
                                            "text is not qualcode's survey layout (or question_columns is missing); it "
                                            "was imported as a text source.", None, "warning"))
            row["method"] = "interview"
            for key in ("id_column", "group_column", "question_columns"):
                row.pop(key, None)
        else:
            content, suffix = table, ".csv"
    else:
        row["participants"] = ";".join(source.participants) or row.get("participants", "")
        for key in ("id_column", "group_column", "question_columns"):
            if row.get(key):
                extras[key] = row.pop(key)
    if suffix == ".txt" and content.startswith("---\n"):
        content = "---\n---\n" + content  # an empty front matter, so the text's own '---' line is kept as text
    row["file"] = f"{TEXTS}/{stem}{suffix}"
    return row | extras, row["file"], content


def _survey_csv(source: ImportedSource, row: dict, groups: dict[str, str]) -> str | None:
    questions = [q.strip() for q in str(row.get("question_columns") or "").split(";") if q.strip()]
    if not questions:  # qualcode no longer exports its internal survey settings: find the questions in the text
        questions = list(dict.fromkeys(re.findall(r"(?:^|\n\n)[^\n|]+? \| ([^\n]+)\n", source.text)))
    table = survey_table(source.text, questions)
    if table is None:
        return None
    id_column = row.get("id_column") or "respondent_id"
    group_column = row.get("group_column") or "respondent_group"
    row["id_column"], row["group_column"], row["participants"] = id_column, group_column, ""
    records = [{id_column: rid, group_column: groups.get(rid, ""), **answers} for rid, answers in table]
    return _csv(records, [id_column, group_column, *questions])


def _csv(rows: list[dict], first: list[str]) -> str:
    from ..writers.cells import escape_cell

    columns = list(first) + [c for c in dict.fromkeys(k for r in rows for k in r) if c not in first]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else escape_cell(v)) for k, v in r.items()} for r in rows)
    return buffer.getvalue()


def _notes_yaml(project: RefiProject) -> str:
    from ..codebook.model import yaml_rt
    from .codes import _literal

    buffer = io.StringIO()
    yaml_rt().dump({"project": project.name, "notes": _literal([{k: v for k, v in n.items() if v} for n in project.notes])},
                   buffer)
    return buffer.getvalue()


def _safe(name: str) -> str:
    return _UNSAFE.sub("-", " ".join(str(name).split())).strip(" .-")[:80]


def _file_stem(source_id: str) -> str:
    stem = _safe(source_id).lstrip("._~$").replace(" ", "_") or "source"
    return f"{stem}-source" if stem.lower() in _IGNORED_STEMS else stem


def _unique_name(stem: str, taken: set[str]) -> str:
    """``stem``, or ``stem-2``, ... unused so far (case-insensitively: macOS and Windows folders)."""
    value, i = stem, 2
    while value.casefold() in taken:
        value, i = f"{stem}-{i}", i + 1
    taken.add(value.casefold())
    return value
