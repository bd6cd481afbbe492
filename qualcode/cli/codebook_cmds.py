"""``qualcode codebook ...``: check and show codebooks (editing commands live beside them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app, sub_app
from .common import MaxFileSize, Strict, console, err_console, print_frame, report_problems, wrote

codebook_app = sub_app("Check, show and edit codebooks (YAML: themes > sub-themes > codes, with rules).")
app.add_typer(codebook_app, name="codebook")

CodebookFile = Annotated[Path, typer.Argument(help="Codebook YAML file.")]


@codebook_app.command("check", epilog="Example: qualcode codebook check codebooks/social_prescribing.yaml")
def check(codebook: CodebookFile, strict: Strict = False):
    """Validate a codebook and report every problem at once (file, line, code id, field, fix)."""
    from ..codebook.model import Codebook

    book = Codebook.from_yaml(codebook)
    report_problems(book.warnings)
    if strict and book.warnings:
        from ..errors import CodebookError

        raise CodebookError(f"{codebook}: {len(book.warnings)} warning(s) above; --strict makes them fatal.")
    kinds = book.table().kind.value_counts()
    console.print(
        f"[green]OK[/] {codebook}: {book.name!r} version {book.version}: {kinds.get('theme', 0)} themes, "
        f"{kinds.get('sub-theme', 0)} sub-themes, {kinds.get('code', 0)} codes, "
        f"{sum(n.has_rules for n in book.nodes.values())} with rules.",
        highlight=False,
        soft_wrap=True,  # a long path must not break the line (scripts grep it)
    )


@codebook_app.command("test", epilog="Example: qualcode codebook test codebooks/social_prescribing.yaml")
def test(
    codebook: CodebookFile,
    model: Annotated[Optional[Path], typer.Option("--model", help="A local sentence-transformers model folder "
                                                                  "(default: the built-in model).")] = None,
):
    """Unit-test a codebook for coding by meaning: does each node code its own examples, which nodes are they
    confused with, and does it code its exclude text? Exit code 1 if any node fails."""
    from ..codebook.model import Codebook
    from ..coding.booktest import codebook_test

    book = Codebook.from_yaml(codebook)
    report = codebook_test(book, model=str(model) if model else None)
    for message in report.attrs["warnings"]:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
    shown = report.assign(coded=[f"{c}/{e}" for c, e in zip(report.coded, report.examples)],
                          excludes_coded=[f"{c}/{e}" for c, e in zip(report.excludes_coded, report.excludes)],
                          passes=report.passes.map({True: "yes", False: "NO"}))
    print_frame(shown[["code_id", "coded", "mean_score", "confused_with", "excludes_coded", "passes"]])
    for row in report[~report.passes].itertuples():
        console.print(f"{row.code_id}: {row.advice}", highlight=False, soft_wrap=True)
    failed = int((~report.passes).sum())
    console.print(f"{len(report) - failed} of {len(report)} node(s) pass (model {report.attrs['model']}).",
                  highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@codebook_app.command("show", epilog="Example: qualcode codebook show codebooks/social_prescribing.yaml")
def show(
    codebook: CodebookFile,
    definitions: Annotated[bool, typer.Option("--definitions", "-d", help="Show each node's definition.")] = False,
):
    """Print the codebook as a tree of themes > sub-themes > codes with their ids and rule counts."""
    from rich.markup import escape
    from rich.tree import Tree

    from ..codebook.model import Codebook

    book = Codebook.from_yaml(codebook)
    tree = Tree(f"[bold]{escape(book.name)}[/] v{escape(book.version)}")

    def add(branch, node):
        rules = node.rules
        counts = ", ".join(
            f"{len(rules[k])} {k}" for k in ("keywords", "patterns", "regex", "near") if rules.get(k)
        )
        status = "" if node.status == "active" else f" [yellow]({node.status})[/]"
        text = f"[bold]{escape(node.label)}[/] [dim]{escape(node.id)}[/]{status}" + (f" [cyan]{counts}[/]" if counts else "")
        if definitions and node.definition:
            text += f"\n[dim]{escape(node.definition)}[/]"
        child = branch.add(text)
        for sub in book.children(node.id):
            add(child, sub)

    for theme in book.themes:
        add(tree, theme)
    console.print(tree)
    if book.warnings:
        err_console.print()
        report_problems(book.warnings)


# -- editing: every edit bumps the version and appends a changelog entry --------------------------
Reason = Annotated[str, typer.Option("--reason", help="Why: recorded in the changelog (required).")]
Author = Annotated[Optional[str], typer.Option("--author", help="Who: recorded in the changelog (default: git config user.name).")]
EditOutput = Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the edited codebook here instead of over CODEBOOK.")]
SetVersion = Annotated[Optional[str], typer.Option("--set-version", help="The new version (default: the last number + 1, e.g. 1.0 -> 1.1).")]
EditForce = Annotated[bool, typer.Option("--force", help="With -o: replace that file if it exists.")]


def _save(new, codebook: Path, output: Optional[Path], force: bool) -> None:
    """Save an edited codebook (over its file unless -o) and show the changelog entry."""
    if output is None:
        written = new.to_yaml()  # refuses if the file changed on disk since it was read
    else:
        written = new.to_yaml(output, force=force)
    entry = new.changelog[-1]
    console.print(f"[bold]{escape_(new.name)}[/] version {escape_(str(entry['version']))} ({entry['date']}, "
                  f"{escape_(str(entry['author']))})", highlight=False)
    console.print(f"  change: {escape_(str(entry['change']))}", highlight=False, soft_wrap=True)
    console.print(f"  reason: {escape_(str(entry['reason']))}", highlight=False, soft_wrap=True)
    wrote(written, f"version {new.version}")


def escape_(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _load_for_edit(codebook: Path, output: Optional[Path], force: bool):
    from ..codebook.model import Codebook
    from ..output import check_writable

    book = Codebook.from_yaml(codebook)
    if output is not None:
        check_writable(output, force)
    return book


def _pairs(values: Optional[list[str]], option: str) -> dict[str, str]:
    out = {}
    for value in values or []:
        key, sep, new = value.partition("=")
        if not sep or not key.strip() or not new.strip():
            raise typer.BadParameter(f"write CANDIDATE=NEW-ID, e.g. cand-3=gp-pop-ups, not {value!r}", param_hint=option)
        out[key.strip()] = new.strip()
    return out


@codebook_app.command(
    "merge",
    epilog="Example: qualcode codebook merge codebooks/social_prescribing.yaml new.yaml --accept cand-3,cand-7 "
           "--as-subtheme-of getting-on --reason \"Raised by five clients\"",
)
def merge(
    codebook: CodebookFile,
    candidates: Annotated[Path, typer.Argument(help="Candidates file written by `qualcode discover -o`.")],
    accept: Annotated[str, typer.Option("--accept", help="Candidate ids to merge, comma-separated.")],
    reason: Reason,
    as_theme: Annotated[bool, typer.Option("--as-theme", help="Add them as new themes.")] = False,
    as_subtheme_of: Annotated[Optional[str], typer.Option("--as-subtheme-of", help="Add them as sub-themes of this theme.")] = None,
    as_code_of: Annotated[Optional[str], typer.Option("--as-code-of", help="Add them as codes under this sub-theme or code.")] = None,
    into: Annotated[Optional[str], typer.Option("--into", help="Fold their keywords into this existing node.")] = None,
    ids: Annotated[Optional[list[str]], typer.Option("--id", help="CANDIDATE=NEW-ID for a merged node (default: from its label); repeatable.")] = None,
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Transcripts folder: preview the codings the "
                                                   "merge adds (per code and group, with examples) and warn on "
                                                   "rules that code too much.")] = None,
    max_share: Annotated[float, typer.Option("--max-share", help="With --corpus: warn on a merged code whose rules "
                                             "code more than this share of participant segments.", min=0.0,
                                             max=1.0)] = 0.10,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change (and the preview with "
                                          "--corpus); write nothing.")] = False,
    author: Author = None,
    output: EditOutput = None,
    set_version: SetVersion = None,
    strict: Strict = False,
    force: EditForce = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Merge accepted inductive candidates into the codebook; bumps the version and logs the change.

    With --corpus it first shows what the merge adds to the codings and warns on broad rules."""
    from ..codebook.model import Codebook
    from ..codebook.edit import merge_candidates

    book = _load_for_edit(codebook, None if dry_run else output, force)
    found = Codebook.from_yaml(candidates)
    problems = [*book.warnings, *found.warnings]
    if strict and problems:
        from ..errors import CodebookError

        report_problems(problems)
        raise CodebookError(f"{len(problems)} problem(s) in the codebooks (above); --strict makes them fatal.")
    new = merge_candidates(
        book, found, [a.strip() for a in accept.split(",")], as_theme=as_theme, subtheme_of=as_subtheme_of,
        code_of=as_code_of, into=into, ids=_pairs(ids, "--id"), reason=reason, author=author, version=set_version,
        source=str(candidates),
    )
    if corpus is not None:
        from ..discovery.preview import merge_preview
        from .common import load

        preview = merge_preview(load(corpus, strict, max_file_size), book, new, max_share=max_share)
        console.print(f"Preview on {corpus}: what the merged rules add to the codings", highlight=False)
        for line in preview.lines() or ["The merged rules code nothing the codebook did not code already."]:
            console.print(escape_(line), highlight=False, soft_wrap=True)
        for warning in preview.warnings:
            err_console.print(f"[yellow]warning:[/] {escape_(warning)}", highlight=False, soft_wrap=True)
    if dry_run:
        entry = new.changelog[-1]
        console.print(f"Dry run: would write version {escape_(str(entry['version']))} of {escape_(new.name)} "
                      f"to {output or codebook} ({escape_(str(entry['change']))}); nothing was written.",
                      highlight=False, soft_wrap=True)
        return
    _save(new, codebook, output, force)


