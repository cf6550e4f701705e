#!/usr/bin/env python3
"""The ``replay`` at the top of an evalkit bundle (``evalkit bundle RUN -o FILE``): on a machine with Python and no
network, it rebuilds the run's environment from the bundle's files alone and audits the run with it.

Every file is checked against ``bundle.json``, this Python against the wheels', evalkit's source and notebook against
the run's manifest; a venv gets the runtime lock from the bundle's wheels (``--no-index --require-hashes``); the
manifest's signature is checked with the trusted keys (the bundle's, or the auditor's own: ``--trust DIR``) before any
evalkit code runs; then evalkit is installed from the bundled source, the Debian packages unpacked without root and
``evalkit audit`` run. Exit 0 identical (结果一致); 1 not identical; 2 refused (nothing of evalkit installed or run);
3 the environment could not be built. Standard library only, so that the system's ``python3`` runs it.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

MANIFEST = "bundle.json"
WORK = "replay-env"


class Refused(Exception):
    """The bundle cannot be replayed here as it stands (exit 2)."""


class Failed(Exception):
    """The environment could not be built (exit 3)."""


def say(text: str) -> None:
    print(f"replay: {text}", flush=True)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def confined(base: Path, name: str) -> Path:
    """``base / name`` for a name read from the bundle, refused unless it stays inside ``base``."""
    if not name or name.startswith("/") or ".." in Path(name).parts or "\\" in name or "\0" in name:
        raise Refused(f"{name!r}: a name in the bundle leaves its folder (包内文件名越界)")
    path = base / name
    if os.path.commonpath([os.path.realpath(path), os.path.realpath(base)]) != os.path.realpath(base):
        raise Refused(f"{name!r}: a link in the bundle leads out of it (包内链接越界)")
    return path


def verify(bundle: Path, manifest: dict, work: Path) -> list:
    """Each file of the bundle that is missing, changed or not listed in ``bundle.json``."""
    listed = manifest["files"]
    problems = []
    for name, record in sorted(listed.items()):
        path = confined(bundle, name)
        if not path.is_file():
            problems.append(f"{name}: missing (缺失)")
        elif path.stat().st_size != record["size"] or sha256(path) != record["sha256"]:
            problems.append(f"{name}: changed, its SHA-256 is not the one bundle.json records (已被改动)")
    for folder, dirs, files in os.walk(bundle):
        dirs[:] = sorted(d for d in dirs if Path(folder, d) not in (work, bundle / WORK))  # the replay's own, not the bundle's
        for name in sorted(files):
            rel = Path(folder, name).relative_to(bundle).as_posix()
            if rel != MANIFEST and rel not in listed:
                problems.append(f"{rel}: not listed in bundle.json (未列入清单)")
    return problems


def _version(text: str) -> tuple:
    return tuple(int(re.match(r"\d*", part).group() or 0) for part in text.split("."))


def check_python(py: dict) -> None:
    """Refuse a Python that cannot install the bundle's wheels, saying what is needed."""
    here, impl = platform.python_version(), platform.python_implementation()
    other = shutil.which(f"python{py['series']}")
    hint = f"; run it with a matching Python, e.g. python{py['series']} replay" + (f" ({other} is here)" if other else "")
    if impl != py["implementation"] or "%d.%d" % sys.version_info[:2] != py["series"]:
        raise Refused(f"the bundle's wheels are for {py['implementation']} {py['series']} (the run used {py['version']}); this "
                      f"is {impl} {here} ({sys.executable}){hint} (Python 版本不符：需要 {py['series']}，当前为 {here})")
    if _version(here) < _version(py["minimum"]):
        raise Refused(f"the bundle's wheels need Python {py['minimum']} or later; this is {here}{hint} (Python 版本过低：需要 {py['minimum']} 以上)")
    if platform.machine() != py["machine"]:
        raise Refused(f"the bundle is for {py['machine']} machines; this is {platform.machine()} (处理器架构不符)")
    libc, version = platform.libc_ver()
    if py.get("glibc") and (libc != "glibc" or _version(version) < _version(py["glibc"])):
        raise Refused(f"the bundle needs glibc {py['glibc']} or later; this has {libc or 'no glibc'} {version} (系统 C 库版本过低)")


