"""Every reader against empty, binary, oversized and wrongly-encoded files: reported, skipped, named."""

import csv

import pytest

import qualcode
from qualcode.errors import ManifestError

from ..conftest import write_participants, write_sources

FORMATS = [".txt", ".md", ".docx", ".vtt", ".srt", ".csv", ".xlsx"]
GARBAGE = bytes(range(256)) * 40


def study_with(tmp_path, name: str, content: bytes, **options):
    folder = tmp_path / "bad"
    folder.mkdir()
    write_participants(folder, [("GP1", "Referrers", "GP1")])
    (folder / "good.txt").write_text("GP1: A good transcript.\n")
    (folder / name).write_bytes(content)
    survey = name.endswith((".csv", ".xlsx"))
    write_sources(folder, [
        {"file": "good.txt", "source_id": "good", "method": "interview", "participants": "GP1"},
        {"file": name, "source_id": "bad", "method": "survey" if survey else "interview",
         "participants": "" if survey else "GP1", "id_column": "id" if survey else "",
         "group_column": "g" if survey else ""},
    ])
    return qualcode.load_corpus(folder, **options)


def only_error(corpus, name):
    assert corpus.source_ids == ["good"]
    [error] = corpus.skipped
    assert error.file == name
    return error.message


@pytest.mark.parametrize("suffix", FORMATS)
def test_empty_file_of_every_format(tmp_path, suffix):
    message = only_error(study_with(tmp_path, f"x{suffix}", b""), f"x{suffix}")
    assert "empty" in message or "not a valid" in message


@pytest.mark.parametrize("suffix", FORMATS)
def test_binary_garbage_of_every_format(tmp_path, suffix):
    message = only_error(study_with(tmp_path, f"x{suffix}", GARBAGE), f"x{suffix}")
    assert "binary" in message or "not a valid" in message


@pytest.mark.parametrize("suffix", FORMATS)
def test_oversized_file_of_every_format_is_refused_before_reading(tmp_path, suffix):
    corpus = study_with(tmp_path, f"x{suffix}", b"A" * 5000, max_file_size=4000)
    message = only_error(corpus, f"x{suffix}")
    assert "over the 3.9 KB limit" in message and "--max-file-size" in message


def test_survey_in_cp1252_and_captions_in_utf16_decode(tmp_path):
    folder = tmp_path / "enc"
    folder.mkdir()
    write_participants(folder, [("LW2", "Link Workers", "LW2")])
    with open(folder / "s.csv", "w", newline="", encoding="cp1252") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "g", "Q"])
        writer.writerow(["R1", "Clients", "It\u2019s been \u201cbrilliant\u201d \u2013 caf\u00e9 trips"])
    (folder / "c.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v LW2>Caf\u00e9 \u2019s fine.</v>\n", encoding="utf-16")
    write_sources(folder, [
        {"file": "s.csv", "source_id": "s", "method": "survey", "id_column": "id", "group_column": "g"},
        {"file": "c.vtt", "source_id": "c", "method": "interview", "participants": "LW2"},
    ])
    corpus = qualcode.load_corpus(folder)
    assert corpus.problems == []
    texts = dict(zip(corpus.segments().source_id, corpus.segments().text))
    assert texts == {"s": "It\u2019s been \u201cbrilliant\u201d \u2013 caf\u00e9 trips", "c": "Caf\u00e9 \u2019s fine."}


@pytest.mark.parametrize(
    "content, message",
    [
        ("id,group\nGP1,Referrers\n", "missing column\\(s\\) participant_id"),
        ("participant_id\nGP1\n", "missing column\\(s\\) group"),
    ],
)
def test_broken_participants_file_is_fatal_with_the_fix(tmp_path, content, message):
    (tmp_path / "participants.csv").write_text(content)
    (tmp_path / "a.txt").write_text("GP1: hi\n")
    with pytest.raises(ManifestError, match=message):
        qualcode.load_corpus(tmp_path)


def test_participants_rows_without_group_or_duplicated_are_reported(tmp_path):
    (tmp_path / "participants.csv").write_text("participant_id,group\nGP1,Referrers\nGP1,Clients\nGP2,\n")
    (tmp_path / "a.txt").write_text("GP1: hi\n")
    corpus = qualcode.load_corpus(tmp_path)
    messages = [str(p) for p in corpus.problems]
    assert any("participants.csv:3" in m and "duplicate participant_id 'GP1'" in m for m in messages)
    assert any("participants.csv:4" in m and "'GP2' has no group" in m for m in messages)
