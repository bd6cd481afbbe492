"""The notebooks in notebooks/: stored without outputs, and each runs top to bottom (executed with nbclient).

They run offline on transcripts_sample/, from the repository root or from notebooks/, and write only into a
temporary folder: the test points TMPDIR at pytest's own and checks that nothing in the repository changed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ..conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".venv"}


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["01_quickstart.ipynb", "02_inductive.ipynb", "03_agreement.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {cell.id} has outputs"
        assert not cell.metadata.get("execution"), f"{path.name} cell {cell.id} keeps execution timings"


def _snapshot() -> dict[str, tuple[int, int]]:
    files = {}
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in names:
            path = Path(folder) / name
            stat = path.stat()
            files[str(path.relative_to(ROOT))] = (stat.st_size, stat.st_mtime_ns)
    return files


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def execute(tmp_path, monkeypatch):
    """Run a notebook in a fresh kernel with ``cwd``; return it with its outputs."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # tempfile.mkdtemp() in the notebooks writes here
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    def run(path: Path, cwd: Path):
        notebook = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=600,
                                         resources={"metadata": {"path": str(cwd)}})
        client.execute()
        return notebook

    return run


def _outputs(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for output in cell.outputs:
                yield cell, output


def _errors(notebook):
    return [(cell, output) for cell, output in _outputs(notebook) if output.output_type == "error"]


def _data(notebook, mime):
    return [output.data[mime] for _, output in _outputs(notebook) if mime in output.get("data", {})]


def test_quickstart_runs_from_the_repository_root(execute, tmp_path):
    before = _snapshot()
    notebook = execute(ROOT / "notebooks" / "01_quickstart.ipynb", ROOT)
    assert _snapshot() == before, "the notebook changed or added files in the repository"
    errors = _errors(notebook)
    assert [c.metadata.get("tags") for c, _ in errors] == [["raises-exception"]]  # only the one that shows it
    error = errors[0][1]
    assert error.ename == "CodingsError" and "did you mean 'Buddying to a first session' (buddying)?" in error.evalue
    assert len(error.traceback) <= 2 and "Traceback" not in _plain("\n".join(error.traceback))
    html = "\n".join(_data(notebook, "text/html"))
    assert "<details" in html and "Codebook</b> Social prescribing evaluation" in html
    assert "Study summary" in html and "Distinct excerpts (passages) by theme and participant group" in html
    assert len(_data(notebook, "image/png")) == 3  # heatmap, co-occurrence, codes per participant
    words = list(tmp_path.glob("qualcode-quickstart-*/*.docx"))
    assert sorted(p.name for p in words) == ["excerpts_by_group.docx", "theme_table.docx"]
    import docx

    excerpts = next(p for p in words if p.name == "excerpts_by_group.docx")
    headings = [p.text for p in docx.Document(str(excerpts)).paragraphs if p.style.name == "Heading 1"]
    assert "Clients" in headings


def test_inductive_runs_from_the_notebooks_folder(execute, tmp_path):
    before = _snapshot()
    notebook = execute(ROOT / "notebooks" / "02_inductive.ipynb", ROOT / "notebooks")
    assert _snapshot() == before
    assert _errors(notebook) == []
    printed = "".join(o.text for _, o in _outputs(notebook) if o.output_type == "stream" and o.name == "stdout")
    assert re.search(r"cand-\d+ \(.+\) is now (sub-theme|theme) '[a-z0-9-]+', version ", printed)
    saved = list(tmp_path.glob("qualcode-inductive-*/social_prescribing.yaml"))
    assert len(saved) == 1
    import qualcode

    original = qualcode.Codebook.from_yaml(ROOT / "codebooks" / "social_prescribing.yaml")
    merged = qualcode.Codebook.from_yaml(saved[0])
    added = set(merged.nodes) - set(original.nodes)
    assert len(added) == 1 and merged.node(added.pop()).origin == "inductive"
    assert merged.changelog[-1]["author"] == "Notebook"
    assert len(_data(notebook, "image/png")) == 1  # the saturation plot
    assert "Saturation</b>" in "\n".join(_data(notebook, "text/html"))


def test_agreement_runs_from_the_notebooks_folder(execute, tmp_path):
    before = _snapshot()
    notebook = execute(ROOT / "notebooks" / "03_agreement.ipynb", ROOT / "notebooks")
    assert _snapshot() == before
    assert _errors(notebook) == []
    html = "\n".join(_data(notebook, "text/html"))
    assert "<b>Agreement</b>: Coders: coder_a, coder_b." in html
    assert re.search(r"Coders: coder_a, model@[0-9a-f]{10}", html)  # suggestions compared with coder A
    assert list(tmp_path.glob("qualcode-agreement-*/agreement.docx"))
