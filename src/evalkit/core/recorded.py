"""Tables a notebook records in its own outputs (as scrapbook's glue does), read back by the archive,
the history and the audit; and the recorded run options."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import nbformat  # read only by the processes that read notebooks back, never by the kernel that records

RESULTS_MIME = "application/vnd.evalkit.results+json"
"""Output type under which a notebook records its results table (read back by :func:`recorded`)."""



def record(table: pd.DataFrame, name: str = "results") -> None:
    """Record ``table`` (full precision) under ``name`` in the executing notebook's outputs, as scrapbook's glue does."""
    from IPython.display import display

    rows = [[None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row] for row in table.itertuples(index=False)]
    data = json.loads(json.dumps({"name": name, "columns": list(table.columns), "data": rows}))  # floats as shortest exact repr
    display({RESULTS_MIME: data, "text/plain": f"<evalkit {name}: {len(table)} rows>"}, raw=True)



def recorded(notebook: str | Path | nbformat.NotebookNode, name: str = "results") -> pd.DataFrame:
    """The table an executed notebook recorded under ``name`` with :func:`record`."""
    if isinstance(notebook, (str, Path)):
        import nbformat

        notebook = nbformat.read(str(notebook), as_version=4)
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            d = out.get("data", {}).get(RESULTS_MIME)
            if d is not None and d.get("name", "results") == name:
                table = pd.DataFrame(d["data"], columns=d["columns"])
                return table.astype({"rank": "Int64"}) if "rank" in table else table
    raise ValueError(f"the notebook recorded no {name!r} table (no evalkit.core.recorded.record output)")



def option(options: pd.DataFrame, key: str) -> str:
    """One value of a run's recorded ``options`` table (项目 / 内容), "" when absent."""
    return str(dict(zip(options["项目"], options["内容"])).get(key, "")) if len(options) else ""



def synthetic(options: pd.DataFrame) -> bool:
    """Whether a run's recorded ``options`` say its inputs are example data (示例数据).

    >>> synthetic(pd.DataFrame({"项目": ["示例数据"], "内容": ["是（合成数据）"]})), synthetic(pd.DataFrame(columns=["项目", "内容"]))
    (True, False)
    """
    return option(options, "示例数据").startswith("是")
