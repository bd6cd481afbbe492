"""The codings table: one row per (segment, code), the contract every later stage reads.

Columns::

    source_id, segment_id, participant_id, group, label, method, start, end, text,
    code_id, code, theme_id, theme, subtheme_id, subtheme, coder, origin, score, evidence, codebook_version,
    codebook, number

``start``/``end`` index the source's normalised text (``text == corpus.text(source_id)[start:end]``).
``code``/``theme``/``subtheme`` hold labels; ``code_id`` is the most specific node coded (a theme,
sub-theme or code), and ``theme_id``/``subtheme_id`` its ancestors at the first two levels.
``coder`` is ``rules@<codebook version>``, a person's name, ``model@<hash>`` (the Suggester) or
``meaning:<embedding model>@<codebook version>``; ``origin`` is ``rule``, ``human``, ``model`` or ``meaning``.
``evidence`` lists matched terms with their offsets, or for ``meaning`` the codebook sentence the excerpt
was closest to and the similarity. ``codebook`` is
the name of the codebook that coded the row and ``number`` its theme's or sub-theme's number there
(``"2"``, ``"2.3"``): reports made without the codebook number themes from it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CodingsError
from ..output import atomic_write

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

CODING_COLUMNS = [
    "source_id", "segment_id", "participant_id", "group", "label", "method", "start", "end", "text",
    "code_id", "code", "theme_id", "theme", "subtheme_id", "subtheme", "coder", "origin", "score", "evidence",
    "codebook_version", "codebook", "number",
]
ORIGINS = ("rule", "human", "model", "meaning")
#: The group shown for codings whose participant has none (reports list it last).
NO_GROUP = "(no group)"
#: Columns a codings file must have for theme tables and exports to work.
REQUIRED_COLUMNS = ["source_id", "participant_id", "group", "label", "start", "end", "text", "code_id", "theme_id"]
CODINGS_FORMATS = ("csv", "parquet", "xlsx", "json")


def empty_codings():
    """An empty codings table with the right columns and dtypes."""
    import pandas as pd

    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in CODING_COLUMNS})
    return frame.astype({"start": "int64", "end": "int64", "score": "float64"})


def check_codings(frame, name: str = "codings"):
    """Raise :class:`CodingsError` naming every required column ``frame`` lacks; return it with dtypes fixed."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise CodingsError(
            f"{name}: missing column(s) {', '.join(missing)}; a codings table needs {', '.join(REQUIRED_COLUMNS)} "
            f"(found: {', '.join(map(str, frame.columns)) or 'none'}). Write it with `qualcode code`."
        )
    frame = frame.copy()
    for column in CODING_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    import numpy as np
    import pandas as pd

    for column in ("start", "end", "score"):
        values = pd.to_numeric(frame[column], errors="coerce")
        if column == "score":
            bad = values.isna() & frame[column].notna() & (frame[column].astype(str).str.strip() != "")
            bad |= np.isinf(values)
            what = "a number (or empty)"
        else:
            bad = ~np.isfinite(values) | (values != values.round())
            what = "a whole number (a character offset)"
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise CodingsError(
                f"{name}: row {row + 2}: {column} {str(frame[column].iloc[row])!r} is not {what}; fix the row, "
                f"or write the file again with `qualcode code` ({int(bad.sum())} bad row(s) in all)."
            )
        frame[column] = values.astype("int64" if column != "score" else "float64")
    extra = [c for c in frame.columns if c not in CODING_COLUMNS]
    return frame[CODING_COLUMNS + extra]


def codings_format(path: str | Path) -> str:
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in CODINGS_FORMATS:
        raise CodingsError(f"{path}: codings are written as {', '.join('.' + f for f in CODINGS_FORMATS)}; change the suffix.")
    return fmt


def write_codings(frame: "pd.DataFrame", path: str | Path, *, force: bool = False) -> Path:
    """Write a codings table atomically; the format follows the suffix (.csv, .parquet, .xlsx, .json).

    >>> qualcode.write_codings(codings, tmp / "codings.csv").name
    'codings.csv'
    """
    fmt = codings_format(path)

    def write(tmp: Path) -> None:
        if fmt == "csv":
            from ..writers.cells import write_csv

            write_csv(frame, tmp)
        elif fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        elif fmt == "json":
            frame.to_json(tmp, orient="records", force_ascii=False, indent=1)
        else:
            from ..writers.tables import write_sheets

            write_sheets({"codings": frame}, tmp)

    return atomic_write(path, write, force=force)


def read_codings_table(path: str | Path) -> "pd.DataFrame":
    """Read a codings table written by :func:`write_codings` (or by hand) and check its columns.

    >>> path = qualcode.write_codings(codings, tmp / "codings.json")
    >>> qualcode.read_codings_table(path).equals(codings)
    True
    """
    import zipfile

    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise CodingsError(f"{path}: no such codings file; run `qualcode code` first or check the path.")
    fmt = codings_format(path)
    try:
        if fmt == "csv":
            from ..textio import read_text
            import io

            text, _ = read_text(path, 2 * 1024**3)
            # every column as text (a wave "1" stays "1"); check_codings makes start, end and score numbers
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        elif fmt == "parquet":
            frame = pd.read_parquet(path)
        elif fmt == "json":
            frame = pd.read_json(path, orient="records", dtype=False)
        else:
            frame = pd.read_excel(path, sheet_name=0, dtype=str)
    except (ValueError, OSError, KeyError, TypeError, EOFError, pd.errors.ParserError, zipfile.BadZipFile) as exc:
        raise CodingsError(f"{path}: cannot read this {fmt} codings file ({type(exc).__name__}: "
                           f"{str(exc)[:200]}); write it again with `qualcode code`.") from None
    except ImportError as exc:
        raise CodingsError(f"{path}: reading .{fmt} needs a package that is not installed ({exc}).") from None
    if fmt == "csv":
        from ..writers.cells import unescape_frame

        frame = unescape_frame(frame)
    return check_codings(frame, str(path))
