"""What-if, the uncertainty analysis of the ranks, leaving a method out, and the analysts' tools."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis import sensitivity
from evalkit.core import paths
from evalkit.core.recorded import recorded
from evalkit.core.rounding import display_round
from evalkit.inputs.params import load_params
from evalkit.publish import explore
from evalkit.runs.execute import execute
from evalkit.runs.runner import run
from evalkit.scoring.assessment import assess

FIXTURE_PARAMS = Path(__file__).parents[1] / "fixtures" / "params"


@pytest.fixture(scope="module")
def a():
    return assess("baotou", "2022H1")


def test_zero_perturbation_gives_the_published_ranks(a):
    table = sensitivity.uncertainty(a.framework, a.result, draws=200, band=0.0, aggregations=("sum",))
    for col in ("median_rank", "rank_p05", "rank_p95"):
        assert (table[col] == table["rank"]).all()
    assert ((table["p_top3"] == 1.0) == (table["rank"] <= 3)).all()


def test_same_seed_same_intervals_other_seed_may_differ(a):
    one = sensitivity.uncertainty(a.framework, a.result, draws=300, seed=7)
    two = sensitivity.uncertainty(a.framework, a.result, draws=300, seed=7)
    pd.testing.assert_frame_equal(one, two)


def test_ranks_stay_within_the_group(a):
    table = sensitivity.uncertainty(a.framework, a.result, draws=500, band=0.5, seed=3)
    sizes = table.groupby("group")["entity"].transform("count")
    for col in ("median_rank", "rank_p05", "rank_p95"):
        assert table[col].between(1, sizes).all()
    assert (table["rank_p05"] <= table["median_rank"]).all() and (table["median_rank"] <= table["rank_p95"]).all()
    assert table["p_top3"].between(0, 1).all()
    # top-3 probabilities add up to at most 3 per group (ties can share places)
    assert (table.groupby("group")["p_top3"].sum() >= 3 - 1e-9).all()


def test_the_other_reading_alone_matches_scoring_with_it(a):
    table = sensitivity.uncertainty(a.framework, a.result, draws=20, band=0.0, aggregations=("aspect_mean",))
    other = evalkit.score_period(a.framework, a.inputs, aggregation="aspect_mean").totals.set_index("entity")["rank"]
    assert (table.set_index("entity")["median_rank"] == other).all()


def test_what_if_with_the_published_weights_changes_nothing(a):
    same = sensitivity.what_if(a.framework, a.inputs, a.result, weights=a.framework.weights)
    assert (same["change"] == 0).all() and np.allclose(same["total"], same["new_total"])
    moved = sensitivity.what_if(a.framework, a.inputs, a.result, weights={"monitoring": 1, "field": 0, "survey": 0, "third_party": 0})
    assert (moved["new_total"] == a.result.totals["monitoring"].to_numpy()).all()
    assert moved["change"].abs().sum() > 0


def test_leave_one_method_out(a):
    table = sensitivity.leave_one_out(a.result)
    assert set(table["dropped"]) == {"monitoring", "field", "survey", "third_party"}
    survey = table[table["dropped"] == "survey"].set_index("entity")
    t = a.result.totals.set_index("entity")
    expected = (0.6 * t["monitoring"] + 0.2 * t["field"] + 0.1 * t["third_party"]) / 0.9
    again = pd.DataFrame({"group": t["group"], "v": expected})
    assert (survey["new_rank"] == evalkit.scoring.ranking.rank_within_groups(again, "v")).all()


def test_robustness_sentences(a):
    table = sensitivity.uncertainty(a.framework, a.result, draws=300)
    sentences = sensitivity.robustness_sentences(a.framework, table)
    assert set(sentences) == {"district", "department"}
    assert sentences["district"].startswith("旗县区：10 个考评对象中有")


def test_points_lost_add_up(a):
    for entity in ("昆都仑区", "市工信局"):
        by_aspect, by_unit = explore.points_lost(a, entity)
        t = a.result.indicators[a.result.indicators["entity"] == entity]
        lost = (t["points"] - t["score"]).sum()
        assert by_aspect["失分"].sum() == pytest.approx(lost) == pytest.approx(by_unit["失分"].sum())
        d = explore.drilldown(a, entity)
        assert len(d) == len(a.framework.assignments().query("entity == @entity"))
        assert len(explore.largest_losses(a, entity)) == 10


@pytest.mark.slow
def test_explore_notebook_runs_headless(tmp_path):
    """Under papermill, as evalkit runs every notebook: its kernel on IPC sockets of its own (a kernel on TCP ports can
    race a parallel test's for a port and hang), a bounded time per cell."""
    out = tmp_path / "explore.ipynb"
    execute(paths.ROOT / "notebooks" / "30_explore.ipynb", out, {}, timeout=300, cwd=paths.ROOT)
    nb = json.loads(out.read_text(encoding="utf-8"))
    kinds = {k for c in nb["cells"] for o in c.get("outputs", []) for k in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in kinds and "text/html" in kinds


@pytest.mark.slow
def test_one_scorecard_renders_with_the_entitys_numbers(tmp_path):
    folder = run(load_params("baotou", "2022H1", FIXTURE_PARAMS), outputs=tmp_path, scorecards=True, jobs=2)
    cards = folder / "scorecards"
    assert {p.name for p in cards.iterdir()} >= {"昆都仑区.html", "昆都仑区.pdf", "市教育局.html", "市教育局.pdf"}
    mine = recorded(cards / "昆都仑区.ipynb")
    period = pd.read_csv(folder / "results.csv")
    row = period[period["entity"] == "昆都仑区"].reset_index(drop=True).astype({"rank": "Int64"})
    pd.testing.assert_frame_equal(mine, row, check_exact=True)
    text = subprocess.run(["pdftotext", str(cards / "昆都仑区.pdf"), "-"], capture_output=True, text=True).stdout
    assert "昆都仑区" in text and "93.72" in text and "失分指标" in text and "排名稳健性" in text and "问题清单" in text
    pages = subprocess.run(["pdfinfo", str(cards / "昆都仑区.pdf")], capture_output=True, text=True).stdout
    assert 1 <= int(pages.split("Pages:")[1].split()[0]) <= 2
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "scorecards/昆都仑区.pdf" in manifest["outputs"]


@settings(max_examples=200)
@given(st.integers(1, 40), st.integers(1, 12), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_draw_ranks_count_who_is_shown_strictly_higher_in_the_group(draws, entities, n_groups, seed):
    """Against the definition, by brute force: values on a coarse grid (many ties, also ties only after rounding)."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 400, size=(draws, entities)) / 4 + rng.choice([0.0, 0.001, -0.001, 0.004999], size=(draws, entities))
    groups = rng.choice(["district", "department", "other"][:n_groups], size=entities)
    shown = display_round(values)
    same = groups[:, None] == groups[None, :]
    expected = 1 + ((shown[:, None, :] > shown[:, :, None]) & same).sum(axis=2)
    assert (sensitivity.draw_ranks(values, groups) == expected).all()
