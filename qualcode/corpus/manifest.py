"""Participant and source metadata: ``participants.csv``, ``sources.csv`` and YAML front matter.

Front matter wins over the manifest; a disagreement between them is reported as a warning.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from ..errors import ManifestError
from .model import METHODS, Problem, SourceMeta
from ..textio import read_text, yaml_cost_problem

PARTICIPANTS_FILE = "participants.csv"
SOURCES_FILE = "sources.csv"
#: The project database (issue 16) and SQLite's companion files: never read as sources.
PROJECT_FILE = "qualcode-project.db"
#: Where ``qualcode project backup`` puts backups by default (inside the sources folder, never read as sources).
BACKUP_FOLDER = "qualcode-backups"
PROJECT_FILES = (PROJECT_FILE, PROJECT_FILE + "-wal", PROJECT_FILE + "-shm", PROJECT_FILE + "-journal")
MANIFEST_COLUMNS = (
    "file", "source_id", "method", "participants", "date", "wave", "researchers", "aliases",
    "id_column", "group_column", "question_columns",
)
_LIST_FIELDS = ("participants", "researchers", "question_columns")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _parse_aliases(value, where: str) -> dict[str, str]:
    """``"Dr Amber=GP8; Nurse=GP9"`` or a YAML mapping -> ``{"Dr Amber": "GP8", ...}``."""
    if isinstance(value, dict):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    aliases = {}
    for part in _split_list(str(value)):
        if "=" not in part:
            raise ManifestError(f"{where}: alias {part!r} should read 'Label=participant_id'.")
        label, pid = part.split("=", 1)
        aliases[label.strip()] = pid.strip()
    return aliases


def split_front_matter(text: str, file: str) -> tuple[dict, int]:
    """Parse a leading ``---`` YAML block; return ``(fields, offset of the body)``.

    Raises :class:`ManifestError` naming the file and line of malformed YAML.
    """
    if not text.startswith("---\n"):
        return {}, 0
    end = _FRONT_MATTER_END.search(text, 4)
    if end is None:
        raise ManifestError(
            f"{file}:1: front matter starts with '---' but has no closing '---' line; add one after the metadata."
        )
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    block = text[4 : end.start()]
    costly = yaml_cost_problem(block)
    if costly:
        raise ManifestError(f"{file}:{costly[0] + 1}: front matter refused: {costly[1]}.")
    try:
        fields = YAML(typ="safe", pure=True).load(block)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        raise ManifestError(f"{file}:{line}: malformed front matter: {exc.problem}; fix the YAML there.") from None
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise ManifestError(f"{file}:2: front matter must be a mapping of 'key: value' lines, not {type(fields).__name__}.")
    body = end.end() + 1 if text[end.end() : end.end() + 1] == "\n" else end.end()
    return fields, body


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip() or None


def meta_fields(raw: dict, where: str) -> dict:
    """Normalise manifest/front-matter values into :class:`SourceMeta` keyword arguments."""
    fields: dict = {}
    for key, value in raw.items():
        key = str(key).strip()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in _LIST_FIELDS:
            fields[key] = [str(v).strip() for v in value] if isinstance(value, list) else _split_list(str(value))
        elif key == "aliases":
            fields[key] = _parse_aliases(value, where)
        elif key in MANIFEST_COLUMNS:
            fields[key] = _text(value)
    return fields


def _read_csv(path: Path):
    import pandas as pd

    text, _ = read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ManifestError(f"{path}: not a readable CSV ({exc}); check quoting and commas.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    from ..writers.cells import unescape_frame

    return unescape_frame(frame.apply(lambda col: col.str.strip()))


def read_participants(root: Path):
    """Read ``participants.csv``; return ``(DataFrame or None, problems)``.

    Required columns ``participant_id`` and ``group``; ``label`` defaults to the id; other columns are
    participant attributes.
    """
    path = root / PARTICIPANTS_FILE
    if not path.exists():
        return None, []
    frame = _read_csv(path)
    missing = [c for c in ("participant_id", "group") if c not in frame.columns]
    if missing:
        raise ManifestError(
            f"{path}: missing column(s) {', '.join(missing)}; the header needs participant_id,group[,label,...] "
            f"(found: {', '.join(frame.columns)})."
        )
    problems = []
    if "label" not in frame.columns:
        frame.insert(2, "label", "")
    keep = []
    seen: set[str] = set()
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        pid = row["participant_id"]
        if not pid:
            problems.append(Problem(str(path), "empty participant_id; the row was ignored.", line))
        elif pid in seen:
            problems.append(Problem(str(path), f"duplicate participant_id {pid!r}; the later row was ignored.", line))
        elif not row["group"]:
            problems.append(
                Problem(str(path), f"participant {pid!r} has no group; give every participant a group.", line)
            )
        else:
            seen.add(pid)
            keep.append(i)
    frame = frame.loc[keep].reset_index(drop=True)
    frame["label"] = frame["label"].where(frame["label"] != "", frame["participant_id"])
    ordered = ["participant_id", "group", "label"]
    ordered += [c for c in frame.columns if c not in ordered]
    frame = frame[ordered].astype(object)
    return frame.where(frame != "", None), problems


def read_sources_manifest(root: Path) -> tuple[dict[str, SourceMeta], list[Problem]]:
    """Read ``sources.csv``; return ``({relative file: SourceMeta}, problems)``."""
    path = root / SOURCES_FILE
    if not path.exists():
        return {}, []
    frame = _read_csv(path)
    if "file" not in frame.columns:
        raise ManifestError(f"{path}: missing column 'file' (path of each source relative to the folder).")
    problems: list[Problem] = []
    extra = [c for c in frame.columns if c not in MANIFEST_COLUMNS]
    metas: dict[str, SourceMeta] = {}
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        file = row["file"].replace("\\", "/")
        if not file:
            problems.append(Problem(str(path), "empty 'file' value; the row was ignored.", line))
            continue
        where = f"{path}:{line}"
        try:
            fields = meta_fields({k: row[k] for k in frame.columns if k in MANIFEST_COLUMNS}, where)
        except ManifestError as exc:
            problems.append(Problem(str(path), str(exc).split(": ", 1)[1] + " The source was skipped.", line))
            continue
        fields["file"] = file
        fields.setdefault("source_id", Path(file).stem)
        meta = SourceMeta(**fields)
        meta.attributes = {c: row[c] for c in extra if row[c]}
        meta.manifest_line = line
        if file in metas:
            problems.append(Problem(str(path), f"file {file!r} is listed twice; the later row was ignored.", line))
            continue
        metas[file] = meta
    return metas, problems


def check_method(meta: SourceMeta) -> str | None:
    """A message if ``meta.method`` is not a known method, else ``None``."""
    if meta.method is not None and meta.method not in METHODS:
        return f"unknown method {meta.method!r} for source {meta.source_id}; use one of {', '.join(METHODS)}."
    return None


def merge_front_matter(meta: SourceMeta, front: dict, file: str) -> tuple[SourceMeta, list[Problem]]:
    """Apply front-matter ``front`` over manifest ``meta``; front matter wins, conflicts are warned about."""
    problems = []
    fields = meta_fields(front, file)
    for key, value in fields.items():
        old = getattr(meta, key, None)
        if old not in (None, [], {}) and old != value:
            problems.append(
                Problem(
                    file,
                    f"front matter says {key}={value!r} but sources.csv says {old!r}; using the front matter. "
                    "Make them agree.",
                    1,
                    "warning",
                )
            )
        setattr(meta, key, value)
    unknown = sorted(set(map(str, front)) - set(MANIFEST_COLUMNS))
    for key in unknown:
        meta.attributes[key] = _text(front[key])
    return meta, problems
