"""Shared fixtures: the sample study (loaded once per session) and builders for small generated corpora."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import qualcode

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def sample_corpus():
    return qualcode.load_corpus(SAMPLE)


@pytest.fixture(scope="session")
def nlp():
    return qualcode.nlp()


def write_participants(folder: Path, rows: list[tuple]) -> None:
    with open(folder / "participants.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["participant_id", "group", "label"])
        writer.writerows(rows)


def write_sources(folder: Path, rows: list[dict]) -> None:
    columns = ["file", "source_id", "method", "participants", "date", "wave", "researchers", "aliases",
               "id_column", "group_column", "question_columns"]
    with open(folder / "sources.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def mini(tmp_path):
    """A small valid study: two interviews, a focus group and a survey, across three groups."""
    folder = tmp_path / "study"
    folder.mkdir()
    write_participants(
        folder,
        [("GP1", "Referrers", "GP1"), ("SW2", "Referrers", "Social Worker 2"), ("LW1", "Link Workers", "LW1"),
         ("C1", "Clients", "Client 1"), ("C2", "Clients", "Client 2")],
    )
    (folder / "gp1.txt").write_text(
        "Interview with GP1\n\nInterviewer: How do you refer people?\n\n"
        "GP1: I mostly signpost. The [LW] sits in our practice on Tuesdays.\nIt helps a lot.\n\n"
        "Interviewer: Thanks.\n",
        encoding="utf-8",
    )
    (folder / "fg.txt").write_text(
        "Facilitator: Tell me about referrals.\n\nSocial Worker 2: We refer a lot. Clients like it.\n\n"
        "LW1: And I follow them up.\n\nClient 1: It changed my life, honestly.\n",
        encoding="utf-8",
    )
    (folder / "c2.txt").write_text("I was lonely. The link worker rang me and we met for coffee.\n", encoding="utf-8")
    with open(folder / "survey.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "type", "How did you hear?", "What changed?"])
        writer.writerow(["C1", "Clients", "My GP told me.", "I go out more."])
        writer.writerow(["S9", "Clients", "", "Made a friend."])
        writer.writerow(["S10", "Clients", "", ""])
    write_sources(
        folder,
        [
            {"file": "gp1.txt", "source_id": "GP1-int", "method": "interview", "participants": "GP1"},
            {"file": "fg.txt", "source_id": "FG", "method": "focus_group", "participants": "SW2;LW1;C1",
             "researchers": "Facilitator"},
            {"file": "c2.txt", "source_id": "C2-int", "method": "interview", "participants": "C2"},
            {"file": "survey.csv", "source_id": "survey", "method": "survey", "id_column": "id", "group_column": "type",
             "question_columns": "How did you hear?;What changed?"},
        ],
    )
    return folder


@pytest.fixture(scope="session")
def sample_codebook():
    return qualcode.Codebook.from_yaml(ROOT / "codebooks" / "social_prescribing.yaml")


@pytest.fixture(scope="session")
def sample_codings(sample_corpus, sample_codebook):
    """The shipped codebook's rule codings of the sample study (do not modify: shared by the session)."""
    return qualcode.code(sample_corpus, sample_codebook, by="rules")


@pytest.fixture(scope="session")
def human_codings(sample_corpus, sample_codebook):
    """The generated two-coder set: ``(coder_a, coder_b)`` codings tables."""
    folder = ROOT / "tests" / "data" / "human"
    return tuple(qualcode.read_codings(folder / f"coder_{x}.csv", sample_corpus, sample_codebook) for x in "ab")


@pytest.fixture(scope="module")
def client():
    """A Dask client of a 2-worker ``LocalCluster`` (one thread each), started and stopped by the test module."""
    import logging

    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       silence_logs=logging.CRITICAL)
    dask_client = distributed.Client(cluster)
    yield dask_client
    dask_client.close()
    cluster.close()


def hide_dask(monkeypatch) -> None:
    """Make ``import dask`` and ``import distributed`` fail, as on an install without the dask extra."""
    import builtins

    real_import = builtins.__import__

    def no_dask(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name.split(".")[0] in ("dask", "distributed"):  # not qualcode's own .dask subpackage
            raise ImportError(f"No module named {name!r}")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_dask)
