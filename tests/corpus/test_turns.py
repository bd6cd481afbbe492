"""Speaker turns: label lines, timestamps, resolution to participants, researcher turns."""

import qualcode

from ..conftest import write_participants, write_sources


def study(tmp_path, text, participants="GP1;GP2", method="focus_group", aliases="", researchers=""):
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    write_participants(folder, [("GP1", "Referrers", "GP1"), ("GP2", "Referrers", "Dr Two"), ("LW1", "Link Workers", "LW1")])
    (folder / "s.txt").write_text(text, encoding="utf-8")
    write_sources(folder, [{"file": "s.txt", "source_id": "S", "method": method, "participants": participants,
                            "aliases": aliases, "researchers": researchers}])
    return qualcode.load_corpus(folder)


def test_labels_resolve_by_id_label_and_alias_case_insensitively(tmp_path):
    corpus = study(
        tmp_path,
        "gp1: by id.\n\nDR TWO: by label.\n\nDr Amber: by alias.\n\nMod: a researcher listed in the manifest.\n",
        aliases="Dr Amber=GP1", researchers="Mod",
    )
    seg = corpus.segments()
    assert list(seg.participant_id.fillna("R")) == ["GP1", "GP2", "GP1", "R"]
    assert list(seg.is_researcher) == [False, False, False, True]
    assert list(seg.group.fillna("-")) == ["Referrers", "Referrers", "Referrers", "-"]
    assert list(seg.label) == ["GP1", "Dr Two", "GP1", "Mod"]
    assert not corpus.problems


def test_timestamps_continuation_lines_and_researcher_defaults(tmp_path):
    text = (
        "[00:00:05] Interviewer: Shall we start?\n"
        "[00:00:09] GP1: Yes. First line\nsecond line of the same turn\n\nnew paragraph, same turn\n"
        "(00:01:10) Q: Next question?\n"
        "00:01:15 GP1: https://example stays text: and so does 10:30 here.\n"
    )
    corpus = study(tmp_path, text, participants="GP1", method="interview")
    seg = corpus.segments()
    assert list(seg.speaker) == ["Interviewer", "GP1", "Q", "GP1"]
    assert list(seg.time_start) == ["00:00:05", "00:00:09", "00:01:10", "00:01:15"]
    assert seg.text[1] == "Yes. First line\nsecond line of the same turn\n\nnew paragraph, same turn"
    assert seg.text[3] == "https://example stays text: and so does 10:30 here."
    assert list(seg.line) == [1, 2, 6, 7]
    paragraphs = corpus.segments("paragraph")
    assert list(paragraphs[paragraphs.turn == 2].text) == [
        "Yes. First line\nsecond line of the same turn", "new paragraph, same turn"
    ]


def test_anonymisation_markers_are_ordinary_text(tmp_path):
    corpus = study(tmp_path, "GP1: I told [patient's] daughter.\n[LW] rang her and [they] met.\n", participants="GP1", method="interview")
    [text] = corpus.segments().text
    assert text == "I told [patient's] daughter.\n[LW] rang her and [they] met."


def test_unknown_label_in_multi_participant_source_is_a_warning_with_line(tmp_path):
    corpus = study(tmp_path, "GP1: Hello.\n\nGP2: Hi.\n\nNurse Kay: I'm not on the list.\n")
    [warning] = corpus.problems
    assert warning.severity == "warning" and warning.file == "s.txt" and warning.line == 5
    assert "Nurse Kay" in warning.message and "alias" in warning.message
    seg = corpus.segments()
    assert seg.participant_id.isna().tolist() == [False, False, True]
    assert seg.label.tolist()[-1] == "Nurse Kay"


def test_one_participant_without_labels_speaks_throughout(tmp_path):
    corpus = study(tmp_path, "My account\n\nI was lonely.\n\nThen the link worker rang.\n", participants="LW1", method="interview")
    [turn] = corpus.segments().itertuples()
    assert turn.participant_id == "LW1" and turn.speaker is None
    assert turn.text == "I was lonely.\n\nThen the link worker rang."  # the short title line is not speech


def test_long_unlabelled_opening_is_kept_not_dropped(tmp_path):
    opening = " ".join(["word"] * 40) + "."
    corpus = study(tmp_path, f"{opening}\n\nGP1: Then a label.\n", participants="GP1", method="interview")
    assert corpus.segments().text.tolist() == [opening, "Then a label."]


def test_sentence_like_line_with_colon_is_not_a_label(tmp_path):
    corpus = study(tmp_path, "GP1: I said this to them:\nwhat we need is time: lots of it.\n", participants="GP1", method="interview")
    assert corpus.segments().text.tolist() == ["I said this to them:\nwhat we need is time: lots of it."]
