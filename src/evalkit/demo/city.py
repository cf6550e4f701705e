"""A national-scale synthetic city (示例数据) for benchmarks and scale tests, generated in seconds.

A shipped city's indicator table (``source``) is re-used as it is; the entities are its departments and
districts plus generated county-level governments (示例县0001, ...) up to ``counties``
districts; the period's submissions are :func:`evalkit.demo.period.demo_values`. Monitoring,
verification and targets are written as CSV (hundreds of thousands of rows), methods as a
workbook that carries the template's 示例数据 mark, so every report says the data are synthetic.
Nothing of it is committed: write it into a temporary or ``outputs/`` folder and point
``EVALKIT_DATA`` (the kernels) and :data:`evalkit.core.paths.DATA` at its ``data/`` folder.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import Workbook

from ..core import paths
from ..core.errors import OutputExistsError
from ..core.files import save_workbook
from ..framework.loading import load_framework
from ..framework.periods import Period
from ..inputs.schema import ENTITY, KINDS
from ..inputs.sheets import META_SHEET
from .period import demo_values

CITY = "synthetic"
NAME = "全国县级示例"


def write_city(root: str | Path, source: str, *, counties: int = 2800, periods: tuple[str, ...] = ("2022H1",),
               city: str = CITY) -> Path:
    """Write ``root/data/<city>/`` (``source``'s framework, entities and generated counties, the periods'
    submissions) and ``root/params/<city>/``;
    return ``root``. Refuses a ``root`` that already holds the city."""
    root = Path(root)
    city_dir = root / "data" / city
    if city_dir.exists():
        raise OutputExistsError(f"{city_dir} exists; the synthetic city is written into a new folder")
    city_dir.mkdir(parents=True)
    text = (paths.DATA / source / "framework.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^city: .*$", f"city: {city}", text, count=1)
    text = re.sub(r"(?m)^name: .*$", f"name: {NAME}", text, count=1)
    text = re.sub(r"(?m)^title: .*$", f"title: {NAME}数字政府建设考评（示例数据）", text, count=1)
    (city_dir / "framework.yaml").write_text(text, encoding="utf-8")
    base = pd.read_csv(paths.DATA / source / "entities.csv", dtype=str, keep_default_na=False)
    extra = counties - int((base["group"] == "district").sum())
    made = pd.DataFrame({"entity": [f"示例县{i:04d}" for i in range(1, extra + 1)], "group": "district", "aliases": ""})
    pd.concat([base, made], ignore_index=True).to_csv(city_dir / "entities.csv", index=False, lineterminator="\n")
    fw = load_framework(city_dir / "framework.yaml")
    for period in periods:
        write_period(fw, period, city_dir / str(Period.parse(period)))
        params = root / "params" / city / f"{Period.parse(period)}.yaml"
        params.parent.mkdir(parents=True, exist_ok=True)
        params.write_text(yaml.safe_dump({"city": city, "period": str(Period.parse(period))}, allow_unicode=True), encoding="utf-8")
    return root


def write_period(fw, period: str | Period, folder: Path) -> list[Path]:
    """The period's demo submissions in ``folder``: one monitoring CSV per lead unit, verification and
    targets CSV, and ``methods.xlsx`` marked 示例数据."""
    values = demo_values(fw, period)
    (folder / "monitoring").mkdir(parents=True)
    files = []
    for unit, rows in values["monitoring"].groupby("lead_unit", sort=True):
        files.append(folder / "monitoring" / f"{unit}.csv")
        KINDS["monitoring"].headers(rows).to_csv(files[-1], index=False, lineterminator="\n")
    files.append(folder / "verification.csv")
    KINDS["verification"].headers(values["verification"]).to_csv(files[-1], index=False, lineterminator="\n")
    if len(values["targets"]):
        files.append(folder / "targets.csv")
        KINDS["targets"].headers(values["targets"]).to_csv(files[-1], index=False, lineterminator="\n")
    files.append(folder / "methods.xlsx")
    _methods_workbook(values["methods"], fw, Period.parse(period), files[-1])
    return files


def _methods_workbook(methods: pd.DataFrame, fw, period: Period, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "实地调研民意调查第三方评估"
    keys = [k for k in fw.method_names if k in methods]
    ws.append([ENTITY.header, *(fw.method_names[k] for k in keys)])
    for row in methods[["entity", *keys]].itertuples(index=False):
        ws.append([row[0], *(float(v) for v in row[1:])])
    meta = wb.create_sheet(META_SHEET)
    for k, v in {"城市": fw.name, "期间": str(period), "类型": KINDS["methods"].zh, "示例数据": "是", "生成工具": "evalkit"}.items():
        meta.append([k, v])
    save_workbook(wb, path)
