"""The wheels a bundle carries: every pin of the runtime lock, fetched by pip with its hash into a cache folder that
bundles share (``$EVALKIT_WHEELHOUSE``, default ``~/.cache/evalkit/wheelhouse``), the cache tried first and the
package index only for what it lacks.

A pin that the index offers only as an sdist (fontmeta 1.6.1, which mplfonts needs, is one) is downloaded with its
locked hash and built into a wheel once, with the locked setuptools, no build isolation and a fixed
``SOURCE_DATE_EPOCH`` (so that a rebuild gives the same bytes); the bundle's copy of the lock accepts that wheel's hash
beside the sdist's and says where it came from. Nothing is skipped: the replay installs every pin from a wheel.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.errors import EvalkitError
from ..core.files import sha256, write_json

WHEELHOUSE_VARIABLE = "EVALKIT_WHEELHOUSE"
RUNTIME_LOCK = "requirements-runtime.lock"
"""The runtime lock (``make lock``): what a replay installs, nothing of the development tools."""
SOURCE_DATE_EPOCH = "315532800"
"""1980-01-01, the earliest time a zip file holds: a wheel built from an sdist gets the same bytes every time."""
_PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` of a lock with its accepted SHA-256 hashes."""

    name: str
    version: str
    hashes: tuple[str, ...]

    @property
    def key(self) -> str:
        """The distribution's normalised name, without extras."""
        return normalise(self.name)


@dataclass(frozen=True)
class Built:
    """A wheel built here from a pin's sdist, whose hash the lock pins."""

    name: str
    version: str
    sdist: str
    sdist_sha256: str
    wheel: str
    sha256: str


@dataclass
class Wheels:
    """What :func:`gather` found: one wheel per pin (in ``folder``), the bundle's lock, and the wheels built from sdists."""

    folder: Path
    lock: str
    built: list[Built]

    @property
    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.whl"))


def normalise(name: str) -> str:
    """A distribution name as pip compares it.

    >>> normalise("jsonschema[format-nongpl]"), normalise("Typing_Extensions")
    ('jsonschema', 'typing-extensions')
    """
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def pins(lock_text: str) -> list[Pin]:
    """The pins of a pip-compile lock, with their hashes.

    >>> pins("a==1.0 \\\\\\n    --hash=sha256:" + "0" * 64 + "\\n    # via b\\nc[x]==2 \\\\\\n    --hash=sha256:" + "1" * 64 + "\\n")
    [Pin(name='a', version='1.0', hashes=('0000000000000000000000000000000000000000000000000000000000000000',)), Pin(name='c[x]', version='2', hashes=('1111111111111111111111111111111111111111111111111111111111111111',))]
    """
    found = []
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock_text):
        m = re.match(r"([A-Za-z0-9][A-Za-z0-9_.-]*(?:\[[^\]]*\])?)==([^\s\\;]+)", block)
        if m:
            found.append(Pin(m.group(1), m.group(2), tuple(re.findall(r"--hash=sha256:([0-9a-f]{64})", block))))
    return found


