"""The history store: loaded from the archive, rebuilt equal to the incremental one, queried as published."""
from __future__ import annotations

import subprocess
from pathlib import Path
import sys

import duckdb
import pandas as pd
import pytest

import evalkit
from evalkit.core import paths
from evalkit.store import history as store

pytestmark = pytest.mark.slow


def dump(outputs) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(store.database(outputs)), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        return {n: con.execute(f"SELECT * FROM {n}").df().pipe(lambda d: d.sort_values(list(d.columns)).reset_index(drop=True)) for n in names}
    finally:
        con.close()


def test_rebuilt_equals_incremental(demo_archive):
    incremental = dump(demo_archive)  # written by each run as it archived
    store.rebuild(demo_archive)
    rebuilt = dump(demo_archive)
    assert set(incremental) == set(rebuilt) >= {"runs", "totals", "method_scores", "aspects", "unit_scores", "corrections",
                                                 "milestones", "problems", "closures"}
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
    import re

    h = evalkit.history("baotou", demo_archive)
    queries = re.findall(r'h\.sql\("""(.*?)"""\)', (paths.ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(queries) == 3
    improved, losing, closed = (h.sql(q) for q in queries)
    assert list(losing.columns) == ["period", "lead_unit", "losing"] and len(losing) > 0
    assert closed["rate"].between(0, 1).all() and closed["items"].sum() > 0


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

    from evalkit.scoring.assessment import assess
    from evalkit.publish.explore import show_trend

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    show_trend(assess("baotou", "2022H2"), "昆都仑区", demo_archive)
    table = shown[0].data
    results = {p: pd.read_csv(demo_archive / "baotou" / p / "results.csv").set_index("entity").loc["昆都仑区"] for p in ("2022H1", "2022H2")}
    assert table["半年考评分值"].tolist() == [round(r["half_year"], 2) for r in results.values()]
    assert table["考评期"].tolist() == ["2022年上半年", "2022年下半年"] and shown[1].format == "png"


def test_scorecard_shows_the_periods_it_compares_with(tmp_path):
    from evalkit.publish import scorecards
    from evalkit.inputs.params import load_params

    scorecards.render(load_params("baotou", "2023H2"), ["昆都仑区"], tmp_path, timeout=120)
    page = (tmp_path / "昆都仑区.html").read_text(encoding="utf-8")
    assert "历次变化" in page and all(label in page for label in ("2022年下半年", "2023年上半年", "2023年下半年"))


def test_a_column_empty_in_the_first_run_takes_text_from_a_later_one(monkeypatch, tmp_path):
    """A table whose first run had no lead unit in any row (a column of missing values) still takes a later run's names."""
    def tables(folder, published):
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
