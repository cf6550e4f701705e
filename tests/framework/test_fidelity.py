"""The plan cities' frameworks against their seeds: every dated deadline, every numeric target (number, unit,
direction, year) and every unit name the frameworks take as given is backed by a verbatim quote of the plan.

Anything a framework states without such a quote must be flagged ``derived`` (推定, to be confirmed by the city).
The tables below were read from the seeds by hand; the tests check the frameworks against them, both ways.
"""
from __future__ import annotations

import re

import pytest

import evalkit

from .plan_seeds import seed_text, spec

# Dated sections of each plan: (year, month) -> (the text that opens the section, the text that follows it).
SECTIONS = {
    "yuncheng": {(2021, 12): ("(一)第一阶段(2021年):夯实基础、重点推进", "(二)第二阶段(2022年)"),
                 (2022, 12): ("(二)第二阶段(2022年):全面建设、深化应用", "(三)第三阶段(2023年)"),
                 (2023, 12): ("(三)第三阶段(2023年):完善提升、协同运行", "六、保障措施"),
                 (2023, 12, "末"): ("到2023年末", "3.建设全链条的冷链食品监管与溯源系统")},
    "ulanhot": {(2022, 6): ("2022年6月底前", "二是打造统一安全的政务云"),
                (2023, 12): ("(二)工作目标。到2023年", "(三)工作原则")},
    "jinan": {(2022, 12): ("经过4年的努力,到2022年底构建起以政务大数据为驱动的新型政务管理运行模式", "(三)重点任务")},
    "xining": {(2023, 12): ("2023年底,建成西宁市政务云", "\n"), (2024, 12): ("到2024年", "\n"), (2025, 12): ("到2025年", "\n")},
}

