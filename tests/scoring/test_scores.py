"""METHOD.md §4 and §5: the worked example, every option, annual scores, ranks and milestones."""
from __future__ import annotations

import pandas as pd
import pytest

import evalkit
from evalkit.inputs.applicability import load_applicability
from evalkit.core.rounding import display_round

from ..conftest import EXAMPLE, full_marks


@pytest.fixture(scope="module")
def example_fw(baotou):
    return baotou.with_applicability(load_applicability(baotou, EXAMPLE / "applicability.csv"))


@pytest.fixture(scope="module")
def example(example_fw):
    return evalkit.score_period(example_fw, evalkit.read_period(example_fw, "2022H1", EXAMPLE))


def totals(result) -> pd.DataFrame:
    return result.totals.set_index("entity")


def test_worked_example_to_the_cent(example):
    t = totals(example)
    assert t.loc["昆都仑区", "monitoring"] == pytest.approx(98.70, abs=1e-9)
    assert t.loc["昆都仑区", "half_year"] == pytest.approx(93.72, abs=1e-9)
    assert t.loc["市教育局", "monitoring"] == pytest.approx(87.50, abs=1e-9)
    assert t.loc["市教育局", "half_year"] == pytest.approx(84.50, abs=1e-9)
    assert display_round(t["half_year"]).tolist() == [93.72, 84.50]
    # 市教育局's one aspect: a = 25 * 1.75 / 2
    a = example.aspects.set_index(["entity", "aspect"])
    assert a.loc[("市教育局", "一"), "score"] == pytest.approx(21.875)
    # indicator 3 is the mean of its two lead units' scores
    s = example.indicators.set_index(["entity", "indicator"])
    assert s.loc[("昆都仑区", 3), "score"] == pytest.approx(0.7)


def test_worked_example_built_in_memory(example_fw):
    need = example_fw.assignments()
    pts = example_fw.indicators.set_index("id")["points"]
    mon = need[["lead_unit", "entity", "indicator"]].assign(score=need["indicator"].map(pts))
    special = {("市政府办公室", "昆都仑区", 3): 0.8, ("市公安局", "昆都仑区", 3): 0.6, ("市工信局", "昆都仑区", 54): 3.0,
               ("市教育局", "市教育局", 26): 0.25, ("市教育局", "市教育局", 27): 0.5}
    for (lu, e, i), v in special.items():
        mon.loc[(mon["lead_unit"] == lu) & (mon["entity"] == e) & (mon["indicator"] == i), "score"] = v
    methods = pd.DataFrame({"entity": ["昆都仑区", "市教育局"], "field": [90, 80], "survey": [85, 90], "third_party": [80, 70]})
    r = evalkit.score_period(example_fw, evalkit.PeriodInputs.from_tables("2022H1", mon, methods))
    assert display_round(r.totals["half_year"]).tolist() == [93.72, 84.50]


def test_full_marks_total_exactly_100(baotou):
    r = evalkit.score_period(baotou, full_marks(baotou))
    assert (display_round(r.totals["half_year"]) == 100.0).all()
    assert (display_round(r.totals["monitoring"]) == 100.0).all()
    assert r.totals["half_year"].sub(100).abs().max() < 1e-9
    assert (r.totals["rank"] == 1).all()


def test_typed_full_marks_for_two_thirds_count_as_full(baotou, tmp_path):
    """0.67 for 2/3 and 0.63 for 0.625 are full marks typed, so a perfect district still totals 100.00."""
    fw = baotou.with_applicability(pd.DataFrame({"entity": "昆都仑区", "indicator": range(1, 91)}))
    need = fw.assignments()
    mon = pd.DataFrame({"牵头考核单位": need["lead_unit"], "考评对象": need["entity"], "指标": need["indicator"],
                        "得分": display_round(need["indicator"].map(fw.indicators.set_index("id")["points"]))})
    (tmp_path / "monitoring").mkdir()
    mon.to_csv(tmp_path / "monitoring" / "all.csv", index=False)
    pd.DataFrame({"考评对象": ["昆都仑区"], "实地调研": [100], "民意调查": [100], "第三方评估": [100]}).to_csv(tmp_path / "methods.csv", index=False)
    r = evalkit.score_period(fw, evalkit.read_period(fw, "2022H1", tmp_path))
    assert r.totals["half_year"].iloc[0] == pytest.approx(100, abs=1e-9)


