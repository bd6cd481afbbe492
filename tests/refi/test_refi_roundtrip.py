"""Export then import gives back the same codebook, sources, participants and codings; exports are schema-valid."""

import zipfile

import pandas as pd
import pytest

import qualcode
from qualcode.codebook.model import Codebook
from qualcode.refi import import_qdpx, read_qdpx, write_qdpx

from ..conftest import ROOT, write_participants, write_sources
from .refi_helpers import schema_errors

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"
NODE_FIELDS = ("label", "level", "parent_id", "theme_id", "subtheme_id", "definition", "include", "exclude", "examples",
               "memo", "color", "codable", "rules", "origin", "status")
CODING_KEYS = ["source_id", "start", "end", "code_id", "coder"]
CODING_COLUMNS = CODING_KEYS + ["segment_id", "participant_id", "group", "text", "theme_id", "subtheme_id", "origin"]


@pytest.fixture(scope="module")
def shipped():
    return Codebook.from_yaml(SHIPPED)


@pytest.fixture(scope="module")
def coded(sample_corpus, shipped):
    """Rule codings plus a human coder's codings of a few excerpts (overlapping the rules' spans)."""
    rules = qualcode.code(sample_corpus, shipped, by="rules")
    human = rules.iloc[::40].copy()
    human["coder"], human["origin"] = "Alice Smith", "human"
    return pd.concat([rules, human], ignore_index=True)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, sample_corpus, shipped, coded):
    path = tmp_path_factory.mktemp("rt") / "study.qdpx"
    report = write_qdpx(sample_corpus, shipped, coded, path)
    return path, report


def sorted_codings(frame):
    return frame[CODING_COLUMNS].fillna("").sort_values(CODING_KEYS).reset_index(drop=True)