def cache_dir() -> Path:
    """The wheel cache bundles share: ``$EVALKIT_WHEELHOUSE``, else ``evalkit/wheelhouse`` under ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    if os.environ.get(WHEELHOUSE_VARIABLE):
        return Path(os.environ[WHEELHOUSE_VARIABLE])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evalkit" / "wheelhouse"


def bundle_lock(lock_text: str, built: list[Built]) -> str:
    """The lock a bundle installs from: the runtime lock, each pin built from its sdist also accepting the built wheel.

    >>> print(bundle_lock("a==1 \\\\\\n    --hash=sha256:aa\\n    # via x\\n", [Built("a", "1", "a-1.tar.gz", "aa", "a-1-py3-none-any.whl", "bb")]))
    a==1 \\
        --hash=sha256:aa \\
        --hash=sha256:bb
        # built here from a-1.tar.gz (sha256:aa, the hash the lock pins) into a-1-py3-none-any.whl: the index has no wheel of it
        # via x
    <BLANKLINE>
    """
    out = lock_text
    for b in built:
        pattern = re.compile(rf"^({re.escape(b.name)}=={re.escape(b.version)} \\\n(?:    --hash=sha256:[0-9a-f]+ \\\n)*    --hash=sha256:[0-9a-f]+)$",
                             re.M | re.I)
        note = (f"    # built here from {b.sdist} (sha256:{b.sdist_sha256}, the hash the lock pins) into {b.wheel}: "
                f"the index has no wheel of it")
        out, n = pattern.subn(lambda m: f"{m.group(1)} \\\n    --hash=sha256:{b.sha256}\n{note}", out, count=1)
        if n != 1:
            raise EvalkitError(f"{b.name}=={b.version}: not found in the runtime lock (运行时依赖锁定文件中没有该包)")
    return out


def _pip(*args: str, quiet: bool, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*_PIP, *args], text=True, env=env, stdout=subprocess.PIPE if quiet else None,
                          stderr=subprocess.PIPE)


def _download(lock: Path, dest: Path, cache: Path, *, offline: bool, quiet: bool) -> subprocess.CompletedProcess:
    """``pip download`` of every pin of ``lock`` as a wheel into ``dest``, with hashes; ``offline``: from the cache alone."""
    where = ["--no-index", "--find-links", str(cache), "--find-links", str(cache / "built")] if offline else ["--find-links", str(cache)]
    return _pip("download", "--no-deps", "--require-hashes", "--only-binary", ":all:", "--progress-bar", "off" if quiet else "on",
                *where, "--dest", str(dest), "--requirement", str(lock), quiet=quiet)


def _built(cache: Path, wanted: list[Pin]) -> list[Built]:
    """The wheels built earlier from the sdists of ``wanted`` pins, whose wheel is still in the cache unchanged."""
    found = []
    for pin in wanted:
        record = cache / "built" / f"{pin.key}-{pin.version}.json"
        if record.is_file():
            b = Built(**json.loads(record.read_text(encoding="utf-8")))
            wheel = cache / "built" / b.wheel
            if b.sdist_sha256 in pin.hashes and wheel.is_file() and sha256(wheel) == b.sha256:
                found.append(b)
    return found


def build_from_sdist(pin: Pin, cache: Path, *, quiet: bool) -> Built:
    """Download ``pin``'s sdist (its locked hash checked) and build its wheel into ``cache/built``; recorded beside it."""
    sdists, built = cache / "sdists", cache / "built"
    built.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        req = Path(tmp) / "pin.txt"
        req.write_text(f"{pin.name}=={pin.version} " + " ".join(f"--hash=sha256:{h}" for h in pin.hashes) + "\n", encoding="utf-8")
        done = _pip("download", "--no-deps", "--require-hashes", "--no-binary", ":all:", "--dest", str(sdists), "--requirement",
                    str(req), quiet=quiet)
        sdist = next((p for p in sorted(sdists.glob("*")) if sha256(p) in pin.hashes), None) if done.returncode == 0 else None
        if sdist is None:
            raise EvalkitError(f"{pin.name}=={pin.version}: neither a wheel nor an sdist with the locked hash could be downloaded: "
                               f"{_last(done)} (无法下载该包)")
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        out = Path(tmp) / "wheel"
        for isolation in (["--no-build-isolation"], []):  # the locked setuptools first; the sdist's own backend if it needs another
            done = _pip("wheel", "--no-deps", *isolation, "--wheel-dir", str(out), str(sdist), quiet=quiet, env=env)
            if done.returncode == 0:
                break
        wheels = list(out.glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise EvalkitError(f"{pin.name}=={pin.version}: the index has only its sdist, and it did not build into a wheel: "
                               f"{_last(done)} (该包只有源码包，且无法构建)")
        shutil.move(str(wheels[0]), built / wheels[0].name)
    b = Built(pin.key, pin.version, sdist.name, sha256(sdist), wheels[0].name, sha256(built / wheels[0].name))
    write_json(built / f"{pin.key}-{pin.version}.json", asdict(b))
    return b


def _last(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in (done.stderr or "").splitlines() if line.strip() and "is ignored" not in line]
    return lines[-1].strip() if lines else f"pip exited {done.returncode}"


def gather(lock_text: str, folder: Path, *, cache: Path | None = None, quiet: bool = False) -> Wheels:
    """One wheel for each pin of ``lock_text`` (this Python, this platform) in ``folder``: from the cache when it has them
    all, else the missing ones downloaded into the cache first (and sdist-only pins built); an error names what failed."""
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    wanted = pins(lock_text)
    for attempt in (1, 2):
        built = _built(cache, wanted)
        lock = bundle_lock(lock_text, built)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            (Path(tmp) / RUNTIME_LOCK).write_text(lock, encoding="utf-8")
            done = _download(Path(tmp) / RUNTIME_LOCK, folder, cache, offline=True, quiet=True)
        if done.returncode == 0:
            return Wheels(folder, lock, built)
        if attempt == 2:
            raise EvalkitError(f"the wheels of {RUNTIME_LOCK} are not all in {cache} after downloading: {_last(done)} (缺少依赖包)")
        have = {(b.name, b.version) for b in built}
        for pin in _fill(cache, [p for p in wanted if (p.key, p.version) not in have], quiet=quiet):
            build_from_sdist(pin, cache, quiet=quiet)
    raise AssertionError("unreachable")


def _fill(cache: Path, needed: list[Pin], *, quiet: bool) -> list[Pin]:
    """Download into the cache the wheels of ``needed`` it lacks (pip keeps the files it finds there); the pins that the
    index offers no wheel of, which must be built from their sdists."""
    sdist_only: list[Pin] = []
    while True:
        rest = [p for p in needed if p not in sdist_only]
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            path = Path(tmp) / "missing.txt"
            path.write_text("".join(f"{p.name}=={p.version} " + " ".join(f"--hash=sha256:{h}" for h in p.hashes) + "\n" for p in rest),
                            encoding="utf-8")
            done = _download(path, cache, cache, offline=False, quiet=quiet)
        if done.returncode == 0:
            return sdist_only
        missing = re.search(r"No matching distribution found for (\S+?)==(\S+)", done.stderr or "")
        pin = next((p for p in rest if missing and p.key == normalise(missing.group(1)) and p.version == missing.group(2)), None)
        if pin is None:
            raise EvalkitError(f"downloading the wheels of {RUNTIME_LOCK} into {cache} failed: {_last(done)}; bundling needs the "
                               f"package index once (later bundles use the cache) (下载依赖包失败)")
        sdist_only.append(pin)


def requires_python(wheels: list[Path]) -> dict[str, str]:
    """Each wheel's ``Requires-Python``, by file name, where it states one."""
    found = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            name = next((n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1), None)
            text = z.read(name).decode("utf-8", "replace") if name else ""
        m = re.search(r"^Requires-Python:\s*(.+?)\s*$", text.split("\n\n", 1)[0], re.M)
        if m:
            found[wheel.name] = m.group(1)
    return found


def glibc_needed(wheels: list[Path]) -> str | None:
    """The newest glibc a wheel of ``wheels`` needs (each wheel needs the oldest of its manylinux tags), or None.

    >>> glibc_needed([Path("a-1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"), Path("b-1-py3-none-manylinux1_x86_64.whl"),
    ...               Path("c-1-cp311-cp311-manylinux2014_x86_64.whl"), Path("d-1-py3-none-any.whl")])
    '2.27'
    """
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    need = []
    for wheel in wheels:
        versions = []
        for tag in wheel.name[:-4].split("-")[-1].split("."):
            m = re.match(r"manylinux_(\d+)_(\d+)_", tag)
            if m:
                versions.append((int(m.group(1)), int(m.group(2))))
            elif tag.split("_")[0] in legacy:
                versions.append(legacy[tag.split("_")[0]])
        if versions:
            need.append(min(versions))
    return ".".join(map(str, max(need))) if need else None


def version_tuple(text: str) -> tuple[int, ...]:
    """A version's leading numbers: ``3.11.7`` -> (3, 11, 7)."""
    return tuple(int(re.match(r"\d*", part).group() or 0) for part in text.split("."))


def satisfies(version: str, spec: str) -> bool:
    """Whether a Python version meets a ``Requires-Python`` specifier (the comparisons wheels state).

    >>> satisfies("3.11.2", ">=3.11.5"), satisfies("3.11.7", ">=3.8, !=3.9.*, <4"), satisfies("3.12.1", "~=3.11.0")
    (False, True, False)
    """
    have = version_tuple(version)
    for clause in (c.strip() for c in spec.split(",") if c.strip()):
        m = re.fullmatch(r"(~=|===|==|!=|<=|>=|<|>)\s*([0-9][0-9.]*?)(\.\*)?", clause)
        if not m:
            raise EvalkitError(f"Requires-Python {spec!r}: cannot read {clause!r}")
        op, want, star = m.groups()
        w = version_tuple(want)
        if star:
            same = have[:len(w)] == w
            ok = same if op == "==" else not same
        else:
            n = max(len(have), len(w))
            a, b = have + (0,) * (n - len(have)), w + (0,) * (n - len(w))
            ok = {"==": a == b, "===": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b,
                  "~=": a >= b and have[:len(w) - 1] == w[:-1]}[op]
        if not ok:
            return False
    return True


def python_minimum(series: str, requires: dict[str, str]) -> str:
    """The first release of a Python series (``3.11``) that every ``Requires-Python`` admits.

    >>> python_minimum("3.11", {"a.whl": ">=3.9", "soupsieve.whl": ">=3.11.5"})
    '3.11.5'
    """
    for micro in range(100):
        version = f"{series}.{micro}"
        if all(satisfies(version, spec) for spec in requires.values()):
            return version
    raise EvalkitError(f"no Python {series} release meets the wheels' Requires-Python: {requires} (没有满足要求的 Python 版本)")
