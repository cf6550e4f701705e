"""Deadline texts of the indicator table (METHOD.md §3) and the statuses of §5."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.errors import FrameworkError

STATUSES = ("未启动", "推进中", "取得阶段性成效", "取得明显成效", "已完成")
"""完成情况 in ascending order."""

KINDS = {"完成": "已完成", "取得明显成效": "取得明显成效", "取得阶段性成效": "取得阶段性成效"}
"""Deadline kind -> the status it requires once its month has passed."""

ONGOING = ("持续推进", "按进度推进", "持续优化")

_DEADLINE = re.compile(
    r"(?:(?:(?P<year>\d{4})年)?(?:(?P<month>1[0-2]|[1-9])月(?:底|份)?|(?<=年)底)(?P<kind>完成|取得明显成效|取得阶段性成效))?"
    r"(?:并?(?P<ongoing>持续推进|按进度推进|持续优化))?"
)


@dataclass(frozen=True)
class Deadline:
    """A parsed deadline: due year (None: the framework's own year), due month (or None), kind (or
    None) and whether work continues after."""

    text: str
    month: int | None
    kind: str | None
    continues: bool
    year: int | None = None

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
        """
        if self.month is not None:
            if self.year is not None and year is not None and self.year != year:
                return KINDS[self.kind] if self.year < year else None
            return KINDS[self.kind] if self.month <= end_month else None
        return STATUSES[1] if self.continues else None


def parse_deadline(text: str) -> Deadline:
    """Parse a deadline such as ``5月底取得阶段性成效并持续推进``.

    >>> parse_deadline("5月底取得阶段性成效并持续推进")
    Deadline(text='5月底取得阶段性成效并持续推进', month=5, kind='取得阶段性成效', continues=True, year=None)
    >>> parse_deadline("2025年底完成")
    Deadline(text='2025年底完成', month=12, kind='完成', continues=False, year=2025)
    """
    m = _DEADLINE.fullmatch(text.strip())
    if not m or not (m.group("kind") or m.group("ongoing")):
        raise FrameworkError(
            f"deadline {text!r}: expected '[<year>年]<month>月底完成', '<year>年底完成', '<month>月取得阶段性成效/取得明显成效', "
            f"optionally followed by '并持续推进', or one of {', '.join(ONGOING)}"
        )
    month = 12 if m.group("kind") and not m.group("month") else (int(m.group("month")) if m.group("month") else None)
    year = int(m.group("year")) if m.group("year") else None
    return Deadline(text, month, m.group("kind"), m.group("ongoing") is not None, year)


def status_rank(status: str) -> int:
    """Position of a status in :data:`STATUSES` (0 = 未启动)."""
    return STATUSES.index(status)
