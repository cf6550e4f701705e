"""A scorecard's headline (issue 24): the change against the previous period in score and rank, never a bare “—”."""
from __future__ import annotations

import evalkit
from evalkit.publish.scorecard import change_sentence
from evalkit.scoring.assessment import Assessment

from ..conftest import full_marks


def _assessment(fw, inputs) -> Assessment:
    return Assessment(fw, inputs, evalkit.score_period(fw, inputs), {})


def test_the_headline_gives_the_score_and_the_rank_change(small):
    before = _assessment(small, full_marks(small, methods=50.0))  # 80.00 each, all first (并列)
    assert change_sentence(before, "东区", 100.0, 1) == f"与{before.period.label}相比：分值上升20.00分，排名不变（上期第1名）。"
    assert change_sentence(before, "东区", 71.9, 2) == f"与{before.period.label}相比：分值下降8.10分，排名下降1位（上期第1名）。"
    assert change_sentence(before, "东区", 80.0, 1).endswith("分值持平，排名不变（上期第1名）。")
    assert change_sentence(before, "新区", 90.0, 1) == f"{before.period.label}未参加考评。"
