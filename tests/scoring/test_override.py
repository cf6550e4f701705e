"""Applicability what-ifs: an override applies in strict mode; what it alone makes (an added pair with no score, a
score for a removed pair) is listed as its consequence, never the lead units' error; the override file's own
errors name its row and column; the lead units' own problems still stop a strict run."""
from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

import evalkit
from evalkit.core import paths
from evalkit.core.errors import InputError
from evalkit.framework.applicability import pairs
from evalkit.scoring.assessment import assess, overrides
from evalkit.scoring.override import read_with_override

ADDED, REMOVED = ("昆都仑区", 3), ("昆都仑区", 1)


@pytest.fixture(scope="module")
def baotou():
    return evalkit.load_framework("baotou")


def write_override(fw, path, add=(ADDED,), remove=(REMOVED,), extra_rows=()):
    """The framework's own pairs, with ``add`` added and ``remove`` removed, as a user writes the CSV."""
    p = pairs(fw)
    for e, i in remove:
        p = p[~((p["entity"] == e) & (p["indicator"] == i))]
    p = pd.concat([p, pd.DataFrame(list(add), columns=["entity", "indicator"])], ignore_index=True)
    text = "考评对象,指标\n" + "".join(f"{e},{i}\n" for e, i in p.itertuples(index=False)) + "".join(f"{e},{i}\n" for e, i in extra_rows)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def override_file(baotou, tmp_path_factory):
    return write_override(baotou, tmp_path_factory.mktemp("ov") / "调整.csv")


@pytest.fixture(scope="module")
def official():
    return assess("baotou", "2022H1")


@pytest.fixture(scope="module")
def strict_run(override_file):
    return assess("baotou", "2022H1", applicability=override_file)


def test_an_override_applies_in_strict_mode(strict_run, official, baotou):
    a = strict_run
    o = a.override
    leads = set(baotou.indicators.set_index("id").loc[3, "lead_units"])
    assert set(map(tuple, o.unscored[["lead_unit", "entity", "indicator"]].to_numpy())) == {(u, *ADDED) for u in leads}
    assert len(o.added) == len(leads) and len(o.removed) == 1
    assert a.result.options["strict"] is True and a.result.warnings == [] and a.result.missing.empty
    ind = a.result.indicators.set_index(["entity", "indicator"])["score"]
    assert ind.loc[ADDED] == 0.0 and REMOVED not in ind.index  # counted 0; the removed pair is not scored
    t, before = a.result.totals.set_index("entity"), official.result.totals.set_index("entity")
    assert t.loc["青山区", "half_year"] == pytest.approx(before.loc["青山区", "half_year"], abs=1e-12)  # untouched
    assert t.loc["昆都仑区", "monitoring"] < before.loc["昆都仑区", "monitoring"]
    assert official.override is None and overrides(official) == () and overrides(a) == (o,)


def test_a_score_for_a_removed_pair_is_set_aside_with_its_place(strict_run, official):
    aside = strict_run.override.set_aside
    m = official.inputs.monitoring
    given = m[(m["entity"] == REMOVED[0]) & (m["indicator"] == REMOVED[1])].iloc[0]
    assert aside[["lead_unit", "entity", "indicator", "score", "file", "row"]].iloc[0].tolist() == \
        [given["lead_unit"], *REMOVED, given["score"], given["file"], given["row"]]
    table = strict_run.override.consequences()
    assert table["处理"].tolist() == ["按 0 分计", "按 0 分计", "未计入"]
    assert f"已报送 {given['score']:g} 分" in table["说明"].iloc[-1] and "牵头考核单位未报送评分" in table["说明"].iloc[0]


def test_lenient_mode_gives_the_same_scores(override_file, strict_run):
    lenient = assess("baotou", "2022H1", applicability=override_file, strict=False)
    assert lenient.result.options["strict"] is False and lenient.result.warnings == []
    pd.testing.assert_frame_equal(lenient.result.totals, strict_run.result.totals)
    assert len(lenient.override.unscored) == len(strict_run.override.unscored)


def test_the_statement_names_the_file_and_its_hash(strict_run, override_file):
    o = strict_run.override
    digest = hashlib.sha256(override_file.read_bytes()).hexdigest()
    assert o.sha256 == digest and o.code == digest[:12]
    digits = f"{int(digest, 16) % 10 ** 12:012d}"
    check = f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"
    assert o.statement() == (f"本结果按调整后的考评对象适用范围（文件“调整.csv”，校验值 {check}，SHA-256 前 12 位 {digest[:12]}）测算，"
                             "非正式结果，不得作为考评结果公开发布。")
    assert o.statement(public=True) == f"本结果按调整后的考评对象适用范围（调整文件校验值 {check}）测算，非正式结果，不得作为考评结果公开发布。"
    assert "不属于牵头考核单位报送差错" in o.summary() and "lead" not in o.summary()
    assert o.record() == {"file": "调整.csv", "sha256": digest, "check": check, "added": 2, "removed": 1, "unscored": 2, "set_aside": 1}


@pytest.mark.parametrize("strict", [True, False])
def test_unknown_entity_or_indicator_is_an_error_of_the_override_file(baotou, tmp_path, strict):
    path = write_override(baotou, tmp_path / "坏.csv", extra_rows=[("某某区", 1), ("昆都仑区", 999)])
    with pytest.raises(InputError) as exc:
        assess("baotou", "2022H1", applicability=path, strict=strict)
    got = [(p.file, p.row, p.column, p.zh) for p in exc.value.problems]
    n = len(pairs(baotou))  # the header is row 1; the framework's pairs, less one, plus one, then the bad rows
    assert got == [(str(path), n + 2, "考评对象", "“某某区”不是包头市的考评对象"), (str(path), n + 3, "指标", "指标“999”不存在")]


def test_an_override_file_without_the_columns_is_refused(baotou, tmp_path):
    path = tmp_path / "列.csv"
    path.write_text("单位,指标\n昆都仑区,1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_with_override(baotou, path, "2022H1")
    assert [(p.row, p.column, p.zh) for p in exc.value.problems] == [(1, "考评对象", "缺少“考评对象”列")]


@pytest.fixture()
def broken_period(tmp_path):
    """Baotou 2022H1 with one lead unit's score out of range: the lead unit's own problem."""
    folder = tmp_path / "2022H1"
    shutil.copytree(paths.period_dir("baotou", "2022H1"), folder)
    (folder / "monitoring" / "补充.csv").write_text("牵头考核单位,考评对象,指标,得分\n市教育局,市教育局,25,x\n", encoding="utf-8")
    return folder


def test_the_lead_units_own_problems_still_stop_a_strict_run(override_file, broken_period):
    with pytest.raises(InputError) as exc:
        assess("baotou", "2022H1", data_dir=broken_period, applicability=override_file)
    problems = exc.value.problems
    assert any(p.file == "monitoring/补充.csv" and p.row == 2 and p.zh.startswith("“x”不是数字") for p in problems)
    assert not any("昆都仑区" in p.zh for p in problems)  # the override's consequences are not among them
    lenient = assess("baotou", "2022H1", data_dir=broken_period, applicability=override_file, strict=False)
    assert [p.file for p in lenient.result.warnings] == ["monitoring/补充.csv"] * len(lenient.result.warnings)
    assert len(lenient.override.unscored) == 2 and len(lenient.override.set_aside) == 1