def test_verification_replaces_the_lead_units_score_and_is_audited(example_fw):
    base = full_marks(example_fw)
    ver = pd.DataFrame({"lead_unit": ["市政府办公室"], "entity": ["昆都仑区"], "indicator": [3], "verified": [0.5]})
    inputs = evalkit.PeriodInputs.from_tables("2022H1", base.monitoring, base.methods, verification=ver)
    r = evalkit.score_period(example_fw, inputs)
    s = r.indicators.set_index(["entity", "indicator"])
    assert s.loc[("昆都仑区", 3), "score"] == pytest.approx((0.5 + 1.0) / 2)
    assert r.corrections.to_dict("records") == [
        {"lead_unit": "市政府办公室", "entity": "昆都仑区", "indicator": 3, "reported": 1.0, "verified": 0.5}]
    assert totals(r).loc["昆都仑区", "monitoring"] == pytest.approx(99.75)


def test_aspect_mean_reading(example_fw, example):
    inputs = evalkit.read_period(example_fw, "2022H1", EXAMPLE)
    r = evalkit.score_period(example_fw, inputs, aggregation="aspect_mean")
    t = totals(r)
    # 昆都仑区: aspect 一 98.8 %, aspect 三 95 %, five aspects at 100 %
    assert t.loc["昆都仑区", "monitoring"] == pytest.approx((98.8 + 95 + 500) / 7)
    assert t.loc["市教育局", "monitoring"] == pytest.approx(87.5)  # one aspect: both readings agree
    assert r.options["aggregation"] == "aspect_mean"
    with pytest.raises(evalkit.ParameterError, match="aggregation='mean'"):
        evalkit.score_period(example_fw, inputs, aggregation="mean")


def test_custom_weights(example_fw):
    inputs = evalkit.read_period(example_fw, "2022H1", EXAMPLE)
    r = evalkit.score_period(example_fw, inputs, weights={"monitoring": 1, "field": 0, "survey": 0, "third_party": 0})
    assert totals(r).loc["昆都仑区", "half_year"] == pytest.approx(98.7)
    with pytest.raises(evalkit.ParameterError, match="weights: they sum to 0.9"):
        evalkit.score_period(example_fw, inputs, weights={"monitoring": 0.5, "field": 0.2, "survey": 0.1, "third_party": 0.1})


def test_a_method_without_data_is_an_error_or_redistributed(example_fw):
    base = evalkit.read_period(example_fw, "2022H1", EXAMPLE)
    inputs = evalkit.PeriodInputs.from_tables("2022H1", base.monitoring, base.methods.drop(columns="survey"))
    with pytest.raises(evalkit.InputError, match="民意调查: no scores for 2022H1"):
        evalkit.score_period(example_fw, inputs)
    r = evalkit.score_period(example_fw, inputs, redistribute=True)
    assert r.options["redistributed"] == ["survey"]
    assert r.weights == pytest.approx({"monitoring": 0.6 / 0.9, "field": 0.2 / 0.9, "survey": 0.0, "third_party": 0.1 / 0.9})
    assert totals(r).loc["昆都仑区", "half_year"] == pytest.approx((0.6 * 98.7 + 0.2 * 90 + 0.1 * 80) / 0.9)


