"""Codebooks: loading, the tree, round-trips that keep comments, and validation that reports everything."""

import pytest

from qualcode.codebook.model import Codebook
from qualcode.errors import CodebookError

from ..conftest import ROOT

MINIMAL = ROOT / "codebooks" / "minimal.yaml"


def test_minimal_codebook_tree():
    book = Codebook.from_yaml(MINIMAL)
    assert (book.name, book.version) == ("Minimal example", "1.0")
    assert [n.id for n in book.themes] == ["access", "benefits"]
    node = book.node("self-referral")
    assert (node.level, node.kind, node.theme_id, node.subtheme_id, node.parent_id) == (3, "code", "access", "referral-routes", "referral-routes")
    assert [a.id for a in book.ancestors("self-referral")] == ["access", "referral-routes"]
    assert book.node("referral-routes").subtheme_id == "referral-routes"
    assert book.node("access").definition == "How people come to the service."
    assert book.changelog[0]["author"] == "qualcode team"
    assert book.resolve("Barriers to making contact") == "contact-barriers"
    assert book.resolve("ACCESS") == "access"


def test_round_trip_keeps_comments_order_and_fields(tmp_path):
    book = Codebook.from_yaml(MINIMAL)
    out = book.to_yaml(tmp_path / "copy.yaml")
    assert out.read_text() == MINIMAL.read_text()
    again = Codebook.from_yaml(out)
    assert again.table().equals(book.table())


def test_saving_over_a_file_changed_on_disk_is_refused(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(MINIMAL.read_text())
    book = Codebook.from_yaml(path)
    path.write_text(MINIMAL.read_text() + "\n# someone else edited this\n")
    with pytest.raises(CodebookError, match="changed on disk"):
        book.to_yaml()
    assert book.to_yaml(force=True) == path


def test_unknown_node_names_the_closest_one():
    book = Codebook.from_yaml(MINIMAL)
    with pytest.raises(CodebookError, match="did you mean 'self-referral'"):
        book.node("self-referal")


BROKEN = """\
name: Broken
version: "1"
themse: []
themes:
  - id: access
    label: Access
    defintion: typo here
    rules:
      keywords: refer
      regex: ['(unclosed']
      patterns:
        - [{LOWER: link}, {NOT_AN_ATTR: x}]
      min_hits: 0
      near:
        - terms: [anxious]
  - id: access
  - id: Bad Id
    label: Bad
    status: retired
    children:
      - id: child
        label: Child
        status: active
        rules:
          methods: [podcast]
          colour: red
"""


def test_validation_reports_every_problem_at_once_with_lines_ids_and_fixes():
    with pytest.raises(CodebookError) as info:
        Codebook.from_string(BROKEN, "broken.yaml")
    problems = [str(p) for p in info.value.problems]
    expected = [
        ("broken.yaml:3", "unknown top-level field 'themse'", "did you mean 'themes'"),
        ("broken.yaml:7", "code 'access', field 'defintion'", "did you mean 'definition'"),
        ("broken.yaml:9", "field 'rules.keywords': is a string", "keywords: [refer]"),
        ("broken.yaml:10", "field 'rules.regex'", "does not compile"),
        ("broken.yaml:11", "field 'rules.patterns'", "not a valid spaCy Matcher pattern"),
        ("broken.yaml:13", "field 'rules.min_hits'", "at least 1"),
        ("broken.yaml:14", "field 'rules.near'", "'with' must be a non-empty list"),
        ("broken.yaml:16", "code 'access'", "duplicate id (first used on line 5)"),
        ("broken.yaml:16", "code 'access'", "missing 'label'"),
        ("broken.yaml:17", "code 'Bad Id'", "use 'bad-id'"),
        ("broken.yaml:17", "code 'Bad Id'", "retired but its child 'child' is active"),
        ("broken.yaml:25", "field 'rules.methods'", "'podcast' is not a method"),
        ("broken.yaml:26", "field 'rules.colour'", "unknown rule"),
    ]
    for where, what, fix in expected:
        assert any(p.startswith(where) and what in p and fix in p for p in problems), (where, what, problems)
    assert len(problems) == len(expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the codebook is empty"),
        ("- just\n- a list\n", "must be a mapping"),
        ("name: X\nversion: 1\nthemes: []\n", "has no themes"),
        ("name: X\nversion: 1\nthemes:\n  - id: a\n    label: [unclosed\n", "not valid YAML"),
        ("themes:\n  - id: a\n    label: A\n", "missing 'name'"),
    ],
    ids=["empty", "not-a-mapping", "no-themes", "bad-yaml", "no-name"],
)
def test_bad_codebooks(text, message):
    with pytest.raises(CodebookError, match=message):
        Codebook.from_string(text, "cb.yaml")


def test_missing_codebook_file(tmp_path):
    with pytest.raises(CodebookError, match="no such codebook file"):
        Codebook.from_yaml(tmp_path / "nope.yaml")


def test_from_dict_builds_a_valid_codebook():
    book = Codebook.from_dict({"name": "D", "version": "0.1", "themes": [
        {"id": "t", "label": "T", "children": [{"id": "s", "label": "S", "rules": {"keywords": ["wait"]}}]}]})
    assert book.node("s").theme_id == "t" and book.node("s").has_rules
