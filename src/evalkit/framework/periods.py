"""Assessment periods (METHOD.md §5a): ``2022H1``, ``2022H2`` or the year ``2022``."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.errors import ParameterError

_PATTERN = re.compile(r"(\d{4})(?:H([12]))?")


@dataclass(frozen=True, order=True)
class Period:
    """A half-year (``half`` 1 or 2) or a whole year (``half`` None)."""

    year: int
    half: int | None = None

    @classmethod
    def parse(cls, text: str | int | Period) -> Period:
        """Read ``2022H1``, ``2022H2`` or ``2022``.

        >>> Period.parse("2022H1").end_month
        6
        """
        if isinstance(text, Period):
            return text
        m = _PATTERN.fullmatch(str(text).strip().upper())
        if not m:
            raise ParameterError(f"period {text!r}: expected a half-year such as 2022H1 or 2022H2, or a year such as 2022")
        return cls(int(m.group(1)), int(m.group(2)) if m.group(2) else None)

    @property
    def is_annual(self) -> bool:
        return self.half is None

    @property
    def end_month(self) -> int:
        """Last month of the period: June for H1, December otherwise."""
        return 6 if self.half == 1 else 12

    @property
    def halves(self) -> tuple[Period, Period]:
        """The two half-years of this period's year."""
        return Period(self.year, 1), Period(self.year, 2)

    @property
    def previous(self) -> Period:
        """The period before this one, of the same kind."""
        if self.half is None:
            return Period(self.year - 1)
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    @property
    def label(self) -> str:
        """Chinese label, e.g. ``2022年上半年``."""
        return f"{self.year}" + {1: "年上半年", 2: "年下半年", None: "年度"}[self.half]

    def __str__(self) -> str:
        return f"{self.year}H{self.half}" if self.half else str(self.year)