def source_hash(root: Path) -> str:
    """``evalkit.runs.provenance.source_hash``: the same SHA-256 over every file of the package, caches excluded."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def source_problems(bundle: Path, manifest: dict) -> list:
    """How the bundled evalkit differs from what the run's manifest records (its source hash and its notebook)."""
    run = json.loads((confined(bundle, manifest["run"]["folder"]) / "manifest.json").read_text(encoding="utf-8"))
    source = confined(bundle, manifest["source"]["folder"])
    found = []
    if source_hash(source / "src" / "evalkit") != run["software"]["source_sha256"]:
        found.append("the bundled evalkit source does not hash as the run's manifest records (源代码与运行记录不符)")
    notebook = confined(source / "notebooks", str(run["notebook"]))
    if not notebook.is_file() or sha256(notebook) != run["source_notebook"]["sha256"]:
        found.append(f"notebooks/{run['notebook']} is not the notebook the run executed (笔记本与运行记录不符)")
    return found


def signature_state(run: Path, trust: Path, city: str) -> tuple:
    """``(state, text)`` of the run's manifest signature with the city's trusted keys, as ``evalkit.core.keys.check``
    judges it; run by the venv's Python (cryptography, tongsuopy), before any evalkit code."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys = {}
    for path in sorted((trust / city / "keys").glob("*.pub")):
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
            if isinstance(key, Ed25519PublicKey):
                raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                keys[hashlib.sha256(raw).hexdigest()[:16]] = ("ed25519", key, path.name)
        except Exception:  # noqa: BLE001 - not a key cryptography reads: an SM2 key (国密), or none
            from tongsuopy.crypto import serialization as sm
            try:
                key = sm.load_pem_public_key(path.read_bytes())
                point = key.public_bytes(sm.Encoding.X962, sm.PublicFormat.UncompressedPoint)
                keys[hashlib.sha256(point).hexdigest()[:16]] = ("sm2-sm3", key, path.name)
            except Exception:  # noqa: BLE001 - not a key at all: not trusted
                pass
    if not (run / "manifest.sig").is_file():
        return ("unsigned", "not signed (未签名)") if not keys else ("refused", f"not signed, but {city} signs its runs (未签名)")
    try:
        record = json.loads((run / "manifest.sig").read_text(encoding="utf-8"))
        algorithm, key, name = keys[record["key"]]
        if record.get("algorithm") != algorithm:
            raise KeyError(algorithm)
    except (ValueError, KeyError, TypeError):
        return "refused", f"signed with a key {city} does not trust, or the signature file is damaged (签名密钥不受信任)"
    data, signature = (run / "manifest.json").read_bytes(), base64.b64decode(str(record.get("signature", "")))
    try:
        if algorithm == "ed25519":
            key.verify(signature, data)
        else:
            from tongsuopy.crypto import hashes
            from tongsuopy.crypto.asymciphers import ec
            key.verify(signature, data, ec.ECDSA(hashes.SM3()))
    except Exception:  # noqa: BLE001 - any failure to verify is a forgery
        return "refused", "the signature does not match the manifest: forged or changed (签名不符)"
    return "signed", f"signed with {city}'s key {record['key']} ({name}{', 示例密钥 demo' if name.startswith('demo-') else ''})"


def run(*args, env: dict, what: str) -> None:
    done = subprocess.run([str(a) for a in args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise Failed(f"{what} failed:\n{done.stdout[-3000:]}")


def wrapper(path: Path, binary: Path, root: Path, work: Path, script: str | None = None) -> None:
    """A shell script that runs ``binary`` with the bundle's libraries and fonts (Chromium: Debian's own wrapper with its
    paths pointed into the unpacked packages, so it passes Debian's flags as the run's Chromium did)."""
    libs = sorted({str(p.parent) for p in root.rglob("*.so*")})
    head = (f'#!/bin/sh\nexport LD_LIBRARY_PATH="{":".join(libs)}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"\n'
            f'export FONTCONFIG_FILE="{work}/fonts.conf"\n')
    body = f'exec "{binary}" "$@"\n'
    if script and "LIBDIR=/usr/lib/$APPNAME" in script and "/etc/chromium.d/" in script:
        body = script.split("\n", 1)[1].replace("LIBDIR=/usr/lib/$APPNAME", f"LIBDIR={root}/usr/lib/$APPNAME")
        body = body.replace("/etc/chromium.d/", f"{root}/etc/chromium.d/")
    path.write_text(head + body, encoding="utf-8")
    path.chmod(0o755)


def build(bundle: Path, manifest: dict, work: Path, trust: Path, env: dict) -> None:
    """The run's environment in ``work``: venv, wheels, signature check, evalkit, kernel, Chromium, poppler, fonts."""
    venv, py = work / "venv", work / "venv" / "bin" / "python"
    run(sys.executable, "-m", "venv", "--without-pip", venv, env=env, what="python3 -m venv")
    wheels = confined(bundle, manifest["wheels"])
    pip = [next(wheels.glob("pip-*.whl"), wheels / "pip-*.whl") / "pip", "install", "--isolated", "--no-index", "--no-cache-dir", "--no-compile",
           "--disable-pip-version-check", "--progress-bar", "off"]
    say(f"安装 {len(list(wheels.glob('*.whl')))} 个依赖包 installing the runtime lock from the bundle's wheels (--no-index --require-hashes)")
    run(py, *pip, "--find-links", wheels, "--only-binary", ":all:", "--require-hashes", "--requirement",
        confined(bundle, manifest["lock"]), env=env, what="pip install of the runtime lock")
    state = subprocess.run([str(py), __file__, "--signature", manifest["run"]["folder"], str(trust), manifest["run"]["city"]],
                           env=env, capture_output=True, text=True, cwd=bundle)
    verdict = json.loads(state.stdout) if state.returncode == 0 else ["refused", state.stderr.strip()[-500:]]
    if verdict[0] == "refused":
        raise Refused(f"manifest.json of the run: {verdict[1]} ({trust}); evalkit was not installed")
    say(f"运行记录签名 the run's manifest: {verdict[1]} (trusted keys: {trust})")
    shutil.copytree(confined(bundle, manifest["source"]["folder"]), work / "source")
    say("安装 evalkit installing evalkit from the bundled source")
    run(py, *pip, "--no-deps", "--no-build-isolation", "--editable", work / "source", env=env, what="pip install of evalkit")
    run(py, "-m", "ipykernel", "install", "--sys-prefix", "--name", "evalkit", "--display-name", "Python (evalkit)", env=env,
        what="registering the evalkit kernel")
    root = work / "root"
    root.mkdir()
    say(f"解包 {len(manifest['debian']['packages'])} 个 Debian 软件包 unpacking Chromium, pdftotext and their libraries without root")
    if not shutil.which("dpkg-deb", path=env["PATH"]):
        raise Failed("dpkg-deb is not installed: the replay unpacks the Debian packages with it, without root (需要 dpkg-deb)")
    for deb in manifest["debian"]["packages"]:
        run("dpkg-deb", "-x", confined(bundle, deb["file"]), root, env=env, what=f"dpkg-deb -x {deb['file']}")
    fonts = confined(bundle, manifest["fonts"]["chromium"])
    (work / "fonts.conf").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n  <dir>{escape(str(fonts))}</dir>\n'
        f'  <cachedir>{escape(str(work / "fontconfig"))}</cachedir>\n'
        f'  <include ignore_missing="yes">{escape(str(confined(bundle, manifest["fonts"]["rules"])))}</include>\n</fontconfig>\n',
        encoding="utf-8")
    (work / "bin").mkdir()
    debian = root / manifest["debian"]["chromium_wrapper"]
    wrapper(work / "bin" / "chromium", root / manifest["debian"]["chromium"], root, work,
            debian.read_text(encoding="utf-8") if debian.is_file() else None)
    wrapper(work / "bin" / "pdftotext", root / manifest["debian"]["pdftotext"], root, work)
    node = next(venv.glob("lib/python*/site-packages/playwright/driver/node"), None)
    if node is None:
        raise Failed("the installed Playwright has no Node.js (playwright/driver/node)")
    wrapper(work / "bin" / "node", node, root, work)
    done = subprocess.run([str(work / "bin" / "chromium"), "--version"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Failed(f"the bundled Chromium does not start on this machine: {done.stderr.strip()[-1500:]}")
    say(f"Chromium: {done.stdout.strip()} (the run's: {manifest['debian']['run_chromium']})")


def environment(work: Path, trust: Path) -> dict:
    """The environment evalkit runs in: nothing of the caller's (a PYTHONPATH, EVALKIT_DATA, pip's configuration, a home
    folder's Jupyter kernels or fonts), the bundle's Chromium and keys, git never looking above the replay's folder."""
    home = work / "home"
    env = {k: v for k, v in os.environ.items() if k in ("TZ", "TMPDIR", "TERM")}
    env.update({"PATH": f"{work / 'bin'}:{work / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
                "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
                "XDG_DATA_HOME": str(home / ".local" / "share"), "MPLCONFIGDIR": str(home / ".config" / "matplotlib"),
                "EVALKIT_CHROMIUM": str(work / "bin" / "chromium"), "EVALKIT_TRUST": str(trust),
                "EVALKIT_KEYS": str(home / "keys"), "EVALKIT_AUDITS": str(work / "audits"),
                "FONTCONFIG_FILE": str(work / "fonts.conf"), "GIT_CEILING_DIRECTORIES": str(work), "PIP_NO_INPUT": "1",
                "PLAYWRIGHT_NODEJS_PATH": str(work / "bin" / "node")})  # Playwright's Node.js needs libatomic1
    return env


def replay(bundle: Path, work: Path, trust: Path | None, timeout: int) -> int:
    manifest = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
    r = manifest["run"]
    say(f"复核 {r['city']} {r['period']}，运行编号 {r['id']}，核验码 {r['code']} replaying the audit of run {r['id']}")
    problems = verify(bundle, manifest, work)
    if problems:
        raise Refused("the bundle is damaged or was changed; nothing was installed (文件包已损坏或被改动，未安装任何内容):\n  "
                      + "\n  ".join(problems))
    say(f"已核对 {len(manifest['files'])} 个文件 every file matches bundle.json (SHA-256)")
    check_python(manifest["python"])
    problems = source_problems(bundle, manifest)
    if problems:
        raise Refused("; ".join(problems) + "; nothing was installed")
    say(f"源代码与运行记录一致 evalkit's source hashes as the run recorded ({manifest['source']['note']})")
    trust = trust or confined(bundle, manifest["trust"]["folder"])
    if work.exists() and any(work.iterdir()) and not (work / ".evalkit-replay").is_file():
        raise Refused(f"{work} is a folder with files, not an earlier replay's: name another with --work (工作目录非空)")
    shutil.rmtree(work, ignore_errors=True)
    (work / "home").mkdir(parents=True)
    (work / ".evalkit-replay").write_text("an evalkit replay's environment, replaced by the next replay\n", encoding="utf-8")
    env = {**environment(work, trust), "EVALKIT_FONTS": str(confined(bundle, "fonts/embedded"))}  # the faces the reports embed
    build(bundle, manifest, work, trust, env)
    run_dir = confined(bundle, r["folder"])
    say(f"复核 auditing {run_dir} (evalkit audit, offline)")
    code = subprocess.run([str(work / "venv" / "bin" / "evalkit"), "audit", str(run_dir), "--report", str(work / "audit"),
                           "--timeout", str(timeout)], env=env, cwd=work).returncode
    try:
        verdict = json.loads((work / "audit" / "audit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        verdict = {"verdict": "not verified", "verdict_zh": "未能核实"}
    locked = {re.split(r"[=\[ ]", line)[0].lower() for line in confined(bundle, manifest["lock"]).read_text().splitlines()}
    tools = [e for e in verdict.get("environment", []) if re.match(r"package (\S+): .* then, not installed now$", e)
             and e.split()[1].rstrip(":") not in locked]
    if tools:
        say(f"{len(tools)} 项环境差异是运行环境中的开发工具（不在运行时锁定文件中）: {len(tools)} of the environment differences are "
            f"development tools the run's environment held and the runtime lock leaves out (pytest, jupyterlab …)")
    say(f"复核结论：{verdict['verdict_zh']} verdict: {verdict['verdict']} (report: {work / 'audit'})")
    return 0 if code == 0 and verdict["verdict"] == "identical" else 1


def main(argv: list | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--signature"]:  # the venv's Python checking the manifest's signature
        print(json.dumps(signature_state(Path(args[1]), Path(args[2]), args[3]), ensure_ascii=False))
        return 0
    p = argparse.ArgumentParser(prog="replay", description="Rebuild the run's environment from this bundle, offline, and "
                                "audit the run: exit 0 when identical (离线复核：结果一致时返回 0).")
    p.add_argument("--work", type=Path, help=f"folder for the environment and the audit (default {WORK}/ here; replaced)")
    p.add_argument("--trust", type=Path, help="trusted keys (CITY/keys/*.pub, *.crt) instead of the bundle's: the city's own")
    p.add_argument("--timeout", type=int, default=600, help="seconds a notebook cell may take (default 600)")
    a = p.parse_args(args)
    bundle = Path(__file__).resolve().parent
    try:
        return replay(bundle, (a.work or bundle / WORK).resolve(), a.trust.resolve() if a.trust else None, a.timeout)
    except Refused as exc:
        say(f"拒绝复核 refused: {exc}")
        return 2
    except Failed as exc:
        say(f"环境构建失败 could not build the environment: {exc}")
        return 3
    except (OSError, ValueError, KeyError) as exc:
        say(f"拒绝复核 refused: bundle.json or the bundle cannot be read ({type(exc).__name__}: {exc}) (文件包无法读取)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