def test_missing_scores_strict_and_lenient(example_fw):
    base = evalkit.read_period(example_fw, "2022H1", EXAMPLE)
    mon = base.monitoring[~((base.monitoring["entity"] == "市教育局") & (base.monitoring["indicator"] == 25))]
    meth = base.methods[base.methods["entity"] != "市教育局"]
    strict = evalkit.PeriodInputs.from_tables("2022H1", mon, meth)
    with pytest.raises(evalkit.InputError) as exc:
        evalkit.score_period(example_fw, strict)
    text = str(exc.value)
    assert "no score from 市教育局 for 市教育局, indicator 25" in text
    assert "no 实地调研 score for 市教育局" in text and "no 第三方评估 score for 市教育局" in text
    lenient = evalkit.PeriodInputs.from_tables("2022H1", mon, meth, strict=False)
    r = evalkit.score_period(example_fw, lenient)
    assert totals(r).loc["市教育局", "monitoring"] == pytest.approx(100 * 25 * 0.75 / 2 / 25)
    assert totals(r).loc["市教育局", "half_year"] == pytest.approx(0.6 * 37.5)
    assert len(r.missing) == 4 and len(r.warnings) == 4
    assert any("scored 0 (lenient mode)" in str(w) for w in r.warnings)
    assert any("市教育局未报送市教育局指标25的评分，按0分计（宽松模式）" in str(w) for w in r.warnings)  # Chinese first
    assert any("市教育局未报送实地调研得分，按0分计（宽松模式）" in str(w) for w in r.warnings)


def test_unassigned_rows_are_refused(example_fw):
    base = full_marks(example_fw)
    extra = pd.DataFrame({"lead_unit": ["市教育局"], "entity": ["市教育局"], "indicator": [1], "score": [1.0]})
    inputs = evalkit.PeriodInputs.from_tables("2022H1", pd.concat([base.monitoring, extra]), base.methods)
    with pytest.raises(evalkit.InputError, match="does not assign"):
        evalkit.score_period(example_fw, inputs)


def test_target_attainment(small_spec):
    from ..conftest import SMALL_ENTITIES
    ind = small_spec["aspects"][1]["categories"][0]["indicators"]
    ind[0]["target"] = {"value": 95, "op": ">="}   # e.g. >= 95 % of systems on the cloud
    ind[1]["target"] = {"value": 10, "op": "<="}   # e.g. processing time at most 10 days
    fw = evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())
    need = fw.assignments()
    assert set(need[need["indicator"].isin([5, 6])]["input"]) == {"target"}
    pts = fw.indicators.set_index("id")["points"]
    scored = need[need["input"] == "score"]
    mon = scored[["lead_unit", "entity", "indicator"]].assign(score=scored["indicator"].map(pts))
    targets = pd.DataFrame({"entity": ["东区", "西区", "东区", "西区", "局甲", "局乙"],
                            "indicator": [5, 5, 6, 6, 6, 6], "actual": [76.0, 99.0, 20.0, 8.0, 10.0, 0.0]})
    meth = pd.DataFrame({"entity": fw.entities["entity"], "field": 100, "survey": 100, "third_party": 100})
    r = evalkit.score_period(fw, evalkit.PeriodInputs.from_tables("2022H1", mon, meth, targets=targets))
    s = r.indicators.set_index(["entity", "indicator"])["score"]
    assert s[("东区", 5)] == pytest.approx(20 * 76 / 95)
    assert s[("西区", 5)] == pytest.approx(20)  # capped at the points
    assert s[("东区", 6)] == pytest.approx(20 * 10 / 20)
    assert s[("西区", 6)] == s[("局甲", 6)] == s[("局乙", 6)] == pytest.approx(20)
    no_targets = evalkit.PeriodInputs.from_tables("2022H1", mon, meth, strict=False)
    r = evalkit.score_period(fw, no_targets)
    assert set(r.missing["method"].dropna()) == {"targets"}


