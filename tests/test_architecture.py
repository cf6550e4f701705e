"""The package's shape (docs/architecture.md): layers as a checked contract, no import cycles, small modules,
tests mirroring the packages."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

import evalkit

PACKAGE = Path(evalkit.__file__).parent
TESTS = Path(__file__).parent
LAYERS = ["cli", "runs", "publish", "store", "analysis", "demo", "scoring", "inputs", "framework", "core"]


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def test_the_import_contracts_hold():
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], capture_output=True, text=True,
                          cwd=PACKAGE.parents[1])
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while (w := stack.pop()) != v:
                part.append(w)
            if part:
                found.append(sorted([v, *part]))

    for m in sorted(graph.modules):
        if m not in index:
            visit(m)
    return found


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("evalkit", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_every_module_sits_in_a_package_of_the_flow():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    assert sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()) == sorted(LAYERS)


def test_modules_stay_small():
    """One reason to change per module: about 300 lines at most (DESIGN.md §3); past 320, it is two modules."""
    long = {str(p.relative_to(PACKAGE)): n for p in _modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 320}
    assert long == {}


def test_every_module_says_what_it_holds():
    import ast
    missing = [str(p.relative_to(PACKAGE)) for p in _modules() if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert missing == []


def test_tests_mirror_the_packages():
    """``tests/<package>/test_<module>.py``: each test folder is a package of evalkit, and each package has tests."""
    folders = sorted(p.name for p in TESTS.iterdir() if p.is_dir() and p.glob("test_*.py") and any(p.glob("test_*.py")))
    assert set(folders) <= set(LAYERS)
    assert set(LAYERS) - set(folders) == set()
