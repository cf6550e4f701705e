"""What is published, read from the ledger (``outputs/ledger.jsonl``): each period's published record is its latest
``publish`` or ``correct`` entry (:mod:`evalkit.runs.publication` writes them). Read here, below the history and the
site, which follow it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import EvalkitError

LEDGER = "ledger.jsonl"
EVENTS = ("publish", "correct")


def entries(outputs: Path) -> list[dict[str, Any]]:
    """The ledger's entries, in order; a damaged ledger is an error that says so (nothing is decided on it)."""
    path = Path(outputs) / LEDGER
    if not path.is_file():
        return []
    out = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            entry = json.loads(line)
            if not isinstance(entry, dict) or "event" not in entry:
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            raise EvalkitError(f"{path}, line {number}: not a ledger entry; the ledger is damaged, so what is published "
                               f"cannot be known: run `evalkit ledger verify` (台账已损坏，无法确定已发布的记录)") from None
        out.append(entry)
    return out


def records(outputs: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The published record of each (city, period): its latest ``publish`` or ``correct`` entry."""
    return {(e["city"], e["period"]): e for e in entries(outputs) if e["event"] in EVENTS}


def ever_published(outputs: Path) -> set[str]:
    """The ids of every run that was ever a published record (an original that was corrected included)."""
    return {e["run_id"] for e in entries(outputs) if e["event"] in EVENTS}
