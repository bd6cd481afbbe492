"""The package keeps its layout: layers imported downwards only, no import cycles, Dask kept in its adapter.

An AST walk over ``qualcode/`` finds every import of a qualcode module, including imports inside functions
(those run too, only later). Imports under ``if TYPE_CHECKING:`` are left out: they are read by type
checkers and never run. The layers are the ones the README's "How the code is laid out" section names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "qualcode"

#: Bottom to top. A module may import from its own layer or a lower one, never a higher one.
LAYERS = [
    {"qualcode.errors", "qualcode.version", "qualcode.textio", "qualcode.output", "qualcode.language",
     "qualcode.display", "qualcode.writers", "qualcode.embedding"},
    {"qualcode.corpus", "qualcode.codebook"},
    {"qualcode.coding"},
    {"qualcode.discovery", "qualcode.human", "qualcode.analysis"},
    {"qualcode.reports", "qualcode.refi", "qualcode.notebook"},
    {"qualcode.dask", "qualcode.project"},
    {"qualcode.workspace"},
    {"qualcode.engines", "qualcode.pipeline", "qualcode.cli", "qualcode"},
]
LAYER_OF = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}
MAX_TOP_LEVEL_MODULES = 15
DASK_PACKAGES = {"dask", "distributed", "dask_expr"}


def module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


MODULES = {module_name(path)[0]: path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(tree: ast.AST):
    """Every Import/ImportFrom node that can run: anywhere, except in the body of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imported_names(module: str, is_package: bool, node) -> list[str]:
    """The absolute dotted names an import statement reaches (a module, or a module's attribute)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    # ``from pkg import name`` reaches the submodule pkg.name when there is one, else pkg itself
    return [f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target for alias in node.names]


def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(qualcode module -> qualcode modules it imports, qualcode module -> outside top-level packages)."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    outside: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        module, is_package = module_name(path)
        for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in imported_names(module, is_package, node):
                if target.split(".")[0] != "qualcode":
                    outside[name].add(target.split(".")[0])
                    continue
                while target not in MODULES:  # an attribute of a module: the module
                    target = target.rpartition(".")[0]
                if target != name:
                    edges[name].add(target)
    return edges, outside


EDGES, OUTSIDE = graph()


def part_of(module: str) -> str:
    """The unit a layer holds: ``qualcode.X`` for any module in subpackage or module X; ``qualcode`` itself."""
    return ".".join(module.split(".")[:2])


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_imports_inside_functions_and_skips_type_checking_blocks():
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .corpus.corpus import Corpus\n"
              "def f():\n    from .analysis.themes import theme_table\n")
    nodes = list(runtime_imports(ast.parse(source)))
    names = [target for node in nodes for target in imported_names("qualcode.pipeline", False, node)]
    assert "qualcode.analysis.themes" in names
    assert "qualcode.corpus.corpus" not in names


def test_every_module_belongs_to_a_layer():
    assert {part_of(name) for name in MODULES} - set(LAYER_OF) == set()


def test_no_import_cycles_between_modules():
    assert cycles(EDGES) == []


def test_no_import_cycles_between_subpackages():
    parts: dict[str, set[str]] = {}
    for name, targets in EDGES.items():
        parts.setdefault(part_of(name), set()).update(part_of(t) for t in targets if part_of(t) != part_of(name))
    assert cycles(parts) == []


def upward(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{name} -> {target}" for name, targets in edges.items() for target in targets
                  if LAYER_OF[part_of(target)] > LAYER_OF[part_of(name)])


def test_lower_layers_never_import_higher_ones():
    assert upward(EDGES) == []


def test_only_the_dask_subpackage_imports_dask():
    offenders = sorted(f"{name} imports {', '.join(sorted(found & DASK_PACKAGES))}"
                       for name, found in OUTSIDE.items() if found & DASK_PACKAGES and part_of(name) != "qualcode.dask")
    assert offenders == []
    assert OUTSIDE["qualcode.dask.engine"] & {"dask", "distributed"}  # the walk does see it where it is


@pytest.mark.parametrize("sub", sorted(p for p in LAYER_OF if (PACKAGE / p.split(".")[-1]).is_dir()))
def test_every_subpackage_says_what_lives_there_and_what_it_may_import(sub):
    doc = ast.get_docstring(ast.parse((PACKAGE / sub.split(".")[-1] / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc.splitlines()) >= 3, f"{sub}/__init__.py needs a docstring"
    assert "import" in doc.lower(), f"{sub}/__init__.py: say what it may import"


def test_the_top_level_stays_small():
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_a_planted_upward_import_and_cycle_are_caught():
    """The checks above can fail: the errors module importing the pipeline is both upward and a cycle."""
    edges = {name: set(targets) for name, targets in EDGES.items()}
    edges["qualcode.errors"].add("qualcode.pipeline")
    assert upward(edges) == ["qualcode.errors -> qualcode.pipeline"]
    assert any({"qualcode.errors", "qualcode.pipeline"} <= set(cycle) for cycle in cycles(edges))


def test_the_readme_layout_section_gives_every_subpackage_its_layer():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    named: dict[str, int] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not (cells[0].isdigit() or cells[0] in ("base", "top")):
            continue
        rank = {"base": 0, "top": len(LAYERS) - 1}.get(cells[0]) if not cells[0].isdigit() else int(cells[0])
        for name in re.findall(r"`(qualcode(?:\.\w+)?)`", cells[1]):
            named[name] = rank
    packages = {p for p in LAYER_OF if (PACKAGE / p.split(".")[-1]).is_dir()}
    assert packages - set(named) == set(), "subpackages the README's layout table does not name"
    assert {name: rank for name, rank in named.items() if LAYER_OF.get(name) != rank} == {}
