"""Finding the run behind a printed bulletin's verification code (核验码), with its signature and publication state."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.codes import code, normalise
from ..core.errors import EvalkitError
from ..store.published import ever_published, records
from . import archive, ledger


@dataclass(frozen=True)
class Found:
    """A run whose code matches: where it is, what it is, whether its signature holds, whether it is published."""

    folder: Path
    city: str
    period: str
    run_id: str
    started: str
    signature: str  # state of keys.check: signed, demo, unsigned, unknown, forged
    signature_text: str
    published: bool  # the period's current published record
    superseded: bool  # corrected by a later record, or replaced by a later run

    def line(self) -> str:
        state = ("已发布 published" if self.published else "已被更正或替换 superseded" if self.superseded else "未发布 not published")
        return (f"{self.city} {self.period}: run {self.run_id}, {self.started[:16]} UTC, {ledger.relative(self.folder, self.folder.parents[1])}; "
                f"{state}; {self.signature_text}")


def find(outputs: Path, typed: str) -> list[Found]:
    """Every archived run in ``outputs`` whose verification code is ``typed`` (normally one)."""
    digits = normalise(typed)
    if len(digits) != 12:
        raise EvalkitError(f"{typed!r}: a verification code has 12 digits, e.g. 2586-0235-8313 (核验码应为 12 位数字)")
    current = {e["run_id"] for e in records(outputs).values()}
    found = []
    for folder in ledger.run_folders(outputs):
        try:
            manifest = archive.load_manifest(folder)
        except EvalkitError:
            continue
        run_id = manifest["run"]["id"]
        if normalise(code(run_id)) != digits:
            continue
        state, text = archive.manifest_signature(folder, manifest["city"])
        found.append(Found(folder, manifest["city"], manifest["period"], run_id, manifest["run"]["started"], state, text,
                           run_id in current, "." in folder.name or (run_id not in current and run_id in ever_published(outputs))))
    return found
