"""Theme table, excerpt table and framework matrix on a hand-made codings table (counts worked out by hand)."""

import warnings

import pandas as pd
import pytest

import qualcode
from qualcode.errors import CodingsError
from qualcode.analysis.excerpts import attribution, excerpt_table, location
from qualcode.analysis.selection import group_sizes, read_summary

from ..report_data import LONG, codebook, codings, row

SIZES = {"G1": 4, "G2": 2}


def table(**options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return qualcode.theme_table(codings(), codebook(), **options)


def test_theme_rows_in_codebook_order_with_retired_nodes_hidden():
    t = table(participants=SIZES)
    assert t.number.tolist() == ["1", "1.1", "1.2", "2"]
    assert t.level.tolist() == ["theme", "sub-theme", "sub-theme", "theme"]
    assert t.subtheme.tolist() == ["", "Referral", "Barriers", ""]
    assert "Old idea" not in t.subtheme.tolist() and "Retired theme" not in t.theme.tolist()
    assert t.definition.tolist()[:2] == ["How people get in.", "Who refers."]


def test_counts_are_distinct_passages_and_prevalence_uses_the_group_sizes():
    t = table(participants=SIZES).set_index("number")
    # theme a: (s1,0,10), (s1,20,30), (s2,0,50); the passage coded twice in a1 and once in a2 counts once
    assert t.loc["1", ["excerpts", "sources", "participants", "G1 n", "G2 n"]].tolist() == [3, 2, 2, 1, 1]
    assert t.loc["1", "G1 %"] == 25.0 and t.loc["1", "G2 %"] == 50.0
    assert t.loc["1.1", ["excerpts", "sources", "participants"]].tolist() == [3, 2, 2]  # two coders, one passage
    assert t.loc["1.2", ["excerpts", "G1 n", "G2 n"]].tolist() == [1, 1, 0]
    assert t.loc["2", ["excerpts", "G1 n", "G2 n", "G2 %"]].tolist() == [1, 0, 1, 50.0]
    assert t.attrs["basis"] == "study" and "each group's participants in the study" in t.attrs["notes"][0]


def test_without_group_sizes_the_percentages_are_of_coded_participants_and_say_so():
    t = table().set_index("number")
    assert t.loc["1", "G1 %"] == 100.0  # P2 was only coded at a retired code, so G1 has one coded participant
    assert t.attrs["basis"] == "coded"
    assert "coded at least once" in t.attrs["notes"][0]


def test_group_sizes_from_a_summary_or_a_participants_table():
    summary = pd.DataFrame({"group": ["G2", "G1", "Total"], "participants": [3, 5, 8]})
    sizes = group_sizes(codings(), summary)
    assert sizes.sizes == {"G2": 3, "G1": 5} and sizes.groups == ["G2", "G1"]
    people = pd.DataFrame({"participant_id": ["P1", "P2", "P3", "P9"], "group": ["G1", "G1", "G2", "G2"]})
    assert group_sizes(codings(), people).sizes == {"G1": 2, "G2": 2}
    small = group_sizes(codings(), {"G1": 1})  # G2 unknown, and G1 smaller than its coded people
    assert small.sizes == {"G1": 2, "G2": 1} and len(small.notes) == 3


def test_exemplars_are_representative_readable_and_deterministic():
    t = table(participants=SIZES).set_index("number")
    assert t.loc["1.1", "exemplar"] == LONG  # 29 words and the highest score
    assert t.loc["1.1", "exemplar_by"] == "Person One" and t.loc["1.1", "exemplar_source"] == "s1, turn 1"
    assert t.loc["2", "exemplar"] == "Made friends."  # the only one, even though it is short
    assert t.loc["1", "exemplar"] == ""  # a theme with sub-themes has none of its own
    assert table(participants=SIZES).equals(table(participants=SIZES))


def test_exemplars_prefer_a_new_participant_for_the_next_sub_theme():
    rows = [row("s1", "P1", "G1", "One", 0, 10, "a1", text=LONG, score=3.0),
            row("s1", "P1", "G1", "One", 20, 30, "a2", text=LONG + " Again.", score=3.0),
            row("s2", "P3", "G2", "Three", 0, 50, "a2", text=LONG.replace("nervous", "worried"), score=1.0)]
    t = qualcode.theme_table(pd.DataFrame(rows), codebook()).set_index("number")
    assert t.loc["1.1", "exemplar_by"] == "One" and t.loc["1.2", "exemplar_by"] == "Three"


def test_long_exemplars_are_cut_at_80_words():
    text = " ".join(["word"] * 120) + "."
    t = qualcode.theme_table(pd.DataFrame([row("s1", "P1", "G1", "One", 0, 600, "b", text=text)]), codebook())
    assert t.set_index("number").loc["2", "exemplar"].endswith(" ...")
    assert len(t.set_index("number").loc["2", "exemplar"].split()) == 81


def test_compact_table_two():
    compact = table(compact=True)
    assert compact.columns.tolist() == ["number", "theme", "subthemes"]
    assert compact.values.tolist() == [[1, "Access", "1.1 Referral; 1.2 Barriers"], [2, "Benefits", ""]]


def test_filter_by_coder_and_origin():
    t = table(origin="human").set_index("number")
    assert t.loc["1.1", "excerpts"] == 1 and t.loc["2", "excerpts"] == 0
    assert table(coder=["rules@2"]).set_index("number").loc["1", "excerpts"] == 3
    with pytest.raises(CodingsError, match="no codings with coder 'bob'.*rules@2"):
        table(coder="bob")
    with pytest.raises(CodingsError, match="unknown origin 'robot'"):
        table(origin="robot")


def test_missing_columns_are_named():
    with pytest.raises(CodingsError, match="missing column\\(s\\) label, theme_id"):
        qualcode.theme_table(codings().drop(columns=["theme_id", "label"]))


def test_version_mismatch_unknown_codes_and_retired_codings_warn():
    frame = codings()
    frame["codebook_version"] = "1"
    frame.loc[0, "code_id"] = "zz"
    with pytest.warns(UserWarning) as caught:
        qualcode.theme_table(frame, codebook())
    messages = " | ".join(str(w.message) for w in caught)
    assert "codebook version 1" in messages and "'Tiny' is version 2" in messages
    assert "not in codebook 'Tiny': zz" in messages and "retired codes (r)" in messages


def test_without_a_codebook_themes_come_from_the_codings_by_label():
    t = qualcode.theme_table(codings().iloc[:6])
    assert t.theme.drop_duplicates().tolist() == ["Access", "Benefits"] and t.definition.eq("").all()


def test_empty_codings_give_zero_rows_with_a_note():
    t = qualcode.theme_table(codings().iloc[:0], codebook(), participants=SIZES)
    assert t.number.tolist() == ["1", "1.1", "1.2", "2"] and t.excerpts.sum() == 0
    assert t.attrs["notes"][0].startswith("Nothing was coded")


def test_excerpt_table_one_row_per_passage_and_node():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = excerpt_table(codings(), codebook())
    assert e.number.tolist() == ["1.1", "1.1", "1.1", "1.2", "2"]
    assert e.loc[e.number == "1.2", "codes"].item() == "Phone anxiety"
    assert e.loc[(e.source_id == "s2") & (e.number == "1.1"), "coders"].item() == "rules@2; anna"
    assert e.attribution.tolist()[:3] == ["Person One", "Person One", "Social Worker 2"]


def test_attribution_and_location():
    assert attribution("Social Worker 2", "SW2", "Referrers", "interview") == "Social Worker 2"
    assert attribution("R01", "R01", "Clients", "survey") == "Survey respondent R01"
    assert attribution(None, None, None, "interview") == "Unattributed"
    assert location("SW-FG1", "SW-FG1:t54", "focus_group", 1, 2) == "SW-FG1, turn 54"
    assert location("C1", "C1:t3.s2", "interview", 1, 2) == "C1, turn 3, sentence 2"
    assert location("survey", "survey:t4", "survey", 1, 2) == "survey, answer 4"
    assert location("x", "odd", "interview", 5, 9) == "x, characters 5-9"


def test_framework_matrix_counts_and_text():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        counts = qualcode.framework_matrix(codings(), codebook(), cells="count")
        both = qualcode.framework_matrix(codings(), codebook(), truncate=20)
        sources = qualcode.framework_matrix(codings(), codebook(), rows="source", columns="subtheme", cells="count")
    assert counts.columns.tolist() == ["group", "participant", "participant_id", "1 Access", "2 Benefits"]
    assert counts[["participant_id", "1 Access", "2 Benefits"]].values.tolist() == [["P1", 2, 0], ["P3", 1, 1]]
    cell = both.set_index("participant_id").loc["P1", "1 Access"]
    assert cell.startswith("2 excerpts:\n- ") and "\u2026" in cell  # LONG cut to 20 characters
    assert sources.columns.tolist() == ["source_id", "participants", "1.1 Referral", "1.2 Barriers", "2 Benefits"]
    assert sources.set_index("source_id").loc["s1", "1.1 Referral"] == 2


def test_read_summary_checks_columns(tmp_path):
    good = tmp_path / "summary.csv"
    good.write_text("group,participants\nG1,4\nTotal,4\n")
    assert read_summary(good).participants.tolist() == [4, 4]
    bad = tmp_path / "bad.csv"
    bad.write_text("group,people\nG1,4\n")
    with pytest.raises(CodingsError, match="missing column\\(s\\) participants"):
        read_summary(bad)
    with pytest.raises(CodingsError, match="no such summary"):
        read_summary(tmp_path / "none.csv")