def test_annual_is_the_mean_of_the_halves(example_fw):
    h1 = evalkit.score_period(example_fw, evalkit.read_period(example_fw, "2022H1", EXAMPLE))
    h2 = evalkit.score_period(example_fw, evalkit.PeriodInputs.from_tables("2022H2", *_parts(full_marks(example_fw))))
    year = evalkit.score_annual(h1, h2).set_index("entity")
    assert year.loc["昆都仑区", "annual"] == pytest.approx((93.72 + 100) / 2)
    assert list(year.columns) == ["group", "h1", "h2", "annual", "rank"]
    with pytest.raises(evalkit.ParameterError, match="expected the H1 and H2 of one year"):
        evalkit.score_annual(h2, h1)
    printed = evalkit.score_annual(h1, h2, "printed").set_index("entity")
    assert printed.loc["昆都仑区", "annual"] == (93.72 + 100) / 2  # the mean of the printed halves
    with pytest.raises(evalkit.ParameterError, match="annual_total='mean': expected one of precise, printed"):
        evalkit.score_annual(h1, h2, "mean")
    h2.totals = h2.totals[h2.totals["entity"] != "市教育局"]
    with pytest.raises(evalkit.InputError, match="市教育局: no half-year score"):
        evalkit.score_annual(h1, h2)


def _parts(inputs):
    return inputs.monitoring, inputs.methods


def test_ranks_share_and_skip(baotou):
    r = evalkit.score_period(baotou, full_marks(baotou))
    t = r.totals.copy()
    districts = t["group"] == "district"
    values = [95.001, 97.0, 95.004, 90.0, 99.996] + [80.0] * (districts.sum() - 5)
    t.loc[districts, "half_year"] = values
    ranks = evalkit.scoring.ranking.rank_within_groups(t, "half_year")[districts].tolist()
    assert ranks[:5] == [3, 2, 3, 5, 1]  # 95.00 and 95.00 share 3; 100.00 is 1st
    assert ranks[5:] == [6] * (districts.sum() - 5)


def test_milestone_lags(small):
    need = small.assignments()
    mon = need[["lead_unit", "entity", "indicator"]].assign(score=0.0, status="已完成")
    mon.loc[mon["indicator"] == 1, "status"] = "推进中"       # 6月底完成: behind in H1
    mon.loc[mon["indicator"] == 2, "status"] = "推进中"       # 10月底完成: not due in H1, behind in H2
    mon.loc[mon["indicator"] == 3, "status"] = ""             # 持续推进: no status given
    mon.loc[mon["indicator"] == 4, "status"] = "取得阶段性成效"  # exactly what is required
    h1 = evalkit.milestone_lags(small, mon, "2022H1")
    assert set(h1["indicator"]) == {1, 3}
    assert set(h1.loc[h1["indicator"] == 3, "problem"]) == {"未填报完成情况"}
    assert set(h1.loc[h1["indicator"] == 1, "required"]) == {"已完成"}
    h2 = evalkit.milestone_lags(small, mon, "2022H2")
    assert set(h2["indicator"]) == {1, 2, 3}
    assert list(h2.columns) == ["lead_unit", "entity", "indicator", "deadline", "required", "status", "problem"]


def test_score_keys_are_found_as_an_index_finds_them():
    """The binary search that places each score row among the framework's assignments agrees with
    ``Index.get_indexer``, unknown keys (-1 from ``row_keys``, or absent) included."""
    import numpy as np
    from hypothesis import given, settings, strategies as st

    from evalkit.scoring.scores import _positions

    fw = evalkit.load_framework("baotou")
    keys = fw.codes.keys.to_numpy()

    @settings(max_examples=50, deadline=None)
    @given(st.lists(st.one_of(st.sampled_from(list(keys)), st.integers(-1, int(keys.max()) + 5)), max_size=60))
    def check(sample):
        sample = np.array(sample, dtype="int64")
        assert _positions(fw, sample).tolist() == fw.codes.keys.get_indexer(sample).tolist()

    check()
