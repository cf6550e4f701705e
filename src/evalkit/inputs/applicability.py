"""The 考评对象适用范围 workbook: the framework's applicability sent to the lead units for confirmation.

One sheet, one row per indicator (its text, lead units, evalkit's rule, the reason and the review
decision) and one column per entity holding 适用 or 不适用 from a dropdown; the task force sends it out,
the lead units change cells where they disagree, and the returned workbook read back by
:func:`read_applicability_workbook` (or ``--applicability FILE.xlsx``) replaces the framework's
applicability. It follows the templates' conventions: tinted unlocked input cells with validation,
the rest protected, a hidden ``_evalkit`` sheet recording city and kind.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..core.errors import InputError, OutputExistsError, Problem
from ..core.files import save_workbook
from ..framework.applicability import applicability_table
from ..framework.model import Framework
from .findings import cell_problems, sheet_problems
from .sheets import META_SHEET, read_table
from .workbook import HEADER_FILL, INPUT_FILL

KIND = "考评对象适用范围"
SHEET = "适用范围"
YES, NO = "适用", "不适用"
FIXED = {"指标": 5, "所属方面": 9, "指标内容": 30, "牵头考核单位": 10, "适用范围": 12, "理由": 22, "复核意见": 22}
"""The fixed columns and their widths, narrow enough that the sheet prints legibly one page wide (A4 landscape)."""
REMARK = "牵头单位意见"
ENTITY_WIDTH, REMARK_WIDTH = 4.6, 14
BODY = Font(size=9)


def write_applicability_workbook(framework: Framework, path: str | Path) -> Path:
    """Write the workbook to ``path`` (never over an existing file; written whole or not at all)."""
    path = Path(path)
    if path.exists():
        raise OutputExistsError(f"{path} exists; it may hold the lead units' answers: choose another file name")
    table = applicability_table(framework)
    names = dict(zip(framework.aspects["id"], framework.aspects["name"]))
    aspect = framework.indicators["aspect"].map(lambda a: f"{a}、{names[a]}")
    entities = list(framework.entities["entity"])
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    header = list(FIXED) + entities + [REMARK]
    ws.append(header)
    for k, row in table.iterrows():
        ws.append([int(row["指标"]), aspect.iloc[k], row["指标内容"], row["牵头考核单位"], row["适用范围"], row["理由"], row["复核意见"]]
                  + [YES if row[e] == YES else NO for e in entities] + [None])
    last = len(table) + 1
    for i, h in enumerate(header, start=1):
        cell = ws.cell(1, i)
        cell.font, cell.fill = Font(bold=True, size=9), HEADER_FILL
        entity = h not in FIXED and h != REMARK  # entity names run down the column (竖排), keeping it narrow
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True, textRotation=255 if entity else 0)
        ws.column_dimensions[get_column_letter(i)].width = FIXED.get(h, REMARK_WIDTH if h == REMARK else ENTITY_WIDTH)
    first_input, last_input = len(FIXED) + 1, len(header)
    for r in range(2, last + 1):
        for i in range(1, len(FIXED) + 1):
            ws.cell(r, i).alignment = Alignment(vertical="top", wrap_text=i > 1)
            ws.cell(r, i).font = BODY
        ws.row_dimensions[r].height = row_height([ws.cell(r, i).value for i in range(1, len(FIXED) + 1)], list(FIXED.values()))
        for i in range(first_input, last_input + 1):
            ws.cell(r, i).alignment = Alignment(horizontal="center", vertical="top", wrap_text=i == last_input)
            ws.cell(r, i).font = BODY
            ws.cell(r, i).protection = Protection(locked=False)
            ws.cell(r, i).fill = INPUT_FILL
    if last >= 2:
        dv = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=False, showErrorMessage=True,
                            errorTitle="适用情况有误", error=f"请从下拉列表中选择“{YES}”或“{NO}”",
                            showInputMessage=True, promptTitle="是否适用", prompt=f"该考评对象是否按本指标考评：{YES}或{NO}")
        ws.add_data_validation(dv)
        dv.add(f"{get_column_letter(first_input)}2:{get_column_letter(last_input - 1)}{last}")
    ws.row_dimensions[1].height = 13 * max(4, *(len(e) for e in entities)) + 8  # the longest name, one character a line
    ws.freeze_panes = ws.cell(2, first_input)
    print_setup(ws, f"{framework.title} {KIND}")
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last}"
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = ws.protection.autoFilter = ws.protection.sort = False
    _instructions(wb.create_sheet("填报说明"), framework, len(table), len(entities))
    meta = wb.create_sheet(META_SHEET)
    for k, v in {"城市": framework.name, "类型": KIND, "指标数": len(table), "考评对象数": len(entities), "生成工具": "evalkit"}.items():
        meta.append([k, v])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.properties.title = f"{framework.title} {KIND}"
    wb.properties.creator = "evalkit"
    save_workbook(wb, path)
    return path


def row_height(values: list, widths: list[float], line: float = 11.5) -> float:
    """The height (points) a row of wrapped 9-point text needs: a Chinese character takes about 1.7 width units."""
    lines = [sum(1.7 if ord(ch) > 0x2E7F else 0.9 for ch in str(v or "")) / (w - 0.5) for v, w in zip(values, widths)]
    return line * max(1, *(int(n) + 1 for n in lines)) + 2


def print_setup(ws, title: str) -> None:
    """Print on A4 landscape, all columns on one page width, the header row repeated on every page, page numbers below."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.8, 0.7
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _instructions(ws, fw: Framework, n_indicators: int, n_entities: int) -> None:
    lines = [f"{fw.title} {KIND}表 填报说明", "",
             f"本表列出全部 {n_indicators} 项指标对 {n_entities} 个考评对象的适用情况：“{YES}”表示该考评对象按该指标考评，"
             f"由该指标的牵头考核单位评分；“{NO}”表示不考评。",
             "“适用范围”“理由”“复核意见”是数字政府专班对指标条文的解读，供核对。",
             f"如有不同意见，请在黄色单元格中从下拉列表改选“{YES}”或“{NO}”，并在“{REMARK}”列写明理由。",
             "请勿修改灰色列、表头和工作表结构；不要插入或删除行、列，也不要清空单元格。",
             "确认后保存为 .xlsx 格式，报送市政府办公室数字政府专班；专班确认后，本表取代指标体系中的适用范围。"]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 110


