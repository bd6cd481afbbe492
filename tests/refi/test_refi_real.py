"""Real exports: what qualcode can and cannot carry over from each, and why."""

import re
import zipfile

import pytest

import qualcode
from qualcode.errors import SourceFormatError
from qualcode.refi import import_qdpx, read_qdpx

from .refi_helpers import REFI_DATA, SHARED_REFI

QC_DEMO = SHARED_REFI / "qc-1.3.2-demo.qdpx"


def test_atlas_ti_8_annex_project_gives_its_codebook_users_and_notes(tmp_path):
    """The standard's Annex A.2 project as ATLAS.ti 8.4 exported it, without its source files."""
    report = import_qdpx(REFI_DATA / "atlasti-8.4-annex-a2-project.qde", tmp_path / "study")
    assert report.counts == {"sources": 0, "participants": 0, "codes": 14, "codings": 0, "users": 3}
    book = qualcode.Codebook.from_yaml(tmp_path / "study" / "codebook.yaml")
    cornflakes = book.node("cornflakes")
    assert (cornflakes.color, cornflakes.definition, cornflakes.guid) == (
        "#DC0000", "breakfast cereal made by Kellogg\u2019s", "AE6D04CE-D987-4FC8-AF97-D72CA6FFD08F")
    assert book.node("rushed").label == '"rushed"' and book.node("coke-diet-coke").label == "Coke::diet Coke"
    messages = [p.message for p in report.problems]
    missing = [m for m in messages if "a .qde file alone holds no sources" in m]
    assert len(missing) == 6  # the six text sources: their .txt files are not in a bare .qde
    assert sum("not text; it was skipped" in m for m in messages) == 6  # picture, 2 PDFs, audio, 2 videos
    assert sum(m.startswith("code set ") for m in messages) == 4
    assert any("1 link(s) were not carried over" in m for m in messages)
    notes = (tmp_path / "study" / "notes.yaml").read_text(encoding="utf-8")
    assert "This is a great project by a dynamic team" in notes and "Research Plan" in notes
    with pytest.raises(SourceFormatError, match="no text source could be imported"):
        read_qdpx(REFI_DATA / "atlasti-8.4-annex-a2-project.qde")


@pytest.mark.skipif(not QC_DEMO.exists(), reason="../shared/refi-qda (AGPL test input, not in the repository) is absent")
def test_qualitative_coding_demo_project_imports_every_line_coding(tmp_path):
    corpus, book, codings = read_qdpx(QC_DEMO)
    assert corpus.source_ids == ["board_2017", "admin-1"]
    assert len(book) == 262 and len(codings) == 205 and set(codings.coder) == {"cp"}
    # qc codes whole lines and names each selection "line:N": check every coding against those names.
    with zipfile.ZipFile(QC_DEMO) as zf:
        qde = zf.read("project.qde").decode("utf-8")
    names = {(int(s), int(e)): int(n) for n, s, e in
             re.findall(r'name="line:(\d+)" startPosition="(\d+)" endPosition="(\d+)"', qde)}
    text = corpus.text("board_2017")
    for row in codings.itertuples():
        assert text.count("\n", 0, row.start) == names[(row.start, row.end)]
        assert row.text.endswith("\n") and (row.start == 0 or text[row.start - 1] == "\n")
    assert [p.severity for p in corpus.problems] == ["warning"]  # no participants.csv: speakers become participants
