"""Human codings: the spreadsheet format people write, turned into ordinary codings-table rows.

A human-codings file (csv or xlsx) has one row per coding::

    source_id, start, end, code, coder          # offsets into the source's normalised text
    source_id, quote, code, coder               # or the quoted text, located in the source
    id, document, tag, content                  # or Taguette's highlights export (coder "taguette" by default)

``code`` is a code id or label; ``coder`` may be a column or given once for the whole file. A quote is
found tolerantly: runs of white space and curly/straight quote marks and dashes are treated as equal.
A missing or ambiguous quote, an unknown code or source, or bad offsets are reported with the row
number (and the closest known code) and the row is skipped; ``strict=True`` raises instead.

>>> human = qualcode.read_codings("coder_a.csv", corpus, codebook)        # doctest: +SKIP
"""

from __future__ import annotations

import bisect
import re
import warnings
from pathlib import Path

from ..coding.table import CODING_COLUMNS, empty_codings
from ..errors import CodingsError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
                       "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})
_SPACE = re.compile(r"\s+")


def fold(text: str) -> tuple[str, list[int]]:
    """Normalise quote marks, dashes and runs of white space; return ``(folded, positions)`` where
    ``positions[i]`` is the index in ``text`` of folded character ``i`` (plus a final end position)."""
    out, positions = [], []
    translated = text.translate(_FOLD)
    i, n = 0, len(translated)
    while i < n:
        ch = translated[i]
        if ch.isspace():
            j = i
            while j < n and translated[j].isspace():
                j += 1
            out.append(" ")
            positions.append(i)
            i = j
        else:
            out.append(ch)
            positions.append(i)
            i += 1
    positions.append(n)
    return "".join(out), positions


def locate_quote(text: str, quote: str, folded: tuple[str, list[int]] | None = None) -> list[tuple[int, int]]:
    """Every ``(start, end)`` in ``text`` where ``quote`` occurs, tolerant of white space and quote marks."""
    needle, _ = fold(quote.strip())
    if not needle:
        return []
    haystack, positions = folded or fold(text)
    spans, start = [], haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        spans.append((positions[start], positions[end - 1] + 1))
        start = haystack.find(needle, start + 1)
    return spans


def _read_table(path: Path):
    import io

    import pandas as pd

    if not path.exists():
        raise CodingsError(f"{path}: no such file; check the path of the coder's codings.")
    if path.suffix.lower() == ".xlsx":
        from ..corpus.safezip import open_zip

        from ..corpus.safezip import check_xml_parts

        with open_zip(path, ".xlsx") as zf:
            check_xml_parts(zf, str(path), 256 * 1024 * 1024)
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises ValueError, KeyError, TypeError... on a damaged workbook
            raise CodingsError(f"{path}: cannot read this workbook ({type(exc).__name__}: {str(exc)[:200]}); "
                               "open it in Excel and save it again, or export the codings as .csv.") from None
    from ..textio import read_text

    text, _ = read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CodingsError(f"{path}: not a readable CSV ({exc}).") from None
    from ..writers.cells import unescape_frame

    return unescape_frame(frame)


def read_codings(path: str | Path, corpus: "Corpus", codebook: "Codebook", *, coder: str | None = None,
                 strict: bool = False) -> "pd.DataFrame":
    """Read a human-codings file (see the module docstring) into codings-table rows with ``origin=human``
    (``rule``/``model`` for rows whose ``origin`` column says so or whose coder is ``rules@...``/``model@...``).

    >>> a = qualcode.read_codings("tests/data/human/coder_a.csv", corpus, codebook)
    >>> a.coder.unique().tolist(), bool((a.text == [corpus.text(s)[i:j] for s, i, j in zip(a.source_id, a.start, a.end)]).all())
    (['coder_a'], True)
    """
    path = Path(path)
    table = _read_table(path)
    table.columns = [str(c).strip().lower() for c in table.columns]
    if is_taguette(table):
        table = from_taguette(table, corpus)
        coder = coder or "taguette"
    frame, problems = human_rows(table, corpus, codebook, coder=coder, name=str(path))
    if problems:
        message = f"{path}: {len(problems)} row(s) could not be used:\n" + "\n".join(f"  {p}" for p in problems)
        if strict or frame.empty:
            raise CodingsError(message)
        warnings.warn(message + "\nThose rows were skipped.", stacklevel=2)
    frame.attrs["problems"] = problems
    return frame


_TAGS = re.compile(r"<[^>]+>")


def is_taguette(table) -> bool:
    """A Taguette highlights export: columns ``id, document, tag, content`` (and no ``source_id``)."""
    return {"document", "tag", "content"} <= set(table.columns) and "source_id" not in table.columns


