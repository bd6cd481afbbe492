"""The Dask engine gives the local engine's results: codings row for row, problems, summary, report.

One ``distributed.LocalCluster`` of 2 worker processes serves the module; the tests start and stop it.
Tiny batches (``batch_mb``) make every corpus span many tasks, so batch boundaries are exercised.
"""

import csv
import os
import signal
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode.coding.coder import apply_codebook
from qualcode.coding.table import CODING_COLUMNS
from qualcode.dask.engine import apply_codebook_dask, theme_aggregates
from qualcode.coding.dataset import conform, dataset_groups, iter_excerpts
from qualcode.errors import QualcodeError
from qualcode.corpus.loading import CorpusError

from ..conftest import ROOT, SAMPLE, hide_dask

distributed = pytest.importorskip("distributed")  # the test extra installs it; CI always runs these

BOOK = ROOT / "codebooks" / "social_prescribing.yaml"
TINY = 0.004  # MB per batch: about one transcript per task


@pytest.fixture(scope="module")
def book():
    return qualcode.Codebook.from_yaml(BOOK)


def local(folder, codebook, **options):
    corpus = qualcode.load_corpus(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return corpus, apply_codebook(corpus, codebook, **options)


def same_rows(dask_frame, local_frame):
    """The two tables hold the same rows in the same order (pandas compares every cell)."""
    got = dask_frame.compute() if hasattr(dask_frame, "compute") else dask_frame
    pd.testing.assert_frame_equal(got.reset_index(drop=True), conform(local_frame))


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    """A generated study plus what makes batches depend on each other or fail: a survey adding respondents
    that a later transcript names, a duplicate source id, a binary file, an empty file, an unlisted file."""
    from benchmarks.corpus_gen import generate

    folder = generate(tmp_path_factory.mktemp("gen") / "study", transcripts=24, words=700, seed=3)
    with open(folder / "survey.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "team", "What helped?"])
        writer.writerow(["S1", "Clients", "The link worker rang me every week and I felt less lonely."])
        writer.writerow(["S2", "Carers", "Somebody finally listened; my GP referred me."])
    (folder / "late.txt").write_text(
        "Interviewer: Tell me more.\n\nS2: The group got me out of the house, I was so isolated before.\n",
        encoding="utf-8")
    (folder / "dup.txt").write_text("Interviewer: Hello.\n\nKSH00000: A second file with the same id.\n", encoding="utf-8")
    (folder / "broken.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "zz_unlisted.txt").write_text("Interviewer: Hi.\n\nC00003: My GP referred me to the link worker.\n",
                                            encoding="utf-8")
    with open(folder / "sources.csv", "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        fields = ["file", "source_id", "method", "participants", "date", "wave", "researchers"]
        rows = [
            {"file": "survey.csv", "source_id": "survey", "method": "survey"},
            {"file": "late.txt", "source_id": "late", "method": "interview", "participants": "S2"},
            {"file": "dup.txt", "source_id": "KSH00000", "method": "interview", "participants": "KSH00000"},
            {"file": "broken.txt", "source_id": "broken", "method": "interview", "participants": "C00003"},
            {"file": "empty.txt", "source_id": "empty", "method": "interview", "participants": "C00003"},
        ]
        for row in rows:
            writer.writerow([row.get(f, "") for f in fields])
    # The survey's id/group/question columns are not generated columns: rewrite the manifest with them.
    manifest = pd.read_csv(folder / "sources.csv", dtype=str, keep_default_na=False)
    manifest["id_column"] = manifest["group_column"] = manifest["question_columns"] = ""
    manifest.loc[manifest.file == "survey.csv", ["id_column", "group_column", "question_columns"]] = ["id", "team", "What helped?"]
    manifest.to_csv(folder / "sources.csv", index=False)
    return folder


def test_sample_study_codings_summary_and_report_equal_the_local_run(client, book):
    corpus, expected = local(SAMPLE, book)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = apply_codebook_dask(SAMPLE, book, client=client, batch_mb=TINY)
    assert run.batches > 10 and run.codings.npartitions == run.batches
    same_rows(run.codings, expected.codings)
    pd.testing.assert_frame_equal(run.summary, corpus.summary())
    assert run.problems == corpus.problems
    assert run.report().lines() == expected.report().lines()
    pd.testing.assert_frame_equal(run.report().per_theme, expected.report().per_theme, check_dtype=False)
    assert [str(w.message) for w in caught] == expected.warnings


def test_code_accepts_a_loaded_corpus_or_a_folder_and_returns_a_dask_dataframe(client, book):
    import dask.dataframe as dd

    corpus, expected = local(SAMPLE, book, unit="sentence", include_researchers=True)
    for source in (corpus, str(SAMPLE)):
        codings = qualcode.code(source, book, engine="dask", client=client, batch_mb=0.2, unit="sentence",
                                include_researchers=True)
        # the standard columns of a local run, in its order; the attribute columns a local run adds after them
        # (role, wave, ...) are not in the Dask dataset (docs/codings-table.md), so same_rows compares the standard ones
        assert isinstance(codings, dd.DataFrame) and list(codings.columns) == CODING_COLUMNS
        assert list(expected.codings.columns)[: len(CODING_COLUMNS)] == CODING_COLUMNS
        same_rows(codings, expected.codings)


def test_bad_files_cross_batch_participants_and_duplicate_ids_match_the_local_run(client, book, tricky):
    corpus, expected = local(tricky, book)
    assert "late" in corpus.source_ids  # loads only because the survey before it added respondent S2
    assert {p.file for p in corpus.skipped} == {"dup.txt", "broken.txt", "empty.txt"}
    run = apply_codebook_dask(tricky, book, client=client, batch_mb=TINY)
    assert run.reruns >= 1  # the batch of late.txt (names S2) and dup.txt (reuses KSH00000) saw earlier ones
    assert [str(p) for p in run.problems] == [str(p) for p in corpus.problems]
    same_rows(run.codings, expected.codings)
    assert set(run.codings.compute().source_id) >= {"late", "survey"}
    pd.testing.assert_frame_equal(run.summary, corpus.summary())
    with pytest.raises(CorpusError) as strict_local:
        qualcode.load_corpus(tricky, strict=True)
    with pytest.raises(CorpusError) as strict_dask:
        apply_codebook_dask(tricky, book, client=client, strict=True)
    assert str(strict_dask.value) == str(strict_local.value)


def test_speakers_without_participants_csv_resolve_across_files_as_locally(client, book, tmp_path):
    (tmp_path / "a.txt").write_text("Interviewer: Hello.\n\nSarah: My GP referred me to the link worker.\n")
    (tmp_path / "b.txt").write_text("Interviewer: And then?\n\nsarah: I felt less lonely after the walking group.\n")
    corpus, expected = local(tmp_path, book)
    run = apply_codebook_dask(tmp_path, book, client=client, batch_mb=0.0001)
    assert run.batches == 2 and run.reruns == 1
    same_rows(run.codings, expected.codings)
    assert run.problems == corpus.problems
    pd.testing.assert_frame_equal(run.summary, corpus.summary())


def test_cli_writes_a_parquet_dataset_equal_to_the_local_codings(client, book, tricky, tmp_path):
    out = tmp_path / "codings.parquet"
    address = client.scheduler.address
    args = ["code", str(tricky), "-c", str(BOOK), "-o", str(out), "--engine", "dask", "--scheduler", address,
            "--batch-mb", str(TINY)]
    result = CliRunner().invoke(app_(), args)
    assert result.exit_code == 3, result.output  # finished, some files skipped
    assert "broken.txt" in result.output and "duplicate source_id 'KSH00000'" in result.output
    assert "Parquet dataset" in result.output and "participant segments" in result.output
    corpus, expected = local(tricky, book)
    same_rows(pd.read_parquet(out), expected.codings)  # readable by plain pandas, parts in order
    assert not [p for p in out.iterdir() if not p.name.startswith("part-")]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no working folder left
    again = CliRunner().invoke(app_(), args)
    assert again.exit_code == 1 and "already exists" in again.output
    assert CliRunner().invoke(app_(), [*args, "--force"]).exit_code == 3
    same_rows(pd.read_parquet(out), expected.codings)


def app_():
    from qualcode.cli import app

    return app


def test_aggregates_and_streamed_excerpts_from_the_dataset(client, book, tmp_path):
    corpus, expected = local(SAMPLE, book)
    run = apply_codebook_dask(SAMPLE, book, client=client, batch_mb=TINY, output=tmp_path / "c.parquet")
    codings = expected.codings
    counts = theme_aggregates(run.codings)
    assert counts.codings.sum() == len(codings)
    clients = counts[counts.group == "Clients"]
    by_theme = codings[codings.group == "Clients"].groupby("theme_id").participant_id.nunique()
    assert clients.groupby("theme_id").participant_id.nunique().to_dict() == by_theme.to_dict()
    segments = codings.groupby(["code_id", "participant_id"]).segment_id.nunique()
    assert counts.groupby(["code_id", "participant_id"]).segments.sum().to_dict() == segments.to_dict()
    assert dataset_groups(run.path) == list(dict.fromkeys(codings.group))
    streamed = pd.concat(iter_excerpts(run.path, group="Clients", batch_rows=7))
    same_rows(streamed, codings[codings.group == "Clients"])


def test_a_transient_failure_is_retried_and_a_lasting_one_is_a_clear_error(client, book, tmp_path):
    flag = tmp_path / "fail-once"
    flag.write_text("")
    client.run(_flaky_loading, str(flag))
    try:
        corpus, expected = local(SAMPLE, book)
        run = apply_codebook_dask(SAMPLE, book, client=client, batch_mb=0.2)
        assert not flag.exists()  # one task did fail once ...
        same_rows(run.codings, expected.codings)  # ... and its retry gave the same codings
        client.run(_flaky_loading, None)  # now every read fails
        out = tmp_path / "codings.parquet"
        with pytest.raises(QualcodeError, match=r"failed on a Dask worker after 1 retries: OSError: simulated"):
            apply_codebook_dask(SAMPLE, book, client=client, batch_mb=0.2, retries=1, output=out)
        assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    finally:
        client.run(_restore_loading)


def _flaky_loading(flag):
    """On a worker: make reading a source raise OSError once (``flag`` file present) or always (``None``)."""
    from qualcode.corpus import loading

    original = getattr(loading, "_original_load_source", loading.load_source)
    loading._original_load_source = original

    def load_source(*args, **kwargs):
        if flag is None:
            raise OSError("simulated network file system failure")
        try:
            os.remove(flag)
        except FileNotFoundError:
            return original(*args, **kwargs)
        raise OSError("simulated network file system hiccup")

    loading.load_source = load_source


def _restore_loading():
    from qualcode.corpus import loading

    loading.load_source = getattr(loading, "_original_load_source", loading.load_source)


def test_missing_dask_says_how_to_install_it(monkeypatch, tmp_path):
    hide_dask(monkeypatch)
    result = CliRunner().invoke(app_(), ["code", str(SAMPLE), "-c", str(BOOK), "-o", str(tmp_path / "c.parquet"),
                                         "--engine", "dask"])
    assert result.exit_code == 1 and 'pip install "qualcode[dask]"' in result.output
    with pytest.raises(QualcodeError, match=r"qualcode\[dask\]"):
        qualcode.code(SAMPLE, qualcode.Codebook.from_yaml(BOOK), engine="dask")


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(client, book, tricky, tmp_path):
    """Kill a worker process that is running batches; Dask re-runs its tasks elsewhere; each part is replaced
    whole, so the dataset equals the local codings."""
    killed = []

    def progress(done, total, item):
        if killed:
            return
        busy = [w for w, keys in client.processing().items() if any("qualcode-batch" in str(k) for k in keys)]
        if busy:
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    before = set(client.run(os.getpid).values())
    run = apply_codebook_dask(tricky, book, client=client, batch_mb=TINY, output=tmp_path / "c.parquet",
                              progress=progress)
    assert killed and killed[0] in before
    corpus, expected = local(tricky, book)
    same_rows(pd.read_parquet(run.path), expected.codings)
    assert [str(p) for p in run.problems] == [str(p) for p in corpus.problems]
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next tests


def test_cli_engine_options_are_checked_before_any_work(tmp_path):
    result = CliRunner().invoke(app_(), ["code", str(SAMPLE), "-c", str(BOOK), "--engine", "spark"])
    assert result.exit_code == 2 and "unknown engine 'spark'" in result.output
    result = CliRunner().invoke(app_(), ["code", str(SAMPLE), "-c", str(BOOK), "--engine", "dask"])
    assert result.exit_code == 1 and "-o out/codings.parquet" in result.output
    result = CliRunner().invoke(app_(), ["code", str(SAMPLE), "-c", str(BOOK), "--engine", "dask",
                                         "-o", str(tmp_path / "codings.csv")])
    assert result.exit_code == 1 and "name it *.parquet" in result.output


def test_coding_by_meaning_on_dask_gives_the_local_codings(client, book):
    corpus, expected = local(SAMPLE, book, by="meaning")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = apply_codebook_dask(SAMPLE, book, client=client, batch_mb=TINY, by="meaning")
    assert run.batches > 10 and (expected.codings.origin == "meaning").all() and len(expected.codings) > 50
    same_rows(run.codings, expected.codings)
    assert [str(w.message) for w in caught] == expected.warnings
