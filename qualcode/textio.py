"""Reading text files safely: size limits, encoding detection, newline normalisation.

Transcripts arrive as UTF-8, UTF-8 with a BOM, UTF-16 (some Word "Unicode text" exports) or cp1252
(Word's "plain text" on Windows). :func:`decode_bytes` turns bytes into ``str`` with newlines
normalised to ``\\n``; everything downstream counts offsets in that text.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .errors import SourceFormatError

#: Default largest input file, in bytes (``--max-file-size`` changes it).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab/newline/carriage return/form feed mark binary data.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalise_newlines(text: str) -> str:
    """Return ``text`` with ``\\r\\n`` and lone ``\\r`` turned into ``\\n``."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def human_size(n: int) -> str:
    """``1536 -> '1.5 KB'``: sizes in messages people read."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def check_size(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse a file larger than ``max_bytes`` before anything reads it."""
    size = Path(path).stat().st_size
    if size > max_bytes:
        raise SourceFormatError(
            f"{path}: file is {human_size(size)}, over the {human_size(max_bytes)} limit; "
            "split it, or raise the limit with --max-file-size."
        )


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read ``path`` whole, refusing files larger than ``max_bytes`` before reading them."""
    check_size(path, max_bytes)
    return Path(path).read_bytes()


def _line_of(data: bytes, byte_offset: int) -> int:
    return data.count(b"\n", 0, byte_offset) + 1


def _looks_utf16(data: bytes) -> str | None:
    """Guess BOM-less UTF-16 from where the NUL bytes sit (ASCII-heavy text has every other byte 0)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _check_not_binary(text: str, name: str) -> None:
    sample = text[:65536]
    bad = len(_CONTROL.findall(sample))
    if bad and bad > 0.01 * len(sample):
        raise SourceFormatError(
            f"{name}: this looks like a binary file, not text ({bad} control characters in the first "
            f"{len(sample)}); check it is the file you meant (a transcript should be .txt, .docx or captions)."
        )


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode ``data`` to text with normalised newlines; return ``(text, encoding)``.

    Raises :class:`SourceFormatError` for empty, binary or undecodable input, naming ``name`` and,
    for undecodable bytes, the line and byte offset of the first bad byte.

    >>> decode_bytes("caf\\u00e9\\r\\n".encode("cp1252"))
    ('café\\n', 'cp1252')
    """
    if not data.strip():
        raise SourceFormatError(f"{name}: the file is empty; check it is the file you meant, or remove it.")
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        encoding = _looks_utf16(data)
        if encoding is None:
            raise SourceFormatError(
                f"{name}: this looks like a binary file, not text (it contains NUL bytes); "
                "check it is the file you meant (a transcript should be .txt, .docx or captions)."
            )
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SourceFormatError(
                f"{name}: starts like {encoding} but byte {exc.start} (line {_line_of(data, exc.start)}) "
                "cannot be decoded; re-save the file as UTF-8."
            ) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            text, encoding = _decode_legacy(data, name, exc)
    text = text.lstrip("\ufeff")
    _check_not_binary(text, name)
    if not text.strip():
        raise SourceFormatError(f"{name}: the file is empty; check it is the file you meant, or remove it.")
    return normalise_newlines(text), encoding


def _decode_legacy(data: bytes, name: str, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    pos = utf8_error.start
    undecodable = SourceFormatError(
        f"{name}: cannot decode byte 0x{data[pos]:02x} at offset {pos} (line {_line_of(data, pos)}): "
        "the file mixes UTF-8 with other bytes or uses an unknown encoding; re-save it as UTF-8."
    )
    escaped = data.decode("utf-8", errors="surrogateescape")
    if any(ch > "\x7f" and not "\udc80" <= ch <= "\udcff" for ch in escaped):
        # Valid UTF-8 multi-byte characters next to invalid bytes: a damaged UTF-8 file, not a legacy one.
        raise undecodable
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_western(text):
        # Word's "plain text" export on Windows: English, French, Spanish, German, Nordic... Guessers
        # such as charset_normalizer often call short French or Icelandic text cp1250 ("trčs").
        return text, "cp1252"
    if text is not None:  # signs inside words (skierowa³, by³o): Central European Windows text
        try:
            return data.decode("cp1250"), "cp1250"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        if text is not None:
            return text, "cp1252"
        raise undecodable
    return str(best), best.encoding


# Latin-1 signs that sit inside words only when a Central European file (cp1250: ł ą ż ş ľ ...) is read as
# cp1252; a Western text never has them between two letters.
_SIGN_IN_WORD = re.compile(r"(?<=[^\W\d_])([\u00a1-\u00bf\u00d7\u00f7](?=[^\W\d_])|[\u00a5\u00a6\u00a8\u00b2\u00b3\u00b9\u00bc-\u00be])")


def _plausible_western(text: str) -> bool:
    """Whether cp1252-decoded ``text`` reads as a Western European language: no sign (``³ ¹ ¿ º ¾``)
    inside a word. Czech and Slovak in cp1250 can pass this test; they get a warning (see the loader)."""
    return not _SIGN_IN_WORD.search(text[:65536])


def ambiguous_letters(text: str, encoding: str, limit: int = 5) -> list[str]:
    """Letters of ``text`` (decoded with the Windows code page ``encoding``) that the other common code
    page (cp1252 <-> cp1250) would have read as different letters: empty when the guess did not matter
    (English with smart quotes, ``café``)."""
    other = {"cp1252": "cp1250", "cp1250": "cp1252"}.get(encoding.lower())
    if other is None:
        return []
    found: list[str] = []
    for ch in dict.fromkeys(c for c in text[:65536] if not c.isascii() and c.isalpha()):
        try:
            if ch.encode(encoding).decode(other) != ch:
                found.append(ch)
        except (UnicodeEncodeError, UnicodeDecodeError):
            found.append(ch)
        if len(found) >= limit:
            break
    return found


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str]:
    """Read and decode a text file; see :func:`decode_bytes`."""
    return decode_bytes(read_bytes(path, max_bytes), str(path))


#: How many nodes a YAML document may hold once its aliases are expanded, and how deeply it may nest.
#: Codebooks and front matter are far smaller; a "billion laughs" block of nested aliases is far larger.
YAML_MAX_NODES = 1_000_000
YAML_MAX_DEPTH = 100


def yaml_cost_problem(text: str, max_nodes: int = YAML_MAX_NODES, max_depth: int = YAML_MAX_DEPTH
                      ) -> tuple[int, str] | None:
    """Why YAML ``text`` is too costly to load, as ``(line, reason)``, or ``None`` when it is fine.

    Walks the parser's event stream (which never builds the document, nests no Python calls and expands
    no alias), counting the nodes each alias would stand for and the nesting depth. Syntax errors are
    left to the real load, which reports them with their line.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (AliasEvent, CollectionEndEvent, CollectionStartEvent, DocumentEndEvent,
                                    ScalarEvent)

    sizes: dict[str, int] = {}
    stack: list[list] = []  # [size so far, anchor, line] of each open collection
    try:
        for event in YAML(typ="safe", pure=True).parse(text):
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            if isinstance(event, CollectionStartEvent):
                if len(stack) >= max_depth:
                    return line, (f"the YAML nests deeper than {max_depth} levels; a codebook or front matter "
                                  "never needs that many, so this file is refused")
                stack.append([1, event.anchor, line])
                continue
            if isinstance(event, ScalarEvent):
                size, anchor = 1, event.anchor
            elif isinstance(event, AliasEvent):
                size, anchor = sizes.get(event.anchor, 1), None
            elif isinstance(event, CollectionEndEvent) and stack:
                size, anchor, _ = stack.pop()
            else:
                if isinstance(event, DocumentEndEvent):
                    sizes.clear()
                continue
            if anchor:
                sizes[anchor] = size
            if size > max_nodes or (stack and stack[-1][0] + size > max_nodes):
                return line, (f"YAML aliases (*name) here expand to more than {max_nodes:,} values (an "
                              "'alias bomb'); write the values out, or use fewer nested aliases")
            if stack:
                stack[-1][0] += size
    except YAMLError:
        return None
    return None