# indicator -> (section key, the plan's words for the deliverable inside that section)
DEADLINES = {
    "yuncheng": {
        40: ((2021, 12), "开展市、县两级专网整合工作"),
        41: ((2021, 12), "启动市、县两级电子政务外网改造升级"),
        42: ((2021, 12), "完成存量信息归集和数据接入"),
        43: ((2021, 12), "梳理形成政务数据资源开放目录"),
        44: ((2021, 12), "建立数据安全治理体系"),
        45: ((2021, 12), "建设安全防护、网络信息安全预警体系"),
        46: ((2021, 12), "完成全市一体化在线平台功能升级完善"),
        47: ((2021, 12), "完成工业运行综合调度平台和国资国企监管平台、智慧消防管理平台、政务信息化项目管理平台"),
        48: ((2021, 12), "完成工业运行综合调度平台和国资国企监管平台、智慧消防管理平台、政务信息化项目管理平台、智能信访信息化平台"),
        49: ((2022, 12), "实现全市信息基础设施和政务数据中心的集约化布局"),
        50: ((2022, 12), "形成全市统一的数字政府标准规范体系"),
        51: ((2023, 12), "建立数据保护与管理机制"),
        1: ((2021, 12), "完成智慧城市运营指挥中心和全市党政机关一体化决策指挥平台“领导驾驶舱”系统建设"),
        2: ((2021, 12), "完成智慧城市运营指挥中心和全市党政机关一体化决策指挥平台“领导驾驶舱”系统建设"),
        3: ((2021, 12), "完成工业运行综合调度平台和国资国企监管平台"),
        10: ((2021, 12), "完成工业运行综合调度平台和国资国企监管平台、智慧消防管理平台"),
        12: ((2021, 12), "完成全市“12345”服务热线整合"),
        16: ((2021, 12), "完成市公共资源交易电子服务系统一体化建设"),
        17: ((2022, 12), "建设“晋政通”移动办公应用"),
        19: ((2023, 12, "末"), "基本实现“一网通管、一网通查、一网通办”的工作目标"),
        20: ((2021, 12), "完成工业运行综合调度平台和国资国企监管平台、智慧消防管理平台、政务信息化项目管理平台、智能信访信息化平台、冻品冷链追溯平台"),
        26: ((2021, 12), "市级政务云平台基本建成"),
        27: ((2021, 12), "市、县两级政府部门全部接入本级电子政务外网"),
        28: ((2021, 12), "建立政务数据统一开放平台"),
        34: ((2021, 12), "完成电子政务外网IPV6改造"),
        35: ((2021, 12), "加快实施电子政务外网网络提速“万万千”工程,实现乡镇(街道)全覆盖"),
        36: ((2021, 12), "初步完成五大基础信息资源库建设"),
        37: ((2021, 12), "完成市级中介服务超市和“好差评”系统建设"),
        18: ((2021, 12), "完成信用信息共享平台升级扩容"),
        29: ((2022, 12), "对已建政务网络和信息系统进行国产密码改造"),
        30: ((2022, 12), "全面实现“一网通办”"),
        31: ((2022, 12), "建设全市统一的电子公文交换系统"),
        38: ((2022, 12), "实现省、市、县三级政府间和部门间市场监管信息互联互通"),
        39: ((2022, 12), "高频行政办公业务基本实现移动化"),
        32: ((2023, 12), "打造有影响力的数据治理经营平台"),
        33: ((2023, 12), "形成多元共治、协同共享的社会治理应用体系"),
    },
    "ulanhot": {
        17: ((2023, 12), "建立政府和社会数据共享开放机制"),
        18: ((2023, 12), "全市电子政务网络升级改造完成"),
        1: ((2022, 6), "完善全市电子政务外网建设"),
        2: ((2022, 6), "市政府到各镇、街道办事处达到100Mbps 以上"),
        3: ((2022, 6), "加快网络IPv6协议改造"),
        16: ((2022, 6), "实现各部门、乡镇、办事处全接入"),
        7: ((2023, 12), "乌兰浩特市政务协同办公平台建成投用"),
    },
    "jinan": {
        35: ((2022, 12), "依托济南国际医学科学中心高标准建成国家健康医疗大数据北方中心"),
        36: ((2022, 12), "依托济南市省级智慧农业试验区建设全国农业农村大数据应用与运营中心"),
        37: ((2022, 12), "依托济南国际内陆港建设区域物流大数据中心"),
        38: ((2022, 12), "以自然人、法人等为核心要素建立多维度数据“画像”"),
        10: ((2022, 12), "依托市级政务服务平台打造网上政务服务总门户"),
        7: ((2022, 12), "实现具有实用价值的政府开放数据集超过3000项"),
        12: ((2022, 12), "除经本级政府批准的事项外,市县(区)级依申请政务服务事项100%实现网上可办"),
        13: ((2022, 12), "除需现场核验身份或材料原件的审批事项外,“不见面审批事项”达到100%"),
        14: ((2022, 12), "力争基层办事100%实现网上证明开具电子化"),
        34: ((2022, 12), "推进市县(区)级政务服务事项全部纳入平台管理"),
    },
    "xining": {
        36: ((2024, 12), "实现各类政务数据的共享交换"),
        37: ((2025, 12), "高频事项全面实现“免证办、就近办、一次办”"),
        6: ((2024, 12), "建成“数据清、预判准、流程简、服务细、全覆盖”的西宁市社区事务管理服务平台"),
        13: ((2025, 12), "除涉密和特殊外的依申请政务服务事项100%“网上可办”"),
        14: ((2025, 12), "除涉密和特殊外的依申请政务服务事项100%“网上可办”,70%以上“全程网办”"),
        19: ((2025, 12), "一体化协同办公平台在市、县(区)、乡镇(街道)三级组织覆盖率达100%"),
        21: ((2025, 12), "建成29项数字政府特色应用场景"),
        30: ((2023, 12), "建成西宁市政务云"),
        29: ((2023, 12), "完善电子政务外网"),
        7: ((2025, 12), "打造“治理、预警、指挥、决策、展示”治理体系"),
        31: ((2024, 12), "非涉密系统整合上云率达到95%以上"),
    },
}

