"""The analysts' questions on the codings table (qualcode.queries and ``codings.qc``)."""

from __future__ import annotations

import pandas as pd
import pytest

import qualcode
from qualcode import queries
from qualcode.errors import CodingsError, NotCodingsTableError


def _row(source, start, end, pid, group, code, sub, theme, *, label=None, segment=None, coder="A", text="x"):
    return {"source_id": source, "segment_id": segment or f"{source}:t{start}", "participant_id": pid,
            "group": group, "label": label or pid, "method": "interview", "start": start, "end": end, "text": text,
            "code_id": code, "code": code.title(), "theme_id": theme, "theme": theme.title(), "subtheme_id": sub,
            "subtheme": sub.title() if sub else None, "coder": coder, "origin": "human", "score": 1.0,
            "evidence": "", "codebook_version": "1"}


@pytest.fixture
def tiny():
    """Three participants in two groups; counts below are worked out by hand from these rows."""
    rows = [
        _row("S1", 0, 10, "P1", "Clients", "bus", "travel", "access", label="Client 1"),
        _row("S1", 0, 10, "P1", "Clients", "fare", "travel", "access", label="Client 1"),   # same passage, 2nd code
        _row("S1", 0, 10, "P1", "Clients", "lonely", "isolation", "benefits", label="Client 1"),
        _row("S1", 20, 30, "P1", "Clients", "lonely", "isolation", "benefits", label="Client 1"),
        _row("S2", 0, 5, "P2", "Clients", "bus", "travel", "access", label="Client 2"),
        _row("S3", 0, 8, "P3", "Referrers", "lonely", "isolation", "benefits", label="GP1"),
        _row("S3", 0, 8, "P3", "Referrers", "fare", "travel", "access", label="GP1", coder="B"),
    ]
    return pd.DataFrame(rows)


def test_excerpts_of_a_theme_from_one_group_by_id_or_label(tiny):
    by_label = queries.excerpts(tiny, "Access", group="clients")  # labels and groups in any case
    by_id = tiny.qc.excerpts("access", group="Clients")
    assert by_label.equals(by_id)
    # S1 0-10 is coded twice under "access" (bus and fare) but is one passage; S2 0-5 is the other.
    assert list(zip(by_id.source_id, by_id.start)) == [("S1", 0), ("S2", 0)]
    assert len(queries.excerpts(tiny, "access", group="Clients", distinct=False)) == 3
    assert list(queries.excerpts(tiny, "fare").index) == [1, 6]  # rows keep their index in the codings
    assert queries.excerpts(tiny, participant="GP1").participant_id.unique().tolist() == ["P3"]
    assert queries.excerpts(tiny, ["bus", "lonely"], source="S1").shape[0] == 2  # any of a list: 2 passages
    assert queries.excerpts(tiny, coder="B").code_id.tolist() == ["fare"]


def test_cooccurrence_counts_units_with_both(tiny):
    table = queries.cooccurrence(tiny, "subtheme", within="segment")
    assert table.index.tolist() == ["Travel", "Isolation"]  # by theme label (Access, Benefits), then label
    # S1:t0 has travel and isolation; S3:t0 has both too; S1:t20 and S2:t0 have one each.
    assert table.loc["Travel", "Isolation"] == table.loc["Isolation", "Travel"] == 2
    assert table.loc["Travel", "Travel"] == 3 and table.loc["Isolation", "Isolation"] == 3
    people = queries.cooccurrence(tiny, "code", within="participant")
    assert people.loc["Bus", "Lonely"] == 1 and people.loc["Fare", "Lonely"] == 2
    assert people.attrs["ids"] == ["bus", "fare", "lonely"]


def test_cooccurring_lists_what_else_is_coded_where_a_code_is(tiny):
    out = queries.cooccurring(tiny, "lonely")  # units with lonely: S1:t0, S1:t20, S3:t0
    assert out.set_index("id")["units"].to_dict() == {"bus": 1, "fare": 2}
    assert out.id.tolist() == ["fare", "bus"]  # most often first
    assert out.set_index("id")["share"].to_dict() == {"fare": round(2 / 3, 3), "bus": round(1 / 3, 3)}
    assert out.attrs["units"] == 3
    themes = queries.cooccurring(tiny, "access", level="theme")  # a theme's own codes are not counted
    assert themes.id.tolist() == ["benefits"]


def test_participants_who_mention_x_but_not_y(tiny):
    assert queries.participants(tiny, mention="travel", without="isolation").participant_id.tolist() == ["P2"]
    both = queries.participants(tiny, mention=["bus", "lonely"])
    assert both.participant_id.tolist() == ["P1"]
    assert both.excerpts.tolist() == [2]  # distinct passages: S1 0-10 (bus and lonely) and S1 20-30 (lonely)
    anyone = queries.participants(tiny, mention=["bus", "fare"], how="any")
    assert anyone.participant_id.tolist() == ["P1", "P2", "P3"]
    assert anyone.columns.tolist() == ["participant_id", "label", "group", "excerpts", "sources"]
    assert queries.participants(tiny, without="lonely").participant_id.tolist() == ["P2"]


def test_counts_by_any_column(tiny):
    table = queries.counts(tiny, by="group", level="subtheme")
    assert table.loc["Travel"].to_dict() == {"Clients": 2, "Referrers": 1, "Total": 3}
    people = queries.counts(tiny, by="coder", level="theme", measure="participants")
    assert people.loc["Access"].to_dict() == {"A": 2, "B": 1, "Total": 3}
    assert queries.counts(tiny, level="code", measure="codings").loc["Lonely", "Total"] == 3


