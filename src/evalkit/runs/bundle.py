"""``evalkit bundle RUN -o FILE``: one file that holds everything an offline replay of a run needs, so that an auditor
in a room without network rebuilds the run's environment and audits the run (``replay`` at the bundle's top).

The file is a tar (``.tar``, or ``.tar.gz``), everything at its top::

    replay                     the script (evalkit.runs.replay), run by the machine's python3
    bundle.json                every other file with its SHA-256 and size; the run, the source, Python, the packages
    README.txt                 how to replay it, in Chinese and English
    run/<city>/<folder>/       the run folder, as archived
    source/                    evalkit at the run's commit (git archive), or the installed source (bundle.json says why)
    requirements-runtime.lock  the runtime lock, with the hash of any wheel built here from an sdist
    wheels/                    one wheel per pin, pip among them
    debs/                      Chromium, chromium-common, poppler-utils and the libraries a minimal Debian lacks
    fonts/                     chromium/ (what Chromium prints with), conf.d/ (fontconfig's rules), embedded/ (the reports' font)
    trust/<city>/keys/         the city's public keys and PDF certificates that this machine trusts

The tar is written beside FILE under a temporary name and renamed into place when complete: never half a bundle.
Its members are sorted, owned by nobody in particular and dated at the run's start.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import platform
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .. import __version__
from ..core.codes import code
from ..core.errors import EvalkitError, OutputExistsError, StorageError
from ..core.files import sha256
from ..core.paths import confined
from . import (
    archive,
    bundle_source,
    ledger,
    provenance,
    replay,
    system_packages,
    wheelhouse,
)
from .audit import recorded_spec

SUFFIXES = {".tar": "w", ".tar.gz": "w:gz", ".tgz": "w:gz"}
README = """evalkit 离线复核文件包 offline replay bundle

复核对象 run: {city} {period}，运行编号 {id}，核验码 {code}

在没有网络的机器上（{release}，{machine}，Python {series}，{minimum} 或更新）：
On a machine without network ({release}, {machine}, Python {series} at {minimum} or later):

    mkdir bundle && tar -xf THIS.tar -C bundle && python3 bundle/replay

