"""evalkit bundle and its offline replay, end to end: a run made from a committed copy of this checkout (so that its
commit is known and clean, whatever state the checkout is in), bundled, unpacked and replayed in a network namespace
with no network (``unshare -n``); a changed file, a forged source and another Python refused before anything is
installed; a forged manifest refused before any evalkit code runs."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from evalkit.core import paths, sm2
from evalkit.core.errors import EvalkitError, StorageError
from evalkit.runs import bundle, bundle_source, provenance, replay
from evalkit.runs.archive import load_manifest
from evalkit.runs.wheelhouse import Wheels, pins

pytestmark = pytest.mark.slow
BASE_PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
"""The interpreter this venv was made from: what an auditor's ``python3`` is in the replay."""


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=evalkit tests", "-c", "user.email=tests@evalkit.invalid", *args], cwd=root,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """This checkout's files as they are now (tracked and untracked, not ignored), committed in a repository of their own."""
    root = tmp_path_factory.mktemp("project")
    for name in _git(paths.ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0"):
        if name and (paths.ROOT / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(paths.ROOT / name, root / name)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the checkout under test")
    return root


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``evalkit`` run from the committed copy (its source, notebooks, params and git state)."""
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], cwd=project, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(project / "src")})


@pytest.fixture(scope="module")
def bundled(project, tmp_path_factory) -> dict:
    """One signed run of the fixture period from the committed copy, its bundle, and the bundle unpacked."""
    tmp = tmp_path_factory.mktemp("bundle")
    done = cli(project, "run", "baotou", "2022H1", "--outputs", str(tmp / "outputs"), "--params", str(project / "tests/fixtures/params"))
    assert done.returncode == 0, done.stderr
    run_dir = tmp / "outputs" / "baotou" / "2022H1"
    made = cli(project, "bundle", str(run_dir), "-o", str(tmp / "baotou-2022H1.tar"), "--quiet")
    assert made.returncode == 0, made.stderr
    unpacked = tmp / "unpacked"
    unpacked.mkdir()
    subprocess.run(["tar", "-xf", str(tmp / "baotou-2022H1.tar"), "-C", str(unpacked)], check=True)
    return {"run": run_dir, "file": tmp / "baotou-2022H1.tar", "dir": unpacked, "output": made.stdout,
            "commit": _git(project, "rev-parse", "HEAD").strip(), "manifest": json.loads((unpacked / "bundle.json").read_text())}


def _unshare() -> list[str]:
    for command in (["unshare", "-n"], ["unshare", "-rn"]):
        if shutil.which("unshare") and subprocess.run([*command, "true"], capture_output=True).returncode == 0:
            return command
    pytest.skip("unshare -n (a network namespace with no network) is not permitted here: the offline replay cannot be shown")


def replayed(folder: Path, *, python: Path = BASE_PYTHON, offline: bool = False) -> subprocess.CompletedProcess:
    """``replay`` as an auditor runs it: the machine's python3, nothing of this session's environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder.parent / "home"), "LANG": "C.UTF-8"}
    return subprocess.run([*(_unshare() if offline else []), str(python), str(folder / "replay")], capture_output=True,
                          text=True, env=env, timeout=900)


def copy_of(bundled: dict, tmp_path: Path) -> Path:
    """A copy of the unpacked bundle made of hard links (a test replaces a file, never writes into a shared one)."""
    shutil.copytree(bundled["dir"], tmp_path / "bundle", copy_function=os.link, ignore=shutil.ignore_patterns("replay-env"))
    return tmp_path / "bundle"


def test_the_bundle_holds_the_run_its_source_wheels_packages_fonts_and_keys(bundled):
    m, top = bundled["manifest"], bundled["dir"]
    with tarfile.open(bundled["file"]) as tar:
        members = tar.getmembers()
    assert members[0].name == "replay" and members[0].mode == 0o755 and members[1].name == "bundle.json"
    assert {t.name for t in members} == set(m["files"]) | {"bundle.json"}
    assert m["source"]["origin"] == "git archive" and m["source"]["commit"] == bundled["commit"]
    assert m["source"]["source_sha256"] == load_manifest(bundled["run"])["software"]["source_sha256"]
    assert m["lock_from"] == "the run's source" and (top / "source" / "requirements-runtime.lock").is_file()
    assert [b["name"] for b in m["built_from_sdist"]] == ["fontmeta"]  # PyPI has only its sdist: built, not skipped
    assert sum(1 for p in (top / "wheels").glob("*.whl")) == len(pins((top / "requirements-runtime.lock").read_text()))
    packages = {d["name"] for d in m["debian"]["packages"]}
    assert {"chromium", "chromium-common", "poppler-utils", "libnss3"} <= packages and "libc6" not in packages
    assert all(d["checked_against_debian_index"] for d in m["debian"]["packages"])
    assert m["fonts"]["embedded"] == m["fonts"]["run_embedded"] and any((top / "fonts" / "chromium").glob("NotoSansCJK*"))
    assert sorted(p.suffix for p in (top / "trust" / "baotou" / "keys").iterdir()) == [".crt", ".pub"]
    assert m["python"]["series"] == f"{sys.version_info[0]}.{sys.version_info[1]}" and "SHA-256" in bundled["output"]
    assert 0 < bundled["file"].stat().st_size - sum(f["size"] for f in m["files"].values()) < 3_000_000  # headers, bundle.json


