"""The ``evalkit`` command (DESIGN.md §4): thin wrappers that print what the package returns."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from .errors import EvalkitError, InputError, ParameterError
from .framework import load_applicability, load_framework
from .inputs import read_period
from .scoring import AGGREGATIONS, score_period
from .tables import framework_summary, ranking_table


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


def _load(args: argparse.Namespace):
    fw = load_framework(args.city)
    if args.applicability:
        fw = fw.with_applicability(load_applicability(fw, args.applicability))
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
    _, inputs = _load(args)
    for p in inputs.problems:
        print(p)
    print(f"{len(inputs.problems)} problem(s) in {inputs.data_dir}")
    return 1 if inputs.problems else 0


_COMMANDS = {"framework": _framework, "score": _score, "validate": _validate}

if __name__ == "__main__":
    sys.exit(main())
