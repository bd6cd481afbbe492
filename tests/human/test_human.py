"""Reading human codings: offsets or tolerant quotes, codes by id or label, problems by row."""

import pandas as pd
import pytest

import qualcode
from qualcode.codebook.model import Codebook
from qualcode.errors import CodingsError
from qualcode.human.codings import locate_quote, read_codings

from ..conftest import ROOT


@pytest.fixture(scope="module")
def minimal():
    return Codebook.from_yaml(ROOT / "codebooks" / "minimal.yaml")


def test_quotes_are_found_despite_white_space_and_quote_marks():
    text = "She said \u201cit\u2019s  fine\u201d \u2013 and\nleft."
    [(start, end)] = locate_quote(text, "\"it's fine\" - and left")
    assert text[start:end] == "\u201cit\u2019s  fine\u201d \u2013 and\nleft"
    assert locate_quote("a b a b", "a b") == [(0, 3), (4, 7)]
    assert locate_quote("abc", "zzz") == []


def test_offsets_and_quotes_become_codings_rows(tmp_path, mini, minimal):
    corpus = qualcode.load_corpus(mini)
    text = corpus.text("GP1-int")
    start = text.index("I mostly signpost")
    path = tmp_path / "coder_a.csv"
    pd.DataFrame([
        {"source_id": "GP1-int", "start": start, "end": start + 17, "quote": "", "code": "referral-routes", "coder": "Alice"},
        {"source_id": "FG", "start": "", "end": "", "quote": "It changed my life", "code": "Benefits", "coder": "Alice"},
    ]).to_csv(path, index=False)
    frame = read_codings(path, corpus, minimal)
    assert frame[["source_id", "participant_id", "group", "code_id", "theme_id", "subtheme_id", "coder", "origin"]].fillna("-").values.tolist() == [
        ["GP1-int", "GP1", "Referrers", "referral-routes", "access", "referral-routes", "Alice", "human"],
        ["FG", "C1", "Clients", "benefits", "benefits", "-", "Alice", "human"],
    ]
    assert frame.text.tolist() == ["I mostly signpost", "It changed my life"]
    for row in frame.itertuples():
        assert corpus.text(row.source_id)[row.start : row.end] == row.text


def test_bad_rows_are_reported_with_row_numbers_and_skipped(tmp_path, mini, minimal):
    corpus = qualcode.load_corpus(mini)
    path = tmp_path / "coder_b.csv"
    pd.DataFrame([
        {"source_id": "FG", "quote": "We refer a lot", "code": "referal-routes"},
        {"source_id": "FG", "quote": "not in the text", "code": "benefits"},
        {"source_id": "NOPE", "quote": "x", "code": "benefits"},
        {"source_id": "FG", "quote": "Clients like it", "code": "benefits"},
    ]).to_csv(path, index=False)
    with pytest.warns(UserWarning) as caught:
        frame = read_codings(path, corpus, minimal, coder="Bob")
    message = str(caught[0].message)
    assert "row 2: unknown code 'referal-routes'; did you mean 'referral-routes'?" in message
    assert "row 3: quote 'not in the text' was not found" in message
    assert "row 4: unknown source_id 'NOPE'" in message
    assert frame.text.tolist() == ["Clients like it"] and frame.coder.tolist() == ["Bob"]
    with pytest.raises(CodingsError, match="3 row"):
        read_codings(path, corpus, minimal, coder="Bob", strict=True)


def test_missing_columns_and_empty_files(tmp_path, mini, minimal):
    corpus = qualcode.load_corpus(mini)
    path = tmp_path / "c.csv"
    path.write_text("source_id,code\nFG,benefits\n")
    with pytest.raises(CodingsError, match=r"start/end or quote, coder"):
        read_codings(path, corpus, minimal)
    path.write_text("source_id,quote,code,coder\n")
    with pytest.raises(CodingsError, match="no codings rows"):
        read_codings(path, corpus, minimal)
