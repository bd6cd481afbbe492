"""Nothing a participant, a coder or an imported project says becomes a spreadsheet formula in a CSV
qualcode writes, and qualcode reads its own CSVs back to the exact text."""

from __future__ import annotations

import csv

import qualcode

from .conftest import MINIMAL_CODEBOOK, assert_clean, run_cli, study

HOSTILE = ["=HYPERLINK(\"http://example.invalid\",\"click\")", "=cmd|' /C calc'!A0", "+SUM(1,2)", "@SUM(1)",
           "-2+3", "'=already quoted"]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def formula_cells(path) -> list[str]:
    """Cells of a CSV file a spreadsheet would evaluate (a number such as -0.1 is a number, not a formula)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(cell)]


def hostile_study(tmp_path):
    turns = "\n\n".join(f"Client: {text} I was referred by my GP." for text in HOSTILE)
    return study(tmp_path / "s", {
        "participants.csv": 'participant_id,group,label\nC1,"=1+1","=HYPERLINK(""http://x"",""me"")"\n',
        "c1.txt": "Interviewer: How did you hear of it?\n\n" + turns + "\n",
        "sources.csv": "file,source_id,method,participants\nc1.txt,c1,interview,C1\n",
    }, good=False)


def test_codings_and_summary_csv_hold_no_formula_and_read_back_exactly(tmp_path, warm):
    folder = hostile_study(tmp_path)
    out = run_cli(["code", folder, "-c", MINIMAL_CODEBOOK, "-o", tmp_path / "codings.csv"])
    assert out.code == 0, str(out)
    out = run_cli(["summary", folder, "--format", "csv", "-o", tmp_path / "summary.csv"])
    assert out.code == 0, str(out)
    assert formula_cells(tmp_path / "codings.csv") == []
    assert formula_cells(tmp_path / "summary.csv") == []
    assert "'=1+1" in (tmp_path / "summary.csv").read_text()

    corpus = qualcode.load_corpus(folder)
    assert corpus.participants.set_index("participant_id").loc["C1", "group"] == "=1+1"  # participants.csv as written
    codings = qualcode.read_codings_table(tmp_path / "codings.csv")
    assert len(codings) >= len(HOSTILE)
    for row in codings.itertuples():
        assert corpus.text(row.source_id)[row.start:row.end] == row.text
    assert {t for t in HOSTILE if any(text.startswith(t) for text in codings.text)} == set(HOSTILE)
    assert set(codings.group) == {"=1+1"} and set(codings.label) == {'=HYPERLINK("http://x","me")'}


def test_agreement_and_imported_coder_csvs_hold_no_formula(tmp_path, warm):
    folder = hostile_study(tmp_path)
    text = qualcode.load_corpus(folder).text("c1")
    start = text.index("=cmd")
    rows = [(start, start + 20, "access"), (start + 30, start + 60, "self-referral")]
    for coder in ("=cmd|' /C calc'!A0", "@evil"):
        with open(tmp_path / f"{coder[1:4]}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source_id", "start", "end", "code", "coder"])
            writer.writerows([("c1", s, e, c if coder[0] == "=" else "access", coder) for s, e, c in rows])
    a, b = tmp_path / "cmd.csv", tmp_path / "evi.csv"
    out = run_cli(["agreement", a, b, "--corpus", folder, "-c", MINIMAL_CODEBOOK, "-o", tmp_path / "agree.csv"])
    assert out.code == 0, str(out)
    written = sorted(tmp_path.glob("agree*.csv"))
    assert len(written) == 2
    for path in written:
        assert formula_cells(path) == [], path
    assert "'=cmd|' /C calc'!A0" in "".join(p.read_text() for p in written)

    out = run_cli(["export", "qdpx", folder, "-c", MINIMAL_CODEBOOK, "--codings", a, "-o", tmp_path / "p.qdpx"])
    assert out.code == 0, str(out)
    out = run_cli(["import", tmp_path / "p.qdpx", "-o", tmp_path / "imported"])
    assert out.code in (0, 3), str(out)
    csvs = sorted((tmp_path / "imported").rglob("*.csv"))
    assert any(p.name.startswith("codings_") for p in csvs), csvs
    for path in csvs:
        assert formula_cells(path) == [], path
    back = qualcode.read_codings(next(p for p in csvs if p.name.startswith("codings_")),
                                 qualcode.load_corpus(tmp_path / "imported"),
                                 qualcode.Codebook.from_yaml(tmp_path / "imported" / "codebook.yaml"))
    assert set(back.coder) == {"=cmd|' /C calc'!A0"}
