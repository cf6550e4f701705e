"""What every table and column of the history database holds, in Chinese: written into the database as DuckDB
comments (``COMMENT ON``) when it is built, and listed by ``evalkit history --schema``.

A code stored for queries (``district``, ``monitoring``, ``h1``) has its Chinese name in the column beside it
(``grp_name``, ``method_name``, ``half_name``), taken from the framework archived with the run.
"""
from __future__ import annotations

import duckdb
import pandas as pd

_RUN = {"run_id": "运行编号（每次运行唯一；与运行目录 manifest.json 中的 run.id 相同）"}
_UNIT = {"lead_unit": "牵头考核单位", "entity": "考评对象", "indicator": "指标序号（见 indicators 表）"}
_ITEM = {**_UNIT, "kind": "问题类型：失分、进度滞后、未填报完成情况、力争目标（力争目标未达到进度要求，不计为进度滞后）", "points": "该指标分值",
         "score": "牵头考核单位评分（经专班核实后）；进度问题为空", "required": "该期应达到的进度（进度问题）",
         "status": "填报的完成情况", "deadline": "整改期限", "carried": "自哪一考评期起未整改（空：本期新列入）"}

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "runs": ("每次存档的运行：城市、考评期和状态", {
        **_RUN, "city": "城市代码（data/ 下的文件夹名）", "city_name": "城市名称", "period": "考评期代码：2022H1 为半年，2022 为年度",
        "period_name": "考评期名称", "annual": "是否年度考评", "folder": "运行目录",
        "started": "运行开始时间（协调世界时）", "current": "是否该考评期的现行运行（目录为 outputs/城市/考评期）",
        "published": "是否该考评期已发布的结果", "synthetic": "是否示例数据（合成，不是真实考评结果）",
        "what_if": "是否按调整后的考评对象适用范围测算（非正式结果，不得发布）"}),
    "options": ("每次运行的计算选项，与成绩表“说明”工作表相同", {
        **_RUN, "item": "项目", "value": "内容"}),
    "weights": ("每次半年考评运行实际采用的各考评方法权重（已归一化，含重新分配）", {
        **_RUN, "method": "考评方法代码", "method_name": "考评方法名称", "weight": "权重（0 至 1，各方法合计为 1）"}),
    "indicators": ("每次运行所用指标体系中的指标（取自随运行存档的 framework.yaml）", {
        **_RUN, "indicator": "指标序号", "aspect": "所属方面（一、二……）", "aspect_name": "所属方面名称",
        "category": "所属类别", "text": "指标内容", "points": "分值", "deadline": "时限要求（空：无时限）",
        "lead_units": "牵头考核单位（列表）"}),
    "totals": ("每次运行各考评对象的考评分值和组内排名", {
        **_RUN, "city": "城市代码", "period": "考评期代码", "entity": "考评对象", "grp": "组别代码",
        "grp_name": "组别名称", "total": "考评分值（半年考评分值或年度考评分值，全精度）", "rank": "组内排名"}),
    "method_scores": ("半年考评运行中各考评对象在各考评方法的得分（百分制）", {
        **_RUN, "entity": "考评对象", "method": "考评方法代码", "method_name": "考评方法名称", "score": "得分（0 至 100）"}),
    "halves": ("年度考评运行中各考评对象的上、下半年考评分值", {
        **_RUN, "entity": "考评对象", "half": "半年代码：h1 上半年，h2 下半年", "half_name": "半年名称",
        "score": "该半年的考评分值"}),
    "aspects": ("半年考评运行中各考评对象在各方面的得分", {
        **_RUN, "entity": "考评对象", "aspect": "方面（一、二……）", "aspect_name": "方面名称",
        "earned": "该方面所得分数", "available": "该方面适用于该考评对象的分值", "aspect_points": "该方面的满分",
        "score": "该方面得分（按适用分值折算）"}),
    "unit_scores": ("各牵头考核单位对各考评对象的评分（经专班核实后）", {
        **_UNIT, **_RUN, "score": "评分", "points": "该指标分值", "status": "填报的完成情况"}),
    "corrections": ("数字政府专班核实更正的评分", {
        **_RUN, **_UNIT, "reported": "牵头考核单位报送的评分", "verified": "专班核实后的评分"}),
    "milestones": ("有时限要求的指标：各考评对象的进度", {
        **_RUN, **_UNIT, "deadline": "时限要求", "required": "该期应达到的进度", "status": "填报的完成情况",
        "problem": "进度问题（空：无问题）"}),
    "problems": ("半年考评的问题清单（每项整改事项一行）", {**_RUN, **_ITEM}),
    "closures": ("上一期问题清单各项在本期的整改情况", {
        **_RUN, **_ITEM, "period": "列入问题清单的考评期", "now_score": "本期评分", "now_status": "本期填报的完成情况",
        "closed": "是否已整改到位"}),
}
VIEWS: dict[str, str] = {
    "published": "已发布结果的考评分值和排名（totals 中 runs.published 为真的行）",
    "latest": "各考评期现行运行的考评分值和排名（totals 中 runs.current 为真的行）",
}


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment(con: duckdb.DuckDBPyConnection) -> None:
    """Write the descriptions of every table, view and column present into the database (``COMMENT ON``)."""
    present = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    for name, (about, columns) in TABLES.items():
        if name in present:
            con.execute(f"COMMENT ON TABLE {name} IS {_quoted(about)}")
            _columns(con, name, columns)
    for name, about in VIEWS.items():  # the views hold the columns of ``totals``
        if name in present:
            con.execute(f"COMMENT ON VIEW {name} IS {_quoted(about)}")
            _columns(con, name, TABLES["totals"][1])


def _columns(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str]) -> None:
    have = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
    for column, text in columns.items():
        if column in have:
            con.execute(f'COMMENT ON COLUMN {name}."{column}" IS {_quoted(text)}')


def described(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every table and view with each column's type and description, as the database holds them (its comments),
    and those it does not hold yet from :data:`TABLES`: columns 表, 列, 类型, 说明; a table's own description is its
    row with an empty 列."""
    tables = con.execute("SELECT table_name, comment FROM duckdb_tables() UNION ALL "
                         "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall()
    columns = con.execute("SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                          "WHERE NOT internal ORDER BY table_name, column_index").fetchall()
    order = {name: i for i, name in enumerate([*TABLES, *VIEWS])}
    rows = [(t, "", "", c or "") for t, c in tables] + [(t, col, kind, c or "") for t, col, kind, c in columns]
    present = {t for t, _ in tables}
    for name, (about, cols) in {**TABLES, **{v: (a, TABLES["totals"][1]) for v, a in VIEWS.items()}}.items():
        if name not in present:  # no run has given it rows yet: described all the same
            rows += [(name, "", "", f"{about}（尚无数据）"), *((name, c, "", text) for c, text in cols.items())]
    rows.sort(key=lambda r: (order.get(r[0], len(order)), r[0], r[1] != ""))
    return pd.DataFrame(rows, columns=["表", "列", "类型", "说明"])
