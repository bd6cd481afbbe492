"""The plots: matplotlib Figures (no pyplot state) that show themselves in Jupyter."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

import qualcode
from qualcode import plots
from qualcode.errors import CodingsError

from ..conftest import ROOT

PNG = b"\x89PNG\r\n\x1a\n"


def _bars(figure):
    axes = figure.axes[0]
    labels = [t.get_text() for t in axes.get_yticklabels()]
    return dict(zip(labels, (p.get_width() for p in axes.patches)))


def test_codes_per_participant_counts_distinct_codes_and_adds_the_uncoded(sample_corpus, sample_codings):
    figure = plots.codes_per_participant(sample_codings, level="subtheme")
    assert isinstance(figure, Figure)
    bars = _bars(figure)
    expected = sample_codings.groupby("label").subtheme_id.nunique()
    assert bars == {label: n for label, n in expected.items()}
    everyone = _bars(plots.codes_per_participant(sample_codings, level="subtheme",
                                                 participants=sample_corpus.participants))
    never = set(sample_corpus.participants.label) - set(sample_codings.label)
    assert never and all(everyone[label] == 0 for label in never)
    assert len(everyone) == len(bars) + len(never)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == list(dict.fromkeys(sample_codings.group))


def test_codes_per_participant_shows_the_most_coded_when_there_are_many(sample_codings):
    figure = plots.codes_per_participant(sample_codings, max_participants=10)
    counts = sample_codings.groupby("label").code_id.nunique()
    assert len(_bars(figure)) == 10
    assert min(_bars(figure).values()) >= counts.sort_values(ascending=False).iloc[9]
    assert f"(the 10 of {len(counts)} with most)" in figure.axes[0].get_title()


def test_cooccurrence_heatmap_draws_the_matrix(sample_codebook, sample_codings):
    figure = plots.cooccurrence_heatmap(sample_codings, level="theme", codebook=sample_codebook)
    image = figure.axes[0].images[0].get_array()
    table = sample_codings.qc.cooccurrence("theme", codebook=sample_codebook)
    off = table.to_numpy(dtype=float).copy()
    np.fill_diagonal(off, np.nan)
    assert np.array_equal(np.ma.filled(image.astype(float), np.nan), off, equal_nan=True)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[0] == sample_codebook.themes[0].label  # codebook order
    cells = [t.get_text() for t in figure.axes[0].texts]
    assert str(table.iloc[0, 0]) in cells and str(table.iloc[0, 1]) in cells


def test_figures_display_in_jupyter_and_restyle_like_any_figure(sample_codings):
    figure = plots.cooccurrence_heatmap(sample_codings, level="theme", within="participant")
    png = figure._repr_png_()
    assert png.startswith(PNG)
    figure.axes[0].set_title("Mine")
    assert figure.axes[0].get_title() == "Mine"
    assert plots.figure_png(figure).startswith(PNG)


def test_nothing_coded_gives_a_figure_that_says_so(sample_codings):
    empty = sample_codings.iloc[:0]
    for figure in (plots.codes_per_participant(empty), plots.cooccurrence_heatmap(empty)):
        assert [t.get_text() for t in figure.axes[0].texts] == ["Nothing was coded."]


def test_bad_options_are_friendly(sample_codings):
    with pytest.raises(CodingsError, match="level must be one of theme, subtheme, code, not 'codes'"):
        plots.codes_per_participant(sample_codings, level="codes")
    with pytest.raises(CodingsError, match="participants needs the column"):
        plots.codes_per_participant(sample_codings, participants=sample_codings[["label"]])
    with pytest.raises(CodingsError, match="level must be one of theme, subtheme"):
        plots.prevalence_heatmap(qualcode.theme_table(sample_codings), level="code")
    with pytest.raises(CodingsError, match="not a codings table"):
        plots.cooccurrence_heatmap(sample_codings[["text"]])


def test_saturation_curve_is_the_results_plot(sample_corpus, sample_codebook):
    result = qualcode.saturation(sample_corpus.subset(["LW1-w1", "C2", "SW5"]), sample_codebook, candidates=False)
    figure = plots.saturation_curve(result)
    assert [a.get_title() for a in figure.axes] == ["All sources", "Sub-themes per participant group"]
    assert figure._repr_png_().startswith(PNG)


def test_plotting_uses_no_pyplot_and_importing_draws_nothing():
    code = (
        "import sys, json, qualcode\n"
        "before = 'matplotlib' in sys.modules\n"
        "from qualcode import plots\n"
        "after_import = 'matplotlib' in sys.modules\n"
        "corpus = qualcode.load_corpus('transcripts_sample/')\n"
        "codings = qualcode.code(corpus, qualcode.Codebook.from_yaml('codebooks/social_prescribing.yaml'))\n"
        "plots.codes_per_participant(codings); plots.cooccurrence_heatmap(codings)\n"
        "print(json.dumps([before, after_import, 'matplotlib.pyplot' in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, False, False]
