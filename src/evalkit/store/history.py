"""The assessment history store: every archived run's tables in one embedded DuckDB database.

The run folders stay the source of truth: :func:`rebuild` loads the database from them at any time
and :func:`update` reloads one city and period after a run or a publication. A run is ``current`` while its
folder is ``outputs/<city>/<period>``; one kept aside by ``--force`` or a correction stays queryable, not
current. A run is ``published`` while it is its period's published record (:mod:`evalkit.store.published`).

Tables (every one has ``run_id``; :data:`evalkit.store.schema.TABLES` describes each column, and the database
carries the descriptions as comments): ``runs``, ``options``, ``weights``, ``indicators``, ``totals``,
``method_scores`` (half-years), ``halves`` (years), and the tables the period notebook recorded (``aspects``,
``unit_scores``, ``corrections``, ``milestones``, ``problems``, ``closures``; see
:func:`evalkit.publish.report.record`); view ``published``: totals of the published records, view ``latest``:
totals of the current runs. Codes have their Chinese names beside them (:mod:`evalkit.store.named`).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import nbformat
import pandas as pd

from ..core import paths
from ..core.files import sha256
from ..core.recorded import recorded, synthetic
from ..framework.periods import Period
from . import named, schema
from .published import records

log = logging.getLogger("evalkit")

DATABASE = "history.duckdb"
RECORDED = ("weights", "aspects", "unit_scores", "corrections", "milestones", "problems", "closures")
"""Tables a period notebook records (by name) that the history keeps as they are."""


def database(outputs: Path | None = None) -> Path:
    """``outputs/history.duckdb``."""
    return (outputs or paths.OUTPUTS) / DATABASE


def run_folders(outputs: Path, city: str | None = None, period: str | None = None) -> list[Path]:
    """Archived run folders (those with a manifest), current and kept aside, in name order."""
    cities = [outputs / city] if city else sorted(p for p in outputs.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [d for c in cities if c.is_dir() for d in sorted(c.iterdir())
            if (d / "manifest.json").is_file() and (period is None or d.name.split(".")[0] == period)]


class Unsound(ValueError):
    """A run folder whose files differ from its manifest: the history leaves it out (it is derived, never a record)."""


def _tables(folder: Path, published: set[str], frameworks: dict) -> dict[str, pd.DataFrame]:
    """One run folder as the history's tables; :class:`Unsound` when the files it reads differ from its manifest.
    ``frameworks`` caches the archived frameworks (:func:`evalkit.store.named.run_framework`) across folders."""
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    changed = [name for name in (m["results"]["file"], m["notebook"]) if sha256(folder / name) != m["files"].get(name)]
    if changed:
        raise Unsound(f"{', '.join(changed)} differ from the manifest")
    period = Period.parse(m["period"])
    run_id = m["run"]["id"]
    fw = named.run_framework(folder, m, frameworks)
    results = pd.read_csv(folder / m["results"]["file"])
    nb = nbformat.read(str(folder / m["notebook"]), as_version=4)
    options = recorded(nb, "options")
    total = "annual" if period.is_annual else "half_year"
    methods = ["h1", "h2"] if period.is_annual else [c for c in results.columns if c not in ("entity", "group", "half_year", "rank")]
    parts = results.melt(id_vars="entity", value_vars=methods, var_name="method", value_name="score").assign(run_id=run_id)
    out = {
        "runs": pd.DataFrame([{"run_id": run_id, "city": m["city"], "city_name": fw.name if fw else None, "period": str(period),
                               "period_name": period.label, "annual": period.is_annual, "folder": folder.as_posix(),
                               "started": pd.Timestamp(m["run"]["started"]).tz_convert(None),
                               "current": folder.name == str(period), "published": run_id in published,
                               "synthetic": synthetic(options), "what_if": bool(m.get("applicability"))}]),
        "options": options.rename(columns={"项目": "item", "内容": "value"}).assign(run_id=run_id),
        "totals": named.beside(pd.DataFrame({"run_id": run_id, "city": m["city"], "period": str(period), "entity": results["entity"],
                                             "grp": results["group"], "total": results[total], "rank": results["rank"].astype("int64")}),
                               "grp", fw.groups if fw else None),
        **({"halves": named.beside(parts.rename(columns={"method": "half"}), "half", named.HALVES)} if period.is_annual else
           {"method_scores": named.beside(parts, "method", fw.method_names if fw else None)}),
    }
    if fw is not None:
        out["indicators"] = named.indicators(fw).assign(run_id=run_id)
    for name in RECORDED:
        with contextlib.suppress(ValueError):  # a table the run's notebook did not record
            out[name] = recorded(nb, name).assign(run_id=run_id)
    if "weights" in out:
        out["weights"] = named.beside(out["weights"], "method", fw.method_names if fw else None)
    if "aspects" in out:
        out["aspects"] = named.beside(out["aspects"], "aspect", dict(zip(fw.aspects["id"], fw.aspects["name"])) if fw else None)
    return out


@contextlib.contextmanager
def _writing(outputs: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new version of the database open for writing, one writer at a time (parallel runs each update it), swapped
    in atomically when done: a reader's open connection (an analyst's notebook) never blocks a writer and keeps its
    snapshot. A database that cannot be opened (damaged) is rebuilt from the run folders."""
    outputs.mkdir(parents=True, exist_ok=True)
    path = database(outputs)
    new = path.with_name(f"{path.name}.new")
    with open(outputs / f"{DATABASE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for leftover in (new, new.with_name(f"{new.name}.wal")):
            leftover.unlink(missing_ok=True)
        if path.is_file():
            shutil.copyfile(path, new)
        try:
            con = duckdb.connect(str(new))
        except duckdb.Error:  # the database was damaged: it is derived, so it is built anew
            new.unlink(missing_ok=True)
            con = duckdb.connect(str(new))
            _reload(con, outputs)
        try:
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            new.unlink(missing_ok=True)
            raise
        con.close()
        os.replace(new, path)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``run_id`` first and every column of nothing but missing values typed as text: DuckDB would
    give such a column the type NULL, and a later run's text in it could not be inserted."""
    empty = [c for c in df.columns if df[c].dtype == object and df[c].isna().all()]
    df = df.astype(dict.fromkeys(empty, "string"))
    return df[["run_id", *[c for c in df.columns if c != "run_id"]]]


def _load(con: duckdb.DuckDBPyConnection, folders: list[Path], outputs: Path) -> None:
    frames: dict[str, list[pd.DataFrame]] = {}
    published = {e["run_id"] for e in records(outputs).values()}
    frameworks: dict = {}
    for folder in folders:
        try:
            tables = _tables(folder, published, frameworks)
        except (Unsound, OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s: left out of the history: %s; `evalkit ledger verify` names what is wrong "
                        "(该存档已损坏，未载入历史库)", folder, exc)
            continue
        for name, df in tables.items():
            frames.setdefault(name, []).append(df)
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()}
    for name, parts in frames.items():
        df = _typed(pd.concat(parts, ignore_index=True))
        if name in existing:
            cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
            con.register("incoming", df.reindex(columns=cols))
            con.execute(f"INSERT INTO {name} SELECT * FROM incoming")
        else:
            con.register("incoming", df)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    if "totals" in existing or "totals" in frames:
        con.execute("CREATE OR REPLACE VIEW published AS SELECT t.* FROM totals t JOIN runs r USING (run_id) WHERE r.published")
        con.execute("CREATE OR REPLACE VIEW latest AS SELECT t.* FROM totals t JOIN runs r USING (run_id) WHERE r.current")
    schema.comment(con)


