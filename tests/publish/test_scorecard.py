"""A scorecard's sections (issue 24): the headline's change in score and rank, 历次变化 over the city's whole history,
the loss table cut in print with the rest counted, and the entity's own problem items with lead unit and deadline."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest
from IPython.utils.capture import capture_output

import evalkit
from evalkit.core.rounding import display_round
from evalkit.framework.periods import Period
from evalkit.inputs.params import earlier_halves, load_params
from evalkit.publish import problems, scorecard
from evalkit.publish.card_style import CARD_CSS, LOSSES_PRINTED
from evalkit.publish.tables import full_text
from evalkit.scoring.assessment import Assessment, assess

from ..conftest import full_marks


def _assessment(fw, inputs) -> Assessment:
    return Assessment(fw, inputs, evalkit.score_period(fw, inputs), {})


def _shown(section, *args) -> str:
    """What a section displays, as the HTML and Markdown a notebook would hold."""
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()  # display() publishes to a shell's display hook, which capture_output catches
    with capture_output(display=True) as out:
        section(*args)
    return "\n".join(o.data.get("text/html") or o.data.get("text/markdown", "") for o in out.outputs)


def test_the_headline_gives_the_score_and_the_rank_change(small):
    before = _assessment(small, full_marks(small, methods=50.0))  # 80.00 each, all first (并列)
    assert change_sentence(before, "东区", 100.0, 1) == f"与{before.period.label}相比：分值上升20.00分，排名不变（上期第1名）。"
    assert change_sentence(before, "东区", 71.9, 2) == f"与{before.period.label}相比：分值下降8.10分，排名下降1位（上期第1名）。"
    assert change_sentence(before, "东区", 80.0, 1).endswith("分值持平，排名不变（上期第1名）。")
    assert change_sentence(before, "新区", 90.0, 1) == f"{before.period.label}未参加考评。"


change_sentence = scorecard.change_sentence


def _run(period: str, totals: dict[str, tuple[float, int]]) -> SimpleNamespace:
    t = pd.DataFrame([{"entity": e, "half_year": v, "rank": r} for e, (v, r) in totals.items()])
    return SimpleNamespace(period=Period.parse(period), result=SimpleNamespace(totals=t))


def test_history_rows_hold_every_period_once_oldest_first_where_the_entity_was_assessed():
    runs = [_run("2023H1", {"甲": (80.004, 3)}), _run("2022H1", {"甲": (90.005, 1)}), None,
            _run("2022H2", {"乙": (70.0, 1)}), _run("2023H1", {"甲": (80.004, 3)}), _run("2023H2", {"甲": (85.0, 2)})]
    rows = scorecard.history_rows(runs, "甲")
    assert rows["period"].tolist() == ["2022H1", "2023H1", "2023H2"]  # 2022H2 without 甲; 2023H1 once
    assert rows["半年考评分值"].tolist() == [90.01, 80.0, 85.0] and rows["组内排名"].tolist() == [1, 3, 2]


def test_earlier_halves_are_every_half_year_before_the_period_with_a_params_file():
    assert [p["period"] for p in earlier_halves("baotou", "2023H2")] == ["2022H1", "2022H2", "2023H1"]
    assert earlier_halves("baotou", "2022H1") == []
    assert all("previous" not in p and "year_before" not in p for p in earlier_halves("baotou", "2023H2"))


@pytest.fixture(scope="module")
def baotou_2023h2():
    spec = load_params("baotou", "2023H2")
    return assess(**spec.assessed), [assess(**p) for p in earlier_halves("baotou", "2023H2")]


def test_the_trend_shows_every_half_year_of_the_history_not_three_of_four(baotou_2023h2):
    """The run compares with the previous half and the same half a year before only: 2022H1 fell out of 历次变化."""
    a, earlier = baotou_2023h2
    entity = "市审批服务局"
    assert scorecard.history_rows([a.year_before, a.previous, a], entity)["period"].tolist() == ["2022H2", "2023H1", "2023H2"]
    shown = _shown(scorecard.trend, a, entity, earlier)
    labels = [Period.parse(p).label for p in ("2022H1", "2022H2", "2023H1", "2023H2")]
    assert all(label in shown for label in labels) and shown.index(labels[0]) < shown.index(labels[-1])
    for x in earlier + [a]:
        row = x.result.totals.set_index("entity").loc[entity]
        assert f"{display_round(row['half_year']).item():.2f}" in shown
    assert 'class="chart"' in shown  # four periods: the small line too


@pytest.fixture(scope="module")
def baotou_2023h1():
    return assess(**load_params("baotou", "2023H1").assessed)


def test_the_problem_list_is_the_entitys_own_items_of_the_bulletins_annex(baotou_2023h1):
    a, entity = baotou_2023h1, "市审批服务局"
    rows = scorecard.problem_rows(a, entity)
    items = problems.entity_items(a)
    mine = items[items["考评对象"] == entity]
    assert list(rows.columns) == ["指标", "指标内容", "问题", "牵头考核单位", "整改时限"]
    assert set(zip(rows["指标"], rows["牵头考核单位"])) == set(zip(mine["指标"], mine["牵头考核单位"]))
    assert rows["问题"].str.count("；").sum() + len(rows) == len(mine)  # every item, two on one indicator in one row
    text = a.framework.indicators.set_index("id")["text"].map(full_text)
    assert (rows["指标内容"] == rows["指标"].map(text)).all() and (rows["整改时限"] == "2023年9月30日").all()
    row = rows[(rows["指标"] == 5) & (rows["牵头考核单位"] == "市政府办公室")].iloc[0]  # two items, both carried over
    assert row["问题"] == ("失分：得分 1.15，分值 1.5（2022年下半年起未整改）；"
                         "进度滞后：应达到“已完成”，填报为“取得阶段性成效”（2022年下半年起未整改）")
    shown = _shown(scorecard.problems, a, entity)
    assert f"问题清单与整改时限（{len(rows)} 项）" in shown and "含上期未整改转入的" in shown


def test_an_entity_without_problem_items_is_told_so(small):
    inputs = full_marks(small)
    inputs.monitoring["status"] = "已完成"  # full marks, every milestone done
    a = _assessment(small, inputs)
    assert scorecard.problem_rows(a, "东区").empty
    assert "本期问题清单中没有本单位的事项" in _shown(scorecard.problems, a, "东区")


def test_the_page_lists_every_loss_and_the_print_counts_the_rest(baotou_2023h1):
    a, entity = baotou_2023h1, "市审批服务局"
    table = scorecard.lost_by_indicator(a, entity, n=None)
    assert len(table) > LOSSES_PRINTED and table["失分"].is_monotonic_decreasing
    shown = _shown(scorecard.losses, a, entity)
    body = shown.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == len(table) and f"失分指标（{len(table)} 项）" in shown
    rest = table.iloc[LOSSES_PRINTED:]
    assert re.search(rf'<p class="card-more">以上为失分最多的{LOSSES_PRINTED}项；另有{len(rest)}项共失'
                     rf'{display_round(rest["失分"].sum()).item():.2f}分', shown)
    assert f"tr:nth-child(n+{LOSSES_PRINTED + 1})" in CARD_CSS and ".card-more { display: none; }" in CARD_CSS


def test_the_change_sentence_adds_up_to_the_printed_change(baotou_2023h1):
    a, entity = baotou_2023h1, "市审批服务局"
    shown = _shown(scorecard.change, a, entity)
    total = float(re.search(r"总分变化 ([+-][0-9.]+) 分", shown).group(1))
    now, before = (display_round(x.result.totals.set_index("entity").loc[entity, "half_year"]).item() for x in (a, a.previous))
    assert total == pytest.approx(now - before, abs=1e-9)
    parts = [float(v) for v in re.findall(r" ([+-][0-9]+\.[0-9]{2})(?=[，。；）])", shown.split("来自：")[1])]
    assert round(sum(parts), 2) == pytest.approx(total) and len(parts) == 9  # six aspects that changed, three methods
    assert "来自：日常监测（一、政务服务“一网通办” +1.23；二、" in shown and "），实地调研 -4.60，民意调查 -1.25，第三方评估 -1.26。" in shown
