"""The ``evalkit`` command (DESIGN.md §4): thin wrappers that print what the package returns."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .errors import EvalkitError, InputError, ParameterError, RunError
from .framework import load_applicability, load_framework
from .inputs import read_period
from .scoring import AGGREGATIONS, score_period
from . import paths
from .demo import SEED, write_demo_period
from .display import framework_summary, problems_table, ranking_table
from .params import all_params, load_params
from .audit import audit
from .batch import run_all
from .executor import ENGINES, start
from .runner import run
from .templates import write_templates


def _weights(text: str) -> dict[str, float]:
    """``monitoring=0.6,field=0.2,...`` -> dict."""
    try:
        return {k.strip(): float(v) for k, v in (part.split("=") for part in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected method=weight pairs, e.g. monitoring=0.6,field=0.2,survey=0.1,third_party=0.1") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evalkit", description="数字政府建设考评: score, check and publish a city's assessment.")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("framework", help="summarise a city's indicator framework")
    f.add_argument("city")
    for name, help_ in (("score", "score a half-year and print the rankings"), ("validate", "read and check a period's inputs only")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("city")
        s.add_argument("period", help="e.g. 2022H1")
        s.add_argument("--data-dir", help="folder of the period's input tables (default data/CITY/PERIOD)")
        s.add_argument("--applicability", help="CSV of 考评对象,指标 pairs replacing the framework's applicability")
        s.add_argument("--lenient", action="store_true", help="list problems as warnings; missing scores count 0")
    for name, help_, default in (("templates", "write the lead units' workbooks for a period", "outputs/templates/CITY/PERIOD"),
                                 ("demo-data", "write synthetic submissions (示例数据) for a period", "data/CITY/PERIOD")):
        t = sub.add_parser(name, help=help_)
        t.add_argument("city")
        t.add_argument("period")
        t.add_argument("--out", help=f"output folder (default {default}); existing files are never overwritten")
    sub.choices["demo-data"].add_argument("--seed", type=int, default=SEED)
    r = sub.add_parser("run", help="execute a period's notebooks with params/CITY/PERIOD.yaml and archive the run")
    r.add_argument("city", nargs="?")
    r.add_argument("period", nargs="?")
    r.add_argument("--all", action="store_true", help="every params file (halves before years), in parallel")
    r.add_argument("--city", dest="only_city", help="with --all: only this city")
    r.add_argument("--jobs", type=int, help="with --all: parallel runs (default: one per core)")
    r.add_argument("--force", action="store_true", help="keep an existing run beside the new one under a dated name")
    r.add_argument("--timeout", type=int, default=600, help="seconds a notebook cell may take (default 600)")
    r.add_argument("--scorecards", action="store_true", help="also render one scorecard (HTML and PDF) per entity")
    r.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    r.add_argument("--params", type=Path, help="params folder (default params/)")
    r.add_argument("--cluster", choices=list(ENGINES), default="local",
                   help="where runs and scorecards execute: local processes (default) or a Dask LocalCluster of --jobs workers")
    r.add_argument("--scheduler", metavar="tcp://HOST:8786", help="run on an existing Dask cluster (see the README)")
    a = sub.add_parser("audit", help="re-run an archived run and compare its results exactly")
    a.add_argument("run_dir", type=Path, help="an archived run folder, outputs/CITY/PERIOD")
    a.add_argument("--timeout", type=int, default=600)
    score = sub.choices["score"]
    score.add_argument("--weights", type=_weights, help="e.g. monitoring=0.6,field=0.2,survey=0.1,third_party=0.1")
    score.add_argument("--aggregation", choices=list(AGGREGATIONS), default="sum")
    score.add_argument("--redistribute", action="store_true", help="share the weight of a method with no data among the others")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except InputError as exc:
        _print_problems(exc.problems)
        print(f"evalkit {args.command}: {len(exc.problems)} input problem(s)", file=sys.stderr)
        return 1
    except RunError as exc:
        print(f"evalkit {args.command}: {exc}", file=sys.stderr)
        return 1
    except (EvalkitError, ParameterError) as exc:
        print(f"evalkit {args.command}: {exc}", file=sys.stderr)
        return 2


def _framework(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    print(f"{fw.title}: {len(fw.aspects)} 个方面, {len(fw.categories)} 个类别, {len(fw.indicators)} 项指标, "
          f"{len(fw.entities)} 个考评对象, {len(fw.assignments())} 项评分任务")
    print(framework_summary(fw).to_string(index=False))
    print("考评方式及权重: " + ", ".join(f"{m.name} {m.weight:.0%}" for m in fw.methods))
    return 0


def _framework_of(args: argparse.Namespace):
    """The city's framework, with ``--applicability`` applied."""
    fw = load_framework(args.city)
    return fw.with_applicability(load_applicability(fw, args.applicability)) if args.applicability else fw


