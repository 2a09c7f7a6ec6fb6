"""The code's layers (README, "Layout"): agents/ and model/ never import the tooling, the
tooling's parts import downwards only (running <- analysis <- views and the command line), and
no module imports itself round a circle, not even through an import inside a function.

The graph is read from the source (every `import` statement, wherever it is), so a lazy import
that hides a circle from Python's start-up still counts.
"""

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agents", "model", "calexico")
# A part may import only the parts listed for it (and itself); the shared leaf modules at the
# top of calexico/ (formatting, the package itself) are open to all.
ALLOWED = {
    "calexico.running": {"calexico.running"},
    "calexico.analysis": {"calexico.running", "calexico.analysis"},
    "calexico.views": {"calexico.running", "calexico.analysis", "calexico.views", "calexico.cli"},
}
SHARED = {"calexico", "calexico.formatting"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports (`from a.b import c` is a.b.c when c is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                     for a in node.names]
        else:
            continue
        found.update(n for n in names if n in modules)
    return found


def import_graph() -> nx.DiGraph:
    modules = project_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from((name, target) for target in imports_of(path, modules) if target != name)
    return graph


def part_of(module: str) -> str | None:
    return next((p for p in ALLOWED if module == p or module.startswith(p + ".")), None)


def test_the_reader_finds_every_project_module():
    graph = import_graph()
    # guard the reader itself: known edges must be seen, or the checks below prove nothing
    assert ("calexico.running.batch", "calexico.running.pools") in graph.edges
    assert ("calexico.running.runs", "calexico.running.pools") in graph.edges  # an import inside a function
    assert ("calexico.analysis.screening", "calexico.analysis.sensitivity_report") in graph.edges
    assert ("model.border_model", "model.parameters") in graph.edges or ("model", "model.parameters") in graph.edges


def test_no_module_imports_itself_round_a_circle():
    circles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert circles == [], f"import circles: {circles}"


def test_agents_and_model_never_import_the_tooling():
    graph = import_graph()
    wrong = [(a, b) for a, b in graph.edges if a.split(".")[0] in ("agents", "model") and b.startswith("calexico")]
    assert wrong == []


def test_the_tooling_imports_downwards_only():
    graph = import_graph()
    wrong = []
    for a, b in graph.edges:
        part, target = part_of(a), part_of(b)
        if part is None or not b.startswith("calexico") or b in SHARED:
            continue
        if target not in ALLOWED[part]:
            wrong.append((a, b))
    assert wrong == [], f"upward imports (running <- analysis <- views): {wrong}"


def test_the_tooling_is_grouped_by_purpose():
    # no tooling module sits loose beside the parts, except the command line and shared formatting
    loose = sorted(p.name for p in (ROOT / "calexico").glob("*.py"))
    assert loose == ["__init__.py", "cli.py", "formatting.py"]
    for part in ALLOWED:
        assert (ROOT / part.replace(".", "/") / "__init__.py").exists()