def rebuild(outputs: Path | None = None) -> Path:
    """Build the database anew from every run folder under ``outputs``; return its path."""
    outputs = outputs or paths.OUTPUTS
    with _writing(outputs) as con:
        _reload(con, outputs)
    return database(outputs)


def _reload(con: duckdb.DuckDBPyConnection, outputs: Path) -> None:
    for (name,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall():
        con.execute(f"DROP TABLE {name} CASCADE")
    con.execute("DROP VIEW IF EXISTS published")
    con.execute("DROP VIEW IF EXISTS latest")
    _load(con, run_folders(outputs) if outputs.is_dir() else [], outputs)


def update(city: str, period: str, outputs: Path | None = None) -> Path:
    """Reload one city and period (all its run folders, current and kept aside) after a run."""
    outputs = outputs or paths.OUTPUTS
    with _writing(outputs) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        if "runs" in tables and not set(schema.TABLES["runs"][1]) <= {r[0] for r in con.execute("DESCRIBE runs").fetchall()}:
            _reload(con, outputs)  # a database of an older layout: derived, so built anew
            return database(outputs)
        if "runs" in tables:
            gone = "SELECT run_id FROM runs WHERE city = ? AND period = ?"
            for name in (t for t in tables if t != "runs"):
                con.execute(f"DELETE FROM {name} WHERE run_id IN ({gone})", [city, str(period)])
            con.execute("DELETE FROM runs WHERE city = ? AND period = ?", [city, str(period)])
        _load(con, run_folders(outputs, city, str(period)), outputs)
    return database(outputs)


@dataclass
class History:
    """The history database, read-only: ``con`` for SQL, ``totals`` the published totals of ``city`` (or all)."""

    con: duckdb.DuckDBPyConnection
    city: str | None

    def sql(self, query: str, *params) -> pd.DataFrame:
        """A query's result as a DataFrame."""
        return self.con.execute(query, list(params)).df()

    @property
    def totals(self) -> pd.DataFrame:
        where = "WHERE city = ?" if self.city else ""
        return self.sql(f"SELECT city, period, entity, grp, total, rank FROM published {where} ORDER BY city, period, grp, rank, entity",
                        *([self.city] if self.city else []))

    def by_period(self, annual: bool = False) -> pd.DataFrame:
        """Entity x period: the published total and rank of each period (half-years, or years)."""
        t = self.totals
        t = t[t["period"].str.len() == (4 if annual else 6)]
        wide = t.pivot_table(index=["grp", "entity"], columns="period", values=["total", "rank"], aggfunc="first")
        return wide.sort_index(axis=1, level=1)


def history(city: str | None = None, outputs: Path | None = None) -> History:
    """The assessment history (built from the archive first if there is no database yet)."""
    path = database(outputs)
    if not path.is_file():
        rebuild(outputs)
    try:
        return History(duckdb.connect(str(path), read_only=True), city)
    except duckdb.Error:  # damaged: built anew from the run folders, without being asked
        rebuild(outputs)
        return History(duckdb.connect(str(path), read_only=True), city)
