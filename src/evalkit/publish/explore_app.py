"""The explore app (notebooks/30_explore.ipynb, in JupyterLab or served by Voilà as ``make dashboard``): pick a city,
a half-year and an entity, move the method weights and the aggregation, and see the ranking, the what-if chart, the
drill-down, the change since the previous half-year, the coherence, the trend and the internal edition's analysis
follow; the tables export to Excel. Everything is driven by widgets; no code needs editing."""
from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.sensitivity import compare
from ..core import paths
from ..core.errors import EvalkitError
from ..core.rounding import display_round
from ..framework.options import AGGREGATIONS
from ..framework.periods import Period
from ..scoring.assessment import Assessment
from ..scoring.scores import PeriodResult, score_period
from . import explore, explore_export, explore_source
from .explore_plot import what_if_chart
from .explore_view import chinese_error, table

RANKING_COLUMNS = {"entity": "考评对象", "group": "组别", "total": "公布分值", "rank": "公布排名", "new_total": "调整后分值",
                   "new_rank": "调整后排名", "change": "排名变化"}
INTRO = ("<p style='margin: 0 0 6px 0; line-height: 1.6;'>选择城市、考评期和考评对象，拖动滑块或直接输入各考评方式的权重（%，"
         "按合计归一），排名、图表和明细随之更新；“导出 Excel”保存当前排名与明细。与上期相比默认对比上一个半年。</p>")
WIDE = {"width": "100%"}
SCROLL = {"max_width": "100%", "overflow": "auto"}


def _period_label(period: str) -> str:
    try:
        return Period.parse(period).label
    except EvalkitError:
        return str(period)


