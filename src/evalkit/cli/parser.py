"""The ``evalkit`` command's arguments: one sub-command per task, each with its ``--help``."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..core.errors import ParameterError
from ..core.paths import city_name
from ..demo.period import SEED
from ..framework.options import AGGREGATIONS
from ..framework.periods import Period
from ..runs.executor import ENGINES


def _city(text: str) -> str:
    """A city's name from the command line: a name, never a path (:func:`evalkit.core.paths.city_name`)."""
    try:
        return city_name(text)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None



def _period(text: str) -> str:
    """A period from the command line, as evalkit writes it (``2022h1`` -> ``2022H1``)."""
    try:
        return str(Period.parse(text))
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _weights(text: str) -> dict[str, float]:
    """``monitoring=0.6,field=0.2,...`` -> dict."""
    try:
        return {k.strip(): float(v) for k, v in (part.split("=") for part in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected method=weight pairs, e.g. monitoring=0.6,field=0.2,survey=0.1,third_party=0.1") from None



def _seconds(text: str) -> int:
    """A positive whole number of seconds."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of seconds above 0, e.g. 600")
    return value



def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evalkit", description="数字政府建设考评: score, check and publish a city's assessment.")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("framework", help="summarise a city's indicator framework")
    f.add_argument("city", type=_city)
    for name, help_ in (("score", "score a half-year and print the rankings"), ("validate", "read and check a period's inputs only")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("city", type=_city)
        s.add_argument("period", type=_period, help="e.g. 2022H1")
        s.add_argument("--data-dir", help="folder of the period's input tables (default data/CITY/PERIOD)")
        s.add_argument("--applicability", help="the 考评对象适用范围 workbook (.xlsx, from `evalkit applicability`) or a CSV of 考评对象,指标 pairs, replacing the framework's applicability: a what-if (测算，非正式结果), its consequences listed, never a strict-mode error")
        s.add_argument("--redistribute", action="store_true", help="share the weight of a method with no data among the others")
    for name, help_, default in (("templates", "write the lead units' workbooks for a period", "outputs/templates/CITY/PERIOD"),
                                 ("demo-data", "write synthetic submissions (示例数据) for a period", "data/CITY/PERIOD")):
        t = sub.add_parser(name, help=help_)
        t.add_argument("city", type=_city)
        t.add_argument("period", type=_period)
        t.add_argument("--out", help=f"output folder (default {default}); existing files are never overwritten")
    sub.choices["demo-data"].add_argument("--seed", type=int, default=SEED)
    ap = sub.add_parser("applicability", help="write the 考评对象适用范围 workbook for the lead units to confirm")
    ap.add_argument("city", type=_city)
    ap.add_argument("--out", type=Path, help="workbook to write (default outputs/applicability/CITY_考评对象适用范围.xlsx); never overwritten")
    r = sub.add_parser("run", help="execute a period's notebooks with params/CITY/PERIOD.yaml and archive the run")
    r.add_argument("city", nargs="?", type=_city)
    r.add_argument("period", nargs="?", type=_period)
    r.add_argument("--all", action="store_true", help="every params file (halves before years), in parallel")
    r.add_argument("--city", dest="only_city", type=_city, help="with --all: only this city")
    r.add_argument("--jobs", type=int, help="with --all: parallel runs (default: one per core)")
    r.add_argument("--force", action="store_true", help="run even if archived and unchanged (or changed only in code or "
                   "environment); the archived run is kept beside the new one, named by its own start time. A published "
                   "period is never re-run: see --correct")
    r.add_argument("--correct", action="store_true", help="correct the period's published record: a new run kept beside the "
                   "original, published in its place, with its reason (--reason) in the new bulletin's 更正说明")
    r.add_argument("--reason", help="with --correct: why the published record is corrected (printed in the 更正说明)")
    r.add_argument("--dry-run", action="store_true", help="say what would run and why; run nothing")
    r.add_argument("--quiet", action="store_true", help="with --all: no progress, no table; only problems and the last line")
    r.add_argument("--json", action="store_true", help="with --all: print a JSON summary on stdout instead of the table")
    r.add_argument("--timeout", type=_seconds, default=600, help="seconds a notebook cell may take (default 600)")
    r.add_argument("--scorecards", action="store_true", help="also render one scorecard (HTML and PDF) per entity")
    r.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    r.add_argument("--params", type=Path, help="params folder (default params/)")
    r.add_argument("--cluster", choices=list(ENGINES), default="local",
                   help="where runs and scorecards execute: local processes (default) or a Dask LocalCluster of --jobs workers")
    r.add_argument("--scheduler", metavar="tcp://HOST:8786", help="run on an existing Dask cluster (see the README)")
    a = sub.add_parser("audit", help="re-run an archived run and compare its results exactly")
    a.add_argument("run_dir", type=Path, help="an archived run folder, outputs/CITY/PERIOD")
    a.add_argument("--timeout", type=_seconds, default=600, help="seconds a notebook cell may take (default 600)")
    a.add_argument("--inputs", type=Path, help="audit against the input files of this folder (laid out like the project "
                   "folder: data/CITY/...) instead of the copies kept in the archive")
    a.add_argument("--report", type=Path, help="folder for audit.json and 复核结论.txt (default a new folder under "
                   "~/.local/share/evalkit/audits, or $EVALKIT_AUDITS, whose ledger.jsonl records every audit)")
    d = sub.add_parser("diff", help="what changed between two archived runs: parameters, environment, input cells, results")
    d.add_argument("run_a", type=Path)
    d.add_argument("run_b", type=Path)
    d.add_argument("--json", action="store_true", help="print the changes as JSON")
    pb = sub.add_parser("publish", help="make archived runs their periods' published records (a signed ledger entry each)")
    pb.add_argument("run_dirs", type=Path, nargs="+", metavar="run_dir", help="archived run folders, outputs/CITY/PERIOD")
    pb.add_argument("--skip-published", action="store_true", help="leave a period that has a published record as it is (make demo)")
    pb.add_argument("--outputs", type=Path, help="outputs folder holding it (default: the folder two levels above it)")
    vf = sub.add_parser("verify", help="the run behind a printed bulletin's verification code (核验码)")
    vf.add_argument("code", help="the 12 digits printed under the title, e.g. 2586-0235-8313")
    vf.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    pr = sub.add_parser("prune", help="remove superseded runs that were never published (never a published or corrected record)")
    pr.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    pr.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    bd = sub.add_parser("bundle", help="one file with everything an offline replay of a run needs, a replay script at its top")
    bd.add_argument("run_dir", type=Path, help="an archived run folder, outputs/CITY/PERIOD")
    bd.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                    help="the bundle to write, FILE.tar (or .tar.gz); never written over an existing file")
    bd.add_argument("--quiet", action="store_true", help="no progress bars")
    ky = sub.add_parser("keys", help="make the task force's signing key for a city (kept outside the repository)")
    ky.add_argument("action", choices=["new"])
    ky.add_argument("city", type=_city)
    ky.add_argument("--demo", action="store_true", help="a demo key (示例密钥): what it signs is marked as example data")
    ky.add_argument("--if-missing", action="store_true", help="keep the city's key when it has one (make demo)")
    ky.add_argument("--sm2", action="store_true", help="an SM2 record key, its signatures with SM3 (国密), for a city that requires them")
    lg = sub.add_parser("ledger", help="the hash-chained log of every run, replacement and audit")
    lg.add_argument("action", choices=["verify", "repair"], help="verify: check the chain and every archived run against its "
                    "manifest; repair: keep a damaged ledger as evidence, rebuild it from the entries that hold and the signed run records")
    lg.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    h = sub.add_parser("history", help="totals and ranks by period from the history database; 'rebuild' builds it anew from the archive; "
                       "--schema lists its tables and columns")
    h.add_argument("city", type=_city, nargs="?", help="a city, or 'rebuild'")
    h.add_argument("--schema", action="store_true", help="every table and column of the database with its description (历史库表结构)")
    h.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    h.add_argument("--annual", action="store_true", help="the years instead of the half-years")
    rc = sub.add_parser("rectification", help="write each lead unit's 整改清单 workbook from an archived period run")
    rc.add_argument("run_dir", type=Path, help="an archived half-year run, outputs/CITY/PERIOD")
    rc.add_argument("--out", type=Path, help="output folder (default outputs/rectification/CITY/PERIOD); existing files are never overwritten")
    st = sub.add_parser("site", help="build the static site of every published period from the archive")
    st.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    st.add_argument("--out", type=Path, help="site folder (default outputs/site); replaced as a whole")
    score = sub.choices["score"]
    score.add_argument("--lenient", action="store_true", help="list problems as warnings; missing scores count 0")
    score.add_argument("--weights", type=_weights, help="e.g. monitoring=0.6,field=0.2,survey=0.1,third_party=0.1")
    score.add_argument("--aggregation", choices=list(AGGREGATIONS), default="sum")
    return p
