"""The input tables of a period (DESIGN.md §4), declared once: file names, columns, value rules.

The reader (:mod:`evalkit.inputs.period`), the templates, the demo generator and the README's table of
inputs all read these declarations, so a new column or kind is one change here.

>>> KINDS["verification"].matches("专班核实.xlsx"), KINDS["verification"].matches("Verification.CSV")
(True, True)
>>> [k.key for k in KINDS.values() if k.matches("methods.xlsx")]
['methods']
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from ..core.paths import file_name
from .package import macros_in

Rule = Literal["points", "score100", "actual"]
"""How a value column is checked (:mod:`evalkit.inputs.period`):

- ``points``: 0 to the indicator's points (the points rounded half up to 2 decimals count as full
  marks); a percent-formatted cell is refused, points are not a percentage;
- ``score100``: a method score from 0 to 100; a percent-formatted cell (95.6 % stored as 0.956) is read
  as the percentage shown; a fraction below 1 that is not formatted so is refused as implausible;
- ``actual``: a target's actual value, 0 or more; for a rate (unit ``%``) as ``score100`` and at most
  100; for other units a percent-formatted cell is refused.
"""
SUFFIXES = (".xlsx", ".csv")
"""The formats read: an Excel workbook (first sheet) or a UTF-8 CSV."""
OLD_FORMATS = (".xls", ".xlsm", ".xlsb", ".et", ".ods", ".numbers", ".wps", ".txt", ".tsv")
"""Spreadsheet formats a person may save by mistake: refused with the advice to save as .xlsx."""
SYSTEM_FILES = ("Thumbs.db", "desktop.ini", "ehthumbs.db")
"""Files an operating system leaves in folders (and any name starting with a dot): ignored, listed."""
INSTRUCTION_SHEETS = ("填报说明",)
"""Sheets of evalkit's templates that hold text for people, not data."""


@dataclass(frozen=True)
class Column:
    """One column of an input table: its header in row 1 and its field in the DataFrames."""

    header: str
    field: str


