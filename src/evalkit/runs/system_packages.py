"""What the operating system gives a replay: Chromium (which prints the PDFs) and poppler's ``pdftotext`` (which the
audit reads them with) as Debian packages, with every library they and the Python packages load that a plain Debian
machine with Python lacks, and the fonts Chromium prints with, with the fontconfig rules that choose them.

The libraries are measured, not listed: ``ldd`` of the Chromium binary, the libraries beside it, ``pdftotext`` and the
ELF files of the runtime's Python distributions, each file's package (``dpkg -S``), less Debian's ``required`` packages,
apt and python3 with their dependencies (a minimal Debian with Python). Each ``.deb`` is the installed version, taken from apt's cache (``/var/cache/apt/archives``),
evalkit's (``~/.cache/evalkit/debs``) or ``apt-get download``, and its SHA-256 is checked against Debian's signed
package index (``apt-cache show``).
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import EvalkitError
from ..core.files import sha256

DEBS_VARIABLE = "EVALKIT_DEBS"
PACKAGES = ("chromium", "chromium-common", "poppler-utils")
"""The packages a replay runs from: Chromium's binary and wrapper, its resources (``.pak``, ICU data), ``pdftotext``."""
CHROMIUM_BINARY = Path("/usr/lib/chromium/chromium")
"""Debian's ``/usr/bin/chromium`` is a shell script that runs this binary with Debian's flags."""
FONT_QUERIES = ("Noto Sans CJK SC", "Noto Sans CJK SC:bold", "Noto Serif CJK SC", "sans-serif", "sans-serif:bold", "monospace",
                "LXGW WenKai", "DejaVu Serif")
"""What the printed pages ask fontconfig for (the running header's families, and the generic ones of the text around the
embedded fonts); measured with ``strace`` on a print: these are the font files Chromium opens."""
LOCAL_RULES = ("50-user.conf", "51-local.conf")
"""fontconfig rules that read the user's and the machine's own files: left out, so the replay depends on neither."""
ARCHIVES = Path("/var/cache/apt/archives")


@dataclass(frozen=True)
class Deb:
    """One Debian package file of the bundle."""

    name: str
    version: str
    arch: str
    path: Path
    sha256: str
    indexed: bool  # its SHA-256 equals the one in Debian's package index
    installed: str  # the version installed here (a library Debian's index no longer offers is bundled at its candidate)

    @property
    def file(self) -> str:
        return self.path.name


def cache_dir() -> Path:
    """Where fetched ``.deb`` files are kept between bundles: ``$EVALKIT_DEBS``, else ``evalkit/debs`` under the user's cache."""
    if os.environ.get(DEBS_VARIABLE):
        return Path(os.environ[DEBS_VARIABLE])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evalkit" / "debs"


