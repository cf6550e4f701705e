"""The plans' coverage tables (issue 26): every clause of a plan's goal, target and phase sections that carries a date, a
number or a named deliverable is assessed by an indicator that quotes it, or excused with a reason.

The sentences are extracted here from the seed on their own (the sections below were read from the seeds by hand),
independently of the coverage tables and of :mod:`evalkit.framework.coverage`, which must find the same ones.
"""
from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest

import evalkit
from evalkit.core import paths
from evalkit.framework import coverage as cov

from .plan_seeds import seed_text

# The plans' goal, target and phase sections: (opening words, the words that close it).
SECTIONS = {
    "ulanhot": [("(二)工作目标。", "(三)工作原则"), ("2022年6月底前", "二是打造统一安全的政务云")],
    "xining": [("(二)主要目标", "二、主要任务")],
    "jinan": [("(二)工作目标。", "(三)重点任务。")],
    "yuncheng": [("(三)总体目标", "三、总体架构"), ("到2023年末", "3.建设全链条"), ("五、实施步骤", "六、保障措施")],
}
CITIES = sorted(SECTIONS)

_DATE = re.compile(r"[年月底前]")
_NUMBER = re.compile(r"[0-9%个项家]")
_VERBS = ("建成", "完成", "实现", "建设", "打造", "形成", "上线", "接入", "建立", "构建", "启动")

# Clauses carrying an obligation, per city, as the extraction below finds them (a change in the seed or the rule shows).
COUNTS = {"ulanhot": 18, "xining": 25, "jinan": 30, "yuncheng": 50}

# The obligations added as indicators (issue 26): id -> (deadline in the plan's verb, the plan's words holding the verb).
ADDED = {
    "ulanhot": {17: ("2023年底完成", "建立政府和社会数据共享开放机制"), 18: ("2023年底完成", "全市电子政务网络升级改造完成")},
    "xining": {36: ("2024年底完成", "实现各类政务数据的共享交换"), 37: ("2025年底完成", "高频事项全面实现“免证办、就近办、一次办”")},
    "jinan": {35: ("2022年底建成", "高标准建成国家健康医疗大数据北方中心"), 36: ("2022年底建设", "建设全国农业农村大数据应用与运营中心"),
              37: ("2022年底建设", "建设区域物流大数据中心"), 38: ("2022年底完成", "建立多维度数据“画像”")},
    "yuncheng": {40: ("2021年底进行", "开展市、县两级专网整合工作"), 41: ("2021年底启动", "启动市、县两级电子政务外网改造升级"),
                 42: ("2021年底完成", "完成存量信息归集和数据接入"), 43: ("2021年底完成", "梳理形成政务数据资源开放目录"),
                 44: ("2021年底完成", "建立数据安全治理体系"), 45: ("2021年底建设", "建设安全防护、网络信息安全预警体系"),
                 46: ("2021年底完成", "完成全市一体化在线平台功能升级完善"),
                 47: ("2021年底完成", "完成工业运行综合调度平台和国资国企监管平台、智慧消防管理平台、政务信息化项目管理平台"),
                 48: ("2021年底完成", "完成工业运行综合调度平台和国资国企监管平台、智慧消防管理平台、政务信息化项目管理平台、智能信访信息化平台"),
                 49: ("2022年底完成", "实现全市信息基础设施和政务数据中心的集约化布局"),
                 50: ("2022年底完成", "形成全市统一的数字政府标准规范体系"), 51: ("2023年底完成", "建立数据保护与管理机制")},
}
# Entries listed although the extraction rule does not need them.
EXTRA = {"xining": {"完善电子政务外网"}}
# The plan's verb and the deadline's kind where the kinds (framework/deadlines.py) have no word of their own: a verb that
# states a result is 完成; 开展 (……工作) is 进行.
READ_AS = {"建立": "完成", "实现": "完成", "形成": "完成", "开展": "进行"}


@pytest.fixture(scope="module", params=CITIES)
def city(request):
    return request.param


@pytest.fixture(scope="module")
def seed(city):
    return seed_text(city)


@pytest.fixture(scope="module")
def table(city):
    return cov.read_coverage(paths.DATA / city / "coverage.yaml")


@pytest.fixture(scope="module")
def indicators(city):
    return evalkit.load_framework(city).indicators.set_index("id")


def extract(seed: str, sections) -> list[tuple[str, str]]:
    """(sentence, clause) pairs: the sections cut at 。；; and line ends, the sentences at commas; a clause is kept when
    it has a date, a number or a deliverable verb."""
    found = []
    for start, end in sections:
        assert seed.count(start) == 1, start
        i = seed.index(start)
        text = seed[i:seed.index(end, i + len(start))]
        for sentence in filter(None, (s.strip() for s in re.split(r"[。；;\n]", text))):
            found += [(sentence, c.strip()) for c in re.split(r"[,，]", sentence)
                      if c.strip() and (_DATE.search(c) or _NUMBER.search(c) or any(v in c for v in _VERBS))]
    return found


def left_out(found: list[tuple[str, str]], entries) -> list[str]:
    """The clauses that no entry's quote overlaps inside their sentence."""
    missing = []
    for sentence, clause in found:
        at = sentence.index(clause)
        spans = [(m.start(), m.end()) for e in entries for m in re.finditer(re.escape(e.quote), sentence)]
        if not any(a < at + len(clause) and at < b for a, b in spans):
            missing.append(clause)
    return missing