@dataclass(frozen=True)
class Kind:
    """One kind of input table: where it lives, its columns and the rule for its values.

    ``value`` is None for ``methods``, whose value columns are the framework's methods other than
    monitoring (one column each, named as the framework names them).
    """

    key: str
    zh: str
    names: tuple[str, ...]  # accepted file stems, compared case-insensitively (a folder for monitoring)
    keys: tuple[Column, ...]
    value: Column | None
    rule: Rule
    optional: tuple[Column, ...] = ()
    informational: tuple[str, ...] = ()  # columns templates add for the reader; read, never used
    folder: bool = False  # one table per lead unit, in a folder named ``names[0]``
    required: Literal["always", "never", "targets"] = "always"
    blank_is_missing: bool = True  # False: a blank value means "not given" (a verification not made)

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.keys + ((self.value,) if self.value else ()) + self.optional

    def headers(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df``'s declared columns (English fields) under their headers, in the declared order.

        >>> KINDS["targets"].headers(pd.DataFrame({"entity": ["甲"], "indicator": [13], "actual": [92.7]})).columns.tolist()
        ['考评对象', '指标', '实际值']
        """
        cols = [c for c in self.columns if c.field in df]
        return df[[c.field for c in cols]].rename(columns={c.field: c.header for c in cols})

    def matches(self, filename: str) -> bool:
        """Whether a top-level file of a period folder holds this kind (name and format)."""
        path = Path(filename)
        return not self.folder and path.suffix.lower() in SUFFIXES and path.stem.strip().casefold() in {
            n.casefold() for n in self.names}

    def filename(self, period: str, unit: str | None = None) -> str:
        """Where a template of this kind goes in a period folder."""
        if self.folder:
            return f"{self.names[0]}/{period}_{file_name(str(unit))}_{self.zh}评分表.xlsx"
        return f"{self.names[0]}.xlsx"


LEAD_UNIT, ENTITY, INDICATOR = Column("牵头考核单位", "lead_unit"), Column("考评对象", "entity"), Column("指标", "indicator")
STATUS, NOTE = Column("完成情况", "status"), Column("备注", "note")
TEMPLATE_COLUMNS = ("组别", "所属方面", "指标内容", "分值", "完成时限")

KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("monitoring", "日常监测", ("monitoring", "日常监测"), (LEAD_UNIT, ENTITY, INDICATOR), Column("得分", "score"), "points",
         optional=(STATUS, NOTE), informational=TEMPLATE_COLUMNS, folder=True),
    Kind("verification", "专班核实", ("verification", "专班核实", "专班核实表"), (LEAD_UNIT, ENTITY, INDICATOR),
         Column("核实得分", "verified"), "points", optional=(NOTE,), informational=TEMPLATE_COLUMNS, required="never",
         blank_is_missing=False),
    Kind("methods", "考评方式", ("methods", "考评方式", "考评方式得分"), (ENTITY,), None, "score100", optional=(NOTE,),
         informational=("组别",)),
    Kind("targets", "指标实际值", ("targets", "指标实际值", "实际值"), (ENTITY, INDICATOR), Column("实际值", "actual"), "actual",
         optional=(NOTE,), informational=("组别", "指标内容", "目标值"), required="targets"),
)}
"""Every input kind, in the order a period is read."""
KEY = [c.field for c in KINDS["monitoring"].keys]
"""The key of a score: lead unit, entity, indicator."""
APPLICABILITY_NAMES = ("applicability", "适用范围")
"""An applicability table may lie in a period folder; it is read only when a run names it."""

Action = Literal["read", "ignored", "refused"]


@dataclass(frozen=True)
class Entry:
    """What became of one file or folder found in a period folder, and why."""

    path: Path
    name: str  # relative to the period folder, as messages show it
    kind: str | None
    action: Action
    reason: str = ""
    zh: str = ""


def inventory(folder: Path) -> list[Entry]:
    """Every file and folder in a period folder, each to be read, ignored or refused, with the reason.

    Nothing is skipped without an entry: lock files and system files are ignored (and listed), a
    symlink that leads out of the folder, a workbook that holds macros, an old format, an unrecognised
    name or a folder where a table is expected are refused (and so never read, hashed or archived).
    """
    folder = Path(folder)
    root = folder.resolve()
    entries: list[Entry] = []

    def classify(path: Path, monitoring: bool) -> None:
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                entries.append(Entry(path, name, None, "refused", "a link to a file outside the period folder; copy the file in instead",
                                     "指向本期文件夹之外的链接；请把文件本身复制进来"))
                return
        if path.name.startswith(("~$", ".~lock.")):
            entries.append(Entry(path, name, None, "ignored", "lock file of a workbook open in an office program; close the program before the run",
                                 "办公软件打开工作簿时留下的锁定文件；运行前请关闭该软件"))
        elif path.name.startswith(".") or path.name in SYSTEM_FILES:
            entries.append(Entry(path, name, None, "ignored", "system file", "系统文件"))
        elif path.is_dir():
            if not monitoring and path.name.casefold() in {n.casefold() for n in KINDS["monitoring"].names}:
                for child in sorted(path.iterdir()):
                    classify(child, True)
            else:
                where = "monitoring/" if monitoring else "the period folder"
                entries.append(Entry(path, name, None, "refused", f"a folder inside {where}; expected the tables directly in it",
                                     "此处不应有子文件夹；请把表格直接放在" + ("日常监测（monitoring）文件夹中" if monitoring else "本期文件夹中")))
        elif path.suffix.lower() == ".xlsx" and path.is_file() and (code := macros_in(path)):
            parts = ", ".join(code)
            entries.append(Entry(path, name, None, "refused",
                                 f"the workbook holds macros ({parts}), which an .xlsx must not: save it as an Excel workbook (.xlsx) without macros (File > Save As > Excel Workbook) and submit that",
                                 f"工作簿中含有宏（{parts}），.xlsx 文件不应含有宏；请另存为不含宏的“Excel 工作簿（*.xlsx）”（文件 > 另存为）后重新报送"))
        elif path.suffix.lower() in OLD_FORMATS:
            entries.append(Entry(path, name, None, "refused", f"{path.suffix} is not read; save it from Excel or WPS as .xlsx (or CSV UTF-8)",
                                 f"不读取 {path.suffix} 格式；请用 Excel 或 WPS 另存为 .xlsx（或 CSV UTF-8）格式"))
        elif monitoring:
            if path.suffix.lower() in SUFFIXES:
                entries.append(Entry(path, name, "monitoring", "read"))
            else:
                entries.append(Entry(path, name, None, "refused", "not a table; expected .xlsx or .csv files only in monitoring/",
                                     "不是表格文件；日常监测文件夹中只应有 .xlsx 或 .csv 文件"))
        elif Path(path.name).stem.strip().casefold() in {n.casefold() for n in APPLICABILITY_NAMES} and path.suffix.lower() in SUFFIXES:
            entries.append(Entry(path, name, None, "ignored", "an applicability table: read only when a run names it (--applicability)",
                                 "考评对象适用范围表：仅在运行时指定（--applicability）才读取"))
        else:
            kind = next((k.key for k in KINDS.values() if k.matches(path.name)), None)
            if kind:
                entries.append(Entry(path, name, kind, "read"))
            else:
                names = "、".join(f"{k.names[0]}.xlsx" for k in KINDS.values() if not k.folder)
                entries.append(Entry(path, name, None, "refused",
                                     f"unrecognised file; expected monitoring/ and {names.replace('、', ', ')} (or .csv): rename it or move it out of the folder",
                                     f"无法识别的文件；本期文件夹中应为 monitoring/ 及 {names}（或 .csv）：请改名或移出该文件夹"))

    for path in sorted(folder.iterdir()):
        classify(path, False)
    return entries


RULES = {"points": "0 to the indicator's points (full marks may be typed to 2 decimals); not a percentage",
         "score100": "0 to 100; a cell formatted as a percentage is read as the percentage shown",
         "actual": "0 or more; for a rate (%) at most 100, a percent-formatted cell read as shown"}


def describe() -> str:
    """The input tables as the README documents them (a test keeps the README equal to this).

    >>> describe().splitlines()[0]
    '| file in the period folder | kind | required columns | optional | values |'
    """
    rows = ["| file in the period folder | kind | required columns | optional | values |", "|---|---|---|---|---|"]
    for k in KINDS.values():
        where = f"`{k.names[0]}/*.xlsx` or `*.csv`, one per lead unit" if k.folder else \
            " or ".join(f"`{n}.xlsx`" for n in k.names) + " (or `.csv`)"
        needed = {"always": "", "never": ", optional", "targets": ", when the framework has numeric targets"}[k.required]
        keys = ", ".join(c.header for c in k.keys) + (f", {k.value.header}" if k.value else ", one column per method other than 日常监测, named as the framework names it")
        rows.append(f"| {where} | {k.zh}{needed} | {keys} | {', '.join(c.header for c in k.optional)} | {RULES[k.rule]} |")
    return "\n".join(rows)