class Explorer:
    """The widget app. Built from the notebook's parameters (the pickers' first values), or from an ``assessment``
    already made (tests). ``a`` is the assessment shown, None while the chosen period cannot be opened (``message``
    then says why, in Chinese). Sliders act on release and have a box to type the value in."""

    def __init__(self, city: str, period: str, *, entity: str | None = None, strict: bool = False,
                 weights: Mapping[str, float] | None = None, aggregation: str = "sum",
                 previous: Mapping[str, Any] | str | None = explore_source.AUTO, assessment: Assessment | None = None,
                 outputs: Path | None = None):
        import ipywidgets as w

        self.options = {"strict": strict, "weights": weights, "aggregation": aggregation, "previous": previous}
        self.exports = outputs or paths.OUTPUTS / "explore"
        self.a: Assessment | None = None
        self.result: PeriodResult | None = None
        self.changed = pd.DataFrame()
        self.figure = None
        self.sliders: dict[str, Any] = {}
        self.boxes: dict[str, Any] = {}
        self.panels: list[tuple[Any, Any]] = []  # (header, details) of the drill-down panels of other cells
        self._busy = False
        self._shown: dict[str, Any] = {}
        label = {"style": {"description_width": "5em"}, "layout": {"width": "auto", "min_width": "16em"}}
        cities = explore_source.cities()
        self.city = w.Dropdown(options=cities if city in [c for _, c in cities] else [*cities, (city, city)], value=city,
                               description="城市", **label)
        self.period = w.Dropdown(description="考评期", **label)
        self.pick = w.Dropdown(description="考评对象", **label)
        self.aggregation = w.RadioButtons(options=[(v, k) for k, v in AGGREGATIONS.items()], value=aggregation, description="日常监测",
                                          style={"description_width": "5em"}, layout={"width": "auto"})
        self.weight_rows = w.VBox(layout=WIDE)
        self.used = w.HTML()
        self.message = w.HTML()
        self.header, self.plot = w.HTML(), w.Image(format="png", layout={"width": "750px", "min_width": "560px", "height": "auto"})
        self.table, self.detail = w.Output(layout=SCROLL), w.Output(layout=SCROLL)  # a table wider than a phone scrolls
        self.change, self.coherence, self.trend, self.analysis = (w.Output(layout=SCROLL) for _ in range(4))
        self.export = w.Button(description="导出 Excel", icon="download", button_style="primary", tooltip="将排名与明细保存为 Excel 文件")
        self.download = w.HTML()
        exporting = w.HBox([self.export, self.download], layout={"flex_flow": "row wrap", "align_items": "center"})
        self.tabs = w.Tab(children=[w.VBox([self.header, w.Box([self.plot], layout=SCROLL), exporting, self.table, self.detail]),
                                    self.change, self.coherence, self.trend, self.analysis], layout=WIDE)
        for k, title in enumerate(("排名与明细", "与上期相比", "统计一致性", "历次趋势", "内部版分析")):
            self.tabs.set_title(k, title)
        self.body = w.VBox([w.HBox([self.pick, self.aggregation], layout={"flex_flow": "row wrap"}), self.weight_rows, self.used,
                            self.tabs], layout=WIDE)
        self.ui = w.VBox([w.HBox([self.city, self.period], layout={"flex_flow": "row wrap"}), self.message, self.body],
                         layout=WIDE)
        for widget, name in ((self.ui, "explore"), (self.city, "city"), (self.period, "period"), (self.pick, "entity"),
                             (self.table, "ranking"), (self.message, "message"), (self.download, "download")):
            widget.add_class(f"evalkit-{name}")  # for the browser test and a stylesheet
        self._set_periods(period)
        self.city.observe(self._city_changed, names="value")
        self.period.observe(self._period_changed, names="value")
        self.pick.observe(self.refresh, names="value")
        self.aggregation.observe(self.refresh, names="value")
        self.export.on_click(self.save)
        self.tabs.observe(self._tab_changed, names="selected_index")
        self.load(assessment, entity)

    def _set_periods(self, period: str | None) -> None:
        """The city's half-years in the period picker; ``period`` chosen (added, marked, if it has no data), else the latest."""
        found = explore_source.periods(self.city.value)
        if period is not None and period not in [p for _, p in found]:
            found = [*found, (f"{_period_label(period)}（无数据）", period)]
        self._busy = True
        try:
            self.period.options = found
            self.period.value = period if period is not None else (found[-1][1] if found else None)
        finally:
            self._busy = False

    def _city_changed(self, change: Any) -> None:
        self._set_periods(None)
        self.load()

    def _period_changed(self, change: Any) -> None:
        if not self._busy:
            self.load()

    def load(self, assessment: Assessment | None = None, entity: str | None = None) -> None:
        """Open the picked city and period (or take ``assessment``); a period that cannot be opened leaves its Chinese
        message in :attr:`message` and hides the rest, never a traceback."""
        try:
            a = assessment or explore_source.open_period(self.city.value, self.period.value, **self.options)
        except EvalkitError as exc:
            self.a = None
            self.message.value = f"<div class='evalkit-error' style='color: #c00000; padding: 8px 0;'>{html.escape(chinese_error(exc))}</div>"
            self.body.layout.display = "none"
            return
        self.a, self._shown = a, {}
        self.message.value = ""
        self.body.layout.display = None
        self._busy = True
        try:
            self._weight_controls(a)
            entities = list(a.result.totals["entity"])
            self.pick.options = entities
            self.pick.value = entity if entity in entities else explore.default_entity(a)
            self.aggregation.value = a.result.options["aggregation"]
        finally:
            self._busy = False
        self.refresh()

    def _weight_controls(self, a: Assessment) -> None:
        """A row per method: its name, a slider the width of the page and a box to type the value (both in %)."""
        import ipywidgets as w

        names = a.framework.method_names
        if list(self.sliders) != list(a.result.weights):
            self.sliders = {k: w.IntSlider(min=0, max=100, step=1, continuous_update=False, readout=False,
                                           layout={"flex": "1 1 300px", "min_width": "300px"}) for k in a.result.weights}
            self.boxes = {k: w.BoundedIntText(min=0, max=100, step=1, layout={"flex": "0 0 5.5em"}) for k in a.result.weights}
            for k, s in self.sliders.items():
                w.link((s, "value"), (self.boxes[k], "value"))
                s.observe(self.refresh, names="value")
            self.weight_rows.children = [  # on a phone the slider wraps below its name and box, the full width of the screen
                w.HBox([w.Label(names[k], layout={"flex": "0 0 6em"}), self.boxes[k], w.Label("%", layout={"flex": "0 0 1.5em"}), s],
                       layout={"width": "100%", "align_items": "center", "flex_flow": "row wrap"}) for k, s in self.sliders.items()]
            for k, row in zip(self.sliders, self.weight_rows.children):
                row.add_class(f"evalkit-weight-{k}")
        for k, v in a.result.weights.items():
            self.sliders[k].value = round(100 * v)

    @property
    def weights(self) -> dict[str, float]:
        """The weights in use: the sliders' values normalised to sum 1 (the assessment's if all are 0)."""
        raw = {k: float(s.value) for k, s in self.sliders.items()}
        total = sum(raw.values())
        return {k: v / total for k, v in raw.items()} if total else dict(self.a.result.weights)

    def ranking(self, group: str | None = None) -> pd.DataFrame:
        """The ranking under the chosen weights beside the published one, totals rounded as printed: one group's
        (default the picked entity's), or every group's when ``group`` is ``"all"``."""
        fw, c = self.a.framework, self.changed
        if group != "all":
            c = c[c["group"] == (group or self._group())]
        c = c.sort_values(["group", "new_rank", "entity"]).assign(group=lambda d: d["group"].map(fw.groups),
                                                                   total=lambda d: display_round(d["total"]),
                                                                   new_total=lambda d: display_round(d["new_total"]))
        return c[list(RANKING_COLUMNS)].rename(columns=RANKING_COLUMNS).reset_index(drop=True)

    def _group(self) -> str:
        return self.a.result.totals.set_index("entity").loc[self.pick.value, "group"]

    def refresh(self, *_: Any) -> None:
        """Re-score under the controls and redraw what depends on them."""
        from . import plots

        if self._busy or self.a is None:
            return
        a, fw, entity, weights = self.a, self.a.framework, self.pick.value, self.weights
        self.result = score_period(fw, a.inputs, weights=weights, aggregation=self.aggregation.value)
        self.changed = compare(a.result, self.result)
        group = self._group()
        view = self.changed[self.changed["group"] == group]
        self.figure = what_if_chart(view, entity, f"{fw.groups[group]}：调整权重后的分值与排名")
        with self.plot.hold_sync(), self.header.hold_sync(), self.used.hold_sync():
            self.used.value = "使用的权重（归一后）：" + "、".join(f"{fw.method_names[k]} {v:.0%}" for k, v in weights.items())
            self.header.value = f"<h3>{html.escape(explore.header_text(a, entity, self.result))}</h3>"
            self.plot.value = plots.png(self.figure)
            self.download.value = ""
        _replace(self.table, table(self.ranking().drop(columns="组别")))
        for head, _ in self.panels:
            head.value = self.header.value
        for out in (self.detail, *(out for _, out in self.panels)):
            with out:
                out.clear_output(wait=True)
                explore.show_entity(a, entity, self.result, header=False)
        if self._shown.get("change") != entity:  # the change since the last period and the trend follow the entity only
            self._shown["change"] = entity
            with self.change:
                self.change.clear_output(wait=True)
                explore.show_change(a, entity)
            with self.trend:
                self.trend.clear_output(wait=True)
                explore.show_trend(a, entity)
        with self.coherence:
            self.coherence.clear_output(wait=True)
            explore.show_coherence(a, group, result=self.result)
        self._tab_changed()

    def _tab_changed(self, *_: Any) -> None:
        """The internal edition's analysis (Sobol indices take a few seconds) is made when its tab is opened."""
        from . import analysis_report

        if self.tabs.selected_index != 4 or self.a is None or self._shown.get("analysis") is self.a:
            return
        self._shown["analysis"] = self.a
        with self.analysis:
            self.analysis.clear_output(wait=True)
            for section in (analysis_report.show_coherence, analysis_report.show_sobol, analysis_report.show_attribution,
                            analysis_report.show_applicability):
                section(self.a)

    def sheets(self) -> dict[str, pd.DataFrame]:
        """What the export writes: the ranking of every group under the chosen weights, the entity's drill-down, the weights."""
        fw = self.a.framework
        weights = pd.DataFrame({"考评方式": [fw.method_names[k] for k in self.weights],
                                "权重": [round(v, 4) for v in self.weights.values()],
                                "公布权重": [round(self.a.result.weights[k], 4) for k in self.weights]})
        return {"排名（调整权重后）": self.ranking("all"), f"{self.pick.value}评分明细": explore.drilldown(self.a, self.pick.value),
                "权重": weights}

    def save(self, *_: Any) -> Path | None:
        """Write the tables as a new workbook under ``outputs/explore/`` and offer it as a download; its path."""
        if self.a is None:
            return None
        data = explore_export.workbook_bytes(self.sheets())
        stem = f"{self.a.framework.city}-{self.a.period}-{self.pick.value}"
        try:
            path = explore_export.write_new(data, stem, self.exports)
        except OSError as exc:
            self.download.value = f"（未能保存到服务器：{html.escape(exc.strerror or str(exc))}）" + explore_export.download_link(data, f"{stem}.xlsx")
            return None
        where = path.relative_to(paths.ROOT) if path.is_relative_to(paths.ROOT) else path
        self.download.value = (f"<span style='margin-left: 8px;'>已保存为 {html.escape(str(where))}。</span>"
                               + explore_export.download_link(data, path.name))
        return path

    def drilldown(self) -> Any:
        """A drill-down panel for another cell; it follows the pickers, the sliders and the aggregation."""
        import ipywidgets as w

        panel = (w.HTML(self.header.value), w.Output())
        self.panels.append(panel)
        if self.a is not None:
            with panel[1]:
                explore.show_entity(self.a, self.pick.value, self.result, header=False)
        return w.VBox(list(panel))


def _replace(out: Any, content: Any) -> None:
    from IPython.display import display

    with out:
        out.clear_output(wait=True)
        display(content)


def app(city: str, period: str, **options: Any) -> Explorer:
    """Show how to use it (a line of HTML) and the widget app (:class:`Explorer`, with the notebook's parameters as its
    first values); return the app."""
    from IPython.display import HTML, display

    ex = Explorer(city, period, **options)
    display(HTML(INTRO), ex.ui)
    return ex
