"""The published site: every city's and period's bulletin in one place, built from the archive.

``build_site(outputs, dest)`` writes a static site that works from a file path or any static web server
and makes no request outside itself: an index of every city and published period, each period's public
bulletin with its PDF and workbook, and a trend page per city (totals and ranks by period, and a chart).
Only published records are on the site (``evalkit publish``; a correction replaces its original there); pages
are in Chinese; every text from the archive is escaped.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import jinja2

from ..core import paths
from ..core.codes import code, normalise
from ..framework.loading import load_framework
from ..framework.periods import Period
from ..store.history import history, rebuild
from ..store.published import ever_published
from . import plots
from .fonts import font_face
from .trend_panels import panels

PUBLISHED = {"bulletin.html": "report.html", "bulletin.pdf": "report.pdf", "scores.xlsx": "scores.xlsx"}
"""The files of a run folder that the site publishes, by their name on the site."""

_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
{{ font | safe }}
body { font-family: "EvalkitCJK", "Noto Sans CJK SC", sans-serif; margin: 0 auto; max-width: 960px; padding: 16px; color: #222; line-height: 1.6; }
h1 { font-size: 24px; } h2 { font-size: 19px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
a { color: #0b5394; }
.mark { border-left: 4px solid #d55e00; background: #fdf0e6; padding: 6px 12px; }
ul.periods { list-style: none; padding: 0; } ul.periods li { margin: 6px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; position: sticky; left: 0; background: #fff; }
svg { max-width: 100%; height: auto; }
nav { font-size: 14px; }
</style>
</head>
<body>
{% if up %}<nav><a href="{{ up }}">返回首页</a></nav>{% endif %}
<h1>{{ title }}</h1>
{% if synthetic %}<p class="mark">示例数据：本站所列结果使用合成的示例数据，不是真实考评结果。</p>{% endif %}
{{ body | safe }}
</body>
</html>
""")

_INDEX = jinja2.Environment(autoescape=True).from_string("""
<p>本站汇集各城市历次数字政府建设考评的公开通报，按城市和考评期列出，可查阅通报全文、下载打印版和成绩表。
核对纸质通报请用<a href="verify.html">核验码查询</a>。</p>
{% for city in cities %}
<h2>{{ city.name }}</h2>
<p><a href="{{ city.key }}/index.html">历次考评分值变化</a></p>
<ul class="periods">
{% for p in city.periods %}
<li><a href="{{ city.key }}/{{ p.id }}/index.html">{{ p.label }}</a>：<a href="{{ city.key }}/{{ p.id }}/bulletin.html">通报</a>　<a href="{{ city.key }}/{{ p.id }}/bulletin.pdf">打印版</a>　<a href="{{ city.key }}/{{ p.id }}/scores.xlsx">成绩表</a></li>
{% endfor %}
</ul>
{% endfor %}
""")

_VERIFY = jinja2.Environment(autoescape=True).from_string("""
<p>请输入通报正文末尾（附注下方）印制的核验码（12 位数字），核对手中的通报是否为本站公开的通报、是否已被更正。</p>
<form id="check"><label for="code">核验码</label>　<input id="code" inputmode="numeric" autocomplete="off" size="16">　<button>核验</button></form>
<p id="answer" role="status"></p>
<script>
const CODES = {{ codes | tojson }};
document.getElementById("check").addEventListener("submit", (event) => {
  event.preventDefault();
  const typed = document.getElementById("code").value.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xFEE0));
  const hit = CODES[typed.replace(/[^0-9]/g, "")];
  const answer = document.getElementById("answer");
  answer.textContent = hit ? hit.text : "未找到：本站没有以该核验码公开的通报，请核对号码。";
  if (hit) {
    const link = document.createElement("a");
    link.href = hit.link;
    link.textContent = hit.current ? "查看通报" : "查看现行通报";
    answer.append("　", link);
  }
});
</script>
""")

_PERIOD = jinja2.Environment(autoescape=True).from_string("""
<ul class="periods">
<li><a href="bulletin.html">通报（网页版）</a></li>
<li><a href="bulletin.pdf">通报（打印版）</a>：与纸质通报一致，正文末尾（附注下方）印有核验码，可在<a href="../../verify.html">核验码查询</a>核对</li>
<li><a href="scores.xlsx">成绩表（电子表格）</a></li>
<li><a href="../index.html">本市历次考评分值变化</a></li>
</ul>
""")

_TREND = jinja2.Environment(autoescape=True).from_string("""
<p>下表列出各考评对象历次半年考评分值及组内排名（括号内为名次），最近一期在前。图中每个考评对象一幅小图：蓝线为该考评对象，灰线为同组其他考评对象，各小图纵轴相同且不从 0 开始，按最近一期分值从高到低排列。</p>
{% for g in groups %}
<h2>{{ g.label }}</h2>
<div class="scroll"><table>
<thead><tr><th>考评对象</th>{% for p in g.periods %}<th>{{ p }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in g.rows %}<tr><td>{{ row[0] }}</td>{% for cell in row[1:] %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table></div>
<figure>{{ g.chart | safe }}<figcaption>{{ g.label }}历次半年考评分值</figcaption></figure>
{% endfor %}
<h2>各期通报</h2>
<ul class="periods">{% for p in periods %}<li><a href="{{ p.id }}/index.html">{{ p.label }}通报</a></li>{% endfor %}</ul>
""")