# indicator -> (value, op, unit, the plan's words stating the number (or 全部/全) and its direction)
TARGETS = {
    "yuncheng": {27: (100, ">=", "%", "全部接入")},
    "ulanhot": {2: (100, ">=", "Mbps", "达到100Mbps 以上"), 16: (100, ">=", "%", "全接入")},
    "jinan": {7: (3000, ">", "项", "超过3000项"), 12: (100, ">=", "%", "100%实现网上可办"), 13: (100, ">=", "%", "达到100%"),
              14: (100, ">=", "%", "100%实现网上证明开具电子化"), 34: (100, ">=", "%", "全部纳入平台管理")},
    "xining": {13: (100, ">=", "%", "100%“网上可办”"), 14: (70, ">=", "%", "70%以上"), 19: (100, ">=", "%", "覆盖率达100%"),
               21: (29, ">=", "项", "建成29项"), 31: (95, ">=", "%", "达到95%以上")},
}
# How the plans write "at least" and "more than"; "全部"/"全" (all) is a 100 % target.
DIRECTION = {">=": ("以上", "达到", "达", "100%", "全部", "全接入", "建成"), ">": ("超过",)}

# What a plan leaves out of a count (除…外) and the words that narrow what is counted, per indicator: (exclusions,
# qualifiers), kept verbatim in the indicator's text, its source and its target's definition.
QUALIFIED = {
    "xining": {13: (("除涉密和特殊外",), ("依申请",)), 14: (("除涉密和特殊外",), ("依申请",)),
               19: ((), ("市、县(区)、乡镇(街道)三级组织",)), 31: ((), ("非涉密",))},
    "jinan": {7: ((), ("具有实用价值的",)), 12: (("除经本级政府批准的事项外",), ("市县(区)级", "依申请")),
              13: (("除需现场核验身份或材料原件的审批事项外",), ()), 14: ((), ("基层办事",)), 34: ((), ("市县(区)级",))},
    "yuncheng": {27: ((), ("市、县两级",))},
    "ulanhot": {16: ((), ("各部门、乡镇、办事处",)), 2: ((), ("市政府到各镇、街道办事处",))},
}
EXCLUSION = re.compile(r"除[^,，。;；除]*?外")
"""An exclusion as the plans write it."""

# The plans' verbs of degree and stage (METHOD.md §5 and the verbs the plans add), read by hand: a quoted deadline's
# kind is the first of them in its quote; a quote with none states a result (实现, 达到, 建立, 形成, 接入) and is 完成.
PLAN_VERBS = ("力争", "全面完成", "基本完成", "初步完成", "全面建成", "基本建成", "初步建成", "基本实现", "完成", "建成", "启动",
              "加快", "推进", "深化", "完善", "建设", "打造", "进行")


def plan_verb(quote: str) -> str:
    """The kind a quote's verb gives.

    >>> plan_verb("初步完成五大基础信息资源库建设"), plan_verb("加快推进"), plan_verb("全部接入本级电子政务外网")
    ('初步完成', '加快', '完成')
    """
    found = [(quote.find(v), -len(v), v) for v in (*PLAN_VERBS, "开展") if v in quote]
    return {"开展": "进行"}.get(min(found)[2], min(found)[2]) if found else "完成"


# Unit names as the plan writes them (a quote naming each); a lead unit not quoted here must be flagged derived.
UNITS = {
    "yuncheng": {"市政务信息管理局": "“一局”即市政务信息管理局", "市数字政府服务中心": "“一中心”即市数字政府服务中心"},
    "ulanhot": {},
    "jinan": {"市大数据局": "市大数据局将会同市政府办公厅、市行政审批服务局等部门",
              "市政府办公厅": "市大数据局将会同市政府办公厅、市行政审批服务局等部门",
              "市行政审批服务局": "市大数据局将会同市政府办公厅、市行政审批服务局等部门"},
    "xining": {},
}
# Names that differ from the city's own usage and must not come back.
WRONG_NAMES = {"yuncheng": {"市水利局": "市水务局"}}

CITIES = sorted(DEADLINES)


@pytest.fixture(scope="module", params=CITIES)
def city(request):
    return request.param


@pytest.fixture(scope="module")
def seed(city):
    return seed_text(city)


@pytest.fixture(scope="module")
def indicators(city):
    return evalkit.load_framework(city).indicators.set_index("id")