def read_applicability_workbook(framework: Framework, path: str | Path) -> pd.DataFrame:
    """The ``entity, indicator`` pairs marked 适用 in a returned workbook; every problem (wrong city or kind,
    an unknown entity column, a missing, repeated or unknown indicator, a cell that is neither 适用 nor
    不适用) is collected and raised at once as an :class:`~evalkit.InputError`."""
    path = Path(path)
    name = str(path)
    problems: list[Problem] = []
    if not path.is_file():
        raise InputError([Problem(name, "no such file; expected the applicability workbook written by `evalkit applicability`",
                                  zh="文件不存在；应为 evalkit applicability 生成的考评对象适用范围表")])
    table = read_table(path, name, problems)
    if table is None:
        raise InputError(problems)
    problems += sheet_problems(table) + cell_problems(table, set(table.columns), set())[0]  # hidden, merged, refused formulas
    meta = table.meta
    if meta.get("类型") != KIND:
        problems.append(Problem(name, f"workbook is a {meta.get('类型') or 'workbook without evalkit metadata'}; expected a {KIND} workbook",
                                sheet=META_SHEET, zh=f"该工作簿不是{KIND}表"))
    elif meta.get("城市") != framework.name:
        problems.append(Problem(name, f"workbook is for {meta.get('城市')}; expected {framework.name}", sheet=META_SHEET,
                                zh=f"该工作簿属于{meta.get('城市')}，应为{framework.name}"))
    rows = table.rows
    columns = [c for c in rows.columns if c not in (*FIXED, REMARK, "row")]
    aliases = framework.alias_map
    known = set(framework.entities["entity"])
    entity_of = {}
    for c in columns:
        canonical = aliases.get(c)
        if canonical not in known:
            problems.append(Problem(name, f"column {c!r} is not an entity of {framework.name}; expected entity names as written by evalkit",
                                    sheet=table.sheet, column=c, zh=f"列名“{c}”不是考评对象"))
        else:
            entity_of[c] = canonical
    missing = known - set(entity_of.values())
    if missing:
        problems.append(Problem(name, f"no column for {'、'.join(sorted(missing))}; expected one column per entity",
                                sheet=table.sheet, zh=f"缺少考评对象列：{'、'.join(sorted(missing))}"))
    if "指标" not in rows.columns:
        problems.append(Problem(name, "no column 指标; expected the indicator ids in column A", sheet=table.sheet, zh="缺少“指标”列"))
        raise InputError(problems)
    text = table.text(["指标", *entity_of])
    ids = pd.to_numeric(text["指标"], errors="coerce")
    valid = set(framework.indicators["id"])
    seen: dict[int, int] = {}
    chosen = []
    for k, r in text.iterrows():
        i = ids.loc[k]
        if pd.isna(i) or int(i) not in valid:
            problems.append(Problem(name, f"indicator {r['指标']!r} is not an indicator of the framework", row=int(r["row"]), column="指标",
                                    sheet=table.sheet, zh=f"指标“{r['指标']}”不存在"))
            continue
        i = int(i)
        if i in seen:
            problems.append(Problem(name, f"indicator {i} is given twice (first in row {seen[i]})", row=int(r["row"]), column="指标",
                                    sheet=table.sheet, zh=f"指标 {i} 重复（首次出现在第 {seen[i]} 行）"))
            continue
        seen[i] = int(r["row"])
        for c, e in entity_of.items():
            v = r[c]
            if v == YES:
                chosen.append((e, i))
            elif v != NO:
                problems.append(Problem(name, f"{v!r} is neither {YES} nor {NO}", row=int(r["row"]), column=c, sheet=table.sheet,
                                        zh=f"“{v}”应为“{YES}”或“{NO}”"))
    absent = sorted(valid - set(seen))
    if absent:
        problems.append(Problem(name, f"indicator(s) {', '.join(map(str, absent))} missing; expected one row per indicator",
                                sheet=table.sheet, zh=f"缺少指标 {'、'.join(map(str, absent))} 的行"))
    if problems:
        raise InputError(problems)
    return pd.DataFrame(chosen, columns=["entity", "indicator"]).astype({"indicator": "int64"})


