"""The docs stay true: every command has help with an example and is documented in the README or docs/;
every relative link and image in them resolves; CI runs the README's tests."""

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qualcode.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS_DIR = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS_DIR.glob("*.md"))]
#: The README and every docs page, together: where a command counts as documented.
DOCS = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def all_commands():
    group = typer.main.get_command(app)

    def walk(command, path):
        if hasattr(command, "commands"):  # a group (typer vendors its own click)
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield path

    return list(walk(group, []))


COMMANDS = all_commands()


def test_there_are_commands():
    assert ["summary"] in COMMANDS


def test_there_are_docs_pages():
    names = {page.name for page in PAGES}
    assert {"README.md", "codebooks.md", "codings-table.md", "bad-input.md"} <= names
    assert len(PAGES) > 5


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_help_with_an_example_and_is_documented(path):
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert re.search(rf"Example: qualcode {' '.join(path)}\b", result.output), result.output
    assert f"qualcode {' '.join(path)}" in DOCS, f"'qualcode {' '.join(path)}' is in neither README.md nor docs/*.md"


def quickstart_commands():
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, re.S)


def test_readme_has_exactly_two_quickstart_commands_and_ci_runs_the_test_one():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert "transcripts_sample/" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci


# --- links -------------------------------------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
#: [text](target) and ![alt](target); the target ends at white space or ")" (an optional "title" may follow)
LINK = re.compile(r"(!?)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_IMAGE = re.compile(r"<img\s[^>]*src=\"([^\"]+)\"", re.I)


def prose(text: str) -> str:
    """The text outside fenced code blocks and inline code, where links are links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped except hyphens and spaces, spaces -> hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps only its text
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")  # GitHub numbers repeated headings
    return found


def relative_links(page: Path):
    text = prose(page.read_text(encoding="utf-8"))
    for match in LINK.finditer(text):
        yield match.group(1) == "!", match.group(2)
    for match in HTML_IMAGE.finditer(text):
        yield True, match.group(1)


LINKS = [(page, is_image, target) for page in PAGES for is_image, target in relative_links(page)
         if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I)]  # http:, https:, mailto: are not checked


def test_slug_follows_github():
    assert slug("Large corpora (Dask)") == "large-corpora-dask"
    assert slug("Questions to the codings table: `codings.qc`") == "questions-to-the-codings-table-codingsqc"
    assert slug("Exchanging projects with NVivo, ATLAS.ti, MAXQDA and QualCoder (REFI-QDA)") == \
        "exchanging-projects-with-nvivo-atlasti-maxqda-and-qualcoder-refi-qda"
    assert slug("What `qualcode run --engine dask` writes") == "what-qualcode-run---engine-dask-writes"


def test_the_link_check_sees_links_and_images():
    assert any(is_image for _, is_image, _ in LINKS)
    assert any("#" in target for _, _, target in LINKS)
    assert any(page.parent == DOCS_DIR for page, _, _ in LINKS)


@pytest.mark.parametrize("page,is_image,target", LINKS,
                         ids=[f"{page.relative_to(ROOT)}->{target}" for page, _, target in LINKS])
def test_every_relative_link_resolves(page, is_image, target):
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    assert file.exists(), f"{page.relative_to(ROOT)}: {'image' if is_image else 'link'} {target}: no such file"
    if is_image:
        assert file.is_file() and not anchor, f"{page.relative_to(ROOT)}: image {target}"
    if anchor:
        assert file.suffix == ".md", f"{page.relative_to(ROOT)}: {target}: an anchor into a non-Markdown file"
        assert anchor in anchors(file), (f"{page.relative_to(ROOT)}: {target}: no heading with that anchor in "
                                         f"{file.relative_to(ROOT)}; it has {sorted(anchors(file))}")


@pytest.mark.parametrize("page", [p for p in PAGES if p.parent == DOCS_DIR], ids=lambda p: p.name)
def test_every_docs_page_has_a_title_a_summary_and_a_way_back(page):
    text = page.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# "), f"{page.name} must start with a '# Title'"
    assert lines[1] == "" and lines[2].strip(), f"{page.name}: a one-line summary after the title"
    assert "](../README.md" in text, f"{page.name}: link back to the README"


def test_the_readme_stays_a_front_page():
    assert len(README.splitlines()) < 300
    assert "## How the code is laid out" in README
