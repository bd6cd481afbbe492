"""The .xlsx writer: values round-trip, text stays text, awkward input never breaks the file."""

import math

import pytest

import numpy as np
import openpyxl
import pandas as pd

from qualcode.writers.tables import write_table
from qualcode.writers.xlsx import CELL_LIMIT, sheet_names, write_workbook


def test_values_round_trip_through_pandas_and_openpyxl(tmp_path):
    frame = pd.DataFrame({"text": ["caf\u00e9 \u201cquoted\u201d", "line\nbreak", None], "n": [1, 2, 3],
                          "x": [0.5, np.nan, 2.25], "flag": [True, False, True]})
    path = write_table(frame, tmp_path / "t.xlsx")
    back = pd.read_excel(path)
    assert back.text.tolist()[:2] == ["caf\u00e9 \u201cquoted\u201d", "line\nbreak"] and math.isnan(back.text[2])
    assert back.n.tolist() == [1, 2, 3] and back.x.tolist()[0] == 0.5 and math.isnan(back.x[1])
    assert back.flag.tolist() == [True, False, True]
    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D4"
    assert sheet["A1"].font.b and sheet.column_dimensions["A"].width >= 8


def test_text_is_never_a_formula_or_a_link_and_control_characters_go(tmp_path):
    frame = pd.DataFrame({"text": ["=HYPERLINK(\"http://evil\")", "+1+1", "http://example.org", "bell\x07 tab\t"]})
    write_workbook({"x": frame}, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    cells = [sheet.cell(row=r, column=1) for r in range(2, 6)]
    assert [c.data_type for c in cells] == ["s"] * 4 and cells[0].value.startswith("=HYPERLINK")
    assert all(c.hyperlink is None for c in cells) and cells[3].value == "bell tab\t"


def test_long_text_is_cut_at_the_cell_limit_and_long_columns_wrap(tmp_path):
    frame = pd.DataFrame({"text": ["x" * 40_000, "short " * 30]})
    write_workbook({"x": frame}, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert len(sheet["A2"].value) == CELL_LIMIT and sheet["A2"].alignment.wrap_text


def test_sheet_names_are_valid_and_unique(tmp_path):
    assert sheet_names(["a/b", "A/B", "x" * 40, "[q]"]) == ["a_b", "A_B (2)", "x" * 31, "_q_"]
    write_workbook({"it's": pd.DataFrame({"a": [1]}), "empty": pd.DataFrame()}, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["it's", "empty"] and book["empty"].max_row == 1


def _calc():
    import shutil

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return None
    from pathlib import Path

    program = Path(office).resolve().parent
    return office if any(program.glob("libsclo*")) or (program / "scalc").exists() else None


@pytest.mark.skipif(_calc() is None, reason="LibreOffice Calc is not installed")
def test_libreoffice_calc_reads_the_workbook_back(tmp_path):
    """Our own xlsx writer: a real spreadsheet program must open the file and see the same cells."""
    import subprocess

    import pandas as pd

    from qualcode.writers.tables import write_sheets

    frame = pd.DataFrame({"text": ["=1+1 stays text", "caf\u00e9 \u201cquoted\u201d", "line\nbreak"], "n": [1, 2, 3]})
    path = tmp_path / "book.xlsx"
    write_sheets({"codings": frame}, path)
    done = subprocess.run([_calc(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                           "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path / "out"), str(path)],
                          capture_output=True, text=True, timeout=300)
    [csv] = list((tmp_path / "out").glob("*.csv"))
    assert done.returncode == 0
    back = pd.read_csv(csv)
    assert back.text.tolist() == frame.text.tolist() and back.n.tolist() == [1, 2, 3]
