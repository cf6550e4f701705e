"""Reading and checking one period's input tables (DESIGN.md §4)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.errors import InputError, Problem
from ..framework.model import Framework
from ..framework.periods import Period
from .reader import Reader
from .schema import KEY, KINDS, Entry, inventory
from .sheets import Engine


@dataclass
class PeriodInputs:
    """Everything submitted for one period, checked against the framework.

    Each table keeps ``file`` and ``row`` (as Excel shows it) of every value; ``problems``
    holds what lenient mode let through (strict mode raises instead).
    """

    period: Period
    data_dir: Path
    strict: bool
    monitoring: pd.DataFrame  # lead_unit, entity, indicator, score, status, note, file, row
    verification: pd.DataFrame  # lead_unit, entity, indicator, verified, note, file, row
    methods: pd.DataFrame  # entity, one column per method key with data, file, row
    targets: pd.DataFrame  # entity, indicator, actual, file, row
    files: tuple[Path, ...] = ()  # the files read
    problems: list[Problem] = field(default_factory=list)
    synthetic: bool = False  # some workbook says it holds example data (示例数据)
    inventory: tuple[Entry, ...] = ()  # every file found in the folder: read, ignored or refused, and why

    @classmethod
    def from_tables(cls, period: str | Period, monitoring: pd.DataFrame, methods: pd.DataFrame | None = None, *,
                    verification: pd.DataFrame | None = None, targets: pd.DataFrame | None = None,
                    strict: bool = True) -> PeriodInputs:
        """Inputs given as DataFrames with canonical names and English columns (scripts, tests, what-if).

        ``monitoring``: lead_unit, entity, indicator, score[, status]; ``methods``: entity and one
        column per method key; ``verification``: lead_unit, entity, indicator, verified;
        ``targets``: entity, indicator, actual. They are taken as already checked.
        """
        def table(df: pd.DataFrame | None, columns: list[str], name: str) -> pd.DataFrame:
            df = pd.DataFrame(columns=columns) if df is None else df.reset_index(drop=True)
            return df.assign(file=name, row=df.index.to_numpy() + 2)

        mon = table(monitoring, KEY + ["score"], "monitoring")
        mon = mon.assign(**{c: mon[c] if c in mon else "" for c in ("status", "note")})
        return cls(Period.parse(period), Path("."), strict, mon,
                   table(verification, KEY + ["verified"], "verification"),
                   table(methods, ["entity"], "methods"),
                   table(targets, ["entity", "indicator", "actual"], "targets"))


def read_period(framework: Framework, period: str | Period, data_dir: str | Path | None = None,
                strict: bool = True, *, engine: Engine = "calamine") -> PeriodInputs:
    """Read ``data/<city>/<period>/`` (or ``data_dir``): ``monitoring/*``, ``verification``, ``methods``
    and ``targets`` tables (``.xlsx`` or ``.csv``, as :mod:`evalkit.inputs.schema` declares them), with names
    matched through aliases.

    Every file in the folder is accounted for in ``inventory``: read, ignored (lock and system files)
    or refused with the reason. Strict mode raises one :class:`InputError` listing every problem;
    lenient mode returns them in ``problems`` and leaves out the values they concern (a missing score
    then counts 0).
    """
    period = Period.parse(period)
    folder = Path(data_dir) if data_dir is not None else paths.period_dir(framework.city, str(period))
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "no such folder; expected the period's input tables here", zh="文件夹不存在；应存放本期的报送表格")])
    entries = inventory(folder)
    reader = Reader(framework, folder, period, engine)
    files = reader.account(entries)
    monitoring = reader.scores(files["monitoring"], KINDS["monitoring"])
    verification = reader.scores(files["verification"], KINDS["verification"])
    methods = reader.methods(files["methods"])
    targets = reader.targets(files["targets"])
    reader.check_complete(monitoring, methods, targets, given={k: bool(v) for k, v in files.items()})
    problems = reader.problems.listed()  # past a limit, the rest summarised
    if strict and problems:
        raise InputError(problems)
    read = tuple(p for kind in KINDS for p in files[kind])
    return PeriodInputs(period, folder, strict, monitoring, verification, methods, targets, read, problems,
                        reader.synthetic, tuple(entries))