def _section(seed: str, start: str, end: str) -> str:
    assert seed.count(start) == 1, f"section opening {start!r} is not once in the seed"
    i = seed.index(start)
    return seed[i:seed.index(end, i + len(start))]


def test_sections_name_their_dates(city, seed):
    for key, (start, end) in SECTIONS[city].items():
        text = _section(seed, start, end)
        year, month = key[0], key[1]
        assert f"{year}年" in text[:len(start)], (city, key)
        assert month == 12 or f"{month}月" in text[:len(start)], (city, key)


def test_every_dated_deadline_is_quoted_from_its_section(city, seed, indicators):
    dated = indicators[indicators["due_year"].notna()]
    undocumented = [i for i, r in dated.iterrows() if "deadline" not in r["derived"] and i not in DEADLINES[city]]
    assert not undocumented, f"{city}: dated deadlines without a quote (quote them or flag them derived): {undocumented}"
    for i, (key, quote) in DEADLINES[city].items():
        assert quote in _section(seed, *SECTIONS[city][key]), (city, i, quote)
        row = indicators.loc[i]
        assert (row["due_year"], row["due_month"]) == key[:2], (city, i, row["deadline"])
        assert "deadline" not in row["derived"], f"{city} {i}: the plan gives the deadline; it is not derived"
        assert not row["continues"], (city, i)


def kind_problems(city: str, indicators) -> list[str]:
    """Each quoted deadline whose kind is not the one its quote's verb gives, or whose text drops the verb."""
    found = []
    for i, (_, quote) in DEADLINES[city].items():
        row, verb = indicators.loc[i], plan_verb(quote)
        if row["deadline_kind"] != verb:
            found.append(f"{city} {i}: {row['deadline']!r} is {row['deadline_kind']}; the plan says {verb}: {quote}")
        elif verb not in row["deadline"]:
            found.append(f"{city} {i}: {row['deadline']!r} drops the plan's verb {verb}")
    return found


def test_every_quoted_deadline_has_the_kind_of_its_verb(city, indicators):
    assert kind_problems(city, indicators) == []


def test_a_hardened_verb_is_caught(indicators, city):
    """The other way: a kind that is not the quote's verb (初步完成 recorded as 完成, 完成 softened) is found."""
    changed = indicators.copy()
    for i, (_, quote) in DEADLINES[city].items():
        changed.loc[i, "deadline_kind"] = "初步完成" if plan_verb(quote) == "完成" else "完成"
    assert len(kind_problems(city, changed)) == len(DEADLINES[city])


def test_ongoing_deadlines_are_flagged_derived(indicators):
    ongoing = indicators[indicators["due_year"].isna() & indicators["due_month"].isna()]
    assert all("deadline" in d for d in ongoing["derived"])


def test_every_target_is_quoted_with_number_unit_direction_and_year(city, seed, indicators):
    got = {i: (r["target"], r["target_op"], r["target_unit"]) for i, r in indicators.iterrows() if r["target"] == r["target"]}
    assert got == {i: t[:3] for i, t in TARGETS[city].items()}, city
    for i, (value, op, unit, words) in TARGETS[city].items():
        assert words in seed, (city, i, words)
        assert f"{value}{unit}" in words or (value == 100 and unit == "%" and "全" in words), (city, i, words)
        assert any(d in words for d in DIRECTION[op]), (city, i, op, words)
        assert i in DEADLINES[city], f"{city} {i}: a target needs the year it is due"
        key, quote = DEADLINES[city][i]
        assert words in quote or words in _section(seed, *SECTIONS[city][key]), (city, i)


