"""The readings of the method's ambiguities that a run chooses: how 日常监测 aggregates (第三条（三）) and
how the annual total is rounded."""
from __future__ import annotations

from typing import Literal

Aggregation = Literal["sum", "aspect_mean"]



AGGREGATIONS: dict[str, str] = {
    "sum": "各方面得分相加（“平均”理解为各牵头单位评分的平均）",
    "aspect_mean": "各方面得分率的算术平均（第三条（三）字面理解）",
}



ANNUAL_TOTALS: dict[str, str] = {
    "precise": "按两个半年考评分值的全精度平均计算后保留两位小数，与按公布值计算的平均可能相差0.01分（尾差），逐一注明",
    "printed": "按两个半年考评分值的公布值（保留两位小数）平均计算，读者按公布值复算一致",
}
"""The rule for the annual total (METHOD.md §6, what a reader recomputes): the mean of the half-years at full
precision, each 尾差 noted (the default), or the mean of the printed half-year totals."""