NO_BREAK_HYPHEN = "\u2011"


def _codes(outputs: Path, h) -> dict[str, dict[str, object]]:
    """The 核验码 of every bulletin ever published (corrected originals included), by its digits: what the site
    says of it, and the link to the period's published bulletin."""
    issued = ever_published(outputs)
    runs = h.sql("SELECT run_id, city, period, published FROM runs")
    names = {city: load_framework(city).name for city in set(runs["city"])}
    out = {}
    for r in runs[runs["run_id"].isin(issued)].itertuples():
        label = f"{names[r.city]}{Period.parse(r.period).label}考评结果通报"
        state = "为本站现行公开的通报。" if r.published else "已被更正，请以现行通报为准。"
        shown = code(r.run_id).replace("-", NO_BREAK_HYPHEN)  # a code never breaks across lines
        out[normalise(code(r.run_id))] = {"text": f"{label}（核验码 {shown}）{state}", "current": bool(r.published),
                                          "link": f"{r.city}/{r.period}/bulletin.html"}
    return out


def _order(period: str) -> tuple[int, int]:
    """Sort key: 2022H1, 2022H2, then 2022 (the year after its halves).

    >>> sorted(["2022", "2023H1", "2022H2", "2022H1"], key=_order)
    ['2022H1', '2022H2', '2022', '2023H1']
    """
    p = Period.parse(period)
    return p.year, p.half or 3


def _page(title: str, body: str, *, up: str | None = None, synthetic: bool = False) -> str:
    text = title + body + "返回首页示例数据：本站所列结果使用合成的示例数据，不是真实考评结果。"
    return _PAGE.render(title=title, body=body, up=up, synthetic=synthetic, font=font_face("EvalkitCJK", text))


def build_site(outputs: Path | None = None, dest: Path | None = None) -> Path:
    """Write the site into ``dest`` (default ``outputs/site``), replacing what was there; return ``dest/index.html``."""
    outputs = outputs or paths.OUTPUTS
    dest = dest or outputs / "site"
    rebuild(outputs)
    h = history(outputs=outputs)
    runs = h.sql("SELECT run_id, city, period, folder, synthetic FROM runs WHERE published ORDER BY city, period")
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    cities = []
    for city, part in runs.groupby("city", sort=True):
        fw = load_framework(city)
        part = part.iloc[sorted(range(len(part)), key=lambda i: _order(part["period"].iloc[i]))]  # halves, then their year
        periods = [{"id": p, "label": Period.parse(p).label} for p in reversed(part["period"])]  # the newest first
        for r in part.itertuples():
            target = staging / city / r.period
            target.mkdir(parents=True)
            for name, source in PUBLISHED.items():
                shutil.copy2(Path(r.folder) / source, target / name)  # as archived and signed: never rewritten
            label = f"{fw.name}{Period.parse(r.period).label}数字政府建设考评结果"
            (target / "index.html").write_text(_page(label, _PERIOD.render(), up="../../index.html",
                                                     synthetic=bool(r.synthetic)), encoding="utf-8")
        cities.append({"key": city, "name": fw.name, "periods": periods})
        totals = h.sql("SELECT period, entity, grp, total, rank FROM published WHERE city = ? AND length(period) = 6", city)
        groups = []
        for group, label in fw.groups.items():
            t = totals[totals["grp"] == group]
            if t.empty:
                continue
            order = sorted(set(t["period"]), reverse=True)  # the newest first: on a phone the latest is in view
            cell = {(e, p): f"{v:.2f}（{int(k)}）" for e, p, v, k in zip(t["entity"], t["period"], t["total"], t["rank"])}
            entities = [e for e in fw.entities["entity"] if e in set(t["entity"])]
            labels = {p: Period.parse(p).label for p in order}
            groups.append({"label": label, "periods": [labels[p] for p in order],
                           "rows": [[e, *[cell.get((e, p), "—") for p in order]] for e in entities],
                           "chart": plots.svg(panels(t, f"{fw.name}{label}历次半年考评分值"))})
        (staging / city / "index.html").write_text(
            _page(f"{fw.name}数字政府建设考评：历次结果", _TREND.render(groups=groups, periods=periods), up="../index.html",
                  synthetic=bool(part["synthetic"].any())), encoding="utf-8")
    (staging / "verify.html").write_text(_page("通报核验码查询", _VERIFY.render(codes=_codes(outputs, h)), up="index.html"),
                                         encoding="utf-8")
    (staging / "index.html").write_text(_page("数字政府建设考评结果公开", _INDEX.render(cities=cities),
                                              synthetic=bool(runs["synthetic"].any())), encoding="utf-8")
    h.con.close()
    if dest.exists():
        shutil.rmtree(dest)
    staging.rename(dest)
    return dest / "index.html"
