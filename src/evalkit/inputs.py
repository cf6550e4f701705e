"""Reading and checking one period's input tables (DESIGN.md §4)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .deadlines import STATUSES
from .errors import InputError, Problem
from .framework import Framework
from .periods import Period
from .ranking import display_round

MONITORING = {"牵头考核单位": "lead_unit", "考评对象": "entity", "指标": "indicator", "得分": "score"}
VERIFICATION = {"牵头考核单位": "lead_unit", "考评对象": "entity", "指标": "indicator", "核实得分": "verified"}
TARGETS = {"考评对象": "entity", "指标": "indicator", "实际值": "actual"}
OPTIONAL = {"完成情况": "status", "备注": "note"}
KEY = ["lead_unit", "entity", "indicator"]
SUFFIXES = (".csv",)


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
    files: tuple[Path, ...] = ()
    problems: list[Problem] = field(default_factory=list)

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
                strict: bool = True) -> PeriodInputs:
    """Read ``data/<city>/<period>/`` (or ``data_dir``): monitoring tables, verification, methods
    and targets, with names matched through aliases.

    Strict mode raises one :class:`InputError` listing every problem; lenient mode returns them
    in ``problems`` and leaves out the rows they concern (a missing score then counts 0).
    """
    period = Period.parse(period)
    folder = Path(data_dir) if data_dir is not None else paths.period_dir(framework.city, str(period))
    problems: list[Problem] = []
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "no such folder; expected the period's input tables here")])
    reader = _Reader(framework, folder, problems)
    mon_files = sorted(p for p in (folder / "monitoring").glob("*") if p.suffix.lower() in SUFFIXES)
    if not mon_files:
        problems.append(Problem(str(folder / "monitoring"), "no monitoring tables (日常监测); expected one .csv per lead unit"))
    monitoring = reader.scores(mon_files, MONITORING, "score")
    verification = reader.scores(reader.optional("verification"), VERIFICATION, "verified")
    methods = reader.methods(reader.optional("methods"))
    targets = reader.targets(reader.optional("targets"))
    _check_complete(framework, monitoring, methods, targets, reader.seen, problems)
    if strict and problems:
        raise InputError(problems)
    files = tuple(mon_files) + tuple(p for n in ("verification", "methods", "targets") for p in reader.optional(n))
    return PeriodInputs(period, folder, strict, monitoring, verification, methods, targets, files, problems)


class _Reader:
    """Reads tables of one period folder into DataFrames, appending problems as it goes."""

    def __init__(self, framework: Framework, folder: Path, problems: list[Problem]):
        self.fw = framework
        self.folder = folder
        self.problems = problems
        self.aliases = framework.alias_map
        self.points = framework.indicators.set_index("id")["points"]
        self.seen: set[tuple] = set()  # keys given in some row, valid or not: not reported as missing again

    def optional(self, stem: str) -> list[Path]:
        return [p for p in (self.folder / f"{stem}{s}" for s in SUFFIXES) if p.is_file()]

    def table(self, path: Path, columns: dict[str, str], optional: dict[str, str] = OPTIONAL) -> pd.DataFrame | None:
        """One table as strings, renamed to English, with ``file`` and ``row``; None if unusable."""
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            self.problems.append(Problem(path.name, f"cannot be read as a UTF-8 CSV table ({type(exc).__name__}); expected a header row and data rows"))
            return None
        raw.columns = [str(c).strip() for c in raw.columns]
        missing = [c for c in columns if c not in raw.columns]
        for c in missing:
            self.problems.append(Problem(path.name, f"required column missing; the header row has {', '.join(raw.columns) or 'nothing'}", row=1, column=c))
        if missing:
            return None
        keep = {**columns, **{k: v for k, v in optional.items() if k in raw.columns}}
        df = raw[list(keep)].rename(columns=keep).apply(lambda s: s.str.strip())
        df = df[(df != "").any(axis=1)]  # blank lines are not rows
        return df.assign(file=path.name, row=df.index.to_numpy() + 2)

    def _flag(self, df: pd.DataFrame, mask: pd.Series, column: str, message) -> pd.Series:
        """Record one problem per row in ``mask``; ``message(row)`` says what was found and expected."""
        for _, r in df[mask].iterrows():
            self.problems.append(Problem(r["file"], message(r), row=int(r["row"]), column=column))
        return mask

    def names(self, df: pd.DataFrame, col: str, header: str, what: str) -> pd.Series:
        canon = df[col].map(self.aliases)
        bad = self._flag(df, canon.isna(), header, lambda r: f"unknown {what} {r[col]!r}; expected a name or alias from entities.csv")
        df[col] = canon
        return bad

    def indicator(self, df: pd.DataFrame) -> pd.Series:
        ids = pd.to_numeric(df["indicator"], errors="coerce")
        ok = ids.notna() & (ids == ids.round()) & ids.isin(self.points.index)
        bad = self._flag(df, ~ok, "指标", lambda r: f"unknown indicator {r['indicator']!r}; expected an indicator id of the framework (e.g. {self.points.index[0]})")
        df["indicator"] = ids.where(ok, -1).astype("int64")
        return bad

    def number(self, df: pd.DataFrame, col: str, header: str, high: pd.Series | float | None) -> pd.Series:
        """Parse ``col`` as a number in [0, high]; ``high`` None means no upper bound.

        A value above ``high`` but not above ``high`` rounded half up to 2 decimals is the way a
        person types full marks (0.67 for 2/3, 0.63 for 0.625) and is read as exactly ``high``.
        """
        values = pd.to_numeric(df[col], errors="coerce")
        blank = df[col] == ""
        bad = self._flag(df, values.isna() & ~blank, header, lambda r: f"{r[col]!r} is not a number; expected a decimal number")
        bad |= self._flag(df, blank, header, lambda r: "empty; expected a number")
        top = pd.Series(np.inf if high is None else high, index=df.index, dtype="float64")
        typed_full = np.maximum(top, display_round(top)) + 1e-9
        bad |= self._flag(df, (values < 0) | (values > typed_full), header,
                          lambda r: f"{values[r.name]:g} is out of range; expected 0 to {top[r.name]:.6g}")
        df[col] = values.where(values <= top, top)
        return bad

    def scores(self, files: list[Path], columns: dict[str, str], value: str) -> pd.DataFrame:
        frames = [t for t in (self.table(p, columns) for p in files) if t is not None]
        cols = KEY + [value, "status", "note", "file", "row"]
        if not frames:
            return pd.DataFrame(columns=cols).astype({"indicator": "int64", value: "float64", "row": "int64"})
        df = pd.concat(frames, ignore_index=True)
        for c in ("status", "note"):
            df[c] = df[c].fillna("") if c in df else ""
        key_bad = self.names(df, "lead_unit", "牵头考核单位", "lead unit")
        key_bad |= self.names(df, "entity", "考评对象", "entity")
        key_bad |= self.indicator(df)
        bad = key_bad.copy()
        header = next(k for k, v in columns.items() if v == value)
        bad |= self.number(df, value, header, df["indicator"].map(self.points))
        bad |= self._flag(df, (df["status"] != "") & ~df["status"].isin(STATUSES), "完成情况",
                          lambda r: f"unknown status {r['status']!r}; expected one of {'/'.join(STATUSES)}")
        assigned = self.fw.assignments().set_index(KEY).index
        unassigned = ~key_bad & ~pd.MultiIndex.from_frame(df[KEY]).isin(assigned)
        bad |= self._flag(df, unassigned, "指标", lambda r: f"indicator {r['indicator']} for {r['entity']!r} is not assigned to {r['lead_unit']!r}; expected only rows listed by framework.assignments()")
        keyed = df[~key_bad & ~unassigned]
        self.seen.update(keyed[KEY].itertuples(index=False, name=None))
        first = keyed.groupby(KEY)[["file", "row"]].transform("first")
        again = pd.Series(False, index=df.index)
        again[keyed.index] = keyed.groupby(KEY).cumcount() > 0
        bad |= self._flag(df, again, "指标", lambda r: f"duplicate row for ({r['lead_unit']}, {r['entity']}, {r['indicator']}); first given in {first.loc[r.name, 'file']} row {first.loc[r.name, 'row']}")
        return df.loc[~bad, cols].reset_index(drop=True)

    def methods(self, files: list[Path]) -> pd.DataFrame:
        """Method scores per entity; a bad cell is reported and left empty, the row stays."""
        named = {m.name: m.key for m in self.fw.methods if m.key != "monitoring"}
        frames = []
        for path in files:
            df = self.table(path, {"考评对象": "entity"}, optional=named)
            if df is None:
                continue
            df = df[~self.names(df, "entity", "考评对象", "entity")]
            for name, key in named.items():
                if key in df:
                    values = pd.to_numeric(df[key], errors="coerce")
                    wrong = self._flag(df, (df[key] != "") & values.isna(), name, lambda r, k=key: f"{r[k]!r} is not a number; expected 0 to 100")
                    wrong |= self._flag(df, (values < 0) | (values > 100), name, lambda r, k=key: f"{r[k]} is out of range; expected 0 to 100")
                    self.seen.update((e, key) for e in df.loc[wrong, "entity"])
                    df[key] = values.where(~wrong)
            frames.append(df)
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["entity", "file", "row"])
        dup = df.duplicated("entity", keep="first")
        self._flag(df, dup, "考评对象", lambda r: f"{r['entity']!r} is listed twice; expected one row per entity")
        return df[~dup].reset_index(drop=True)

    def targets(self, files: list[Path]) -> pd.DataFrame:
        frames = [t for t in (self.table(p, TARGETS) for p in files) if t is not None]
        if not frames:
            return pd.DataFrame(columns=["entity", "indicator", "actual", "file", "row"]).astype({"indicator": "int64", "actual": "float64"})
        df = pd.concat(frames, ignore_index=True)
        bad = self.names(df, "entity", "考评对象", "entity") | self.indicator(df)
        bad |= self.number(df, "actual", "实际值", None)
        is_target = df["indicator"].map(self.fw.indicators.set_index("id")["target"]).notna()
        bad |= self._flag(df, ~bad & ~is_target, "指标", lambda r: f"indicator {r['indicator']} has no numeric target; expected only target indicators here")
        bad |= self._flag(df, ~bad & df.duplicated(["entity", "indicator"]), "指标", lambda r: f"duplicate actual value for ({r['entity']}, {r['indicator']})")
        return df.loc[~bad, ["entity", "indicator", "actual", "file", "row"]].reset_index(drop=True)


def _check_complete(fw: Framework, monitoring: pd.DataFrame, methods: pd.DataFrame, targets: pd.DataFrame,
                    seen: set[tuple], problems: list[Problem]) -> None:
    """Every assignment scored, every target reported, every entity with each method that has data.

    What ``seen`` holds was given, though wrongly, and has been reported already.
    """
    need = fw.assignments()
    scored = need[need["input"] == "score"].merge(monitoring[KEY], how="left", on=KEY, indicator=True)
    scored = scored[(scored["_merge"] == "left_only") & ~pd.Series([k in seen for k in scored[KEY].itertuples(index=False, name=None)], index=scored.index, dtype=bool)]
    for r in scored.itertuples():
        problems.append(Problem("monitoring/", f"no score from {r.lead_unit} for {r.entity}, indicator {r.indicator}; expected a row in that lead unit's table"))
    want = need[need["input"] == "target"][["entity", "indicator"]].drop_duplicates()
    got = want.merge(targets[["entity", "indicator"]], how="left", indicator=True)
    for r in got[got["_merge"] == "left_only"].itertuples():
        problems.append(Problem("targets", f"no actual value for {r.entity}, indicator {r.indicator}; expected a row in targets.csv"))
    present = [m.key for m in fw.methods if m.key in methods.columns and methods[m.key].notna().any()]
    for key in present:
        name = fw.method_names[key]
        have = set(methods.loc[methods[key].notna(), "entity"])
        for e in fw.entities["entity"]:
            if e not in have and (e, key) not in seen:
                problems.append(Problem("methods", f"no {name} score for {e}; expected 0 to 100", column=name))

