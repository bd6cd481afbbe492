"""Loading folders: manifest and front matter, bad files reported and skipped, strict mode."""

import pytest

import qualcode
from qualcode.errors import QualcodeError

from ..conftest import write_participants, write_sources


def messages(corpus, severity=None):
    return [str(p) for p in corpus.problems if severity in (None, p.severity)]


def test_mini_study_loads_cleanly(mini):
    corpus = qualcode.load_corpus(mini)
    assert corpus.problems == []
    assert corpus.source_ids == ["GP1-int", "FG", "C2-int", "survey"]
    sources = corpus.sources.set_index("source_id")
    assert sources.loc["FG", "method"] == "focus_group" and sources.loc["FG", "participants"] == "SW2;LW1;C1"


def test_front_matter_is_metadata_not_text_and_wins_over_manifest(mini):
    (mini / "gp1.txt").write_text(
        "---\nsource_id: GP1-int\nmethod: interview\nparticipants: [GP1]\ndate: 2024-05-01\nwave: 2\n---\n"
        "GP1: Front matter first.\n",
        encoding="utf-8",
    )
    corpus = qualcode.load_corpus(mini)
    source = corpus.source("GP1-int")
    assert source.text == "GP1: Front matter first.\n"
    assert (source.meta.date, source.meta.wave) == ("2024-05-01", "2")
    assert corpus.segments().query("source_id == 'GP1-int'").text.tolist() == ["Front matter first."]


def test_front_matter_conflict_is_reported(mini):
    (mini / "gp1.txt").write_text("---\nmethod: focus_group\n---\nGP1: Hello.\n", encoding="utf-8")
    corpus = qualcode.load_corpus(mini)
    [warning] = messages(corpus, "warning")
    assert "gp1.txt" in warning and "method='focus_group'" in warning and "'interview'" in warning
    assert corpus.source("GP1-int").method == "focus_group"


def test_malformed_front_matter_names_file_and_line(mini):
    (mini / "gp1.txt").write_text("---\nmethod: interview\nparticipants: [GP1\n---\nGP1: Hello.\n", encoding="utf-8")
    corpus = qualcode.load_corpus(mini)
    [error] = corpus.skipped
    assert error.file == "gp1.txt" and error.line in (3, 4, 5) and "malformed front matter" in error.message


@pytest.mark.parametrize(
    "row, expected",
    [
        ({"file": "missing.txt", "source_id": "M"}, "lists 'missing.txt' (no such file)"),
        ({"file": "c2.txt", "source_id": "X", "method": "interveiw", "participants": "C2"}, "unknown method 'interveiw'"),
        ({"file": "c2.txt", "source_id": "X", "method": "interview", "participants": "C2;GHOST"},
         "GHOST of source X are not in participants.csv"),
    ],
    ids=["missing-file", "unknown-method", "unknown-participant"],
)
def test_manifest_problems_are_reported_and_the_rest_loads(mini, row, expected):
    rows = [{"file": "gp1.txt", "source_id": "GP1-int", "method": "interview", "participants": "GP1"}, row]
    write_sources(mini, rows)
    corpus = qualcode.load_corpus(mini)
    assert any(expected in m for m in messages(corpus, "error")), messages(corpus)
    assert "GP1-int" in corpus


def test_duplicate_source_id(mini):
    write_sources(mini, [
        {"file": "gp1.txt", "source_id": "SAME", "method": "interview", "participants": "GP1"},
        {"file": "c2.txt", "source_id": "SAME", "method": "interview", "participants": "C2"},
    ])
    corpus = qualcode.load_corpus(mini)
    assert any("duplicate source_id 'SAME'" in m and "c2.txt" in m for m in messages(corpus, "error"))
    assert corpus.source("SAME").meta.file == "gp1.txt"


def test_bad_file_is_skipped_unless_strict(mini):
    (mini / "broken.txt").write_bytes(b"\x00\x01\x02\x03binary" * 50)
    corpus = qualcode.load_corpus(mini)
    [error] = corpus.skipped
    assert error.file == "broken.txt" and "binary" in error.message
    assert len(corpus) == 4
    with pytest.raises(qualcode.CorpusError) as info:
        qualcode.load_corpus(mini, strict=True)
    assert "broken.txt" in str(info.value) and info.value.problems


def test_size_limit_is_configurable(mini):
    corpus = qualcode.load_corpus(mini, max_file_size=80)
    assert {p.file for p in corpus.skipped} == {"gp1.txt", "fg.txt", "survey.csv"}
    assert all("over the 80 bytes limit" in p.message for p in corpus.skipped)
    assert corpus.source_ids == ["C2-int"]


def test_folder_without_manifest_or_participants(tmp_path):
    (tmp_path / "a.txt").write_text("Interviewer: Hi.\n\nAlex: Hello there.\n\nSam: Hi all.\n")
    (tmp_path / "b.txt").write_text("Just one person talking.\n")
    corpus = qualcode.load_corpus(tmp_path)
    people = corpus.participants.set_index("participant_id")
    assert set(people.index) == {"Alex", "Sam", "b"} and set(people.group) == {"Ungrouped"}
    assert any("no participants.csv" in m for m in messages(corpus, "warning"))


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(QualcodeError, match="no such folder"):
        qualcode.load_corpus(tmp_path / "nope")
    with pytest.raises(QualcodeError, match="no source could be loaded"):
        qualcode.load_corpus(tmp_path)


def test_readme_and_lock_files_are_not_transcripts(mini):
    (mini / "README.md").write_text("# About this folder\n")
    (mini / "~$gp1.docx").write_bytes(b"lock")
    assert len(qualcode.load_corpus(mini)) == 4


def test_survey_method_on_a_transcript_is_a_clear_error(mini):
    write_sources(mini, [{"file": "gp1.txt", "source_id": "GP1-int", "method": "survey", "participants": "GP1"},
                         {"file": "c2.txt", "source_id": "C2-int", "method": "interview", "participants": "C2"}])
    corpus = qualcode.load_corpus(mini)
    [error] = corpus.skipped
    assert error.file == "gp1.txt" and "surveys are read from .csv or .xlsx" in error.message
