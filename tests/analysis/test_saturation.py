"""Saturation: cumulative new codes per source and per group, as a table and a plot."""

from __future__ import annotations

import pytest

import qualcode
from qualcode import Codebook, QualcodeError, saturation
from qualcode.analysis.saturation import ALL, TABLE_COLUMNS, write_plot

from ..conftest import ROOT, write_participants, write_sources

CODEBOOK = """
name: Tiny
version: "2.0"
themes:
  - id: getting-there
    label: Getting there
    children:
      - id: buses
        label: Buses
        rules: {keywords: [bus]}
      - id: gardens
        label: Gardens
        rules: {keywords: [garden]}
  - id: singing
    label: Singing
    children:
      - id: choir
        label: Choir
        rules: {keywords: [choir]}
"""


@pytest.fixture
def study(tmp_path):
    """Four interviews whose dates run opposite to their listed order; codes appear at known sources."""
    folder = tmp_path / "study"
    folder.mkdir()
    write_participants(folder, [("C1", "Clients", "Client 1"), ("C2", "Clients", "Client 2"),
                                ("L1", "Link Workers", "LW1"), ("L2", "Link Workers", "LW2")])
    texts = {
        "s1.txt": ("C1", "I take the bus every week now."),
        "s2.txt": ("L1", "The bus route changed. She loves the garden."),
        "s3.txt": ("C2", "The garden is lovely. The bus too."),
        "s4.txt": ("L2", "Some go to the choir on Fridays."),
    }
    for name, (who, text) in texts.items():
        (folder / name).write_text(f"Interviewer: Tell me.\n\n{who}: {text}\n", encoding="utf-8")
    write_sources(folder, [
        {"file": "s1.txt", "source_id": "S1", "method": "interview", "participants": "C1", "date": "2024-04-01", "wave": "2"},
        {"file": "s2.txt", "source_id": "S2", "method": "interview", "participants": "L1", "date": "2024-03-01", "wave": "1"},
        {"file": "s3.txt", "source_id": "S3", "method": "interview", "participants": "C2", "date": "2024-02-01", "wave": "2"},
        {"file": "s4.txt", "source_id": "S4", "method": "interview", "participants": "L2", "date": "2024-01-01", "wave": "1"},
    ])
    return qualcode.load_corpus(folder), Codebook.from_string(CODEBOOK)


def test_cumulative_codes_per_source_in_listed_order(study):
    corpus, book = study
    result = saturation(corpus, book, order="listed", candidates=False)
    overall = result.table[result.table.scope == ALL]
    assert overall.source_id.tolist() == ["S1", "S2", "S3", "S4"]
    assert overall.new_subthemes.tolist() == [1, 1, 0, 1]
    assert overall.subthemes.tolist() == [1, 2, 2, 3]
    assert overall.new_subtheme_ids.tolist() == ["buses", "gardens", "", "choir"]
    assert list(result.table.columns) == TABLE_COLUMNS


def test_the_order_changes_when_things_look_new(study):
    corpus, book = study
    by_date = saturation(corpus, book, order="date", candidates=False).table
    overall = by_date[by_date.scope == ALL]
    assert overall.source_id.tolist() == ["S4", "S3", "S2", "S1"]
    assert overall.new_subtheme_ids.tolist() == ["choir", "buses; gardens", "", ""]
    by_wave = saturation(corpus, book, order="wave", candidates=False).table
    assert by_wave[by_wave.scope == ALL].source_id.tolist() == ["S4", "S2", "S3", "S1"]


def test_each_group_is_counted_on_its_own(study):
    corpus, book = study
    table = saturation(corpus, book, order="listed", candidates=False).table
    clients = table[table.scope == "Clients"]
    workers = table[table.scope == "Link Workers"]
    assert clients.source_id.tolist() == ["S1", "S3"] and clients.subthemes.tolist() == [1, 2]
    assert clients.step.tolist() == [1, 2]
    assert workers.source_id.tolist() == ["S2", "S4"] and workers.new_subtheme_ids.tolist() == ["buses; gardens", "choir"]


def test_summary_says_when_the_last_new_code_came(study):
    corpus, book = study
    result = saturation(corpus, book, order="date", candidates=False)
    row = result.summary[(result.summary.scope == ALL) & (result.summary.measure == "subthemes")].iloc[0]
    assert (row.total, row.last_new_step, row.last_new_source, row.sources_after) == (3, 2, "S3", 2)
    assert "sub-themes: 3 observed; the last new one came with source 2 of 4 (S3); the 2 source(s) after it added none." in result.lines()


def test_min_segments_counts_a_code_only_once_it_recurs(study):
    corpus, book = study
    table = saturation(corpus, book, order="listed", candidates=False, min_segments=2).table
    overall = table[table.scope == ALL]
    assert overall.new_subtheme_ids.tolist() == ["", "buses", "gardens", ""]  # choir is said only once
    with pytest.raises(QualcodeError, match="min_segments must be a whole number of at least 1"):
        saturation(corpus, book, candidates=False, min_segments=0)


def test_nothing_to_count_is_an_error(study):
    corpus, _ = study
    with pytest.raises(QualcodeError, match="nothing to count"):
        saturation(corpus, None, candidates=False)


def test_sample_study_with_candidates(sample_corpus):
    book = Codebook.from_yaml(ROOT / "codebooks" / "social_prescribing.yaml")
    result = saturation(sample_corpus, book, order="date")
    overall = result.table[result.table.scope == ALL]
    assert len(overall) == len(sample_corpus)
    for measure in ("codes", "subthemes", "code_groups", "candidates"):
        assert overall[measure].is_monotonic_increasing
        assert overall[measure].tolist() == overall[f"new_{measure}"].cumsum().tolist()
    assert overall.subthemes.iloc[-1] == 23 and overall.candidates.iloc[-1] >= 5
    assert set(result.table.scope) == {ALL, *sample_corpus.groups}
    assert result.measures == ["codes", "subthemes", "code_groups", "candidates"]
    # deductive: every sub-theme is there at the first source, so the count alone says nothing; codes by
    # group still grow as new groups' sources come in, and the output says which line to read
    assert overall.subthemes.iloc[0] == 23
    assert overall.code_groups.iloc[0] < overall.code_groups.iloc[len(overall) // 2] < overall.code_groups.iloc[-1]
    assert any("codes by group" in line and "deductive" in line for line in result.lines())
    figure = result.plot()
    assert "codes by group" in [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "Deductive codebook" in figure.axes[0].get_legend().get_title().get_text()


def test_the_plot_is_a_figure_written_as_png_and_svg(study, tmp_path):
    corpus, book = study
    result = saturation(corpus, book, order="date", candidates=False)
    figure = result.plot("Tiny study")
    from matplotlib.figure import Figure

    assert isinstance(figure, Figure) and figure.get_suptitle() == "Tiny study"
    left = figure.axes[0]
    assert [t.get_text() for t in left.get_xticklabels()] == ["S4", "S3", "S2", "S1"]
    png, svg = write_plot(figure, tmp_path / "s.png"), write_plot(figure, tmp_path / "s.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "<svg" in svg.read_text()
    again = tmp_path / "again.svg"
    write_plot(result.plot("Tiny study"), again)
    assert again.read_bytes() == svg.read_bytes()  # no date or random ids in the SVG
    with pytest.raises(qualcode.OutputExistsError):
        write_plot(figure, png)
    with pytest.raises(QualcodeError, match="png, svg, pdf"):
        write_plot(figure, tmp_path / "s.gif")
