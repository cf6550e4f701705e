"""Point allocation (METHOD.md §3): aspects, categories and indicators, with exact fractions."""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any


def fraction(value: Any, what: str, problems: list[str]) -> Fraction | None:
    """Points as an exact fraction; '2/3', 0.5 and 1 are all accepted."""
    try:
        f = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        problems.append(f"{what}: points {value!r} are not a number")
        return None
    if f < 0:
        problems.append(f"{what}: points {value!r} are negative")
    return f



def allocate(aspects: list[dict], categories: list[dict], indicators: list[dict],
              overrides: Mapping[int, Fraction | None], problems: list[str]) -> None:
    """METHOD.md §3: open points are split equally within the nearest level that has points."""
    for ind in indicators:
        ind["points"] = overrides.get(ind["id"], ind["table_points"])
        ind["points_from"] = "override" if ind["id"] in overrides else "table"
    for asp in aspects:
        in_asp = [i for i in indicators if i["aspect"] == asp["id"]]
        pool = asp["points"]  # what the aspect leaves to indicators of categories without points
        open_in_aspect = []
        for cat in (c for c in categories if c["aspect"] == asp["id"]):
            inds = [i for i in in_asp if i["category"] == cat["id"]]
            fixed = sum(i["points"] for i in inds if i["points"] is not None)
            open_ = [i for i in inds if i["points"] is None]
            if cat["points"] is None:
                open_in_aspect += open_
                pool -= fixed
            elif open_:
                pool -= cat["points"]
                _share(cat["points"] - fixed, open_, f"category {asp['id']}.{cat['id']} ({cat['name']})", problems)
            else:
                pool -= cat["points"]
                if fixed != cat["points"]:
                    ids = ", ".join(str(i["id"]) for i in inds)
                    problems.append(f"category {asp['id']}.{cat['id']} ({cat['name']}): indicators {ids} have {_fmt(fixed)} points; expected {_fmt(cat['points'])}")
        if open_in_aspect:
            _share(pool, open_in_aspect, f"aspect {asp['id']} ({asp['name']})", problems)
        total = sum(i["points"] for i in in_asp if i["points"] is not None)
        if total != asp["points"]:
            problems.append(f"aspect {asp['id']} ({asp['name']}): indicator points sum to {_fmt(total)}; expected {_fmt(asp['points'])}")
    grand = sum(a["points"] for a in aspects if a["points"] is not None)
    if grand != 100:
        problems.append(f"aspects: points sum to {_fmt(grand)}; expected 100")



def _share(rest: Fraction, open_: list[dict], what: str, problems: list[str]) -> None:
    """Give each open indicator an equal share of ``rest``."""
    if rest < 0:
        problems.append(f"{what}: no points are left for indicator(s) {', '.join(str(i['id']) for i in open_)}")
        return
    for i in open_:
        i["points"] = rest / len(open_)
        i["points_from"] = "allocated"



def _fmt(x: Fraction | None) -> str:
    return "?" if x is None else (str(x) if x.denominator == 1 else f"{float(x):g}")
