"""The history store: loaded from the archive, rebuilt equal to the incremental one, queried as published."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import evalkit
from evalkit.core import paths
from evalkit.store import history as store
from evalkit.store import schema

pytestmark = pytest.mark.slow


def dump(outputs) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(store.database(outputs)), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        return {n: con.execute(f"SELECT * FROM {n}").df().pipe(_tupled).pipe(lambda d: d.sort_values(list(d.columns)).reset_index(drop=True))
                for n in names}
    finally:
        con.close()


def _tupled(df: pd.DataFrame) -> pd.DataFrame:
    """List columns (``indicators.lead_units``) as tuples, so that rows sort and compare."""
    lists = [c for c in df.columns if df[c].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any()]
    return df.assign(**{c: df[c].map(tuple) for c in lists})


def test_rebuilt_equals_incremental(demo_archive):
    incremental = dump(demo_archive)  # written by each run as it archived
    store.rebuild(demo_archive)
    rebuilt = dump(demo_archive)
    assert set(incremental) == set(rebuilt) == set(schema.TABLES)
    for name in rebuilt:
        pd.testing.assert_frame_equal(incremental[name], rebuilt[name], check_dtype=False, obj=name)


def test_published_totals_equal_each_runs_results(demo_archive):
    h = evalkit.history("baotou", demo_archive)
    runs = h.sql("SELECT * FROM runs ORDER BY period, current")
    assert runs[["period", "current"]].values.tolist() == [["2022", True], ["2022H1", False], ["2022H1", True], ["2022H2", True]]
    for period in ("2022H1", "2022H2"):
        results = pd.read_csv(demo_archive / "baotou" / period / "results.csv").set_index("entity")
        got = h.totals[h.totals["period"] == period].set_index("entity")
        assert got["total"].reindex(results.index).tolist() == results["half_year"].tolist()
        assert got["rank"].reindex(results.index).tolist() == results["rank"].tolist()
    year = pd.read_csv(demo_archive / "baotou" / "2022" / "results.csv").set_index("entity")
    got = h.totals[h.totals["period"] == "2022"].set_index("entity")
    assert got["total"].reindex(year.index).tolist() == year["annual"].tolist()
    replaced = h.sql("SELECT count(*) AS n FROM totals JOIN runs USING (run_id) WHERE NOT current")["n"].item()
    assert replaced == 37  # the run kept aside stays queryable


def test_closures_of_h1_items_in_h2(demo_archive):
    h = evalkit.history("baotou", demo_archive)
    c = h.sql("SELECT c.* FROM closures c JOIN runs r USING (run_id) WHERE r.current AND r.period = '2022H2'")
    p = h.sql("SELECT p.* FROM problems p JOIN runs r USING (run_id) WHERE r.current AND r.period = '2022H1'")
    assert len(c) == len(p) > 0 and 0 < c["closed"].sum() < len(c)


def test_history_command(demo_archive):
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "history", "baotou", "--outputs", str(demo_archive)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "包头市半年考评分值（组内排名）" and "2022H1" in lines[1] and "2022H2" in lines[1]
    results = pd.read_csv(demo_archive / "baotou" / "2022H2" / "results.csv").set_index("entity")
    row = next(line for line in lines if "昆都仑区" in line)
    assert f"{results.loc['昆都仑区', 'half_year']:.2f}（{results.loc['昆都仑区', 'rank']}）" in row


def test_readme_queries_run(demo_archive):
    """Every example query of the README returns rows on the demo data, and the weights query adds up to the totals."""
    import re

    h = evalkit.history("baotou", demo_archive)
    queries = re.findall(r'h\.sql\("""(.*?)"""\)', (paths.ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(queries) == 5
    changed, parts, lost, losing, closed = (h.sql(q) for q in queries)
    assert all(len(q) > 0 for q in (changed, parts, lost, losing, closed))
    results = {p: pd.read_csv(demo_archive / "baotou" / p / "results.csv").set_index("entity") for p in ("2022H1", "2022H2")}
    districts = results["2022H2"][results["2022H2"]["group"] == "district"].index
    assert set(changed["entity"]) == set(districts) and changed["period"].eq("2022H2").all()
    assert changed["change"].tolist() == sorted(changed["change"], reverse=True)
    row = changed.set_index("entity").loc["昆都仑区"]
    assert row["change"] == pytest.approx(results["2022H2"].loc["昆都仑区", "half_year"] - results["2022H1"].loc["昆都仑区", "half_year"])
    sums = parts.groupby("entity").agg(part=("part", "sum"), total=("total", "first"), weight=("weight", "sum"))
    assert sums["weight"].to_numpy() == pytest.approx(1) and sums["part"].to_numpy() == pytest.approx(sums["total"].to_numpy(), abs=1e-9)
    assert set(parts["method_name"]) == {"日常监测", "实地调研", "民意调查", "第三方评估"}
    assert len(lost) == 10 and lost["lost"].is_monotonic_decreasing and lost["text"].str.len().gt(0).all()
    assert list(losing.columns) == ["period", "lead_unit", "losing"]
    assert closed["rate"].between(0, 1).all() and closed["items"].sum() > 0


def test_codes_have_their_chinese_names_beside_them(demo_archive):
    """Issue 25: grp, method, half and aspect codes have the names of the framework the run was scored under; an
    annual run's half-year scores are in ``halves``, not among the methods; the indicators are the framework's."""
    from evalkit.framework.loading import load_framework

    fw = load_framework("baotou")
    h = evalkit.history("baotou", demo_archive)
    pairs = h.sql("SELECT DISTINCT grp, grp_name FROM totals ORDER BY grp").values.tolist()
    assert pairs == sorted(map(list, fw.groups.items()))
    assert dict(h.sql("SELECT DISTINCT method, method_name FROM method_scores").values.tolist()) == fw.method_names
    assert h.sql("SELECT DISTINCT half, half_name FROM halves ORDER BY half").values.tolist() == [["h1", "上半年"], ["h2", "下半年"]]
    assert h.sql("SELECT count(*) AS n FROM method_scores WHERE method IN ('h1', 'h2')")["n"].item() == 0
    aspects = h.sql("SELECT DISTINCT aspect, aspect_name FROM aspects").values.tolist()
    assert sorted(aspects) == sorted(fw.aspects[["id", "name"]].values.tolist())
    runs = h.sql("SELECT run_id, period, period_name, city_name, what_if FROM runs")
    assert not runs["what_if"].any()  # official runs; a what-if is a run with an adjusted applicability
    assert set(runs["city_name"]) == {"包头市"} and set(zip(runs["period"], runs["period_name"])) == {
        ("2022H1", "2022年上半年"), ("2022H2", "2022年下半年"), ("2022", "2022年度")}
    ind = h.sql("SELECT i.* FROM indicators i JOIN runs r USING (run_id) WHERE r.current AND r.period = '2022H2' ORDER BY indicator")
    assert ind["indicator"].tolist() == fw.indicators["id"].tolist() and ind["points"].sum() == pytest.approx(100)
    assert [list(u) for u in ind["lead_units"]] == [list(u) for u in fw.indicators["lead_units"]]
    weights = h.sql("SELECT w.method, w.weight FROM weights w JOIN runs r USING (run_id) WHERE r.current AND r.period = '2022H2'")
    assert dict(weights.values.tolist()) == pytest.approx(fw.weights)
    options = h.sql("SELECT o.item, o.value FROM options o JOIN runs r USING (run_id) WHERE r.current AND r.period = '2022H2'")
    assert dict(options.values.tolist())["数据校验"] == "严格"


def test_every_column_is_described_in_the_database(demo_archive):
    """Every column of every table and view carries its description as a DuckDB comment, and no description names a
    column the database lacks; ``evalkit history --schema`` lists them all without a traceback."""
    h = evalkit.history("baotou", demo_archive)
    cols = h.sql("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal")
    assert cols["comment"].fillna("").str.len().gt(0).all(), cols[cols["comment"].isna()]
    assert set(zip(cols["table_name"], cols["column_name"])) == {
        (t, c) for t, (_, columns) in schema.TABLES.items() for c in columns} | {
        (v, c) for v in schema.VIEWS for c in schema.TABLES["totals"][1]}
    tables = h.sql("SELECT table_name, comment FROM duckdb_tables()")
    assert dict(tables.values.tolist()) == {t: about for t, (about, _) in schema.TABLES.items()}
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "history", "--schema", "--outputs", str(demo_archive)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0, done.stderr
    assert "grp_name" in done.stdout and "组别名称" in done.stdout and "（尚无数据）" not in done.stdout
    assert all(f"\n{t}：" in done.stdout for t in [*schema.TABLES, *schema.VIEWS])


@pytest.mark.parametrize("fault", ["deleted", "altered"])
def test_a_run_whose_archived_framework_is_unsound_keeps_its_totals(demo_archive, tmp_path, caplog, fault):
    """The annual run's archived framework.yaml deleted, or altered (a group renamed, so its names would lie): its
    totals stay in the history, its names are missing and it has no indicators, with a warning; the half-year runs,
    whose own copies are sound, keep theirs."""
    import json
    import shutil

    out = tmp_path / "out"
    shutil.copytree(demo_archive, out)
    folder = out / "baotou" / "2022"
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    archived = folder / "inputs" / m["framework"]["sha256"]
    if fault == "deleted":
        archived.unlink()
    else:
        archived.write_text(archived.read_text(encoding="utf-8").replace("旗县区", "伪造组"), encoding="utf-8")
    store.rebuild(out)
    h = evalkit.history("baotou", out)
    names = h.sql("SELECT r.period, t.grp_name, r.city_name FROM totals t JOIN runs r USING (run_id)")
    annual = names[names["period"] == "2022"]
    assert len(annual) == 37 and annual["grp_name"].isna().all() and annual["city_name"].isna().all()
    assert set(names.loc[names["period"] != "2022", "grp_name"]) == {"旗县区", "市直部门"}
    assert h.sql("SELECT count(*) AS n FROM indicators WHERE run_id = ?", m["run"]["id"])["n"].item() == 0
    assert h.sql("SELECT count(DISTINCT run_id) AS n FROM indicators")["n"].item() == 3
    assert "无法读取" in caplog.text and "伪造组" not in set(h.sql("SELECT grp_name FROM totals")["grp_name"])
    h.con.close()


def test_rectification_command_writes_the_archived_problem_list(demo_archive, tmp_path):
    import openpyxl

    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "rectification", str(demo_archive / "baotou" / "2022H2"),
                           "--out", str(tmp_path)], capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0, done.stderr
    rows = [r for p in sorted(tmp_path.glob("*.xlsx")) for r in openpyxl.load_workbook(p).worksheets[0].iter_rows(min_row=2, values_only=True)]
    h = evalkit.history("baotou", demo_archive)
    items = h.sql("SELECT p.* FROM problems p JOIN runs r USING (run_id) WHERE r.current AND r.period = '2022H2'")
    assert len(rows) == len(items) and sum(r[4] == "2022年上半年起" for r in rows) == (items["carried"] == "2022H1").sum() > 0


def test_explore_trend_view_reads_the_store(demo_archive, baotou, monkeypatch):
    import IPython.display

    from evalkit.publish.explore import show_trend
    from evalkit.scoring.assessment import assess

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    show_trend(assess("baotou", "2022H2"), "昆都仑区", demo_archive)
    table = shown[0].data
    results = {p: pd.read_csv(demo_archive / "baotou" / p / "results.csv").set_index("entity").loc["昆都仑区"] for p in ("2022H1", "2022H2")}
    assert table["半年考评分值"].tolist() == [round(r["half_year"], 2) for r in results.values()]
    assert table["考评期"].tolist() == ["2022年上半年", "2022年下半年"] and shown[1].format == "png"


def test_scorecard_shows_the_periods_it_compares_with(tmp_path):
    from evalkit.inputs.params import load_params
    from evalkit.publish import scorecards

    scorecards.render(load_params("baotou", "2023H2"), ["昆都仑区"], tmp_path, timeout=120)
    page = (tmp_path / "昆都仑区.html").read_text(encoding="utf-8")
    assert "历次变化" in page and all(label in page for label in ("2022年下半年", "2023年上半年", "2023年下半年"))


def test_a_column_empty_in_the_first_run_takes_text_from_a_later_one(monkeypatch, tmp_path):
    """A table whose first run had no lead unit in any row (a column of missing values) still takes a later run's names."""
    def tables(folder, published, frameworks):
        unit = None if folder.name == "first" else "市财政局"
        return {"runs": pd.DataFrame({"run_id": [folder.name], "current": [True], "published": [folder.name in published]}),
                "totals": pd.DataFrame({"run_id": [folder.name], "total": [90.0]}),
                "problems": pd.DataFrame({"run_id": [folder.name], "indicator": [1], "lead_unit": [unit]})}

    monkeypatch.setattr(store, "_tables", tables)
    con = duckdb.connect()
    store._load(con, [Path("first")], tmp_path)
    store._load(con, [Path("second")], tmp_path)
    assert con.execute("SELECT run_id, lead_unit FROM problems ORDER BY run_id").fetchall() == [("first", None), ("second", "市财政局")]


