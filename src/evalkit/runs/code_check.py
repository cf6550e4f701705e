"""What code an archived run claims, checked without running any of it: the executed notebook against its
recorded source, the recorded source against the notebook of the installed evalkit, and the parameters
papermill injected against the manifest's."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat

INJECTED = "injected-parameters"


def _code(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code" and INJECTED not in c.metadata.get("tags", [])]


def notebook_problems(executed: Path, source: Path) -> list[str]:
    """The code cells of the archived executed notebook that differ from the recorded source notebook
    (papermill's injected-parameters cell aside), each named by its number."""
    try:
        ran = nbformat.read(str(executed), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable notebook is a finding
        return [f"{executed.name}: cannot be read ({type(exc).__name__}); the archived notebook is damaged (存档笔记本已损坏)"]
    code, done = _code(nbformat.read(str(source), as_version=4)), _code(ran)
    problems = [f"{executed.name}, cell {i}: its code differs from the recorded source notebook: {_changed_lines(a, b)} "
                f"(第 {i} 个代码单元与记录的源笔记本不同)"
                for i, (a, b) in enumerate(zip(code, done), start=1) if a != b]
    if len(code) != len(done):
        problems.append(f"{executed.name}: {len(done)} code cells; the recorded source notebook has {len(code)} (代码单元数量不同)")
    return problems


def _changed_lines(recorded: str, archived: str) -> str:
    r"""The lines one version of a cell has and the other lacks.

    >>> _changed_lines("a = 1\nb = 2", "a = 1\nb = 2\nb += 5")
    "added 'b += 5'"
    """
    a, b = recorded.splitlines(), archived.splitlines()
    parts = [f"added {line!r}" for line in b if line not in a] + [f"removed {line!r}" for line in a if line not in b]
    return "; ".join(parts) or "lines reordered"


def installed_differences(source: Path, installed: Path, commit: str | None) -> list[str]:
    """The code cells of the archived source notebook that differ from the installed evalkit's notebook, each named,
    with what it means and what to do: the audit runs the installed code, never the archive's."""
    try:
        archived = _code(nbformat.read(str(source), as_version=4))
    except Exception as exc:  # noqa: BLE001 - any unreadable notebook is a finding
        return [f"{source.name}: the archived source notebook cannot be read ({type(exc).__name__}) (存档的源笔记本无法读取)"]
    mine = _code(nbformat.read(str(installed), as_version=4))
    advice = (f"; the audit ran the installed notebook, not the archived one: to audit the original code, check out commit "
              f"{(commit or '?')[:12]}, run make setup and audit again (复核运行的是当前安装的笔记本，未执行存档中的代码；"
              f"如需按原代码复核，请检出提交 {(commit or '?')[:12]}，运行 make setup 后重新复核)")
    found = [f"{installed.name}, cell {i}: the archived source differs from the installed notebook: {_changed_lines(b, a)}{advice}"
             for i, (a, b) in enumerate(zip(archived, mine), start=1) if a != b]
    if len(archived) != len(mine):
        found.append(f"{installed.name}: the archived source has {len(archived)} code cells, the installed notebook {len(mine)}{advice}")
    return found


def injected_problems(executed: Path, parameters: dict[str, Any]) -> list[str]:
    """Where the parameters papermill injected into the archived executed notebook differ from the manifest's
    (read as literals, never executed); code other than plain assignments in that cell is a finding too."""
    try:
        nb = nbformat.read(str(executed), as_version=4)
    except Exception:  # noqa: BLE001 - reported by notebook_problems
        return []
    cells = [c.source for c in nb.cells if INJECTED in c.metadata.get("tags", [])]
    if len(cells) != 1:
        return [f"{executed.name}: {len(cells)} injected-parameters cells; a run has exactly one (注入参数的单元格数量不对)"]
    try:
        tree = ast.parse(cells[0])
    except SyntaxError:
        return [f"{executed.name}: the injected-parameters cell is not valid Python (注入参数的单元格已损坏)"]
    injected, found = {}, []
    for node in tree.body:
        try:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                raise ValueError
            injected[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            found.append(f"{executed.name}: the injected-parameters cell holds code, not only values: "
                         f"{ast.get_source_segment(cells[0], node)!r} (注入参数的单元格含有代码)")
    for key in sorted(set(injected) | set(parameters)):
        if injected.get(key, "<absent>") != parameters.get(key, "<absent>"):
            found.append(f"{executed.name}: the injected parameter {key} is {injected.get(key, '<absent>')!r}, the manifest "
                         f"records {parameters.get(key, '<absent>')!r} (注入的参数 {key} 与运行记录不一致)")
    return found