@codebook_app.command(
    "add",
    epilog="Example: qualcode codebook add codebooks/social_prescribing.yaml transport --label \"Transport\" "
           "--parent getting-on --keywords bus,taxi --reason \"Barrier raised by clients\"",
)
def add(
    codebook: CodebookFile,
    node_id: Annotated[str, typer.Argument(help="The new node's id (a slug such as `transport`).")],
    label: Annotated[str, typer.Option("--label", help="The new node's label.")],
    reason: Reason,
    parent: Annotated[Optional[str], typer.Option("--parent", help="Parent node id (default: a new theme).")] = None,
    definition: Annotated[Optional[str], typer.Option("--definition", help="What the code covers.")] = None,
    keywords: Annotated[Optional[str], typer.Option("--keywords", help="Keyword rules, comma-separated.")] = None,
    origin: Annotated[str, typer.Option("--origin", help="deductive or inductive.")] = "deductive",
    status: Annotated[str, typer.Option("--status", help="active or candidate.")] = "active",
    author: Author = None,
    output: EditOutput = None,
    set_version: SetVersion = None,
    force: EditForce = False,
):
    """Add a theme, sub-theme or code; bumps the version and logs the change."""
    from ..codebook.edit import add_node

    book = _load_for_edit(codebook, output, force)
    words = [k.strip() for k in (keywords or "").split(",") if k.strip()]
    new = add_node(book, node_id, label, parent=parent, definition=definition, keywords=words, origin=origin,
                   status=status, reason=reason, author=author, version=set_version)
    _save(new, codebook, output, force)


