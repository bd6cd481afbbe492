"""Reports from Dask codings: theme tables and matrix counts of a Dask frame, and ``qualcode run --engine dask``.

Every table is compared with the one the local code computes from the same codings in pandas. One
``distributed.LocalCluster`` of 2 worker processes serves the module; the tests start and stop it.
"""

import warnings

import docx
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode.dask.engine import apply_codebook_dask
from qualcode.coding.dataset import conform
from qualcode.errors import CodingsError, QualcodeError
from qualcode.reports.exports import export_excerpts

from ..conftest import ROOT, SAMPLE, hide_dask
from ..report_data import codebook as tiny_codebook
from ..report_data import codings as tiny_codings

distributed = pytest.importorskip("distributed")  # the test extra installs it; CI always runs these
dd = pytest.importorskip("dask.dataframe")

BOOK = ROOT / "codebooks" / "social_prescribing.yaml"
TINY = 0.004  # MB per batch: about one transcript per task


@pytest.fixture(scope="module")
def book():
    return qualcode.Codebook.from_yaml(BOOK)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, book):
    """The local `qualcode run` of the sample study: its outputs are what the Dask run must equal."""
    out = tmp_path_factory.mktemp("local") / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = qualcode.run(SAMPLE, book, out)
    return result, out


@pytest.fixture(scope="module")
def dask_run(tmp_path_factory, client):
    """`qualcode run --engine dask` of the sample study on the module's cluster, in tiny batches."""
    out = tmp_path_factory.mktemp("dask") / "out"
    args = ["run", str(SAMPLE), "-c", str(BOOK), "-o", str(out), "--engine", "dask", "--scheduler",
            client.scheduler.address, "--batch-mb", str(TINY)]
    return CliRunner().invoke(app(), args), out, args


def app():
    from qualcode.cli import app as the_app

    return the_app


