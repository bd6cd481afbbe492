"""``%load_ext qualcode``: a QualcodeError in a cell shows as one short message; other errors are untouched."""

from __future__ import annotations

import re

import pytest

import qualcode

IPython = pytest.importorskip("IPython")


@pytest.fixture
def shell(monkeypatch, tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    shell = InteractiveShell.instance(colors="nocolor")
    yield shell
    shell.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_qualcode_errors_are_short_after_load_ext(shell, capsys):
    shell.run_cell("%load_ext qualcode")
    shell.run_cell("import pandas as pd, qualcode")
    capsys.readouterr()
    result = shell.run_cell("pd.DataFrame({'speaker': ['GP1']}).qc")
    out = _plain(capsys.readouterr().out)
    assert isinstance(result.error_in_exec, qualcode.NotCodingsTableError)
    assert out.startswith("NotCodingsTableError: this DataFrame: not a codings table: missing column(s) source_id")
    assert "(it has: speaker)" in out
    assert "Traceback" not in out and "pandas/core" not in out and len(out.splitlines()) == 2
    shell.run_cell("%tb")  # the full traceback is still there when wanted
    assert "Traceback" in _plain(capsys.readouterr().out)


def test_other_errors_keep_their_traceback_and_unload_restores(shell, capsys):
    shell.run_cell("%load_ext qualcode")
    capsys.readouterr()
    shell.run_cell("1 / 0")
    assert "Traceback" in _plain(capsys.readouterr().out)
    shell.run_cell("%unload_ext qualcode")
    capsys.readouterr()
    shell.run_cell("import qualcode; raise qualcode.CodingsError('no group')")
    out = _plain(capsys.readouterr().out)
    assert "Traceback" in out and "CodingsError: no group" in out


def test_setup_does_the_same_from_python(shell, capsys):
    from qualcode import jupyter

    assert jupyter.setup() is True
    capsys.readouterr()
    shell.run_cell("import qualcode; qualcode.Codebook.from_yaml('no/such.yaml')")
    out = _plain(capsys.readouterr().out)
    assert out.startswith("CodebookError: no/such.yaml: no such codebook file") and "Traceback" not in out
    assert jupyter.setup(short_errors=False) is True
    assert shell.custom_exceptions == ()


def test_setup_outside_ipython_says_so():
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    assert qualcode.jupyter.setup() is False
