"""YAML alias bombs and deep nesting (front matter and codebooks), and rules whose cost has no bound."""

from __future__ import annotations

from .conftest import GOOD, MINIMAL_CODEBOOK, assert_clean, billion_laughs, run_cli, study


def codebook(rules: str) -> str:
    return ("name: t\nversion: '1'\nthemes:\n  - id: waiting\n    label: Waiting\n    rules:\n"
            + "".join(f"      {line}\n" for line in rules.splitlines()))


def test_front_matter_alias_bomb_skips_the_file(tmp_path, warm):
    folder = study(tmp_path / "s", {"bomb.txt": "---\n" + billion_laughs() + "---\n" + GOOD})
    assert len(billion_laughs()) < 1024
    out = run_cli(["summary", folder])
    assert_clean(out, 3, "bomb.txt", "alias", "write the values out")


def test_codebook_alias_bomb_is_refused(tmp_path, warm):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs() + "name: t\nversion: '1'\nthemes: [{id: a, label: A}]\n")
    assert path.stat().st_size < 1024
    out = run_cli(["codebook", "check", path])
    assert_clean(out, 1, "bomb.yaml", "alias")


def test_deeply_nested_yaml_is_refused(tmp_path, warm):
    deep = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    (tmp_path / "deep.yaml").write_text("name: t\nversion: '1'\n" + deep)
    assert_clean(run_cli(["codebook", "check", tmp_path / "deep.yaml"]), 1, "deep.yaml:3", "nests deeper")
    folder = study(tmp_path / "s", {"deep.md": "---\n" + deep + "---\n" + GOOD})
    assert_clean(run_cli(["summary", folder]), 3, "deep.md", "nests deeper")


def test_a_few_aliases_still_load(tmp_path, warm):
    """Anchors are legal YAML: a codebook that reuses a keyword list loads."""
    text = codebook("keywords: &words [wait, queue]\n") + "  - id: delay\n    label: Delay\n    rules: {keywords: *words}\n"
    (tmp_path / "ok.yaml").write_text(text)
    out = run_cli(["codebook", "check", tmp_path / "ok.yaml"])
    assert out.code == 0 and "OK" in out.stdout, str(out)


def test_huge_repeat_count_is_refused_by_check(tmp_path, warm):
    (tmp_path / "cb.yaml").write_text(codebook("regex: ['a{99999999999}', 'b{5000}']"))
    out = run_cli(["codebook", "check", tmp_path / "cb.yaml"])
    assert_clean(out, 1, "2 problem(s)", "cb.yaml")
    assert "code 'waiting', field 'rules.regex': regex 'a{99999999999}'" in out.stderr
    assert "regex 'b{5000}' repeats 5000 times, over the limit of 1000" in out.stderr


def test_catastrophic_regex_is_refused_by_check(tmp_path, warm):
    (tmp_path / "cb.yaml").write_text(codebook(r"regex: ['(a+)+$', '(\w*)*x', '(?:very\s+)+good']"))
    out = run_cli(["codebook", "check", tmp_path / "cb.yaml"])
    assert_clean(out, 1, "2 problem(s)")
    assert "regex '(a+)+$' nests a repeat inside an unbounded repeat" in out.stderr
    assert "(?:very" not in out.stderr  # a repeat anchored by fixed words is fine


def test_slow_regex_that_passes_check_is_stopped_when_coding(tmp_path, warm):
    """``(\\w|\\w\\w)*$`` has no nested repeat, yet backtracks exponentially: the time limit stops it,
    naming the code and the regex."""
    (tmp_path / "cb.yaml").write_text(codebook(r"regex: ['^(\w|\w\w)*$']"))
    assert run_cli(["codebook", "check", tmp_path / "cb.yaml"]).code == 0
    folder = study(tmp_path / "s", {"long.txt": "Client: " + "w" * 4000 + "!\n"}, good=False)
    out = run_cli(["code", folder, "-c", tmp_path / "cb.yaml", "-o", tmp_path / "c.csv"], seconds=40)
    assert_clean(out, 1, "code 'waiting': regex '^(", "took over 2 s", "rewrite it")
    assert not (tmp_path / "c.csv").exists()


def test_near_within_is_bounded(tmp_path, warm):
    (tmp_path / "cb.yaml").write_text(codebook("near: [{terms: [wait], with: [long], within: 100000000}]"))
    out = run_cli(["codebook", "check", tmp_path / "cb.yaml"])
    assert_clean(out, 1, "1 problem(s)")
    assert "code 'waiting', field 'rules.near': 'within: 100000000' is over the limit of 1000 tokens" in out.stderr


def test_near_at_the_limit_on_a_long_turn_is_fast(tmp_path, warm):
    (tmp_path / "cb.yaml").write_text(codebook("near: [{terms: [wait], with: [long], within: 1000}]"))
    folder = study(tmp_path / "s", {"t.txt": "Client: " + "wait long " * 20000 + "\n"}, good=False)
    out = run_cli(["code", folder, "-c", tmp_path / "cb.yaml", "-o", tmp_path / "c.csv"], seconds=60)
    assert out.code == 0, str(out)


def test_duplicate_id_names_the_line_of_each_id(tmp_path, warm):
    text = ("name: t\nversion: '1'\nthemes:\n  - id: a\n    label: A\n"
            "  - label: B\n    definition: the id comes later\n    id: a\n")
    (tmp_path / "cb.yaml").write_text(text)
    out = run_cli(["codebook", "check", tmp_path / "cb.yaml"])
    assert_clean(out, 1)
    assert "cb.yaml:8: error: code 'a': duplicate id (first used on line 4)" in out.stderr


def test_sample_codebook_still_passes(warm):
    out = run_cli(["codebook", "check", MINIMAL_CODEBOOK])
    assert out.code == 0, str(out)
    out = run_cli(["codebook", "check", MINIMAL_CODEBOOK.parent / "social_prescribing.yaml"])
    assert out.code == 0, str(out)
