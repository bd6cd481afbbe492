"""Choosing and ordering sources for discovery and saturation."""

import pytest

from qualcode import QualcodeError
from qualcode.corpus.selection import ordered_sources, resolve_group, select_segments


def test_sources_by_date_by_wave_and_as_listed(sample_corpus):
    listed = ordered_sources(sample_corpus, "listed")
    by_date = ordered_sources(sample_corpus, "date")
    by_wave = ordered_sources(sample_corpus, "wave")
    assert listed == sample_corpus.source_ids and sorted(by_date) == sorted(listed)
    dates = sample_corpus.sources.set_index("source_id").date
    assert [dates[s] for s in by_date] == sorted(dates[s] for s in by_date)
    assert by_date[:2] == ["KSH1-w1", "KSH2-w1"] and by_date[-1] == "KSH1-w2"
    waves = sample_corpus.sources.set_index("source_id").wave.astype(int)
    assert [waves[s] for s in by_wave] == sorted(waves[s] for s in by_wave)
    assert by_wave[-1] == "KSH1-w2"  # wave 2, the latest date


def test_same_day_sources_keep_their_listed_order(sample_corpus):
    by_date = ordered_sources(sample_corpus, "date")
    assert by_date.index("GP-FG1") + 1 == by_date.index("GP-FG2")  # both 2023-05-17


def test_unknown_order_is_an_error(sample_corpus):
    with pytest.raises(QualcodeError, match="unknown source order 'alphabetical'; use one of date, wave, listed"):
        ordered_sources(sample_corpus, "alphabetical")


def test_listed_sources_in_the_order_given(sample_corpus):
    segments = select_segments(sample_corpus, sources=["C2", "LW1-w1"])
    assert list(dict.fromkeys(segments.source_id)) == ["C2", "LW1-w1"]
    assert not segments.is_researcher.any() and segments.participant_id.notna().all()


def test_unknown_source_ids_are_named_with_a_suggestion(sample_corpus):
    with pytest.raises(QualcodeError, match=r"unknown source id\(s\) 'LW1-w3' \(did you mean 'LW1-w2'\?\), 'nope'; "
                                            r"this corpus has: KSH1-w1"):
        select_segments(sample_corpus, sources=["LW1-w1", "LW1-w3", "nope"])
    with pytest.raises(QualcodeError, match="no source ids given"):
        select_segments(sample_corpus, sources=[" ", ""])


def test_first_n_sources_of_a_group(sample_corpus):
    segments = select_segments(sample_corpus, first=5, group="link workers")
    assert set(segments.group) == {"Link Workers"}
    assert list(dict.fromkeys(segments.source_id)) == ["LW1-w1", "LW2-w1", "LW3-LW4", "LW5", "LW1-w2"]


def test_first_n_in_date_order(sample_corpus):
    segments = select_segments(sample_corpus, first=3)
    assert list(dict.fromkeys(segments.source_id)) == ["KSH1-w1", "KSH2-w1", "LW1-w1"]


def test_unknown_group_lists_the_groups(sample_corpus):
    with pytest.raises(QualcodeError, match=r"no participant group 'Link Worker' .* Did you mean 'Link Workers'\?"):
        resolve_group(sample_corpus, "Link Worker")


def test_a_group_that_does_not_speak_in_the_chosen_sources(sample_corpus):
    with pytest.raises(QualcodeError, match="no participant of group 'Clients' speaks in the chosen sources"):
        select_segments(sample_corpus, sources=["GP1"], group="Clients")


@pytest.mark.parametrize("first", [0, -2, True])
def test_first_must_be_a_positive_whole_number(sample_corpus, first):
    with pytest.raises(QualcodeError, match="--first must be a whole number of at least 1"):
        select_segments(sample_corpus, first=first)