replay 先核对每个文件的 SHA-256（bundle.json），再只用包内的文件建立运行环境、复核该运行；
结果一致时返回 0。可用 --trust DIR 指定审计方自己持有的城市公钥。
replay checks every file against bundle.json, builds the environment from the bundle's files alone and audits the
run: exit 0 when identical. --trust DIR uses the city's keys as the auditor holds them instead of the bundle's.
"""


@dataclass(frozen=True)
class Bundle:
    """A written bundle: its path, size and SHA-256, and what its ``bundle.json`` says."""

    path: Path
    size: int
    sha256: str
    manifest: dict[str, Any]


def _output(output: Path) -> tuple[Path, str]:
    """The output file, checked: a known suffix, an existing folder, no file there yet."""
    output = Path(output).absolute()
    mode = next((m for s, m in SUFFIXES.items() if output.name.endswith(s)), None)
    if mode is None:
        raise EvalkitError(f"{output.name}: a bundle is a .tar (or .tar.gz) file; name it so (文件包须为 .tar 或 .tar.gz)")
    if not output.parent.is_dir():
        raise EvalkitError(f"{output.parent}: no such folder (目标文件夹不存在)")
    if output.exists():
        raise OutputExistsError(f"{output} exists; a bundle is never written over a file (remove it first) (文件已存在)")
    return output, mode


def _run_files(run_dir: Path, city: str) -> list[tuple[str, Path]]:
    """Every file of the run folder (links leading out refused), by its name in the bundle."""
    files = [(f"run/{city}/{run_dir.name}/{p.relative_to(run_dir).as_posix()}", confined(run_dir, p.relative_to(run_dir).as_posix()))
             for p in sorted(run_dir.rglob("*")) if p.is_file() or p.is_symlink()]
    return [(name, path.resolve()) for name, path in files]


def _tree(folder: Path, prefix: str) -> list[tuple[str, Path]]:
    return [(f"{prefix}/{p.relative_to(folder).as_posix()}", p) for p in sorted(folder.rglob("*")) if p.is_file()]


def _hash_all(entries: list[tuple[str, Path]], progress: bool) -> dict[str, dict[str, Any]]:
    from tqdm import tqdm

    total = sum(p.stat().st_size for _, p in entries)
    files = {}
    with tqdm(total=total, unit="B", unit_scale=True, desc="hashing 校验", disable=not progress) as bar:
        for name, path in entries:
            files[name] = {"sha256": sha256(path), "size": path.stat().st_size}
            bar.update(files[name]["size"])
    return files


class _Hashing:
    """A file read through while hashing what is read (the bundle checks each file it writes against bundle.json)."""

    def __init__(self, fh: BinaryIO, bar: Any):
        self.fh, self.bar, self.hash = fh, bar, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.hash.update(data)
        self.bar.update(len(data))
        return data


def _write(tmp: Path, mode: str, entries: list[tuple[str, Path]], files: dict[str, dict[str, Any]], head: dict[str, bytes],
           mtime: int, progress: bool) -> None:
    """The tar: ``head`` (the replay, bundle.json, README) first, then every entry, each checked against its hash."""
    from tqdm import tqdm

    def info(name: str, size: int, executable: bool = False) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(name)
        ti.size, ti.mtime, ti.mode, ti.uid, ti.gid, ti.uname, ti.gname = size, mtime, 0o755 if executable else 0o644, 0, 0, "", ""
        return ti

    total = sum(f["size"] for f in files.values())
    with tarfile.open(tmp, mode, format=tarfile.PAX_FORMAT) as tar, \
            tqdm(total=total, unit="B", unit_scale=True, desc="writing 写入", disable=not progress) as bar:
        for name, data in head.items():
            tar.addfile(info(name, len(data), executable=name == "replay"), io.BytesIO(data))
        for name, path in entries:
            with path.open("rb") as fh:
                reader = _Hashing(fh, bar)
                tar.addfile(info(name, files[name]["size"]), reader)
            if reader.hash.hexdigest() != files[name]["sha256"]:
                raise EvalkitError(f"{path} changed while it was bundled; bundle again (文件在打包时被改动)")


def _entries(run_dir: Path, city: str, source: Path, wheels: wheelhouse.Wheels, lock: Path, debs: list[system_packages.Deb],
             fonts: dict[str, Any], trusted: list[Path]) -> list[tuple[str, Path]]:
    """Every file of the bundle but its head (replay, bundle.json, README), by name in the bundle, sorted."""
    from ..publish.fonts import files as embedded

    entries = sorted([*_run_files(run_dir, city), *_tree(source, "source"), *_tree(wheels.folder, "wheels"),
                      (wheelhouse.RUNTIME_LOCK, lock), *[(f"debs/{d.file}", d.path) for d in debs],
                      *[(f"fonts/embedded/{p.name}", p) for p in embedded()], *[(f"fonts/chromium/{p.name}", p) for p in fonts["chromium"]],
                      *[(f"fonts/conf.d/{p.name}", p.resolve()) for p in fonts["rules"]],
                      *[(f"trust/{city}/keys/{p.name}", p) for p in trusted]])
    twice = sorted({n for (n, _), (m, _) in zip(entries, entries[1:]) if n == m})
    if twice:
        raise EvalkitError(f"two files would have one name in the bundle: {', '.join(twice)} (文件包内文件重名)")
    return entries


def _describe(manifest: dict[str, Any], city: str, period: str, run_dir: Path, source: bundle_source.Source, lock_origin: str,
              wheels: wheelhouse.Wheels, debs: list[system_packages.Deb], fonts: dict[str, Any], trusted: list[Path],
              files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What ``bundle.json`` says: the run, the source, the lock, Python, the Debian packages, the fonts, the keys, every file."""
    software = manifest["software"]
    series = ".".join(str(software.get("python", "")).split(".")[:2])
    requires = {w: s for w, s in wheelhouse.requires_python(wheels.files).items() if not wheelhouse.satisfies(f"{series}.0", s)}
    glibc = max([g for g in (wheelhouse.glibc_needed(wheels.files), system_packages.glibc()) if g], key=wheelhouse.version_tuple)
    return {
        "format": "evalkit-bundle/1",
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "created_with": {"evalkit": __version__, **{k: provenance.git_state()[k] for k in ("commit", "dirty")}},
        "run": {"folder": f"run/{city}/{run_dir.name}", "id": manifest["run"]["id"], "code": code(manifest["run"]["id"]),
                "city": city, "period": period, "manifest_sha256": sha256(run_dir / "manifest.json")},
        "source": {"folder": "source", "origin": source.origin, "commit": source.commit, "source_sha256": source.source_sha256,
                   "note": source.note},
        "lock": wheelhouse.RUNTIME_LOCK, "lock_from": lock_origin, "wheels": "wheels",
        "built_from_sdist": [vars(b) for b in wheels.built],
        "python": {"implementation": software.get("implementation"), "series": series, "version": software.get("python"),
                   "minimum": wheelhouse.python_minimum(series, requires), "requires": requires, "machine": platform.machine(),
                   "glibc": glibc},
        "debian": {"release": system_packages.debian_release(), "chromium": "usr/lib/chromium/chromium",
                   "chromium_wrapper": "usr/bin/chromium", "pdftotext": "usr/bin/pdftotext", "run_chromium": software.get("chromium"),
                   "why": "Chromium, chromium-common and poppler-utils, and the packages of every library they load (ldd) that "
                          "Debian's required packages, apt and python3 with their dependencies do not hold",
                   "packages": [{"name": d.name, "version": d.version, "installed": d.installed, "arch": d.arch,
                                 "file": f"debs/{d.file}", "sha256": d.sha256, "checked_against_debian_index": d.indexed}
                                for d in debs]},
        "fonts": {"chromium": "fonts/chromium", "rules": "fonts/conf.d", "embedded": fonts["embedded"],
                  "run_embedded": software.get("fonts")},
        "trust": {"folder": "trust", "files": [f"trust/{city}/keys/{p.name}" for p in trusted]},
        "sizes": {part: sum(f["size"] for n, f in files.items() if n.split("/")[0] == part)
                  for part in ("run", "source", "wheels", "debs", "fonts", "trust")},
        "files": files,
    }


