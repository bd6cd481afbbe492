"""`qualcode import` and `qualcode export qdpx|qdc` through the CLI: outputs, messages and exit codes."""

import zipfile

import pandas as pd
from typer.testing import CliRunner

import qualcode
from qualcode.cli import app

from ..conftest import ROOT, SAMPLE
from ..refi.refi_helpers import REFI_DATA, guid, make_qdpx, project_xml, schema_errors, selection

MINIMAL = ROOT / "codebooks" / "minimal.yaml"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], terminal_width=200)


def test_export_qdc_then_import_it_back(tmp_path):
    result = run("export", "qdc", MINIMAL, "-o", tmp_path / "cb.qdc")
    assert result.exit_code == 0, result.output
    assert "Exported" in result.output and "5 codes" in result.output
    assert schema_errors((tmp_path / "cb.qdc").read_bytes(), "Codebook.xsd") == []
    again = run("export", "qdc", MINIMAL, "-o", tmp_path / "cb.qdc")
    assert again.exit_code == 1 and "already exists; pass --force" in again.output
    result = run("import", tmp_path / "cb.qdc", "-o", tmp_path / "cb.yaml", "-c", MINIMAL)
    assert result.exit_code == 0, result.output
    book = qualcode.Codebook.from_yaml(tmp_path / "cb.yaml")
    assert list(book.nodes) == list(qualcode.Codebook.from_yaml(MINIMAL).nodes)
    wrong = run("import", tmp_path / "cb.qdc", "-o", tmp_path / "cb.csv")
    assert wrong.exit_code == 1 and "imported as YAML" in wrong.output


def test_export_a_study_with_rule_and_human_codings_then_import_it(tmp_path, mini):
    corpus = qualcode.load_corpus(mini)
    rules = qualcode.code(corpus, qualcode.Codebook.from_yaml(MINIMAL), by="rules")
    qualcode.write_codings(rules, tmp_path / "codings.csv")
    text = corpus.text("FG")
    start = text.index("It changed my life")
    pd.DataFrame([{"source_id": "FG", "start": start, "end": start + 18, "code": "Benefits", "coder": "Dee"},
                  {"source_id": "FG", "quote": "no such words", "code": "benefits", "coder": "Dee"}]
                 ).to_csv(tmp_path / "dee.csv", index=False)
    result = run("export", "qdpx", mini, "-c", MINIMAL, "--codings", tmp_path / "codings.csv",
                 "--codings", tmp_path / "dee.csv", "-o", tmp_path / "mini.qdpx")
    assert result.exit_code == 3, result.output  # the quote that is not in the text was not carried over
    assert "quote 'no such words' was not found in source FG" in result.output
    assert f"{len(rules) + 1} codings" in result.output and "Coders: rules@1.0, Dee." in result.output
    with zipfile.ZipFile(tmp_path / "mini.qdpx") as zf:
        assert schema_errors(zf.read("project.qde")) == []
    result = run("import", tmp_path / "mini.qdpx", "-o", tmp_path / "imported", "-c", MINIMAL)
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output and "5 codes" in result.output and "Text positions:" in result.output
    assert (tmp_path / "imported" / "codings_Dee.csv").exists()
    assert run("summary", tmp_path / "imported").exit_code == 0
    again = run("import", tmp_path / "mini.qdpx", "-o", tmp_path / "imported")
    assert again.exit_code == 1 and "pass --force" in again.output
    assert run("import", tmp_path / "mini.qdpx", "-o", tmp_path / "imported", "-c", MINIMAL, "--force").exit_code == 0


def test_import_reports_what_was_not_carried_over_and_exits_3(tmp_path):
    text = "Client 1: The walking group got me out.\n"
    qde = project_xml(f'<TextSource guid="{guid(4)}" name="c1" plainTextPath="internal://{guid(4)}.txt">'
                      + selection(guid(5), 10, 13, guid(3), None) + selection(guid(6), 10, 999, guid(3), None)
                      + f'</TextSource><PictureSource guid="{guid(7)}" name="photo.png"/>',
                      f'<Code guid="{guid(3)}" name="Benefits" isCodable="true"/>')
    path = make_qdpx(tmp_path / "p.qdpx", qde, {f"sources/{guid(4)}.txt": text})
    result = run("import", path, "-o", tmp_path / "imported")
    assert result.exit_code == 3, result.output
    assert f"selection {guid(6)} (10-999) is outside source 'c1'" in result.output
    assert "source 'photo.png'" in result.output and "is a picture, not text" in result.output
    assert "2 item(s) not carried over" in result.output
    strict = run("import", path, "-o", tmp_path / "strict", "--strict")
    assert strict.exit_code == 1 and "strict mode" in strict.output and not (tmp_path / "strict").exists()


def test_import_errors_and_bad_usage(tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    result = run("import", tmp_path / "x.txt", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "imports REFI-QDA projects (.qdpx, or a bare .qde) and codebooks (.qdc)" in result.output
    (tmp_path / "bad.qdpx").write_text("not a zip")
    result = run("import", tmp_path / "bad.qdpx", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "not a valid .qdpx file" in result.output
    result = run("export", "qdpx", SAMPLE, "--codings", tmp_path / "c.csv", "-o", tmp_path / "o.qdpx")
    assert result.exit_code == 2 and "needs the codebook" in result.output


def test_import_the_atlas_ti_codebook(tmp_path):
    result = run("import", REFI_DATA / "atlasti-23.4-codebook.qdc", "-o", tmp_path / "atlas.yaml")
    assert result.exit_code == 3, result.output  # the code group was not carried over, as the README promises
    assert "code set 'code group 1'" in result.output and "1 codes" in result.output
    assert "guid: 1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" in (tmp_path / "atlas.yaml").read_text()


def test_export_for_nvivo_positions(tmp_path):
    out = tmp_path / "nvivo.qdpx"
    result = run("export", "qdpx", SAMPLE, "--positions", "nvivo", "-o", out)
    assert result.exit_code == 0, result.output
    assert "UTF-16 code units over CRLF text (NVivo for Windows)" in result.output
    with zipfile.ZipFile(out) as zf:
        assert all(b"\r\n" in zf.read(n) for n in zf.namelist() if n.startswith("sources/"))
    result = run("export", "qdpx", SAMPLE, "--positions", "atlas", "-o", tmp_path / "x.qdpx")
    assert result.exit_code == 2 and "choose one of standard, nvivo" in result.output