@codebook_app.command(
    "rename",
    epilog="Example: qualcode codebook rename codebooks/social_prescribing.yaml buddying \"Going along to a first session\" "
           "--reason \"Clearer for the report\"",
)
def rename(
    codebook: CodebookFile,
    node_id: Annotated[str, typer.Argument(help="The node's id (it stays the same).")],
    label: Annotated[str, typer.Argument(help="The new label.")],
    reason: Reason,
    author: Author = None,
    output: EditOutput = None,
    set_version: SetVersion = None,
    force: EditForce = False,
):
    """Give a node a new label; its id stays, so earlier codings still resolve."""
    from ..codebook.edit import rename_node

    book = _load_for_edit(codebook, output, force)
    _save(rename_node(book, node_id, label, reason=reason, author=author, version=set_version), codebook, output, force)


@codebook_app.command(
    "move",
    epilog="Example: qualcode codebook move codebooks/social_prescribing.yaml buddying --to nature-value "
           "--reason \"It is part of what link workers do\"",
)
def move(
    codebook: CodebookFile,
    node_id: Annotated[str, typer.Argument(help="The node to move (with its children).")],
    reason: Reason,
    to: Annotated[Optional[str], typer.Option("--to", help="The new parent's id.")] = None,
    to_top: Annotated[bool, typer.Option("--to-top", help="Make it a theme (top level).")] = False,
    author: Author = None,
    output: EditOutput = None,
    set_version: SetVersion = None,
    force: EditForce = False,
):
    """Move a node (and its children) under another parent, or to the top level."""
    from ..codebook.edit import move_node

    if (to is None) == (not to_top):
        raise typer.BadParameter("give exactly one of --to PARENT or --to-top", param_hint="--to")
    book = _load_for_edit(codebook, output, force)
    _save(move_node(book, node_id, to, reason=reason, author=author, version=set_version), codebook, output, force)


@codebook_app.command(
    "retire",
    epilog="Example: qualcode codebook retire codebooks/social_prescribing.yaml tapering-support "
           "--reason \"Merged into length-of-support\"",
)
def retire(
    codebook: CodebookFile,
    node_id: Annotated[str, typer.Argument(help="The node to retire (with its children).")],
    reason: Reason,
    author: Author = None,
    output: EditOutput = None,
    set_version: SetVersion = None,
    force: EditForce = False,
):
    """Retire a node and its children: kept in the codebook for the record, no longer coded."""
    from ..codebook.edit import retire_node

    book = _load_for_edit(codebook, output, force)
    _save(retire_node(book, node_id, reason=reason, author=author, version=set_version), codebook, output, force)


@codebook_app.command("diff", epilog="Example: qualcode codebook diff old.yaml codebooks/social_prescribing.yaml")
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier codebook.")],
    new: Annotated[Path, typer.Argument(help="The later codebook.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the changes table (csv, json, md, xlsx, docx, html).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
):
    """Show what changed between two versions of a codebook: nodes and the new changelog entries."""
    from ..codebook.model import Codebook
    from ..codebook.diff import diff_codebooks
    from ..writers.tables import write_table

    result = diff_codebooks(Codebook.from_yaml(old), Codebook.from_yaml(new))
    console.print(f"{escape_(result.new_name)}: {escape_(result.summary())}", highlight=False)
    if len(result.changes):
        print_frame(result.changes, title="Changes")
    for entry in result.changelog:
        console.print(f"changelog {escape_(str(entry.get('version', '')))} ({entry.get('date', '')}, "
                      f"{escape_(str(entry.get('author', '')))}): {escape_(str(entry.get('change', '')))} "
                      f"Reason: {escape_(str(entry.get('reason', '')))}", highlight=False, soft_wrap=True)
    if output is not None:
        wrote(write_table(result.changes, output, title=f"Changes {result.old_version} -> {result.new_version}", force=force))