def _run(*args: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=600)
    except OSError as exc:
        raise EvalkitError(f"bundling Chromium needs a Debian machine with dpkg and apt: {args[0]}: {exc.strerror} "
                           f"(打包 Chromium 需要 Debian 系统)") from None
    if done.returncode != 0:
        raise EvalkitError(f"{' '.join(args[:3])} …: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return done.stdout


def binaries() -> dict[str, Path]:
    """The programs a replay runs, where Debian installs them: Chromium's binary, Debian's wrapper script around it
    (which passes Debian's flags, as the run's Chromium had them) and ``pdftotext``."""
    found = {"chromium": CHROMIUM_BINARY, "chromium_wrapper": Path("/usr/bin/chromium"), "pdftotext": Path("/usr/bin/pdftotext")}
    for name, path in found.items():
        if not path.is_file():
            raise EvalkitError(f"{path} is not there: a bundle carries Debian's chromium and poppler-utils, which this machine "
                               f"lacks (apt-get install chromium poppler-utils, or make system-deps) (缺少 {name})")
    return found


def chromium_version() -> str:
    """``chromium --version`` of Debian's Chromium, which the bundle carries."""
    return _run("/usr/bin/chromium", "--version").strip()


def python_binaries(names: set[str]) -> list[Path]:
    """The ELF files (extension modules, programs such as Playwright's Node.js) of the installed distributions ``names``."""
    from importlib import metadata

    from .wheelhouse import normalise

    found = []
    for dist in metadata.distributions():
        if normalise(dist.metadata["Name"] or "") in names:
            for file in dist.files or []:
                path = Path(file.locate())
                if path.is_file() and (".so" in path.name or (not path.suffix and os.access(path, os.X_OK))):
                    with path.open("rb") as fh:
                        if fh.read(4) == b"\x7fELF":
                            found.append(path)
    return sorted(found)


def libraries(programs: list[Path]) -> list[Path]:
    """Every shared library the programs load (``ldd``), with the libraries beside the Chromium binary (which it opens
    itself: SwiftShader, EGL, Vulkan)."""
    beside = [p for p in CHROMIUM_BINARY.parent.glob("*.so*") if not p.name.endswith(".TOC")] if CHROMIUM_BINARY.is_file() else []
    files = [str(p) for p in [*programs, *sorted(beside)]]
    found: set[Path] = set()
    for start in range(0, len(files), 200):
        done = subprocess.run(["ldd", *files[start:start + 200]], capture_output=True, text=True)
        found |= {Path(m) for m in re.findall(r"=> (/\S+) \(", done.stdout)}
    return sorted(found)


def owners(files: list[Path]) -> set[str]:
    """The installed packages that hold ``files`` (a file's own path, or the one its links lead to)."""
    candidates = {str(p): [str(p), str(p.resolve())] for p in files}
    done = subprocess.run(["dpkg-query", "-S", *sorted({c for cs in candidates.values() for c in cs})], capture_output=True, text=True)
    held = {path: {n.strip().split(":")[0] for n in names.split(",")}
            for names, path in (line.rsplit(": ", 1) for line in done.stdout.splitlines() if ": " in line)}
    names: set[str] = set()
    for options in candidates.values():
        names |= next((held[c] for c in options if c in held), set())
    return names


def baseline() -> set[str]:
    """The packages of a minimal Debian with Python: every ``Priority: required`` package, apt and python3, with all
    they depend on."""
    required = sorted(set(re.findall(r"^Package: (\S+)\n(?:[^\n]+\n)*?Priority: required$", _run("apt-cache", "dumpavail"), re.M)))
    tree = _run("apt-cache", "depends", "--recurse", "--important", *required, "apt", "python3")
    return {line for line in tree.splitlines() if line and not line.startswith((" ", "<"))}


def installed(names: list[str]) -> dict[str, tuple[str, str]]:
    """The installed version and architecture of each package."""
    done = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\t${Version}\t${Architecture}\n", *names],
                          capture_output=True, text=True)
    found = {name: (version, arch) for name, status, version, arch in (line.split("\t") for line in done.stdout.splitlines())
             if status.startswith("ii")}
    missing = [n for n in names if n not in found]
    if missing:
        raise EvalkitError(f"the Debian packages {', '.join(missing)} are not installed; a bundle carries the packages this "
                           f"machine runs (apt-get install {' '.join(missing)}, or make system-deps) (未安装)")
    return found


def index_hashes(wanted: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """The SHA-256 of each (package, version) in Debian's package index."""
    done = subprocess.run(["apt-cache", "show", *[f"{n}={v}" for n, v in wanted]], capture_output=True, text=True)
    found: dict[tuple[str, str], set[str]] = {}
    for stanza in done.stdout.split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z0-9-]+): (.*)$", stanza, re.M))
        if "Package" in fields and "SHA256" in fields:
            found.setdefault((fields["Package"], fields["Version"]), set()).add(fields["SHA256"])
    return found


def _local(name: str, version: str, arch: str, cache: Path) -> Path | None:
    file = f"{name}_{version.replace(':', '%3a')}_{arch}.deb"
    return next((folder / file for folder in (ARCHIVES, cache) if (folder / file).is_file()), None)