def quiet(function, *args, **kwargs):
    """Call ``function``; return its result and the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [str(w.message) for w in caught]


def same_table(pandas_frame, dask_frame, function, *args, **kwargs):
    """``function`` gives the same table, attrs and warnings on the pandas and the Dask codings."""
    expected, told = quiet(function, pandas_frame, *args, **kwargs)
    got, said = quiet(function, dask_frame, *args, **kwargs)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs
    assert said == told
    return got


MATRICES = [(rows, columns) for rows in ("participant", "source") for columns in ("theme", "subtheme")]


@pytest.mark.parametrize("partitions", [1, 4])
def test_hand_made_codings_give_the_same_theme_table_and_matrix_counts(partitions):
    """Two coders on one passage, a passage at two sub-themes, a retired code, a version mismatch: the counts
    worked out by hand in test_themes.py come out the same from a Dask frame, however it is partitioned."""
    frame = tiny_codings()
    frame.loc[0, "codebook_version"] = "1"  # warns: made with another version
    lazy = dd.from_pandas(frame, npartitions=partitions)
    cb = tiny_codebook()
    for options in ({}, {"participants": {"G1": 4, "G2": 2}}, {"coder": "anna"}, {"origin": ["rule"]},
                    {"compact": True}):
        table = same_table(frame, lazy, qualcode.theme_table, cb, **options)
    table = same_table(frame, lazy, qualcode.theme_table, cb, participants={"G1": 4, "G2": 2})
    assert table.set_index("number").loc["1", ["excerpts", "sources", "participants", "G1 n", "G2 n"]].tolist() == \
        [3, 2, 2, 1, 1]
    for rows, columns in MATRICES:
        same_table(frame, lazy, qualcode.framework_matrix, cb, rows=rows, columns=columns, cells="count")


def test_nothing_to_count_and_bad_requests_are_clear():
    cb = tiny_codebook()
    empty = tiny_codings().iloc[:0]
    table = same_table(empty, dd.from_pandas(empty, npartitions=1), qualcode.theme_table, cb)
    assert table.excerpts.sum() == 0 and table.attrs["notes"][0].startswith("Nothing was coded")
    lazy = dd.from_pandas(tiny_codings(), npartitions=2)
    with pytest.raises(CodingsError, match="no codings with coder 'nobody'"):
        qualcode.theme_table(lazy, cb, coder="nobody")
    with pytest.raises(CodingsError, match="missing column.*theme_id"):
        qualcode.theme_table(lazy.drop(columns=["theme_id"]), cb)
    with pytest.raises(QualcodeError, match="cells='count'"):
        qualcode.framework_matrix(lazy, cb)  # text cells would hold every excerpt
    with pytest.raises(CodingsError, match="iter_excerpts"):
        qualcode.excerpt_table(lazy, cb)


def test_sample_study_tables_on_the_cluster_equal_the_local_ones(client, book, local_run, tmp_path):
    """The dataset the Dask engine writes (one part per batch) and the same codings shuffled across partitions
    (sources then span partitions, so passages are counted after a shuffle) give the local tables."""
    result, _ = local_run
    summary, codings = result.corpus.summary(), result.codings
    run = apply_codebook_dask(SAMPLE, book, client=client, batch_mb=0.05, output=tmp_path / "codings.parquet")
    assert run.codings.npartitions > 5
    shuffled = dd.from_pandas(codings.sample(frac=1, random_state=3).reset_index(drop=True), npartitions=6)
    for lazy, frame, matrices in ((run.codings, codings, MATRICES[::3]), (shuffled, shuffled.compute(), MATRICES[1:3])):
        table = same_table(frame, lazy, qualcode.theme_table, book, summary)
        assert (table.exemplar != "").sum() > 10  # exemplars chosen from cluster-side candidates, as locally
        for rows, columns in matrices:
            same_table(frame, lazy, qualcode.framework_matrix, book, rows=rows, columns=columns, cells="count",
                       participants=summary)


def test_run_on_dask_writes_the_local_theme_table_and_summary(dask_run, local_run):
    result, out, _ = dask_run
    assert result.exit_code == 0, result.output
    local, local_out = local_run
    for name in ("theme_table.csv", "summary.csv"):
        assert (out / name).read_text() == (local_out / name).read_text(), name
    pd.testing.assert_frame_equal(pd.read_parquet(out / "codings.parquet"),
                                  conform(local.codings))
    for name in ("codings.parquet", "summary.csv", "theme_table.csv", "theme_table.docx", "excerpts_by_group",
                 "analysis.xlsx", "report.html", "theme_heatmap.png"):
        assert f"Wrote {out / name}" in result.output.replace("\n", ""), name
    assert not (out / "codings.csv").exists() and not (out / "excerpts_by_group.docx").exists()
    said = " ".join(result.output.split())
    assert "Left out with --engine dask" in said and "codings.csv: the codings are the Parquet dataset" in said
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no working folders left


def test_run_on_dask_writes_one_excerpts_document_per_group_as_excerpts_split_does(dask_run, local_run, book,
                                                                                   tmp_path):
    _, out, _ = dask_run
    local, _ = local_run
    summary = pd.read_csv(out / "summary.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = export_excerpts(local.codings, tmp_path / "split", codebook=book, participants=summary, split=True,
                                   study=SAMPLE.name)
    written = sorted((out / "excerpts_by_group").iterdir())
    assert [p.name for p in written] == sorted(p.name for p in expected) and len(written) == 5
    for path in expected:
        got, want = docx.Document(str(out / "excerpts_by_group" / path.name)), docx.Document(str(path))
        assert [(p.style.name, p.text) for p in got.paragraphs] == [(p.style.name, p.text) for p in want.paragraphs]
        assert [[c.text for r in t.rows for c in r.cells] for t in got.tables] == \
            [[c.text for r in t.rows for c in r.cells] for t in want.tables]
    quotes = sum(p.style.name == "Quote" for path in written for p in docx.Document(str(path)).paragraphs)
    assert quotes == len(quiet(qualcode.excerpt_table, local.codings, book)[0]) > 100  # every excerpt, once


def test_run_on_dask_workbook_and_page_leave_out_the_full_excerpts(dask_run, local_run):
    _, out, _ = dask_run
    _, local_out = local_run
    workbook = openpyxl.load_workbook(out / "analysis.xlsx")
    assert workbook.sheetnames == ["summary", "theme table", "matrix counts", "notes"]
    got = pd.read_excel(out / "analysis.xlsx", sheet_name=["theme table", "matrix counts"])
    want = pd.read_excel(local_out / "analysis.xlsx", sheet_name=["theme table", "matrix counts"])
    for name in got:
        pd.testing.assert_frame_equal(got[name], want[name])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<blockquote>" not in page and "excerpts_by_group/" in page
    assert "Exemplar quotes" in page and "<script" not in page


def test_run_on_dask_refuses_existing_outputs_and_force_replaces(dask_run, client):
    _, out, args = dask_run
    before = (out / "theme_table.csv").stat().st_mtime_ns
    again = CliRunner().invoke(app(), args)
    assert again.exit_code == 1 and "already exist" in again.output and "--force" in again.output
    assert (out / "theme_table.csv").stat().st_mtime_ns == before
    forced = CliRunner().invoke(app(), [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "theme_table.csv").stat().st_mtime_ns != before
    assert len(list((out / "excerpts_by_group").iterdir())) == 5
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_run_in_python_on_dask_reports_its_steps_and_what_it_left_out(client, book, tmp_path):
    steps = []
    result = qualcode.run(SAMPLE, book, tmp_path / "py", engine="dask", client=client, batch_mb=0.2,
                          progress=lambda done, total, step: steps.append(step))
    assert result.corpus is None and result.problems == [] and result.notes[0].startswith("codings.csv")
    assert hasattr(result.codings, "npartitions") and result.written["excerpts"].is_dir()
    assert steps[0] == "code" and "tables" in steps and steps[-1] == "write:excerpts"
    assert [s for s in steps if s.startswith("code:")]  # batches as they finish


def test_run_engine_options_are_checked(monkeypatch, tmp_path):
    result = CliRunner().invoke(app(), ["run", str(SAMPLE), "-c", str(BOOK), "-o", str(tmp_path), "--engine", "spark"])
    assert result.exit_code == 2 and "unknown engine 'spark'" in result.output
    result = CliRunner().invoke(app(), ["run", str(SAMPLE), "-c", str(BOOK), "-o", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 2 and "--engine dask" in result.output
    result = CliRunner().invoke(app(), ["run", str(SAMPLE), "-c", str(BOOK), "-o", str(tmp_path), "--engine", "dask",
                                        "--jobs", "2"])
    assert result.exit_code == 2 and "--workers" in result.output
    hide_dask(monkeypatch)
    result = CliRunner().invoke(app(), ["run", str(SAMPLE), "-c", str(BOOK), "-o", str(tmp_path / "o"),
                                        "--engine", "dask"])
    assert result.exit_code == 1 and 'pip install "qualcode[dask]"' in result.output
    assert not (tmp_path / "o").exists()


def test_streaming_a_dataset_by_group_finds_codings_without_a_group(tmp_path):
    from qualcode.coding.dataset import iter_excerpts, write_partition
    from qualcode.analysis.selection import NO_GROUP

    frame = tiny_codings()
    frame.loc[[1, 2], "group"] = [None, ""]
    (tmp_path / "d.parquet").mkdir()
    write_partition(frame.iloc[:4], tmp_path / "d.parquet", 0)
    write_partition(frame.iloc[4:], tmp_path / "d.parquet", 1)
    nobody = pd.concat(iter_excerpts(tmp_path / "d.parquet", group=NO_GROUP, batch_rows=1))
    assert nobody.index.size == 2 and nobody.text.tolist() == frame.text.iloc[[1, 2]].tolist()
    g2 = pd.concat(iter_excerpts(tmp_path / "d.parquet", group="G2"))
    assert len(g2) == (frame.group == "G2").sum()