def load_applicability(framework: Framework, path: str | Path) -> pd.DataFrame:
    """Read ``entity, indicator`` pairs for :func:`with_applicability`: the task force's workbook
    (``.xlsx``, written by ``evalkit applicability``) or a CSV of ``考评对象, 指标`` pairs (names or aliases)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from .applicability import read_applicability_workbook

        return read_applicability_workbook(framework, path)
    name = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, f"cannot be read ({exc}); expected a CSV with columns 考评对象, 指标, or the applicability workbook (.xlsx)",
                                  zh="无法读取；应为含“考评对象”“指标”两列的 CSV 文件，或考评对象适用范围表（.xlsx）")]) from None
    absent = [c for c in ("考评对象", "指标") if c not in raw.columns]
    if absent:
        raise InputError([Problem(name, f"required column missing; the header row has {', '.join(raw.columns)}", row=1, column=c,
                                  zh=f"缺少“{c}”列") for c in absent])
    if raw.empty:
        raise InputError([Problem(name, "no rows; expected one row per assessed 考评对象, 指标 pair", row=2, zh="没有任何考评对象与指标的行")])
    entity = raw["考评对象"].str.strip().map(framework.alias_map)
    indicator = pd.to_numeric(raw["指标"].str.strip(), errors="coerce")
    problems = []
    for k in raw.index[entity.isna()]:
        v = raw.loc[k, "考评对象"]
        problems.append(Problem(name, f"{v!r} is not an entity of {framework.name}; expected a name or alias from entities.csv",
                                row=k + 2, column="考评对象", zh=f"“{v}”不是{framework.name}的考评对象"))
    for k in raw.index[indicator.isna() | (indicator != indicator.round()) | ~indicator.isin(framework.indicators["id"])]:
        v = raw.loc[k, "指标"]
        problems.append(Problem(name, f"indicator {v!r} is not an indicator of the framework", row=k + 2, column="指标",
                                zh=f"指标“{v}”不存在"))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row, p.column != "考评对象")))
    return pd.DataFrame({"entity": entity, "indicator": indicator.astype("int64")})
