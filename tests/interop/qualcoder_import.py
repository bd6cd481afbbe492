"""Run QualCoder's own REFI-QDA project importer (or exporter), headless; print what it did as JSON.

    QT_QPA_PLATFORM=offscreen python tests/interop/qualcoder_import.py QUALCODER/src project.qdpx out_folder
    QT_QPA_PLATFORM=offscreen python tests/interop/qualcoder_import.py --export QUALCODER/src out_folder/project.qda out.qdpx

``QUALCODER/src`` is a checkout of github:ccbogel/QualCoder (its ``src`` folder) and PyQt6 must be installed.
The project database is made with the ``CREATE TABLE`` statements of QualCoder's own "new project" code
(read from its ``__main__.py``), then ``qualcoder.refi.RefiImport`` reads the file as it does when a user
picks it in the file dialog. Only the GUI around the importer is replaced: the file dialog returns the path,
message boxes are recorded instead of shown, and ``qualcoder.helpers`` (which imports PDF, image and media
libraries the importer does not use) is reduced to its ``Message`` class. The importer's own code is run as is.

Prints ``{"database": ..., "error": null or the exception that stopped the import, "log": [...], "messages": [...]}``;
read the database with :func:`read_qualcoder` (``tests/interop/qualcoder_compare.py``).
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import sqlite3
import sys
import traceback
import types
from pathlib import Path


def schema_statements(main_py: Path) -> list[str]:
    """The ``CREATE TABLE`` statements QualCoder runs when it creates a new project."""
    tree = ast.parse(main_py.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        statements = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "execute" and node.args:
                try:
                    value = ast.literal_eval(node.args[0])
                except ValueError:
                    continue
                if isinstance(value, str) and value.upper().startswith("CREATE TABLE"):
                    statements.append(value)
        if any(s.startswith("CREATE TABLE project ") for s in statements):
            return statements
    raise SystemExit(f"{main_py}: no function creating a project was found; is this QualCoder's source?")


def _qualcoder(src_path: Path, messages: list[str]):
    builtins._ = lambda text: text
    sys.path.insert(0, str(src_path))
    helpers = types.ModuleType("qualcoder.helpers")

    class Message:
        def __init__(self, app, title, text, icon=None):
            messages.append(f"{title}: {text}")

        def exec(self):
            return 0

    helpers.Message = Message
    sys.modules["qualcoder.helpers"] = helpers
    from PyQt6 import QtWidgets

    qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    import qualcoder.refi as refi

    return qapp, QtWidgets, refi


class _App:
    """What the importer and exporter use of QualCoder's application object."""

    def __init__(self, conn, project: Path):
        self.conn = conn
        self.project_path = str(project)
        self.project_name = project.name
        self.version = "interop"
        self.settings = {"directory": str(project.parent), "codername": "default", "ai_enable": "False",
                         "fontsize": 10, "font": "Sans"}
        self.ai_models = []

    def write_config_ini(self, *args):
        pass

    def get_annotations(self):
        keys = "anid", "fid", "pos0", "pos1", "memo", "owner", "date"
        return [dict(zip(keys, row)) for row in
                self.conn.execute("select anid, fid, pos0, pos1, memo, owner, date from annotation").fetchall()]


def export(src: str, project: str, qdpx: str) -> dict:
    """QualCoder's "Export REFI-QDA project" on the project folder ``project`` (``*.qda``), saved as ``qdpx``."""
    src_path, project_path, target = Path(src).resolve(), Path(project).resolve(), Path(qdpx).resolve()
    os.environ["HOME"] = str(target.parent)  # QualCoder prepares the archive under ~/.qualcoder/
    (target.parent / ".qualcoder").mkdir(parents=True, exist_ok=True)
    messages: list[str] = []
    qapp, QtWidgets, refi = _qualcoder(src_path, messages)
    out_dir = target.parent / "qualcoder-export"
    out_dir.mkdir(exist_ok=True)
    QtWidgets.QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(out_dir))
    refi.RefiLineEndings.exec = lambda self: 0  # keep "\n" line ends (the dialog's default)
    conn = sqlite3.connect(project_path / "data.qda")
    log = QtWidgets.QTextEdit()
    error = None
    try:
        refi.RefiExport(_App(conn, project_path), log, "project")
    except Exception:
        error = traceback.format_exc(limit=3)
    conn.close()
    written = sorted(out_dir.glob("*.qdpx"))
    if written:
        written[-1].replace(target)
    return {"qdpx": str(target) if written else None, "error": error, "log": log.toPlainText().splitlines(),
            "messages": messages}


def main(src: str, qdpx: str, out: str) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    src_path, out_path = Path(src).resolve(), Path(out).resolve()
    project = out_path / "project.qda"
    (project / "documents").mkdir(parents=True, exist_ok=True)
    database = project / "data.qda"
    if database.exists():
        database.unlink()
    conn = sqlite3.connect(database)
    for statement in schema_statements(src_path / "qualcoder" / "__main__.py"):
        conn.execute(statement)
    conn.execute("INSERT INTO project (databaseversion, date, memo, about, codername) VALUES ('v17', '', '', '', 'default')")
    conn.commit()

    messages: list[str] = []
    qapp, QtWidgets, refi = _qualcoder(src_path, messages)
    QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(Path(qdpx).resolve()), "(*.qdpx *.QDPX)"))
    log = QtWidgets.QTextEdit()
    error = None
    try:
        refi.RefiImport(_App(conn, project), log, "qdpx")
    except Exception:  # the importer stopped part-way: report where
        error = traceback.format_exc(limit=3)
    conn.commit()
    conn.close()
    lines = log.toPlainText().splitlines()
    return {"database": str(database), "error": error, "log": lines, "messages": messages}


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if sys.argv[1:2] == ["--export"] and len(sys.argv) == 5:
        result = export(*sys.argv[2:5])
    elif len(sys.argv) == 4:
        result = main(*sys.argv[1:4])
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip Qt's teardown, which can crash headless after the import
