"""The five cities: frameworks from their plans, quotes traceable to the seeds, targets, and runs."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import evalkit
from evalkit.core import paths
from evalkit.inputs.params import all_params

CITIES = ["baotou", "xining", "jinan", "yuncheng", "ulanhot"]
PLANS = ["xining", "jinan", "yuncheng", "ulanhot"]
SEEDS = paths.ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module", params=CITIES)
def city(request):
    return request.param


def test_every_framework_totals_100_at_every_level(city):
    fw = evalkit.load_framework(city)
    ind = fw.indicators
    assert ind["points"].sum() == pytest.approx(100, abs=1e-9)
    assert fw.aspects["points"].sum() == 100
    for a in fw.aspects.itertuples():
        assert ind.loc[ind["aspect"] == a.id, "points"].sum() == pytest.approx(a.points, abs=1e-9), (city, a.id)
    for c in fw.categories.dropna(subset=["points"]).itertuples():
        got = ind.loc[(ind["aspect"] == c.aspect) & (ind["category"] == c.id), "points"].sum()
        assert got == pytest.approx(c.points, abs=1e-9), (city, c.aspect, c.id)
    assert sum(fw.weights.values()) == pytest.approx(1)
    assert set(fw.entities["group"]) == {"district", "department"}


@pytest.mark.parametrize("city", PLANS)
def test_every_indicator_quotes_its_seed(city):
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not beside the repository ({SEEDS})")
    spec = yaml.safe_load((paths.DATA / city / "framework.yaml").read_text(encoding="utf-8"))
    seed = (SEEDS / Path(spec["source"]).name).read_text(encoding="utf-8")
    fw = evalkit.load_framework(city)
    assert fw.indicators["source"].str.len().gt(0).all()
    for i in fw.indicators.itertuples():
        assert i.source in seed, (city, i.id, i.source)


@pytest.mark.parametrize("city", PLANS)
def test_derived_numbers_are_flagged(city):
    fw = evalkit.load_framework(city)
    assert fw.derived, "framework-level derived notes (weights, aspect points)"
    assert all("points" in d for d in fw.indicators["derived"])  # no plan gives indicator points
    items = fw.derived_items()
    assert len(items) >= len(fw.indicators) and set(items.columns) == {"对象", "项目", "取值（推定，待城市确认）"}


@pytest.mark.parametrize("city,expected", [
    ("xining", {"依申请政务服务事项“网上可办”率(%)(除涉密和特殊外)": (100, ">="), "依申请政务服务事项“全程网办”率(%)(除涉密和特殊外)": (70, ">="),
                "数字政府特色应用场景(项)": (29, ">="), "非涉密系统整合上云率(%)": (95, ">="), "一体化协同办公平台在市、县(区)、乡镇(街道)三级组织覆盖率(%)": (100, ">=")}),
    ("jinan", {"具有实用价值的政府开放数据集(项)": (3000, ">"), "市县(区)级依申请政务服务事项网上可办率(%)(除经本级政府批准的事项外)": (100, ">="),
               "“不见面审批事项”占比(%)(除需现场核验身份或材料原件的审批事项外)": (100, ">="),
               "基层办事网上证明开具电子化率(%)": (100, ">="), "市县(区)级政务服务事项纳入平台管理比例(%)": (100, ">=")}),
    ("yuncheng", {"市、县两级政府部门接入电子政务外网比例(%)": (100, ">=")}),
    ("ulanhot", {"市政府到各镇、街道办事处带宽(Mbps)": (100, ">="), "各部门、乡镇、办事处接入电子政务外网比例(%)": (100, ">=")}),
])
def test_numeric_targets_have_a_rule(city, expected):
    fw = evalkit.load_framework(city)
    targets = fw.indicators[fw.indicators["target"].notna()]
    assert {t.text: (t.target, t.target_op) for t in targets.itertuples()} == expected
    a = fw.assignments()
    assert set(a.loc[a["indicator"].isin(targets["id"]), "input"]) == {"target"}
    assert not set(a.loc[~a["indicator"].isin(targets["id"]), "input"]) - {"score"}


def test_more_than_is_honoured_as_written():
    """Jinan's "超过3000项" open data sets: 3000 is not more than 3000; 3001 is."""
    fw = evalkit.load_framework("jinan")
    i = int(fw.indicators.loc[fw.indicators["target_op"] == ">", "id"].iloc[0])
    pts = fw.indicators.set_index("id").loc[i, "points"]
    base = evalkit.read_period(fw, "2021H1")
    for actual, expected in ((3000, pts * 3000 / 3001), (3001, pts), (4500, pts), (1500.5, pts * 1500.5 / 3001)):
        t = base.targets.copy()
        t.loc[t["indicator"] == i, "actual"] = actual
        inputs = evalkit.PeriodInputs.from_tables("2021H1", base.monitoring, base.methods, verification=base.verification, targets=t)
        s = evalkit.score_period(fw, inputs).indicators.set_index(["entity", "indicator"])["score"]
        assert s[("市大数据局", i)] == pytest.approx(expected)


