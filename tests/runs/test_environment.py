"""The lock file pins every dependency with hashes; environment.yml pins the same versions; pyproject names them."""
from __future__ import annotations

import re
import sys
import tomllib

import yaml

from evalkit.core import paths
from evalkit.runs.wheelhouse import normalise
from evalkit.runs.wheelhouse import pins as locked

sys.path.insert(0, str(paths.ROOT / "deploy"))
from pin_environment import environment_yml, pins  # noqa: E402

LOCK = (paths.ROOT / "requirements.lock").read_text(encoding="utf-8")


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_every_locked_requirement_has_hashes():
    requirements = [b for b in re.split(r"\n(?=[A-Za-z0-9])", LOCK) if re.match(r"[A-Za-z0-9][^ ]*==", b)]
    assert len(requirements) == len(pins(LOCK)) > 100
    assert all("--hash=sha256:" in b for b in requirements)
    assert "evalkit" not in {n.lower() for n in pins(LOCK)}  # the editable install is not in the hashed lock


def test_lock_covers_pyproject():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    assert wanted <= {_name(n) for n in pins(LOCK)}


def test_environment_yml_pins_exactly_the_lock():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    pip_part = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pinned = dict(p.split("==") for p in pip_part if "==" in p)
    assert pinned == pins(LOCK)
    assert pip_part[-1] == "-e ."
    python = re.search(r"with Python (\d+\.\d+)", LOCK).group(1)
    assert f"python={python}" in env["dependencies"]
    # and it is exactly what `make lock` writes
    assert (paths.ROOT / "environment.yml").read_text(encoding="utf-8") == environment_yml(LOCK, python)


def test_make_setup_installs_from_the_lock():
    makefile = (paths.ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile and "--no-deps" in makefile
    assert "nbstripout --install --attributes .gitattributes" in makefile
    assert re.search(r"^lock:.*\n\t\$\(BIN\)/pip-compile .*--generate-hashes", makefile, re.M)


RUNTIME_LOCK = (paths.ROOT / "requirements-runtime.lock").read_text(encoding="utf-8")


def test_the_runtime_lock_is_the_development_lock_without_the_development_tools():
    """What an offline replay installs (evalkit bundle): a subset of requirements.lock with the very same pins and
    hashes, holding pyproject's runtime dependencies, its build requirements and pip, and none of the tools."""
    dev = {p.key: p for p in locked(LOCK)}
    runtime = locked(RUNTIME_LOCK)
    assert len(runtime) > 100 and all(p.hashes for p in runtime)
    assert {p.key for p in runtime} <= set(dev)
    assert [p.key for p in runtime if (p.version, set(p.hashes)) != (dev[p.key].version, set(dev[p.key].hashes))] == []
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())
    needed = {_name(r) for r in project["project"]["dependencies"] + project["build-system"]["requires"]} | {"pip"}
    assert {normalise(n) for n in needed} <= {p.key for p in runtime}
    tools = {normalise(_name(r)) for r in project["project"]["optional-dependencies"]["dev"]}
    tools |= {"pytest", "pytest-xdist", "hypothesis", "jupyterlab", "pip-tools", "import-linter", "nbstripout", "build", "pluggy"}
    assert tools & {p.key for p in runtime} == set()
    makefile = (paths.ROOT / "Makefile").read_text()
    assert re.search(r"pip-compile .*\\\n\t\t--constraint requirements.lock --output-file requirements-runtime.lock", makefile)