def from_taguette(table, corpus):
    """Taguette's highlights (``id, document, tag, content``) in the human-codings format (quote, code label).

    ``document`` is matched to a source id as written, without its extension, or ignoring case; ``content``
    (HTML in some Taguette versions) is the quote, located in the source's text.
    """
    import html as html_lib

    ids = {sid.casefold(): sid for sid in corpus.source_ids}

    def source(name: str) -> str:
        name = str(name).strip()
        stem = name.rsplit(".", 1)[0] if "." in name else name
        for candidate in (name, stem):
            if candidate in corpus:
                return candidate
            if candidate.casefold() in ids:
                return ids[candidate.casefold()]
        return name

    out = table.rename(columns={"tag": "code"}).copy()
    out["source_id"] = [source(d) for d in out["document"]]
    out["quote"] = [" ".join(html_lib.unescape(_TAGS.sub(" ", str(c))).split()) for c in out["content"]]
    return out[["source_id", "code", "quote"] + [c for c in ("coder",) if c in out.columns]]


def human_rows(table, corpus, codebook, *, coder: str | None = None, name: str = "codings"):
    """Turn a DataFrame in the human-codings format into codings rows; return ``(frame, problems)``."""
    import pandas as pd

    if table.empty:
        raise CodingsError(f"{name}: the file has no codings rows.")
    columns = set(table.columns)
    missing = [c for c in ("source_id", "code") if c not in columns]
    has_offsets = {"start", "end"} <= columns
    if not has_offsets and "quote" not in columns:
        missing.append("start/end or quote")
    if "coder" not in columns and not coder:
        missing.append("coder (or pass coder=... / --coder)")
    if missing:
        raise CodingsError(
            f"{name}: missing column(s) {', '.join(missing)}; a human-codings file has source_id, start and end "
            f"(or quote), code and coder (found: {', '.join(table.columns)})."
        )
    problems: list[str] = []
    rows: list[dict] = []
    numbers = codebook.numbers()
    folded_cache: dict[str, tuple] = {}
    turn_index = _turn_index(corpus)
    for i, record in enumerate(_records(table, list(table.columns))):
        line = i + 2
        source_id = str(record.get("source_id", "")).strip()
        if source_id not in corpus:
            problems.append(f"row {line}: unknown source_id {source_id!r}; sources include {', '.join(corpus.source_ids[:8])}.")
            continue
        text = corpus.text(source_id)
        code = str(record.get("code", "")).strip()
        node_id = codebook.resolve(code)
        if node_id is None:
            problems.append(f"row {line}: unknown code {code!r}{codebook.suggest(code)}")
            continue
        span = _span(record, text, has_offsets, line, problems, folded_cache, source_id)
        if span is None:
            continue
        start, end = span
        turn = _turn_at(turn_index[source_id], start, end)
        who = str(record.get("coder") or coder or "").strip() or coder
        if not who:
            problems.append(f"row {line}: empty coder; fill the coder column.")
            continue
        node = codebook.nodes[node_id]
        rows.append({
            "source_id": source_id,
            "segment_id": turn["segment_id"] if turn else None,
            "participant_id": turn["participant_id"] if turn else None,
            "group": turn["group"] if turn else None,
            "label": turn["label"] if turn else None,
            "method": corpus.source(source_id).method,
            "start": start, "end": end, "text": text[start:end],
            "code_id": node.id, "code": node.label,
            "theme_id": node.theme_id, "theme": codebook.nodes[node.theme_id].label,
            "subtheme_id": node.subtheme_id,
            "subtheme": codebook.nodes[node.subtheme_id].label if node.subtheme_id else None,
            "coder": who, "origin": _origin(record.get("origin"), who), "score": 1.0, "evidence": "", "codebook_version": codebook.version,
            "codebook": codebook.name, "number": numbers.get(node.subtheme_id or node.theme_id),
        })
    if not rows:
        return empty_codings(), problems
    frame = pd.DataFrame(rows, columns=CODING_COLUMNS).astype({"start": "int64", "end": "int64", "score": "float64"})
    return frame, problems


def _origin(stated, coder: str) -> str:
    """``human``, unless the row says ``rule``/``model``/``meaning`` (an ``origin`` column) or the coder is ``rules@...``,
    ``model@...`` or ``meaning:...``
    (how qualcode names its own coders), so rule codings read back from a file or a REFI project stay rule codings."""
    from ..coding.table import ORIGINS

    stated = str(stated or "").strip().lower()
    if stated in ORIGINS:
        return stated
    return ("rule" if coder.startswith("rules@") else "model" if coder.startswith("model@")
            else "meaning" if coder.startswith("meaning:") else "human")


