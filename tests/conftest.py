"""Shared fixtures: Baotou's framework, METHOD.md §7's example and a small framework to break."""
from __future__ import annotations

import copy
import os

import pandas as pd
import pytest

import evalkit
from evalkit.core import paths

EXAMPLE = paths.DATA / "baotou" / "examples" / "method_7"


@pytest.fixture(scope="session")
def baotou() -> evalkit.Framework:
    return evalkit.load_framework("baotou")


def full_marks(fw: evalkit.Framework, methods: float = 100.0) -> evalkit.PeriodInputs:
    """Every assignment at its indicator's points and every method at ``methods``."""
    need = fw.assignments()
    mon = need[need["input"] == "score"].assign(score=lambda d: d["indicator"].map(fw.indicators.set_index("id")["points"]))
    meth = pd.DataFrame({"entity": fw.entities["entity"]})
    for m in fw.methods:
        if m.key != "monitoring":
            meth[m.key] = methods
    return evalkit.PeriodInputs.from_tables("2022H1", mon.drop(columns="input"), meth)


SMALL = {
    "city": "small",
    "name": "测试市",
    "title": "测试",
    "groups": {"district": "区县", "department": "部门"},
    "methods": [
        {"key": "monitoring", "name": "日常监测", "weight": 0.6},
        {"key": "field", "name": "实地调研", "weight": 0.2},
        {"key": "survey", "name": "民意调查", "weight": 0.1},
        {"key": "third_party", "name": "第三方评估", "weight": 0.1},
    ],
    "aspects": [
        {"id": "一", "name": "甲", "points": 60, "categories": [
            {"id": "一", "name": "甲一", "points": 40, "indicators": [
                {"id": 1, "text": "t1", "points": 10, "deadline": "6月底完成", "lead_units": ["局甲"], "applies": ["all"]},
                {"id": 2, "text": "t2", "deadline": "10月底完成", "lead_units": ["局甲", "局乙"], "applies": ["districts", "leads"]},
                {"id": 3, "text": "t3", "deadline": "持续推进", "lead_units": ["局乙"], "applies": ["leads"]},
            ]},
            {"id": "二", "name": "甲二", "points": 20, "indicators": [
                {"id": 4, "text": "t4", "deadline": "5月底取得阶段性成效并持续推进", "lead_units": ["局甲"], "applies": ["departments"]},
            ]},
        ]},
        {"id": "二", "name": "乙", "points": 40, "categories": [
            {"id": "一", "name": "乙一", "indicators": [
                {"id": 5, "text": "t5", "deadline": "11月取得明显成效", "lead_units": ["局乙"], "applies": ["districts"]},
                {"id": 6, "text": "t6", "deadline": "按进度推进", "lead_units": ["局乙"], "applies": ["all"]},
            ]},
        ]},
    ],
}
SMALL_ENTITIES = pd.DataFrame({
    "entity": ["东区", "西区", "局甲", "局乙"],
    "group": ["district", "district", "department", "department"],
    "aliases": [("东城区",), (), ("甲局",), ()],
})


@pytest.fixture
def small_spec() -> dict:
    return copy.deepcopy(SMALL)


@pytest.fixture
def small(small_spec) -> evalkit.Framework:
    return evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory):
    """Baotou's two demo half-years and their year run into a fresh outputs folder, then 2022H1 run again
    with ``--force`` (the first run kept aside): the archive that the reports' tests read and that the
    history store and the site are built from. Tests read it and never change it. Built once per test
    session, also when ``make test`` spreads the tests over processes (pytest-xdist): the first process
    to need it builds it under the session's shared temporary folder while the others wait."""
    import fcntl

    from evalkit.runs.batch import run_all
    from evalkit.inputs.params import load_params
    from evalkit.runs.runner import run

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder every worker's own temporary folder is in
    out = shared / "demo-archive"
    with open(shared / "demo-archive.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "demo-archive.done").exists():
            outcomes = run_all([load_params("baotou", p) for p in ("2022H1", "2022H2", "2022")], outputs=out, progress=False)
            assert all(o.ok for o in outcomes), [o.message for o in outcomes]
            run(load_params("baotou", "2022H1"), outputs=out, force=True)
            (shared / "demo-archive.done").touch()
    return out
