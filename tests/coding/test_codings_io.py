"""Writing and reading codings tables in every format; bad codings files."""

import pandas as pd
import pytest

from qualcode.codebook.model import Codebook
from qualcode.coding.coder import code
from qualcode.coding.table import CODING_COLUMNS, read_codings_table, write_codings
from qualcode.errors import CodingsError, OutputExistsError

from ..conftest import ROOT


@pytest.fixture(scope="module")
def codings(sample_corpus):
    return code(sample_corpus, Codebook.from_yaml(ROOT / "codebooks" / "minimal.yaml"))


@pytest.mark.parametrize("suffix", ["csv", "parquet", "xlsx", "json"])
def test_round_trip_in_every_format(tmp_path, codings, suffix):
    path = write_codings(codings, tmp_path / f"codings.{suffix}")
    back = read_codings_table(path)
    assert list(back.columns) == CODING_COLUMNS + ["role", "organisation", "date", "wave"]
    assert back.wave.tolist() == codings.wave.tolist()  # a wave "1" is read back as "1", not 1 or 1.0
    assert back.start.tolist() == codings.start.tolist() and back.text.tolist() == codings.text.tolist()
    assert back.code_id.tolist() == codings.code_id.tolist()
    assert back.score.tolist() == pytest.approx(codings.score.tolist())


def test_existing_codings_are_never_silently_overwritten(tmp_path, codings):
    path = tmp_path / "codings.csv"
    path.write_text("human work\n")
    with pytest.raises(OutputExistsError):
        write_codings(codings, path)
    assert path.read_text() == "human work\n"
    assert [p.name for p in tmp_path.iterdir()] == ["codings.csv"]  # no temporary file left behind


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"source_id": ["A"], "text": ["x"]}).to_csv(path, index=False)
    with pytest.raises(CodingsError, match=r"missing column\(s\) participant_id, group, label, start, end, code_id, theme_id"):
        read_codings_table(path)


def test_unsupported_suffix_and_missing_file(tmp_path, codings):
    with pytest.raises(CodingsError, match=r"\.csv, \.parquet, \.xlsx, \.json"):
        write_codings(codings, tmp_path / "c.txt")
    with pytest.raises(CodingsError, match="no such codings file"):
        read_codings_table(tmp_path / "none.csv")
