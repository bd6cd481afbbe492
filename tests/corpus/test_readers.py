"""Each reader, over good and bad files, through the public load_corpus API."""

import zipfile

import docx
import pandas as pd
import pytest

import qualcode
from qualcode.errors import SourceFormatError
from qualcode.corpus.model import SourceMeta
from qualcode.corpus.readers import read_captions, read_docx, read_survey

from ..conftest import write_participants, write_sources


def turns_of(corpus, source_id):
    seg = corpus.segments()
    return seg[seg.source_id == source_id].reset_index(drop=True)


def assert_offsets(corpus):
    seg = corpus.segments()
    for row in seg.itertuples():
        assert corpus.text(row.source_id)[row.start : row.end] == row.text


# -- docx ------------------------------------------------------------------------------------------
def make_docx(path, paragraphs, table_rows=None):
    document = docx.Document()
    document.add_paragraph("Interview transcript - SW5")
    for label, text in paragraphs:
        paragraph = document.add_paragraph()
        if label:
            paragraph.add_run(label).bold = True
        paragraph.add_run(text)
    if table_rows:
        table = document.add_table(rows=0, cols=2)
        for left, right in table_rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = left, right
    document.save(path)
    return path


def docx_study(tmp_path, paragraphs, table_rows=None):
    folder = tmp_path / "d"
    folder.mkdir()
    write_participants(folder, [("SW5", "Referrers", "Social Worker 5")])
    make_docx(folder / "SW5.docx", paragraphs, table_rows)
    write_sources(folder, [{"file": "SW5.docx", "source_id": "SW5", "method": "interview", "participants": "SW5"}])
    return folder


def test_docx_bold_labels_plain_labels_and_continuations(tmp_path):
    folder = docx_study(
        tmp_path,
        [("Interviewer:", " How do you refer?"), ("Social Worker 5:", " Mostly by phone."),
         (None, "And sometimes I email the [LW] directly."), ("Interviewer", " Thanks."),
         (None, "SW5: We also signpost, café-style.")],
    )
    corpus = qualcode.load_corpus(folder)
    turns = turns_of(corpus, "SW5")
    assert list(turns.speaker) == ["Interviewer", "Social Worker 5", "Interviewer", "SW5"]
    assert list(turns.participant_id.fillna("-")) == ["-", "SW5", "-", "SW5"]
    assert turns.text[1] == "Mostly by phone.\n\nAnd sometimes I email the [LW] directly."
    assert turns.text[3] == "We also signpost, café-style."
    assert "Interview transcript" not in " ".join(turns.text)
    assert_offsets(corpus)


def test_docx_two_column_table_transcript(tmp_path):
    folder = docx_study(tmp_path, [], table_rows=[("Interviewer", "Any changes?"), ("SW5", "Fewer waits now.")])
    turns = turns_of(qualcode.load_corpus(folder), "SW5")
    assert list(turns.text) == ["Any changes?", "Fewer waits now."]


def test_docx_that_is_not_a_zip_is_skipped_with_reason(tmp_path):
    folder = docx_study(tmp_path, [("SW5:", " hello")])
    (folder / "SW5.docx").write_text("plain text saved with the wrong extension")
    make_docx(folder / "extra.docx", [("SW5:", " a second, good document")])
    corpus = qualcode.load_corpus(folder)
    errors = [p for p in corpus.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].file == "SW5.docx"
    assert "not a valid .docx" in errors[0].message and "skipped" in errors[0].message
    assert corpus.source_ids == ["extra"]


def test_docx_zip_bomb_is_refused_without_inflating(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * (30 * 1024 * 1024) + b"</w:document>")
    with pytest.raises(SourceFormatError, match="zip bomb"):
        read_docx(path, SourceMeta("bomb.docx", "bomb"), 50 * 1024 * 1024)


def test_docx_with_xml_entities_is_refused(tmp_path):
    path = make_docx(tmp_path / "ent.docx", [("SW5:", " hi")])
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    doctype = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    parts["word/document.xml"] = doctype + parts["word/document.xml"].split(b"?>", 1)[1]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(SourceFormatError, match="DTD"):
        read_docx(path, SourceMeta("ent.docx", "ent"), 50 * 1024 * 1024)


# -- captions --------------------------------------------------------------------------------------
VTT = """WEBVTT

a1/1-0
00:00:01.000 --> 00:00:04.000
<v Researcher A>Thanks for joining &amp; agreeing.</v>

a1/2-0
00:00:04.500 --> 00:00:08.000
<v LW2>No problem.</v>

a1/2-1
00:00:08.100 --> 00:00:12.000
<v LW2>I've been a link worker
for two years.</v>

00:00:12.500 --> 00:00:14.000
Researcher A: Great.
"""