def test_export_is_schema_valid_and_embeds_every_text(exported, sample_corpus):
    path, report = exported
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        qde = zf.read("project.qde")
        texts = {zf.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    assert schema_errors(qde) == []
    assert names[0] == "project.qde" and len(names) == 1 + len(sample_corpus)
    assert texts == {s.text for s in sample_corpus}
    assert report.counts["sources"] == len(sample_corpus) and report.problems == []
    assert sorted(report.coders) == ["Alice Smith", "rules@1.0"]


def test_round_trip_gives_back_the_same_study(exported, sample_corpus, shipped, coded):
    corpus, codebook, codings = read_qdpx(exported[0], base=shipped)
    assert corpus.problems == []
    # Sources: same ids, texts, metadata and speaker turns.
    assert corpus.source_ids == sample_corpus.source_ids
    for sid in sample_corpus.source_ids:
        assert corpus.text(sid) == sample_corpus.text(sid)
    keep = ["source_id", "method", "participants", "date", "wave", "turns", "words"]
    assert corpus.sources[keep].equals(sample_corpus.sources[keep])
    turns = ["source_id", "start", "end", "participant_id", "group", "speaker", "is_researcher", "question"]
    assert corpus.segments("turn")[turns].fillna("").equals(sample_corpus.segments("turn")[turns].fillna(""))
    # Participants: ids, groups, labels and attributes.
    assert corpus.participants.fillna("").equals(sample_corpus.participants.fillna(""))
    # Codebook: every node with every field (ids and rules kept through the base codebook).
    assert list(codebook.nodes) == list(shipped.nodes)
    for node in shipped.nodes.values():
        for name in NODE_FIELDS:
            assert getattr(codebook.node(node.id), name) == getattr(node, name), (node.id, name)
    # Codings: each coder's rows, at the same offsets on the same segments, with their origin.
    assert sorted_codings(codings).equals(sorted_codings(coded))
    assert set(codings.origin) == {"rule", "human"}


def test_exporting_twice_gives_identical_files_and_reimports_keep_guids(tmp_path, exported, sample_corpus, shipped, coded):
    again = write_qdpx(sample_corpus, shipped, coded, tmp_path / "again.qdpx").target
    with zipfile.ZipFile(exported[0]) as a, zipfile.ZipFile(again) as b:
        assert {n: a.read(n) for n in a.namelist()} == {n: b.read(n) for n in b.namelist()}
    # Import, then export the imported study: sources, codes, users and codings keep their GUIDs.
    import_qdpx(exported[0], tmp_path / "study")
    corpus = qualcode.load_corpus(tmp_path / "study")
    book = Codebook.from_yaml(tmp_path / "study" / "codebook.yaml")
    frames = [qualcode.read_codings(p, corpus, book) for p in sorted((tmp_path / "study").glob("codings_*.csv"))]
    third = write_qdpx(corpus, book, pd.concat(frames), tmp_path / "third.qdpx", name=sample_corpus.root.name).target
    with zipfile.ZipFile(exported[0]) as a, zipfile.ZipFile(third) as c:
        first, last = a.read("project.qde").decode(), c.read("project.qde").decode()
        assert sorted(a.namelist()) == sorted(c.namelist())
    import re

    guids = re.compile(r'guid="([0-9a-f-]{36})"')
    assert set(guids.findall(first)) == set(guids.findall(last))


def test_the_study_folder_loads_and_each_coder_file_reads_back(tmp_path, exported, shipped, coded):
    report = import_qdpx(exported[0], tmp_path / "study", base=shipped)
    folder = tmp_path / "study"
    assert sorted(p.name for p in folder.iterdir()) == [
        "codebook.yaml", "codings_Alice-Smith.csv", "codings_rules@1.0.csv", "participants.csv", "sources.csv", "texts",
        "users.csv"]
    assert (folder / "texts" / "client_survey.csv").exists()  # the survey comes back as a table
    corpus = qualcode.load_corpus(folder, strict=True)  # no warnings: codings_*.csv are not mistaken for surveys
    alice = qualcode.read_codings(folder / "codings_Alice-Smith.csv", corpus, Codebook.from_yaml(folder / "codebook.yaml"))
    expected = coded[coded.coder == "Alice Smith"]
    assert sorted(zip(alice.source_id, alice.start, alice.end, alice.code_id)) == \
        sorted(zip(expected.source_id, expected.start, expected.end, expected.code_id))
    header = (folder / "codings_Alice-Smith.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "source_id,start,end,code,coder,quote"
    assert report.files and all(p.is_file() for p in report.files)


def test_crlf_emoji_and_non_ascii_sources_round_trip(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    write_participants(folder, [("C9", "Clients", "Client 9"), ("LW7", "Link Workers", "LW7")])
    (folder / "c9.txt").write_bytes(
        ("\ufeffInterviewer: How did it go?\r\n\r\nClient 9: Zo\u00eb rang me \U0001F600 and we went to the caf\u00e9."
         "\r\n\r\nLW7: Buddying works \U0001F44D\U0001F3FD \u2013 mostly.\r\n").encode("utf-8"))
    write_sources(folder, [{"file": "c9.txt", "source_id": "C9", "method": "joint_interview", "participants": "C9;LW7"}])
    corpus = qualcode.load_corpus(folder)
    book = Codebook.from_yaml(ROOT / "codebooks" / "minimal.yaml")
    text = corpus.text("C9")
    rows = []
    for word, code in (("caf\u00e9", "benefits"), ("Buddying works \U0001F44D\U0001F3FD", "access"), ("Zo\u00eb", "self-referral")):
        start = text.index(word)
        rows.append({"source_id": "C9", "start": start, "end": start + len(word), "code": code, "coder": "Bea"})
    pd.DataFrame(rows).to_csv(tmp_path / "bea.csv", index=False)
    human = qualcode.read_codings(tmp_path / "bea.csv", corpus, book)
    write_qdpx(corpus, book, human, tmp_path / "c9.qdpx")
    with zipfile.ZipFile(tmp_path / "c9.qdpx") as zf:
        qde = zf.read("project.qde").decode()
        raw = zf.read([n for n in zf.namelist() if n.endswith(".txt")][0]).decode("utf-8")
    assert raw == text and "\r" not in raw and not raw.startswith("\ufeff")
    # The standard: code points, exclusive end. The emoji pair counts as 2 code points, not 4 UTF-16 units.
    start = text.index("Buddying")
    assert f'startPosition="{start}" endPosition="{start + 17}"' in qde
    corpus2, book2, codings = read_qdpx(tmp_path / "c9.qdpx", base=book)
    assert sorted(codings.text) == sorted(["caf\u00e9", "Buddying works \U0001F44D\U0001F3FD", "Zo\u00eb"])
    assert sorted(codings.participant_id) == ["C9", "C9", "LW7"]
    assert corpus2.source("C9").method == "joint_interview"


def test_mini_study_with_a_survey_and_respondents_without_answers(tmp_path, mini):
    corpus = qualcode.load_corpus(mini)
    book = Codebook.from_yaml(ROOT / "codebooks" / "minimal.yaml")
    write_qdpx(corpus, book, None, tmp_path / "mini.qdpx")
    back, _, codings = read_qdpx(tmp_path / "mini.qdpx", base=book)
    assert codings.empty
    assert back.participants.fillna("").equals(corpus.participants.fillna(""))  # S10 answered nothing but is kept
    survey = back.source("survey")
    assert survey.method == "survey" and survey.text == corpus.text("survey")
    assert [t.question for t in survey.turns] == [t.question for t in corpus.source("survey").turns]


def test_codings_that_do_not_fit_are_left_out_and_reported(tmp_path, sample_corpus, shipped, coded):
    bad = coded.head(3).copy()
    bad.loc[bad.index[0], "source_id"] = "NOPE"
    bad.loc[bad.index[1], "code_id"] = "no-such-code"
    bad.loc[bad.index[2], "text"] = "something else"
    report = write_qdpx(sample_corpus, shipped, pd.concat([bad, coded.tail(2)]), tmp_path / "x.qdpx")
    assert report.counts["codings"] == 2
    messages = " | ".join(p.message for p in report.problems)
    assert "source 'NOPE' is not in the corpus" in messages
    assert "code 'no-such-code' is not in codebook" in messages
    assert "another version" in messages


def test_rule_codings_read_back_from_the_study_folder_keep_their_origin(tmp_path, exported, shipped):
    import_qdpx(exported[0], tmp_path / "study", base=shipped)
    corpus = qualcode.load_corpus(tmp_path / "study")
    book = Codebook.from_yaml(tmp_path / "study" / "codebook.yaml")
    rules = qualcode.read_codings(tmp_path / "study" / "codings_rules@1.0.csv", corpus, book)
    alice = qualcode.read_codings(tmp_path / "study" / "codings_Alice-Smith.csv", corpus, book)
    assert set(rules.origin) == {"rule"} and set(alice.origin) == {"human"}