def make_bundle(run_dir: Path, output: Path, *, project: Path | None = None, progress: bool = True,
                say: Callable[[str], None] = print) -> Bundle:
    """Bundle the archived run ``run_dir`` into ``output`` (see the module's docstring); ``project`` is the git checkout
    that knows the run's commit (the installed evalkit's by default). Errors say what to do; nothing is left behind."""
    run_dir = Path(run_dir).absolute()
    output, mode = _output(output)
    manifest = archive.load_manifest(run_dir)
    try:
        spec = recorded_spec(run_dir, manifest)
    except (KeyError, TypeError, ValueError) as exc:
        raise EvalkitError(f"{run_dir}: the manifest cannot be read as a run ({exc}) (运行记录不可用)") from None
    for problem in ledger.file_problems(run_dir, manifest):
        say(f"warning: {problem}: the replay's audit will name it (存档与运行记录不符)")
    software = manifest["software"]
    series = ".".join(str(software.get("python", "")).split(".")[:2])
    here = f"{platform.python_implementation()} {sys.version_info[0]}.{sys.version_info[1]}"
    if here != f"{software.get('implementation')} {series}":
        raise EvalkitError(f"the run used {software.get('implementation')} {software.get('python')}; this evalkit runs on "
                           f"{here}: bundle with a Python {series}, whose wheels the replay installs (Python 版本不符)")
    with tempfile.TemporaryDirectory(prefix=".evalkit-bundle-", dir=output.parent) as tmp:
        staging = Path(tmp)
        say(f"[1/5] evalkit 源代码 source of the run's evalkit (commit {str((manifest.get('git') or {}).get('commit'))[:12]})")
        source = bundle_source.source(manifest, staging / "source", project)
        if source.origin != "git archive":
            say(f"note: {source.note}")
        lock, lock_origin = bundle_source.runtime_lock(source.root, manifest)
        say(f"[2/5] 依赖包 wheels of {wheelhouse.RUNTIME_LOCK} (cache {wheelhouse.cache_dir()})")
        wheels = wheelhouse.gather(lock, staging / "wheels", quiet=not progress)
        say("[3/5] Debian 软件包 Chromium, pdftotext and the libraries a minimal Debian lacks")
        debs = system_packages.debs({p.key for p in wheelhouse.pins(lock)})
        chromium = system_packages.chromium_version()
        if chromium != software.get("chromium"):
            say(f"warning: the run printed with {software.get('chromium')}; the bundle carries {chromium}: the audit will name it")
        say("[4/5] 字体与密钥 fonts and trusted keys")
        fonts = {"embedded": provenance.fonts(), "chromium": system_packages.chromium_fonts(), "rules": system_packages.fontconfig_rules()}
        if fonts["embedded"] != software.get("fonts"):
            say("warning: the reports' font differs from the one the run embedded: the audit will name it")
        trusted = bundle_source.trusted_files(spec.city)
        (staging / wheelhouse.RUNTIME_LOCK).write_text(wheels.lock, encoding="utf-8")
        entries = _entries(run_dir, spec.city, source.root, wheels, staging / wheelhouse.RUNTIME_LOCK, debs, fonts, trusted)
        say(f"[5/5] 写入 writing {output.name} ({len(entries)} files)")
        files = _hash_all(entries, progress)
        content = _describe(manifest, spec.city, str(spec.period), run_dir, source, lock_origin, wheels, debs, fonts, trusted, files)
        content["debian"]["chromium_version"] = chromium
        readme = {**content["run"], **content["python"], "release": content["debian"]["release"]}
        head = {"replay": Path(replay.__file__).read_bytes(), "README.txt": README.format(**readme).encode("utf-8")}
        for name, data in head.items():
            files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        head = {"replay": head["replay"], "bundle.json": (json.dumps(content, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
                "README.txt": head["README.txt"]}
        partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
        try:
            mtime = int(dt.datetime.fromisoformat(manifest["run"]["started"]).timestamp())
        except (KeyError, TypeError, ValueError):
            mtime = 0
        try:
            _write(partial, mode, entries, files, head, mtime, progress)
            os.replace(partial, output)
        except OSError as exc:
            raise StorageError(f"cannot write {output}: {exc.strerror or exc}; nothing was written (无法写入文件包)") from None
        finally:
            partial.unlink(missing_ok=True)
    return Bundle(output, output.stat().st_size, sha256(output), content)
