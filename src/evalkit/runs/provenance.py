"""The environment a run used: every installed distribution, the evalkit source, Chromium, the fonts, Python, OS, git.

:func:`environment` is what a manifest records under ``software``; :func:`compare` lists, line by line,
how two such records differ (what ``evalkit audit`` and ``evalkit diff`` print).
"""
from __future__ import annotations

import hashlib
import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from ..core import paths

PACKAGE = Path(__file__).resolve().parents[1]
"""The installed evalkit package (``src/evalkit`` in an editable install)."""


def distributions() -> dict[str, str]:
    """Every installed distribution and its version, by normalised name (evalkit itself included)."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[name.lower().replace("_", "-").replace(".", "-")] = dist.version
    return dict(sorted(found.items()))


def source_hash(root: Path = PACKAGE) -> str:
    """SHA-256 over the relative path and content of every file of the evalkit package (caches excluded):
    a local change shows even without git."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@cache
def chromium_version() -> str | None:
    """``chromium --version`` of the browser that prints the PDF, or None when there is none."""
    from ..core.errors import EvalkitError
    from ..publish.printing import chromium

    try:
        done = subprocess.run([chromium(), "--version"], capture_output=True, text=True, timeout=30)
    except (EvalkitError, OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def fonts() -> dict[str, str]:
    """SHA-256 of each font file the reports embed, by file name."""
    from ..core.files import sha256
    from ..publish.fonts import files

    return {path.name: sha256(path) for path in files()}


def git_state(root: Path | None = None) -> dict[str, Any]:
    """The project's git commit (of ``root``, the project folder by default), whether the work tree had uncommitted
    changes, and which files."""
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=root or paths.ROOT, capture_output=True, text=True, timeout=20, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=all", "--", "src", "notebooks", "pyproject.toml", "requirements.lock",
                 "requirements-runtime.lock")
    changed = sorted(line[3:] for line in status.splitlines() if line.strip()) if status is not None else None
    return {"commit": commit.strip() if commit else None, "dirty": bool(changed) if changed is not None else None,
            "changed": changed}


def environment() -> dict[str, Any]:
    """What a manifest records under ``software``."""
    return {"evalkit": __version__, "source_sha256": source_hash(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": platform.platform(),
            "chromium": chromium_version(), "fonts": fonts(), "packages": distributions()}


def differences(then: dict[str, Any], now: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(what, value then, value now) for each difference between two ``software`` records.

    >>> differences({"python": "3.11.2", "packages": {"pandas": "2.2.0"}}, {"python": "3.11.2", "packages": {"pandas": "2.0.0"}})
    [('package pandas', '2.2.0', '2.0.0')]
    """
    found = [(key, then.get(key), now.get(key)) for key in ("evalkit", "source_sha256", "python", "implementation", "platform", "chromium")
             if key in then and then.get(key) != now.get(key)]
    for group in ("fonts", "packages"):
        a, b = then.get(group) or {}, now.get(group) or {}
        found += [(f"{group[:-1]} {name}", a.get(name), b.get(name)) for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
    return found


def compare(then: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Every difference between two ``software`` records, one line each (package, version then and now).

    >>> compare({"python": "3.11.2", "packages": {"pandas": "2.2.0", "six": "1.0"}},
    ...         {"python": "3.11.2", "packages": {"pandas": "2.0.0", "numpy": "2.0"}})
    ['package numpy: not installed then, 2.0 now', 'package pandas: 2.2.0 then, 2.0.0 now', 'package six: 1.0 then, not installed now']
    """
    def shown(value: Any) -> Any:
        return "not installed" if value is None else value
    return [f"{what}: {shown(a)} then, {shown(b)} now" for what, a, b in differences(then, now)]