def qualifier_problems(city: str, seed: str, indicators) -> list[str]:
    """Exclusions and qualifiers: the framework's are the plan's (both ways), each verbatim in the seed, the quote,
    the source, the text and the target's definition; every 除…外 of a quote or a source is recorded."""
    found = []
    recorded = {i: (r["exclusions"], r["qualifiers"]) for i, r in indicators.iterrows() if r["exclusions"] or r["qualifiers"]}
    if recorded != QUALIFIED[city]:
        found.append(f"{city}: exclusions and qualifiers {recorded} are not the plan's {QUALIFIED[city]}")
    for i, row in indicators.iterrows():
        quote = DEADLINES[city].get(i, (None, ""))[1]
        for words in EXCLUSION.findall(quote) + EXCLUSION.findall(row["source"]):
            if words not in row["exclusions"]:
                found.append(f"{city} {i}: the plan excludes {words!r}; record it in exclusions")
        for words in (*row["exclusions"], *row["qualifiers"]):
            where = {"the seed": seed, "the quote": quote, "source": row["source"], "text": row["text"]}
            if row["target"] == row["target"]:
                where["the target's definition"] = row["target_definition"]
            found += [f"{city} {i}: {words!r} is not in {name}" for name, value in where.items() if words not in value]
    return found


def test_exclusions_and_qualifiers_are_the_plans(city, seed, indicators):
    assert qualifier_problems(city, seed, indicators) == []


@pytest.mark.parametrize("change", ["drop", "text", "definition"])
def test_a_dropped_exclusion_or_qualifier_is_caught(city, seed, indicators, change):
    """The other way: an exclusion or qualifier left out of the data, the text or the definition is found."""
    changed = indicators.copy()
    i, (exclusions, qualifiers) = next(iter(QUALIFIED[city].items()))
    words = (*exclusions, *qualifiers)[0]
    if change == "drop":
        changed.at[i, "exclusions"], changed.at[i, "qualifiers"] = (), ()
    else:
        column = "text" if change == "text" else "target_definition"
        changed.loc[i, column] = changed.loc[i, column].replace(words, "")
    assert qualifier_problems(city, seed, changed)


def test_unit_names_are_the_plans_or_flagged_derived(city, seed, indicators):
    for name, quote in UNITS[city].items():
        assert quote in seed and name in quote, (city, name)
    fw = evalkit.load_framework(city)
    for name in UNITS[city]:
        assert name in set(fw.entities["entity"]), f"{city}: {name} is spelled as the plan writes it"
    for i, row in indicators.iterrows():
        if "lead_units" not in row["derived"]:
            missing = [u for u in row["lead_units"] if u not in UNITS[city]]
            assert not missing, f"{city} {i}: the plan never assigns {missing}; flag lead_units derived"
    for wrong, right in WRONG_NAMES.get(city, {}).items():
        assert wrong not in fw.alias_map and right in set(fw.entities["entity"]), (city, wrong)


def test_yuncheng_lead_units_the_plan_never_assigns_are_derived():
    ind = evalkit.load_framework("yuncheng").indicators.set_index("id")
    assert all("lead_units" in ind.loc[i, "derived"] for i in (1, 2, 12, 26, 27, 28, 29, 32))


def test_jinan_lead_units_are_derived_where_the_plan_only_names_the_coordinators():
    ind = evalkit.load_framework("jinan").indicators.set_index("id")
    assert all("lead_units" in ind.loc[i, "derived"] for i in (*range(1, 6), *range(7, 14), 15))


def test_yuncheng_phase_aspect_holds_both_parts_of_each_phase():
    fw = evalkit.load_framework("yuncheng")
    aspect = fw.aspects.set_index("id").loc["七", "name"]
    assert "支撑体系" not in aspect
    cats = fw.categories[fw.categories["aspect"] == "七"].set_index("id")["name"]
    ind = fw.indicators[fw.indicators["aspect"] == "七"].set_index("id")["category"]
    for i in (30, 31, 33, 37, 38, 39):
        assert "业务应用建设" in cats[ind[i]], i
    for i in (26, 27, 28, 29, 32, 34, 35, 36):
        assert "支撑体系建设" in cats[ind[i]], i


def test_deadline_sources_in_the_frameworks_are_verbatim(city, seed):
    for a in spec(city)["aspects"]:
        for c in a["categories"]:
            for i in c["indicators"]:
                quotes = i.get("deadline_source") or []
                for q in [quotes] if isinstance(quotes, str) else quotes:
                    assert q in seed, (city, i["id"], q)
