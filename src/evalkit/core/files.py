"""Writing files so that nothing is half-written, and hashing them: atomic writes, JSON, reproducible .xlsx
bytes, the canonical results CSV and SHA-256."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from .escape import inert_workbook


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()



def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON atomically: a temporary file beside ``path``, then renamed over it."""
    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8"))



def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)



def save_workbook(wb: Any, path: Path) -> None:
    """Save an openpyxl workbook as ``path`` whole or not at all (a temporary file beside it, then a rename), every text
    that a spreadsheet would take for a formula made inert (:func:`evalkit.core.escape.inert_workbook`), with the
    permissions the process's umask gives."""
    inert_workbook(wb)
    save_whole(wb, path)


def save_whole(wb: Any, path: Path) -> None:
    """Save an openpyxl workbook (a write-only one too) as ``path`` whole or not at all: a temporary file beside it,
    then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def reproducible_xlsx(path: Path, when: dt.datetime) -> None:
    """Rewrite an xlsx so that equal content gives equal bytes: every zip entry and the document's
    created/modified times set to ``when`` (the run's recorded start) instead of the clock."""
    when = when.astimezone(dt.timezone.utc).replace(microsecond=0)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as zin:
        entries = [(i.filename, zin.read(i)) for i in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rb"\g<1>" + stamp + rb"\g<3>", data)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    write_atomic(path, buf.getvalue())



def results_csv(table: pd.DataFrame) -> bytes:
    """The canonical CSV of a results table: fixed column order, shortest exact floats, LF, UTF-8."""
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n", float_format=None)
    return buf.getvalue().encode("utf-8")