def test_the_replay_rebuilds_the_environment_offline_and_finds_the_run_identical(bundled):
    done = replayed(bundled["dir"], offline=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout + done.stderr
    assert "every file matches bundle.json" in out and "signed with baotou's key" in out
    assert "复核结论：结果一致 verdict: identical" in out and "Traceback" not in out
    work = bundled["dir"] / "replay-env"
    assert json.loads((work / "audit" / "audit.json").read_text())["verdict"] == "identical"
    pth = next((work / "venv" / "lib").glob("python*/site-packages/__editable__.evalkit-*.pth")).read_text()
    assert str(work / "source" / "src") in pth  # the bundle's evalkit ran, not this checkout's
    assert (work / "bin" / "chromium").read_text().count(str(work / "root")) >= 2


@pytest.mark.parametrize("what", ["wheel", "results", "source"])
def test_a_changed_file_is_refused_before_anything_is_installed(bundled, tmp_path, what):
    copy = copy_of(bundled, tmp_path)
    target = {"wheel": next(copy.glob("wheels/pandas-*.whl")), "results": copy / "run" / "baotou" / "2022H1" / "results.csv",
              "source": copy / "source" / "src" / "evalkit" / "scoring" / "ranking.py"}[what]
    data = target.read_bytes()
    target.unlink()  # a new file: the shared (hard-linked) one stays as it was
    target.write_bytes(data[:-1] if what == "wheel" else data + b"\n")
    done = replayed(copy)
    assert done.returncode == 2 and "refused" in done.stdout and target.relative_to(copy).as_posix() in done.stdout
    assert "nothing was installed" in done.stdout and not (copy / "replay-env").exists()


def test_a_forged_source_whose_hash_bundle_json_agrees_with_is_refused(bundled, tmp_path):
    """Who changes the source and bundle.json together still does not match the run's signed manifest."""
    copy = copy_of(bundled, tmp_path)
    name = "source/src/evalkit/scoring/ranking.py"
    data = (copy / name).read_bytes() + b"\n# forged\n"
    (copy / name).unlink()
    (copy / name).write_bytes(data)
    m = json.loads((copy / "bundle.json").read_text())
    m["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (copy / "bundle.json").unlink()
    (copy / "bundle.json").write_text(json.dumps(m))
    done = replayed(copy)
    assert done.returncode == 2 and "does not hash as the run's manifest records" in done.stdout
    assert not (copy / "replay-env").exists()


def test_a_work_folder_that_is_not_a_replays_is_left_alone(bundled, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("the auditor's own", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path)}
    done = subprocess.run([str(BASE_PYTHON), str(bundled["dir"] / "replay"), "--work", str(mine)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 2 and "not an earlier replay's" in done.stdout and (mine / "notes.txt").is_file()


def test_another_python_is_refused_with_what_it_needs(bundled, tmp_path):
    """Another series (the wheels are cp311), or one too old for a wheel (soupsieve needs 3.11.5; Debian 12's python3 is
    3.11.2): refused after the files are checked, before anything is installed, saying what is needed."""
    py = bundled["manifest"]["python"]
    found = {}
    for path in [Path("/usr/bin/python3"), *sorted(Path.home().glob(".pyenv/versions/3.*/bin/python3"))]:
        if path.is_file() and path.resolve() != BASE_PYTHON.resolve():
            version = subprocess.run([str(path), "-c", "import platform; print(platform.python_version())"], capture_output=True,
                                     text=True).stdout.strip()
            if version and tuple(map(int, version.split(".")[:2])) >= (3, 8):
                kind = "other series" if not version.startswith(py["series"] + ".") else "too old" if \
                    tuple(map(int, version.split("."))) < tuple(map(int, py["minimum"].split("."))) else None
                found.setdefault(kind, path)
    found.pop(None, None)
    if not found:
        pytest.skip(f"no Python here but {py['series']} at {py['minimum']} or later")
    expected = {"other series": f"the bundle's wheels are for CPython {py['series']}",
                "too old": f"the bundle's wheels need Python {py['minimum']} or later"}
    copy = copy_of(bundled, tmp_path)
    for kind, python in found.items():
        done = replayed(copy, python=python)
        assert done.returncode == 2 and expected[kind] in done.stdout and "Traceback" not in done.stdout, (python, done.stdout)
    assert not (copy / "replay-env").exists()


def test_the_replay_checks_the_manifest_signature_as_evalkit_does(bundled, tmp_path):
    """Run by the venv's Python before any evalkit code: the real signature holds; an edited manifest, a key the city
    does not trust, a removed signature where the city signs are refused; an SM2 signature (国密) holds too."""
    trust = bundled["dir"] / "trust"
    run = tmp_path / "run"
    shutil.copytree(bundled["run"], run)
    assert replay.signature_state(run, trust, "baotou")[0] == "signed"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["parameters"]["strict"] = False
    (run / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert replay.signature_state(run, trust, "baotou") == ("refused", "the signature does not match the manifest: forged or changed (签名不符)")
    assert replay.signature_state(run, tmp_path / "no-keys", "baotou")[0] == "refused"  # signed by a key nobody trusts
    (run / "manifest.sig").unlink()
    assert replay.signature_state(run, trust, "baotou")[0] == "refused"  # unsigned, where the city signs
    assert replay.signature_state(run, tmp_path / "no-keys", "baotou")[0] == "unsigned"  # a city without keys
    key = sm2.generate()
    (tmp_path / "sm2" / "city" / "keys").mkdir(parents=True)
    (tmp_path / "sm2" / "city" / "keys" / "k.pub").write_bytes(sm2.public_pem(key))
    record = {"algorithm": sm2.ALGORITHM, "key": sm2.fingerprint(key.public_key()),
              "signature": base64.b64encode(sm2.sign(key, (run / "manifest.json").read_bytes())).decode()}
    (run / "manifest.sig").write_text(json.dumps(record))
    assert replay.signature_state(run, tmp_path / "sm2", "city")[0] == "signed"
    assert replay.signature_state(run, trust, "baotou")[0] == "refused"  # a key baotou does not trust


def test_the_replay_hashes_the_source_as_provenance_does():
    assert replay.source_hash(provenance.PACKAGE) == provenance.source_hash()


def test_a_run_whose_source_is_neither_its_commit_nor_installed_is_refused(tmp_path):
    manifest = {"git": {"commit": "0" * 40, "dirty": True, "changed": ["src/evalkit/scoring/ranking.py"]},
                "software": {"source_sha256": "0" * 64}, "notebook": "10_period_assessment.ipynb"}
    with pytest.raises(EvalkitError, match="the run used uncommitted code .* and the installed evalkit hashes"):
        bundle_source.source(manifest, tmp_path / "source")
    notebook = paths.ROOT / "notebooks" / "10_period_assessment.ipynb"
    manifest["software"]["source_sha256"] = provenance.source_hash()
    manifest["source_notebook"] = {"sha256": hashlib.sha256(notebook.read_bytes()).hexdigest()}
    taken = bundle_source.source(manifest, tmp_path / "installed")  # uncommitted, but the installed source is the run's
    assert taken.origin == "installed" and "was taken instead" in taken.note
    assert provenance.source_hash(taken.root / "src" / "evalkit") == provenance.source_hash()


def test_a_lock_that_pins_other_versions_than_the_run_had_is_refused(tmp_path):
    (tmp_path / "requirements-runtime.lock").write_text("pandas==0.1 \\\n    --hash=sha256:" + "a" * 64 + "\n")
    with pytest.raises(EvalkitError, match=r"pins other versions than the run used: pandas 0.1 \(the run had \d"):
        bundle_source.runtime_lock(tmp_path, {"software": {"packages": provenance.distributions()}})


def test_bundle_errors_are_one_line_and_nothing_is_left_half_written(bundled, tmp_path, monkeypatch, project, capsys):
    from evalkit.cli.main import main

    for run_dir, name, message in ((tmp_path, "b.tar", "no manifest.json"), (bundled["run"], "b.zip", "a bundle is a .tar"),
                                   (bundled["run"], bundled["file"], "exists")):
        assert main(["bundle", str(run_dir), "-o", str(tmp_path / name)]) == 2
        assert message in capsys.readouterr().err

    def broken(partial, *args, **kwargs):
        partial.write_bytes(b"half a bundle")
        raise OSError(28, "No space left on device")

    def no_wheels(lock, folder, **kwargs):  # the wheels and packages are not what this test is about: kept out, for time
        folder.mkdir(parents=True)
        return Wheels(folder, lock, [])

    monkeypatch.setattr(bundle, "_write", broken)
    monkeypatch.setattr(bundle.wheelhouse, "gather", no_wheels)
    monkeypatch.setattr(bundle.system_packages, "debs", lambda distributions: [])
    with pytest.raises(StorageError, match="No space left on device; nothing was written"):
        bundle.make_bundle(bundled["run"], tmp_path / "out.tar", project=project, progress=False, say=lambda _: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
