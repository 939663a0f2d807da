"""The house: data flows one way, and the imports show it.

Every import in src/forcewatch (function-level ones too; ``if TYPE_CHECKING:`` blocks aside) is read
with ``ast``. Run on its own: ``python3 -m pytest tests/test_layers.py -q``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "forcewatch"
# Lowest first: a module may import its own stage or a lower one, never a higher one.
LAYERS = [
    {"records", "data", "lexicon", "geo", "plugins", "limits"},  # record types, packaged data, shared vocabularies
    {"gazetteer"},  # shared place data
    {"ingest"},  # readers
    {"extract"},  # NLP
    {"resolve"},  # places, times, sources
    {"sensors"},  # tracks and site activity
    {"fuse"},  # corroboration, posture
    {"store"},
    {"config"},  # Settings -> Resources
    {"pipeline"},  # the text components, in order
    {"service"},  # read -> code -> store -> fuse
    {"scale"},  # forcewatch batch: the service with the coding on Ray workers
    {"watch"},  # forcewatch watch: sources, streams, rules, alerts, around the service
    {"serve"},  # CLI, API, web
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
# The entry points and the configuration module are the only readers of the environment.
ENVIRONMENT_READERS = {"config", "serve.cli", "serve.api"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(tree: ast.AST, package: str) -> set[str]:
    """forcewatch modules imported anywhere in a module (relative to forcewatch, e.g. 'extract.nlp')."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name[len("forcewatch."):] for a in node.names if a.name.startswith("forcewatch."))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
                base = "forcewatch." + base
            if base == "forcewatch":
                found.update(a.name for a in node.names)
            elif base.startswith("forcewatch."):
                found.add(base[len("forcewatch."):])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    out = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = imports(ast.parse(path.read_text("utf-8")), package)
        out[name] = {d for d in deps if d in modules and d != name}
    return out


def stage(module: str) -> str:
    return module.split(".")[0]


def test_every_module_sits_in_a_layer():
    assert {stage(m) for m in graph() if m} <= set(RANK), "add the new module or folder to LAYERS"


def test_no_stage_imports_a_higher_one():
    upward = [f"{m} -> {d}" for m, deps in graph().items() if m for d in deps if RANK[stage(d)] > RANK[stage(m)]]
    assert not upward, upward


def test_records_import_nothing_of_ours():
    assert graph()["records"] == set()


def test_no_import_circles_between_modules_or_stages():
    g = graph()

    def cycle(nodes: dict[str, set[str]]) -> list[str] | None:
        state: dict[str, int] = {}
        path: list[str] = []

        def walk(n: str) -> list[str] | None:
            state[n] = 1
            path.append(n)
            for d in sorted(nodes.get(n, ())):
                if state.get(d) == 1:
                    return path[path.index(d):] + [d]
                if d not in state and (found := walk(d)):
                    return found
            state[n] = 2
            path.pop()
            return None

        for n in sorted(nodes):
            if n not in state and (found := walk(n)):
                return found
        return None

    assert cycle(g) is None, cycle(g)
    stages: dict[str, set[str]] = {}
    for m, deps in g.items():
        stages.setdefault(stage(m), set()).update(stage(d) for d in deps if stage(d) != stage(m))
    assert cycle(stages) is None, cycle(stages)


def test_only_the_entry_points_and_the_configuration_read_the_environment():
    readers = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.add(module_name(path))
    assert readers <= ENVIRONMENT_READERS, readers - ENVIRONMENT_READERS


def test_the_checker_sees_an_upward_import(tmp_path):
    """The checks above can fail: a function-level upward import is found."""
    tree = ast.parse("def f():\n    from forcewatch.serve import cli\n")
    assert imports(tree, "extract") == {"serve"}
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from forcewatch.serve import cli\n")
    assert imports(tree, "extract") == set()