def _offset(value) -> int | None:
    """A character offset: a whole number written as ``120`` or ``120.0``; ``100.9``, ``inf``, ``1e400``,
    ``nan`` or text are not (never truncated, which would silently move the coding)."""
    import math

    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number != int(number):
        return None
    return int(number)


def _span(record, text, has_offsets, line, problems, folded_cache, source_id):
    if has_offsets and str(record.get("start", "")).strip() != "":
        start, end = _offset(record.get("start")), _offset(record.get("end"))
        if start is None or end is None:
            problems.append(f"row {line}: start/end {record.get('start')!r}/{record.get('end')!r} are not whole numbers "
                            "(character offsets such as 120); fix the row.")
            return None
        if not 0 <= start < end <= len(text):
            problems.append(f"row {line}: span {start}-{end} is outside source {source_id} (0-{len(text)}) or empty.")
            return None
        return start, end
    quote = str(record.get("quote", "")).strip()
    if not quote:
        problems.append(f"row {line}: neither start/end nor a quote is given.")
        return None
    if source_id not in folded_cache:
        folded_cache[source_id] = fold(text)
    spans = locate_quote(text, quote, folded_cache[source_id])
    short = quote if len(quote) <= 60 else quote[:57] + "..."
    if not spans:
        problems.append(f"row {line}: quote {short!r} was not found in source {source_id}; copy it exactly from the transcript.")
        return None
    if len(spans) > 1:
        problems.append(f"row {line}: quote {short!r} occurs {len(spans)} times in source {source_id}; "
                        "quote more words, or give start/end.")
        return None
    return spans[0]


def _turn_index(corpus) -> dict[str, tuple[list[int], list[dict]]]:
    turns = corpus.segments("turn")
    index: dict[str, tuple[list[int], list[dict]]] = {}
    # One pass over the whole table: per-source groupby slices cost ~10 ms each on a 1,000-source corpus.
    columns = ["source_id", "segment_id", "participant_id", "group", "label", "start", "end"]
    for record in _records(turns, columns):
        starts, records = index.setdefault(record["source_id"], ([], []))
        starts.append(record["start"])
        records.append(record)
    return index


def _records(frame, columns: list[str]) -> list[dict]:
    """``frame[columns].to_dict("records")``, several times faster on Arrow-backed string columns."""
    lists = [frame[c].tolist() for c in columns]
    return [dict(zip(columns, values)) for values in zip(*lists)]


def _turn_at(index, start: int, end: int) -> dict | None:
    """The turn overlapping ``[start, end)`` most (ties: the first)."""
    starts, records = index
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    best, overlap = None, 0
    for record in records[i:]:
        if record["start"] >= end:
            break
        shared = min(end, record["end"]) - max(start, record["start"])
        if shared > overlap:
            best, overlap = record, shared
    return best


HUMAN_COLUMNS = ["source_id", "start", "end", "code", "coder", "memo"]


def add_human_codings(rows: "pd.DataFrame", path: str | Path) -> "tuple[Path, int]":
    """Add ``rows`` (``source_id, start, end, code, coder, memo``) to the human-codings csv ``path``, creating it if
    missing; rows it already holds (same place, code and coder) are not repeated and nothing in it is lost.
    Returns ``(path, rows added)``; the file is replaced atomically and reads back with :func:`read_codings`."""
    import pandas as pd

    from ..writers.tables import write_table

    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise CodingsError(f"{path}: a human-codings file written by qualcode is a .csv; change the suffix.")
    old = None
    if path.exists():
        try:
            from ..writers.cells import unescape_frame

            old = unescape_frame(pd.read_csv(path, dtype=str, keep_default_na=False))  # as written, formulas escaped
        except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise CodingsError(f"{path}: cannot read this human-codings file to add to it ({exc}); give another "
                               "--codings-file.") from None
        missing = [c for c in ("source_id", "start", "end", "code", "coder") if c not in old.columns]
        if missing:
            raise CodingsError(f"{path}: not a human-codings file with offsets (no {', '.join(missing)} column); give "
                               "another --codings-file.")
    new = rows[HUMAN_COLUMNS].astype(str)
    combined = new if old is None else pd.concat([old, new], ignore_index=True)
    before = 0 if old is None else len(old)
    combined = combined.drop_duplicates(["source_id", "start", "end", "code", "coder"], keep="first")
    added = len(combined) - before
    write_table(combined.reset_index(drop=True), path, "csv", force=True)
    return path, added
