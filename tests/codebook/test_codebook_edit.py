"""Audited codebook edits (merge, add, rename, move, retire) and codebook diff."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
import subprocess

import pytest

from qualcode import Codebook, CodebookError, diff_codebooks
from qualcode.codebook.edit import (
    add_node,
    bump_version,
    default_author,
    merge_candidates,
    move_node,
    rename_node,
    retire_node,
    slugify,
)

from ..conftest import ROOT

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"
MINIMAL = ROOT / "codebooks" / "minimal.yaml"
WHO = {"author": "Ada Researcher", "date": dt.date(2026, 11, 25)}


@pytest.fixture
def shipped(tmp_path):
    path = tmp_path / "codebook.yaml"
    shutil.copy(SHIPPED, path)
    return Codebook.from_yaml(path)


@pytest.fixture
def minimal(tmp_path):
    path = tmp_path / "minimal.yaml"
    shutil.copy(MINIMAL, path)
    return Codebook.from_yaml(path)


@pytest.fixture
def candidates(tmp_path):
    """A candidates file as `qualcode discover -o` writes it (status candidate, origin inductive)."""
    data = {
        "name": "Candidate codes", "version": "0.1",
        "themes": [
            {"id": "cand-1", "label": "Bus fares, taxis", "definition": "Provisional: getting there.",
             "examples": ["The bus fare is the thing that stops me (Client 3, C3)"], "origin": "inductive",
             "status": "candidate", "memo": "9 segments from 6 participants.",
             "rules": {"keywords": ["bus fare", "taxi"]}},
            {"id": "cand-2", "label": "Toddler groups", "origin": "inductive", "status": "candidate",
             "rules": {"keywords": ["toddler group", "drop-in"]}},
            {"id": "cand-3", "label": "Buddying again", "origin": "inductive", "status": "candidate",
             "rules": {"keywords": ["walk in with", "buddy", "first half hour"]}},
        ],
    }
    path = tmp_path / "new.yaml"
    Codebook.from_dict(data).to_yaml(path)
    return Codebook.from_yaml(path)


def _changed_lines(old: str, new: str):
    diff = list(difflib.ndiff(old.splitlines(), new.splitlines()))
    return [l[2:] for l in diff if l.startswith("- ")], [l[2:] for l in diff if l.startswith("+ ")]


@pytest.mark.parametrize("old, new", [("1.0", "1.1"), ("1.9", "1.10"), ("2", "3"), ("v2.3.4", "v2.3.5"),
                                      ("draft", "draft.1"), ("", "1.1")])
def test_bump_version(old, new):
    assert bump_version(old) == new


def test_slugify_makes_short_valid_ids():
    assert slugify("Mental health, unwell") == "mental-health-unwell"
    assert slugify("GP pop-ups & reminders: a very long label indeed, with more") == "gp-pop-ups-reminders-a-very-long-label"
    assert slugify("!!!") == "node"


# -- add / rename / move / retire ----------------------------------------------------------------
def test_add_bumps_the_version_logs_the_change_and_keeps_everything_else(minimal):
    before = minimal.path.read_text(encoding="utf-8")
    new = add_node(minimal, "transport", "Transport", parent="access", keywords=["bus", "taxi"],
                   definition="Getting to the service.", reason="Clients raise it", **WHO)
    assert minimal.version == "1.0" and "transport" not in minimal  # the book given is untouched
    assert new.version == "1.1" and new.node("transport").parent_id == "access"
    assert new.node("transport").rules["keywords"] == ["bus", "taxi"]
    assert new.changelog[-1] == {"version": "1.1", "date": dt.date(2026, 11, 25), "author": "Ada Researcher",
                                 "change": "Added 'transport' (Transport) under 'access'.", "reason": "Clients raise it"}
    new.to_yaml()
    after = minimal.path.read_text(encoding="utf-8")
    removed, added = _changed_lines(before, after)
    assert removed == ['version: "1.0"                   # required: bumped by `qualcode codebook merge` and other edits']
    assert 'version: "1.1"                   # required: bumped by `qualcode codebook merge` and other edits' in added
    assert "# A tiny codebook that shows every field qualcode understands." in after  # comments survive
    assert Codebook.from_yaml(minimal.path).node("transport").label == "Transport"


def test_add_refuses_a_clashing_or_bad_id_and_a_missing_parent(minimal):
    with pytest.raises(CodebookError, match=r"id 'access' is already used by theme 'Access' \(line \d+\)"):
        add_node(minimal, "access", "Again", reason="r", **WHO)
    with pytest.raises(CodebookError, match="not a slug.*use 'new-code'"):
        add_node(minimal, "New Code", "New", reason="r", **WHO)
    with pytest.raises(CodebookError, match="no parent 'acess'.*did you mean 'access'"):
        add_node(minimal, "x", "X", parent="acess", reason="r", **WHO)
    with pytest.raises(CodebookError, match="needs a reason"):
        add_node(minimal, "x", "X", reason="  ", **WHO)


def test_rename_keeps_the_id_so_earlier_codings_still_resolve(shipped):
    new = rename_node(shipped, "buddying", "Going along to a first session", reason="Clearer", **WHO)
    assert new.node("buddying").label == "Going along to a first session"
    assert new.resolve("buddying") == "buddying" and new.resolve("Going along to a first session") == "buddying"
    assert new.node("buddying").rules == shipped.node("buddying").rules
    assert "Renamed 'buddying' from 'Buddying to a first session' to 'Going along to a first session'" in new.changelog[-1]["change"]
    with pytest.raises(CodebookError, match="already labelled"):
        rename_node(new, "buddying", "Going along to a first session", reason="r", **WHO)


def test_move_carries_children_and_refuses_cycles(minimal):
    new = move_node(minimal, "referral-routes", "benefits", reason="Reorganised", **WHO)
    assert new.node("referral-routes").parent_id == "benefits"
    assert new.node("self-referral").parent_id == "referral-routes" and new.node("self-referral").theme_id == "benefits"
    top = move_node(new, "self-referral", None, reason="Its own theme", **WHO)
    assert top.node("self-referral").level == 1 and top.version == "1.2"
    with pytest.raises(CodebookError, match="cannot move 'access' under 'self-referral'"):
        move_node(minimal, "access", "self-referral", reason="r", **WHO)
    with pytest.raises(CodebookError, match="already under 'access'"):
        move_node(minimal, "referral-routes", "access", reason="r", **WHO)


def test_retire_retires_the_children_too_and_stops_coding_them(minimal):
    new = retire_node(minimal, "access", reason="Out of scope", **WHO)
    assert {n.id for n in new.nodes.values() if n.status == "retired"} == {
        "access", "referral-routes", "self-referral", "contact-barriers"}
    assert [n.id for n in new.active()] == ["benefits"]
    assert "with its children 'referral-routes', 'self-referral', 'contact-barriers'" in new.changelog[-1]["change"]
    with pytest.raises(CodebookError, match="already retired"):
        retire_node(new, "access", reason="r", **WHO)


def test_separator_comments_stay_before_the_theme_they_introduce(shipped):
    new = move_node(shipped, "buddying", "nature-value", reason="r", **WHO)
    new = add_node(new, "transport", "Transport", parent="getting-on", reason="r", **WHO)
    lines = new.to_string().splitlines()
    separators = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*# -{20,}", line)]
    assert len(separators) == shipped.to_string().count("# ------------------------------------------------------------------------------------------------")
    for i in separators:
        assert lines[i + 1].startswith("  - id: "), lines[i - 2:i + 2]
    text = new.to_string()
    assert "\n\n      - id: buddying" in text and "\n\n      - id: transport" in text  # blank line between siblings


def test_a_codebook_saved_or_printed_first_can_still_be_edited(shipped, tmp_path):
    # ruamel.yaml: a deep copy of a document that was dumped before lost the comment between `themes:` and
    # its first item, and the edit failed with "not valid YAML" (as after a Suggester hashed the codebook).
    shipped.to_yaml(tmp_path / "saved.yaml")
    text = shipped.to_string()
    new = rename_node(shipped, "buddying", "Going along to a first session", reason="r", **WHO)
    new = rename_node(new, "digging-deep", "Digging deep", reason="r", **WHO)
    assert new.node("buddying").label == "Going along to a first session"
    removed, added = _changed_lines(text, new.to_string())
    assert all("buddying" in l or "Buddying" in l or "Digging" in l or "version" in l for l in removed), removed
    assert new.to_string().count("# ---") == text.count("# ---")


def test_every_edit_needs_an_author_from_the_option_or_git(minimal, tmp_path, monkeypatch):
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(CodebookError, match="pass --author NAME"):
        add_node(minimal, "x", "X", reason="r")
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        subprocess.run(["git", "-C", str(tmp_path), "config", "user.name", "Grace Coder"], check=True)
        assert default_author(tmp_path) == "Grace Coder"
        assert add_node(minimal, "x", "X", reason="r").changelog[-1]["author"] == "Grace Coder"


def test_saving_refuses_when_the_file_changed_on_disk_since_it_was_read(shipped):
    new = add_node(shipped, "transport", "Transport", reason="r", **WHO)
    shipped.path.write_text(shipped.path.read_text(encoding="utf-8") + "\n# someone else's edit\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="changed on disk since it was read"):
        new.to_yaml()
    assert "someone else's edit" in shipped.path.read_text(encoding="utf-8")


# -- merge and diff --------------------------------------------------------------------------------
def test_merge_as_sub_themes_then_diff_shows_exactly_the_merged_nodes_and_the_entry(shipped, candidates):
    new = merge_candidates(shipped, candidates, ["cand-1", "cand-2"], subtheme_of="getting-on",
                           ids={"cand-1": "travel-costs"}, reason="Raised by five clients", **WHO)
    new.to_yaml()
    old, saved = Codebook.from_yaml(SHIPPED), Codebook.from_yaml(shipped.path)
    for node_id, label in (("travel-costs", "Bus fares, taxis"), ("toddler-groups", "Toddler groups")):
        node = saved.node(node_id)
        assert (node.parent_id, node.label, node.status, node.origin) == ("getting-on", label, "active", "inductive")
    assert saved.node("travel-costs").rules["keywords"] == ["bus fare", "taxi"]
    assert saved.node("travel-costs").examples == ("The bus fare is the thing that stops me (Client 3, C3)",)
    assert "Merged from candidate cand-1 of" in saved.node("travel-costs").memo

    diff = diff_codebooks(old, saved)
    assert (diff.old_version, diff.new_version) == ("1.0", "1.1")
    assert diff.changes[["change", "id", "kind"]].values.tolist() == [
        ["added", "travel-costs", "sub-theme"], ["added", "toddler-groups", "sub-theme"]]
    assert len(diff.changelog) == 1
    entry = diff.changelog[0]
    assert entry["version"] == "1.1" and entry["author"] == "Ada Researcher" and entry["reason"] == "Raised by five clients"
    assert "cand-1 as sub-theme 'travel-costs' (Bus fares, taxis) under 'getting-on'" in entry["change"]
    assert "cand-2 as sub-theme 'toddler-groups' (Toddler groups) under 'getting-on'" in entry["change"]


def test_merge_into_an_existing_node_adds_only_new_keywords(shipped, candidates):
    new = merge_candidates(shipped, candidates, ["cand-3"], into="buddying", reason="Same idea", **WHO)
    before, after = shipped.node("buddying").rules["keywords"], new.node("buddying").rules["keywords"]
    assert list(after[: len(before)]) == list(before) and list(after[len(before):]) == ["first half hour"]
    diff = diff_codebooks(shipped, new)
    assert diff.changes.values.tolist() == [["edited", "buddying", "sub-theme", "rules.keywords", "", "+first half hour"]]
    with pytest.raises(CodebookError, match="already has every keyword"):
        merge_candidates(new, candidates, ["cand-3"], into="buddying", reason="again", **WHO)


def test_merge_as_themes_and_as_codes(shipped, candidates):
    themes = merge_candidates(shipped, candidates, ["cand-2"], as_theme=True, reason="r", **WHO)
    assert themes.node("toddler-groups").level == 1
    codes = merge_candidates(shipped, candidates, ["cand-1"], code_of="contact-barriers", reason="r", **WHO)
    assert codes.node("bus-fares-taxis").level == 3 and codes.node("bus-fares-taxis").subtheme_id == "contact-barriers"


@pytest.mark.parametrize("accept, where, message", [
    (["cand-9"], {"as_theme": True}, r"no candidate 'cand-9' in .*new.yaml; it has: cand-1, cand-2, cand-3"),
    (["cand-1"], {"subtheme_of": "getting-of"}, r"no parent 'getting-of'.*did you mean 'getting-on'"),
    (["cand-1"], {"subtheme_of": "buddying"}, r"'buddying' is a sub-theme, not a theme; use --as-code-of buddying"),
    (["cand-1"], {"code_of": "getting-on"}, r"'getting-on' is a theme; use --as-subtheme-of getting-on"),
    (["cand-1"], {}, r"exactly one of --as-theme, --as-subtheme-of THEME, --as-code-of SUBTHEME or --into NODE \(got none\)"),
    (["cand-1"], {"as_theme": True, "into": "buddying"}, r"exactly one of .* \(got --as-theme, --into\)"),
    ([], {"as_theme": True}, r"no candidates to merge"),
])
def test_merge_refuses_bad_requests(shipped, candidates, accept, where, message):
    with pytest.raises(CodebookError, match=message):
        merge_candidates(shipped, candidates, accept, reason="r", **where, **WHO)


def test_merge_refuses_new_ids_that_clash(shipped, candidates):
    with pytest.raises(CodebookError, match=r"id 'buddying' is already used by sub-theme 'Buddying to a first session'.*"
                                            r"--id cand-1=NEW-ID"):
        merge_candidates(shipped, candidates, ["cand-1"], as_theme=True, ids={"cand-1": "buddying"}, reason="r", **WHO)
    with pytest.raises(CodebookError, match=r"candidates 'cand-1' and 'cand-2' would both get the id 'same'"):
        merge_candidates(shipped, candidates, ["cand-1", "cand-2"], as_theme=True, ids={"cand-1": "same", "cand-2": "same"},
                         reason="r", **WHO)
    with pytest.raises(CodebookError, match="--id names 'cand-3', which is not among the accepted"):
        merge_candidates(shipped, candidates, ["cand-1"], as_theme=True, ids={"cand-3": "x"}, reason="r", **WHO)
    once = merge_candidates(shipped, candidates, ["cand-2"], as_theme=True, reason="r", **WHO)
    with pytest.raises(CodebookError, match="id 'toddler-groups' is already used"):
        merge_candidates(once, candidates, ["cand-2"], as_theme=True, reason="twice", **WHO)


def test_diff_reports_renames_moves_retirements_and_edits(minimal):
    new = rename_node(minimal, "access", "Reaching the service", reason="r", **WHO)
    new = move_node(new, "contact-barriers", "benefits", reason="r", **WHO)
    new = retire_node(new, "self-referral", reason="r", **WHO)
    diff = diff_codebooks(minimal, new)
    rows = diff.changes[["change", "id", "field", "old", "new"]].values.tolist()
    assert rows == [
        ["renamed", "access", "label", "Access", "Reaching the service"],
        ["retired", "self-referral", "status", "active", "retired"],
        ["moved", "contact-barriers", "parent", "access", "benefits"],
    ]
    assert [e["version"] for e in diff.changelog] == ["1.1", "1.2", "1.3"]
    assert diff.summary() == "version 1.0 -> 1.3: 1 renamed, 1 retired, 1 moved"
    assert not diff_codebooks(minimal, minimal)