def test_the_extraction_finds_what_a_reader_finds(city, seed):
    found = extract(seed, SECTIONS[city])
    assert len(found) == COUNTS[city], (city, len(found))
    mine = {c for _, c in found}
    theirs = {c for _, c in cov.obligations(seed, SECTIONS[city])}
    assert mine <= theirs, sorted(mine - theirs)  # the module finds at least these (its verb list is longer)


def test_the_table_reads_the_same_sections(city, table):
    assert list(table.sections) == SECTIONS[city]


def test_every_obligation_is_covered_or_excused(city, seed, table):
    missing = left_out(extract(seed, SECTIONS[city]), table.entries)
    assert not missing, f"{city}: clauses of the plan's goals neither assessed nor excused: {missing}"
    assert not cov.uncovered(seed, table), city


def test_every_entry_is_the_plans_words_and_names_an_indicator_that_quotes_it_or_a_reason(city, seed, table, indicators):
    assert cov.problems(seed, table, indicators) == [], city
    sections = [cov.section(seed, *s) for s in table.sections]
    for e in table.entries:
        assert any(e.quote in s for s in sections), (city, e.quote)  # quoted from the goal sections themselves
        assert bool(e.indicators) != bool(e.reason), (city, e.quote)  # one or the other
        for text in (e.reason, e.note):
            assert not re.search(r"[,;:()?!]", text), (city, e.quote, "full-width punctuation in what people read")


def test_removing_any_entry_is_noticed(city, seed, table):
    found, mine = cov.obligations(seed, table.sections), extract(seed, SECTIONS[city])
    extra = set()
    for k, e in enumerate(table.entries):
        rest = table.entries[:k] + table.entries[k + 1:]
        clauses = [c for s, c in found if _overlaps(s, c, e.quote)]
        if not clauses:
            extra.add(e.quote)  # listed although no clause of the rule needs it
            continue
        alone = [c for s, c in found if c in clauses and not any(_overlaps(s, c, o.quote) for o in rest)]
        if alone:  # the only entry for a clause: dropping it fails the module's check, and this test's where it finds the clause
            assert cov.uncovered(seed, replace(table, entries=rest)), (city, e.quote)
            if set(alone) & {c for _, c in mine}:
                assert left_out(mine, rest), (city, e.quote)
        else:  # one of several deliverables named in one clause (e.g. Yuncheng's list of platforms)
            assert len(clauses) == 1 and len(e.quote) < len(clauses[0]), (city, e.quote)
    assert extra == EXTRA.get(city, set()), city


def _overlaps(sentence: str, clause: str, quote: str) -> bool:
    at = sentence.index(clause)
    return any(m.start() < at + len(clause) and at < m.end() for m in re.finditer(re.escape(quote), sentence))


def test_a_gap_is_reported_with_its_sentence():
    seed = "目标。到2023年,建成平台,完成改造。原则。"
    table = cov.Coverage("t", (("目标。", "原则"),), (cov.Entry("到2023年,建成平台", (1,)),))
    assert cov.uncovered(seed, table) == ["完成改造（到2023年,建成平台,完成改造）"]
    ind = pd.DataFrame({"text": ["平台"], "source": ["到2023年,建成平台"]}, index=[1])
    assert cov.problems(seed, table, ind) == ["not covered: 完成改造（到2023年,建成平台,完成改造）"]
    shared = replace(table, entries=(cov.Entry("到2023年,建成平台", (1, 2)), cov.Entry("完成改造", reason="")))
    got = cov.problems(seed, shared, ind)
    assert any("rest on one deliverable" in p for p in got) and any("indicator 2 is not in the framework" in p for p in got)
    assert any("give the reason" in p for p in got)
    assert cov.problems(seed, replace(table, entries=(cov.Entry("建成了平台", (1,)),)), ind)[0] == "'建成了平台' is not verbatim in the plan"


def test_added_obligations_keep_the_plans_verb(city, seed, indicators):
    for i, (deadline, words) in ADDED[city].items():
        row = indicators.loc[i]
        assert row["deadline"] == deadline and words in seed, (city, i)
        verb = re.sub(r"^\d{4}年底", "", deadline)
        assert verb in words or any(plan in words and read == verb for plan, read in READ_AS.items()), (city, i, verb)
        assert {"points", "lead_units"} <= set(row["derived"]) and "deadline" not in row["derived"], (city, i)
        assert "issue 26" in row["reason"], (city, i)


def test_every_added_indicator_is_in_the_table(city, table):
    named = {i for e in table.entries for i in e.indicators}
    assert set(ADDED[city]) <= named, city


def test_the_excused_items_are_listed_for_the_city(city, table):
    excused = table.excused()
    assert list(excused.columns) == ["quote", "reason"] and len(excused)
    assert len(excused) == sum(1 for e in table.entries if not e.indicators and not e.heading)
    assert excused["reason"].str.len().gt(0).all()


def test_a_framework_without_a_table_has_none(tmp_path):
    assert cov.for_framework(paths.DATA / "baotou" / "framework.yaml") is None
    assert cov.for_framework(paths.DATA / "xining" / "framework.yaml").city == "xining"
    (tmp_path / "coverage.yaml").write_text("sections: [1]\n", encoding="utf-8")
    with pytest.raises(evalkit.FrameworkError, match="not a coverage table"):
        cov.read_coverage(tmp_path / "coverage.yaml")
