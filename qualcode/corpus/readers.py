"""Readers by file format: one function per format, one line per suffix in :data:`READERS`.

A reader turns a file into a :class:`RawDocument`: the source's normalised text and, where the format
fixes them (captions, surveys), its turns; for plain transcripts the turns are found afterwards from
``LABEL:`` lines (see :mod:`qualcode.corpus.turns`). Adding a format is adding a function and a line.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceFormatError
from .manifest import split_front_matter
from .model import SourceMeta
from .safezip import check_xml_parts, open_zip
from ..textio import check_size, normalise_newlines, read_text
from .turns import RawTurn


@dataclass
class RawDocument:
    text: str
    turns: list[RawTurn] | None = None  # None: find turns from LABEL: lines
    front_matter: dict = field(default_factory=dict)
    encoding: str | None = None
    first_line: int = 1  # line number of the text's first line in the file (after front matter)
    respondents: dict[str, str | None] = field(default_factory=dict)  # survey: id -> group column value
    warnings: list[tuple[int | None, str]] = field(default_factory=list)  # (line, message): repaired, loaded


def read_plain(path: Path, meta: SourceMeta, max_bytes: int) -> RawDocument:
    """``.txt`` / ``.md``: text with optional YAML front matter."""
    text, encoding = read_text(path, max_bytes)
    front, body = split_front_matter(text, str(path))
    first_line = text.count("\n", 0, body) + 1
    if front and not text[body:].strip():
        raise SourceFormatError(f"{path}: the file has front matter but no transcript text after it.")
    return RawDocument(text[body:], None, front, encoding, first_line)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def read_docx(path: Path, meta: SourceMeta, max_bytes: int) -> RawDocument:
    """``.docx``: paragraphs (and two-column table rows) in order; a bold leading run is a speaker label."""
    import docx
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    check_size(path, max_bytes)
    with open_zip(path, ".docx") as zf:
        names = set(zf.namelist())
        if "word/document.xml" not in names:
            raise SourceFormatError(f"{path}: a zip but not a Word document (no word/document.xml); re-save it as .docx.")
        check_xml_parts(zf, str(path), max_bytes)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises a zoo of errors on damaged packages
        raise SourceFormatError(f"{path}: cannot read this Word document ({exc}); open and re-save it in Word.") from None
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_docx_paragraph(Paragraph(child, document)))
        elif tag == "tbl":
            table = Table(child, document)
            # The cells as written, one per <w:tc>: python-docx's row.cells repeats a cell once per column
            # it spans (gridSpan) and walks vertical merges recursively, unbounded work on a crafted file.
            for tr in child.tr_lst:
                cells = [_Cell(tc, table).text.strip() for tc in tr.tc_lst]
                cells = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]
                if len(cells) >= 2 and len(cells[0]) <= 40 and "\n" not in cells[0]:
                    lines.append(f"{cells[0].rstrip(':')}: {' '.join(cells[1:])}")
                elif cells:
                    lines.append(" ".join(cells))
    text = normalise_newlines("\n\n".join(line for line in lines if line.strip()))
    text = _XML_ILLEGAL.sub("", text)
    if not text.strip():
        raise SourceFormatError(f"{path}: the Word document has no text; check it is the transcript.")
    return RawDocument(text, None, {}, "docx")


def _docx_paragraph(paragraph) -> str:
    runs = paragraph.runs
    label_parts = []
    for run in runs:
        if not run.text:
            continue
        if run.bold or (run.style is not None and run.style.font.bold):
            label_parts.append(run.text)
        else:
            break
    text = paragraph.text
    label = "".join(label_parts).strip()
    if not label or len(label) > 41:
        return text
    rest = text[len("".join(label_parts)) :].lstrip()
    if not rest and not label.endswith(":"):
        return text  # a bold heading, not a speaker
    label = label.rstrip(":").strip()
    rest = rest[1:].lstrip() if rest.startswith(":") else rest
    return f"{label}: {rest}" if rest else f"{label}:"


def _caption_turns(captions, name: str) -> RawDocument:
    """Merge consecutive cues of one speaker into turns and lay them out as ``Speaker: text`` lines."""
    merged: list[list] = []  # [speaker, [texts], start, end]
    for cap in captions:
        speaker = getattr(cap, "voice", None)
        body = html.unescape(" ".join(line.strip() for line in cap.text.splitlines() if line.strip()))
        if speaker is None:
            match = re.match(r"^([A-Za-z\[][^:\n]{0,39}?):\s+(.*)$", body)
            if match:
                speaker, body = match.group(1).strip(), match.group(2)
        if not body:
            continue
        if merged and merged[-1][0] == speaker:
            merged[-1][1].append(body)
            merged[-1][3] = cap.end
        else:
            merged.append([speaker, [body], cap.start, cap.end])
    if not merged:
        raise SourceFormatError(f"{name}: no captions with text were found; check the file is a complete export.")
    parts: list[str] = []
    turns: list[RawTurn] = []
    pos = 0
    for speaker, bodies, start, end in merged:
        prefix = f"{speaker}: " if speaker else ""
        content = " ".join(bodies)
        turns.append(RawTurn(speaker, pos + len(prefix), pos + len(prefix) + len(content), len(parts) * 2 + 1, start, end))
        parts.append(prefix + content)
        pos += len(prefix) + len(content) + 2
    return RawDocument("\n\n".join(parts) + "\n", turns)


def read_captions(path: Path, meta: SourceMeta, max_bytes: int) -> RawDocument:
    """``.vtt`` (voice tags ``<v Name>`` or ``Name:`` prefixes) and ``.srt`` (``Name:`` prefixes)."""
    import webvtt
    from webvtt.errors import MalformedFileError

    text, encoding = read_text(path, max_bytes)
    kind = "srt" if path.suffix.lower() == ".srt" else "vtt"
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=kind).captions
    except (MalformedFileError, ValueError, IndexError) as exc:
        hint = "it must start with a WEBVTT line" if kind == "vtt" else "cues need an index and an 'a --> b' line"
        raise SourceFormatError(f"{path}: not a valid .{kind} caption file ({exc}); {hint}.") from None
    captions, warnings = _keep_unreadable_cues(text, captions, kind)
    document = _caption_turns(captions, str(path))
    document.encoding = encoding
    document.warnings = warnings
    document.turns = [_line_free(turn) for turn in document.turns]
    return document


_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"^\s*({_TIME})\s+-->\s+({_TIME})(?:\s.*)?$")


@dataclass
class _Cue:
    """A cue whose time line the caption library could not read: its words are kept."""

    text: str
    voice: str | None
    start: str = ""
    end: str = ""


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(p) * 60 ** i for i, p in enumerate(reversed(parts)))


def _keep_unreadable_cues(text: str, captions: list, kind: str) -> tuple[list, list[tuple[int, str]]]:
    """Put back, in file order, the cues whose time line is malformed (the caption library drops them and
    their words would vanish), and warn about those and about cues that end before they start."""
    blocks, line_no = [], 1
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.split("\n")
        arrow = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if arrow is not None and any(line.strip() for line in lines[arrow + 1:]):
            blocks.append((line_no + arrow, lines[arrow], lines[arrow + 1:]))
        line_no += block.count("\n") + 2
    readable = [b for b in blocks if _TIMING.match(b[1])]
    warnings: list[tuple[int, str]] = []
    for line, timing, _ in readable:
        start, end = _TIMING.match(timing).groups()
        if _seconds(end) < _seconds(start):
            warnings.append((line, f"the cue ends before it starts ({timing.strip()}); its words were kept in "
                                   "file order; fix the time."))
    if len(readable) == len(blocks) or not readable:  # no readable time at all: not a caption file (an error)
        return captions, warnings
    if len(readable) != len(captions):  # cannot line the library's cues up with the file's: say so
        warnings.append((blocks[0][0], f"{len(blocks) - len(captions)} cue(s) have a time line that cannot be read "
                                       "and their words were left out; fix the 'start --> end' lines."))
        return captions, warnings
    merged, given = [], iter(captions)
    for line, timing, body in blocks:
        if _TIMING.match(timing):
            merged.append(next(given))
            continue
        words = " ".join(line.strip() for line in body if line.strip())
        voice = re.match(r"<v(?:\.[^ >]*)?\s+([^>]+)>", words)
        words = html.unescape(re.sub(r"<[^>]+>", "", words)).strip()
        merged.append(_Cue(words, voice.group(1).strip() if voice else None))
        warnings.append((line, f"the cue time {timing.strip()!r} is malformed; its words were kept (without "
                               "times) in file order; fix it as 'hh:mm:ss.mmm --> hh:mm:ss.mmm'."))
    return merged, warnings


def _line_free(turn: RawTurn) -> RawTurn:
    turn.line = None  # lines of the rebuilt text mean nothing in the caption file
    turn.time_start, turn.time_end = (str(turn.time_start) or None), (str(turn.time_end) or None)
    return turn


def _survey_frame(path: Path, max_bytes: int):
    import pandas as pd

    if path.suffix.lower() == ".xlsx":
        check_size(path, max_bytes)
        with open_zip(path, ".xlsx") as zf:
            check_xml_parts(zf, str(path), max_bytes)
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl"), "xlsx"
        except Exception as exc:
            raise SourceFormatError(f"{path}: cannot read this workbook ({exc}); re-save it from Excel.") from None
    text, encoding = read_text(path, max_bytes)
    from ..writers.cells import unescape_frame

    try:
        return unescape_frame(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)), encoding
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceFormatError(f"{path}: not a readable CSV ({exc}); check quoting and commas.") from None


def read_survey(path: Path, meta: SourceMeta, max_bytes: int) -> RawDocument:
    """``.csv`` / ``.xlsx`` survey export: one row per respondent; each non-empty answer is a turn."""
    frame, encoding = _survey_frame(path, max_bytes)
    frame.columns = [str(c).strip() for c in frame.columns]
    columns = list(frame.columns)
    id_column = meta.id_column or next((c for c in ("respondent_id", "participant_id", "id") if c in columns), None)
    if id_column is None or id_column not in columns:
        raise SourceFormatError(
            f"{path}: no respondent id column {id_column or ''!r}; set id_column in sources.csv "
            f"(columns are: {', '.join(columns)})."
        )
    if meta.group_column and meta.group_column not in columns:
        raise SourceFormatError(
            f"{path}: group_column {meta.group_column!r} is not a column; columns are: {', '.join(columns)}."
        )
    questions = meta.question_columns or [c for c in columns if c not in (id_column, meta.group_column)]
    missing = [q for q in questions if q not in columns]
    if missing:
        raise SourceFormatError(
            f"{path}: question column(s) {', '.join(map(repr, missing))} not found; columns are: {', '.join(columns)}. "
            "Fix question_columns in sources.csv."
        )
    parts: list[str] = []
    turns: list[RawTurn] = []
    respondents: dict[str, str | None] = {}
    pos = 0
    seen: set[str] = set()
    for i, row in frame.iterrows():
        rid = str(row[id_column]).strip()
        line = i + 2
        if not rid:
            raise SourceFormatError(f"{path}:{line}: empty respondent id in column {id_column!r}; fill it in.")
        if rid in seen:
            raise SourceFormatError(f"{path}:{line}: respondent {rid!r} appears twice; ids must be unique.")
        seen.add(rid)
        respondents[rid] = (str(row[meta.group_column]).strip() or None) if meta.group_column else None
        for question in questions:
            answer = normalise_newlines(str(row[question])).strip()
            if not answer:
                continue
            header = f"{rid} | {question}\n"
            turns.append(RawTurn(rid, pos + len(header), pos + len(header) + len(answer), line, question=question))
            parts.append(header + answer)
            pos += len(header) + len(answer) + 2
    if not turns:
        raise SourceFormatError(f"{path}: the survey has no answers in {', '.join(map(repr, questions))}.")
    return RawDocument("\n\n".join(parts) + "\n", turns, {}, encoding, respondents=respondents)


#: File suffix -> reader. Survey readers need ``method: survey`` (or a ``question_columns`` entry).
READERS = {
    ".txt": read_plain,
    ".md": read_plain,
    ".docx": read_docx,
    ".vtt": read_captions,
    ".srt": read_captions,
    ".csv": read_survey,
    ".xlsx": read_survey,
}
