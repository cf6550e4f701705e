"""The notebooks: stored without outputs, a tagged parameters cell, thin (they only call evalkit)."""
from __future__ import annotations

import ast

import nbformat
import pytest

from evalkit.core import paths
from evalkit.inputs.params import NOTEBOOK_DEFAULTS

NOTEBOOKS = sorted((paths.ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"10_period_assessment.ipynb", "20_annual_assessment.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs_and_with_a_parameters_cell(path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert nb.metadata.kernelspec.name == "evalkit"
    # the parameters cell only assigns literals; every derivation comes after it
    for node in ast.parse(code[0].source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    # thin: no loops, functions or classes in any cell
    for c in code:
        for node in ast.walk(ast.parse(c.source)):
            assert not isinstance(node, (ast.For, ast.While, ast.FunctionDef, ast.ClassDef, ast.Lambda))


def test_period_notebook_parameters_match_the_params_defaults():
    nb = nbformat.read(str(paths.ROOT / "notebooks" / "10_period_assessment.ipynb"), as_version=4)
    names = {t.id: ast.literal_eval(n.value) for n in ast.parse(nb.cells[0].source).body for t in n.targets}
    assert {k: v for k, v in names.items() if k not in ("city", "period")} == NOTEBOOK_DEFAULTS


def test_committed_notebooks_have_no_outputs_and_lab_leaves_the_tree_clean():
    """What git holds (not the work tree): no outputs; nbstripout is the notebooks' filter; checkpoints ignored."""
    import json
    import subprocess

    listed = subprocess.run(["git", "ls-files", "notebooks"], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert listed and not [p for p in listed if ".ipynb_checkpoints" in p]
    for name in (p for p in listed if p.endswith(".ipynb")):
        committed = json.loads(subprocess.run(["git", "show", f"HEAD:{name}"], cwd=paths.ROOT, capture_output=True,
                                              text=True, check=True).stdout)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in committed["cells"] if c["cell_type"] == "code"), name
    assert "*.ipynb filter=nbstripout" in (paths.ROOT / ".gitattributes").read_text()
    assert ".ipynb_checkpoints/" in (paths.ROOT / ".gitignore").read_text().split()
