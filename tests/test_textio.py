"""Decoding transcripts: the encodings Word and transcription services really produce, and bad bytes."""

import codecs

import pytest

from qualcode.errors import SourceFormatError
from qualcode.textio import decode_bytes, read_text

TEXT = "Interviewer: How was it?\r\nGP1: Brilliant \u2013 the \u201clink worker\u201d was caf\u00e9-friendly, it\u2019s true.\r\n"
EXPECTED = TEXT.replace("\r\n", "\n")


@pytest.mark.parametrize(
    "encode, encoding",
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
        (lambda t: t.encode("utf-16"), "utf-16"),
        (lambda t: t.encode("utf-16-le"), "utf-16-le"),
        (lambda t: t.encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "utf-16-le-no-bom", "cp1252"],
)
def test_common_encodings_decode_to_the_same_text(encode, encoding):
    text, found = decode_bytes(encode(TEXT), "t.txt")
    assert text == EXPECTED
    assert found == encoding


def test_lone_carriage_returns_become_newlines():
    assert decode_bytes(b"a\rb\r\nc\n", "t.txt")[0] == "a\nb\nc\n"


@pytest.mark.parametrize("data", [b"", b"   \n\n\t", codecs.BOM_UTF8], ids=["empty", "whitespace", "bom-only"])
def test_empty_file_is_reported(data):
    with pytest.raises(SourceFormatError, match=r"t\.txt: the file is empty"):
        decode_bytes(data, "t.txt")


def test_binary_file_renamed_txt_is_reported():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    with pytest.raises(SourceFormatError, match=r"pic\.txt: this looks like a binary file"):
        decode_bytes(png, "pic.txt")


def test_control_character_soup_without_nul_is_binary():
    with pytest.raises(SourceFormatError, match="binary"):
        decode_bytes(bytes(range(1, 9)) * 200, "x.txt")


def test_damaged_utf8_names_line_and_byte():
    data = "line one \u2019 fine\nline two\n".encode("utf-8") + b"broken \x81\x9d here\n"
    with pytest.raises(SourceFormatError) as info:
        decode_bytes(data, "t.txt")
    message = str(info.value)
    assert "t.txt" in message and "line 3" in message and "0x81" in message and "UTF-8" in message


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"GP1: words words words\n" * 5000)
    with pytest.raises(SourceFormatError, match=r"huge\.txt: file is 112\.3 KB, over the 9\.8 KB limit.*--max-file-size"):
        read_text(path, max_bytes=10_000)
    assert read_text(path, max_bytes=1_000_000)[0].startswith("GP1:")