def test_an_analysts_open_connection_never_blocks_a_writer(demo_archive, tmp_path):
    """Issue 22: another process holds the history open (an analyst's notebook) while the history is rebuilt and
    updated: the writer neither waits nor fails, the reader keeps its snapshot, and a new reader sees the new one."""
    import shutil
    import time

    out = tmp_path / "out"
    shutil.copytree(demo_archive, out)
    reader = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True);"
        "sys.stdin.readline(); print(con.execute('SELECT count(*) FROM runs').fetchone()[0], flush=True)"),
        str(store.database(out))], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        t0 = time.perf_counter()
        store.rebuild(out)
        store.update("baotou", "2022H2", out)
        assert time.perf_counter() - t0 < 30
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == 4  # its snapshot still answers
    finally:
        reader.kill()
    h = evalkit.history("baotou", out)
    assert h.sql("SELECT count(*) AS n FROM runs")["n"].item() == 4
    h.con.close()


def test_a_damaged_history_heals_itself(demo_archive, tmp_path):
    """A history.duckdb overwritten with garbage: reading it, the history command and an update all rebuild it from
    the run folders, without being asked."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(demo_archive, out)
    store.rebuild(out)  # the copy's own folders
    expected = dump(out)
    store.database(out).write_bytes(b"not a database" * 100)
    h = evalkit.history("baotou", out)
    assert not h.totals.empty
    h.con.close()
    store.database(out).write_bytes(b"not a database" * 100)
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "history", "baotou", "--outputs", str(out)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    store.database(out).write_bytes(b"not a database" * 100)
    store.update("baotou", "2022H2", out)
    for name, table in expected.items():
        pd.testing.assert_frame_equal(dump(out)[name], table)
