"""What a forger does to an archived run folder, step by step, for the tests that must catch it."""
from __future__ import annotations

import json
from pathlib import Path

from evalkit.core.files import sha256
from evalkit.runs import archive


def rehash(folder: Path, *names: str, sign: bool = True) -> None:
    """Update the manifest's hashes of the files changed; ``sign``: also re-sign it, as an insider holding the
    city's key could (the other defences must hold then too); without it, as anyone else."""
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in names:
        m["files"][name] = sha256(folder / name)
    if "results.csv" in names:
        m["results"]["sha256"] = sha256(folder / "results.csv")
    write_manifest(folder, m, sign=sign)


def write_manifest(folder: Path, manifest: dict, *, sign: bool = True) -> None:
    """Write an edited manifest; ``sign`` re-signs it with the city's key (:func:`evalkit.runs.archive.seal`)."""
    if sign:
        archive.seal(folder, manifest)
    else:
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def rechain(ledger: Path, edit=None, *, strip: bool = False) -> None:
    """Re-hash the whole ledger after ``edit(entry)`` (anyone can: the hashes need no key); ``strip`` drops the
    signatures too, which is the only way to make the re-hashed entries look consistent without the key."""
    from evalkit.runs.ledger import GENESIS, _digest

    previous, out = GENESIS, []
    for line in ledger.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if edit:
            edit(entry)
        if strip:
            entry.pop("signature", None)
        entry["previous"] = previous
        entry["hash"] = previous = _digest(entry)
        out.append(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    ledger.write_text("\n".join(out) + "\n", encoding="utf-8")
