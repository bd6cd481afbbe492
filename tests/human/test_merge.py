"""Merging codings from several coders, and the `--with`, `agreement` and `suggest` commands."""

import docx
import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode.cli import app
from qualcode.codebook.model import Codebook
from qualcode.errors import CodingsError
from qualcode.human.merge import merge_codings, read_any_codings

from ..conftest import ROOT, SAMPLE

HUMAN = ROOT / "tests" / "data" / "human"
BOOK = ROOT / "codebooks" / "social_prescribing.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def tables(sample_codings, human_codings):
    """The rules' codings and the two coders' (the session's shared tables: read them, never modify them)."""
    return (sample_codings, *human_codings)


def test_merge_keeps_every_row_with_its_coder_and_origin(sample_corpus, tables):
    rules, a, b = tables
    merged = merge_codings(rules, a, b, a, corpus=sample_corpus)  # a twice: exact repeats kept once
    assert len(merged) == len(rules) + len(a) + len(b) and merged.attrs["duplicates"] == len(a)
    assert merged.groupby(["origin", "coder"]).size().to_dict() == {
        ("human", "coder_a"): len(a), ("human", "coder_b"): len(b), ("rule", "rules@1.0"): len(rules)}
    # Human rows come back unchanged.
    for human in (a, b):
        mine = merged[merged.coder == human.coder.iloc[0]]
        key = ["source_id", "start", "end", "code_id"]
        pd.testing.assert_frame_equal(mine.sort_values(key).reset_index(drop=True)[human.columns],
                                      human.sort_values(key).reset_index(drop=True), check_dtype=False)
    # A conflict is two rows: the same unit and code from both coders.
    both = merged[merged.segment_id.notna()].groupby(["segment_id", "code_id"]).coder.nunique()
    assert (both >= 2).any()
    # Sorted by source (corpus order), then offset.
    order = {s: i for i, s in enumerate(sample_corpus.source_ids)}
    keys = list(zip(merged.source_id.map(order), merged.start))
    assert keys == sorted(keys)


def test_merge_refuses_rows_without_a_coder_or_with_a_bad_origin(tables):
    rules, a, _ = tables
    with pytest.raises(CodingsError, match="have no coder"):
        merge_codings(rules, a.assign(coder=None))
    with pytest.raises(CodingsError, match="origin 'person' is not rule, human, model or meaning"):
        merge_codings(a.assign(origin="person"))


def test_any_codings_file_is_read_by_its_columns(tmp_path, sample_corpus, sample_codebook, tables):
    rules = tables[0]
    path = tmp_path / "rules.csv"
    qualcode.write_codings(rules, path)
    back = read_any_codings(path, sample_corpus)
    assert len(back) == len(rules) and (back.origin == "rule").all()
    human = read_any_codings(HUMAN / "coder_b.csv", sample_corpus, sample_codebook)
    assert (human.origin == "human").all() and (human.coder == "coder_b").all()
    with pytest.raises(CodingsError, match="human-codings file; give the codebook"):
        read_any_codings(HUMAN / "coder_b.csv", sample_corpus)
    nameless = tmp_path / "alice.csv"
    pd.read_csv(HUMAN / "coder_a.csv").drop(columns=["coder"]).to_csv(nameless, index=False)
    assert set(read_any_codings(nameless, sample_corpus, sample_codebook).coder) == {"alice"}  # from the file name
    moved = tmp_path / "moved.csv"
    qualcode.write_codings(rules.assign(end=rules.end + 10**7), moved)
    with pytest.raises(CodingsError, match=r"row 2: span .* does not fit source"):
        read_any_codings(moved, sample_corpus)
    other = tmp_path / "other.csv"
    qualcode.write_codings(rules.assign(code_id="no-such-code"), other)
    with pytest.raises(CodingsError, match="no-such-code are not in codebook"):
        read_any_codings(other, sample_corpus, sample_codebook)


# -- CLI -----------------------------------------------------------------------------------------------
def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], terminal_width=200)