def caption_meta(file):
    return SourceMeta(file, "x", participants=["LW2"], researchers=["Researcher A"])


def test_vtt_voice_tags_merge_consecutive_cues_and_keep_times(tmp_path):
    path = tmp_path / "LW2.vtt"
    path.write_text(VTT, encoding="utf-8")
    document = read_captions(path, caption_meta("LW2.vtt"), 10**6)
    spans = [(t.label, document.text[t.start : t.end], t.time_start, t.time_end) for t in document.turns]
    assert spans == [
        ("Researcher A", "Thanks for joining & agreeing.", "00:00:01.000", "00:00:04.000"),
        ("LW2", "No problem. I've been a link worker for two years.", "00:00:04.500", "00:00:12.000"),
        ("Researcher A", "Great.", "00:00:12.500", "00:00:14.000"),
    ]


def test_srt_name_prefixes(tmp_path):
    path = tmp_path / "C7.srt"
    path.write_text(
        "1\n00:00:01,200 --> 00:00:06,800\nInterviewer: Thanks for coming.\n\n"
        "2\n00:00:07,100 --> 00:00:12,400\nC7: That's alright.\n\n3\n00:00:12,500 --> 00:00:14,000\nC7: Really.\n",
        encoding="utf-8",
    )
    document = read_captions(path, caption_meta("C7.srt"), 10**6)
    assert [(t.label, document.text[t.start : t.end]) for t in document.turns] == [
        ("Interviewer", "Thanks for coming."),
        ("C7", "That's alright. Really."),
    ]


@pytest.mark.parametrize("content", ["not a caption file at all", "WEBVTT\n\n00:00:01.000 --> broken\nhi\n"])
def test_broken_vtt_is_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.vtt"
    path.write_text(content)
    with pytest.raises(SourceFormatError, match=r"bad\.vtt"):
        read_captions(path, caption_meta("bad.vtt"), 10**6)


# -- surveys ---------------------------------------------------------------------------------------
def test_survey_csv_answers_become_segments_with_questions(mini):
    corpus = qualcode.load_corpus(mini)
    answers = turns_of(corpus, "survey")
    assert set(answers.unit) == {"answer"}
    assert list(zip(answers.participant_id, answers.question, answers.text)) == [
        ("C1", "How did you hear?", "My GP told me."),
        ("C1", "What changed?", "I go out more."),
        ("S9", "What changed?", "Made a friend."),
    ]
    people = corpus.participants.set_index("participant_id")
    assert people.loc["S9", "group"] == "Clients"  # added from the group column
    assert "S10" in people.index  # answered nothing: a participant, but no segment
    assert_offsets(corpus)


def test_survey_xlsx(tmp_path):
    path = tmp_path / "s.xlsx"
    pd.DataFrame({"rid": ["A1", "A2"], "Q1": ["Good service", ""], "Q2": ["Yes", "No idea"]}).to_excel(path, index=False)
    meta = SourceMeta("s.xlsx", "s", method="survey", id_column="rid", question_columns=["Q1", "Q2"])
    document = read_survey(path, meta, 10**6)
    assert [(t.label, t.question, document.text[t.start : t.end]) for t in document.turns] == [
        ("A1", "Q1", "Good service"), ("A1", "Q2", "Yes"), ("A2", "Q2", "No idea"),
    ]


def test_survey_missing_question_column_names_the_columns(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("rid,Q1\nA1,hello\n")
    meta = SourceMeta("s.csv", "s", method="survey", id_column="rid", question_columns=["Q9"])
    with pytest.raises(SourceFormatError, match=r"'Q9' not found; columns are: rid, Q1"):
        read_survey(path, meta, 10**6)


def test_survey_respondent_unknown_without_group_column(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    write_participants(folder, [("C1", "Clients", "Client 1")])
    (folder / "s.csv").write_text("rid,Q1\nC1,fine\nZ9,who am I\n")
    write_sources(folder, [{"file": "s.csv", "source_id": "s", "method": "survey", "id_column": "rid", "question_columns": "Q1"}])
    (folder / "c1.txt").write_text("C1: I am here.\n")
    corpus = qualcode.load_corpus(folder)
    [error] = corpus.skipped
    assert error.file == "s.csv" and "Z9" in error.message and "group_column" in error.message
