"""A plan's coverage table (``data/<city>/coverage.yaml``): every clause of the plan's goal, target and phase sections
that carries a date, a number or a named deliverable, with the indicators that assess it or the reason it is not
assessed (issue 26).

The sentences are found from the plan's text alone (:func:`obligations`): the sections split into sentences at
``。；;`` (and line ends) and each sentence into clauses at ``,，``; a clause carries an obligation when it names a date (年, 月, 底, 前), a
number (digits, %, 个, 项, 家 …) or a deliverable verb (建成, 完成, 实现 …). :func:`problems` lists every clause the table
leaves out and every entry whose quote is not the plan's or whose indicators do not quote it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..core.errors import FrameworkError

SENTENCE_END = "。；;\n"
CLAUSE_END = ",，"
DATE = re.compile(r"\d{4}年|[年月底前]")
NUMBER = re.compile(r"\d|%|[一二三四五六七八九十百千万]+[个项家级类大]|[个项家]")
VERBS = ("建成", "完成", "实现", "建设", "打造", "形成", "上线", "接入", "建立", "构建", "启动", "达到", "覆盖", "投用", "改造", "整合")


@dataclass(frozen=True)
class Entry:
    """One obligation of the plan: its words (verbatim), the indicators assessing it, or why it is not assessed."""

    quote: str
    indicators: tuple[int, ...] = ()
    reason: str = ""
    note: str = ""
    heading: bool = False  # a heading or a summary line whose items follow one by one: not listed for the city


@dataclass(frozen=True)
class Coverage:
    """A plan's coverage table: the sections read (opening and closing words) and the entries."""

    city: str
    sections: tuple[tuple[str, str], ...]
    entries: tuple[Entry, ...]

    def excused(self) -> pd.DataFrame:
        """The obligations not assessed, with their reasons (``quote, reason``), in the plan's order of the table."""
        rows = [(e.quote, e.reason) for e in self.entries if not e.indicators and not e.heading]
        return pd.DataFrame(rows, columns=["quote", "reason"])


def carries_obligation(clause: str) -> bool:
    """Whether a clause names a date, a number or a deliverable.

    >>> [carries_obligation(c) for c in ("2022年6月底前", "建成29项数字政府特色应用场景", "坚持以人民为中心")]
    [True, True, False]
    """
    return bool(DATE.search(clause) or NUMBER.search(clause) or any(v in clause for v in VERBS))


def split(text: str, marks: str) -> list[str]:
    """``text`` cut after each of ``marks``, stripped, empty pieces dropped.

    >>> split("甲,乙。丙;", "。;")
    ['甲,乙', '丙']
    """
    return [p.strip() for p in re.split(f"[{re.escape(marks)}]", text) if p.strip()]


def section(seed: str, start: str, end: str) -> str:
    """The seed's text from ``start`` (once in the seed) up to the next ``end``."""
    if seed.count(start) != 1:
        raise FrameworkError(f"coverage section: the opening {start!r} is {seed.count(start)} times in the plan; expected once")
    i = seed.index(start)
    j = seed.find(end, i + len(start))
    if j < 0:
        raise FrameworkError(f"coverage section: no {end!r} after {start!r} in the plan")
    return seed[i:j]


def obligations(seed: str, sections: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every ``(sentence, clause)`` of the sections whose clause carries an obligation, in the plan's order.

    >>> obligations("目标。到2023年,建成平台,坚持统筹。原则。", [("目标。", "原则")])
    [('到2023年,建成平台,坚持统筹', '到2023年'), ('到2023年,建成平台,坚持统筹', '建成平台')]
    """
    found = []
    for start, end in sections:
        for sentence in split(section(seed, start, end), SENTENCE_END):
            found += [(sentence, c) for c in split(sentence, CLAUSE_END) if carries_obligation(c)]
    return found


def uncovered(seed: str, coverage: Coverage) -> list[str]:
    """The clauses no entry's quote overlaps (in the same sentence), each as ``clause（sentence）``."""
    missing = []
    for sentence, clause in obligations(seed, coverage.sections):
        at = sentence.index(clause)
        spans = [(m.start(), m.start() + len(e.quote)) for e in coverage.entries
                 for m in re.finditer(re.escape(e.quote), sentence)]
        if not any(a < at + len(clause) and at < b for a, b in spans):
            missing.append(f"{clause}（{sentence}）")
    return missing


def quotes_it(indicator: pd.Series, quote: str) -> bool:
    """Whether the indicator's text, source or deadline source quotes ``quote`` (or is quoted by it)."""
    sources = indicator.get("deadline_source") or ()
    words = [indicator.get("text") or "", indicator.get("source") or "", *([sources] if isinstance(sources, str) else sources)]
    return any(w and (quote in w or w in quote) for w in words)


def problems(seed: str, coverage: Coverage, indicators: pd.DataFrame) -> list[str]:
    """Every way the table fails the plan: a quote not verbatim, an entry with neither indicators nor reason, an indicator
    that does not exist or does not quote the entry, a clause left out. ``indicators`` is indexed by id and has
    ``text``, ``source`` and (optionally) ``deadline_source``."""
    found = []
    for e in coverage.entries:
        if e.quote not in seed:
            found.append(f"{e.quote!r} is not verbatim in the plan")
        if not e.indicators and not e.reason.strip():
            found.append(f"{e.quote!r}: name the indicators that assess it or give the reason it is not assessed")
        if len(e.indicators) > 1 and not e.note.strip():
            found.append(f"{e.quote!r}: indicators {list(e.indicators)} rest on one deliverable; merge them or explain the split in a note")
        for i in e.indicators:
            if i not in indicators.index:
                found.append(f"{e.quote!r}: indicator {i} is not in the framework")
            elif not quotes_it(indicators.loc[i], e.quote) and not e.note:
                found.append(f"{e.quote!r}: indicator {i} neither quotes it nor is quoted by it; quote it or add a note")
    found += [f"not covered: {c}" for c in uncovered(seed, coverage)]
    return found


def read_coverage(path: Path, city: str = "") -> Coverage:
    """Read a ``coverage.yaml``: ``sections`` (each ``{start, end}``) and ``entries`` (each ``quote`` with
    ``indicators`` or ``reason``, an optional ``note`` and ``heading``)."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        sections = tuple((s["start"], s["end"]) for s in spec["sections"])
        entries = tuple(Entry(str(e["quote"]), tuple(int(i) for i in e.get("indicators") or ()), str(e.get("reason") or ""),
                              str(e.get("note") or ""), bool(e.get("heading"))) for e in spec["entries"])
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise FrameworkError(f"{path}: not a coverage table ({exc}); expected `sections` of {{start, end}} and `entries` "
                             "of {quote, indicators or reason}（覆盖表格式有误）") from exc
    return Coverage(city or spec.get("city", path.parent.name), sections, entries)


def for_framework(framework_path: Path) -> Coverage | None:
    """The coverage table beside a framework file, or None when the city has none (an assessment method, not a plan)."""
    path = framework_path.with_name("coverage.yaml")
    return read_coverage(path) if path.is_file() else None