def candidates(names: list[str]) -> dict[str, str]:
    """The version apt would install now of each package (``apt-cache policy``)."""
    text = _run("apt-cache", "policy", *names) if names else ""
    return dict(re.findall(r"^(\S+?)(?::\S+)?:\n\s+Installed: .*\n\s+Candidate: (\S+)$", text, re.M))


def debs(distributions: set[str], cache: Path | None = None) -> list[Deb]:
    """The Debian packages a bundle carries, each with its SHA-256, checked against Debian's index where it is there.
    Each is the installed version; a library whose installed version Debian's index no longer offers (a security update
    replaced it) is taken at apt's candidate version, and said so; Chromium and poppler-utils must be the installed ones.
    The libraries looked for are those of Chromium, ``pdftotext`` and every ELF file of the Python ``distributions``
    installed here (Playwright's Node.js needs libatomic1, which a minimal Debian lacks)."""
    cache = cache or cache_dir()
    programs = binaries()
    loaded = libraries([programs["chromium"], programs["pdftotext"], *python_binaries(distributions)])
    needed = (set(PACKAGES) | owners(loaded)) - (baseline() - set(PACKAGES))
    versions = installed(sorted(needed))
    indexed = index_hashes([(n, v) for n, (v, _) in versions.items()])
    gone = [n for n, (v, a) in versions.items() if (n, v) not in indexed and _local(n, v, a, cache) is None]
    if set(gone) & set(PACKAGES):
        raise EvalkitError(f"{', '.join(sorted(set(gone) & set(PACKAGES)))}: the installed version is neither in apt's cache nor in "
                           f"Debian's index any more; upgrade (apt-get install {' '.join(PACKAGES)}) and bundle again (软件包版本已下线)")
    bundled = {n: (candidates(gone).get(n, v) if n in gone else v) for n, (v, _) in versions.items()}
    indexed |= index_hashes([(n, bundled[n]) for n in gone])
    found = []
    for name, (version, arch) in versions.items():
        path = _local(name, bundled[name], arch, cache)
        if path is None:
            cache.mkdir(parents=True, exist_ok=True)
            _run("apt-get", "download", "-q", f"{name}={bundled[name]}", cwd=cache)
            path = _local(name, bundled[name], arch, cache)
        if path is None:
            raise EvalkitError(f"apt-get download {name}={bundled[name]} gave no file (无法下载 {name})")
        digest, known = sha256(path), indexed.get((name, bundled[name]), set())
        if known and digest not in known:
            raise EvalkitError(f"{path}: its SHA-256 is not the one in Debian's package index; the file is damaged or not Debian's "
                               f"(软件包校验失败)")
        found.append(Deb(name, bundled[name], arch, path, digest, bool(known), version))
    return found


def chromium_fonts() -> list[Path]:
    """The font files fontconfig gives for :data:`FONT_QUERIES` on this machine."""
    files = {Path(_run("fc-match", "-f", "%{file}", query).strip()) for query in FONT_QUERIES}
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise EvalkitError(f"fontconfig names font files that are not there: {', '.join(map(str, missing))}")
    return sorted(files)


def fontconfig_rules(folder: Path = Path("/etc/fonts/conf.d")) -> list[Path]:
    """The fontconfig rules of this machine (which font a family or a generic name resolves to), the user's and the
    machine's local files left out."""
    return sorted(p for p in folder.glob("*.conf") if p.name not in LOCAL_RULES and p.resolve().is_file())


def glibc() -> str:
    """The version of this machine's C library (Debian's libc6), which the bundled packages were built for."""
    return re.match(r"\d+\.\d+", installed(["libc6"])["libc6"][0]).group()


def debian_release() -> str:
    """This machine's system, as ``/etc/os-release`` names it."""
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?$', text, re.M)
    return m.group(1) if m else "unknown"
