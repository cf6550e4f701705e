"""Names from outside stay names: a city or a period is one plain folder name, never a path."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.core import paths
from evalkit.core.errors import ParameterError


@pytest.mark.parametrize("name", ["baotou", "xining", "synthetic", "city-2", "new_city", "a.b", "包头", "2022H1", "x" * 64])
def test_plain_names_are_accepted(name):
    assert paths.city_name(name) == name


@pytest.mark.parametrize("name", ["", "../../elsewhere/x", "..", "a/../b", "/etc", "a/b", "a\\b", ".hidden", "a..b", "a.",
                                  "a\x00b", "a\nb", "baotou\n", "a\tb", "a b", " a", "-a", "_a", "x" * 65, None, 7, b"baotou"])
def test_anything_else_is_refused(name):
    with pytest.raises(ParameterError, match="expected a plain name .* not a path"):
        paths.city_name(name)


def test_the_folders_of_a_city_and_a_period_check_both_names():
    with pytest.raises(ParameterError, match="city '../x'"):
        paths.city_dir("../x")
    with pytest.raises(ParameterError, match="period '../../x'"):
        paths.period_dir("baotou", "../../x")
    assert paths.period_dir("baotou", "2022H1") == paths.DATA / "baotou" / "2022H1"


@given(st.text(max_size=70))
def test_an_accepted_name_is_one_folder_inside_its_parent(name):
    try:
        paths.city_name(name)
    except ParameterError:
        return
    base = Path("/srv/data")
    target = base / name
    assert target.parent == base and os.path.normpath(target) == str(target) and not name.startswith(".")
    assert all(ord(c) >= 32 for c in name) and "/" not in name and "\\" not in name


def test_a_variable_set_for_a_block_is_as_it_was_after_it(monkeypatch):
    monkeypatch.delenv("EVALKIT_TEST_VARIABLE", raising=False)
    with paths.variable("EVALKIT_TEST_VARIABLE", "a"):
        assert os.environ["EVALKIT_TEST_VARIABLE"] == "a"
    assert "EVALKIT_TEST_VARIABLE" not in os.environ
    monkeypatch.setenv("EVALKIT_TEST_VARIABLE", "before")
    try:
        with paths.variable("EVALKIT_TEST_VARIABLE", ""):
            raise KeyError("an error inside the block")
    except KeyError:
        pass
    assert os.environ["EVALKIT_TEST_VARIABLE"] == "before"
