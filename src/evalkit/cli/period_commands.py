"""Commands on a city's framework and one period's inputs: framework, score, validate, templates,
applicability, demo-data, rectification."""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..core import paths
from ..core.errors import EvalkitError, InputError
from ..demo.period import write_demo_period
from ..framework.loading import load_framework
from ..framework.periods import Period
from ..inputs.period import read_period
from ..inputs.templates import write_templates
from ..publish.tables import framework_summary, problems_table, ranking_table
from ..scoring.override import read_with_override, settle
from ..scoring.scores import score_period


def _framework(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    print(f"{fw.title}: {len(fw.aspects)} 个方面, {len(fw.categories)} 个类别, {len(fw.indicators)} 项指标, "
          f"{len(fw.entities)} 个考评对象, {len(fw.assignments())} 项评分任务")
    print(framework_summary(fw).to_string(index=False))
    print("考评方式及权重: " + ", ".join(f"{m.name} {m.weight:.0%}" for m in fw.methods))
    return 0



def _load(args: argparse.Namespace, strict: bool):
    """The framework (with ``--applicability`` applied), the period's inputs and the override, or ``None``."""
    fw = load_framework(args.city)
    if not args.applicability:
        return fw, read_period(fw, args.period, args.data_dir, strict=strict), None
    fw, inputs, override = read_with_override(fw, args.applicability, args.period, args.data_dir, strict)
    print_override(override)
    return fw, inputs, override



def print_override(override) -> None:
    """The what-if's statement, its counts and its consequences, in Chinese, on standard error."""
    print(f"{override.statement()}\n{override.summary()}", file=sys.stderr)
    table = override.consequences()
    if len(table):
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_colwidth", 120,
                               "display.max_rows", None):
            print(table.to_string(index=False), file=sys.stderr)



def _score(args: argparse.Namespace) -> int:
    fw, inputs, override = _load(args, strict=not args.lenient)
    options = {"weights": args.weights, "aggregation": args.aggregation, "redistribute": args.redistribute}
    result = score_period(fw, inputs, **options, **({} if override is None else {"strict": False}))
    if override is not None:
        result = settle(result, inputs, override)
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
        for group, label in fw.groups.items():
            table = ranking_table(fw, result, group)
            if len(table):
                print(f"\n{fw.name}{result.period.label} {label}排名" + ("（测算，非正式结果）" if override else ""))
                print(table.to_string(index=False, float_format="{:.2f}".format))
    for w in result.warnings:
        print(f"提示 warning: {w.zh or w}" + (f"（{w}）" if w.zh else ""), file=sys.stderr)
    return 0



def _validate(args: argparse.Namespace) -> int:
    """Read every file of the period as ``score`` would, list what was read, ignored or refused, and score it
    (with ``--redistribute`` if given), so that a period that validates also scores."""
    fw, inputs, override = _load(args, strict=False)
    actions = {"read": "读取 read", "ignored": "忽略 ignored", "refused": "拒绝 refused"}
    table = pd.DataFrame({"文件 file": [e.name for e in inputs.inventory], "处理 action": [actions[e.action] for e in inputs.inventory],
                          "说明": [e.zh for e in inputs.inventory], "reason": [e.reason for e in inputs.inventory]})
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_colwidth", 120, "display.max_rows", None):
        print(f"{inputs.data_dir}:")
        print(table.to_string(index=False))
    problems = list(inputs.problems)
    if not problems:
        try:
            score_period(fw, inputs, redistribute=args.redistribute)
        except InputError as exc:
            problems = exc.problems
    if problems:
        print_problems(problems)
        print(f"\n{len(problems)} 个问题 problem(s): 请按提示修改后重新报送 fix them and submit again"
              + ("；因调整考评对象适用范围产生的事项已另列，不属于报送问题" if override else ""), file=sys.stderr)
        return 1
    print(f"{len(inputs.files)} 个文件已读取 files read, {len(inputs.monitoring)} 条评分 score rows; 没有问题 no problems")
    return 0



def print_problems(problems) -> None:
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_colwidth", 120,
                           "display.max_rows", None):
        print(problems_table(problems).to_string(index=False), file=sys.stderr)



def _templates(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    out = args.out or paths.OUTPUTS / "templates" / args.city / args.period
    files = write_templates(fw, args.period, out)
    print(f"{len(files)} 个模板 templates in {out}")
    return 0



def _applicability(args: argparse.Namespace) -> int:
    from ..inputs.applicability import write_applicability_workbook

    fw = load_framework(args.city)
    path = write_applicability_workbook(fw, args.out or paths.OUTPUTS / "applicability" / f"{args.city}_考评对象适用范围.xlsx")
    print(f"考评对象适用范围表 applicability workbook: {path} ({len(fw.indicators)} 项指标 × {len(fw.entities)} 个考评对象)")
    return 0



def _demo_data(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    out = args.out or paths.period_dir(args.city, args.period)
    files = write_demo_period(fw, args.period, out, seed=args.seed)
    print(f"{len(files)} 个示例数据文件 synthetic workbooks in {out}")
    return 0



def _rectification(args: argparse.Namespace) -> int:
    import nbformat

    from ..core.recorded import recorded, synthetic
    from ..inputs.rectification import write_workbooks
    from ..runs.archive import load_manifest

    manifest = load_manifest(args.run_dir)
    city, period = paths.city_name(manifest.get("city")), Period.parse(str(manifest.get("period")))  # names, never paths
    if period.is_annual:
        raise EvalkitError(f"{args.run_dir}: a year's run; expected an archived half-year run folder, outputs/CITY/PERIOD")
    nb = nbformat.read(str(args.run_dir / manifest["notebook"]), as_version=4)
    try:
        items = recorded(nb, "problems")
    except ValueError:
        raise EvalkitError(f"{args.run_dir}: the run recorded no problem list (问题清单); run the period again with this version") from None
    example = synthetic(recorded(nb, "options"))
    out = args.out or paths.OUTPUTS / "rectification" / city / str(period)
    files = write_workbooks(load_framework(city), items.fillna({"carried": "", "required": "", "status": ""}),
                            str(period), out, synthetic=example)
    print(f"{len(files)} 份整改清单 workbooks in {out}")
    return 0


COMMANDS = {"applicability": _applicability, "demo-data": _demo_data, "framework": _framework,
            "rectification": _rectification, "score": _score, "templates": _templates, "validate": _validate}