def test_ulanhot_runs_with_three_methods():
    fw = evalkit.load_framework("ulanhot")
    assert [m.name for m in fw.methods] == ["监督考核", "公众评价", "第三方评估"]
    r = evalkit.score_period(fw, evalkit.read_period(fw, "2022H1"))
    assert list(r.totals.columns) == ["entity", "group", "monitoring", "survey", "third_party", "half_year", "rank"]
    t = r.totals.iloc[0]
    assert t["half_year"] == pytest.approx(0.7 * t["monitoring"] + 0.15 * t["survey"] + 0.15 * t["third_party"])
    from evalkit.publish.tables import ranking_table
    table = ranking_table(fw, r, "district")
    assert list(table.columns[2:5]) == ["监督考核", "公众评价", "第三方评估"]


def test_nothing_in_the_package_names_a_city():
    names = set()
    for c in CITIES:
        spec = yaml.safe_load((paths.DATA / c / "framework.yaml").read_text(encoding="utf-8"))
        names |= {c, spec["name"], spec["name"].removesuffix("市")}
        names |= set(pd.read_csv(paths.DATA / c / "entities.csv")["entity"].loc[lambda s: ~s.str.startswith("市")])
    pattern = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)), re.IGNORECASE)
    for path in sorted((paths.ROOT / "src" / "evalkit").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".json"):
            found = pattern.findall(path.read_text(encoding="utf-8"))
            assert not found, f"{path.relative_to(paths.ROOT)} names {found[:3]}"


@pytest.mark.parametrize("city", PLANS)
def test_demo_periods_validate(city):
    specs = [s for s in all_params(city) if not s.period.is_annual]
    assert len(specs) == 2
    for s in specs:
        fw = evalkit.load_framework(city)
        inputs = evalkit.read_period(fw, s.period)
        assert inputs.problems == [] and inputs.synthetic


def _runs_and_audits(specs, outputs: Path, audited: list[str]) -> None:
    """Run ``specs`` as ``run --all`` does, then :func:`_check`."""
    from evalkit.runs.batch import run_all

    outcomes = run_all(specs, outputs=outputs, jobs=2, progress=False)
    assert all(o.ok for o in outcomes), [o.message for o in outcomes if not o.ok]
    _check(specs, outputs, audited)


def _check(specs, outputs: Path, audited: list[str]) -> None:
    """Every run of ``specs`` under ``outputs`` archived both editions, the workbook and the manifest; the public
    bulletin keeps the 推定事项 for the internal report; the second half-years of ``audited`` re-run identically."""
    from evalkit.runs.audit import audit

    for s in specs:
        folder = outputs / s.city / str(s.period)
        assert {"report.html", "report.pdf", "report-internal.html", "report-internal.pdf", "scores.xlsx", "scores-internal.xlsx", "results.csv",
                "manifest.json"} <= {p.name for p in folder.iterdir()}
        internal = (folder / "report-internal.html").read_text(encoding="utf-8")
        assert "待城市确认的推定事项" in internal and "示例数据" in internal
        if not s.period.is_annual:
            public = (folder / "report.html").read_text(encoding="utf-8")
            assert "推定事项" not in public and "一、总体情况" in public and "示例数据" in public
    for city in audited:
        half = next(s for s in specs if s.city == city and s.period.half == 2)
        report = audit(outputs / city / str(half.period))
        assert report.identical, (city, report.problems)


@pytest.mark.slow
def test_every_city_runs_and_audits(plan_runs):
    """Each plan city's second half-year (with its change against the first) and the year of the two cities
    whose methods differ most (Xining four methods, Ulanhot three), run once for the session (tests/conftest.py);
    two of them audited."""
    specs = [s for s in all_params() if s.city in PLANS and (s.period.half == 2 or (s.period.is_annual and s.city in ("xining", "ulanhot")))]
    assert len(specs) == 6
    _check(specs, plan_runs, ["xining", "ulanhot"])


@pytest.mark.scale
def test_every_period_of_every_city_runs_and_audits(tmp_path):
    specs = [s for s in all_params() if s.city in PLANS]
    assert len(specs) == 12
    _runs_and_audits(specs, tmp_path, PLANS)