def test_code_with_merges_suggestions_and_human_codings(tmp_path, tables):
    out = tmp_path / "all.csv"
    result = invoke("code", SAMPLE, "-c", BOOK, "--by", "rules", "--with", HUMAN / "coder_a.csv",
                    "--with", HUMAN / "coder_b.csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert "coder_a (human)" in result.output
    merged = qualcode.read_codings_table(out)
    rules, a, b = tables
    assert merged.groupby("origin").size().to_dict() == {"human": len(a) + len(b), "rule": len(rules)}


def test_agreement_command_writes_every_format(tmp_path):
    files = [HUMAN / "coder_a.csv", HUMAN / "coder_b.csv"]
    result = invoke("agreement", *files, "--corpus", SAMPLE, "-c", BOOK, "-o", tmp_path / "agreement.docx")
    assert result.exit_code == 0, result.output
    assert "All codes pooled: " in result.output and "kappa 0." in " ".join(result.output.split())
    document = docx.Document(tmp_path / "agreement.docx")
    header = [c.text for c in document.tables[0].rows[0].cells]
    assert "Only coder_a" in header and "Only coder_b" in header and "Cohen's kappa" in header
    assert [c.text for c in document.tables[0].rows[-2].cells][0] == "(all codes, pooled)"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Disagreements" in headings and any(h.startswith("Benefits for clients (") for h in headings)
    assert invoke("agreement", *files, "--corpus", SAMPLE, "-c", BOOK, "-o", tmp_path / "a.csv").exit_code == 0
    per_code = pd.read_csv(tmp_path / "a.csv")
    disagreements = pd.read_csv(tmp_path / "a-disagreements.csv")
    coded = per_code[~per_code.code_id.str.startswith("(")]
    assert len(disagreements) == (coded["only coder_a"] + coded["only coder_b"]).sum()
    assert invoke("agreement", *files, "--corpus", SAMPLE, "-c", BOOK, "-o", tmp_path / "a.xlsx").exit_code == 0
    assert list(pd.read_excel(tmp_path / "a.xlsx", sheet_name=None)) == ["agreement per code", "disagreements", "notes"]
    assert invoke("agreement", *files, "--corpus", SAMPLE, "-c", BOOK, "-o", tmp_path / "a.md").exit_code == 0
    assert "## Disagreements" in (tmp_path / "a.md").read_text()
    again = invoke("agreement", *files, "--corpus", SAMPLE, "-c", BOOK, "-o", tmp_path / "a.md")
    assert again.exit_code == 1 and "already exists; pass --force" in again.output


def test_agreement_command_bad_input(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("source_id,quote,code,coder\n")
    result = invoke("agreement", HUMAN / "coder_a.csv", empty, "--corpus", SAMPLE, "-c", BOOK)
    assert result.exit_code == 1 and "no codings rows" in result.output
    lost = tmp_path / "lost.csv"
    lost.write_text("source_id,quote,code,coder\nKSH1-w1,words nobody said,benefits,bob\n"
                    "KSH1-w1,So there's basically three doors in.,Client benefit,bob\n")
    result = invoke("agreement", HUMAN / "coder_a.csv", lost, "--corpus", SAMPLE, "-c", BOOK)
    assert result.exit_code == 1
    assert "row 2: quote 'words nobody said' was not found" in result.output
    assert "row 3: unknown code 'Client benefit'; did you mean 'client-benefits'?" in result.output
    result = invoke("agreement", HUMAN / "coder_a.csv", HUMAN / "coder_b.csv", "--corpus", SAMPLE)
    assert result.exit_code == 1 and "give the codebook (-c)" in result.output
    result = invoke("agreement", HUMAN / "coder_a.csv", "--corpus", SAMPLE, "-c", BOOK)
    assert result.exit_code == 1 and "at least two coders" in result.output


def test_suggest_command(tmp_path):
    out, scores = tmp_path / "suggestions.csv", tmp_path / "scores.md"
    result = invoke("suggest", SAMPLE, "--train", HUMAN / "coder_a.csv", "-c", BOOK, "--level", "theme",
                    "--all-sources", "-o", out, "--scores", scores)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Cross-validated scores per theme" in text and "folds grouped by source" in text
    suggestions = qualcode.read_codings_table(out)
    assert len(suggestions) and (suggestions.origin == "model").all()
    assert suggestions.coder.iloc[0] in text and "kappa" in scores.read_text()
    one = tmp_path / "one.csv"
    pd.read_csv(HUMAN / "coder_a.csv").query("source_id == 'KSH1-w1'").to_csv(one, index=False)
    result = invoke("suggest", SAMPLE, "--train", one, "-c", BOOK)
    assert result.exit_code == 1 and "at least two sources" in result.output


def test_agreement_command_refuses_binary_and_mis_encoded_files(tmp_path):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    result = invoke("agreement", HUMAN / "coder_a.csv", binary, "--corpus", SAMPLE, "-c", BOOK)
    assert result.exit_code == 1 and "binary file" in result.output
    # cp1252 is decoded, so a quote with curly quotes is still found tolerantly.
    text = qualcode.load_corpus(SAMPLE).text("KSH1-w1")
    assert "three doors in" in text
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("source_id,quote,code,coder\nKSH1-w1,So there\u2019s basically three doors in.,Referral, "
                       "signposting and self-referral,bob\n".replace("Referral, signposting and self-referral",
                                                                     '"Referral, signposting and self-referral"')
                       .encode("cp1252"))
    table = read_any_codings(legacy, qualcode.load_corpus(SAMPLE), Codebook.from_yaml(BOOK))
    assert table.code_id.tolist() == ["referral-routes"] and table.text.iloc[0].startswith("So there")
