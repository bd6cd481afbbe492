"""The sample study and the corpus tables: segments contract, offsets, summary semantics."""

import pandas as pd
import pytest

import qualcode
from qualcode.corpus.segments import SEGMENT_COLUMNS

from ..conftest import write_participants, write_sources


def test_sample_study_matches_its_design(sample_corpus):
    corpus = sample_corpus
    assert corpus.problems == []
    sources = corpus.sources
    assert len(sources) >= 20
    assert set(corpus.groups) == {"Key Stakeholders", "Referrers", "Link Workers", "Clients", "Community Agencies"}
    assert set(sources.method) == {"interview", "joint_interview", "focus_group", "survey"}
    assert {"txt", "md", "docx", "vtt", "srt", "csv"} <= set(sources.format)
    focus = sources[sources.method == "focus_group"]
    assert (focus.participants.str.split(";").str.len() >= 4).sum() >= 2
    words = sum(len(s.text.split()) for s in corpus)
    assert 30_000 <= words <= 60_000
    survey = corpus.segments().query("method == 'survey'")
    assert survey.participant_id.nunique() >= 15 and survey.question.nunique() == 2


@pytest.mark.parametrize("unit", ["turn", "paragraph", "sentence"])
def test_segment_offsets_index_the_source_text(sample_corpus, unit):
    seg = sample_corpus.segments(unit)
    assert list(seg.columns[: len(SEGMENT_COLUMNS)]) == SEGMENT_COLUMNS
    assert seg.segment_id.is_unique
    for row in seg.itertuples():
        assert sample_corpus.text(row.source_id)[row.start : row.end] == row.text
        assert row.text == row.text.strip() and row.text


@pytest.mark.parametrize("unit", ["paragraph", "sentence"])
def test_smaller_units_never_cross_turn_boundaries(sample_corpus, unit):
    turns = sample_corpus.segments("turn").set_index(["source_id", "turn"])
    small = sample_corpus.segments(unit)
    bounds = turns.loc[list(zip(small.source_id, small.turn)), ["start", "end"]].to_numpy()
    assert (small.start.to_numpy() >= bounds[:, 0]).all() and (small.end.to_numpy() <= bounds[:, 1]).all()
    assert len(small) > len(turns)


def test_sentences_split_a_turn(mini):
    corpus = qualcode.load_corpus(mini)
    sentences = corpus.segments("sentence").query("source_id == 'GP1-int' and turn == 2")
    assert sentences.text.tolist() == ["I mostly signpost.", "The [LW] sits in our practice on Tuesdays.", "It helps a lot."]
    assert sentences.segment_id.tolist() == ["GP1-int:t2.s1", "GP1-int:t2.s2", "GP1-int:t2.s3"]


def test_researcher_turns_can_be_left_out(sample_corpus):
    everyone = sample_corpus.segments()
    participants = sample_corpus.segments(include_researchers=False)
    assert len(participants) == (~everyone.is_researcher).sum()
    assert participants.participant_id.notna().all()


def test_participant_attributes_are_columns(sample_corpus):
    seg = sample_corpus.segments()
    row = seg[seg.participant_id == "VCS5"].iloc[0]
    assert row.role == "Debt and benefits adviser" and row.group == "Community Agencies"


def test_segments_are_a_copy_users_can_change(sample_corpus):
    seg = sample_corpus.segments()
    seg["mine"] = 1
    assert "mine" not in sample_corpus.segments().columns


def test_sample_summary_counts_people_once_and_activities_per_group(sample_corpus):
    summary = sample_corpus.summary().set_index("group")
    assert list(summary.columns) == ["participants", "individual_interviews", "joint_interviews", "focus_groups", "surveys", "words"]
    referrers = summary.loc["Referrers"]
    # GP1 took part in a focus group and an interview: one person, two activities
    assert referrers.participants == 14 and referrers.individual_interviews == 2 and referrers.focus_groups == 3
    assert summary.loc["Link Workers", "joint_interviews"] == 1
    assert summary.loc["Key Stakeholders", "individual_interviews"] == 4  # KSH1 interviewed in two waves
    assert summary.loc["Clients", "surveys"] == 17  # 18 respondents, one answered nothing
    total = summary.loc["Total"]
    assert total.participants == summary.drop("Total").participants.sum()
    seg = sample_corpus.segments(include_researchers=False)
    assert total.words == seg.words.sum()
    assert summary.drop("Total").words.sum() == total.words


def test_summary_counts_a_mixed_activity_under_each_group_but_once_in_total(mini):
    summary = qualcode.load_corpus(mini).summary().set_index("group")
    # FG has a social worker, a link worker and a client: one focus group under each of their groups
    assert summary.loc[["Referrers", "Link Workers", "Clients"], "focus_groups"].tolist() == [1, 1, 1]
    assert summary.loc["Total", "focus_groups"] == 1
    # C1 took part in the focus group and the survey; S9 answered; S10 answered nothing
    assert summary.loc["Clients", "participants"] == 3
    assert summary.loc["Clients", "surveys"] == 2
    assert summary.loc["Total", "participants"] == 6


def test_subset_keeps_order_and_rejects_unknown_ids(sample_corpus):
    sub = sample_corpus.subset(["C2", "GP-FG1"])
    assert sub.source_ids == ["C2", "GP-FG1"]
    with pytest.raises(qualcode.QualcodeError, match="unknown source id.*NOPE"):
        sample_corpus.subset(["NOPE"])
    with pytest.raises(qualcode.QualcodeError) as error:
        sample_corpus.subset(["C22"] + [f"X{i}" for i in range(40)])
    message = str(error.value)
    assert "did you mean 'C2'?" in message and "(41 in all)" in message and "X39" not in message
    assert f"({len(sample_corpus.source_ids)} in all)" in message  # the known ids are not all listed
