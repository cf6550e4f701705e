"""Provenance: a fresh clone of the repository, set up as `make setup` sets git up, is clean, so its runs are not
recorded as running uncommitted code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from evalkit.core import paths
from evalkit.runs import provenance


def test_a_fresh_clone_with_the_notebook_filter_is_clean(tmp_path):
    """The committed notebooks are exactly what the git filter (nbstripout, installed by make setup) writes:
    re-applying the filter to every tracked notebook changes nothing, and git_state says not dirty."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(paths.ROOT), str(clone)], check=True)
    nbstripout = Path(sys.executable).with_name("nbstripout")
    subprocess.run([str(nbstripout), "--install", "--attributes", ".gitattributes"], cwd=clone, check=True)
    subprocess.run(["git", "add", "--renormalize", "--", "notebooks"], cwd=clone, check=True)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True).stdout
    assert status == ""
    state = provenance.git_state(clone)
    assert state["dirty"] is False and state["changed"] == []


def test_the_manifest_records_an_override_and_its_hash(tmp_path):
    """A what-if run (``applicability:`` in its params) records the file, its SHA-256 and that it is not official."""
    import hashlib

    from evalkit.core import paths as project
    from evalkit.inputs.params import load_params
    from evalkit.runs.archive import applicability

    override = tmp_path / "调整.csv"
    override.write_text("考评对象,指标\n昆都仑区,1\n", encoding="utf-8")
    (tmp_path / "params" / "baotou").mkdir(parents=True)
    source = (project.PARAMS / "baotou" / "2022H1.yaml").read_text(encoding="utf-8")
    (tmp_path / "params" / "baotou" / "2022H1.yaml").write_text(source.replace("data_dir: null", f"data_dir: null\napplicability: {override}"),
                                                                 encoding="utf-8")
    digest = hashlib.sha256(override.read_bytes()).hexdigest()
    digits = f"{int(digest, 16) % 10 ** 12:012d}"
    got = applicability(load_params("baotou", "2022H1", tmp_path / "params"))
    assert [(g["sha256"], g["check"], g["standing"]) for g in got] == [(digest, f"{digits[:4]}-{digits[4:8]}-{digits[8:]}", "测算结果，非正式结果")]
    assert got[0]["path"].endswith("调整.csv")
    assert applicability(load_params("baotou", "2022H1")) == []  # an official run: no entry, the manifest as before
