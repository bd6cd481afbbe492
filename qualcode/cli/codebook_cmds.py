"""``qualcode codebook ...``: check and show codebooks (editing commands live beside them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app, sub_app
from .common import console, err_console, report_problems

codebook_app = sub_app("Check, show and edit codebooks (YAML: themes > sub-themes > codes, with rules).")
app.add_typer(codebook_app, name="codebook")

CodebookFile = Annotated[Path, typer.Argument(help="Codebook YAML file.")]


@codebook_app.command("check", epilog="Example: qualcode codebook check codebooks/social_prescribing.yaml")
def check(codebook: CodebookFile):
    """Validate a codebook and report every problem at once (file, line, code id, field, fix)."""
    from ..codebook import Codebook

    book = Codebook.from_yaml(codebook)
    report_problems(book.warnings)
    kinds = book.table().kind.value_counts()
    console.print(
        f"[green]OK[/] {codebook}: {book.name!r} version {book.version}: {kinds.get('theme', 0)} themes, "
        f"{kinds.get('sub-theme', 0)} sub-themes, {kinds.get('code', 0)} codes, "
        f"{sum(n.has_rules for n in book.nodes.values())} with rules.",
        highlight=False,
        soft_wrap=True,  # a long path must not break the line (scripts grep it)
    )


@codebook_app.command("show", epilog="Example: qualcode codebook show codebooks/social_prescribing.yaml")
def show(
    codebook: CodebookFile,
    definitions: Annotated[bool, typer.Option("--definitions", "-d", help="Show each node's definition.")] = False,
):
    """Print the codebook as a tree of themes > sub-themes > codes with their ids and rule counts."""
    from rich.markup import escape
    from rich.tree import Tree

    from ..codebook import Codebook

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
