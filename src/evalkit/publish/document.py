"""The 通报 as a 公文 after GB/T 9704-2012: its 版头 (发文机关标志, 发文字号), title, 主送机关 and opening paragraph, the
附件说明, 落款, 成文日期 and seal position at the end of the body, the numbered 附件 and the 版记.

The standing parts are the framework's ``document:`` (issuer, mark, 机关代字, the method cited, 主送, 抄送); a period's
own (文号, 成文日期, 印发日期, other recipients) are the run's ``issue:`` parameters. What is not given is left blank for
the office to fill in when it issues the document (``〔2022〕　号``, ``　　年　月　日``): the day of the run never stands
in for the 成文日期.
"""
from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from IPython.display import HTML, display

from ..scoring.assessment import AnnualAssessment, Assessment, overrides

ANNEXES = {"half": ("考评结果", "考评方法", "各考评对象问题清单"), "annual": ("考评结果", "考评方法")}
"""The 附件 of a half-year's and of a year's 通报, in their order (附件1, 附件2, …)."""
BLANK_DATE = "　　年　月　日"
"""A 成文日期 the parameters do not give: left blank, as a draft leaves it for the office."""


@dataclass(frozen=True)
class Issue:
    """One 通报's metadata, resolved: the framework's standing parts and the run's own, as printed."""

    mark: str
    number: str
    title: str
    recipients: str
    opening: str
    issuer: str
    date: str
    copies: str
    printed: str


NOT_PUBLIC = "（此件为测算稿，不公开发布）"
"""The 附注 of a what-if run's 通报 (an adjusted 考评对象适用范围): it is not the official result."""


def chinese_date(text: str | None) -> str:
    """``2022-07-20`` as ``2022年7月20日`` (GB/T 9704: Arabic numerals, no leading zeros); blank when not given.

    >>> chinese_date("2022-07-05"), chinese_date(None)
    ('2022年7月5日', '\u3000\u3000年\u3000月\u3000日')
    """
    if not text:
        return BLANK_DATE
    day = dt.date.fromisoformat(text)
    return f"{day.year}年{day.month}月{day.day}日"


def title_lines(a: Assessment | AnnualAssessment) -> tuple[str, str]:
    """The 通报's title in its two lines, the upper one longer (梯形, GB/T 9704 7.2.3), broken between words:
    ``关于2022年上半年数字政府建设`` / ``考评结果的通报`` (the issuer is in the 版头)."""
    return f"关于{a.period.label}数字政府建设", "考评结果的通报"


def title_text(a: Assessment | AnnualAssessment) -> str:
    """The 通报's title on one line, as its PDF and its page name it."""
    return "".join(title_lines(a))


MARK_WIDTH = 27.0
"""The text block's width (156 mm) in 3号 characters: the 发文机关标志 is set no wider."""


def mark_size(mark: str) -> str:
    """The 发文机关标志's CSS font size: 2.1 times the body's, or smaller so that it fits one line of the text block
    (and of a phone's screen).

    >>> mark_size("某市数字政府建设工作专班文件")
    'font-size: min(1.85em, 6.04vw)'
    """
    em = min(2.1, math.floor(100 * MARK_WIDTH / (1.04 * len(mark))) / 100)  # 1.04: the letter spacing; rounded down to fit
    return f"font-size: min({em:.2f}em, {math.floor(8800 / (1.04 * len(mark))) / 100:.2f}vw)"  # 88vw: a phone's margins