def test_the_answers_agree_with_plain_pandas_on_the_sample(sample_codings):
    codings = sample_codings
    clients = codings.qc.excerpts("Buddying to a first session", group="Clients")
    expected = codings[(codings.subtheme_id == "buddying") & (codings.group == "Clients")]
    assert len(clients) == len(expected.drop_duplicates(["source_id", "start", "end"])) > 0
    table = codings.qc.cooccurrence("subtheme")
    units = codings.groupby("subtheme_id").segment_id.agg(set)
    a, b = table.attrs["ids"][:2]
    assert table.iloc[0, 1] == len(units[a] & units[b])
    assert table.iloc[0, 0] == len(units[a])
    who = set(codings.qc.participants(mention="buddying", without="tapering-support").participant_id)
    said = codings.groupby("participant_id").subtheme_id.agg(set)
    assert who == {p for p, s in said.items() if "buddying" in s and "tapering-support" not in s}
    counts = codings.qc.counts(by="group", level="theme", measure="participants")
    direct = codings.groupby(["theme", "group"]).participant_id.nunique()
    assert all(counts.loc[t, g] == n for (t, g), n in direct.items())


# -- bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda f: f.qc.excerpts("Buddyng"), "did you mean 'Buddying to a first session' (buddying)?"),
    (lambda f: f.qc.excerpts("nothing like it"), "the themes are: Accessing Link Worker Support"),
    (lambda f: f.qc.excerpts("buddying", group="Client"), "did you mean 'Clients'? The groups there are: Clients"),
    (lambda f: f.qc.excerpts(participant="Client 99"), "no participant 'Client 99'"),
    (lambda f: f.qc.counts(by="gruop"), "no attribute 'gruop' in the codings; did you mean 'group'? The attributes there are"),
    (lambda f: f.qc.counts(level="sub"), "level must be one of theme, subtheme, code, not 'sub'; did you mean 'subtheme'?"),
    (lambda f: f.qc.counts(measure="people"), "measure must be one of excerpts, participants, sources, codings"),
    (lambda f: f.qc.cooccurrence(within="turn"), "within must be one of segment, participant, source"),
    (lambda f: f.qc.participants(mention="buddying", how="some"), "how must be one of all, any"),
    (lambda f: f.qc.participants(without="Tapering"), "did you mean 'Tapering support and endings'"),
])
def test_wrong_names_say_what_exists(sample_codings, call, message):
    with pytest.raises(CodingsError) as caught:
        call(sample_codings)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)  # one line, not a traceback's worth


def test_a_frame_that_is_not_a_codings_table(sample_codings):
    frame = pd.DataFrame({"speaker": ["GP1"], "quote": ["..."]})
    with pytest.raises(NotCodingsTableError, match=r"missing column\(s\) source_id, .* \(it has: speaker, quote\)"):
        frame.qc
    assert not hasattr(frame, "qc")  # an AttributeError too, as pandas accessors do
    with pytest.raises(NotCodingsTableError, match="expected a codings table"):
        queries.excerpts(["not", "a", "frame"], "x")
    with pytest.raises(NotCodingsTableError, match="missing column.*text"):
        sample_codings[["source_id", "code_id"]].qc.counts()


def test_empty_codings_give_empty_answers(sample_codings):
    empty = sample_codings.iloc[:0]
    assert empty.qc.counts().empty and empty.qc.cooccurrence().empty and empty.qc.participants().empty
    assert "no codings" in repr(empty.qc)
    with pytest.raises(CodingsError, match="the codings table is empty"):
        empty.qc.excerpts("buddying")


def test_accessor_sees_later_changes_to_the_frame(tiny):
    tiny.qc.nodes()
    tiny.loc[len(tiny)] = _row("S4", 0, 3, "P4", "Referrers", "taxi", "travel", "access", label="GP2")
    assert "taxi" in tiny.qc.nodes(level="code").id.tolist()


def test_merged_human_and_rule_codings_can_be_compared_by_coder(sample_corpus, human_codings):
    a, b = human_codings
    merged = qualcode.merge_codings(a, b, corpus=sample_corpus)
    by_coder = merged.qc.counts(by="coder", level="theme")
    assert by_coder.columns.tolist() == ["coder_a", "coder_b", "Total"]
    assert by_coder["coder_a"].sum() == len(a.drop_duplicates(["theme_id", "source_id", "start", "end"]))


def test_a_table_with_only_the_required_columns_still_answers(sample_codings):
    from qualcode.coding.table import REQUIRED_COLUMNS

    bare = sample_codings[REQUIRED_COLUMNS]  # e.g. made by hand: no sub-themes, labels, coders or scores
    assert bare.qc.cooccurring("buddying").id.iloc[0] in set(sample_codings.code_id)
    assert bare.qc.cooccurrence("subtheme").empty and not bare.qc.cooccurrence("theme").empty
    assert "Distinct excerpts" in repr(bare.qc) and "<details>" in bare.qc._repr_html_()
    with pytest.raises(CodingsError, match="has no coder column, so it cannot be filtered by coder; its columns are"):
        bare.qc.excerpts(coder="coder_a")
