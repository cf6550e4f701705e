"""Deadline texts of the indicator table (METHOD.md §3) and the statuses of §5.

A deadline keeps the plan's own verb (``2021年底初步完成``, not ``2021年底完成``): the verb is its kind, and the kind
sets the status required once the deadline has passed (:data:`KINDS`). A stretch goal (力争…) requires
取得阶段性成效 and is reported apart as 力争目标, never as a lag. A city's confirmed reading of one indicator overrides
its kind's default (``requires``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.errors import FrameworkError

STATUSES = ("未启动", "推进中", "取得阶段性成效", "取得明显成效", "已完成")
"""完成情况 in ascending order."""

_DONE, _CLEAR, _PHASED, _STARTED = STATUSES[4], STATUSES[3], STATUSES[2], STATUSES[1]
KINDS = {
    # a result in full
    "完成": _DONE, "全面完成": _DONE, "建成": _DONE, "全面建成": _DONE,
    # a result in the main or in a first form
    "基本完成": _CLEAR, "初步完成": _CLEAR, "基本建成": _CLEAR, "初步建成": _CLEAR, "基本实现": _CLEAR,
    "取得明显成效": _CLEAR,
    # work under way with a date: a stretch goal, a push, building
    "力争": _PHASED, "加快": _PHASED, "推进": _PHASED, "深化": _PHASED, "完善": _PHASED, "建设": _PHASED,
    "打造": _PHASED, "进行": _PHASED, "取得阶段性成效": _PHASED,
    # a start
    "启动": _STARTED,
}
"""Deadline kind (the plan's verb) -> the status it requires once its month has passed (METHOD.md §5 defaults; the
verbs §5 does not name, :data:`READ_AS`, as their nearest named kind)."""

READ_AS = {"基本实现": "基本完成", "完善": "推进", "建设": "推进", "打造": "推进", "进行": "推进"}
"""Verbs METHOD.md §5 does not name -> the kind they are read as: a derived reading (推定), listed for the city to
confirm unless its framework records a confirmed reading (``deadline_reading``)."""

STRETCH = "力争"
"""The kind of a stretch goal (力争…完成), reported apart as 力争目标."""

ONGOING = ("持续推进", "按进度推进", "持续优化")

_KIND = "|".join(sorted((k for k in KINDS if k != STRETCH), key=len, reverse=True))
_DEADLINE = re.compile(
    r"(?:(?:(?P<year>\d{4})年)?(?:(?P<month>1[0-2]|[1-9])月(?:底|份)?|(?<=年)底)前?"
    rf"(?P<kind>{STRETCH}(?:完成|实现|建成)?|{_KIND}))?"
    r"(?:并?(?P<ongoing>持续推进|按进度推进|持续优化))?"
)


@dataclass(frozen=True)
class Deadline:
    """A parsed deadline: due year (None: the framework's own year), due month (or None), kind (or None), whether
    work continues after, and the status a city's confirmed reading requires instead of the kind's (or None)."""

    text: str
    month: int | None
    kind: str | None
    continues: bool
    year: int | None = None
    requires: str | None = None

    @property
    def stretch(self) -> bool:
        """Whether this is a stretch goal (力争目标).

        >>> parse_deadline("2022年底力争实现").stretch, parse_deadline("2022年底完成").stretch
        (True, False)
        """
        return self.kind == STRETCH

    def due(self, end_month: int, year: int | None = None) -> bool:
        """Whether the dated part of the deadline has passed by ``end_month`` of ``year``."""
        if self.month is None:
            return False
        if self.year is not None and year is not None and self.year != year:
            return self.year < year
        return self.month <= end_month

    def required_status(self, end_month: int, year: int | None = None) -> str | None:
        """Status an indicator must have reached by ``end_month`` of ``year``; None if nothing is due yet.

        >>> parse_deadline("6月底完成").required_status(6)
        '已完成'
        >>> parse_deadline("10月底完成").required_status(6) is None
        True
        >>> parse_deadline("持续推进").required_status(6)
        '推进中'
        >>> [parse_deadline("2023年底完成").required_status(12, y) for y in (2022, 2023, 2024)]
        [None, '已完成', '已完成']
        >>> [parse_deadline(t).required_status(12, 2021) for t in ("2021年底初步完成", "2021年底加快", "2021年底启动")]
        ['取得明显成效', '取得阶段性成效', '推进中']
        """
        if self.month is not None:
            return (self.requires or KINDS[self.kind]) if self.due(end_month, year) else None
        return _STARTED if self.continues else None


def parse_deadline(text: str, requires: str | None = None) -> Deadline:
    """Parse a deadline such as ``5月底取得阶段性成效并持续推进``; ``requires`` is a city's confirmed reading.

    >>> parse_deadline("5月底取得阶段性成效并持续推进")
    Deadline(text='5月底取得阶段性成效并持续推进', month=5, kind='取得阶段性成效', continues=True, year=None, requires=None)
    >>> parse_deadline("2025年底完成")
    Deadline(text='2025年底完成', month=12, kind='完成', continues=False, year=2025, requires=None)
    >>> parse_deadline("2021年底初步完成").kind, parse_deadline("2022年6月底前加快").kind
    ('初步完成', '加快')
    """
    m = _DEADLINE.fullmatch(text.strip())
    if not m or not (m.group("kind") or m.group("ongoing")):
        raise FrameworkError(
            f"deadline {text!r}: expected '[<year>年]<month>月底<kind>' or '<year>年底<kind>', the kind being the plan's "
            f"verb ({', '.join(KINDS)}), optionally followed by '并持续推进', or one of {', '.join(ONGOING)}"
        )
    if requires is not None and requires not in STATUSES:
        raise FrameworkError(f"deadline {text!r}: the confirmed reading requires {requires!r}; expected one of {', '.join(STATUSES)}")
    kind = m.group("kind")
    kind = STRETCH if kind and kind.startswith(STRETCH) else kind
    month = 12 if kind and not m.group("month") else (int(m.group("month")) if m.group("month") else None)
    year = int(m.group("year")) if m.group("year") else None
    return Deadline(text, month, kind, m.group("ongoing") is not None, year, requires if kind else None)


def status_rank(status: str) -> int:
    """Position of a status in :data:`STATUSES` (0 = 未启动)."""
    return STATUSES.index(status)
