"""The evalkit a bundle carries and what it trusts: the source at the run's commit (``git archive``), checked against
the hash the run's signed manifest records; the runtime lock it installs from, checked against the distributions the
run recorded; and the city's public keys that the audit checks the signatures with.

A run from uncommitted code, or from a commit this checkout does not know, is refused unless the installed evalkit's
own source hashes as the run recorded: that source is then taken, and the bundle says so.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import keys, paths
from ..core.errors import EvalkitError
from ..core.files import sha256
from ..core.paths import confined
from . import provenance
from .wheelhouse import RUNTIME_LOCK, normalise, pins

INSTALLED = ("src", "notebooks", "data", "params", "deploy", "pyproject.toml", "README.md", "requirements.lock", RUNTIME_LOCK)
"""What is taken of an installed evalkit that is not a git checkout: what installing it and running a notebook read."""
SKIPPED = ("__pycache__", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Source:
    """The evalkit source a bundle carries, laid out in ``root``."""

    root: Path
    origin: str  # "git archive" or "installed"
    commit: str | None
    source_sha256: str
    note: str


def _git(project: Path, *args: str, text: bool = True) -> Any:
    try:
        done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=text, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _archive(project: Path, commit: str, into: Path) -> bool:
    """``git archive`` of ``commit`` unpacked into ``into``; False when this checkout does not know the commit."""
    if not commit or _git(project, "cat-file", "-e", f"{commit}^{{commit}}") is None:
        return False
    data = _git(project, "archive", "--format=tar", commit, text=False)
    if data is None:
        return False
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return True


def _copy_installed(project: Path, into: Path) -> None:
    """The installed evalkit's files (tracked and untracked, not ignored, when it is a git checkout)."""
    listed = _git(project, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    names = [n for n in listed.split("\0") if n] if listed is not None else \
        [p.relative_to(project).as_posix() for top in INSTALLED for p in ([project / top] if (project / top).is_file()
                                                                           else sorted((project / top).rglob("*")))]
    for name in names:
        path = project / name
        if path.is_file() and not path.is_symlink() and not set(Path(name).parts) & set(SKIPPED) and not name.endswith(".pyc"):
            target = confined(into, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
            target.chmod(path.stat().st_mode & 0o755 | 0o644)


def source(manifest: dict[str, Any], into: Path, project: Path | None = None) -> Source:
    """The evalkit source of the run ``manifest`` records, laid out in ``into``: the recorded commit from the checkout
    ``project`` (the installed evalkit's by default) when its package hashes as recorded, else the installed source when
    that does; an error otherwise. Either way its notebook must be the one the run executed."""
    project = Path(project or paths.ROOT)
    git = manifest.get("git") or {}
    commit, recorded = git.get("commit"), manifest["software"].get("source_sha256")
    why = ""
    if git.get("dirty"):
        why = f"the run used uncommitted code ({', '.join(git.get('changed') or [])}) at commit {(commit or '?')[:12]}"
    elif not _archive(project, commit, into):
        why = f"this checkout ({project}) does not know the run's commit {commit or '(none recorded)'}"
    else:
        found = provenance.source_hash(into / "src" / "evalkit")
        if found == recorded:
            _check_notebook(into, manifest)
            return Source(into, "git archive", commit, found, f"git archive of commit {commit}")
        why = f"commit {commit[:12]}'s evalkit hashes {found[:12]}…, the run recorded {str(recorded)[:12]}…"
    installed = provenance.source_hash()
    if installed != recorded:
        raise EvalkitError(f"cannot bundle the run's evalkit source: {why}, and the installed evalkit hashes {installed[:12]}… "
                           f"(the run recorded {str(recorded)[:12]}…): check out the run's commit, or bundle on the machine that "
                           f"made the run (无法取得该运行所用的 evalkit 源代码)")
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    _copy_installed(paths.ROOT, into)
    if provenance.source_hash(into / "src" / "evalkit") != recorded:
        raise EvalkitError("the installed evalkit changed while it was copied into the bundle; bundle again (复制源代码时源代码发生变化)")
    _check_notebook(into, manifest)
    return Source(into, "installed", commit, recorded, f"{why}; the installed evalkit's source, whose hash equals the one the run "
                                                      f"recorded, was taken instead (采用当前安装的、哈希值与运行记录一致的源代码)")


def _check_notebook(root: Path, manifest: dict[str, Any]) -> None:
    """The bundled notebook must be the one the run executed (its SHA-256 as the manifest records)."""
    notebook = confined(root / "notebooks", str(manifest["notebook"]))
    if not notebook.is_file() or sha256(notebook) != manifest["source_notebook"]["sha256"]:
        raise EvalkitError(f"notebooks/{manifest['notebook']} of the bundled source is not the notebook the run executed "
                           f"(its SHA-256 differs from the manifest's source_notebook); check out the run's commit "
                           f"(笔记本与运行记录不一致)")


def runtime_lock(source_root: Path, manifest: dict[str, Any]) -> tuple[str, str]:
    """The runtime lock a bundle installs from and where it came from: the bundled source's own (the run's commit), or,
    for a commit older than the runtime lock, the installed checkout's. Every pin must be the version the run recorded."""
    own = source_root / RUNTIME_LOCK
    path, origin = (own, "the run's source") if own.is_file() else (paths.ROOT / RUNTIME_LOCK, f"the installed checkout ({paths.ROOT})")
    if not path.is_file():
        raise EvalkitError(f"no {RUNTIME_LOCK} in the run's source nor in {paths.ROOT}: run make lock (缺少运行时依赖锁定文件)")
    text = path.read_text(encoding="utf-8")
    differ = lock_differences(text, manifest["software"].get("packages") or {})
    if differ:
        raise EvalkitError(f"{RUNTIME_LOCK} of {origin} pins other versions than the run used: {'; '.join(differ)}; a bundle "
                           f"rebuilds the run's environment, so its lock must pin what the run had installed "
                           f"(锁定文件的版本与运行时安装的版本不一致)")
    return text, origin


def lock_differences(lock_text: str, packages: dict[str, str]) -> list[str]:
    """Each pin of a lock whose version is not the one the run recorded.

    >>> lock_differences("pandas==2.2.0 \\\\\\n    --hash=sha256:ab\\nSALib==1.6.0 \\\\\\n", {"pandas": "2.1.0", "salib": "1.6.0"})
    ['pandas 2.2.0 (the run had 2.1.0)']
    """
    recorded = {normalise(k): v for k, v in packages.items()}
    return [f"{p.key} {p.version} (the run had {recorded.get(p.key, 'none')})" for p in pins(lock_text)
            if recorded.get(p.key) != p.version]


def trusted_files(city: str) -> list[Path]:
    """The city's public keys and PDF certificates this machine trusts (``keys.trust_dir``), which the audit checks with."""
    folder = keys.trust_dir(city)
    return sorted(p for p in folder.glob("*") if p.suffix in (".pub", ".crt") and p.is_file()) if folder.is_dir() else []
