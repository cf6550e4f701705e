"""Reading and checking one period's input tables (DESIGN.md §4)."""
from __future__ import annotations

from collections.abc import Callable
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
from .sheets import META_SHEET, Engine, read_table, uncached_formulas

MONITORING = {"牵头考核单位": "lead_unit", "考评对象": "entity", "指标": "indicator", "得分": "score"}
VERIFICATION = {"牵头考核单位": "lead_unit", "考评对象": "entity", "指标": "indicator", "核实得分": "verified"}
TARGETS = {"考评对象": "entity", "指标": "indicator", "实际值": "actual"}
OPTIONAL = {"完成情况": "status", "备注": "note"}
KEY = ["lead_unit", "entity", "indicator"]
SUFFIXES = (".xlsx", ".csv")
KINDS = {"monitoring": "日常监测", "verification": "专班核实", "methods": "考评方式", "targets": "指标实际值"}
"""Input kinds and their Chinese names, as templates record them in their ``类型`` metadata."""


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
    synthetic: bool = False  # some workbook says it holds example data (示例数据)

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
    and ``targets`` tables (``.xlsx`` or ``.csv``), with names matched through aliases.

    Strict mode raises one :class:`InputError` listing every problem; lenient mode returns them
    in ``problems`` and leaves out the values they concern (a missing score then counts 0).
    """
    period = Period.parse(period)
    folder = Path(data_dir) if data_dir is not None else paths.period_dir(framework.city, str(period))
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "no such folder; expected the period's input tables here", zh="文件夹不存在;应存放本期的报送表格")])
    reader = _Reader(framework, folder, period, engine)
    mon_files = sorted(p for p in (folder / "monitoring").glob("*") if p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", ".")))
    if not mon_files:
        reader.problems.append(Problem("monitoring/", "no monitoring tables (日常监测); expected one .xlsx or .csv per lead unit",
                                       zh="没有日常监测评分表;每个牵头考核单位应报送一个 .xlsx 或 .csv 文件"))
    monitoring = reader.scores(mon_files, MONITORING, "score", "monitoring")
    verification = reader.scores(reader.optional("verification"), VERIFICATION, "verified", "verification")
    methods = reader.methods(reader.optional("methods"))
    targets = reader.targets(reader.optional("targets"))
    reader.check_complete(monitoring, methods, targets)
    if strict and reader.problems:
        raise InputError(reader.problems)
    files = tuple(mon_files) + tuple(p for n in ("verification", "methods", "targets") for p in reader.optional(n))
    return PeriodInputs(period, folder, strict, monitoring, verification, methods, targets, files, reader.problems, reader.synthetic)


Message = Callable[[pd.Series], str]


class _Reader:
    """Reads the tables of one period folder into DataFrames, appending problems as it goes."""

    def __init__(self, framework: Framework, folder: Path, period: Period, engine: Engine):
        self.fw = framework
        self.folder = folder
        self.period = period
        self.engine = engine
        self.problems: list[Problem] = []
        self.synthetic = False
        self.aliases = framework.alias_map
        self.points = framework.indicators.set_index("id")["points"]
        self.seen: set[tuple] = set()  # keys given in some row, valid or not: not reported as missing again

    def optional(self, stem: str) -> list[Path]:
        return [p for p in (self.folder / f"{stem}{s}" for s in SUFFIXES) if p.is_file()]

    def table(self, path: Path, kind: str, columns: dict[str, str], optional: dict[str, str] = OPTIONAL) -> pd.DataFrame | None:
        """One table renamed to English, with ``file``, ``sheet`` and ``row``; None if unusable."""
        name = str(path.relative_to(self.folder))
        t = read_table(path, name, self.problems, self.engine)
        if t is None:
            return None
        if t.meta.get("示例数据") == "是":
            self.synthetic = True
        if not self._meta_ok(t.meta, name, t.sheet, kind):
            return None
        raw = t.rows
        missing = [c for c in columns if c not in raw.columns]
        found = ", ".join(c for c in raw.columns if c != "row") or "nothing"
        for c in missing:
            self.problems.append(Problem(name, f"required column missing; the header row has {found}", row=1, column=c, sheet=t.sheet,
                                         zh=f"缺少必填列“{c}”;表头为:{found}"))
        if missing:
            return None
        keep = {**columns, **{k: v for k, v in optional.items() if k in raw.columns}}
        return t.text(list(keep)).rename(columns=keep).assign(file=name, sheet=t.sheet)

    def _meta_ok(self, meta: dict[str, str], name: str, sheet: str | None, kind: str) -> bool:
        """A template's own record of its period and kind must match where it was put."""
        ok = True
        if meta.get("期间") and meta["期间"] != str(self.period):
            self.problems.append(Problem(name, f"workbook is for period {meta['期间']}; expected {self.period}", sheet=META_SHEET,
                                         zh=f"该工作簿属于 {meta['期间']} 考评期,应为 {self.period}"))
            ok = False
        if meta.get("类型") and meta["类型"] != KINDS[kind]:
            self.problems.append(Problem(name, f"workbook is a {meta['类型']} table; expected a {KINDS[kind]} table here", sheet=META_SHEET,
                                         zh=f"该工作簿是{meta['类型']}表,此处应为{KINDS[kind]}表"))
            ok = False
        if meta.get("城市") and self.fw.name and meta["城市"] != self.fw.name:
            self.problems.append(Problem(name, f"workbook is for {meta['城市']}; expected {self.fw.name}", sheet=META_SHEET,
                                         zh=f"该工作簿属于{meta['城市']},应为{self.fw.name}"))
            ok = False
        return ok

    def _flag(self, df: pd.DataFrame, mask: pd.Series, column: str, en: Message, zh: Message) -> pd.Series:
        """Record one problem per row in ``mask``: ``en(row)`` / ``zh(row)`` say what was found and expected."""
        for _, r in df[mask].iterrows():
            self.problems.append(Problem(r["file"], en(r), row=int(r["row"]), column=column, sheet=r["sheet"], zh=zh(r)))
        return mask

    def names(self, df: pd.DataFrame, col: str, header: str, what: str, what_zh: str) -> pd.Series:
        canon = df[col].map(self.aliases)
        bad = self._flag(df, canon.isna(), header, lambda r: f"unknown {what} {r[col]!r}; expected a name or alias from entities.csv",
                         lambda r: f"未知的{what_zh}“{r[col]}”;应为考评对象名单中的名称或别名")
        df[col] = canon
        return bad

    def indicator(self, df: pd.DataFrame) -> pd.Series:
        ids = pd.to_numeric(df["indicator"], errors="coerce")
        ok = ids.notna() & (ids == ids.round()) & ids.isin(self.points.index)
        first, last = self.points.index.min(), self.points.index.max()
        bad = self._flag(df, ~ok, "指标", lambda r: f"unknown indicator {r['indicator']!r}; expected an indicator id of the framework ({first}-{last})",
                         lambda r: f"未知的指标“{r['indicator']}”;应为指标体系中的指标编号({first}-{last})")
        df["indicator"] = ids.where(ok, -1).astype("int64")
        return bad

    def number(self, df: pd.DataFrame, col: str, header: str, high: pd.Series | float | None) -> pd.Series:
        """Parse ``col`` as a number in [0, high]; ``high`` None means no upper bound.

        A value above ``high`` but not above ``high`` rounded half up to 2 decimals is the way a
        person types full marks (0.67 for 2/3, 0.63 for 0.625) and is read as exactly ``high``.
        """
        text = df[col]
        values = pd.to_numeric(text, errors="coerce")
        formula = uncached_formulas(text)
        bad = self._flag(df, formula, header, lambda r: f"formula {r[col]} has no computed value; expected a number: open and save the file in Excel or WPS, or type the value",
                         lambda r: f"公式 {r[col]} 没有计算结果;请在 Excel 或 WPS 中打开并保存,或直接填写数值")
        bad |= self._flag(df, values.isna() & (text != "") & ~formula, header, lambda r: f"{r[col]!r} is not a number; expected a decimal number",
                          lambda r: f"“{r[col]}”不是数字;应填写数字")
        bad |= self._flag(df, text == "", header, lambda r: "empty; expected a number", lambda r: "未填写;应填写数字")
        top = pd.Series(np.inf if high is None else high, index=df.index, dtype="float64")
        typed_full = np.maximum(top, display_round(top)) + 1e-9
        bad |= self._flag(df, (values < 0) | (values > typed_full), header,
                          lambda r: f"{values[r.name]:g} is out of range; expected 0 to {top[r.name]:.6g}",
                          lambda r: f"{values[r.name]:g} 超出范围;应在 0 至 {top[r.name]:.6g} 之间")
        df[col] = values.where(values <= top, top)
        return bad

    def scores(self, files: list[Path], columns: dict[str, str], value: str, kind: str) -> pd.DataFrame:
        """Monitoring or verification rows; a verification row left blank means 'not verified'."""
        frames = [t for t in (self.table(p, kind, columns) for p in files) if t is not None]
        cols = KEY + [value, "status", "note", "file", "row"]
        if kind == "verification":
            frames = [f[f[value] != ""] for f in frames]
        if not frames:
            return pd.DataFrame(columns=cols).astype({"indicator": "int64", value: "float64", "row": "int64"})
        df = pd.concat(frames, ignore_index=True)
        for c in ("status", "note"):
            df[c] = df[c].fillna("") if c in df else ""
        key_bad = self.names(df, "lead_unit", "牵头考核单位", "lead unit", "牵头考核单位")
        key_bad |= self.names(df, "entity", "考评对象", "entity", "考评对象")
        key_bad |= self.indicator(df)
        bad = key_bad.copy()
        header = next(k for k, v in columns.items() if v == value)
        bad |= self.number(df, value, header, df["indicator"].map(self.points))
        bad |= self._flag(df, (df["status"] != "") & ~df["status"].isin(STATUSES), "完成情况",
                          lambda r: f"unknown status {r['status']!r}; expected one of {'/'.join(STATUSES)}",
                          lambda r: f"未知的完成情况“{r['status']}”;应为 {'/'.join(STATUSES)} 之一")
        assigned = self.fw.assignments().set_index(KEY).index
        unassigned = ~key_bad & ~pd.MultiIndex.from_frame(df[KEY]).isin(assigned)
        bad |= self._flag(df, unassigned, "指标",
                          lambda r: f"indicator {r['indicator']} for {r['entity']!r} is not assigned to {r['lead_unit']!r}; expected only rows listed by framework.assignments()",
                          lambda r: f"指标 {r['indicator']} 对“{r['entity']}”的考核不由“{r['lead_unit']}”负责;请只填报模板中列出的行")
        keyed = df[~key_bad & ~unassigned]
        self.seen.update(keyed[KEY].itertuples(index=False, name=None))
        first = keyed.groupby(KEY)[["file", "row"]].transform("first")
        again = pd.Series(False, index=df.index)
        again[keyed.index] = keyed.groupby(KEY).cumcount() > 0
        bad |= self._flag(df, again, "指标",
                          lambda r: f"duplicate row for ({r['lead_unit']}, {r['entity']}, {r['indicator']}); first given in {first.loc[r.name, 'file']} row {first.loc[r.name, 'row']}",
                          lambda r: f"重复填报({r['lead_unit']}、{r['entity']}、指标 {r['indicator']});已在 {first.loc[r.name, 'file']} 第 {first.loc[r.name, 'row']} 行填报")
        return df.loc[~bad, cols].reset_index(drop=True)

    def methods(self, files: list[Path]) -> pd.DataFrame:
        """Method scores per entity; a bad cell is reported and left empty, the row stays."""
        named = {m.name: m.key for m in self.fw.methods if m.key != "monitoring"}
        frames = []
        for path in files:
            df = self.table(path, "methods", {"考评对象": "entity"}, optional=named)
            if df is None:
                continue
            df = df[~self.names(df, "entity", "考评对象", "entity", "考评对象")]
            for name, key in named.items():
                if key in df:
                    values = pd.to_numeric(df[key], errors="coerce")
                    wrong = self._flag(df, (df[key] != "") & values.isna(), name, lambda r, k=key: f"{r[k]!r} is not a number; expected 0 to 100",
                                       lambda r, k=key: f"“{r[k]}”不是数字;应填写 0 至 100 之间的数字")
                    wrong |= self._flag(df, (values < 0) | (values > 100), name, lambda r, k=key: f"{r[k]} is out of range; expected 0 to 100",
                                        lambda r, k=key: f"{r[k]} 超出范围;应在 0 至 100 之间")
                    self.seen.update((e, key) for e in df.loc[wrong, "entity"])
                    df[key] = values.where(~wrong)
            frames.append(df)
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["entity", "file", "sheet", "row"])
        dup = df.duplicated("entity", keep="first")
        self._flag(df, dup, "考评对象", lambda r: f"{r['entity']!r} is listed twice; expected one row per entity",
                   lambda r: f"“{r['entity']}”重复出现;每个考评对象只应有一行")
        return df[~dup].reset_index(drop=True)

    def targets(self, files: list[Path]) -> pd.DataFrame:
        frames = [t for t in (self.table(p, "targets", TARGETS) for p in files) if t is not None]
        cols = ["entity", "indicator", "actual", "file", "row"]
        if not frames:
            return pd.DataFrame(columns=cols).astype({"indicator": "int64", "actual": "float64"})
        df = pd.concat(frames, ignore_index=True)
        bad = self.names(df, "entity", "考评对象", "entity", "考评对象") | self.indicator(df)
        bad |= self.number(df, "actual", "实际值", None)
        is_target = df["indicator"].map(self.fw.indicators.set_index("id")["target"]).notna()
        bad |= self._flag(df, ~bad & ~is_target, "指标", lambda r: f"indicator {r['indicator']} has no numeric target; expected only target indicators here",
                          lambda r: f"指标 {r['indicator']} 没有量化目标;此表只填报量化目标指标")
        ok = df[~bad]
        self.seen.update(ok[["entity", "indicator"]].itertuples(index=False, name=None))
        bad |= self._flag(df, ~bad & df.duplicated(["entity", "indicator"]), "指标", lambda r: f"duplicate actual value for ({r['entity']}, {r['indicator']})",
                          lambda r: f"重复填报({r['entity']}、指标 {r['indicator']})的实际值")
        return df.loc[~bad, cols].reset_index(drop=True)

    def check_complete(self, monitoring: pd.DataFrame, methods: pd.DataFrame, targets: pd.DataFrame) -> None:
        """Every assignment scored, every target reported, every entity with each method that has data.

        What ``seen`` holds was given, though wrongly, and has been reported already.
        """
        need = self.fw.assignments()
        scored = need[need["input"] == "score"].merge(monitoring[KEY], how="left", on=KEY, indicator=True)
        unseen = ~pd.Series([k in self.seen for k in scored[KEY].itertuples(index=False, name=None)], index=scored.index, dtype=bool)
        for r in scored[(scored["_merge"] == "left_only") & unseen].itertuples():
            self.problems.append(Problem("monitoring/", f"no score from {r.lead_unit} for {r.entity}, indicator {r.indicator}; expected a row in that lead unit's table",
                                         zh=f"{r.lead_unit} 未报送对“{r.entity}”指标 {r.indicator} 的评分"))
        want = need[need["input"] == "target"][["entity", "indicator"]].drop_duplicates()
        got = want.merge(targets[["entity", "indicator"]], how="left", indicator=True)
        for r in got[got["_merge"] == "left_only"].itertuples():
            if (r.entity, r.indicator) not in self.seen:
                self.problems.append(Problem("targets", f"no actual value for {r.entity}, indicator {r.indicator}; expected a row in the targets table",
                                             zh=f"未报送“{r.entity}”指标 {r.indicator} 的实际值"))
        where = methods["file"].iloc[0] if len(methods) else "methods"
        for key in (m.key for m in self.fw.methods if m.key in methods.columns and methods[m.key].notna().any()):
            name = self.fw.method_names[key]
            have = set(methods.loc[methods[key].notna(), "entity"])
            for e in self.fw.entities["entity"]:
                if e not in have and (e, key) not in self.seen:
                    self.problems.append(Problem(where, f"no {name} score for {e}; expected 0 to 100", column=name,
                                                 zh=f"缺少“{e}”的{name}得分;应填写 0 至 100 之间的数字"))