def issue(a: Assessment | AnnualAssessment, given: Mapping[str, Any] | None = None) -> Issue:
    """The 通报's metadata from the framework's ``document:`` and the run's ``issue:`` parameters (``given``)."""
    doc, given = a.framework.publication.get("document") or {}, dict(given or {})
    issuer = doc.get("issuer") or f"{a.framework.name}数字政府建设工作专班"
    year = dt.date.fromisoformat(given["date"]).year if given.get("date") else a.period.year
    number = f"{doc.get('code', '')}〔{year}〕{given['number'] if given.get('number') else '　'}号"
    basis = f"《{doc['basis']}》" + (f"（{doc['basis_number']}）" if doc.get("basis_number") else "") if doc.get("basis") else "考评办法"
    opening = (f"根据{basis}，{issuer}组织开展了{a.period.label}数字政府建设考评。"
               f"{'考评结果由上半年和下半年考评结果计算。' if isinstance(a, AnnualAssessment) else ''}现将考评结果通报如下。")
    return Issue(mark=doc.get("mark") or f"{issuer}文件", number=number, title=title_text(a),
                 recipients=given.get("recipients") or doc.get("recipients") or "", opening=opening, issuer=issuer,
                 date=chinese_date(given.get("date")), copies=given.get("copies") or doc.get("copies") or "",
                 printed=chinese_date(given.get("printed") or given.get("date")))


def _html(*parts: str) -> None:
    display(HTML("\n".join(parts)))


def _p(cls: str, text: str) -> str:
    return f'<p class="{cls}">{html.escape(text)}</p>'


def head(a: Assessment | AnnualAssessment, given: Mapping[str, Any] | None = None) -> None:
    """版头, title, 主送机关 and the opening paragraph; the 示例数据 mark when the inputs are synthetic."""
    from .tables import is_synthetic

    i, upper, lower = issue(a, given), *title_lines(a)
    _html('<div class="gw-head">', f'<p class="gw-mark" style="{mark_size(i.mark)}">{html.escape(i.mark)}</p>',
          _p("gw-number", i.number), '<hr class="gw-rule"></div>',
          f'<h1 class="gw-title">{html.escape(upper)}<br>{html.escape(lower)}</h1>',
          *([_p("gw-synthetic", "示例数据：本通报使用合成的示例数据，不是真实考评结果。")] if is_synthetic(a) else []),
          *(_p("gw-synthetic", "测算稿：" + o.statement(public=True)) for o in overrides(a)),
          *([_p("gw-to", i.recipients + "：")] if i.recipients else []), _p("gw-body", i.opening))


def annex_number(a: Assessment | AnnualAssessment, name: str) -> int:
    """The number of the 附件 called ``name`` in this 通报 (:data:`ANNEXES`)."""
    return ANNEXES["annual" if isinstance(a, AnnualAssessment) else "half"].index(name) + 1


def annex_heading(a: Assessment | AnnualAssessment, name: str) -> None:
    """A 附件's first lines: ``附件N`` at the top left in 黑体, its title centred; it starts on a page of its own."""
    n = annex_number(a, name)
    _html(f'<h2 class="gw-annex" id="annex-{n}"><span class="gw-attach">附件{n}　</span>'
          f'<span class="gw-annex-title">{html.escape(name)}</span></h2>')


def closing(a: Assessment | AnnualAssessment, given: Mapping[str, Any] | None = None) -> None:
    """附件说明, 落款 and 成文日期 under the seal position, and the 附注 (此件公开发布)."""
    i = issue(a, given)
    names = ANNEXES["annual" if isinstance(a, AnnualAssessment) else "half"]
    listed = "".join(f'<span>{k}．{html.escape(n)}</span>' for k, n in enumerate(names, 1))
    _html('<div class="gw-end">',  # kept on one page: a 落款 never stands alone, nor its seal split
          f'<div class="gw-attachments"><span class="gw-label">附件：</span><span class="gw-list">{listed}</span></div>',
          '<div class="gw-closing"><div class="gw-seal" aria-hidden="true">印章位置</div>',
          _p("gw-issuer", i.issuer), _p("gw-date", i.date), "</div>", _p("gw-note", NOT_PUBLIC if overrides(a) else "（此件公开发布）"), "</div>")


def colophon(a: Assessment | AnnualAssessment, given: Mapping[str, Any] | None = None) -> None:
    """版记: 抄送机关, 印发机关 and 印发日期 between rules, at the end of the document."""
    i = issue(a, given)
    copies = f'<p class="gw-copies">抄送：{html.escape(i.copies)}。</p>' if i.copies else ""
    _html(f'<div class="gw-colophon">{copies}<p class="gw-printed"><span>{html.escape(i.issuer)}</span>'
          f'<span>{html.escape(i.printed)}印发</span></p></div>')
