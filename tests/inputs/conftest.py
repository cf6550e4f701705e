"""One LibreOffice for the test session: started once by the first test that needs it (tests/office/lo_fill.py
--serve, in the system Python that has LibreOffice's ``uno``), sent jobs as JSON lines, stopped at the end."""
from __future__ import annotations

import json
import select
import shutil
import subprocess
from pathlib import Path

import pytest

LO_PYTHON = "/usr/bin/python3"
SERVER = Path(__file__).parents[1] / "office" / "lo_fill.py"


def office_available() -> str | None:
    """Why LibreOffice cannot be used here, or None."""
    if not shutil.which("soffice"):
        return "LibreOffice is not installed (Debian package libreoffice-calc; `make test` installs it when run as root with apt)"
    if subprocess.run([LO_PYTHON, "-c", "import uno"], capture_output=True).returncode != 0:
        return "LibreOffice's Python bridge is not installed (Debian package python3-uno)"
    return None


class Calc:
    """A running LibreOffice Calc that makes and fills workbooks (see tests/office/lo_fill.py)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([LO_PYTHON, str(SERVER), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, encoding="utf-8")
        assert self._line(180) == "ready", "LibreOffice did not start"

    def _line(self, timeout: float) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        assert ready, f"LibreOffice gave no answer in {timeout} s"
        return self.process.stdout.readline().strip()

    def job(self, **job) -> None:
        self.process.stdin.write(json.dumps(job, ensure_ascii=False, default=str) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self._line(120))
        assert answer["ok"], answer.get("error")

    def fill(self, src: Path, dst: Path, cells: list) -> None:
        """``src`` with ``cells`` ([row, column, value(, number format)], 0-based) typed in, saved as ``dst``."""
        self.job(op="fill", src=str(src), dst=str(dst), cells=cells)

    def new(self, dst: Path, sheets: list[dict], **layout) -> None:
        """A new Calc workbook of ``sheets`` ({name, rows, hidden}), with ``merge``, ``hide_rows``, ``hide_columns``."""
        self.job(op="new", dst=str(dst), sheets=sheets, **layout)

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def calc():
    """The session's LibreOffice; the tests that use it are skipped, saying why, where it is not installed."""
    reason = office_available()
    if reason:
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    office = Calc()
    yield office
    office.close()
