"""The library surface: one ``import qualcode``, discoverable names, docstrings whose examples run."""

from __future__ import annotations

import doctest
import inspect
import json
import subprocess
import sys

import pytest

import qualcode
from qualcode import plots, queries

from .conftest import ROOT

ERRORS = {name for name in qualcode.__all__ if isinstance(getattr(qualcode, name), type)
          and issubclass(getattr(qualcode, name), Exception)}
DOCUMENTED = sorted(set(qualcode.__all__) - ERRORS)


def test_every_public_name_resolves_and_shows_in_dir():
    names = dir(qualcode)
    for name in qualcode.__all__:
        assert getattr(qualcode, name) is not None
        assert name in names  # tab completion finds the lazily imported ones too
    for module, path in (("plots", "qualcode.reports.plots"), ("queries", "qualcode.analysis.queries"),
                         ("jupyter", "qualcode.notebook.jupyter")):
        assert getattr(qualcode, module).__name__ == path
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        qualcode.nope


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_public_name_has_a_docstring_with_an_example(name):
    doc = inspect.getdoc(getattr(qualcode, name)) or ""
    assert len(doc) > 40, name
    assert ">>> " in doc, f"qualcode.{name} has no example"


@pytest.mark.parametrize("name", [n for n in DOCUMENTED if callable(getattr(qualcode, n))
                                  and not isinstance(getattr(qualcode, n), type)])
def test_public_functions_have_type_hints(name):
    signature = inspect.signature(getattr(qualcode, name))
    unannotated = [p.name for p in signature.parameters.values()
                   if p.annotation is inspect.Parameter.empty and p.kind not in (p.VAR_KEYWORD,)]
    assert not unannotated, f"qualcode.{name}: no type hint for {unannotated}"
    assert signature.return_annotation is not inspect.Signature.empty, f"qualcode.{name}: no return type"


def test_error_classes_are_one_family():
    for name in ERRORS:
        assert issubclass(getattr(qualcode, name), qualcode.QualcodeError)


# -- the examples run ------------------------------------------------------------------------------
@pytest.fixture
def namespace(tmp_path, monkeypatch, sample_corpus, sample_codebook, sample_codings, human_codings):
    monkeypatch.chdir(ROOT)  # the examples use paths relative to the repository
    a, b = human_codings
    return {"qualcode": qualcode, "queries": queries, "plots": plots, "corpus": sample_corpus,
            "codebook": sample_codebook, "codings": sample_codings.copy(), "coder_a": a, "coder_b": b,
            "tmp": tmp_path}


def _examples(obj, name):
    finder = doctest.DocTestFinder(recurse=not inspect.ismodule(obj) or obj.__name__ != "qualcode")
    tests = [t for t in finder.find(obj, name) if t.examples]
    if inspect.ismodule(obj):  # only this module's own objects, not what it imports
        tests = [t for t in tests if t.name == name or t.name.startswith(name + ".")]
    return tests


EXAMPLES = [*DOCUMENTED, "qualcode", "qualcode.engines", "qualcode.analysis.queries", "qualcode.notebook.accessor",
            "qualcode.reports.plots"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_docstring_examples_run(name, namespace):
    import importlib
    import warnings

    obj = importlib.import_module(name) if name.startswith("qualcode") else getattr(qualcode, name)
    tests = _examples(obj, name)
    assert tests or name in ("qualcode",), f"{name}: no examples found"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. human-codings rows that are skipped with a warning
        for test in tests:
            test.globs = dict(namespace)
            runner.run(test, out=lambda text: pytest.fail(f"{test.name}:\n{text}"))
    assert runner.summarize(verbose=False).failed == 0


# -- import cost ------------------------------------------------------------------------------------
def test_import_qualcode_loads_no_heavy_library_and_registers_the_accessor_with_pandas():
    code = (
        "import sys, json; import qualcode\n"
        "heavy = [m for m in ('pandas', 'spacy', 'sklearn', 'matplotlib', 'docx', 'scipy', 'IPython') if m in sys.modules]\n"
        "import pandas as pd\n"
        "frame = pd.read_csv(sys.argv[1])\n"
        "print(json.dumps({'heavy': heavy, 'qc': frame.qc.counts(by='group').shape[0]}))\n"
    )
    path = ROOT / "tests" / "data" / "human" / "coder_a.csv"
    codings = qualcode.read_codings(path, qualcode.load_corpus(ROOT / "transcripts_sample"),
                                    qualcode.Codebook.from_yaml(ROOT / "codebooks" / "social_prescribing.yaml"))
    table = ROOT / ".pytest_cache" / "api_codings.csv"
    table.parent.mkdir(exist_ok=True)
    codings.to_csv(table, index=False)
    try:
        done = subprocess.run([sys.executable, "-c", code, str(table)], capture_output=True, text=True, cwd=ROOT,
                              check=False)
    finally:
        table.unlink()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["heavy"] == []
    assert result["qc"] == codings.theme_id.nunique()  # a frame read by pandas itself has .qc


def test_accessor_is_there_when_pandas_came_first():
    code = "import pandas as pd, qualcode; print(hasattr(pd.DataFrame, 'qc'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "True"