def _load(args: argparse.Namespace):
    fw = _framework_of(args)
    return fw, read_period(fw, args.period, args.data_dir, strict=not args.lenient)


def _score(args: argparse.Namespace) -> int:
    fw, inputs = _load(args)
    result = score_period(fw, inputs, weights=args.weights, aggregation=args.aggregation, redistribute=args.redistribute)
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
        for group, label in fw.groups.items():
            table = ranking_table(fw, result, group)
            if len(table):
                print(f"\n{fw.name}{result.period.label} {label}排名")
                print(table.to_string(index=False, float_format="{:.2f}".format))
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    try:
        inputs = read_period(_framework_of(args), args.period, args.data_dir, strict=True)
    except InputError as exc:
        _print_problems(exc.problems)
        print(f"\n{len(exc.problems)} 个问题 problem(s): 请按提示修改后重新报送 fix them and submit again", file=sys.stderr)
        return 1
    print(f"{inputs.data_dir}: {len(inputs.files)} 个文件 files, {len(inputs.monitoring)} 条评分 score rows; 没有问题 no problems")
    return 0


def _print_problems(problems) -> None:
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_colwidth", 120,
                           "display.max_rows", None):
        print(problems_table(problems).to_string(index=False), file=sys.stderr)


def _templates(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    out = args.out or paths.OUTPUTS / "templates" / args.city / args.period
    files = write_templates(fw, args.period, out)
    print(f"{len(files)} 个模板 templates in {out}")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    out = args.out or paths.period_dir(args.city, args.period)
    files = write_demo_period(fw, args.period, out, seed=args.seed)
    print(f"{len(files)} 个示例数据文件 synthetic workbooks in {out}")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"--jobs {args.jobs}: expected a number of processes, 1 or more")
    with start(args.cluster, jobs=args.jobs, scheduler=args.scheduler):
        return _run_on(args)


def _run_on(args: argparse.Namespace) -> int:
    if args.all:
        specs = all_params(args.only_city, args.params)
        if not specs:
            raise ParameterError(f"no params files{' for ' + args.only_city if args.only_city else ''} under {args.params or paths.PARAMS}")
        outcomes = run_all(specs, outputs=args.outputs, force=args.force, timeout=args.timeout, jobs=args.jobs,
                           scorecards=args.scorecards)
        table = pd.DataFrame({"城市 city": [o.spec.city for o in outcomes], "期间 period": [str(o.spec.period) for o in outcomes],
                              "结果 result": [("已归档 archived" if o.skipped else "成功 ok") if o.ok else "失败 failed" for o in outcomes],
                              "用时 s": [f"{o.seconds:.0f}" for o in outcomes], "输出 output": [o.where for o in outcomes]})
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
            print(table.to_string(index=False))
        for o in outcomes:
            if not o.ok:
                print(f"\n{o.message}", file=sys.stderr)
        failed = sum(not o.ok for o in outcomes)
        print(f"\n{len(outcomes) - failed} 成功 succeeded, {failed} 失败 failed")
        return 1 if failed else 0
    if not (args.city and args.period):
        raise ParameterError("give CITY and PERIOD, or --all")
    out = run(load_params(args.city, args.period, args.params), outputs=args.outputs, force=args.force, timeout=args.timeout,
              scorecards=args.scorecards, jobs=args.jobs)
    print(f"{args.city} {args.period}: {out}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    report = audit(args.run_dir, timeout=args.timeout)
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if report.identical:
        print(f"{args.run_dir}: identical (结果一致)")
        return 0
    for p in report.problems:
        print(p, file=sys.stderr)
    if report.differences is not None:
        with pd.option_context("display.width", 200, "display.max_columns", None):
            print(report.differences.to_string(index=False), file=sys.stderr)
    print(f"{args.run_dir}: NOT identical (结果不一致)", file=sys.stderr)
    return 1


_COMMANDS = {"run": _run, "audit": _audit, "framework": _framework, "score": _score, "validate": _validate, "templates": _templates, "demo-data": _demo_data}

if __name__ == "__main__":
    sys.exit(main())
