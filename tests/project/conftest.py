"""The project tests share one project of the sample study, made once per session."""

from __future__ import annotations

import shutil

import pytest

from qualcode.project import Project

from ..conftest import ROOT, SAMPLE

CODEBOOK = ROOT / "codebooks" / "social_prescribing.yaml"


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """The sample study with a fresh project, made once (coding it takes a few seconds)."""
    folder = tmp_path_factory.mktemp("template") / "study"
    shutil.copytree(SAMPLE, folder)
    Project.init(folder, CODEBOOK).close()
    return folder
