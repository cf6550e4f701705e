"""Reading the tables of one period folder into checked DataFrames, every problem named by file, sheet,
row and column."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import Problem
from ..core.rounding import display_round
from ..framework.deadlines import STATUSES
from ..framework.model import Framework
from ..framework.periods import Period
from .findings import ROW, cell_problems, meta_problems, sheet_problems, withheld
from .problems import Problems
from .schema import KEY, KINDS, Entry, Kind, Rule
from .sheets import Engine, Table, error_values, read_table
from .values import Message, filled, typed_limit, underflows


class Reader:
    """Reads the tables of one period folder into DataFrames, appending problems as it goes."""

    def __init__(self, framework: Framework, folder: Path, period: Period, engine: Engine):
        self.fw = framework
        self.folder = folder
        self.period = period
        self.engine = engine
        self.problems = Problems()  # the first problems in full, the rest summarised
        self.synthetic = False
        self.aliases = framework.alias_map
        self.ind = framework.indicators.set_index("id")
        self.points = self.ind["points"]
        self.seen: dict[str, set[tuple]] = {k: set() for k in KINDS}  # keys given, valid or not: not reported missing again

    def account(self, entries: list[Entry]) -> dict[str, list[Path]]:
        """The files to read, by kind; a refused file, a second table of one kind and a missing one are problems."""
        for e in entries:
            if e.action == "refused":
                self.problems.append(Problem(e.name, e.reason, zh=e.zh))
        files = {k: [e.path for e in entries if e.kind == k and e.action == "read"] for k in KINDS}
        for key, kind in KINDS.items():
            names = [p.relative_to(self.folder).as_posix() for p in files[key]]
            if not kind.folder and len(names) > 1:
                self.problems.append(Problem(names[1], f"a second {kind.zh} table beside {names[0]}; expected one: keep one file and remove the other",
                                             zh=f"与 {names[0]} 重复，同一期只应有一个{kind.zh}表；请保留一个文件，移除另一个"))
                files[key] = files[key][:1]
        for key in ("monitoring", "methods"):
            if not files[key]:
                kind = KINDS[key]
                where = f"{kind.names[0]}/" if kind.folder else f"{kind.names[0]}.xlsx"
                what = "one .xlsx or .csv per lead unit in monitoring/" if kind.folder else f"{kind.names[0]}.xlsx (or .csv)"
                self.problems.append(Problem(where, f"no {key} tables ({kind.zh}); expected {what}",
                                             zh=f"没有{kind.zh}表；应报送" + ("每个牵头考核单位一个 .xlsx 或 .csv 文件" if kind.folder else f" {kind.names[0]}.xlsx（或 .csv）")))
        return files

    def table(self, path: Path, kind: Kind, columns: dict[str, str], allowed: set[str]) -> pd.DataFrame | None:
        """One table renamed to English, with ``file``, ``sheet``, ``row`` and ``percent`` (the cells shown
        as a percentage, by field); None if unusable. ``columns`` are required, ``allowed`` may appear."""
        name = path.relative_to(self.folder).as_posix()
        t = read_table(path, name, self.problems, self.engine)
        if t is None:
            return None
        if t.meta.get("示例数据") == "是":
            self.synthetic = True
        self.problems.extend(sheet_problems(t))
        wrong = meta_problems(t.meta, name, kind, str(self.period), self.fw.name)
        self.problems.extend(wrong)
        if wrong:
            return None
        raw = t.rows
        found = ", ".join(c for c in raw.columns if c != "row") or "nothing"
        missing = [c for c in columns if c not in raw.columns]
        for c in missing:
            self.problems.append(Problem(name, f"required column missing; the header row has {found}", row=1, column=c, sheet=t.sheet,
                                         zh=f"缺少必填列“{c}”；表头为：{found}"))
        expected = "、".join([*columns, *(c for c in allowed if c not in columns)])
        for c in raw.columns:
            if c != "row" and c not in columns and c not in allowed and (raw[c].map(filled)).any():
                self.problems.append(Problem(name, f"unknown column {c!r} holds data; expected only {expected.replace('、', ', ')}: correct its name or delete it",
                                             row=1, column=c, sheet=t.sheet, zh=f"无法识别的列“{c}”中有数据；应只有 {expected} 这些列，请更正列名或删除该列"))
        if missing:
            return None
        keep = {c: f for c, f in {**columns, **{c: c for c in allowed}}.items() if c in raw.columns}
        found, held = cell_problems(t, set(keep) - set(kind.informational), {c.header for c in kind.keys})
        self.problems.extend(found)
        out = t.text(list(keep)).rename(columns={c: f for c, f in keep.items()})
        out = out.assign(file=name, sheet=t.sheet, owner=self._owner(t, path, kind))
        percent = {f: out["row"].isin([r for r, c in t.percent if c == h]) for h, f in keep.items()}
        return pd.concat([out.assign(**{f"%{f}": m for f, m in percent.items()}), held], axis=1)

    def _owner(self, t: Table, path: Path, kind: Kind) -> str:
        """The lead unit a monitoring workbook belongs to: its template's record, else a unit named in the file name."""
        if not kind.folder:
            return ""
        named = t.meta.get("牵头考核单位") or next((p for p in path.stem.split("_") if p in self.aliases), "")
        return self.aliases.get(named, "")

    def _flag(self, df: pd.DataFrame, mask: pd.Series, column: str, en: Message, zh: Message) -> pd.Series:
        """Record one problem per row in ``mask``: ``en(row)`` / ``zh(row)`` say what was found and expected.

        A value withheld by a finding about its cell (:mod:`evalkit.inputs.findings`) was reported there and
        is not reported again; past the limit of :class:`Problems`, rows are counted, not listed."""
        quiet = df.get(ROW, False) | df.get(withheld(column), False)
        report = df[mask.astype(bool) & ~quiet]
        room = max(self.problems.limit - len(self.problems), 0)
        for _, r in report.head(room).iterrows():
            self.problems.append(Problem(r["file"], en(r), row=int(r["row"]), column=column, sheet=r["sheet"], zh=zh(r)))
        if len(report) > room:
            self.problems.count_rows(report.iloc[room:], column, lambda r: Problem(r["file"], en(r), row=int(r["row"]), column=column,
                                                                                   sheet=r["sheet"], zh=zh(r)))
        return mask

    def names(self, df: pd.DataFrame, col: str, header: str, what: str, what_zh: str) -> pd.Series:
        canon = df[col].map(self.aliases)
        bad = self._flag(df, canon.isna(), header, lambda r: f"unknown {what} {r[col]!r}; expected a name or alias from entities.csv",
                         lambda r: f"未知的{what_zh}“{r[col]}”；应为考评对象名单中的名称或别名")
        df[col] = canon
        return bad

    def indicator(self, df: pd.DataFrame) -> pd.Series:
        ids = pd.to_numeric(df["indicator"], errors="coerce")
        ok = ids.notna() & (ids == ids.round()) & ids.isin(self.points.index)
        first, last = self.points.index.min(), self.points.index.max()
        bad = self._flag(df, ~ok, "指标", lambda r: f"unknown indicator {r['indicator']!r}; expected an indicator id of the framework ({first}-{last})",
                         lambda r: f"未知的指标“{r['indicator']}”；应为指标体系中的指标编号（{first}—{last}）")
        df["indicator"] = ids.where(ok, -1).astype("int64")
        return bad

    def number(self, df: pd.DataFrame, col: str, header: str, rule: Rule, high: pd.Series | None = None,
               rate: pd.Series | None = None) -> pd.Series:
        """Parse ``col`` by ``rule`` (:data:`evalkit.inputs.schema.Rule`); return the rows refused, one problem each.

        ``high``: the points of each row (``points``); ``rate``: whether each row's target is a rate in %
        (``actual``). A percent-formatted cell, or text such as ``95.6%``, holds the percentage shown.
        A ``points`` value above ``high`` but not above ``high`` rounded half up to 2 decimals is the way
        a person types full marks (0.67 for 2/3) and is read as exactly ``high``.
        """
        text = df[col].astype(str)
        shown_pct = text.str.strip().str.endswith(("%", "％"))
        percent = df.get(f"%{col}", pd.Series(False, index=df.index)) | shown_pct
        values = pd.to_numeric(text.str.strip().str.rstrip("%％").str.strip(), errors="coerce")
        values = values.where(~df.get(f"%{col}", pd.Series(False, index=df.index)), (values * 100).round(10))
        bad = pd.Series(False, index=df.index)

        def check(mask: pd.Series, en: Message, zh: Message) -> None:
            nonlocal bad
            bad |= self._flag(df, mask.astype(bool) & ~bad, header, en, zh)

        check(error_values(text), lambda r: f"the cell shows the error {r[col]}; expected a number: correct the formula or type the value",
              lambda r: f"单元格显示错误值 {r[col]}；应为数字，请更正公式或直接填写数值")
        check(text == "", lambda r: "empty; expected a number", lambda r: "未填写；应填写数字")
        check(text.map(underflows), lambda r: f"{r[col]!r} is too small to be a real value; expected an ordinary decimal number",
              lambda r: f"“{r[col]}”过小，不是有效数值；应填写普通的小数")
        check(values.isna() | ~np.isfinite(values), lambda r: f"{r[col]!r} is not a number; expected a decimal number",
              lambda r: f"“{r[col]}”不是数字；应填写数字")
        scale = pd.Series(rule == "score100", index=df.index) | (rate if rate is not None else False)
        check(percent & ~scale, lambda r: f"{r[col]} is shown as a percentage; expected {'points' if rule == 'points' else 'a plain number'}: format the cell as a number",
              lambda r: f"{r[col]} 以百分比形式填写；此处应填写{'分值' if rule == 'points' else '数值'}，请将单元格设为数字格式")
        if rule == "points":
            top = high.astype("float64")
            typed_full = np.maximum(top, display_round(top)) + 1e-9
            check((values < 0) | (values > typed_full), lambda r: f"{values[r.name]:g} is out of range; expected {typed_limit(top[r.name])[0]}",
                  lambda r: f"{values[r.name]:g} 超出范围；应在 {typed_limit(top[r.name])[1]} 之间")
            values = values.where(values <= top, top)
        else:
            top = pd.Series(np.where(scale, 100.0, np.inf), index=df.index)
            check(values < 0, lambda r: f"{values[r.name]:g} is negative; expected {'0 to 100' if scale[r.name] else 'a number of 0 or more'}",
                  lambda r: f"{values[r.name]:g} 为负数；应" + ("在 0 至 100 之间" if scale[r.name] else "为不小于 0 的数字"))
            check(values > top, lambda r: f"{values[r.name]:g} is out of range; expected 0 to 100" + (" (a rate cannot pass 100 %)" if rule == "actual" else ""),
                  lambda r: f"{values[r.name]:g} 超出范围；应在 0 至 100 之间" + ("（比率不能超过 100%）" if rule == "actual" else ""))
            check(scale & ~percent & (values > 0) & (values < 1), lambda r: f"{values[r.name]:g} looks like a share ({values[r.name]:.1%}); expected 0 to 100: type {100 * values[r.name]:g}, or format the cell as a percentage",
                  lambda r: f"{values[r.name]:g} 像是比例（{values[r.name]:.1%}）；应填写 0 至 100 之间的数字：请填写 {100 * values[r.name]:g}，或将单元格设为百分比格式")
        check((values != 0) & (values.abs() < 1e-6), lambda r: f"{r[col]!r} is implausibly small; expected 0 or an ordinary decimal number",
              lambda r: f"“{r[col]}”过小，不合常理；应为 0 或普通的小数")
        df[col] = values.where(~bad)
        return bad

    def scores(self, files: list[Path], kind: Kind) -> pd.DataFrame:
        """Monitoring or verification rows; a verification row left blank means 'not verified'."""
        columns = {c.header: c.field for c in kind.keys + (kind.value,)}
        allowed = {c.header for c in kind.optional} | set(kind.informational)
        frames = [t for t in (self.table(p, kind, columns, allowed) for p in files) if t is not None]
        value = kind.value.field
        cols = KEY + [value, "status", "note", "file", "row"]
        if not kind.blank_is_missing:
            frames = [f[f[value] != ""] for f in frames]
        if not frames:
            return pd.DataFrame(columns=cols).astype({"indicator": "int64", value: "float64", "row": "int64"})
        df = pd.concat(frames, ignore_index=True).rename(columns={"完成情况": "status", "备注": "note"})
        for c, header in (("status", "完成情况"), ("note", "备注")):
            df[c] = df[c].fillna("").where(~df[withheld(header)].fillna(False).astype(bool), "") if withheld(header) in df else ""
        held = self._held(df, kind.value.header)
        key_bad = self.names(df, "lead_unit", "牵头考核单位", "lead unit", "牵头考核单位")
        key_bad |= self.names(df, "entity", "考评对象", "entity", "考评对象")
        key_bad |= self.indicator(df)
        key_bad |= self._flag(df, ~key_bad & (df["owner"] != "") & (df["lead_unit"] != df["owner"]), "牵头考核单位",
                              lambda r: f"a row of {r['lead_unit']} in the workbook of {r['owner']}; expected only {r['owner']}'s rows: move it to {r['lead_unit']}'s workbook",
                              lambda r: f"“{r['owner']}”的评分表中出现了“{r['lead_unit']}”的评分行；应只填报本单位的行，请移至“{r['lead_unit']}”的评分表")
        bad = key_bad.copy()
        bad |= self.number(df, value, kind.value.header, kind.rule, high=df["indicator"].map(self.points))
        bad |= self._flag(df, (df["status"] != "") & ~df["status"].isin(STATUSES), "完成情况",
                          lambda r: f"unknown status {r['status']!r}; expected one of {'/'.join(STATUSES)}",
                          lambda r: f"未知的完成情况“{r['status']}”；应为 {'/'.join(STATUSES)} 之一")
        assigned = self.fw.assignments().set_index(KEY).index
        unassigned = ~key_bad & ~pd.MultiIndex.from_frame(df[KEY]).isin(assigned)
        bad |= self._flag(df, unassigned, "指标",
                          lambda r: f"indicator {r['indicator']} for {r['entity']!r} is not assigned to {r['lead_unit']!r}; expected only rows listed by framework.assignments()",
                          lambda r: f"指标 {r['indicator']} 对“{r['entity']}”的考核不由“{r['lead_unit']}”负责；请只填报模板中列出的行")
        self.seen[kind.key].update(df.loc[~key_bad & ~unassigned, KEY].itertuples(index=False, name=None))
        bad |= held
        keyed = df[~key_bad & ~unassigned & ~held]
        first = keyed.groupby(KEY)[["file", "row"]].transform("first")
        again = pd.Series(False, index=df.index)
        again[keyed.index] = keyed.groupby(KEY).cumcount() > 0
        bad |= self._flag(df, again, "指标",
                          lambda r: f"duplicate row for ({r['lead_unit']}, {r['entity']}, {r['indicator']}); first given in {first.loc[r.name, 'file']} row {first.loc[r.name, 'row']}",
                          lambda r: f"重复填报（{r['lead_unit']}、{r['entity']}、指标 {r['indicator']}）；已在 {first.loc[r.name, 'file']} 第 {first.loc[r.name, 'row']} 行填报")
        return df.loc[~bad, cols].reset_index(drop=True)

    @staticmethod
    def _held(df: pd.DataFrame, header: str) -> pd.Series:
        """Rows whose value under ``header`` (or whose whole row) a finding about the cells withholds."""
        return (df.get(ROW, pd.Series(False, index=df.index)).fillna(False) | df.get(withheld(header), pd.Series(False, index=df.index)).fillna(False)).astype(bool)

    def methods(self, files: list[Path]) -> pd.DataFrame:
        """Method scores per entity; a bad cell is reported and left empty, the row stays.

        Every method of the framework must have its column (a typo in a header is never a method
        without data); a column left entirely blank is a method without data for the period.
        """
        kind = KINDS["methods"]
        named = {m.name: m.key for m in self.fw.methods if m.key != "monitoring"}
        frames = []
        for path in files:
            columns = {c.header: c.field for c in kind.keys} | named
            df = self.table(path, kind, columns, {c.header for c in kind.optional} | set(kind.informational))
            if df is None:
                continue
            df = df[~self.names(df, "entity", "考评对象", "entity", "考评对象")].copy()
            for name, key in named.items():
                held = self._held(df, name)
                part = df[(df[key] != "") | held].copy()  # a blank cell: no score given
                wrong = self.number(part, key, name, kind.rule) | held[part.index]
                self.seen["methods"].update((e, key) for e in part.loc[wrong, "entity"])
                df[key] = part[key].where(~wrong).reindex(df.index).astype("float64")
            frames.append(df)
        cols = ["entity", *named.values(), "file", "sheet", "row"]
        df = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=["entity", "file", "sheet", "row"])
        dup = df.duplicated("entity", keep="first")
        self._flag(df, dup, "考评对象", lambda r: f"{r['entity']!r} is listed twice; expected one row per entity",
                   lambda r: f"“{r['entity']}”重复出现；每个考评对象只应有一行")
        return df[~dup].reset_index(drop=True)

    def targets(self, files: list[Path]) -> pd.DataFrame:
        kind = KINDS["targets"]
        columns = {c.header: c.field for c in kind.keys + (kind.value,)}
        allowed = {c.header for c in kind.optional} | set(kind.informational)
        frames = [t for t in (self.table(p, kind, columns, allowed) for p in files) if t is not None]
        cols = ["entity", "indicator", "actual", "file", "row"]
        if not frames:
            return pd.DataFrame(columns=cols).astype({"indicator": "int64", "actual": "float64"})
        df = pd.concat(frames, ignore_index=True)
        key_bad = self.names(df, "entity", "考评对象", "entity", "考评对象") | self.indicator(df)
        key_bad |= self._flag(df, ~key_bad & df["indicator"].map(self.ind["target"]).isna(), "指标",
                              lambda r: f"indicator {r['indicator']} has no numeric target; expected only target indicators here",
                              lambda r: f"指标 {r['indicator']} 没有量化目标；此表只填报量化目标指标")
        self.seen["targets"].update(df.loc[~key_bad, ["entity", "indicator"]].itertuples(index=False, name=None))
        bad = key_bad | self.number(df, "actual", "实际值", kind.rule, rate=df["indicator"].map(self.ind["target_unit"]).eq("%"))
        bad |= self._held(df, "实际值")
        bad |= self._flag(df, ~bad & df.duplicated(["entity", "indicator"]), "指标", lambda r: f"duplicate actual value for ({r['entity']}, {r['indicator']})",
                          lambda r: f"重复填报（{r['entity']}、指标 {r['indicator']}）的实际值")
        return df.loc[~bad, cols].reset_index(drop=True)

    def check_complete(self, monitoring: pd.DataFrame, methods: pd.DataFrame, targets: pd.DataFrame, given: dict[str, bool]) -> None:
        """Every assignment scored, every target reported, every entity with each method that has data.

        What ``seen`` holds was given, though wrongly, and has been reported already; a table not
        given at all is one problem (reported by :meth:`account`, or here for targets), not one per row.
        A verification row never stands in for a missing monitoring row.
        """
        need = self.fw.assignments()
        if given["monitoring"]:
            scored = need[need["input"] == "score"].merge(monitoring[KEY], how="left", on=KEY, indicator=True)
            unseen = ~pd.Series([k in self.seen["monitoring"] for k in scored[KEY].itertuples(index=False, name=None)], index=scored.index, dtype=bool)
            for r in scored[(scored["_merge"] == "left_only") & unseen].itertuples():
                self.problems.append(Problem("monitoring/", f"no score from {r.lead_unit} for {r.entity}, indicator {r.indicator}; expected a row in that lead unit's table",
                                             zh=f"{r.lead_unit} 未报送对“{r.entity}”指标 {r.indicator} 的评分"))
        want = need[need["input"] == "target"][["entity", "indicator"]].drop_duplicates()
        if len(want) and not given["targets"]:
            self.problems.append(Problem("targets.xlsx", f"no targets table ({KINDS['targets'].zh}); expected targets.xlsx (or .csv) with the actual value of {len(want)} target(s)",
                                         zh=f"没有{KINDS['targets'].zh}表；应报送 targets.xlsx（或 .csv），填写 {len(want)} 项量化目标的实际值"))
        elif len(want):
            got = want.merge(targets[["entity", "indicator"]], how="left", indicator=True)
            for r in got[got["_merge"] == "left_only"].itertuples():
                if (r.entity, r.indicator) not in self.seen["targets"]:
                    self.problems.append(Problem(targets["file"].iloc[0] if len(targets) else "targets", f"no actual value for {r.entity}, indicator {r.indicator}; expected a row in the targets table",
                                                 zh=f"未报送“{r.entity}”指标 {r.indicator} 的实际值"))
        where = methods["file"].iloc[0] if len(methods) else "methods"
        for key in (m.key for m in self.fw.methods if m.key in methods.columns and methods[m.key].notna().any()):
            name = self.fw.method_names[key]
            have = set(methods.loc[methods[key].notna(), "entity"])
            for e in self.fw.entities["entity"]:
                if e not in have and (e, key) not in self.seen["methods"]:
                    self.problems.append(Problem(where, f"no {name} score for {e}; expected 0 to 100", column=name,
                                                 zh=f"缺少“{e}”的{name}得分；应填写 0 至 100 之间的数字"))
