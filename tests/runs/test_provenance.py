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
