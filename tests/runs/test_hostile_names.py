"""Every name is data (issue 23): a city whose every name is hostile — markup, Markdown, spreadsheet formulas, paths,
reserved file names — taken through the whole flow by the command line (templates, demo data, a run with
scorecards, publication, the site, the 整改清单): no HTML holds a live tag or an outside address, no workbook holds
a formula, no file lands outside its folder, and every file takes the process's umask."""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from evalkit.core import paths

pytestmark = pytest.mark.slow

CITY = "hostile"
RENAMED = {"昆都仑区": '=HYPERLINK("http://evil.example","点击")', "青山区": "<script>alert(3)</script>区",
           "市审批服务局": "市审批服务局/../../PWNED", "市公安局": "..", "市教育局": "-1+1局", "市财政局": "@财政局", "东河区": "CON"}
ASPECTS = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "**粗体**方面", "-2+3方面", "<style>body{display:none}</style>"]
METHODS = ['=HYPERLINK("http://evil.example","监测")', "<script>alert(2)</script>实地", "@SUM(1)民调", "+1第三方"]


def hostile_city(root: Path) -> None:
    """Baotou's framework with every name replaced by a payload; the renamed entities keep their old names as aliases,
    so the indicators' lead units still resolve."""
    spec = yaml.safe_load((paths.DATA / "baotou" / "framework.yaml").read_text(encoding="utf-8"))
    spec |= {"city": CITY, "name": "<img src=x onerror=alert('name')>市", "title": '=HYPERLINK("http://evil.example","标题")',
             "groups": {"district": "<b>旗县区</b>", "department": "=1+1部门"}}
    for method, name in zip(spec["methods"], METHODS):
        method["name"] = name
    for k, aspect in enumerate(spec["aspects"]):
        aspect["name"] = ASPECTS[k % len(ASPECTS)]
        for category in aspect.get("categories") or []:
            category["name"] = f"=cmd|' /C calc'!A0 类{category['id']}"
            for ind in category.get("indicators") or []:
                ind["text"] = f"=1+1 指标{ind['id']}<b>加粗</b>"
    folder = root / "data" / CITY
    folder.mkdir(parents=True)
    (folder / "framework.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with (paths.DATA / "baotou" / "entities.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    with (folder / "entities.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, ["entity", "group", "aliases"])
        out.writeheader()
        for row in rows:
            if row["entity"] in RENAMED:
                row["aliases"] = ";".join([a for a in (row["aliases"] or "").split(";") if a] + [row["entity"]])
                row["entity"] = RENAMED[row["entity"]]
            out.writerow(row)
    (root / "params" / CITY).mkdir(parents=True)
    (root / "params" / CITY / "2022H1.yaml").write_text(f"city: {CITY}\nperiod: 2022H1\nstrict: true\n", encoding="utf-8")


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """The whole flow by the command line, under umask 022, into one folder."""
    root = tmp_path_factory.mktemp("hostile")
    hostile_city(root)
    env = {**os.environ, "EVALKIT_DATA": str(root / "data")}
    out = root / "out"

    def evalkit(*args: str) -> None:
        done = subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); from evalkit.cli import main; sys.exit(main())",
                               *args], capture_output=True, text=True, env=env, cwd=root, timeout=600)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stdout[-2000:], done.stderr[-3000:])

    evalkit("templates", CITY, "2022H1", "--out", str(root / "templates"))
    evalkit("demo-data", CITY, "2022H1")
    evalkit("run", CITY, "2022H1", "--params", str(root / "params"), "--outputs", str(out), "--scorecards")
    evalkit("publish", str(out / CITY / "2022H1"))
    evalkit("site", "--outputs", str(out), "--out", str(root / "site"))
    evalkit("rectification", str(out / CITY / "2022H1"), "--out", str(root / "rectification"))
    return root


class _Live(HTMLParser):
    """Elements and attributes a payload would make live."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_svg = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in_svg += tag == "svg"
        if tag in ("script", "iframe", "b", "i", "object", "embed") and not (tag == "script" and not a and self.page == "verify.html"):
            self.found.append(f"<{tag}>")
        if tag == "svg" and self._in_svg > 1:
            self.found.append("<svg> inside <svg>")
        if tag == "img" and a.get("src") == "x":
            self.found.append("<img src=x>")
        self.found += [f"<{tag} {k}>" for k in a if k.startswith("on")]
        self.found += [f"<{tag} {k}={v}>" for k, v in a.items() if k in ("href", "src") and v and re.match(r"(?i)\s*(javascript|https?):", v)]

    def handle_endtag(self, tag):
        self._in_svg -= tag == "svg"


def test_every_html_page_holds_names_as_text(flow):
    pages = sorted(p for p in flow.rglob("*.html"))
    assert len(pages) > 40  # both editions, 37 scorecards and their index, the site
    for page in pages:
        parser = _Live()
        parser.page = page.name
        parser.feed(page.read_text(encoding="utf-8"))
        assert not parser.found, (page.relative_to(flow), parser.found[:5])
    bulletin = (flow / "out" / CITY / "2022H1" / "report.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in bulletin and "&lt;b&gt;旗县区&lt;/b&gt;" in bulletin


def test_no_workbook_holds_a_formula_and_names_read_back_as_typed(flow):
    books = sorted(flow.rglob("*.xlsx"))
    assert len(books) > 50
    for book in books:
        with zipfile.ZipFile(book) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert "<f>" not in z.read(name).decode("utf-8"), f"{book.relative_to(flow)} {name}: a formula"
    scores = load_workbook(flow / "out" / CITY / "2022H1" / "scores.xlsx")
    texts = {c.value for ws in scores.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert RENAMED["昆都仑区"] in texts and any(t.startswith(METHODS[0]) for t in texts)
    cell = next(c for ws in scores.worksheets for row in ws.iter_rows() for c in row if c.value == RENAMED["昆都仑区"])
    assert cell.data_type == "s" and cell.quotePrefix


def test_file_names_from_names_stay_in_their_folders(flow):
    assert not [p for p in flow.parent.rglob("*PWNED*") if flow not in p.parents]
    for folder in ("templates/monitoring", "rectification", f"out/{CITY}/2022H1/scorecards"):
        names = [p.name for p in (flow / folder).iterdir()]
        assert any("PWNED" in n for n in names), folder
        assert not [n for n in names if n.startswith(".") or "/" in n or n.split(".")[0].upper() == "CON"], names


def test_written_files_take_the_umask(flow):
    modes = {p.relative_to(flow).as_posix(): p.stat().st_mode & 0o777 for p in flow.rglob("*")
             if p.is_file() and "inputs" not in p.parts and ".store" not in p.parts and not p.name.startswith(".")
             and p.parent.name not in ("keys",)}
    loose = {n: oct(m) for n, m in modes.items() if m != 0o644}
    assert not loose, list(loose.items())[:10]
